//! A body that cannot be read at all (as opposed to one bad event inside it), worded as serde_json words it.

use crate::codes::Code;
use crate::error::kind_of;
use serde::de::IgnoredAny;
use std::fmt;

/// A body that cannot be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestError {
    /// Not JSON; `line` and `column` are 1-based, as serde_json reports them.
    InvalidJson {
        message: String,
        line: usize,
        column: usize,
    },
    /// JSON, but not one of the shapes Segment sends.
    InvalidBody(String),
    TooManyEvents {
        count: usize,
        max: usize,
    },
}

impl IngestError {
    pub fn code(&self) -> Code {
        match self {
            IngestError::InvalidJson { .. } => Code::InvalidJson,
            IngestError::InvalidBody(_) => Code::InvalidBody,
            IngestError::TooManyEvents { .. } => Code::TooManyEvents,
        }
    }

    /// `batch` present but not an array (`null` included).
    pub(crate) fn batch_not_an_array() -> IngestError {
        IngestError::InvalidBody("`batch` must be an array of events".into())
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IngestError::InvalidJson {
                message,
                line,
                column,
            } => write!(
                f,
                "the body is not valid JSON: {message} (line {line}, column {column})"
            ),
            IngestError::InvalidBody(why) => f.write_str(why),
            IngestError::TooManyEvents { count, max } => write!(
                f,
                "the body has {count} events; at most {max} are accepted in one request"
            ),
        }
    }
}

impl std::error::Error for IngestError {}

/// What is wrong with a body the reader found it cannot read: serde_json's own account of the
/// first error in the whole text (syntax: `invalid_json` with its line and column), or, for JSON
/// that is neither an object nor an array, which shape it is.
///
/// The text is read as the body's shape: an array's items skipped, an object's keys read and its
/// values skipped (serde_json places some errors differently when it reads a string than when it
/// skips one). Skipping has no depth limit in serde_json, so the error reported is the first real
/// syntax error, however deep the events are.
pub(crate) fn unreadable(text: &str) -> IngestError {
    let first = text
        .trim_start_matches([' ', '\n', '\r', '\t'])
        .as_bytes()
        .first();
    let read = match first {
        Some(b'[') => serde_json::from_str::<Vec<IgnoredAny>>(text).map(drop),
        Some(b'{') => serde_json::from_str::<ObjectKeys>(text).map(drop),
        _ => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => {
                return IngestError::InvalidBody(format!(
                    "the body must be an event object, an array of events or {{\"batch\": [...]}}, got {}",
                    kind_of(&value)
                ))
            }
            Err(error) => Err(error),
        },
    };
    match read {
        Err(error) => syntax_error(&error),
        // Not reached for a body the reader refused; worded for completeness.
        Ok(()) => IngestError::InvalidBody("the body could not be read".into()),
    }
}

/// An object read for its syntax only: each key read as a string, each value skipped.
struct ObjectKeys;

impl<'de> serde::Deserialize<'de> for ObjectKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = ObjectKeys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ObjectKeys, A::Error> {
                while map
                    .next_entry::<std::borrow::Cow<'de, str>, IgnoredAny>()?
                    .is_some()
                {}
                Ok(ObjectKeys)
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

/// `invalid_json` from a serde_json error: its message without serde's position suffix, and the
/// position as fields.
fn syntax_error(error: &serde_json::Error) -> IngestError {
    let full = error.to_string();
    let message = match full.rfind(" at line ") {
        Some(cut) => full[..cut].to_string(),
        None => full,
    };
    IngestError::InvalidJson {
        message,
        line: error.line(),
        column: error.column(),
    }
}
