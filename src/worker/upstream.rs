//! The I/O service: one `POST` of a batch body to Bloomreach with a timeout; status 0 when no answer came.

use ::worker::{AbortController, Date, Delay, Fetch, Headers, Method, Request, RequestInit};
use futures_util::future::{select, Either};
use std::time::Duration;
use wasm_bindgen::JsValue;

use crate::batch::BatchRequest;
use crate::delivery::parse_retry_after;
use crate::response::NO_RESPONSE;

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

/// Sends `body` to `url`, giving up (and aborting the request) after `timeout_ms`.
pub async fn post_batch(
    url: &str,
    authorization: &str,
    body: String,
    timeout_ms: u64,
) -> UpstreamReply {
    let started = Date::now().as_millis();
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = async {
        let request = build_request(url, authorization, body)?;
        let mut response = Fetch::Request(request).send_with_signal(&signal).await?;
        let retry_after_ms = response
            .headers()
            .get("Retry-After")
            .ok()
            .flatten()
            .and_then(|v| parse_retry_after(&v));
        let text = response.text().await?;
        Ok::<_, ::worker::Error>((response.status_code(), text, retry_after_ms))
    };
    let timeout = Delay::from(Duration::from_millis(timeout_ms));
    let outcome = match select(Box::pin(exchange), Box::pin(timeout)).await {
        Either::Left((result, _)) => result.map_err(|e| format!("request failed: {e}")),
        Either::Right(_) => {
            controller.abort();
            Err(format!("no answer within {timeout_ms} ms"))
        }
    };
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

fn build_request(url: &str, authorization: &str, body: String) -> ::worker::Result<Request> {
    let headers = Headers::new();
    headers.set("Authorization", authorization)?;
    headers.set("Content-Type", BatchRequest::CONTENT_TYPE)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(&body)));
    Request::new_with_init(url, &init)
}
