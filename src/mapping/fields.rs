//! The types of the Segment spec's fields, checked before any rule reads an event, worded as the classic mapping words them.
//!
//! The classic mapping checks each field as it reads it. A rule may read any field, so an event
//! a rule takes is checked first for every field the spec gives a type: a wrong type rejects it
//! with the code the classic mapping would give, whichever rule takes it.

use super::identity::id_field;
use crate::error::MapError;
use crate::json::{Json, Obj};

/// Fields that must be objects when present.
const OBJECT_FIELDS: [&str; 4] = ["context", "properties", "traits", "integrations"];
/// Fields that must be strings when present.
const STRING_FIELDS: [&str; 2] = ["event", "name"];
/// Fields that must be strings or numbers when present (IDs).
const ID_FIELDS: [&str; 3] = ["userId", "anonymousId", "previousId"];

/// `invalid_event` or `invalid_identity` for the first field of the wrong type.
pub(crate) fn check_field_types(event: &Obj) -> Result<(), MapError> {
    let wrong = |field: &str, expected: &str, value: &Json| {
        Err(MapError::invalid_event(format!(
            "`{field}` must be {expected}, got {}",
            value.kind()
        )))
    };
    for field in ID_FIELDS {
        id_field(event, field)?;
    }
    for field in OBJECT_FIELDS {
        match event.get(field) {
            None | Some(Json::Null | Json::Object(_)) => {}
            Some(other) => return wrong(field, "an object", other),
        }
    }
    for field in STRING_FIELDS {
        match event.get(field) {
            None | Some(Json::Null | Json::String(_)) => {}
            Some(other) => return wrong(field, "a string", other),
        }
    }
    match event.get("groupId") {
        None | Some(Json::Null | Json::String(_) | Json::Number(_)) => Ok(()),
        Some(other) => wrong("groupId", "a string or a number", other),
    }
}
