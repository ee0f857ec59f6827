//! The JavaScript runtime's WHATWG `URL` (Node, browsers, edge runtimes) as the core's URL parser, for the npm package's wasm modules; on the host (their tests) the `url` crate's, as the core's own host builds use.

#[cfg(not(target_arch = "wasm32"))]
pub use segment_bloomreach::base_url::UrlCrate as RuntimeUrl;

#[cfg(target_arch = "wasm32")]
pub use js::RuntimeUrl;

#[cfg(target_arch = "wasm32")]
mod js {
    use segment_bloomreach::base_url::{UrlParser, UrlParts};
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `globalThis.URL`.
        #[wasm_bindgen(js_name = URL)]
        type JsUrl;

        #[wasm_bindgen(constructor, js_class = "URL", catch)]
        fn new(input: &str) -> Result<JsUrl, JsValue>;
        #[wasm_bindgen(method, getter)]
        fn href(this: &JsUrl) -> String;
        #[wasm_bindgen(method, getter)]
        fn protocol(this: &JsUrl) -> String;
        #[wasm_bindgen(method, getter)]
        fn username(this: &JsUrl) -> String;
        #[wasm_bindgen(method, getter)]
        fn password(this: &JsUrl) -> String;
        #[wasm_bindgen(method, getter)]
        fn hostname(this: &JsUrl) -> String;
        #[wasm_bindgen(method, getter)]
        fn port(this: &JsUrl) -> String;
        #[wasm_bindgen(method, getter)]
        fn pathname(this: &JsUrl) -> String;
        #[wasm_bindgen(method, getter)]
        fn search(this: &JsUrl) -> String;
        #[wasm_bindgen(method, getter)]
        fn hash(this: &JsUrl) -> String;
    }

    /// `new URL(input)`: its parts, or `None` when it throws.
    pub struct RuntimeUrl;

    impl UrlParser for RuntimeUrl {
        fn parse(&self, input: &str) -> Option<UrlParts> {
            let url = JsUrl::new(input).ok()?;
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
