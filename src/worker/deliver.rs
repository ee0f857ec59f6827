//! The delivery loop: pack pending commands, send up to six requests at once, read each answer, and retry what is retryable while the policy allows.

use super::log::{self, DeliveryLine};
use super::upstream::{post_batch, Upstream, UpstreamReply};
use crate::delivery::{
    classify_response, pack_into_requests, request_body, Ledger, PendingCommand, RetryPolicy,
};
use crate::response::Delivery;
use crate::settings::Settings;
use ::worker::{Date, Delay};
use futures_util::stream::{self, StreamExt};
use std::time::Duration;

/// Workers allow six simultaneous outgoing connections.
const MAX_IN_FLIGHT: usize = 6;

/// What a delivery run did.
pub struct DeliveryRun {
    pub ledger: Ledger,
    /// Commands sent again after a retryable failure.
    pub retried: usize,
    /// Every upstream status, in the order answers arrived (0: no response).
    pub statuses: Vec<u16>,
    /// The largest `Retry-After` the upstream asked for, if any.
    pub retry_after_ms: Option<u64>,
}

/// Sends `pending` to Bloomreach, retrying retryable failures within `policy`.
pub async fn deliver(
    settings: &Settings,
    pending: Vec<PendingCommand>,
    policy: RetryPolicy,
    max_attempts: u32,
    mode: &'static str,
) -> DeliveryRun {
    let started = Date::now().as_millis();
    let upstream = Upstream::new(&settings.batch_url(), &settings.authorization());
    let mut run = DeliveryRun {
        ledger: Ledger::new(&pending),
        retried: 0,
        statuses: Vec::new(),
        retry_after_ms: None,
    };
    let mut pending = pending;
    let mut timeout_ms = policy.first_attempt_timeout_ms();
    let mut attempt = 1;
    while !pending.is_empty() {
        let round_retry_after =
            send_round(&upstream, &mut pending, timeout_ms, attempt, mode, &mut run).await;
        if pending.is_empty() || attempt >= max_attempts {
            break;
        }
        let elapsed = Date::now().as_millis().saturating_sub(started);
        let Some(next) = policy.next_attempt(
            elapsed,
            attempt - 1,
            js_sys::Math::random(),
            round_retry_after,
        ) else {
            break;
        };
        Delay::from(Duration::from_millis(next.wait_ms)).await;
        timeout_ms = next.timeout_ms;
        run.retried += pending.len();
        attempt += 1;
    }
    run
}

/// One round: every pending command sent once. Leaves in `pending` what must be sent again and
/// returns the largest `Retry-After` of the round.
async fn send_round(
    upstream: &Result<Upstream, String>,
    pending: &mut Vec<PendingCommand>,
    timeout_ms: u64,
    attempt: u32,
    mode: &'static str,
    run: &mut DeliveryRun,
) -> Option<u64> {
    let groups = pack_into_requests(std::mem::take(pending));
    let replies: Vec<(Vec<PendingCommand>, UpstreamReply)> = stream::iter(groups)
        .map(|group| async move {
            let body = request_body(&group);
            let reply = match upstream {
                Ok(upstream) => post_batch(upstream, body, timeout_ms).await,
                Err(error) => UpstreamReply::no_answer(error.clone(), 0),
            };
            (group, reply)
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect()
        .await;
    let mut retry_after_ms: Option<u64> = None;
    for (group, reply) in replies {
        let ids: Vec<&str> = group.iter().map(|c| c.command_id.as_str()).collect();
        let outcomes = classify_response(&ids, reply.status, &reply.body);
        let count = |kind: Delivery| outcomes.iter().filter(|o| o.outcome == kind).count();
        log::emit(&DeliveryLine {
            kind: "delivery",
            mode,
            attempt,
            commands: group.len(),
            status: reply.status,
            delivered: count(Delivery::Delivered),
            rejected: count(Delivery::Rejected),
            retry: count(Delivery::Retry),
            duration_ms: reply.duration_ms,
            error: reply.error.as_deref(),
        });
        run.statuses.push(reply.status);
        if let Some(ms) = reply.retry_after_ms {
            retry_after_ms = Some(retry_after_ms.map_or(ms, |r| r.max(ms)));
            run.retry_after_ms = Some(run.retry_after_ms.map_or(ms, |r| r.max(ms)));
        }
        pending.extend(run.ledger.record(group, &outcomes));
    }
    retry_after_ms
}
