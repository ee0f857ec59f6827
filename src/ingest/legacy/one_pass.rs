//! Reading a body in one pass: each event is parsed where it stands in the body, and its size
//! is known from where the parse ended, instead of first cutting the body into per-event slices
//! (a full scan of every byte) and then parsing each slice. Only the usual, well-formed shapes
//! are read this way; anything else (`None`) goes to the slicing reader, whose results and
//! errors are the reference: a malformed body, an event that fails to parse, a key with an
//! escape, a repeated envelope field, too many events.

use super::super::body_error::IngestError;
use super::super::event::Reading;
use super::super::limits::{event_too_large, IngestLimits};
use super::super::passthrough::{PassthroughEvent, TreeContextFields};
use super::super::reader::{read_event as parse_event_json, JsonSlot};
use super::super::shared::Shared;
use crate::json::Json;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The body's events exactly as the slicing reader gives them (shared fields applied, the
/// implied type set), or `None` where this reader declines the body.
pub(crate) fn parse<'a, C: TreeContextFields>(
    text: &'a str,
    implied_type: Option<&str>,
    limits: IngestLimits,
    reading: Reading,
) -> Option<Result<Vec<JsonSlot<'a>>, IngestError>> {
    let start = skip_whitespace(text, 0);
    let (events, shared, end) = match text.as_bytes().get(start)? {
        b'[' => {
            let (events, end) = events::<C>(text, start, limits, reading)?;
            (events, None, end)
        }
        b'{' => envelope::<C>(text, start, limits, reading)?,
        _ => return None,
    };
    if skip_whitespace(text, end) != text.len() {
        return None;
    }
    let shared = match shared {
        Some((context, integrations)) => match Shared::read(context, integrations) {
            Ok(shared) => shared,
            Err(error) => return Some(Err(error)),
        },
        None => Shared::default(),
    };
    Some(Ok(events
        .into_iter()
        .map(|slot| {
            slot.map(|mut event| {
                shared.apply(&mut event, implied_type);
                event
            })
        })
        .collect()))
}

type SharedFields<'a> = (Option<&'a RawValue>, Option<&'a RawValue>);

/// `{"batch": [...], "context": {...}, ...}`: the events (or, with no `batch`, the body as
/// one event), the shared fields, and the offset after the closing brace.
fn envelope<'a, C: TreeContextFields>(
    text: &'a str,
    open: usize,
    limits: IngestLimits,
    reading: Reading,
) -> Option<(Vec<JsonSlot<'a>>, Option<SharedFields<'a>>, usize)> {
    let bytes = text.as_bytes();
    let mut at = skip_whitespace(text, open + 1);
    let mut batch = None;
    let (mut context, mut integrations) = (None, None);
    if bytes.get(at) == Some(&b'}') {
        at += 1;
    } else {
        loop {
            let (key, after_key) = plain_key(text, at)?;
            at = skip_whitespace(text, after_key);
            if bytes.get(at) != Some(&b':') {
                return None;
            }
            at = skip_whitespace(text, at + 1);
            at = match key {
                "batch" if batch.is_none() => {
                    if bytes.get(at) != Some(&b'[') {
                        return None; // null, an object…: worded by the slicing reader
                    }
                    let (events, end) = events::<C>(text, at, limits, reading)?;
                    batch = Some(events);
                    end
                }
                "context" if context.is_none() => {
                    let (raw, end) = value_at::<&RawValue>(text, at)?;
                    context = Some(raw);
                    end
                }
                "integrations" if integrations.is_none() => {
                    let (raw, end) = value_at::<&RawValue>(text, at)?;
                    integrations = Some(raw);
                    end
                }
                "batch" | "context" | "integrations" => return None, // repeated
                _ => value_at::<IgnoredAny>(text, at)?.1,
            };
            at = skip_whitespace(text, at);
            match bytes.get(at) {
                Some(b',') => at = skip_whitespace(text, at + 1),
                Some(b'}') => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    match batch {
        Some(events) => Some((events, Some((context, integrations)), at)),
        // No `batch`: the whole object is one event (its values were only skipped so far).
        None => Some((
            vec![parse_event_json::<C>(&text[open..at], limits, reading)],
            None,
            at,
        )),
    }
}

/// The events of the array opening at `open`, and the offset after its `]`.
fn events<'a, C: TreeContextFields>(
    text: &'a str,
    open: usize,
    limits: IngestLimits,
    reading: Reading,
) -> Option<(Vec<JsonSlot<'a>>, usize)> {
    let bytes = text.as_bytes();
    let mut events = Vec::new();
    let mut at = skip_whitespace(text, open + 1);
    if bytes.get(at) == Some(&b']') {
        return Some((events, at + 1));
    }
    loop {
        if events.len() == limits.max_events {
            return None; // the slicing reader counts them all for its message
        }
        let (event, end) = event_at::<C>(text, at, reading)?;
        let size = end - at;
        events.push(if size > limits.max_event_bytes {
            Err(event_too_large(size, limits))
        } else {
            Ok(event)
        });
        at = skip_whitespace(text, end);
        match bytes.get(at) {
            Some(b',') => at = skip_whitespace(text, at + 1),
            Some(b']') => return Some((events, at + 1)),
            _ => return None,
        }
    }
}

/// One event parsed where it starts, as the slicing reader would parse its slice.
fn event_at<C: TreeContextFields>(
    text: &str,
    at: usize,
    reading: Reading,
) -> Option<(Json<'_>, usize)> {
    if reading == Reading::Passthrough {
        if let Some((PassthroughEvent::<C>(event, _), end)) = value_at(text, at) {
            return Some((event, end));
        }
    }
    value_at::<Json>(text, at)
}

/// One JSON value starting at `at`, and the offset just after it.
fn value_at<'a, T: Deserialize<'a>>(text: &'a str, at: usize) -> Option<(T, usize)> {
    let mut values = serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<T>();
    let value = values.next()?.ok()?;
    Some((value, at + values.byte_offset()))
}

/// A key without escapes (serde_json would unescape one, so its meaning is its reader's).
fn plain_key(text: &str, at: usize) -> Option<(&str, usize)> {
    let rest = text.get(at..)?.strip_prefix('"')?;
    let len = rest.find(['"', '\\'])?;
    let key = &rest[..len];
    let plain = rest.as_bytes()[len] == b'"' && !key.bytes().any(|b| b < 0x20);
    plain.then_some((key, at + 1 + len + 1))
}

fn skip_whitespace(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while matches!(bytes.get(at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        at += 1;
    }
    at
}
