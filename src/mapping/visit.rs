//! What page and screen share: a visit event named after the page or screen, and the session ping.

use super::{context, event_command, identity, take_attributes, time, Call, Mapped};
use crate::error::{kind_of, MapError};
use serde_json::{Map, Value};

/// The visit event (`page_visit` / `screen_visit`) with `<name_property>` from `name`, plus a
/// `session_ping` when the settings ask for it and the event has a `cookie` soft ID.
pub(super) fn map(
    mut event: Map<String, Value>,
    call: &Call,
    event_type: &str,
    name_property: &str,
) -> Result<Mapped, MapError> {
    let settings = call.settings;
    let customer_ids = identity::customer_ids(&event, settings)?;
    let timestamp = time::event_time(&event)?;
    let name = take_name(&mut event)?;
    let context_properties = context::take_context_properties(&mut event)?;
    let own_properties = take_attributes(&mut event, "properties", settings)?;

    let wants_ping = settings.track_session_ping
        && settings.soft_id == "cookie"
        && customer_ids.contains_key(&settings.soft_id);
    let ping = wants_ping.then(|| {
        event_command(
            format!("{}:session_ping", call.command_id),
            customer_ids.clone(),
            "session_ping".to_string(),
            timestamp,
            context_properties.clone(),
        )
    });

    let mut properties = context_properties;
    properties.extend(own_properties);
    if let Some(name) = name {
        properties.insert(name_property.to_string(), Value::String(name));
    }
    let visit = event_command(
        call.command_id.clone(),
        customer_ids,
        event_type.to_string(),
        timestamp,
        properties,
    );
    Ok(Mapped::Commands(
        std::iter::once(visit).chain(ping).collect(),
    ))
}

/// The top-level `name`; absent, `null` or `""` means there is none.
fn take_name(event: &mut Map<String, Value>) -> Result<Option<String>, MapError> {
    match event.remove("name") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(MapError::invalid_event(format!(
            "`name` must be a string, got {}",
            kind_of(&other)
        ))),
    }
}
