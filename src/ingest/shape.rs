//! Limits on an event's shape that hold before any mapping rule: nesting depth and forbidden keys.

use super::limits::{too_deep, MAX_DEPTH};
use crate::error::MapError;
use crate::json::{Json, Obj};
use serde_json::Value;

/// Rejects events nested deeper than [`MAX_DEPTH`] or carrying a `__proto__` key anywhere
/// (a key that pollutes JavaScript prototypes in naive consumers downstream).
/// Iterative, so no input can exhaust the stack.
pub(crate) fn check(event: &Obj) -> Result<(), MapError> {
    check_keys(event)?;
    let mut stack: Vec<(&Json, usize)> = Vec::new();
    push_containers(&mut stack, event.values(), 2);
    while let Some((value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        match value {
            Json::Object(map) => {
                check_keys(map)?;
                push_containers(&mut stack, map.values(), depth + 1);
            }
            Json::Array(items) => push_containers(&mut stack, items.iter(), depth + 1),
            _ => {}
        }
    }
    Ok(())
}

fn push_containers<'j, 'a: 'j>(
    stack: &mut Vec<(&'j Json<'a>, usize)>,
    values: impl Iterator<Item = &'j Json<'a>>,
    depth: usize,
) {
    stack.extend(
        values
            .filter(|v| matches!(v, Json::Object(_) | Json::Array(_)))
            .map(|v| (v, depth)),
    );
}

fn check_keys(map: &Obj) -> Result<(), MapError> {
    check_keys_of(map.iter().map(|(k, _)| &**k))
}

fn check_keys_of<'k>(mut keys: impl Iterator<Item = &'k str>) -> Result<(), MapError> {
    if keys.any(|k| k == "__proto__") {
        return Err(MapError::invalid_event(
            "the event has a `__proto__` key, which is refused (it pollutes JavaScript prototypes downstream)",
        ));
    }
    Ok(())
}

/// [`check`] for an event built as a `serde_json::Value` (which may be nested any depth), run
/// before it is turned into the recursive working form.
pub(crate) fn check_value(event: &serde_json::Map<String, Value>) -> Result<(), MapError> {
    let proto =
        |map: &serde_json::Map<String, Value>| check_keys_of(map.keys().map(String::as_str));
    proto(event)?;
    let mut stack: Vec<(&Value, usize)> = Vec::new();
    stack.extend(
        event
            .values()
            .filter(|v| v.is_object() || v.is_array())
            .map(|v| (v, 2)),
    );
    while let Some((value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        match value {
            Value::Object(map) => {
                proto(map)?;
                stack.extend(
                    map.values()
                        .filter(|v| v.is_object() || v.is_array())
                        .map(|v| (v, depth + 1)),
                );
            }
            Value::Array(items) => stack.extend(
                items
                    .iter()
                    .filter(|v| v.is_object() || v.is_array())
                    .map(|v| (v, depth + 1)),
            ),
            _ => {}
        }
    }
    Ok(())
}
