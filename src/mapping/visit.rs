//! What page and screen share: a visit event named after the page or screen, and the session ping.

use super::call::{event_command, take_attributes, Call, Drafted};
use super::{context, identity, time};
use crate::error::MapError;
use crate::json::{Json, Obj};
use std::borrow::Cow;

/// The visit event (`page_visit` / `screen_visit`) with `<name_property>` from `name`, plus a
/// `session_ping` when the settings ask for it and the event has a `cookie` soft ID.
pub(super) fn map<'a>(
    mut event: Obj<'a>,
    call: Call<'a>,
    event_type: &'static str,
    name_property: &'static str,
) -> Result<Drafted<'a>, MapError> {
    let settings = call.settings;
    let customer_ids = identity::customer_ids(&event, settings)?;
    let timestamp = time::event_time(&event)?;
    let name = take_name(&mut event)?;
    let context_properties = context::take_context_properties(&mut event)?;
    let own_properties = take_attributes(&mut event, "properties", settings)?;

    let wants_ping = settings.track_session_ping()
        && settings.soft_id() == "cookie"
        && customer_ids.contains_key(settings.soft_id());
    let ping = wants_ping.then(|| {
        event_command(
            Cow::Owned(format!("{}:session_ping", call.command_id)),
            customer_ids.clone(),
            Cow::Borrowed("session_ping"),
            timestamp,
            context_properties.clone(),
        )
    });

    let mut properties = context_properties;
    properties.extend(own_properties);
    if let Some(name) = name {
        properties.insert(Cow::Borrowed(name_property), Json::String(name));
    }
    let visit = event_command(
        call.command_id,
        customer_ids,
        Cow::Borrowed(event_type),
        timestamp,
        properties,
    );
    Ok(Drafted::Commands(
        std::iter::once(visit).chain(ping).collect(),
    ))
}

/// The top-level `name`; absent, `null` or `""` means there is none.
fn take_name<'a>(event: &mut Obj<'a>) -> Result<Option<Cow<'a, str>>, MapError> {
    match event.take("name") {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) if s.is_empty() => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(other) => Err(MapError::invalid_event(format!(
            "`name` must be a string, got {}",
            other.kind()
        ))),
    }
}
