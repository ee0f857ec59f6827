//! Queue mode, consumer side: send a batch of queued events in one pass, ack what ended delivered or rejected, retry the rest with a growing delay.

use crate::config::Bindings;
use crate::deliver::deliver;
use crate::delivery::ledger::Fate;
use crate::delivery::retry::{queue_retry_delay_secs, RetryPolicy};
use crate::log::{self, RejectionLine};
use crate::queue_message::QueuedEvent;
use ::worker::{Date, Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder, RawMessage};
use segment_bloomreach::pack::repack;
use serde_json::json;

/// One pass per batch; what fails waits on the queue, not here. No sender waits on a consumer, and
/// giving up on a slow answer Bloomreach may still save only turns the retry into a duplicate, so
/// an attempt may take 15 s (direct mode: 2.5 s).
const CONSUMER_POLICY: RetryPolicy = RetryPolicy {
    budget_ms: 15_000,
    attempt_timeout_ms: 15_000,
    base_delay_ms: 0,
    max_delay_ms: 0,
    min_attempt_ms: 0,
};

/// How long a batch waits when the Worker's configuration is invalid (the operator must act).
const CONFIG_INVALID_DELAY_SECS: u32 = 60;

/// Delivers one batch of queued events.
pub async fn consume(batch: MessageBatch<QueuedEvent>, env: &Env) {
    let started = Date::now().as_millis();
    let bindings = Bindings::read(env);
    let messages: Vec<RawMessage> = batch.raw_iter().collect();
    let Some(mapper) = bindings.config.mapper.as_ref() else {
        log::emit(&json!({
            "kind": "queue_batch", "messages": messages.len(), "code": "config_invalid",
            "problems": bindings.config.problems, "retryDelaySeconds": CONFIG_INVALID_DELAY_SECS,
        }));
        batch.retry_all_with_options(
            &QueueRetryOptionsBuilder::new()
                .with_delay_seconds(CONFIG_INVALID_DELAY_SECS)
                .build(),
        );
        return;
    };

    let mut events: Vec<Option<QueuedEvent>> = Vec::with_capacity(messages.len());
    let mut unreadable = 0;
    for message in &messages {
        match read_event(message) {
            Some(event) => events.push(Some(event)),
            None => {
                // Never lost: retried until it lands in the dead-letter queue.
                unreadable += 1;
                message.retry();
                events.push(None);
            }
        }
    }
    let mut pending = Vec::new();
    for (owner, event) in events.iter().enumerate() {
        let Some(event) = event else { continue };
        if event.commands.is_empty() {
            messages[owner].ack();
        }
        pending.extend(event.pending(owner));
    }

    let requests = repack(pending, mapper.target());
    let run = deliver(mapper.target(), requests, CONSUMER_POLICY, 1, "queue").await;
    let now = Date::now().as_millis();
    let (mut acked, mut rejected, mut retried) = (0, 0, 0);
    for (owner, fate) in run.ledger.fates() {
        let message = &messages[owner];
        let event = events[owner].as_ref();
        match fate {
            Fate::Delivered => {
                acked += 1;
                message.ack();
            }
            Fate::Rejected(rejections) => {
                rejected += 1;
                for rejection in &rejections {
                    log::emit(&RejectionLine {
                        kind: "rejected",
                        message_id: event.and_then(|e| e.message_id.as_deref()),
                        command_id: &rejection.command_id,
                        message: &rejection.message,
                    });
                }
                message.ack();
            }
            Fate::Pending(_) => {
                retried += 1;
                let age_ms = now.saturating_sub(message.timestamp().as_millis());
                let delay = queue_retry_delay_secs(age_ms, run.retry_after_ms)
                    .min(bindings.config.queue_retry_max_delay_secs);
                message.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(delay)
                        .build(),
                );
            }
        }
    }
    log::emit(&json!({
        "kind": "queue_batch",
        "queue": batch.queue(),
        "messages": messages.len(),
        "delivered": acked,
        "rejected": rejected,
        "retried": retried,
        "unreadable": unreadable,
        "upstreamStatuses": run.statuses,
        "durationMs": Date::now().as_millis().saturating_sub(started),
    }));
}

/// A message body back into a [`QueuedEvent`] (through JSON text: no extra dependency).
fn read_event(message: &RawMessage) -> Option<QueuedEvent> {
    let text = js_sys::JSON::stringify(&message.body()).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}
