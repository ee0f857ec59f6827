//! track → an event named by `event`, with context-derived and own properties.

use super::{context, event_command, identity, take_attributes, time, Call, Mapped};
use crate::error::{kind_of, ErrorCode, MapError};
use serde_json::{Map, Value};

pub(super) fn map(mut event: Map<String, Value>, call: &Call) -> Result<Mapped, MapError> {
    let customer_ids = identity::customer_ids(&event, call.settings)?;
    let timestamp = time::event_time(&event)?;
    let event_type = take_event_name(&mut event)?;
    let mut properties = context::take_context_properties(&mut event)?;
    properties.extend(take_attributes(&mut event, "properties", call.settings)?);
    Ok(Mapped::Commands(vec![event_command(
        call.command_id.clone(),
        customer_ids,
        event_type,
        timestamp,
        properties,
    )]))
}

fn take_event_name(event: &mut Map<String, Value>) -> Result<String, MapError> {
    match event.remove("event") {
        Some(Value::String(name)) if !name.is_empty() => Ok(name),
        None | Some(Value::Null) => Err(MapError::new(
            ErrorCode::MissingEventName,
            "a track call needs an `event` name",
        )),
        Some(Value::String(_)) => Err(MapError::new(
            ErrorCode::MissingEventName,
            "a track call needs an `event` name, and it is empty",
        )),
        Some(other) => Err(MapError::invalid_event(format!(
            "`event` must be a string, got {}",
            kind_of(&other)
        ))),
    }
}
