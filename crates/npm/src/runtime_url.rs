//! The URL parser the package's settings are read with: the runtime's WHATWG `URL` (crates/js-url, shared with the `segment-bloomreach/config` wasm).

pub use segment_bloomreach_js_url::RuntimeUrl;
