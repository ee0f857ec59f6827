//! Customer IDs: `userId` → the hard ID, `anonymousId` → the soft ID.

use crate::error::{kind_of, ErrorCode, MapError};
use crate::settings::Settings;
use serde_json::{Map, Value};

/// An ID field: a string, or a number as its decimal string; `""` and `null` count as absent.
pub(crate) fn id_field(
    event: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, MapError> {
    match event.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(MapError::new(
            ErrorCode::InvalidIdentity,
            format!(
                "`{field}` must be a string or a number, got {}",
                kind_of(other)
            ),
        )),
    }
}

/// `{hard: userId, soft: anonymousId}`, with whichever of the two the event has.
pub(crate) fn customer_ids(
    event: &Map<String, Value>,
    settings: &Settings,
) -> Result<Map<String, Value>, MapError> {
    let user_id = id_field(event, "userId")?;
    let anonymous_id = id_field(event, "anonymousId")?;
    if user_id.is_none() && anonymous_id.is_none() {
        return Err(MapError::new(
            ErrorCode::MissingIdentity,
            "the event has neither `userId` nor `anonymousId`",
        ));
    }
    let mut ids = Map::new();
    if let Some(id) = user_id {
        ids.insert(settings.hard_id.clone(), Value::String(id));
    }
    if let Some(id) = anonymous_id {
        ids.insert(settings.soft_id.clone(), Value::String(id));
    }
    Ok(ids)
}
