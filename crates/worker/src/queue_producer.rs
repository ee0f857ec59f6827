//! Queue mode, producer side: the events' messages sent in `sendBatch` calls within the Queues limits.

use crate::queue_message::{chunk_for_send, QueuedEvent};
use ::worker::Queue;

/// At most 100 messages per `sendBatch` call.
const MAX_MESSAGES_PER_SEND: usize = 100;
/// `sendBatch` takes at most 256 KB in total; leave room for per-message overhead.
const MAX_BYTES_PER_SEND: usize = 200 * 1024;

/// Sends every message (each within a message's size), every batch even after one fails.
/// Returns the events (by index, ascending, once each) of which some message was not queued,
/// with the queue's error.
pub async fn enqueue(queue: &Queue, messages: Vec<QueuedEvent>) -> Vec<(usize, String)> {
    let sizes: Vec<usize> = messages.iter().map(QueuedEvent::size).collect();
    let chunks = chunk_for_send(&sizes, MAX_MESSAGES_PER_SEND, MAX_BYTES_PER_SEND);
    let mut messages = messages.into_iter();
    let mut failed: Vec<(usize, String)> = Vec::new();
    for chunk in chunks {
        let batch: Vec<QueuedEvent> = messages.by_ref().take(chunk.len()).collect();
        let indexes: Vec<usize> = batch.iter().map(|m| m.index).collect();
        if let Err(e) = queue.send_batch(batch).await {
            let why = format!("sendBatch failed: {e}");
            failed.extend(indexes.into_iter().map(|i| (i, why.clone())));
        }
    }
    crate::small_sort::sort_by_key(&mut failed, |(i, _)| *i);
    failed.dedup_by_key(|(i, _)| *i);
    failed
}
