//! What becomes of an event that is not mapped: a rejection ([`MapError`]) or a skip ([`Skip`]), each a code and a sentence.

use crate::codes::Code;
use std::borrow::Cow;
use std::fmt;

/// An event that cannot be mapped: a stable code and a sentence for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapError {
    pub code: Code,
    pub message: String,
}

impl MapError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        MapError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid_event(message: impl Into<String>) -> Self {
        MapError::new(Code::InvalidEvent, message)
    }

    /// The message with the event named, as `rejected` entries and thrown errors carry it.
    pub fn describe(&self, index: Option<usize>, message_id: Option<&str>) -> String {
        format!("{}: {}", describe_event(index, message_id), self.message)
    }
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for MapError {}

/// An event skipped by design (not an error): its code and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    pub code: Code,
    /// Starts with `skipped:`.
    pub message: Cow<'static, str>,
}

impl Skip {
    /// `integrations` turned this destination off for the event.
    pub const OPTED_OUT: Skip = Skip {
        code: Code::OptedOut,
        message: Cow::Borrowed(
            "skipped: the event's `integrations` turn the Bloomreach Engagement destination off",
        ),
    };

    /// The rules that took an event made no command of it (an empty `forEach`).
    pub const NO_COMMANDS: Skip = Skip {
        code: Code::NoCommands,
        message: Cow::Borrowed(
            "skipped: the rules that took the event made no command of it (an empty `forEach`)",
        ),
    };

    /// An alias without a `userId` has nothing to merge into.
    pub const ALIAS_WITHOUT_USER_ID: Skip = Skip {
        code: Code::AliasWithoutUserId,
        message: Cow::Borrowed(
            "skipped: an alias without `userId` has no customer to merge `previousId` into",
        ),
    };
}

/// The JSON type name of a value, for messages ("got number").
pub(crate) fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// How an event is named in messages: by `messageId` where it has one, else by position.
pub fn describe_event(index: Option<usize>, message_id: Option<&str>) -> String {
    match (index, message_id) {
        (Some(i), Some(id)) => format!("event {i} (messageId {id:?})"),
        (None, Some(id)) => format!("event (messageId {id:?})"),
        (Some(i), None) => format!("event {i}"),
        (None, None) => "event".to_string(),
    }
}
