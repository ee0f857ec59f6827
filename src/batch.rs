//! Events → Bloomreach batch requests of at most 50 commands, with every event accounted for.

use crate::command::Draft;
use crate::error::{describe_event, MapError};
use crate::ingest::{parse_events_json, EventSlot, IngestError, IngestLimits, JsonSlot};
use crate::mapping::{json_from_value, map_json, message_id_json, message_id_of, Drafted};
use crate::settings::{RequestTarget, Settings};
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// The batch endpoint takes at most this many commands per request.
pub const MAX_COMMANDS_PER_REQUEST: usize = 50;

/// Which event a command of a request came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandSource {
    pub command_id: String,
    pub event_index: usize,
    /// Where the command's JSON is in the request's `body`, so it can be taken out alone
    /// without reading the body again.
    pub body_range: std::ops::Range<usize>,
}

/// A request ready to send: `POST url` with `Authorization`, JSON `Content-Type` and `body`.
/// Serializes as `{method, url, headers, body}`; `Debug` hides the `Authorization` value.
#[derive(Clone, PartialEq, Eq)]
pub struct BatchRequest {
    pub url: String,
    pub authorization: String,
    /// `{"commands": [...]}` as JSON text.
    pub body: String,
    /// One entry per command, in body order.
    pub commands: Vec<CommandSource>,
}

impl BatchRequest {
    pub const METHOD: &'static str = "POST";
    pub const CONTENT_TYPE: &'static str = "application/json";
}

impl fmt::Debug for BatchRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchRequest")
            .field("url", &self.url)
            .field("authorization", &"[redacted]")
            .field("body", &self.body)
            .field("commands", &self.commands)
            .finish()
    }
}

impl Serialize for BatchRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Headers<'a>(&'a str);
        impl Serialize for Headers<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("Authorization", self.0)?;
                map.serialize_entry("Content-Type", BatchRequest::CONTENT_TYPE)?;
                map.end()
            }
        }
        let mut s = serializer.serialize_struct("BatchRequest", 4)?;
        s.serialize_field("method", Self::METHOD)?;
        s.serialize_field("url", &self.url)?;
        s.serialize_field("headers", &Headers(&self.authorization))?;
        s.serialize_field("body", &self.body)?;
        s.end()
    }
}

/// An event that was rejected or skipped, named by its position and `messageId`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventIssue {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub code: &'static str,
    pub message: String,
}

/// Every event ends in exactly one place: a command in `requests`, `rejected` or `skipped`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BuildOutput {
    pub requests: Vec<BatchRequest>,
    pub rejected: Vec<EventIssue>,
    pub skipped: Vec<EventIssue>,
}

/// Maps `events` and packs their commands into requests.
pub fn build_requests(events: Vec<Value>, settings: &Settings) -> BuildOutput {
    build_from_slots(events.into_iter().map(Ok), settings)
}

/// The text-in path: a Segment body (one event, an array, or `{"batch": [...]}`) → requests.
pub fn build_requests_from_json(
    text: &str,
    settings: &Settings,
    implied_type: Option<&str>,
    limits: IngestLimits,
) -> Result<BuildOutput, IngestError> {
    Ok(build_from_json_slots(
        parse_events_json(text, implied_type, limits, passes_through(settings))?,
        settings,
    ))
}

/// [`build_requests_from_json`], also giving each event's `messageId` (by position), for callers
/// that report on every event and would otherwise parse the body twice.
pub fn build_requests_with_message_ids(
    text: &str,
    settings: &Settings,
    implied_type: Option<&str>,
    limits: IngestLimits,
) -> Result<(BuildOutput, Vec<Option<String>>), IngestError> {
    let slots = parse_events_json(text, implied_type, limits, passes_through(settings))?;
    let message_ids = slots
        .iter()
        .map(|slot| {
            slot.as_ref()
                .ok()
                .and_then(message_id_json)
                .map(Cow::into_owned)
        })
        .collect();
    Ok((build_from_json_slots(slots, settings), message_ids))
}

/// Whether `properties` and `traits` can be copied as text: they are, unless flattened.
pub(crate) fn passes_through(settings: &Settings) -> bool {
    !settings.flatten_nested_objects
}

/// Maps each slot (an event, or an event already rejected while reading it) and packs the commands.
pub fn build_from_slots(
    slots: impl IntoIterator<Item = EventSlot>,
    settings: &Settings,
) -> BuildOutput {
    build_from_events(
        slots.into_iter().map(|slot| {
            let message_id = slot.as_ref().ok().and_then(message_id_of).map(Cow::Owned);
            (slot.and_then(json_from_value), message_id)
        }),
        settings,
        &settings.request_target(),
    )
}

