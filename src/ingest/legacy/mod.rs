//! The two readers the one reader (`reader.rs`) replaced, kept only to check it against them before they go: the one-pass reader and the slicing reader with its error wording.
#![allow(dead_code)]

use super::body_error::IngestError;
use super::event::Reading;
use super::limits::{event_too_large, too_deep, IngestLimits};
use super::passthrough::{PassthroughEvent, TreeContextFields};
use super::reader::JsonSlot;
use super::shared::Shared;
use crate::error::{kind_of, MapError};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::fmt;

mod one_pass;

/// Whether the new reader gives exactly what the legacy readers give: the same events,
/// serialized byte for byte, the same per-event errors, the same body error; `None` where the
/// new reader decides differently on purpose (a repeated envelope field).
pub(crate) fn agrees<C: TreeContextFields>(
    text: &str,
    implied_type: Option<&str>,
    limits: IngestLimits,
    reading: Reading,
) -> Option<bool> {
    let describe = |result: Result<Vec<JsonSlot>, IngestError>| -> Vec<String> {
        match result {
            Err(error) => vec![format!("body {}: {error}", error.code())],
            Ok(slots) => slots
                .iter()
                .map(|slot| match slot {
                    Ok(event) => serde_json::to_string(event).expect("events serialize"),
                    Err(error) => format!("event {}: {}", error.code.as_str(), error.message),
                })
                .collect(),
        }
    };
    let legacy = describe(parse_events_json::<C>(text, implied_type, limits, reading));
    if legacy.len() == 1 && legacy[0].contains("duplicate field") {
        return None;
    }
    let new = describe(super::reader::read_body::<C>(
        text,
        implied_type,
        limits,
        reading,
    ));
    Some(new == legacy)
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    batch: Option<&'a RawValue>,
    #[serde(borrow, default)]
    context: Option<&'a RawValue>,
    #[serde(borrow, default)]
    integrations: Option<&'a RawValue>,
}

/// [`Envelope`] with `batch` split into events as it is read, saving a pass over the body.
#[derive(Deserialize)]
struct OnePassEnvelope<'a> {
    // Not through `Option`'s own null handling: `"batch": null` is a batch that is not an array.
    #[serde(borrow, default, deserialize_with = "present_batch")]
    batch: Option<BatchItems<'a>>,
    #[serde(borrow, default)]
    context: Option<&'a RawValue>,
    #[serde(borrow, default)]
    integrations: Option<&'a RawValue>,
}

/// A `batch` field: the events' slices, or a value that is not an array.
enum BatchItems<'a> {
    Events(Vec<&'a RawValue>),
    NotAnArray,
}

impl<'de: 'a, 'a> Deserialize<'de> for BatchItems<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct Items<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Items<'a> {
            type Value = BatchItems<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of events")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(item) = seq.next_element::<&'a RawValue>()? {
                    items.push(item);
                }
                Ok(BatchItems::Events(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(BatchItems::NotAnArray)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(BatchItems::NotAnArray)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(BatchItems::NotAnArray)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(BatchItems::NotAnArray)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(BatchItems::NotAnArray)
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(BatchItems::NotAnArray)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(BatchItems::NotAnArray)
            }
        }
        deserializer.deserialize_any(Items(std::marker::PhantomData))
    }
}

/// A `batch` key that is present, whatever its value (`null` included).
fn present_batch<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BatchItems<'a>>, D::Error> {
    BatchItems::deserialize(deserializer).map(Some)
}

/// The events of a body, parsed, with the batch's shared fields applied.
pub(crate) fn parse_events_json<'a, C: TreeContextFields>(
    text: &'a str,
    implied_type: Option<&str>,
    limits: IngestLimits,
    reading: Reading,
) -> Result<Vec<JsonSlot<'a>>, IngestError> {
    if text.len() <= ONE_PASS_MAX_BODY_BYTES {
        if let Some(slots) = one_pass::parse::<C>(text, implied_type, limits, reading) {
            return slots;
        }
    }
    parse_events_sliced::<C>(text, implied_type, limits, reading)
}

