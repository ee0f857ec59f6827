//! The I/O service: one `POST` of a batch body to Bloomreach with a timeout; status 0 when no answer came.
//!
//! The exchange is a `'static` future (the body is copied into a JavaScript array when it is
//! made), so a caller that stops waiting for it can hand it to `waitUntil` and still hear the
//! answer.
//!
//! It calls the runtime's `fetch(url, init)` directly, from a few lines of JavaScript that also
//! read the whole answer (one crossing out of wasm and one promise per exchange): the body goes
//! over as bytes, the answer comes back as bytes with one `arrayBuffer()`, and the timeout is
//! `AbortSignal.timeout()` (a native timer that also stops the body read). The URL and headers are made into JavaScript
//! values once per delivery run ([`Upstream`]), not per request. Through workers-rs each call
//! built a `Request` wrapper and read the answer chunk by chunk through a stream reader, and
//! text crossing into wasm is copied a character at a time by the glue: all of it cost more CPU
//! inside workerd than the mapping.

use js_sys::{JsString, Promise, Uint8Array};
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Headers;

use crate::delivery::retry::parse_retry_after;
use segment_bloomreach::response::NO_RESPONSE;
use segment_bloomreach::BatchRequest;

#[wasm_bindgen(inline_js = "export function postBatch(url, headers, body, ms) {
  const signal = AbortSignal.timeout(ms);
  return fetch(url, { method: 'POST', headers, body, signal })
    .then((r) => r.arrayBuffer().then((b) => ({ ok: true, status: r.status, retryAfter: r.headers.get('Retry-After'), body: new Uint8Array(b) })))
    .catch((error) => ({ ok: false, error, aborted: signal.aborted }));
}")]
extern "C" {
    /// `fetch(url, {method: "POST", headers, body, signal})` with `AbortSignal.timeout(ms)`, and
    /// the answer read whole: one promise, which always resolves, to one [`Exchanged`]. Done in
    /// JavaScript, the request, the answer's status, `Retry-After` and bytes cost one crossing
    /// out of wasm and one promise, where calling each from Rust cost a dozen and two.
    #[wasm_bindgen(js_name = postBatch)]
    fn post_batch_js(url: &JsString, headers: &Headers, body: &Uint8Array, ms: u32) -> Promise;

    /// What `postBatch` resolves to.
    type Exchanged;
    /// An answer came and was read whole (else `error` and `aborted` say why not).
    #[wasm_bindgen(method, getter)]
    fn ok(this: &Exchanged) -> bool;
    #[wasm_bindgen(method, getter)]
    fn status(this: &Exchanged) -> u16;
    #[wasm_bindgen(method, getter, js_name = retryAfter)]
    fn retry_after(this: &Exchanged) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn body(this: &Exchanged) -> Uint8Array;
    #[wasm_bindgen(method, getter)]
    fn error(this: &Exchanged) -> JsValue;
    /// The timeout's signal had fired when the exchange failed.
    #[wasm_bindgen(method, getter)]
    fn aborted(this: &Exchanged) -> bool;
}

/// Where batches go and with which headers, as JavaScript values made once per delivery run.
pub struct Upstream {
    url: JsString,
    headers: Headers,
}

impl Upstream {
    /// The batch endpoint and its headers (`fetch` copies them into each request).
    pub fn new(url: &str, authorization: &str) -> Result<Upstream, String> {
        let headers = Headers::new().map_err(|e| describe(&e))?;
        headers
            .set("Authorization", authorization)
            .and_then(|()| headers.set("Content-Type", BatchRequest::CONTENT_TYPE))
            .map_err(|_| "the Authorization header could not be set".to_string())?;
        Ok(Upstream {
            url: JsString::from(url),
            headers,
        })
    }
}

/// What came back from one request.
#[derive(Debug)]
pub struct UpstreamReply {
    /// [`NO_RESPONSE`] (0) for a network failure or a timeout.
    pub status: u16,
    pub body: String,
    pub retry_after_ms: Option<u64>,
    pub duration_ms: u64,
    /// Why there was no response (never contains the Authorization header).
    pub error: Option<String>,
    /// No answer came before the timeout (Bloomreach may still have saved the commands); other
    /// failures to get an answer say the request did not go through.
    pub timed_out: bool,
}

impl UpstreamReply {
    /// No response: a network failure, a timeout, or a request that could not be made.
    pub fn no_answer(error: String, duration_ms: u64) -> UpstreamReply {
        UpstreamReply {
            status: NO_RESPONSE,
            body: String::new(),
            retry_after_ms: None,
            duration_ms,
            error: Some(error),
            timed_out: false,
        }
    }
}

/// Sends `body` to the batch endpoint, giving up (and aborting the request and its body) after
/// `timeout_ms`. The request starts when the future is first polled.
pub fn post_batch(
    upstream: Rc<Upstream>,
    body: &str,
    timeout_ms: u64,
) -> impl Future<Output = UpstreamReply> + 'static {
    let bytes = Uint8Array::from(body.as_bytes());
    async move {
        let started = crate::clock::now_ms();
        let ms = u32::try_from(timeout_ms).unwrap_or(u32::MAX);
        let exchanged = JsFuture::from(post_batch_js(&upstream.url, &upstream.headers, &bytes, ms))
            .await
            .map(JsCast::unchecked_into::<Exchanged>);
        let duration_ms = crate::clock::now_ms().saturating_sub(started);
        match exchanged {
            Ok(answer) if answer.ok() => UpstreamReply {
                status: answer.status(),
                // Not valid UTF-8: kept readable, and read_response will not find the JSON it
                // expects.
                body: String::from_utf8(answer.body().to_vec())
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                retry_after_ms: answer.retry_after().and_then(|v| parse_retry_after(&v)),
                duration_ms,
                error: None,
                timed_out: false,
            },
            Ok(failed) if failed.aborted() => UpstreamReply {
                timed_out: true,
                ..UpstreamReply::no_answer(format!("no answer within {timeout_ms} ms"), duration_ms)
            },
            Ok(failed) => UpstreamReply::no_answer(
                format!("request failed: {}", describe(&failed.error())),
                duration_ms,
            ),
            Err(error) => UpstreamReply::no_answer(
                format!("request failed: {}", describe(&error)),
                duration_ms,
            ),
        }
    }
}

/// A thrown value as text: an `Error`'s message, or the value itself.
pub fn describe(error: &JsValue) -> String {
    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    error
        .as_string()
        .unwrap_or_else(|| "the runtime gave no reason".into())
}
