//! Queue mode, consumer side: deliver a batch of queued events in one pass through the ledger, ack what ended delivered or rejected, retry the rest with a growing delay; and park what the dead-letter queue hands over, with its last error, for the operator.

use crate::config::Bindings;
use crate::deliver::{deliver, Run};
use crate::delivery::outcomes::Fate;
use crate::delivery::retry::{held_retry_delay_secs, queue_retry_delay_secs, RetryPolicy};
use crate::inspector_capture::{Capture, EventCapture, Sent};
use crate::ledger::protocol::NewLetter;
use crate::live_config;
use crate::log::{self, RejectionLine};
use crate::metrics::call_type_name;
use crate::queue_message::QueuedEvent;
use crate::routing::DEFAULT_SOURCE;
use ::worker::{Context, Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder, RawMessage};
use segment_bloomreach::pack::repack;
use serde_json::json;

/// How long a batch waits when its source's configuration is invalid or unavailable (the operator
/// must act).
const CONFIG_INVALID_DELAY_SECS: u32 = 60;

/// A queue whose name ends so is a dead-letter queue: its messages are parked, not delivered.
pub const DEAD_LETTER_QUEUE_SUFFIX: &str = "-dlq";

/// Delivers one batch of queued events, or parks a batch from the dead-letter queue.
pub async fn consume(batch: MessageBatch<QueuedEvent>, env: &Env, ctx: &Context) {
    let started = crate::clock::now_ms();
    let bindings = Bindings::read(env);
    let messages: Vec<RawMessage> = batch.raw_iter().collect();
    if batch.queue().ends_with(DEAD_LETTER_QUEUE_SUFFIX) {
        park(&batch, &messages, &bindings, started).await;
        Box::pin(capture_dead_letters(&messages, &bindings, ctx, started)).await;
        return;
    }
    let live = match live_config::current(&bindings).await {
        Ok(live) => live,
        Err(error) => {
            log::emit(&json!({
                "kind": "queue_batch", "messages": messages.len(), "code": error.code(),
                "error": error.message(), "retryDelaySeconds": CONFIG_INVALID_DELAY_SECS,
            }));
            retry_all(&batch, CONFIG_INVALID_DELAY_SECS);
            return;
        }
    };
    let routing = &live.routing;

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
    // The messages of each source, delivered to its destination: (source, owners).
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (owner, event) in events.iter().enumerate() {
        let Some(event) = event else { continue };
        if event.commands.is_empty() {
            messages[owner].ack();
            continue;
        }
        let name = event.source.as_deref().unwrap_or(DEFAULT_SOURCE);
        match routing.source(name) {
            Some(source) => match groups.iter_mut().find(|(s, _)| *s == source) {
                Some((_, owners)) => owners.push(owner),
                None => groups.push((source, vec![owner])),
            },
            None => {
                // Its source was removed from the live configuration: kept until an operator
                // restores it or the message reaches the dead-letter queue.
                log::emit(&json!({
                    "kind": "queue_batch", "source": name, "messages": 1, "code": "config_invalid",
                    "error": "the live configuration has no source of this name",
                    "retryDelaySeconds": CONFIG_INVALID_DELAY_SECS,
                }));
                retry_one(&messages[owner], CONFIG_INVALID_DELAY_SECS);
            }
        }
    }
    let call_types: Vec<&'static str> = events
        .iter()
        .map(|e| call_type_name(e.as_ref().and_then(|e| e.call_type.as_deref())))
        .collect();
    for (source, owners) in groups {
        let routed = &routing.sources[source];
        let mapper = match &routed.mapper {
            Ok(mapper) => mapper,
            Err(problems) => {
                log::emit(&json!({
                    "kind": "queue_batch", "source": routed.name, "messages": owners.len(),
                    "code": "config_invalid", "problems": problems,
                    "retryDelaySeconds": CONFIG_INVALID_DELAY_SECS,
                }));
                for owner in owners {
                    retry_one(&messages[owner], CONFIG_INVALID_DELAY_SECS);
                }
                continue;
            }
        };
        let pending: Vec<_> = owners
            .iter()
            .filter_map(|&owner| events[owner].as_ref().map(|e| (owner, e)))
            .flat_map(|(owner, event)| event.pending(owner))
            .collect();
        let run = Run {
            target: mapper.target(),
            policy: RetryPolicy::QUEUE,
            max_attempts: 1,
            mode: "queue",
            source: &routed.name,
            started_ms: started,
            ledger: bindings.ledger.as_ref(),
            metrics: bindings.metrics.as_ref(),
            call_types: &call_types,
            ctx,
            inspect: bindings.inspector.is_some(),
        };
        let mut run = deliver(&run, repack(pending, mapper.target())).await;
        let inspector = bindings.inspector.as_ref();
        if let Some(mut capture) = Capture::new(inspector, routed, routing.version, started) {
            capture.count_received = false;
            for &owner in &owners {
                let Some(event) = events[owner].as_ref() else {
                    continue;
                };
                capture.events.push(captured(owner, event, "delivered"));
                capture.sent.extend(sent_of(owner, event));
            }
            capture.mark_fates(&run.outcomes);
            capture.answers = std::mem::take(&mut run.answers);
            capture.retried = run.retried;
            capture.write(ctx);
        }
        let now = crate::clock::now_ms();
        let (mut acked, mut rejected, mut retried) = (0, 0, 0);
        for (owner, fate) in run.outcomes.fates() {
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
                    // Held by a lease (an answer still awaited, or another delivery): back once
                    // the lease has ended, so the retry finds the key settled instead of
                    // spending a try.
                    let delay = match run.outcomes.held_until(owner) {
                        Some(until) => delay.max(held_retry_delay_secs(until, now)),
                        None => delay,
                    };
                    retry_one(message, delay);
                }
            }
        }
        log::emit(&json!({
            "kind": "queue_batch",
            "queue": batch.queue(),
            "source": routed.name,
            "configVersion": routing.version,
            "messages": owners.len(),
            "delivered": acked,
            "rejected": rejected,
            "retried": retried,
            "unreadable": unreadable,
            "upstreamStatuses": run.statuses,
            "upstreamMs": run.durations_ms,
            "ledger": run.ledger,
            "durationMs": crate::clock::now_ms().saturating_sub(started),
        }));
        unreadable = 0;
    }
}

