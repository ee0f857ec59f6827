//! Segment request bodies as text → events: one event, an array of events, or `{"batch": [...]}`, within Segment's limits.
//!
//! One reader (`reader.rs`) reads every body; an oversize or deeply nested event is rejected
//! alone and the rest of the batch still maps.

mod body_error;
mod event;
mod limits;
mod passthrough;
mod reader;
mod shape;
mod shared;

pub use body_error::IngestError;
pub(crate) use event::message_id_of_value;
pub use event::{Event, EventSlot, Reading};
pub use limits::{IngestLimits, MAX_DEPTH};
pub use passthrough::TreeContextFields;

use crate::codes::Code;
use crate::error::MapError;

/// Splits a Segment body into events. `implied_type` is the call type of a single-event
/// endpoint (`/v1/track` → `"track"`), set on events that have no `type`. `C` names the `context`
/// fields the mapping reads, which passthrough reads as trees.
pub fn read_body<'a, C: TreeContextFields>(
    text: &'a str,
    implied_type: Option<&str>,
    limits: IngestLimits,
    reading: Reading,
) -> Result<Vec<EventSlot<'a>>, IngestError> {
    Ok(reader::read_body::<C>(text, implied_type, limits, reading)?
        .into_iter()
        .map(|slot| slot.map(Event))
        .collect())
}

/// One event's JSON text, within the per-event size and depth limits.
pub fn read_event<C: TreeContextFields>(
    text: &str,
    limits: IngestLimits,
    reading: Reading,
) -> EventSlot<'_> {
    reader::read_event::<C>(text, limits, reading).map(Event)
}

/// The error for an event the JavaScript caller could not turn into JSON (a `BigInt`, a cycle,
/// `undefined`) or whose top-level `field` held a value JSON cannot carry (`NaN`, `Infinity`).
pub fn unrepresentable(field: Option<&str>, reason: &str) -> MapError {
    let code = match field {
        Some("timestamp" | "originalTimestamp") => Code::InvalidTimestamp,
        Some("userId" | "anonymousId" | "previousId") => Code::InvalidIdentity,
        _ => Code::InvalidEvent,
    };
    let message = match field {
        Some(field) => format!("`{field}` is {reason}, which JSON cannot carry"),
        None => format!("the event cannot be turned into JSON: {reason}"),
    };
    MapError::new(code, message)
}
