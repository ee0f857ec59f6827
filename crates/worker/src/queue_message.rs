//! Queue mode's messages: one per event, carrying its mapped commands as JSON, and how they are grouped into `sendBatch` calls.

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

    /// Roughly how many bytes the message takes on the queue.
    pub fn size_hint(&self) -> usize {
        self.commands
            .iter()
            .map(|c| c.json.len() + c.command_id.len() + c.key.as_ref().map_or(0, String::len) + 40)
            .sum::<usize>()
            + 64
    }
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
