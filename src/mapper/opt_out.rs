//! Segment's `integrations` object: whether this destination is turned off for an event.

use crate::error::MapError;
use crate::json::{Json, Obj};

/// The names this destination has had in Segment's catalog.
const DESTINATION_NAMES: [&str; 3] = ["Bloomreach Engagement", "Exponea", "Bloomreach"];

/// Off when one of our names is `false`, or when `All` is `false` and none of our names is set.
pub(crate) fn is_opted_out(event: &Obj) -> Result<bool, MapError> {
    let integrations = match event.get("integrations") {
        None | Some(Json::Null) => return Ok(false),
        Some(Json::Object(map)) => map,
        Some(other) => {
            return Err(MapError::invalid_event(format!(
                "`integrations` must be an object, got {}",
                other.kind()
            )))
        }
    };
    let mut named = DESTINATION_NAMES
        .iter()
        .filter_map(|name| integrations.get(name))
        .filter(|v| !v.is_null())
        .peekable();
    if named.peek().is_none() {
        return Ok(matches!(integrations.get("All"), Some(Json::Bool(false))));
    }
    Ok(named.any(|v| matches!(v, Json::Bool(false))))
}
