//! One call to one Durable Object, by name, given up after a timeout: a POST of text to a path (the ledger's dead letters and the configuration store) or an RPC method of the object's class (the ledger's claims and settles).

use crate::upstream::describe;
use ::worker::ObjectNamespace;
use futures_util::future::{select, Either};
use js_sys::Promise;
use std::future::Future;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    /// A Durable Object stub, called with the runtime's own `fetch(url, init)`.
    type ObjectStub;
    #[wasm_bindgen(method, js_name = fetch)]
    fn fetch(this: &ObjectStub, url: &str, init: &RequestInit) -> Promise;
    /// The runtime's `scheduler.wait(ms)`: a promise resolved after `ms`, a call's timeout (a
    /// Rust `Delay` makes a closure and clears its timer, which showed in a one-event
    /// delivery's profile); a wait outliving its call ends with the request.
    #[wasm_bindgen(js_namespace = scheduler, js_name = wait)]
    fn scheduler_wait(ms: f64) -> Promise;
}

/// The stub of the object named `name`, as the JavaScript type `T` whose methods it is called
/// by (`name: …` when there is none).
pub fn stub<T: JsCast>(namespace: &ObjectNamespace, name: &str) -> Result<T, String> {
    namespace
        .id_from_name(name)
        .and_then(|id| id.get_stub())
        .map(|stub| stub.into_rpc::<T>())
        .map_err(|e| format!("{name}: {e}"))
}

/// An RPC method's answer, which must be text: what `call` returns, awaited, or why there is
/// none (`name: …`).
pub async fn method_text(name: &str, call: Promise, timeout_ms: u64) -> Result<String, String> {
    let answer = within(name, JsFuture::from(call), timeout_ms).await?;
    answer
        .as_string()
        .ok_or_else(|| format!("{name}: the answer is not text"))
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
    let stub: ObjectStub = stub(namespace, name)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body));
    let url = format!("https://object{path}");
    let exchange = async move {
        let response: Response = JsFuture::from(stub.fetch(&url, &init)).await?.dyn_into()?;
        let text = JsFuture::from(response.text()?).await?;
        Ok::<_, JsValue>((response.status(), text.as_string().unwrap_or_default()))
    };
    match within(name, exchange, timeout_ms).await? {
        (200, text) => Ok(text),
        (status, text) => {
            let text: String = text.chars().take(200).collect();
            Err(format!("{name}: HTTP {status}: {text}"))
        }
    }
}

/// What `call` gives, unless it fails or takes longer than `timeout_ms` (`name: …`).
async fn within<T>(
    name: &str,
    call: impl Future<Output = Result<T, JsValue>>,
    timeout_ms: u64,
) -> Result<T, String> {
    let timeout = JsFuture::from(scheduler_wait(timeout_ms as f64));
    match select(Box::pin(call), timeout).await {
        Either::Left((Ok(answer), _)) => Ok(answer),
        Either::Left((Err(error), _)) => Err(format!("{name}: {}", describe(&error))),
        Either::Right(_) => Err(format!("{name}: no answer within {timeout_ms} ms")),
    }
}
