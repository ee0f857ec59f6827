//! Segment request bodies as text → events: one event, an array of events, or `{"batch": [...]}`.
//!
//! Usual bodies are read in one pass (the `one_pass` module): each event is parsed where it
//! stands, its size known from where its parse ended. Any other body is split into per-event
//! slices before any event is parsed. Either way one oversize or deeply nested event is rejected
//! alone and the rest of the batch still maps.

use crate::error::{kind_of, ErrorCode, MapError};
use crate::json::{Json, Obj, PassthroughEvent};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

pub(crate) mod one_pass;

/// Segment's own limits, which the ingest path enforces the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IngestLimits {
    /// Bytes of JSON per event (Segment: 32 KB).
    pub max_event_bytes: usize,
    /// Events per body (Segment: 2,500 per batch).
    pub max_events: usize,
}

impl Default for IngestLimits {
    fn default() -> Self {
        IngestLimits {
            max_event_bytes: 32 * 1024,
            max_events: 2_500,
        }
    }
}

/// A body that cannot be read at all (as opposed to one bad event inside it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestError {
    /// Not JSON; `line` and `column` are 1-based, as serde_json reports them.
    InvalidJson {
        message: String,
        line: usize,
        column: usize,
    },
    /// JSON, but not one of the shapes Segment sends.
    InvalidBody(String),
    TooManyEvents {
        count: usize,
        max: usize,
    },
}

impl IngestError {
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::InvalidJson { .. } => "invalid_json",
            IngestError::InvalidBody(_) => "invalid_body",
            IngestError::TooManyEvents { .. } => "too_many_events",
        }
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IngestError::InvalidJson {
                message,
                line,
                column,
            } => write!(
                f,
                "the body is not valid JSON: {message} (line {line}, column {column})"
            ),
            IngestError::InvalidBody(why) => f.write_str(why),
            IngestError::TooManyEvents { count, max } => write!(
                f,
                "the body has {count} events; at most {max} are accepted in one request"
            ),
        }
    }
}

impl std::error::Error for IngestError {}

/// One event of a body: parsed, or already rejected.
pub type EventSlot = Result<Value, MapError>;

/// [`EventSlot`] in the mapping's working form, borrowing from the body text.
pub(crate) type JsonSlot<'a> = Result<Json<'a>, MapError>;

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

/// Splits a Segment body into events. `implied_type` is the call type of a single-event
/// endpoint (`/v1/track` → `"track"`), set on events that have no `type`.
pub fn parse_events(
    text: &str,
    implied_type: Option<&str>,
    limits: IngestLimits,
) -> Result<Vec<EventSlot>, IngestError> {
    Ok(parse_events_json(text, implied_type, limits, false)?
        .into_iter()
        .map(|slot| slot.map(Json::into_value))
        .collect())
}

/// [`parse_events`] into the borrowed tree the mapping works on (no copy of plain strings).
/// `passthrough` (for settings that do not flatten): `properties` and `traits` values are kept
/// as raw text where that gives the same output (see [`PassthroughEvent`]).
pub(crate) fn parse_events_json<'a>(
    text: &'a str,
    implied_type: Option<&str>,
    limits: IngestLimits,
    passthrough: bool,
) -> Result<Vec<JsonSlot<'a>>, IngestError> {
    if text.len() <= ONE_PASS_MAX_BODY_BYTES {
        if let Some(slots) = one_pass::parse(text, implied_type, limits, passthrough) {
            return slots;
        }
    }
    parse_events_sliced(text, implied_type, limits, passthrough)
}

/// [`parse_events_json`] by cutting the body into per-event slices first, then parsing each:
/// the reference reading, for every body the one-pass reader does not take.
pub(crate) fn parse_events_sliced<'a>(
    text: &'a str,
    implied_type: Option<&str>,
    limits: IngestLimits,
    passthrough: bool,
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
            let mut event = parse_event_json(raw.get(), limits, passthrough)?;
            shared.apply(&mut event, implied_type);
            Ok(event)
        })
        .collect())
}

