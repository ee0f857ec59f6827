//! Structured logging: one JSON line per request (or queue batch), and one per upstream request that did not deliver everything it carried, via `console.log`; never a secret.

use crate::ledger::book::LedgerReport;
use segment_bloomreach::Code;
use serde::Serialize;

/// What a request did. Holds counts, statuses and durations only: no bodies, no headers.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestLine {
    pub kind: &'static str,
    pub method: String,
    pub path: String,
    pub mode: &'static str,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// The source the sender's credential picked (its name, never the credential).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The stored configuration version the request ran with (absent: the variables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retried: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upstream_statuses: Vec<u16>,
    /// How long each upstream request took (ms), in the order of `upstream_statuses`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upstream_ms: Vec<u64>,
    /// What the delivery ledger did (hits, repeats, writes, fallback), when it is bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger: Option<LedgerReport>,
    pub duration_ms: u64,
}

impl RequestLine {
    pub fn new(method: &str, path: &str, mode: &'static str) -> RequestLine {
        RequestLine {
            kind: "request",
            method: method.to_string(),
            path: path.to_string(),
            mode,
            ..RequestLine::default()
        }
    }
}

/// One upstream batch request that did not deliver every command it carried (one that did is in
/// its caller's line): how many commands, what came back, how long it took.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryLine<'a> {
    pub kind: &'static str,
    pub mode: &'static str,
    pub attempt: u32,
    pub commands: usize,
    /// 0: no response (network failure or timeout).
    pub status: u16,
    pub delivered: usize,
    pub rejected: usize,
    pub retry: usize,
    /// Commands whose answer had not come within the attempt's timeout (awaited in the
    /// background, not sent again).
    #[serde(skip_serializing_if = "is_zero")]
    pub in_doubt: usize,
    /// This answer came after the run stopped waiting (a background line).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    /// A late answer: the ledger entries it wrote, and why it could not, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger_written: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger_fallback: Option<&'a str>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Queue mode: a command Bloomreach refused for good (the event is acked, not retried).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RejectionLine<'a> {
    pub kind: &'static str,
    pub message_id: Option<&'a str>,
    pub command_id: &'a str,
    pub message: &'a str,
}

/// Writes one line of JSON to the Worker's log.
#[cfg(target_arch = "wasm32")]
pub fn emit(line: &impl Serialize) {
    if let Ok(text) = serde_json::to_string(line) {
        ::worker::console_log!("{text}");
    }
}
