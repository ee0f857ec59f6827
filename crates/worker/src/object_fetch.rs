//! One request to one Durable Object, by name, as text both ways, given up after a timeout (the ledger's objects and the configuration store both talk this way).

use crate::upstream::describe;
use ::worker::{Delay, ObjectNamespace};
use futures_util::future::{select, Either};
use js_sys::Promise;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    /// A Durable Object stub, called with the runtime's own `fetch(url, init)`.
    type ObjectStub;
    #[wasm_bindgen(method, js_name = fetch)]
    fn fetch(this: &ObjectStub, url: &str, init: &RequestInit) -> Promise;
}

/// POSTs `body` to `path` of the object named `name`: its answer's text when it is a 200, or
/// why there is none (`name: …`).
pub async fn exchange(
    namespace: &ObjectNamespace,
    name: &str,
    path: &str,
    body: String,
    timeout_ms: u64,
) -> Result<String, String> {
    let stub = namespace
        .id_from_name(name)
        .and_then(|id| id.get_stub())
        .map_err(|e| format!("{name}: {e}"))?
        .into_rpc::<ObjectStub>();
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body));
    let url = format!("https://object{path}");
    let exchange = Box::pin(async move {
        let response: Response = JsFuture::from(stub.fetch(&url, &init)).await?.dyn_into()?;
        let text = JsFuture::from(response.text()?).await?;
        Ok::<_, JsValue>((response.status(), text.as_string().unwrap_or_default()))
    });
    let timeout = Box::pin(Delay::from(Duration::from_millis(timeout_ms)));
    match select(exchange, timeout).await {
        Either::Left((Ok((200, text)), _)) => Ok(text),
        Either::Left((Ok((status, text)), _)) => {
            let text: String = text.chars().take(200).collect();
            Err(format!("{name}: HTTP {status}: {text}"))
        }
        Either::Left((Err(error), _)) => Err(format!("{name}: {}", describe(&error))),
        Either::Right(_) => Err(format!("{name}: no answer within {timeout_ms} ms")),
    }
}