/// A queued event as the inspector records it.
fn captured(owner: usize, event: &QueuedEvent, outcome: &'static str) -> EventCapture {
    EventCapture {
        owner,
        message_id: event.message_id.clone(),
        call_type: event.call_type.clone(),
        outcome,
        code: None,
        detail: None,
    }
}

/// A queued event's commands, as sent.
fn sent_of(owner: usize, event: &QueuedEvent) -> impl Iterator<Item = Sent> + '_ {
    event.commands.iter().map(move |c| Sent {
        owner,
        command_id: c.command_id.clone(),
        origin: None,
        json: c.json.clone(),
    })
}

/// Dead letters counted (and recorded) by their sources' inspectors.
async fn capture_dead_letters(
    messages: &[RawMessage],
    bindings: &Bindings,
    ctx: &Context,
    started: u64,
) {
    let Some(inspector) = bindings.inspector.as_ref() else {
        return;
    };
    let Ok(live) = Box::pin(live_config::current(bindings)).await else {
        return;
    };
    let routing = &live.routing;
    let mut captures: Vec<Capture> = Vec::new();
    for (owner, message) in messages.iter().enumerate() {
        let Some(event) = read_event(message) else {
            continue;
        };
        let name = event.source.as_deref().unwrap_or(DEFAULT_SOURCE);
        let Some(source) = routing.source(name) else {
            continue;
        };
        let routed = &routing.sources[source];
        let capture = match captures.iter_mut().position(|c| c.source == routed.name) {
            Some(found) => &mut captures[found],
            None => {
                let Some(mut capture) =
                    Capture::new(Some(inspector), routed, event.config_version, started)
                else {
                    continue;
                };
                capture.count_received = false;
                captures.push(capture);
                captures.last_mut().expect("just pushed")
            }
        };
        let mut record = captured(owner, &event, "dead_lettered");
        record.detail =
            Some("parked after the queue's last retry (GET /admin/dead-letters)".into());
        capture.events.push(record);
        capture.sent.extend(sent_of(owner, &event));
    }
    for capture in captures {
        capture.write(ctx);
    }
}

