//! The stable error and skip codes an event can end with, and how they are worded.

use serde::Serialize;
use std::fmt;

/// Why an event could not be mapped. The string forms are part of the public contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidEvent,
    UnsupportedType,
    MissingIdentity,
    InvalidIdentity,
    InvalidTimestamp,
    MissingEventName,
    MissingPreviousId,
    MissingGroupId,
    InvalidSettings,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidEvent => "invalid_event",
            ErrorCode::UnsupportedType => "unsupported_type",
            ErrorCode::MissingIdentity => "missing_identity",
            ErrorCode::InvalidIdentity => "invalid_identity",
            ErrorCode::InvalidTimestamp => "invalid_timestamp",
            ErrorCode::MissingEventName => "missing_event_name",
            ErrorCode::MissingPreviousId => "missing_previous_id",
            ErrorCode::MissingGroupId => "missing_group_id",
            ErrorCode::InvalidSettings => "invalid_settings",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event that cannot be mapped: a stable code and a sentence for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapError {
    pub code: ErrorCode,
    pub message: String,
}

impl MapError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        MapError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid_event(message: impl Into<String>) -> Self {
        MapError::new(ErrorCode::InvalidEvent, message)
    }
}

impl MapError {
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

/// Why an event was skipped by design (not an error).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// `integrations` turned this destination off for the event.
    OptedOut,
    /// An alias without a `userId` has nothing to merge into.
    AliasWithoutUserId,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::OptedOut => "opted_out",
            SkipReason::AliasWithoutUserId => "alias_without_user_id",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            SkipReason::OptedOut => {
                "skipped: the event's `integrations` turn the Bloomreach Engagement destination off"
            }
            SkipReason::AliasWithoutUserId => {
                "skipped: an alias without `userId` has no customer to merge `previousId` into"
            }
        }
    }
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
