//! Segment `context` → event properties (page, screen and track only), always flattened.

use super::flatten::flatten_into;
use crate::error::MapError;
use serde_json::{Map, Value};

/// The `context` fields that become properties prefixed with their own name.
const PREFIXED_FIELDS: [&str; 7] = [
    "app", "device", "os", "screen", "referrer", "campaign", "location",
];

/// Removes `context` from the event and returns the properties it contributes.
pub(crate) fn take_context_properties(
    event: &mut Map<String, Value>,
) -> Result<Map<String, Value>, MapError> {
    let context = super::take_object(event, "context")?.unwrap_or_default();
    let mut properties = Map::new();
    for (key, value) in context {
        if key == "userAgent" {
            properties.insert("user_agent".to_string(), value);
        } else if PREFIXED_FIELDS.contains(&key.as_str()) {
            match value {
                Value::Object(inner) => flatten_into(&mut properties, &key, inner),
                plain => {
                    properties.insert(key, plain);
                }
            }
        }
    }
    Ok(properties)
}

/// Checks `context` is an object (or absent) on calls that send nothing from it.
pub(crate) fn check_context(event: &Map<String, Value>) -> Result<(), MapError> {
    match event.get("context") {
        None | Some(Value::Null) | Some(Value::Object(_)) => Ok(()),
        Some(other) => Err(MapError::invalid_event(format!(
            "`context` must be an object, got {}",
            crate::error::kind_of(other)
        ))),
    }
}
