//! The classic mapping (`CONTRACT.md`): one Segment event to Bloomreach commands, one module per call type and the pieces they share.

mod alias;
mod call;
mod context;
mod flatten;
mod group;
mod identify;
mod identity;
mod iso8601;
mod page;
mod screen;
mod time;
mod track;
mod visit;

pub(crate) use call::{Call, Drafted};
pub use flatten::flatten;
pub use time::parse_time;

use crate::codes::Code;
use crate::error::MapError;
use crate::ingest::TreeContextFields;
use crate::json::{Json, Obj};

/// The `context` fields the classic mapping turns into properties: reading events for it, these
/// are trees and every other `context` field may stay text.
pub struct ClassicContext;

impl TreeContextFields for ClassicContext {
    const FIELDS: &'static [&'static str] = &context::PREFIXED_FIELDS;
}

/// The six Segment call types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallType {
    Page,
    Screen,
    Track,
    Identify,
    Alias,
    Group,
}

impl CallType {
    /// Takes `type` out of the event: a call type, or `unsupported_type`.
    pub(crate) fn take(event: &mut Obj) -> Result<CallType, MapError> {
        match event.take("type") {
            Some(Json::String(t)) => match &*t {
                "page" => Ok(CallType::Page),
                "screen" => Ok(CallType::Screen),
                "track" => Ok(CallType::Track),
                "identify" => Ok(CallType::Identify),
                "alias" => Ok(CallType::Alias),
                "group" => Ok(CallType::Group),
                t => Err(MapError::new(
                    Code::UnsupportedType,
                    format!(
                        "`type` {t:?} is not supported (expected one of page, screen, track, identify, alias, group)"
                    ),
                )),
            },
            None | Some(Json::Null) => Err(MapError::new(
                Code::UnsupportedType,
                "the event has no `type` (expected one of page, screen, track, identify, alias, group)",
            )),
            Some(other) => Err(MapError::new(
                Code::UnsupportedType,
                format!("`type` must be a string, got {}", other.kind()),
            )),
        }
    }
}

/// Maps an event of `call_type` (its `type` already taken out) the classic way.
pub(crate) fn map<'a>(
    call_type: CallType,
    event: Obj<'a>,
    call: Call<'a>,
) -> Result<Drafted<'a>, MapError> {
    match call_type {
        CallType::Page => page::map(event, call),
        CallType::Screen => screen::map(event, call),
        CallType::Track => track::map(event, call),
        CallType::Identify => identify::map(event, call),
        CallType::Alias => alias::map(event, call),
        CallType::Group => group::map(event, call),
    }
}
