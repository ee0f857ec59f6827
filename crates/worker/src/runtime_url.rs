//! The URL parser the configuration reads `BLOOMREACH_API_BASE_URL` with: the Workers runtime's WHATWG `URL` in the Worker (so its wasm carries no URL parser), the `url` crate in host tests.

#[cfg(not(target_arch = "wasm32"))]
pub use segment_bloomreach::base_url::UrlCrate as RuntimeUrl;

#[cfg(target_arch = "wasm32")]
pub use runtime::RuntimeUrl;

#[cfg(target_arch = "wasm32")]
mod runtime {
    use segment_bloomreach::base_url::{UrlParser, UrlParts};

    /// `new URL(input)` in the Workers runtime: its parts, or `None` when it throws.
    pub struct RuntimeUrl;

    impl UrlParser for RuntimeUrl {
        fn parse(&self, input: &str) -> Option<UrlParts> {
            let url = web_sys::Url::new(input).ok()?;
            Some(UrlParts {
                href: url.href(),
                protocol: url.protocol(),
                username: url.username(),
                password: url.password(),
                hostname: url.hostname(),
                port: url.port(),
                pathname: url.pathname(),
                search: url.search(),
                hash: url.hash(),
            })
        }
    }
}
