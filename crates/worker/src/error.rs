//! The Worker's one error type: every refusal with a stable code from the core's registry, its HTTP status, a message, and the JSON answer it becomes.

use crate::env_config::ConfigProblem;
use crate::routing::SourceProblems;
use crate::sender_auth::AuthFailure;
use segment_bloomreach::{Code, IngestError, SettingsProblem};
use serde_json::{json, Value};

/// Seconds a sender should wait before retrying a 503 that is not about delivery.
pub const RETRY_AFTER_SECS: u32 = 30;

/// Seconds a rate-limited sender should wait: the period of the default Rate Limiting bindings
/// (Cloudflare's bindings count over 10 or 60 seconds).
pub const RATE_LIMIT_RETRY_AFTER_SECS: u32 = 10;

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
    /// A change made with the console's session cookie from another origin (or none).
    OriginNotAllowed,
    /// The Worker's configuration is invalid: every problem, never a value.
    ConfigInvalid(Vec<ConfigProblem>),
    /// An admin route needs the delivery ledger, which is not bound or did not answer.
    LedgerUnavailable(String),
    /// An admin route's query or body is not one it takes.
    InvalidAdminRequest(String),
    /// The source the sender's credential picked cannot map: its problems (a missing secret).
    SourceInvalid(SourceProblems),
    /// No copy of the configuration (the store did not answer), or an admin route needs the
    /// store and it is not bound or did not answer.
    ConfigUnavailable(String),
    /// A candidate configuration has problems; nothing was stored.
    ConfigRefused(Vec<SettingsProblem>),
    /// The live version moved since the change's base.
    ConfigConflict {
        live: u64,
    },
    VersionNotFound(u64),
    /// The write key's `allowedOrigins` do not list the request's `Origin`.
    WriteKeyOriginRefused,
    /// Over a Rate Limiting binding's limit (`per`: "client" or "source").
    RateLimited {
        per: &'static str,
    },
    /// An admin route names a source the live configuration does not have.
    SourceNotFound(String),
    /// An inspector route needs `EVENT_INSPECTOR`, which is not bound or did not answer.
    InspectorUnavailable(String),
    Internal(String),
}

impl WorkerError {
    pub fn code(&self) -> Code {
        match self {
            WorkerError::NotFound => Code::NotFound,
            WorkerError::MethodNotAllowed { .. } => Code::MethodNotAllowed,
            WorkerError::UnsupportedMediaType => Code::UnsupportedMediaType,
            WorkerError::EmptyBody => Code::EmptyBody,
            WorkerError::IncompleteBody => Code::IncompleteBody,
            WorkerError::PayloadTooLarge { .. } => Code::PayloadTooLarge,
            WorkerError::NotText => Code::InvalidJson,
            WorkerError::Ingest(error) => error.code(),
            WorkerError::Unauthorized { failure, .. } => failure.code(),
            WorkerError::OriginNotAllowed => Code::OriginNotAllowed,
            WorkerError::ConfigInvalid(_) => Code::ConfigInvalid,
            WorkerError::LedgerUnavailable(_) => Code::LedgerUnavailable,
            WorkerError::InvalidAdminRequest(_) => Code::InvalidAdminRequest,
            WorkerError::SourceInvalid(_) => Code::ConfigInvalid,
            WorkerError::ConfigUnavailable(_) => Code::ConfigUnavailable,
            WorkerError::ConfigRefused(_) => Code::ConfigRefused,
            WorkerError::ConfigConflict { .. } => Code::ConfigConflict,
            WorkerError::VersionNotFound(_) => Code::VersionNotFound,
            WorkerError::WriteKeyOriginRefused => Code::OriginNotAllowed,
            WorkerError::RateLimited { .. } => Code::RateLimited,
            WorkerError::SourceNotFound(_) => Code::SourceNotFound,
            WorkerError::InspectorUnavailable(_) => Code::InspectorUnavailable,
            WorkerError::Internal(_) => Code::InternalError,
        }
    }

