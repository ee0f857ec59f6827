//! What every call type's module shares: the call's settings and first command ID, the outcome, taking attributes out of an event, and building command drafts.

use super::flatten;
use crate::command::{Draft, DraftData, Timestamp};
use crate::error::{MapError, Skip};
use crate::json::{Json, Obj};
use crate::settings::Settings;
use std::borrow::Cow;

/// What the classic mapping made of an event, borrowing from the event and the settings.
pub(crate) enum Drafted<'a> {
    /// One or more commands (page and screen add a `session_ping` when asked to).
    Commands(Vec<Draft<'a>>),
    /// Nothing to send, by design.
    Skipped(Skip),
}

/// What every call-type module needs besides the event itself.
pub(crate) struct Call<'a> {
    pub settings: &'a Settings,
    /// The `command_id` of the event's first command; a second one adds a suffix.
    pub command_id: Cow<'a, str>,
}

/// Takes an object-valued field out; absent or `null` is `None`, any other type an error.
pub(crate) fn take_object<'a>(
    event: &mut Obj<'a>,
    field: &str,
) -> Result<Option<Obj<'a>>, MapError> {
    match event.take(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Object(map)) => Ok(Some(map)),
        Some(other) => Err(MapError::invalid_event(format!(
            "`{field}` must be an object, got {}",
            other.kind()
        ))),
    }
}

/// `properties` or `traits`, flattened when the setting asks for it.
pub(crate) fn take_attributes<'a>(
    event: &mut Obj<'a>,
    field: &str,
    settings: &Settings,
) -> Result<Obj<'a>, MapError> {
    let map = take_object(event, field)?.unwrap_or_default();
    Ok(if settings.flatten_nested_objects() {
        flatten::flatten_obj(map)
    } else {
        map
    })
}

pub(crate) fn event_command<'a>(
    command_id: Cow<'a, str>,
    customer_ids: Obj<'a>,
    event_type: Cow<'a, str>,
    timestamp: Option<Timestamp>,
    properties: Obj<'a>,
) -> Draft<'a> {
    Draft {
        command_id,
        data: DraftData::Event {
            customer_ids,
            event_type,
            timestamp,
            properties,
        },
        origin: None,
    }
}

pub(crate) fn customer_command<'a>(
    command_id: Cow<'a, str>,
    customer_ids: Obj<'a>,
    properties: Obj<'a>,
    update_timestamp: Option<Timestamp>,
) -> Draft<'a> {
    Draft {
        command_id,
        data: DraftData::Customer {
            customer_ids,
            properties,
            update_timestamp,
        },
        origin: None,
    }
}
