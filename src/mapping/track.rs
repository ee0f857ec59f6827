//! track → an event named by `event`, with context-derived and own properties.

use super::call::{event_command, take_attributes, Call, Drafted};
use super::{context, identity, time};
use crate::codes::Code;
use crate::error::MapError;
use crate::json::{Json, Obj};
use std::borrow::Cow;

pub(super) fn map<'a>(mut event: Obj<'a>, call: Call<'a>) -> Result<Drafted<'a>, MapError> {
    let customer_ids = identity::customer_ids(&event, call.settings)?;
    let timestamp = time::event_time(&event)?;
    let event_type = take_event_name(&mut event)?;
    let mut properties = context::take_context_properties(&mut event)?;
    properties.extend(take_attributes(&mut event, "properties", call.settings)?);
    Ok(Drafted::Commands(vec![event_command(
        call.command_id,
        customer_ids,
        event_type,
        timestamp,
        properties,
    )]))
}

fn take_event_name<'a>(event: &mut Obj<'a>) -> Result<Cow<'a, str>, MapError> {
    match event.take("event") {
        Some(Json::String(name)) if !name.is_empty() => Ok(name),
        None | Some(Json::Null) => Err(MapError::new(
            Code::MissingEventName,
            "a track call needs an `event` name",
        )),
        Some(Json::String(_)) => Err(MapError::new(
            Code::MissingEventName,
            "a track call needs an `event` name, and it is empty",
        )),
        Some(other) => Err(MapError::invalid_event(format!(
            "`event` must be a string, got {}",
            other.kind()
        ))),
    }
}