    /// The code's status in the registry.
    pub fn status(&self) -> u16 {
        self.code().http_status().unwrap_or(500)
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
            WorkerError::OriginNotAllowed => "a change signed in by the console's cookie must come from the console's own page (its `Origin`); send the bearer token from other clients".into(),
            WorkerError::ConfigInvalid(problems) => format!(
                "the Worker's configuration is invalid ({} problem{}); the operator must fix it, then retry",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ),
            WorkerError::LedgerUnavailable(why) => {
                format!("the delivery ledger is unavailable: {why}; retry")
            }
            WorkerError::InvalidAdminRequest(why) => why.clone(),
            WorkerError::SourceInvalid(_) => {
                "this source's configuration is invalid (see `problems`); the operator must fix it, then retry".into()
            }
            WorkerError::ConfigUnavailable(why) => {
                format!("the configuration is unavailable: {why}; retry")
            }
            WorkerError::ConfigRefused(problems) => format!(
                "the configuration has {} problem{}; nothing was stored",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ),
            WorkerError::ConfigConflict { live } => format!(
                "the live configuration is version {live}, not the version this change started from: pull it, apply the change again, then push (or force)"
            ),
            WorkerError::VersionNotFound(version) => {
                format!("there is no configuration version {version}")
            }
            WorkerError::WriteKeyOriginRefused => "this write key may be sent only from the pages of the origins its source lists (allowedOrigins), and this request's Origin is not one of them".to_string(),
            WorkerError::RateLimited { per } => format!(
                "too many requests for this source {}: send again after Retry-After seconds",
                if *per == "client" { "from this client address" } else { "from all clients" }
            ),
            WorkerError::SourceNotFound(name) => {
                format!("the live configuration has no source named {name:?}")
            }
            WorkerError::InspectorUnavailable(why) => {
                format!("the inspector is unavailable: {why}")
            }
            WorkerError::Internal(why) => format!("internal error: {why}"),
        }
    }

    /// The JSON answer: `{"error": {"code", "message", …}}`.
    pub fn body(&self) -> Value {
        let mut error = json!({ "code": self.code(), "message": self.message() });
        match self {
            WorkerError::ConfigInvalid(problems) => error["problems"] = json!(problems),
            WorkerError::SourceInvalid(problems) => error["problems"] = json!(problems),
            WorkerError::ConfigRefused(problems) => error["problems"] = json!(problems),
            WorkerError::ConfigConflict { live } => error["live"] = json!(live),
            WorkerError::Ingest(IngestError::InvalidJson { line, column, .. }) => {
                error["line"] = json!(line);
                error["column"] = json!(column);
            }
            _ => {}
        }
        json!({ "error": error })
    }

    /// The headers the answer carries: 503s `Retry-After`, 405 `Allow`, 401 `WWW-Authenticate`.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            WorkerError::MethodNotAllowed { allow } => vec![("Allow", (*allow).to_string())],
            WorkerError::ConfigInvalid(_)
            | WorkerError::SourceInvalid(_)
            | WorkerError::ConfigUnavailable(_)
            | WorkerError::LedgerUnavailable(_) => {
                vec![("Retry-After", RETRY_AFTER_SECS.to_string())]
            }
            WorkerError::RateLimited { .. } => {
                vec![("Retry-After", RATE_LIMIT_RETRY_AFTER_SECS.to_string())]
            }
            WorkerError::Unauthorized { .. } => vec![(
                "WWW-Authenticate",
                "Basic realm=\"segment-bloomreach\"".to_string(),
            )],
            _ => vec![],
        }
    }
}

impl From<IngestError> for WorkerError {
    fn from(error: IngestError) -> Self {
        WorkerError::Ingest(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_its_registry_status_and_a_whole_answer() {
        let cases = [
            (WorkerError::NotFound, 404),
            (WorkerError::MethodNotAllowed { allow: "GET, HEAD" }, 405),
            (WorkerError::UnsupportedMediaType, 415),
            (WorkerError::EmptyBody, 400),
            (WorkerError::IncompleteBody, 400),
            (WorkerError::PayloadTooLarge { limit: 512_000 }, 413),
            (WorkerError::NotText, 400),
            (
                WorkerError::Ingest(IngestError::TooManyEvents { count: 3, max: 2 }),
                400,
            ),
            (WorkerError::ConfigInvalid(vec![]), 503),
            (WorkerError::OriginNotAllowed, 403),
            (WorkerError::LedgerUnavailable("x".into()), 503),
            (WorkerError::InvalidAdminRequest("x".into()), 400),
            (
                WorkerError::SourceInvalid(SourceProblems::Stored(vec![])),
                503,
            ),
            (WorkerError::ConfigUnavailable("x".into()), 503),
            (WorkerError::ConfigRefused(vec![]), 400),
            (WorkerError::ConfigConflict { live: 2 }, 409),
            (WorkerError::VersionNotFound(9), 404),
            (WorkerError::SourceNotFound("web".into()), 404),
            (WorkerError::InspectorUnavailable("x".into()), 503),
            (WorkerError::Internal("x".into()), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error:?}");
            assert_eq!(error.body()["error"]["code"], error.code().as_str());
        }
        let invalid = WorkerError::Ingest(IngestError::InvalidJson {
            message: "expected value".into(),
            line: 2,
            column: 7,
        });
        assert_eq!(
            invalid.body(),
            json!({"error": {"code": "invalid_json", "message": "the body is not valid JSON: expected value (line 2, column 7)", "line": 2, "column": 7}})
        );
        assert_eq!(
            WorkerError::ConfigInvalid(vec![]).headers(),
            vec![("Retry-After", "30".to_string())]
        );
    }
}
