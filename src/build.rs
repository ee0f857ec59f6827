//! The pipeline end to end: a Segment body (or events) → read → map → packed requests, every event accounted for.

use crate::error::MapError;
use crate::ingest::{message_id_of_value, Event, EventSlot, IngestError, IngestLimits};
use crate::mapper::Mapper;
use crate::mapping::Drafted;
use crate::pack::{pack_drafts, BatchRequest};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

/// An event that was rejected or skipped, named by its position and `messageId`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventIssue {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub code: crate::codes::Code,
    pub message: String,
}

impl EventIssue {
    /// An event the mapping rejected.
    pub fn rejected(index: usize, message_id: Option<String>, error: &MapError) -> EventIssue {
        EventIssue {
            message: error.describe(Some(index), message_id.as_deref()),
            index,
            message_id,
            code: error.code,
        }
    }

    /// An event with `code` for a reason found after the mapping (delivery, the queue's limits):
    /// `detail` after the event's name, as every issue's message reads.
    pub fn of(
        index: usize,
        message_id: Option<String>,
        code: crate::codes::Code,
        detail: &str,
    ) -> EventIssue {
        let name = crate::error::describe_event(Some(index), message_id.as_deref());
        EventIssue {
            message: format!("{name}: {detail}"),
            index,
            message_id,
            code,
        }
    }
}

/// Every event ends in exactly one place: a command in `requests`, `rejected` or `skipped`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BuildOutput<'a> {
    pub requests: Vec<BatchRequest>,
    pub rejected: Vec<EventIssue>,
    pub skipped: Vec<EventIssue>,
    /// Each event's `messageId` (by position), for naming it later: borrowed from the body.
    #[serde(skip)]
    pub message_ids: Vec<Option<Cow<'a, str>>>,
    /// Keyed builds only (else empty): each event's call type (`track`, `page`, …), by
    /// position, where its `type` names one.
    #[serde(skip)]
    pub call_types: Vec<Option<&'static str>>,
}

impl<'a> BuildOutput<'a> {
    /// How many events the body held.
    pub fn received(&self) -> usize {
        self.message_ids.len()
    }
}

