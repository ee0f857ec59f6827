//! Writing answers: JSON responses, an error's answer, CORS for analytics.js and its preflight.

use crate::error::WorkerError;
use ::worker::{EncodeBody, Response, ResponseBody};
use serde::Serialize;

/// A JSON response with the given status.
pub fn json_response(status: u16, body: &impl Serialize) -> Response {
    match Response::from_json(body) {
        Ok(response) => response.with_status(status),
        Err(_) => Response::error("{\"error\":{\"code\":\"internal_error\",\"message\":\"the response could not be serialized\"}}", 500)
            .expect("a static error response"),
    }
}

/// An error's JSON answer, with its status and headers.
pub fn error_response(error: &WorkerError) -> Response {
    let mut response = json_response(error.status(), &error.body());
    let headers = response.headers_mut();
    for (name, value) in error.headers() {
        let _ = headers.set(name, &value);
    }
    response
}

/// analytics.js posts from browsers (as `text/plain`, with `writeKey` in the body): let it read the answer.
pub fn with_cors(mut response: Response) -> Response {
    let headers = response.headers_mut();
    // An ingest answer to an allowed origin already names it.
    if !headers.has("Access-Control-Allow-Origin").unwrap_or(false) {
        let _ = headers.set("Access-Control-Allow-Origin", "*");
    }
    response
}

/// The answer to a CORS preflight of an ingest route.
pub fn preflight() -> Response {
    let mut response = Response::empty()
        .expect("an empty response")
        .with_status(204);
    let headers = response.headers_mut();
    let _ = headers.set("Access-Control-Allow-Methods", "POST, OPTIONS");
    let _ = headers.set(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type, X-Signature",
    );
    let _ = headers.set("Access-Control-Max-Age", "86400");
    response
}

/// The runtime's `Response` for `response`: a text body is handed over as a string (one `new
/// Response(text, init)`), where workers-rs's conversion first makes a `Uint8Array` of it and
/// copies the bytes in. Anything else (no body, a stream, a WebSocket) goes through workers-rs.
/// The Worker sets no `cf` on an answer with a body, which this would not carry over.
pub fn into_js(response: Response) -> web_sys::Response {
    if let (ResponseBody::Body(bytes), EncodeBody::Automatic) =
        (response.body(), response.encode_body())
    {
        if let Ok(text) = std::str::from_utf8(bytes) {
            let init = web_sys::ResponseInit::new();
            init.set_status(response.status_code());
            init.set_headers(&response.headers().0);
            if let Ok(js) = web_sys::Response::new_with_opt_str_and_init(Some(text), &init) {
                return js;
            }
        }
    }
    response.into()
}
