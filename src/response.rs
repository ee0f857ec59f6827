//! Reading a Bloomreach batch response: each command delivered, rejected for good, or to retry.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// What became of one command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Delivered,
    /// Bloomreach refused it; sending it again would not help.
    Rejected,
    /// Not saved, or not known to be: send it again later.
    Retry,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandOutcome {
    pub command_id: String,
    pub outcome: Delivery,
    /// Bloomreach's error text, or why a retry is needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `status` 0 stands for "no response" (network failure, timeout).
pub const NO_RESPONSE: u16 = 0;

#[derive(Deserialize)]
struct BatchResponse {
    success: Option<bool>,
    results: Option<Vec<CommandResult>>,
    message: Option<Value>,
    errors: Option<Value>,
}

#[derive(Deserialize)]
struct CommandResult {
    success: Option<bool>,
    errors: Option<Value>,
    command_id: Option<String>,
}

/// Classifies a response to a batch request whose commands had `command_ids`, in body order.
pub fn read_response(command_ids: &[&str], status: u16, body: &str) -> Vec<CommandOutcome> {
    let all = |outcome: Delivery, message: String| -> Vec<CommandOutcome> {
        command_ids
            .iter()
            .map(|id| CommandOutcome {
                command_id: id.to_string(),
                outcome,
                message: Some(message.clone()),
            })
            .collect()
    };
    match status {
        NO_RESPONSE => all(
            Delivery::Retry,
            "no response from Bloomreach (network failure or timeout)".into(),
        ),
        200..=299 => read_success(command_ids, status, body, all),
        408 | 429 | 500..=599 => all(
            Delivery::Retry,
            format!("HTTP {status} from Bloomreach{}", detail(body)),
        ),
        401 | 403 => all(
            Delivery::Rejected,
            format!(
                "HTTP {status} from Bloomreach{}: check apiKey/apiSecret, the project token and the API group's permissions (Events: Set, Customer properties: Set)",
                detail(body)
            ),
        ),
        400..=499 => all(
            Delivery::Rejected,
            format!("HTTP {status} from Bloomreach{}", detail(body)),
        ),
        _ => all(
            Delivery::Retry,
            format!("unexpected HTTP {status} from Bloomreach{}", detail(body)),
        ),
    }
}

fn read_success(
    command_ids: &[&str],
    status: u16,
    body: &str,
    all: impl Fn(Delivery, String) -> Vec<CommandOutcome>,
) -> Vec<CommandOutcome> {
    let Ok(response) = serde_json::from_str::<BatchResponse>(body) else {
        return all(
            Delivery::Retry,
            format!(
                "HTTP {status} from Bloomreach with an unreadable body{}",
                detail(body)
            ),
        );
    };
    if response.success == Some(false) {
        let why = error_text(response.message.as_ref().or(response.errors.as_ref()));
        return all(
            Delivery::Rejected,
            format!("Bloomreach rejected the request: {why}"),
        );
    }
    let results = response.results.unwrap_or_default();
    let by_id = results.iter().all(|r| r.command_id.is_some()) && !results.is_empty();
    // Matched by command_id, the first result with each ID (an index, not a search per command).
    let first_by_id: HashMap<&str, &CommandResult> = if by_id {
        let mut index = HashMap::with_capacity(results.len());
        for r in &results {
            if let Some(id) = r.command_id.as_deref() {
                index.entry(id).or_insert(r);
            }
        }
        index
    } else {
        HashMap::new()
    };
    command_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let result = if by_id {
                first_by_id.get(id).copied()
            } else {
                results.get(i)
            };
            let (outcome, message) = match result {
                Some(r) if r.success == Some(true) => (Delivery::Delivered, None),
                Some(r) => (
                    Delivery::Rejected,
                    Some(format!(
                        "Bloomreach rejected the command: {}",
                        error_text(r.errors.as_ref())
                    )),
                ),
                None => (
                    Delivery::Retry,
                    Some("Bloomreach's response has no result for this command".to_string()),
                ),
            };
            CommandOutcome {
                command_id: id.to_string(),
                outcome,
                message,
            }
        })
        .collect()
}

/// Bloomreach's error text: a string, or a list of strings joined with "; ".
fn error_text(errors: Option<&Value>) -> String {
    match errors {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other @ Value::Object(_)) => other.to_string(),
        _ => "no reason given".to_string(),
    }
}

/// A short excerpt of a response body for a message (at most 200 characters).
fn detail(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return String::new();
    }
    let excerpt: String = body.chars().take(200).collect();
    let ellipsis = if body.chars().nth(200).is_some() {
        "…"
    } else {
        ""
    };
    format!(": {excerpt}{ellipsis}")
}

/// The command IDs of a request body `{"commands": [...]}`, in order.
pub fn command_ids_of_body(body: &str) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct Body {
        commands: Vec<IdOnly>,
    }
    #[derive(Deserialize)]
    struct IdOnly {
        command_id: String,
    }
    serde_json::from_str::<Body>(body)
        .map(|b| b.commands.into_iter().map(|c| c.command_id).collect())
        .map_err(|e| format!("the request body is not a batch of commands: {e}"))
}
