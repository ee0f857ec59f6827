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

pub(crate) use context::PREFIXED_FIELDS as FLATTENED_CONTEXT_FIELDS;
pub use flatten::flatten;
pub(crate) use shape::too_deep;
pub use shape::MAX_DEPTH;
pub use time::parse_time;

use crate::command::{Command, Draft, DraftData, Timestamp};
use crate::error::{MapError, SkipReason};
use crate::json::{Json, Obj};
use crate::settings::Settings;
use serde_json::Value;
use std::borrow::Cow;

/// What became of an event that could be mapped.
#[derive(Clone, Debug, PartialEq)]
pub enum Mapped {
    /// One or more commands (page and screen add a `session_ping` when asked to).
    Commands(Vec<Command>),
    /// Nothing to send, by design.
    Skipped(SkipReason),
}

/// [`Mapped`] as the mapping builds it, borrowing from the event and the settings.
pub(crate) enum Drafted<'a> {
    Commands(Vec<Draft<'a>>),
    Skipped(SkipReason),
}

/// Maps one event. Its commands' IDs come from `messageId` (or `event-0` without one).
pub fn map_event(event: Value, settings: &Settings) -> Result<Mapped, MapError> {
    Ok(match map_json(json_from_value(event)?, settings, 0)? {
        Drafted::Commands(drafts) => {
            Mapped::Commands(drafts.into_iter().map(Draft::into_command).collect())
        }
        Drafted::Skipped(reason) => Mapped::Skipped(reason),
    })
}

/// A `serde_json::Value` event in the working form. An object is checked for depth first, as
/// one built in Rust may be nested deeper than the working form should recurse.
pub(crate) fn json_from_value<'a>(event: Value) -> Result<Json<'a>, MapError> {
    if let Value::Object(map) = &event {
        shape::check_value(map)?;
    }
    Ok(Json::from_value(event))
}

/// Maps the event at `index` of a batch; `index` names commands of an event without `messageId`.
pub(crate) fn map_json<'a>(
    event: Json<'a>,
    settings: &'a Settings,
    index: usize,
) -> Result<Drafted<'a>, MapError> {
    let mut event = match event {
        Json::Object(map) => map,
        other => {
            return Err(MapError::invalid_event(format!(
                "an event must be a JSON object, got {}",
                other.kind()
            )))
        }
    };
    shape::check(&event)?;
    if opt_out::is_opted_out(&event)? {
        return Ok(Drafted::Skipped(SkipReason::OptedOut));
    }
    let call = Call {
        settings,
        command_id: command_id_base(&event, index)?,
    };
    match take_call_type(&mut event)? {
        CallType::Page => page::map(event, call),
        CallType::Screen => screen::map(event, call),
        CallType::Track => track::map(event, call),
        CallType::Identify => identify::map(event, call),
        CallType::Alias => alias::map(event, call),
        CallType::Group => group::map(event, call),
    }
}

/// What every call-type module needs besides the event itself.
pub(crate) struct Call<'a> {
    pub settings: &'a Settings,
    /// The `command_id` of the event's first command; a second one adds a suffix.
    pub command_id: Cow<'a, str>,
}

enum CallType {
    Page,
    Screen,
    Track,
    Identify,
    Alias,
    Group,
}

fn take_call_type(event: &mut Obj) -> Result<CallType, MapError> {
    use crate::error::ErrorCode::UnsupportedType;
    match event.take("type") {
        Some(Json::String(t)) => match &*t {
            "page" => Ok(CallType::Page),
            "screen" => Ok(CallType::Screen),
            "track" => Ok(CallType::Track),
            "identify" => Ok(CallType::Identify),
            "alias" => Ok(CallType::Alias),
            "group" => Ok(CallType::Group),
            t => Err(MapError::new(
                UnsupportedType,
                format!(
                    "`type` {t:?} is not supported (expected one of page, screen, track, identify, alias, group)"
                ),
            )),
        },
        None | Some(Json::Null) => Err(MapError::new(
            UnsupportedType,
            "the event has no `type` (expected one of page, screen, track, identify, alias, group)",
        )),
        Some(other) => Err(MapError::new(
            UnsupportedType,
            format!("`type` must be a string, got {}", other.kind()),
        )),
    }
}

/// `messageId` where there is one (a number is taken as its decimal string), else `event-<index>`.
fn command_id_base<'a>(event: &Obj<'a>, index: usize) -> Result<Cow<'a, str>, MapError> {
    match event.get("messageId") {
        Some(Json::String(id)) if !id.is_empty() => Ok(id.clone()),
        Some(Json::Number(n)) => Ok(Cow::Owned(n.to_string())),
        None | Some(Json::Null) | Some(Json::String(_)) => Ok(Cow::Owned(format!("event-{index}"))),
        Some(other) => Err(MapError::invalid_event(format!(
            "`messageId` must be a string, got {}",
            other.kind()
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

/// [`message_id_of`] for the borrowed tree; no copy when the ID is a plain string.
pub(crate) fn message_id_json<'a>(event: &Json<'a>) -> Option<Cow<'a, str>> {
    let Json::Object(event) = event else {
        return None;
    };
    match event.get("messageId")? {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
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
    Ok(if settings.flatten_nested_objects {
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
    }
}