impl Mapper {
    /// Maps each event (read, or already rejected while reading) and packs the commands.
    pub fn build<'a>(&self, slots: Vec<EventSlot<'a>>) -> BuildOutput<'a> {
        self.build_named::<false>(slots.into_iter().map(|slot| {
            let message_id = slot.as_ref().ok().and_then(Event::message_id);
            (slot, message_id)
        }))
    }

    /// [`Mapper::build`], also naming each command for a delivery ledger
    /// ([`crate::pack::CommandSource::ledger_key`]) and each event by its call type
    /// ([`BuildOutput::call_types`]). An event without `messageId` is named by a digest of its
    /// content, which costs a canonical serialization and a SHA-256 of it.
    pub fn build_keyed<'a>(&self, slots: Vec<EventSlot<'a>>) -> BuildOutput<'a> {
        self.build_named::<true>(slots.into_iter().map(|slot| {
            let message_id = slot.as_ref().ok().and_then(Event::message_id);
            (slot, message_id)
        }))
    }

    /// [`Mapper::build`] with each event's `messageId` already read; `KEYED`: see
    /// [`Mapper::build_keyed`] (a constant, so the unkeyed build carries none of it).
    fn build_named<'a, const KEYED: bool>(
        &self,
        events: impl ExactSizeIterator<Item = (EventSlot<'a>, Option<Cow<'a, str>>)>,
    ) -> BuildOutput<'a> {
        let mut commands = Vec::with_capacity(events.len());
        let mut keys = Vec::with_capacity(if KEYED { events.len() } else { 0 });
        let mut call_types = Vec::with_capacity(if KEYED { events.len() } else { 0 });
        let mut rejected = Vec::new();
        let mut skipped = Vec::new();
        let mut message_ids = Vec::with_capacity(events.len());
        for (index, (slot, message_id)) in events.enumerate() {
            let owned_id = || message_id.as_deref().map(str::to_string);
            let (digest, call_type) = match (&slot, KEYED) {
                (Ok(event), true) => {
                    let digest = match message_id {
                        Some(_) => None,
                        None => Some(event.content_digest()),
                    };
                    (digest, event.call_type())
                }
                _ => (None, None),
            };
            if KEYED {
                call_types.push(call_type);
            }
            match slot.and_then(|event| self.map(event, index)) {
                Ok(Drafted::Commands(drafts)) => {
                    if KEYED {
                        keys.extend(
                            drafts
                                .iter()
                                .map(|d| Some(ledger_key(&d.command_id, index, digest.as_deref()))),
                        );
                    }
                    commands.extend(drafts.into_iter().map(|d| (d, index)))
                }
                Ok(Drafted::Skipped(skip)) => skipped.push(EventIssue {
                    message: format!(
                        "{} {}",
                        crate::error::describe_event(Some(index), message_id.as_deref()),
                        skip.message
                    ),
                    index,
                    message_id: owned_id(),
                    code: skip.code,
                }),
                Err(error) => rejected.push(EventIssue::rejected(index, owned_id(), &error)),
            }
            message_ids.push(message_id);
        }
        BuildOutput {
            requests: pack_drafts(commands, keys, self.target()),
            rejected,
            skipped,
            message_ids,
            call_types,
        }
    }

    /// A Segment body (one event, an array, or `{"batch": [...]}`) → requests. `implied_type` is
    /// the call type of a single-event endpoint, set on events without `type`.
    pub fn build_from_text<'a>(
        &self,
        text: &'a str,
        implied_type: Option<&str>,
        limits: IngestLimits,
    ) -> Result<BuildOutput<'a>, IngestError> {
        Ok(self.build(self.read_body(text, implied_type, limits)?))
    }

    /// Events built in Rust → requests.
    pub fn build_from_values(&self, events: Vec<Value>) -> BuildOutput<'static> {
        self.build_named::<false>(events.into_iter().map(|event| {
            // Read first: an event too deep to take over is still named by its `messageId`.
            let message_id = message_id_of_value(&event).map(Cow::Owned);
            (Event::from_value(event), message_id)
        }))
    }
}