/// [`parse_events_json`] by cutting the body into per-event slices first, then parsing each:
/// the reference reading, for every body the one-pass reader does not take.
fn parse_events_sliced<'a, C: TreeContextFields>(
    text: &'a str,
    implied_type: Option<&str>,
    limits: IngestLimits,
    reading: Reading,
) -> Result<Vec<JsonSlot<'a>>, IngestError> {
    let first = text.trim_start().as_bytes().first().copied();
    let (items, shared) = match first {
        Some(b'[') => (parse_raw::<Vec<&RawValue>>(text)?, Shared::default()),
        Some(b'{') => match serde_json::from_str::<OnePassEnvelope>(text) {
            // The usual case, in one pass over the body.
            Ok(OnePassEnvelope {
                batch: Some(BatchItems::Events(items)),
                context,
                integrations,
            }) => (items, Shared::read(context, integrations)?),
            Ok(OnePassEnvelope {
                batch: Some(BatchItems::NotAnArray),
                ..
            }) => {
                return Err(IngestError::InvalidBody(
                    "`batch` must be an array of events".into(),
                ))
            }
            Ok(OnePassEnvelope { batch: None, .. }) => {
                (vec![parse_raw::<&RawValue>(text)?], Shared::default())
            }
            // Unreadable: the two-pass reading below words the error as it always has.
            Err(_) => envelope_two_pass(text)?,
        },
        _ => {
            // Not an object or array: let serde_json say what is wrong, or name the shape.
            let value: Value = parse_raw(text)?;
            return Err(IngestError::InvalidBody(format!(
                "the body must be an event object, an array of events or {{\"batch\": [...]}}, got {}",
                kind_of(&value)
            )));
        }
    };
    if items.len() > limits.max_events {
        return Err(IngestError::TooManyEvents {
            count: items.len(),
            max: limits.max_events,
        });
    }
    Ok(items
        .into_iter()
        .map(|raw| {
            let mut event = super::reader::read_event::<C>(raw.get(), limits, reading)?;
            shared.apply(&mut event, implied_type);
            Ok(event)
        })
        .collect())
}

/// Bodies up to this size are read in one pass ([`one_pass`]); larger ones are split into event
/// slices first, so that no event over the size limit is ever parsed into a tree.
const ONE_PASS_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// An object body read in two passes (the envelope, then `batch` as an array), which is how
/// errors in an unreadable body are worded.
fn envelope_two_pass(text: &str) -> Result<(Vec<&RawValue>, Shared<'_>), IngestError> {
    let envelope: Envelope = parse_raw(text)?;
    Ok(match envelope.batch {
        Some(batch) => {
            let items: Vec<&RawValue> = serde_json::from_str(batch.get()).map_err(|_| {
                IngestError::InvalidBody("`batch` must be an array of events".into())
            })?;
            (
                items,
                Shared::read(envelope.context, envelope.integrations)?,
            )
        }
        None => (vec![parse_raw::<&RawValue>(text)?], Shared::default()),
    })
}

/// Parses one event's JSON text, enforcing the per-event size and depth limits.
fn parse_event_json<C: TreeContextFields>(
    text: &str,
    limits: IngestLimits,
    reading: Reading,
) -> JsonSlot<'_> {
    if text.len() > limits.max_event_bytes {
        return Err(event_too_large(text.len(), limits));
    }
    if reading == Reading::Passthrough {
        // Any failure here (a value that is not canonical, or an unreadable event) is decided
        // by the plain reading below, so errors are worded exactly as without passthrough.
        if let Ok(PassthroughEvent::<C>(event, _)) = serde_json::from_str(text) {
            return Ok(event);
        }
    }
    serde_json::from_str(text).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            too_deep()
        } else {
            MapError::invalid_event(format!("the event could not be read: {e}"))
        }
    })
}

fn parse_raw<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, IngestError> {
    serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            return IngestError::InvalidBody(format!(
                "the body must be an event object, an array of events or {{\"batch\": [...]}}: {e}"
            ));
        }
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(cut) => full[..cut].to_string(),
            None => full,
        };
        IngestError::InvalidJson {
            message,
            line: e.line(),
            column: e.column(),
        }
    })
}
