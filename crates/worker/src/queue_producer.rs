//! Queue mode, producer side: the events' messages sent in `sendBatch` calls within the Queues limits.

use crate::queue_message::{chunk_for_send, QueuedEvent};
use ::worker::Queue;

/// At most 100 messages per `sendBatch` call.
const MAX_MESSAGES_PER_SEND: usize = 100;
/// `sendBatch` takes at most 256 KB in total; leave room for per-message overhead.
const MAX_BYTES_PER_SEND: usize = 200 * 1024;

/// Puts every event on the queue; an error means some may not be queued (the sender must retry).
pub async fn enqueue(queue: &Queue, events: Vec<QueuedEvent>) -> Result<(), String> {
    let sizes: Vec<usize> = events.iter().map(QueuedEvent::size_hint).collect();
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