fn retry_one(message: &RawMessage, delay_secs: u32) {
    message.retry_with_options(
        &QueueRetryOptionsBuilder::new()
            .with_delay_seconds(delay_secs)
            .build(),
    );
}

/// Parks a dead-letter batch in the ledger, each message with the last error recorded for its
/// first command. A message whose parking fails is retried alone, never acked; without a ledger
/// binding (a configuration to fix) the batch is retried hourly, so the dead-letter queue keeps
/// it for days meanwhile.
async fn park(
    batch: &MessageBatch<QueuedEvent>,
    messages: &[RawMessage],
    bindings: &Bindings,
    started: u64,
) {
    const PARK_RETRY_DELAY_SECS: u32 = 60;
    const UNBOUND_RETRY_DELAY_SECS: u32 = 3_600;
    let Some(ledger) = bindings.ledger.as_ref() else {
        log::emit(&json!({
            "kind": "dead_letters", "queue": batch.queue(), "messages": messages.len(),
            "parked": 0, "error": "the DELIVERY_LEDGER binding is missing: dead letters cannot be parked",
        }));
        retry_all(batch, UNBOUND_RETRY_DELAY_SECS);
        return;
    };
    let letters: Vec<NewLetter> = messages
        .iter()
        .map(|message| {
            let body = body_text(message).unwrap_or_else(|| "null".into());
            let event = serde_json::from_str::<QueuedEvent>(&body).ok();
            NewLetter {
                id: message.id(),
                message_id: event.as_ref().and_then(|e| e.message_id.clone()),
                key: event
                    .as_ref()
                    .and_then(|e| e.commands.first())
                    .and_then(|c| c.key.clone()),
                fallback_error: match event {
                    Some(_) => String::new(),
                    None => "the message is not a queued event (unreadable)".into(),
                },
                body,
            }
        })
        .collect();
    let failed = ledger.park(letters).await;
    let mut line = json!({
        "kind": "dead_letters",
        "queue": batch.queue(),
        "messages": messages.len(),
        "parked": messages.len() - failed.len(),
        "durationMs": crate::clock::now_ms().saturating_sub(started),
    });
    if let Some((_, error)) = failed.first() {
        line["error"] = json!(error);
        line["notParked"] = json!(failed.iter().map(|(id, _)| id).collect::<Vec<_>>());
    }
    log::emit(&line);
    // A letter not parked is never acked: it comes back after as long as it has waited (a
    // minute at least, 12 hours at most), so the dead-letter queue's 100 retries outlast its
    // retention instead of ending in 100 minutes.
    let now = crate::clock::now_ms();
    for message in messages {
        if failed.iter().any(|(id, _)| *id == message.id()) {
            let age_secs = now.saturating_sub(message.timestamp().as_millis()) / 1_000;
            retry_one(
                message,
                age_secs.clamp(PARK_RETRY_DELAY_SECS.into(), 43_200) as u32,
            );
        } else {
            message.ack();
        }
    }
}

fn retry_all(batch: &MessageBatch<QueuedEvent>, delay_secs: u32) {
    batch.retry_all_with_options(
        &QueueRetryOptionsBuilder::new()
            .with_delay_seconds(delay_secs)
            .build(),
    );
}

/// A message body as JSON text.
fn body_text(message: &RawMessage) -> Option<String> {
    js_sys::JSON::stringify(&message.body()).ok()?.as_string()
}

/// A message body back into a [`QueuedEvent`] (through JSON text: no extra dependency).
fn read_event(message: &RawMessage) -> Option<QueuedEvent> {
    serde_json::from_str(&body_text(message)?).ok()
}
