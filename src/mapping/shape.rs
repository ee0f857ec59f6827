//! Limits on an event's shape that hold before any mapping rule: nesting depth and forbidden keys.

use crate::error::MapError;
use serde_json::{Map, Value};

/// The deepest nesting an event may have, the event object itself counting as level 1
/// (the same limit serde_json applies when parsing text).
pub const MAX_DEPTH: usize = 128;

/// The message for an event nested deeper than [`MAX_DEPTH`], whichever path found it.
pub(crate) fn too_deep() -> MapError {
    MapError::invalid_event(format!(
        "the event is nested more than {MAX_DEPTH} levels deep"
    ))
}

/// Rejects events nested deeper than [`MAX_DEPTH`] or carrying a `__proto__` key anywhere
/// (a key that pollutes JavaScript prototypes in naive consumers downstream).
/// Iterative, so no input can exhaust the stack.
pub(crate) fn check(event: &Map<String, Value>) -> Result<(), MapError> {
    check_keys(event)?;
    let mut stack: Vec<(&Value, usize)> = Vec::new();
    push_containers(&mut stack, event.values(), 2);
    while let Some((value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        match value {
            Value::Object(map) => {
                check_keys(map)?;
                push_containers(&mut stack, map.values(), depth + 1);
            }
            Value::Array(items) => push_containers(&mut stack, items.iter(), depth + 1),
            _ => {}
        }
    }
    Ok(())
}

fn push_containers<'a>(
    stack: &mut Vec<(&'a Value, usize)>,
    values: impl Iterator<Item = &'a Value>,
    depth: usize,
) {
    stack.extend(
        values
            .filter(|v| v.is_object() || v.is_array())
            .map(|v| (v, depth)),
    );
}

fn check_keys(map: &Map<String, Value>) -> Result<(), MapError> {
    if map.contains_key("__proto__") {
        return Err(MapError::invalid_event(
            "the event has a `__proto__` key, which is refused (it pollutes JavaScript prototypes downstream)",
        ));
    }
    Ok(())
}
