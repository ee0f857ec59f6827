//! The one body reader: a Segment body (one event, an array of events, or `{"batch": [...]}`) into events, each parsed where it stands.
//!
//! The body's structure (the array, the envelope's keys, the commas) is scanned in place, and each
//! event is parsed into a tree right where it starts, its size known from where the parse ended:
//! one pass over the bytes. An event that does not parse is delimited again as plain JSON text:
//! if that works, the event alone is rejected (too deep, over the size limit, a number out of
//! range); if not, the body is not JSON, and serde_json words the error from the whole text.
//! Bodies over 8 MB have every event delimited first, so no event over the size limit is built
//! into a tree. Body errors take precedence over per-event ones, syntax over shape.

use super::body_error::{unreadable, IngestError};
use super::event::Reading;
use super::limits::{event_too_large, too_deep, IngestLimits};
use super::passthrough::{PassthroughEvent, TreeContextFields};
use super::shared::Shared;
use crate::error::MapError;
use crate::json::{Json, Key};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashSet;
use std::marker::PhantomData;

/// An event as read: parsed, or already rejected (its shape is checked by the mapper).
pub(crate) type JsonSlot<'a> = Result<Json<'a>, MapError>;

/// Bodies up to this size have each event parsed where it stands; larger ones have each event
/// delimited first.
const PARSE_IN_PLACE_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The events of a body, with the batch's shared fields applied and the implied call type set on
/// events without one.
pub(crate) fn read_body<'a, C: TreeContextFields>(
    text: &'a str,
    implied_type: Option<&str>,
    limits: IngestLimits,
    reading: Reading,
) -> Result<Vec<JsonSlot<'a>>, IngestError> {
    let reader = Reader::<C> {
        text,
        limits,
        reading,
        in_place: text.len() <= PARSE_IN_PLACE_MAX_BODY_BYTES,
        context_fields: PhantomData,
    };
    let start = skip_whitespace(text, 0);
    let body = match text.as_bytes().get(start) {
        Some(b'[') => reader.events(start)?,
        Some(b'{') => reader.envelope(start)?,
        _ => return Err(unreadable(text)),
    };
    if skip_whitespace(text, body.end) != text.len() {
        return Err(unreadable(text));
    }
    // Only now, with the whole body known to be JSON: its shape, then its size.
    if body.batch_not_an_array {
        return Err(IngestError::batch_not_an_array());
    }
    if let Some(field) = body.repeated {
        return Err(IngestError::InvalidBody(format!(
            "the batch body has `{field}` more than once"
        )));
    }
    if body.count > limits.max_events {
        return Err(IngestError::TooManyEvents {
            count: body.count,
            max: limits.max_events,
        });
    }
    let shared = Shared::read(body.context, body.integrations)?;
    Ok(body
        .slots
        .into_iter()
        .map(|slot| {
            slot.map(|mut event| {
                shared.apply(&mut event, implied_type);
                event
            })
        })
        .collect())
}

/// One event's JSON text, within the per-event size and depth limits.
pub(crate) fn read_event<C: TreeContextFields>(
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

/// What scanning a body found.
#[derive(Default)]
struct Body<'a> {
    slots: Vec<JsonSlot<'a>>,
    /// Events in the body (those past the limit are counted, not read).
    count: usize,
    context: Option<&'a RawValue>,
    integrations: Option<&'a RawValue>,
    batch_not_an_array: bool,
    /// An envelope field given twice in a batch body.
    repeated: Option<&'static str>,
    /// The offset just after the body's value.
    end: usize,
}

struct Reader<'a, C> {
    text: &'a str,
    limits: IngestLimits,
    reading: Reading,
    in_place: bool,
    context_fields: PhantomData<C>,
}

