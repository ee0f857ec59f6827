//! The URL parser the configuration reads `BLOOMREACH_API_BASE_URL` with: the Workers runtime's WHATWG `URL` (crates/js-url, as the npm package's), so the wasm carries no URL parser; the `url` crate in host tests.

pub use segment_bloomreach_js_url::RuntimeUrl;
