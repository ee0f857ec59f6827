//! The I/O service: one `POST` of a batch body to Bloomreach with a timeout; status 0 when no answer came.
//!
//! It calls the runtime's `fetch(url, init)` directly: the body goes over as bytes, the answer is
//! read with one `text()`, and the timeout is `AbortSignal.timeout()` (a native timer that also
//! stops the body read). Through workers-rs each call also built a `Request` wrapper and read the
//! answer chunk by chunk through a stream reader, which cost more CPU than the mapping.

use ::worker::Date;
use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestInit, Response};

use crate::batch::BatchRequest;
use crate::delivery::parse_retry_after;
use crate::response::NO_RESPONSE;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` of the Workers runtime.
    #[wasm_bindgen(js_name = fetch)]
    fn runtime_fetch(url: &str, init: &RequestInit) -> Promise;
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
}

/// Sends `body` to `url`, giving up (and aborting the request and its body) after `timeout_ms`.
pub async fn post_batch(
    url: &str,
    authorization: &str,
    body: String,
    timeout_ms: u64,
) -> UpstreamReply {
    let started = Date::now().as_millis();
    let signal = AbortSignal::timeout_with_u32(u32::try_from(timeout_ms).unwrap_or(u32::MAX));
    let outcome = exchange(url, authorization, &body, &signal)
        .await
        .map_err(|error| {
            if signal.aborted() {
                format!("no answer within {timeout_ms} ms")
            } else {
                format!("request failed: {}", describe(&error))
            }
        });
    let duration_ms = Date::now().as_millis().saturating_sub(started);
    match outcome {
        Ok((status, body, retry_after_ms)) => UpstreamReply {
            status,
            body,
            retry_after_ms,
            duration_ms,
            error: None,
        },
        Err(error) => UpstreamReply {
            status: NO_RESPONSE,
            body: String::new(),
            retry_after_ms: None,
            duration_ms,
            error: Some(error),
        },
    }
}

/// The request and the whole answer: status, body text, `Retry-After` in milliseconds.
async fn exchange(
    url: &str,
    authorization: &str,
    body: &str,
    signal: &AbortSignal,
) -> Result<(u16, String, Option<u64>), JsValue> {
    let headers = Headers::new()?;
    headers.set("Authorization", authorization)?;
    headers.set("Content-Type", BatchRequest::CONTENT_TYPE)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&Uint8Array::from(body.as_bytes()));
    init.set_signal(Some(signal));
    let response: Response = JsFuture::from(runtime_fetch(url, &init))
        .await?
        .dyn_into()?;
    let retry_after_ms = response
        .headers()
        .get("Retry-After")?
        .and_then(|v| parse_retry_after(&v));
    let text = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text, retry_after_ms))
}

/// A thrown value as text: an `Error`'s message, or the value itself.
fn describe(error: &JsValue) -> String {
    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    error
        .as_string()
        .unwrap_or_else(|| "the runtime gave no reason".into())
}
