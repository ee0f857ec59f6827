//! Reading an ingest body: JSON content type, Segment's 500 KB request limit checked on `Content-Length` and on the bytes actually read.

use crate::error::WorkerError;
use ::worker::Request;
use futures_util::StreamExt;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Segment's limit per request.
pub const MAX_BODY_BYTES: usize = 500 * 1024;

/// `application/json`, or `text/plain` (analytics.js sends that to avoid a CORS preflight):
/// the request's `Content-Type`.
pub fn check_content_type(content_type: Option<&str>) -> Result<(), WorkerError> {
    let media_type = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media_type.as_str() {
        "application/json" | "text/plain" => Ok(()),
        _ => Err(WorkerError::UnsupportedMediaType),
    }
}

/// The whole body, refusing more than [`MAX_BODY_BYTES`] before and while reading it;
/// `content_length` is the request's `Content-Length`.
pub async fn read_limited(
    request: web_sys::Request,
    content_length: Option<&str>,
) -> Result<Vec<u8>, WorkerError> {
    let declared = content_length.and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(WorkerError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let body = match declared {
        // The usual case (every Segment library sends Content-Length): one `arrayBuffer()` read.
        // The runtime ends the body at the declared length and fails a shorter one.
        Some(_) => read_whole(&request)
            .await
            .map_err(|_| WorkerError::IncompleteBody)?,
        // Chunked: read it piece by piece so an endless body stops at the limit.
        None => read_chunked(&mut Request::from(request)).await?,
    };
    if body.len() > MAX_BODY_BYTES {
        return Err(WorkerError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WorkerError::EmptyBody);
    }
    Ok(body)
}

/// `request.arrayBuffer()`, copied into wasm memory.
async fn read_whole(request: &web_sys::Request) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(request.array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

async fn read_chunked(request: &mut Request) -> Result<Vec<u8>, WorkerError> {
    let Ok(mut stream) = request.stream() else {
        return Err(WorkerError::EmptyBody);
    };
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        // Reading fails when the client goes away mid-body.
        let chunk = chunk.map_err(|_| WorkerError::IncompleteBody)?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(WorkerError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