impl<'a, C: TreeContextFields> Reader<'a, C> {
    /// The events of the array opening at `open`.
    fn events(&self, open: usize) -> Result<Body<'a>, IngestError> {
        let bytes = self.text.as_bytes();
        let mut body = Body::default();
        let mut at = skip_whitespace(self.text, open + 1);
        if bytes.get(at) == Some(&b']') {
            body.end = at + 1;
            return Ok(body);
        }
        loop {
            body.count += 1;
            at = if body.count > self.limits.max_events {
                self.skip_value(at)? // counted for the message, never read
            } else {
                let (slot, end) = self.event_at(at)?;
                body.slots.push(slot);
                end
            };
            at = skip_whitespace(self.text, at);
            match bytes.get(at) {
                Some(b',') => at = skip_whitespace(self.text, at + 1),
                Some(b']') => {
                    body.end = at + 1;
                    return Ok(body);
                }
                _ => return Err(unreadable(self.text)),
            }
        }
    }

    /// `{"batch": [...], "context": {...}, ...}`, or, with no `batch`, one event.
    fn envelope(&self, open: usize) -> Result<Body<'a>, IngestError> {
        let bytes = self.text.as_bytes();
        let mut batch: Option<Body<'a>> = None;
        let mut batch_not_an_array = false;
        let (mut context, mut integrations) = (None, None);
        let mut seen: HashSet<&'static str> = HashSet::new();
        let mut repeated = None;
        let mut at = skip_whitespace(self.text, open + 1);
        if bytes.get(at) == Some(&b'}') {
            at += 1;
        } else {
            loop {
                let (key, after_key) =
                    value_at::<Key>(self.text, at).ok_or_else(|| unreadable(self.text))?;
                at = skip_whitespace(self.text, after_key);
                if bytes.get(at) != Some(&b':') {
                    return Err(unreadable(self.text));
                }
                at = skip_whitespace(self.text, at + 1);
                let field = match &*key.0 {
                    "batch" => Some("batch"),
                    "context" => Some("context"),
                    "integrations" => Some("integrations"),
                    _ => None,
                };
                if let Some(field) = field {
                    if !seen.insert(field) {
                        repeated.get_or_insert(field);
                    }
                }
                at = match field {
                    Some("batch") if bytes.get(at) == Some(&b'[') => {
                        let events = self.events(at)?;
                        let end = events.end;
                        batch = Some(events);
                        end
                    }
                    Some("batch") => {
                        batch_not_an_array = true;
                        self.skip_value(at)?
                    }
                    Some(shared) => {
                        let (raw, end) = value_at::<&RawValue>(self.text, at)
                            .ok_or_else(|| unreadable(self.text))?;
                        if shared == "context" {
                            context = Some(raw);
                        } else {
                            integrations = Some(raw);
                        }
                        end
                    }
                    None => self.skip_value(at)?,
                };
                at = skip_whitespace(self.text, at);
                match bytes.get(at) {
                    Some(b',') => at = skip_whitespace(self.text, at + 1),
                    Some(b'}') => {
                        at += 1;
                        break;
                    }
                    _ => return Err(unreadable(self.text)),
                }
            }
        }
        if batch.is_none() && !batch_not_an_array {
            // No `batch`: the whole object is one event (its values were only skipped so far),
            // and a repeated key in it is the event's own business.
            let event = read_event::<C>(&self.text[open..at], self.limits, self.reading);
            return Ok(Body {
                slots: vec![event],
                count: 1,
                end: at,
                ..Body::default()
            });
        }
        let mut body = batch.unwrap_or_default();
        body.context = context;
        body.integrations = integrations;
        body.batch_not_an_array = batch_not_an_array;
        body.repeated = repeated;
        body.end = at;
        Ok(body)
    }

    /// The event starting at `at`, and the offset just after it.
    fn event_at(&self, at: usize) -> Result<(JsonSlot<'a>, usize), IngestError> {
        if self.in_place {
            let parsed = match self.reading {
                Reading::Passthrough => value_at::<PassthroughEvent<C>>(self.text, at)
                    .map(|(event, end)| (event.0, end))
                    .or_else(|| value_at::<Json>(self.text, at)),
                Reading::Tree => value_at::<Json>(self.text, at),
            };
            if let Some((event, end)) = parsed {
                let size = end - at;
                let slot = if size > self.limits.max_event_bytes {
                    Err(event_too_large(size, self.limits))
                } else {
                    Ok(event)
                };
                return Ok((slot, end));
            }
        }
        // Delimited as plain JSON text, which has no depth limit: the event alone is bad, or
        // the body is not JSON.
        let (raw, end) =
            value_at::<&RawValue>(self.text, at).ok_or_else(|| unreadable(self.text))?;
        Ok((read_event::<C>(raw.get(), self.limits, self.reading), end))
    }

    /// The offset just after the value at `at`, which is only skipped.
    fn skip_value(&self, at: usize) -> Result<usize, IngestError> {
        value_at::<IgnoredAny>(self.text, at)
            .map(|(_, end)| end)
            .ok_or_else(|| unreadable(self.text))
    }
}

/// One JSON value starting at `at`, and the offset just after it.
fn value_at<'a, T: Deserialize<'a>>(text: &'a str, at: usize) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((value, at + values.byte_offset()))
}

fn skip_whitespace(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while matches!(bytes.get(at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        at += 1;
    }
    at
}