/// A command's ledger key: `m:` and its `command_id` as the mapping named it (the event's
/// `messageId`, then any suffix such as `:session_ping`); for an event without `messageId`
/// (named `event-<index>` by the mapping, which a retry may change), `h:` and the digest of the
/// event's content, then the suffix.
fn ledger_key(command_id: &str, index: usize, digest: Option<&str>) -> String {
    match digest {
        None => format!("m:{command_id}"),
        Some(digest) => {
            let base = format!("event-{index}");
            let suffix = command_id.strip_prefix(base.as_str()).unwrap_or(command_id);
            format!("h:{digest}{suffix}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Reading;
    use crate::settings::Settings;
    use serde_json::json;

    fn keyed_mapper(session_ping: bool, flatten: bool) -> Mapper {
        Mapper::new(
            Settings::from_json_value(&json!({
                "apiKey": "k", "projectToken": "p", "exponeaHardId": "registered",
                "exponeaSoftId": "cookie", "trackSessionPing": session_ping,
                "flattenNestedObjects": flatten
            }))
            .unwrap(),
        )
    }

    /// Every command's (command_id, ledger_key), in event order.
    fn keys_of(output: &BuildOutput) -> Vec<(String, Option<String>)> {
        let mut commands: Vec<_> = output
            .requests
            .iter()
            .flat_map(|r| r.commands.iter())
            .map(|c| (c.event_index, c.command_id.clone(), c.ledger_key.clone()))
            .collect();
        commands.sort();
        commands.into_iter().map(|(_, id, key)| (id, key)).collect()
    }

    #[test]
    fn keyed_builds_name_each_command_for_the_ledger() {
        let mapper = keyed_mapper(true, false);
        let body = r#"[
            {"type":"page","messageId":"m1","anonymousId":"a","name":"Home"},
            {"type":"track","messageId":"m1","userId":"u","event":"E"},
            {"type":"track","userId":"u","event":"E","properties":{"b":1,"a":[1,{"y":2,"x":1}]}},
            {"type":"identify","messageId":7,"userId":"u"},
            {"type":"track","event":"E"}
        ]"#;
        let keyed = mapper.build_keyed(
            mapper
                .read_body(body, None, IngestLimits::default())
                .unwrap(),
        );
        let plain = mapper
            .build_from_text(body, None, IngestLimits::default())
            .unwrap();
        // The same requests and answer either way; only the keys and call types differ.
        assert_eq!(
            serde_json::to_string(&keyed).unwrap(),
            serde_json::to_string(&plain).unwrap()
        );
        assert!(keys_of(&plain).iter().all(|(_, key)| key.is_none()));
        assert!(plain.call_types.is_empty());
        assert_eq!(
            keyed.call_types,
            [
                Some("page"),
                Some("track"),
                Some("track"),
                Some("identify"),
                Some("track")
            ]
        );
        let keys = keys_of(&keyed);
        let digest = match &keys[3].1 {
            Some(key) => key.strip_prefix("h:").unwrap().to_string(),
            None => panic!("no key"),
        };
        assert_eq!(digest.len(), 32);
        assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            keys,
            [
                ("m1".into(), Some("m:m1".into())),
                ("m1:session_ping".into(), Some("m:m1:session_ping".into())),
                // A repeated messageId: another command_id, the same ledger key.
                ("m1#2".into(), Some("m:m1".into())),
                ("event-2".into(), Some(format!("h:{digest}"))),
                ("7".into(), Some("m:7".into())),
            ]
        );
    }

    #[test]
    fn an_event_without_message_id_keeps_its_key_across_retries() {
        let key = |mapper: &Mapper, body: &str, index: usize| {
            let output = mapper.build_keyed(
                mapper
                    .read_body(body, None, IngestLimits::default())
                    .unwrap(),
            );
            let commands: Vec<_> = output
                .requests
                .iter()
                .flat_map(|r| r.commands.iter())
                .filter(|c| c.event_index == index)
                .map(|c| c.ledger_key.clone().unwrap())
                .collect();
            commands
        };
        let event = r#"{"type":"page","anonymousId":"a","name":"N","properties":{"b":"\u00e9","a":1.50},"sentAt":"2024-01-01T00:00:00Z"}"#;
        let again = r#"{ "sentAt" : "2024-01-01T00:00:09Z", "properties": {"a": 1.5, "b": "é"},
            "name": "N", "anonymousId": "a", "type": "page", "writeKey": "w" }"#;
        for mapper in [keyed_mapper(true, false), keyed_mapper(true, true)] {
            let first = key(&mapper, &format!("[{event}]"), 0);
            assert_eq!(first.len(), 2);
            assert!(first[1].ends_with(":session_ping"), "{first:?}");
            // Retried at another position, re-spelled, with a new sentAt: the same keys.
            let retried = key(
                &mapper,
                &format!(r#"{{"batch":[{{"type":"track","event":"E","userId":"u"}},{again}]}}"#),
                1,
            );
            assert_eq!(first, retried);
            // Another event: other keys.
            let other = key(
                &mapper,
                &format!("[{}]", event.replace("\"N\"", "\"M\"")),
                0,
            );
            assert_ne!(first, other);
        }
    }

    /// The request bodies and issues, with and without `properties`/`traits` passed through.
    fn both_ways(text: &str) -> (String, String) {
        let settings = Settings::from_json_value(&json!({
            "apiKey": "k", "projectToken": "p", "exponeaHardId": "registered", "exponeaSoftId": "cookie"
        }))
        .unwrap();
        let mapper = Mapper::new(settings);
        let run = |reading| {
            let slots = crate::ingest::read_body::<crate::mapping::ClassicContext>(
                text,
                None,
                IngestLimits::default(),
                reading,
            );
            match slots {
                Ok(slots) => serde_json::to_string(&mapper.build(slots)).unwrap(),
                Err(e) => e.to_string(),
            }
        };
        (run(Reading::Passthrough), run(Reading::Tree))
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
