//! group → a customer update with `group_id` and each trait as `group_<trait>`.

use super::{context, customer_command, identity, take_attributes, time, Call, Mapped};
use crate::error::{kind_of, ErrorCode, MapError};
use serde_json::{Map, Value};

pub(super) fn map(mut event: Map<String, Value>, call: &Call) -> Result<Mapped, MapError> {
    let customer_ids = identity::customer_ids(&event, call.settings)?;
    let update_timestamp = time::event_time(&event)?;
    let group_id = group_id(&event)?;
    context::check_context(&event)?;
    let traits = take_attributes(&mut event, "traits", call.settings)?;

    let mut properties = Map::new();
    properties.insert("group_id".to_string(), Value::String(group_id));
    for (key, value) in traits {
        let key = format!("group_{key}");
        // `group_id` is always the groupId, even when a trait is named `id`.
        if key != "group_id" {
            properties.insert(key, value);
        }
    }
    Ok(Mapped::Commands(vec![customer_command(
        call.command_id.clone(),
        customer_ids,
        properties,
        update_timestamp,
    )]))
}

/// `groupId`: a string, or a number as its decimal string.
fn group_id(event: &Map<String, Value>) -> Result<String, MapError> {
    match event.get("groupId") {
        Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        None | Some(Value::Null) | Some(Value::String(_)) => Err(MapError::new(
            ErrorCode::MissingGroupId,
            "a group call needs a `groupId`",
        )),
        Some(other) => Err(MapError::invalid_event(format!(
            "`groupId` must be a string or a number, got {}",
            kind_of(other)
        ))),
    }
}