/// [`build_from_slots`] on the borrowed tree, as the text paths read it.
pub(crate) fn build_from_json_slots<'a>(
    slots: impl IntoIterator<Item = JsonSlot<'a>>,
    settings: &'a Settings,
) -> BuildOutput {
    build_from_json_slots_to(slots, settings, &settings.request_target())
}

/// [`build_from_json_slots`] with the settings' [`RequestTarget`] already worked out (the npm
/// package keeps it with the settings it reuses from call to call).
pub(crate) fn build_from_json_slots_to<'a>(
    slots: impl IntoIterator<Item = JsonSlot<'a>>,
    settings: &'a Settings,
    target: &RequestTarget,
) -> BuildOutput {
    build_from_events(
        slots.into_iter().map(|slot| {
            // Borrowed, not copied: it is needed only if the event ends rejected or skipped.
            let message_id = slot.as_ref().ok().and_then(message_id_json);
            (slot, message_id)
        }),
        settings,
        target,
    )
}

/// Maps each event (with its `messageId`, for naming it) and packs the commands.
fn build_from_events<'a>(
    events: impl Iterator<Item = (JsonSlot<'a>, Option<Cow<'a, str>>)>,
    settings: &'a Settings,
    target: &RequestTarget,
) -> BuildOutput {
    let mut commands: Vec<(Draft<'a>, usize)> = Vec::with_capacity(events.size_hint().0);
    let mut rejected = Vec::new();
    let mut skipped = Vec::new();
    for (index, (slot, message_id)) in events.enumerate() {
        match slot.and_then(|event| map_json(event, settings, index)) {
            Ok(Drafted::Commands(mapped)) => {
                commands.extend(mapped.into_iter().map(|c| (c, index)))
            }
            Ok(Drafted::Skipped(reason)) => {
                let message_id = message_id.map(Cow::into_owned);
                skipped.push(EventIssue {
                    message: format!(
                        "{} {}",
                        describe_event(Some(index), message_id.as_deref()),
                        reason.message()
                    ),
                    index,
                    message_id,
                    code: reason.as_str(),
                })
            }
            Err(error) => rejected.push(issue(index, message_id.map(Cow::into_owned), error)),
        }
    }
    let requests = pack(commands, target);
    BuildOutput {
        requests,
        rejected,
        skipped,
    }
}

fn issue(index: usize, message_id: Option<String>, error: MapError) -> EventIssue {
    EventIssue {
        message: error.describe(Some(index), message_id.as_deref()),
        index,
        message_id,
        code: error.code.as_str(),
    }
}

/// Splits commands into requests of at most 50, making each `command_id` unique in its request.
fn pack(commands: Vec<(Draft, usize)>, target: &RequestTarget) -> Vec<BatchRequest> {
    let mut requests = Vec::with_capacity(commands.len().div_ceil(MAX_COMMANDS_PER_REQUEST));
    let mut commands = commands.into_iter().peekable();
    let mut body_capacity = 4096;
    while commands.peek().is_some() {
        let mut chunk: Vec<(Draft, usize)> =
            commands.by_ref().take(MAX_COMMANDS_PER_REQUEST).collect();
        make_ids_unique(&mut chunk);
        let (body, ranges) = serialize_body(&chunk, body_capacity);
        body_capacity = body.len() + body.len() / 8;
        requests.push(BatchRequest {
            url: target.url.clone(),
            authorization: target.authorization.clone(),
            body,
            commands: chunk
                .into_iter()
                .zip(ranges)
                .map(|((c, event_index), body_range)| CommandSource {
                    command_id: c.command_id.into_owned(),
                    event_index,
                    body_range,
                })
                .collect(),
        });
    }
    requests
}

/// Two events with the same `messageId` (a sender's retry, say) get `#2`, `#3`… on the later ones.
fn make_ids_unique(chunk: &mut [(Draft, usize)]) {
    let mut seen: HashSet<&str> = HashSet::with_capacity(chunk.len());
    if chunk.iter().all(|(c, _)| seen.insert(&c.command_id)) {
        return; // the usual case: nothing to rename, nothing copied
    }
    let mut seen: HashSet<String> = HashSet::with_capacity(chunk.len());
    for (command, _) in chunk.iter_mut() {
        if !seen.contains(&*command.command_id) {
            seen.insert(command.command_id.to_string());
            continue;
        }
        let mut n = 2;
        let unique = loop {
            let candidate = format!("{}#{n}", command.command_id);
            if !seen.contains(&candidate) {
                break candidate;
            }
            n += 1;
        };
        seen.insert(unique.clone());
        command.command_id = Cow::Owned(unique);
    }
}

/// `{"commands":[...]}`, as serde_json writes it, and where each command is in it.
fn serialize_body(
    chunk: &[(Draft, usize)],
    capacity: usize,
) -> (String, Vec<std::ops::Range<usize>>) {
    let mut body = Vec::with_capacity(capacity);
    let mut ranges = Vec::with_capacity(chunk.len());
    body.extend_from_slice(br#"{"commands":["#);
    for (i, (command, _)) in chunk.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let start = body.len();
        serde_json::to_writer(&mut body, command).expect("commands serialize: string keys only");
        ranges.push(start..body.len());
    }
    body.extend_from_slice(b"]}");
    // serde_json writes only valid UTF-8.
    let body = String::from_utf8(body).expect("serde_json writes UTF-8");
    (body, ranges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The request bodies and issues, with and without `properties`/`traits` passed through.
    fn both_ways(text: &str) -> (String, String) {
        let settings = Settings::from_json_value(&json!({
            "apiKey": "k", "projectToken": "p", "exponeaHardId": "registered", "exponeaSoftId": "cookie"
        }))
        .unwrap();
        let run = |passthrough| {
            let slots = parse_events_json(text, None, IngestLimits::default(), passthrough);
            match slots {
                Ok(slots) => {
                    serde_json::to_string(&build_from_json_slots(slots, &settings)).unwrap()
                }
                Err(e) => e.to_string(),
            }
        };
        (run(true), run(false))
    }

    #[test]
    fn passthrough_writes_the_same_bytes_as_the_tree() {
        let values = [
            r#"{"a":1,"b":"x"}"#,
            r#"{"n":[1.0,1e2,1E2,-0,0,-0.0,1.50,0.1,1.5e-7,1e21,123456789012345678901234,18446744073709551615,-9223372036854775808,9007199254740993]}"#,
            r#"{"s":"\u00e9\u0041\/\n\"\\\t\b\f\r\u001f","é":"😀"}"#,
            r#"{"k":1,"k":2,"j":{"x":1,"x":[2]}}"#,
            r#"{"deep":{"__proto__":1}}"#,
            r#"{"deep":[{"\u005f_proto__":1}]}"#,
            r#"{"__proto__":{}}"#,
            r#"{ "spaced" : [ 1 , 2 ] }"#,
            r#"{"big":1e999}"#,
            r#"{"lone":"\ud800"}"#,
            r#"{"pair":"\ud83d\ude00"}"#,
            r#"{"empty":{},"arr":[],"t":true,"f":false,"n":null}"#,
            r#"null"#,
            r#""text""#,
            r#"[1,2]"#,
            r#"7"#,
        ];
        for value in values {
            let context = format!(
                r#""type":"screen","context":{{"userAgent":{value},"library":{value},"app":{{"v":{value}}},"page":{{"a":{value}}}}}"#
            );
            for (field, call) in [
                ("properties", r#""type":"track","event":"E""#),
                (
                    "properties",
                    r#""type":"page","name":"P","context":{"app":{"v":1}}"#,
                ),
                ("properties", context.as_str()),
                ("traits", r#""type":"identify""#),
                ("traits", r#""type":"group","groupId":"g""#),
            ] {
                let text = format!(
                    r#"[{{{call},"userId":"u","messageId":"m","{field}":{value}}},{{"type":"track","event":"E","anonymousId":"a","{field}":{value},"{field}":{{"z":1}}}}]"#
                );
                let (passed, tree) = both_ways(&text);
                assert_eq!(passed, tree, "{text}");
            }
        }
        for depth in [90, 99, 100, 101, 124, 125, 126, 127, 128, 129] {
            let value = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            let text = format!(
                r#"{{"type":"track","event":"E","userId":"u","properties":{{"a":{value}}}}}"#
            );
            let (passed, tree) = both_ways(&text);
            assert_eq!(passed, tree, "depth {depth}");
        }
    }

    #[test]
    fn canonical_text_is_recognized() {
        use crate::json::is_canonical;
        for yes in [
            r#"{"a":[1,-2,0.5,"x\n"],"b":{}}"#,
            "1.0",
            "-1",
            r#""é""#,
            "null",
        ] {
            assert!(is_canonical(yes, 100), "{yes}");
        }
        for no in [
            r#"{"a":1,"a":2}"#,
            r#"{"__proto__":1}"#,
            r#""\u0041""#,
            r#""a\/b""#,
            "1.50",
            "1e2",
            "-0",
            "12345678901234567890123",
            " 1",
            "[[1]]",
        ] {
            assert!(!is_canonical(no, 1), "{no}");
        }
    }
}
