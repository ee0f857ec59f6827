//! Maps one Segment event to Bloomreach commands: the steps every call shares, then one module per call type.

mod alias;
mod context;
mod flatten;
mod group;
mod identify;
mod identity;
mod opt_out;
mod page;
mod screen;
mod shape;
mod time;
mod track;
mod visit;

pub use flatten::flatten;
pub(crate) use shape::too_deep;
pub use shape::MAX_DEPTH;
pub use time::parse_time;

use crate::command::{Command, CommandData, Timestamp};
use crate::error::{kind_of, MapError, SkipReason};
use crate::settings::Settings;
use serde_json::{Map, Value};

/// What became of an event that could be mapped.
#[derive(Clone, Debug, PartialEq)]
pub enum Mapped {
    /// One or more commands (page and screen add a `session_ping` when asked to).
    Commands(Vec<Command>),
    /// Nothing to send, by design.
    Skipped(SkipReason),
}

/// Maps one event. Its commands' IDs come from `messageId` (or `event-0` without one).
pub fn map_event(event: Value, settings: &Settings) -> Result<Mapped, MapError> {
    map_event_at(event, settings, 0)
}

/// Maps the event at `index` of a batch; `index` names commands of an event without `messageId`.
pub(crate) fn map_event_at(
    event: Value,
    settings: &Settings,
    index: usize,
) -> Result<Mapped, MapError> {
    let mut event = match event {
        Value::Object(map) => map,
        other => {
            return Err(MapError::invalid_event(format!(
                "an event must be a JSON object, got {}",
                kind_of(&other)
            )))
        }
    };
    shape::check(&event)?;
    if opt_out::is_opted_out(&event)? {
        return Ok(Mapped::Skipped(SkipReason::OptedOut));
    }
    let call = Call {
        settings,
        command_id: command_id_base(&event, index)?,
    };
    match take_call_type(&mut event)?.as_str() {
        "page" => page::map(event, &call),
        "screen" => screen::map(event, &call),
        "track" => track::map(event, &call),
        "identify" => identify::map(event, &call),
        "alias" => alias::map(event, &call),
        "group" => group::map(event, &call),
        _ => unreachable!("take_call_type returns only supported types"),
    }
}

/// What every call-type module needs besides the event itself.
pub(crate) struct Call<'a> {
    pub settings: &'a Settings,
    /// The `command_id` of the event's first command; a second one adds a suffix.
    pub command_id: String,
}

const CALL_TYPES: [&str; 6] = ["page", "screen", "track", "identify", "alias", "group"];

fn take_call_type(event: &mut Map<String, Value>) -> Result<String, MapError> {
    use crate::error::ErrorCode::UnsupportedType;
    match event.remove("type") {
        Some(Value::String(t)) if CALL_TYPES.contains(&t.as_str()) => Ok(t),
        Some(Value::String(t)) => Err(MapError::new(
            UnsupportedType,
            format!(
                "`type` {t:?} is not supported (expected one of page, screen, track, identify, alias, group)"
            ),
        )),
        None | Some(Value::Null) => Err(MapError::new(
            UnsupportedType,
            "the event has no `type` (expected one of page, screen, track, identify, alias, group)",
        )),
        Some(other) => Err(MapError::new(
            UnsupportedType,
            format!("`type` must be a string, got {}", kind_of(&other)),
        )),
    }
}

/// `messageId` where there is one (a number is taken as its decimal string), else `event-<index>`.
fn command_id_base(event: &Map<String, Value>, index: usize) -> Result<String, MapError> {
    match event.get("messageId") {
        Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        None | Some(Value::Null) | Some(Value::String(_)) => Ok(format!("event-{index}")),
        Some(other) => Err(MapError::invalid_event(format!(
            "`messageId` must be a string, got {}",
            kind_of(other)
        ))),
    }
}

/// The `messageId` of an event, for naming it in messages (whatever else is wrong with it).
pub fn message_id_of(event: &Value) -> Option<String> {
    match event.get("messageId")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Removes an object-valued field; absent or `null` is `None`, any other type an error.
pub(crate) fn take_object(
    event: &mut Map<String, Value>,
    field: &str,
) -> Result<Option<Map<String, Value>>, MapError> {
    match event.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(other) => Err(MapError::invalid_event(format!(
            "`{field}` must be an object, got {}",
            kind_of(&other)
        ))),
    }
}

/// `properties` or `traits`, flattened when the setting asks for it.
pub(crate) fn take_attributes(
    event: &mut Map<String, Value>,
    field: &str,
    settings: &Settings,
) -> Result<Map<String, Value>, MapError> {
    let map = take_object(event, field)?.unwrap_or_default();
    Ok(if settings.flatten_nested_objects {
        flatten(map)
    } else {
        map
    })
}

pub(crate) fn event_command(
    command_id: String,
    customer_ids: Map<String, Value>,
    event_type: String,
    timestamp: Option<Timestamp>,
    properties: Map<String, Value>,
) -> Command {
    Command {
        command_id,
        data: CommandData::Event {
            customer_ids,
            event_type,
            timestamp,
            properties,
        },
    }
}

pub(crate) fn customer_command(
    command_id: String,
    customer_ids: Map<String, Value>,
    properties: Map<String, Value>,
    update_timestamp: Option<Timestamp>,
) -> Command {
    Command {
        command_id,
        data: CommandData::Customer {
            customer_ids,
            properties,
            update_timestamp,
        },
    }
}
