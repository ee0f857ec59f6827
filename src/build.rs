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
        self.build_named(slots.into_iter().map(|slot| {
            let message_id = slot.as_ref().ok().and_then(Event::message_id);
            (slot, message_id)
        }))
    }

    /// [`Mapper::build`] with each event's `messageId` already read.
    fn build_named<'a>(
        &self,
        events: impl ExactSizeIterator<Item = (EventSlot<'a>, Option<Cow<'a, str>>)>,
    ) -> BuildOutput<'a> {
        let mut commands = Vec::with_capacity(events.len());
        let mut rejected = Vec::new();
        let mut skipped = Vec::new();
        let mut message_ids = Vec::with_capacity(events.len());
        for (index, (slot, message_id)) in events.enumerate() {
            let owned_id = || message_id.as_deref().map(str::to_string);
            match slot.and_then(|event| self.map(event, index)) {
                Ok(Drafted::Commands(drafts)) => {
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
            requests: pack_drafts(commands, self.target()),
            rejected,
            skipped,
            message_ids,
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
        self.build_named(events.into_iter().map(|event| {
            // Read first: an event too deep to take over is still named by its `messageId`.
            let message_id = message_id_of_value(&event).map(Cow::Owned);
            (Event::from_value(event), message_id)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Reading;
    use crate::settings::Settings;
    use serde_json::json;

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