/// Whether the one-pass reader gives exactly what the slicing reader gives: the same events,
/// serialized byte for byte, the same per-event errors, the same body error. `None` when the
/// one-pass reader declines the body. For the tests and the fuzz target (`fuzz/checks.rs`);
/// not part of the API.
#[doc(hidden)]
pub fn one_pass_agrees(
    text: &str,
    implied_type: Option<&str>,
    limits: IngestLimits,
    passthrough: bool,
) -> Option<bool> {
    let one_pass = one_pass::parse(text, implied_type, limits, passthrough)?;
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
    Some(
        describe(one_pass)
            == describe(parse_events_sliced(text, implied_type, limits, passthrough)),
    )
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
pub fn parse_event(text: &str, limits: IngestLimits) -> Result<Value, MapError> {
    parse_event_json(text, limits, false).map(Json::into_value)
}

/// [`parse_event`] into the borrowed tree; `passthrough` as in [`parse_events_json`].
pub(crate) fn parse_event_json(
    text: &str,
    limits: IngestLimits,
    passthrough: bool,
) -> Result<Json<'_>, MapError> {
    if text.len() > limits.max_event_bytes {
        return Err(event_too_large(text.len(), limits));
    }
    if passthrough {
        // Any failure here (a value that is not canonical, or an unreadable event) is decided
        // by the plain reading below, so errors are worded exactly as without passthrough.
        if let Ok(PassthroughEvent(event)) = serde_json::from_str(text) {
            return Ok(event);
        }
    }
    serde_json::from_str(text).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            crate::mapping::too_deep()
        } else {
            MapError::invalid_event(format!("the event could not be read: {e}"))
        }
    })
}

/// The error for an event of `size` bytes of JSON, over Segment's limit per event.
fn event_too_large(size: usize, limits: IngestLimits) -> MapError {
    MapError::invalid_event(format!(
        "the event is {size} bytes of JSON; at most {} are accepted (Segment's limit per event)",
        limits.max_event_bytes
    ))
}

/// The error for an event the JavaScript caller could not turn into JSON (a `BigInt`, a cycle,
/// `undefined`) or whose top-level `field` held a value JSON cannot carry (`NaN`, `Infinity`).
pub fn unrepresentable(field: Option<&str>, reason: &str) -> MapError {
    let code = match field {
        Some("timestamp" | "originalTimestamp") => ErrorCode::InvalidTimestamp,
        Some("userId" | "anonymousId" | "previousId") => ErrorCode::InvalidIdentity,
        _ => ErrorCode::InvalidEvent,
    };
    let message = match field {
        Some(field) => format!("`{field}` is {reason}, which JSON cannot carry"),
        None => format!("the event cannot be turned into JSON: {reason}"),
    };
    MapError::new(code, message)
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

/// The top-level `context` and `integrations` of a batch, which apply to every event in it.
#[derive(Default)]
struct Shared<'a> {
    context: Option<Obj<'a>>,
    integrations: Option<Obj<'a>>,
}

impl<'a> Shared<'a> {
    fn read(
        context: Option<&'a RawValue>,
        integrations: Option<&'a RawValue>,
    ) -> Result<Self, IngestError> {
        Ok(Shared {
            context: shared_object(context, "context")?,
            integrations: shared_object(integrations, "integrations")?,
        })
    }

    /// Adds the shared fields to an event; the event's own keys win.
    fn apply(&self, event: &mut Json<'a>, implied_type: Option<&str>) {
        let Json::Object(event) = event else { return };
        for (field, shared) in [
            ("context", &self.context),
            ("integrations", &self.integrations),
        ] {
            let Some(shared) = shared else { continue };
            match event.get_mut(field) {
                None => event.insert(Cow::Borrowed(field), Json::Object(shared.clone())),
                Some(slot @ Json::Null) => *slot = Json::Object(shared.clone()),
                Some(Json::Object(own)) => {
                    for (key, value) in shared.iter() {
                        if !own.contains_key(key) {
                            own.push_absent(key.clone(), value.clone());
                        }
                    }
                }
                Some(_) => {} // the wrong type is reported by the mapping
            }
        }
        if let Some(call_type) = implied_type {
            if !event.contains_key("type") {
                event.insert(
                    Cow::Borrowed("type"),
                    Json::String(Cow::Owned(call_type.to_string())),
                );
            }
        }
    }
}

fn shared_object<'a>(
    raw: Option<&'a RawValue>,
    field: &str,
) -> Result<Option<Obj<'a>>, IngestError> {
    let Some(raw) = raw else { return Ok(None) };
    match serde_json::from_str::<Json>(raw.get()) {
        Ok(Json::Null) => Ok(None),
        Ok(Json::Object(map)) => Ok(Some(map)),
        Ok(other) => Err(IngestError::InvalidBody(format!(
            "the batch's top-level `{field}` must be an object, got {}",
            other.kind()
        ))),
        Err(e) => Err(IngestError::InvalidBody(format!(
            "the batch's top-level `{field}` could not be read: {e}"
        ))),
    }
}
