//! Queue mode's messages: one per event (or several for an event over a message's size), carrying its mapped commands as JSON, and how they are grouped into `sendBatch` calls.

use segment_bloomreach::{BatchRequest, PendingCommand};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One event, already mapped: the consumer never maps again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedEvent {
    /// The event's position in the request it arrived in (for log lines).
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The event's call type (`track`, `page`, …), for the delivery metrics.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub call_type: Option<String>,
    /// The source it arrived through (absent in messages queued before sources: `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The stored configuration version it was mapped with (absent: the variables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_version: Option<u64>,
    pub commands: Vec<QueuedCommand>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedCommand {
    pub command_id: String,
    /// The command as JSON text.
    pub json: String,
    /// Its delivery ledger key (messages queued without one are delivered at least once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl QueuedEvent {
    /// The event's commands, owned by `owner` (the message's index in its batch), for packing.
    pub fn pending(&self, owner: usize) -> impl Iterator<Item = PendingCommand> + '_ {
        self.commands.iter().map(move |c| PendingCommand {
            owner,
            command_id: c.command_id.clone(),
            json: c.json.clone(),
            ledger_key: c.key.clone(),
        })
    }

    /// The message's bytes on the queue: the length of its JSON text (workers-rs sends
    /// messages as JSON), counted without writing it.
    pub fn size(&self) -> usize {
        let text = |name: &str, value: &Option<String>| {
            value.as_deref().map_or(0, |v| field(name, json_str_len(v)))
        };
        let commands: usize = self.commands.iter().map(QueuedCommand::size).sum();
        1 + field("index", digits(self.index as u64))
            + text("messageId", &self.message_id)
            + text("type", &self.call_type)
            + text("source", &self.source)
            + self
                .config_version
                .map_or(0, |v| field("configVersion", digits(v)))
            + field(
                "commands",
                2 + commands + self.commands.len().saturating_sub(1),
            )
    }
}

impl QueuedCommand {
    /// The length of the command's JSON text in a message.
    fn size(&self) -> usize {
        1 + field("command_id", json_str_len(&self.command_id))
            + field("json", json_str_len(&self.json))
            + self
                .key
                .as_deref()
                .map_or(0, |k| field("key", json_str_len(k)))
    }
}

/// `"name":value` and the comma or brace after it.
fn field(name: &str, value_len: usize) -> usize {
    name.len() + 3 + value_len + 1
}

fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The length of `s` as a JSON string, quotes and escapes included (as serde_json and
/// `JSON.stringify` write it).
pub fn json_str_len(s: &str) -> usize {
    2 + s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// What one message may take: Cloudflare Queues take 128 KB a message (Miniflare: 128,000
/// bytes); the rest is margin.
pub const MAX_MESSAGE_BYTES: usize = 120_000;

/// Queue mode: each event as messages of at most `max` bytes. An event over `max` is split over
/// several, its commands in order (each keeps its ledger key; the consumer settles each message on
/// its own). Returns the messages and the events with one command alone over `max` (`(index,
/// command_id, bytes)`), which are not queued.
pub fn split_for_queue(
    events: Vec<QueuedEvent>,
    max: usize,
) -> (Vec<QueuedEvent>, Vec<(usize, String, usize)>) {
    let mut messages = Vec::with_capacity(events.len());
    let mut too_large = Vec::new();
    for mut event in events {
        if event.size() <= max {
            messages.push(event);
            continue;
        }
        let commands = std::mem::take(&mut event.commands);
        let empty = event.size();
        let sizes: Vec<usize> = commands.iter().map(QueuedCommand::size).collect();
        if let Some(i) = sizes.iter().position(|size| empty + size > max) {
            too_large.push((
                event.index,
                commands[i].command_id.clone(),
                empty + sizes[i],
            ));
            continue;
        }
        let mut part = QueuedEvent {
            commands: Vec::new(),
            ..event.clone()
        };
        let mut bytes = empty;
        for (command, size) in commands.into_iter().zip(sizes) {
            // One byte more per command for its comma: over-counted by one at most.
            if !part.commands.is_empty() && bytes + size + 1 > max {
                messages.push(std::mem::replace(
                    &mut part,
                    QueuedEvent {
                        commands: Vec::new(),
                        ..event.clone()
                    },
                ));
                bytes = empty;
            }
            bytes += size + 1;
            part.commands.push(command);
        }
        messages.push(part);
    }
    (messages, too_large)
}

/// The events of a body's requests, one message each, in event order: every command cut out of
/// the body the core wrote. `call_types` is empty or each event's call type.
pub fn events_of(
    requests: &[BatchRequest],
    message_ids: &[Option<Cow<str>>],
    call_types: &[Option<&'static str>],
) -> Vec<QueuedEvent> {
    let mut by_event: Vec<Option<QueuedEvent>> = vec![None; message_ids.len()];
    for request in requests {
        for (i, source) in request.commands.iter().enumerate() {
            let Some(slot) = by_event.get_mut(source.event_index) else {
                continue;
            };
            slot.get_or_insert_with(|| QueuedEvent {
                index: source.event_index,
                message_id: message_ids[source.event_index]
                    .as_deref()
                    .map(str::to_string),
                call_type: call_types
                    .get(source.event_index)
                    .copied()
                    .flatten()
                    .map(str::to_string),
                source: None,
                config_version: None,
                commands: Vec::new(),
            })
            .commands
            .push(QueuedCommand {
                command_id: source.command_id.clone(),
                json: request.command_json(i).to_string(),
                key: source.ledger_key.clone(),
            });
        }
    }
    by_event.into_iter().flatten().collect()
}

/// Queue mode: splits messages (their serialized sizes, in order) into `sendBatch` calls of at
/// most `max_count` messages and `max_bytes` in total. Returns index ranges.
pub fn chunk_for_send(
    sizes: &[usize],
    max_count: usize,
    max_bytes: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (index, size) in sizes.iter().enumerate() {
        let full = index - start >= max_count || (index > start && bytes + size > max_bytes);
        if full {
            chunks.push(start..index);
            start = index;
            bytes = 0;
        }
        bytes += size;
    }
    if start < sizes.len() {
        chunks.push(start..sizes.len());
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use segment_bloomreach::{IngestLimits, Mapper, Settings};

    #[test]
    fn every_command_goes_with_its_event_in_event_order() {
        let settings = Settings::from_json(
            r#"{"apiKey":"k","projectToken":"p","exponeaHardId":"registered","exponeaSoftId":"cookie","trackSessionPing":true}"#,
        )
        .unwrap();
        let mapper = Mapper::new(settings);
        let mut events: Vec<String> = (0..49)
            .map(|i| format!(r#"{{"type":"track","event":"E","userId":"u","messageId":"m{i}"}}"#))
            .collect();
        events.push(r#"{"type":"page","anonymousId":"a","messageId":"p"}"#.into());
        events.push(r#"{"type":"track","event":"E"}"#.into());
        events.push(r#"{"type":"track","event":"E","userId":"u"}"#.into());
        let body = format!("[{}]", events.join(","));
        let slots = mapper
            .read_body(&body, None, IngestLimits::default())
            .unwrap();
        let output = mapper.build_keyed(slots);
        let queued = events_of(&output.requests, &output.message_ids, &output.call_types);
        assert_eq!(queued.len(), 51, "the rejected event has no message");
        assert_eq!(queued[49].index, 49);
        assert_eq!(queued[49].message_id.as_deref(), Some("p"));
        let ids: Vec<&str> = queued[49]
            .commands
            .iter()
            .map(|c| c.command_id.as_str())
            .collect();
        assert_eq!(ids, ["p", "p:session_ping"]);
        assert_eq!(queued[49].call_type.as_deref(), Some("page"));
        assert_eq!(
            queued[49].commands[1].key.as_deref(),
            Some("m:p:session_ping")
        );
        let pending: Vec<_> = queued[49].pending(7).collect();
        assert_eq!(pending[1].ledger_key.as_deref(), Some("m:p:session_ping"));
        assert_eq!(pending[1].owner, 7);
        // A message queued before keys existed still reads, without them.
        let old: QueuedEvent =
            serde_json::from_str(r#"{"index":0,"commands":[{"command_id":"a","json":"{}"}]}"#)
                .unwrap();
        assert_eq!((old.call_type, old.commands[0].key.clone()), (None, None));
        assert_eq!(queued[50].index, 51);
        assert_eq!(queued[50].message_id, None);
        let command: serde_json::Value =
            serde_json::from_str(&queued[50].commands[0].json).unwrap();
        assert_eq!(command["command_id"], "event-51");
        assert!(queued[50].commands[0]
            .key
            .as_deref()
            .unwrap()
            .starts_with("h:"));
    }

    fn event(index: usize, commands: &[(&str, usize)]) -> QueuedEvent {
        QueuedEvent {
            index,
            message_id: Some(format!("m{index}")),
            call_type: Some("track".into()),
            source: Some("default".into()),
            config_version: Some(3),
            commands: commands
                .iter()
                .map(|(id, len)| QueuedCommand {
                    command_id: id.to_string(),
                    json: "x".repeat(*len),
                    key: Some(format!("k:{id}")),
                })
                .collect(),
        }
    }

    #[test]
    fn sizes_are_the_json_texts_lengths() {
        let mut one = event(7, &[("a", 10), ("b:2", 0)]);
        one.commands[1].json = "\"quoted\\ \n\u{1} é €\"".into();
        one.commands[1].key = None;
        for e in [
            one.clone(),
            QueuedEvent {
                message_id: None,
                call_type: None,
                source: None,
                config_version: None,
                commands: vec![],
                index: 0,
            },
            QueuedEvent {
                index: 123_456,
                config_version: Some(10),
                ..one.clone()
            },
        ] {
            assert_eq!(e.size(), serde_json::to_string(&e).unwrap().len(), "{e:?}");
        }
        assert_eq!(json_str_len("a\"\u{7f}\u{1f}"), 2 + 1 + 2 + 1 + 6);
    }

    #[test]
    fn an_event_over_a_message_is_split_in_order_and_a_command_too_large_alone_is_refused() {
        let small = event(0, &[("a", 10)]);
        // The size is the message's JSON text, as the queue counts it.
        assert_eq!(small.size(), serde_json::to_string(&small).unwrap().len());
        let big = event(1, &[("b1", 450), ("b2", 450), ("b3", 450), ("b4", 100)]);
        let too_large = event(2, &[("c1", 10), ("c2", 2_000)]);
        let after = event(3, &[("d", 10)]);
        let (messages, refused) = split_for_queue(
            vec![small.clone(), big.clone(), too_large, after.clone()],
            1_000,
        );
        let parts: Vec<(usize, Vec<&str>)> = messages
            .iter()
            .map(|m| {
                (
                    m.index,
                    m.commands.iter().map(|c| c.command_id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            parts,
            [
                (0, vec!["a"]),
                (1, vec!["b1"]),
                (1, vec!["b2"]),
                (1, vec!["b3", "b4"]),
                (3, vec!["d"]),
            ]
        );
        for message in &messages {
            assert!(serde_json::to_string(message).unwrap().len() <= 1_000);
            assert_eq!(
                message.size(),
                serde_json::to_string(message).unwrap().len()
            );
        }
        // Every part carries the event's fields and each command its own ledger key.
        assert_eq!(
            messages[2],
            QueuedEvent {
                commands: vec![big.commands[1].clone()],
                ..big
            }
        );
        assert_eq!((messages[0].clone(), messages[4].clone()), (small, after));
        let alone = event(2, &[("c2", 2_000)]);
        assert_eq!(refused, [(2, "c2".to_string(), alone.size())]);
    }

    #[test]
    fn send_chunks_respect_count_and_bytes() {
        assert_eq!(chunk_for_send(&[], 100, 1000), vec![]);
        assert_eq!(
            chunk_for_send(&[1; 250], 100, 1000),
            vec![0..100, 100..200, 200..250]
        );
        assert_eq!(
            chunk_for_send(&[400, 400, 400, 10], 100, 1000),
            vec![0..2, 2..4]
        );
        // One message over the byte limit still goes, alone.
        assert_eq!(
            chunk_for_send(&[5, 2000, 5], 100, 1000),
            vec![0..1, 1..2, 2..3]
        );
    }
}
