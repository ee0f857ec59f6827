//! Queue mode, producer side: one message per event carrying its mapped commands, sent in `sendBatch` calls within the Queues limits.

use crate::delivery::{chunk_for_send, PendingCommand};
use ::worker::Queue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// At most 100 messages per `sendBatch` call.
const MAX_MESSAGES_PER_SEND: usize = 100;
/// `sendBatch` takes at most 256 KB in total; leave room for per-message overhead.
const MAX_BYTES_PER_SEND: usize = 200 * 1024;

/// One event, already mapped: the consumer never maps again.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedEvent {
    /// The event's position in the request it arrived in (for log lines).
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub commands: Vec<QueuedCommand>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QueuedCommand {
    pub command_id: String,
    /// The command as JSON text.
    pub json: String,
}

/// Groups commands by their event (in event order).
pub fn group_by_event(
    pending: Vec<PendingCommand>,
    message_ids: &[Option<String>],
) -> Vec<QueuedEvent> {
    let mut events: BTreeMap<usize, QueuedEvent> = BTreeMap::new();
    for command in pending {
        events
            .entry(command.owner)
            .or_insert_with(|| QueuedEvent {
                index: command.owner,
                message_id: message_ids.get(command.owner).cloned().flatten(),
                commands: Vec::new(),
            })
            .commands
            .push(QueuedCommand {
                command_id: command.command_id,
                json: command.json,
            });
    }
    events.into_values().collect()
}

/// Puts every event on the queue; an error means some may not be queued (the sender must retry).
pub async fn enqueue(queue: &Queue, events: Vec<QueuedEvent>) -> Result<(), String> {
    let sizes: Vec<usize> = events
        .iter()
        .map(|e| {
            e.commands
                .iter()
                .map(|c| c.json.len() + c.command_id.len() + 32)
                .sum::<usize>()
                + 64
        })
        .collect();
    let chunks = chunk_for_send(&sizes, MAX_MESSAGES_PER_SEND, MAX_BYTES_PER_SEND);
    let mut events = events.into_iter();
    for chunk in chunks {
        let batch: Vec<QueuedEvent> = events.by_ref().take(chunk.len()).collect();
        queue
            .send_batch(batch)
            .await
            .map_err(|e| format!("sendBatch failed: {e}"))?;
    }
    Ok(())
}
