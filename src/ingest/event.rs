//! One event of a body, in the mapping's working form, and what reading it allows (a tree, or text kept as it is).

use super::shape;
use crate::error::MapError;
use crate::json::Json;
use serde_json::Value;
use std::borrow::Cow;

/// One event, read, in the mapping's working form (which borrows from the body text it was read
/// from).
#[derive(Clone, Debug, PartialEq)]
pub struct Event<'a>(pub(crate) Json<'a>);

/// The six Segment call types, as `type` names them.
const CALL_TYPES: [&str; 6] = ["track", "page", "screen", "identify", "group", "alias"];

/// Top-level fields a sender or relay may set anew on each attempt: not the event's content.
const TRANSPORT_FIELDS: &[&str] = &["sentAt", "receivedAt", "writeKey"];

const HEX: &[u8; 16] = b"0123456789abcdef";

/// One event of a body: read, or already rejected.
pub type EventSlot<'a> = Result<Event<'a>, MapError>;

impl<'a> Event<'a> {
    /// An event built in Rust. Its depth is checked first, as one built in Rust may be nested
    /// deeper than the working form should recurse.
    pub fn from_value(value: Value) -> EventSlot<'a> {
        if let Value::Object(map) = &value {
            shape::check_value(map)?;
        }
        Ok(Event(Json::from_value(value)))
    }

    /// The event's `messageId`, for naming it in messages: a number as its decimal string, no
    /// copy when it is a plain string.
    pub fn message_id(&self) -> Option<Cow<'a, str>> {
        let Json::Object(event) = &self.0 else {
            return None;
        };
        match event.get("messageId")? {
            Json::String(s) if !s.is_empty() => Some(s.clone()),
            Json::Number(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }

    /// What Segment's HTTP API sets on an event it receives without it, set here by the Worker's
    /// ingest (the core has no clock): a `messageId` from `fresh_id` when the event has none (absent,
    /// `null` or empty), and `timestamp` = `received_at()` (ISO 8601) when it has neither
    /// `timestamp` nor `originalTimestamp` (each asked for only when needed). Called before mapping and before the ledger names the event, so a
    /// stamped event is delivered once however often it is retried inside the Worker, and keeps
    /// the time it arrived however late a queue delivers it.
    pub fn stamp_receipt(
        &mut self,
        fresh_id: impl FnOnce() -> String,
        received_at: impl FnOnce() -> String,
    ) {
        let Json::Object(event) = &mut self.0 else {
            return;
        };
        let absent = |value: Option<&Json>| match value {
            None | Some(Json::Null) => true,
            Some(Json::String(s)) => s.is_empty(),
            _ => false,
        };
        if absent(event.get("messageId")) {
            event.insert(
                Cow::Borrowed("messageId"),
                Json::String(Cow::Owned(fresh_id())),
            );
        }
        let untimed = |value: Option<&Json>| matches!(value, None | Some(Json::Null));
        if untimed(event.get("timestamp")) && untimed(event.get("originalTimestamp")) {
            event.insert(
                Cow::Borrowed("timestamp"),
                Json::String(Cow::Owned(received_at())),
            );
        }
    }

    /// An owned copy as a `serde_json::Value`.
    pub fn into_value(self) -> Value {
        self.0.into_value()
    }

    /// The event's call type (`track`, `page`, …) when `type` names one of the six.
    pub fn call_type(&self) -> Option<&'static str> {
        let Json::Object(event) = &self.0 else {
            return None;
        };
        let Json::String(name) = event.get("type")? else {
            return None;
        };
        CALL_TYPES.iter().copied().find(|t| *t == name)
    }

    /// A digest of the event's content, stable across a sender's retries: SHA-256 of its
    /// canonical JSON (keys sorted at every depth, no whitespace, escapes and numbers as
    /// serde_json writes them), leaving out the fields a sender or relay sets on each attempt
    /// (`sentAt`, `receivedAt`, `writeKey`), as 32 hex digits (128 bits).
    pub fn content_digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut text = Vec::with_capacity(1024);
        crate::json::write_canonical(&self.0, TRANSPORT_FIELDS, &mut text);
        let digest = Sha256::digest(&text);
        let mut hex = String::with_capacity(32);
        for byte in &digest[..16] {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        hex
    }

    /// The limits every event is held to before any mapping rule: nesting depth and no
    /// `__proto__` key anywhere (values kept as text were checked as they were read).
    pub(crate) fn check_shape(&self) -> Result<(), MapError> {
        match &self.0 {
            Json::Object(map) => shape::check(map),
            _ => Ok(()),
        }
    }
}

/// The `messageId` of an event built in Rust, for naming it whatever else is wrong with it.
pub(crate) fn message_id_of_value(event: &Value) -> Option<String> {
    match event.get("messageId")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl serde::Serialize for Event<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// How a body's events are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// Every value as a tree.
    Tree,
    /// `properties`, `traits` and the `context` fields the mapping does not read kept as text
    /// where that gives the same output (see `ingest::passthrough`).
    Passthrough,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamped(event: Value) -> Value {
        let mut event = Event::from_value(event).unwrap();
        event.stamp_receipt(|| "fresh-1".into(), || "2026-12-07T10:00:00.000Z".into());
        event.into_value()
    }

    #[test]
    fn stamps_only_what_is_missing() {
        let cases = [
            (
                serde_json::json!({"type": "track", "event": "Login", "userId": "u1"}),
                serde_json::json!({"type": "track", "event": "Login", "userId": "u1", "messageId": "fresh-1", "timestamp": "2026-12-07T10:00:00.000Z"}),
            ),
            (
                serde_json::json!({"messageId": "", "timestamp": null, "originalTimestamp": null}),
                serde_json::json!({"messageId": "fresh-1", "timestamp": "2026-12-07T10:00:00.000Z", "originalTimestamp": null}),
            ),
            (
                serde_json::json!({"messageId": 7, "originalTimestamp": "2024-01-01T00:00:00Z"}),
                serde_json::json!({"messageId": 7, "originalTimestamp": "2024-01-01T00:00:00Z"}),
            ),
            (
                serde_json::json!({"messageId": "m1", "timestamp": "not a time"}),
                serde_json::json!({"messageId": "m1", "timestamp": "not a time"}),
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(stamped(event), expected);
        }
    }
}
