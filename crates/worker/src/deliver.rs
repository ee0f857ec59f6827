//! The delivery loop: send the core's requests as they are, up to six at once, read each answer, and re-pack and send again only what is still pending, while the policy allows.

use crate::delivery::ledger::{classify_response, Ledger};
use crate::delivery::retry::RetryPolicy;
use crate::log::{self, DeliveryLine};
use crate::upstream::{post_batch, Upstream, UpstreamReply};
use ::worker::{Date, Delay};
use futures_util::stream::{self, StreamExt};
use segment_bloomreach::pack::repack;
use segment_bloomreach::{BatchRequest, Delivery, PendingCommand, RequestTarget};
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

/// Sends `requests` to Bloomreach, retrying retryable failures within `policy`.
pub async fn deliver(
    target: &RequestTarget,
    requests: Vec<BatchRequest>,
    policy: RetryPolicy,
    max_attempts: u32,
    mode: &'static str,
) -> DeliveryRun {
    let started = Date::now().as_millis();
    let upstream = Upstream::new(&target.url, &target.authorization);
    let mut run = DeliveryRun {
        ledger: Ledger::new(&requests),
        retried: 0,
        statuses: Vec::new(),
        retry_after_ms: None,
    };
    let mut requests = requests;
    let mut timeout_ms = policy.first_attempt_timeout_ms();
    let mut attempt = 1;
    while !requests.is_empty() {
        let (pending, round_retry_after) =
            send_round(&upstream, requests, timeout_ms, attempt, mode, &mut run).await;
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
        requests = repack(pending, target);
    }
    run
}

/// One round: every request sent once. Returns what must be sent again and the largest
/// `Retry-After` of the round.
async fn send_round(
    upstream: &Result<Upstream, String>,
    requests: Vec<BatchRequest>,
    timeout_ms: u64,
    attempt: u32,
    mode: &'static str,
    run: &mut DeliveryRun,
) -> (Vec<PendingCommand>, Option<u64>) {
    let replies: Vec<(BatchRequest, UpstreamReply)> = stream::iter(requests)
        .map(|request| async move {
            let reply = match upstream {
                Ok(upstream) => post_batch(upstream, &request.body, timeout_ms).await,
                Err(error) => UpstreamReply::no_answer(error.clone(), 0),
            };
            (request, reply)
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect()
        .await;
    let mut pending = Vec::new();
    let mut retry_after_ms: Option<u64> = None;
    for (request, reply) in replies {
        let ids: Vec<&str> = request
            .commands
            .iter()
            .map(|c| c.command_id.as_str())
            .collect();
        let outcomes = classify_response(&ids, reply.status, &reply.body);
        let count = |kind: Delivery| outcomes.iter().filter(|o| o.outcome == kind).count();
        log::emit(&DeliveryLine {
            kind: "delivery",
            mode,
            attempt,
            commands: request.commands.len(),
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
        pending.extend(run.ledger.record(&request, &outcomes));
    }
    (pending, retry_after_ms)
}
