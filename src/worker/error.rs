//! The Worker's one error type: every refusal as a JSON `{ "error": { "code", "message" } }` with a stable code and status.

use crate::env_config::ConfigProblem;
use crate::ingest::IngestError;
use crate::sender_auth::AuthFailure;
use ::worker::Response;
use serde_json::json;

/// Seconds a sender should wait before retrying a 503 that is not about delivery.
const RETRY_AFTER_SECS: u32 = 30;

#[derive(Debug)]
pub enum WorkerError {
    NotFound,
    MethodNotAllowed {
        allow: &'static str,
    },
    UnsupportedMediaType,
    EmptyBody,
    /// The body stopped before its end (the client closed the connection short of `Content-Length`).
    IncompleteBody,
    PayloadTooLarge {
        limit: usize,
    },
    /// The body is not UTF-8 text.
    NotText,
    /// The body is not JSON, not a shape Segment sends, or has too many events.
    Ingest(IngestError),
    Unauthorized {
        failure: AuthFailure,
        message: &'static str,
    },
    /// The Worker's configuration is invalid: every problem, never a value.
    ConfigInvalid(Vec<ConfigProblem>),
    /// The delivery queue refused the events.
    EnqueueFailed(String),
    Internal(String),
}

impl WorkerError {
    pub fn status(&self) -> u16 {
        match self {
            WorkerError::NotFound => 404,
            WorkerError::MethodNotAllowed { .. } => 405,
            WorkerError::UnsupportedMediaType => 415,
            WorkerError::EmptyBody
            | WorkerError::IncompleteBody
            | WorkerError::NotText
            | WorkerError::Ingest(_) => 400,
            WorkerError::PayloadTooLarge { .. } => 413,
            WorkerError::Unauthorized { .. } => 401,
            WorkerError::ConfigInvalid(_) | WorkerError::EnqueueFailed(_) => 503,
            WorkerError::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            WorkerError::NotFound => "not_found",
            WorkerError::MethodNotAllowed { .. } => "method_not_allowed",
            WorkerError::UnsupportedMediaType => "unsupported_media_type",
            WorkerError::EmptyBody => "empty_body",
            WorkerError::IncompleteBody => "incomplete_body",
            WorkerError::PayloadTooLarge { .. } => "payload_too_large",
            WorkerError::NotText => "invalid_json",
            WorkerError::Ingest(error) => error.code(),
            WorkerError::Unauthorized { failure, .. } => failure.code(),
            WorkerError::ConfigInvalid(_) => "config_invalid",
            WorkerError::EnqueueFailed(_) => "enqueue_failed",
            WorkerError::Internal(_) => "internal_error",
        }
    }

    pub fn message(&self) -> String {
        match self {
            WorkerError::NotFound => "no such route: POST /v1/batch, /v1/track, /v1/identify, /v1/page, /v1/screen, /v1/group, /v1/alias or /webhook; GET /health".into(),
            WorkerError::MethodNotAllowed { allow } => format!("this route takes {allow}"),
            WorkerError::UnsupportedMediaType => {
                "the body must be JSON: send `Content-Type: application/json` (or text/plain, as analytics.js does)".into()
            }
            WorkerError::EmptyBody => "the body is empty; send a Segment event or batch as JSON".into(),
            WorkerError::IncompleteBody => {
                "the body ended before all of it arrived (fewer bytes than `Content-Length`, or the connection was cut); send the whole request again".into()
            }
            WorkerError::PayloadTooLarge { limit } => format!(
                "the body is over {limit} bytes (Segment's limit is 500 KB per request); send smaller batches"
            ),
            WorkerError::NotText => "the body is not UTF-8 text".into(),
            WorkerError::Ingest(error) => error.to_string(),
            WorkerError::Unauthorized { message, .. } => (*message).into(),
            WorkerError::ConfigInvalid(problems) => format!(
                "the Worker's configuration is invalid ({} problem{}); the operator must fix it, then retry",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ),
            WorkerError::EnqueueFailed(why) => {
                format!("the events could not be put on the delivery queue: {why}; retry")
            }
            WorkerError::Internal(why) => format!("internal error: {why}"),
        }
    }

    /// The JSON answer. 503s carry `Retry-After`, 405 carries `Allow`.
    pub fn to_response(&self) -> Response {
        let mut error = json!({ "code": self.code(), "message": self.message() });
        match self {
            WorkerError::ConfigInvalid(problems) => error["problems"] = json!(problems),
            WorkerError::Ingest(IngestError::InvalidJson { line, column, .. }) => {
                error["line"] = json!(line);
                error["column"] = json!(column);
            }
            _ => {}
        }
        let mut response =
            crate::worker::routes::json_response(self.status(), &json!({ "error": error }));
        let headers = response.headers_mut();
        match self {
            WorkerError::MethodNotAllowed { allow } => {
                let _ = headers.set("Allow", allow);
            }
            WorkerError::ConfigInvalid(_) | WorkerError::EnqueueFailed(_) => {
                let _ = headers.set("Retry-After", &RETRY_AFTER_SECS.to_string());
            }
            WorkerError::Unauthorized { .. } => {
                let _ = headers.set("WWW-Authenticate", "Basic realm=\"segment-bloomreach\"");
            }
            _ => {}
        }
        response
    }
}

impl From<IngestError> for WorkerError {
    fn from(error: IngestError) -> Self {
        WorkerError::Ingest(error)
    }
}
