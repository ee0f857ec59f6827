//! The delivery loop: claim the commands' keys in the ledger, send the core's requests for what Bloomreach does not have yet and no other delivery holds (up to six at once), read each answer, send again only what failed in a way worth retrying, leave answers that come late to the background, and write back what became of every key.

use crate::delivery::outcomes::{classify_response, CommandRejection, Mark, Outcomes};
use crate::delivery::retry::RetryPolicy;
use crate::ledger::book::{Book, Claim, Followed, KeyFate, LedgerReport, Role};
use crate::ledger::protocol::SettleRequest;
use crate::ledger_client::LedgerClient;
use crate::log::{self, DeliveryLine};
use crate::metrics::{ledger_points, Counted, RoundTally};
use crate::metrics_dataset::MetricsDataset;
use crate::upstream::{post_batch, Upstream, UpstreamReply};
use ::worker::{Context, Delay};
use futures_util::future::{select, Either, LocalBoxFuture};
use futures_util::stream::{self, StreamExt};
use futures_util::FutureExt;
use segment_bloomreach::pack::repack;
use segment_bloomreach::{BatchRequest, CommandOutcome, Delivery, PendingCommand, RequestTarget};
use std::rc::Rc;
use std::time::Duration;

/// Workers allow six simultaneous outgoing connections.
const MAX_IN_FLIGHT: usize = 6;

/// Why a command another delivery holds is still pending.
const BUSY: &str = "another delivery of this event is in progress (Bloomreach has not answered it yet), so it is not sent again now; send the request again shortly";
/// Why a command whose answer is late is still pending.
const IN_DOUBT: &str = "Bloomreach has not answered in time; the Worker still awaits that answer, so the event is not sent again now (it may already be saved); send the request again shortly";

/// What a delivery run needs besides its requests.
pub struct Run<'a> {
    pub target: &'a RequestTarget,
    pub policy: RetryPolicy,
    /// At most this many rounds (the queue consumer: one; the queue retries the rest).
    pub max_attempts: u32,
    pub mode: &'static str,
    /// The source whose events these are (named in metrics).
    pub source: &'a str,
    /// When the run's time budget started (ms since the epoch): the request's arrival.
    pub started_ms: u64,
    pub ledger: Option<&'a LedgerClient>,
    pub metrics: Option<&'a MetricsDataset>,
    /// Each owner's call type (by event or message index), for the metrics.
    pub call_types: &'a [&'static str],
    /// Where late answers are awaited (`waitUntil`).
    pub ctx: &'a Context,
    /// Whether to keep each command's status and Bloomreach's answer for the inspector.
    pub inspect: bool,
}

/// What became of one command, for the inspector: `accepted`, `rejected`, `pending` or
/// `duplicate`, with Bloomreach's answer for it when one was read.
pub struct CommandAnswer {
    pub owner: usize,
    pub command_id: String,
    pub status: &'static str,
    pub answer: Option<serde_json::Value>,
}

/// What a delivery run did.
pub struct DeliveryRun {
    pub outcomes: Outcomes,
    /// Commands sent again after a retryable failure.
    pub retried: usize,
    /// Every upstream status, in the order answers arrived (0: no response in time).
    pub statuses: Vec<u16>,
    /// How long each of those took (ms), in the same order.
    pub durations_ms: Vec<u64>,
    /// The largest `Retry-After` the upstream asked for, if any.
    pub retry_after_ms: Option<u64>,
    /// What the ledger did, when one is bound.
    pub ledger: Option<LedgerReport>,
    /// With `Run::inspect`: each command's last status and answer.
    pub answers: Vec<CommandAnswer>,
}

impl DeliveryRun {
    /// Records a command's status (the latest wins), when the run inspects.
    fn answer(
        &mut self,
        run: &Run,
        owner: usize,
        command_id: &str,
        status: &'static str,
        answer: Option<serde_json::Value>,
    ) {
        if !run.inspect {
            return;
        }
        let mut found = self.answers.iter_mut();
        match found.find(|a| a.owner == owner && a.command_id == command_id) {
            Some(known) => {
                known.status = status;
                known.answer = answer;
            }
            None => self.answers.push(CommandAnswer {
                owner,
                command_id: command_id.to_string(),
                status,
                answer,
            }),
        }
    }
}

/// An answer in time, or the exchange still waiting for one.
enum Answer {
    Now(UpstreamReply),
    Late(LocalBoxFuture<'static, UpstreamReply>),
}

/// Delivers `requests` within the run's policy, through the ledger when one is bound.
pub async fn deliver(run: &Run<'_>, requests: Vec<BatchRequest>) -> DeliveryRun {
    // The lease token names this run's claims and settles: without a ledger there are none.
    let token = run.ledger.map(|_| run_token()).unwrap_or_default();
    let mut book = Book::new();
    let outcomes = Outcomes::new(&requests);
    let roles: Vec<Vec<Role>> = requests
        .iter()
        .map(|r| {
            let commands = r.commands.iter();
            commands
                .map(|c| book.enter(c.event_index, &c.command_id, c.ledger_key.as_deref()))
                .collect()
        })
        .collect();
    let mut fallback = None;
    if let (Some(ledger), false) = (run.ledger, book.is_empty()) {
        fallback = ledger.claim(&mut book, &token, run.policy.lease_ms()).await;
    }
    let mut state = DeliveryRun {
        outcomes,
        retried: 0,
        statuses: Vec::new(),
        durations_ms: Vec::new(),
        retry_after_ms: None,
        ledger: None,
        answers: Vec::new(),
    };
    let mut requests = sendable(run, &book, &mut state, requests, &roles);
    let upstream = Upstream::new(&run.target.url, &run.target.authorization).map(Rc::new);
    let elapsed = || crate::clock::now_ms().saturating_sub(run.started_ms);
    let mut timeout_ms = run.policy.first_attempt_timeout_ms(elapsed());
    let mut attempt = 1;
    while !requests.is_empty() {
        let (pending, round_retry_after) = send_round(
            run, &upstream, requests, timeout_ms, attempt, &token, &mut book, &mut state,
        )
        .await;
        if pending.is_empty() || attempt >= run.max_attempts {
            break;
        }
        let Some(next) = run.policy.next_attempt(
            elapsed(),
            attempt - 1,
            js_sys::Math::random(),
            round_retry_after,
        ) else {
            break;
        };
        Delay::from(Duration::from_millis(next.wait_ms)).await;
        timeout_ms = next.timeout_ms;
        state.retried += pending.len();
        attempt += 1;
        requests = repack(pending, run.target);
    }
    let lease_end = run.started_ms + run.policy.lease_ms();
    for followed in book.followers() {
        let mark = follower_mark(&followed, lease_end);
        let status = match &mark {
            Mark::Delivered => "accepted",
            Mark::AlreadyDelivered => "duplicate",
            Mark::Rejected(_) => "rejected",
            Mark::Held { .. } => "pending",
        };
        state.answer(run, followed.owner, &followed.command_id, status, None);
        state.outcomes.mark(followed.owner, mark);
    }
    if let Some(ledger) = run.ledger {
        let mut report = book.report();
        let settlement = book.settlement(&token);
        if !settlement.delivered.is_empty() || !settlement.released.is_empty() {
            let (written, why) = ledger.settle(settlement).await;
            report.written = written;
            fallback = fallback.or(why);
        }
        report.fallback = fallback;
        state.ledger = Some(report);
    }
    state
}

/// The requests to send: all of them when every command is to be sent (the usual case, the
/// bodies as the core wrote them), else the ones to send re-packed. A command Bloomreach has
/// already is marked delivered; one another delivery holds is held; one repeating a key earlier
/// in the run waits for its leader.
fn sendable(
    run: &Run,
    book: &Book,
    state: &mut DeliveryRun,
    requests: Vec<BatchRequest>,
    roles: &[Vec<Role>],
) -> Vec<BatchRequest> {
    let sends = |role: &Role| match role {
        Role::Unkeyed => true,
        Role::Leader(position) => book.sendable(*position),
        Role::Follower(_) => false,
    };
    if roles.iter().flatten().all(sends) {
        return requests;
    }
    let mut pending = Vec::new();
    let mut hits: Vec<(&'static str, u32)> = Vec::new();
    for (request, roles) in requests.iter().zip(roles) {
        for (index, role) in roles.iter().enumerate() {
            let owner = request.commands[index].event_index;
            let command_id = &request.commands[index].command_id;
            match role {
                _ if sends(role) => pending.push(request.pending(index)),
                Role::Leader(position) if book.claim(*position) == Claim::Done => {
                    state.outcomes.mark(owner, Mark::AlreadyDelivered);
                    state.answer(run, owner, command_id, "duplicate", None);
                    let call_type = call_type_of(run, owner);
                    match hits.iter_mut().find(|(t, _)| *t == call_type) {
                        Some((_, n)) => *n += 1,
                        None => hits.push((call_type, 1)),
                    }
                }
                Role::Leader(position) => {
                    state
                        .outcomes
                        .mark(owner, held(BUSY, book.claim(*position)));
                    state.answer(run, owner, command_id, "pending", None);
                }
                _ => {} // a repeat: settled with its leader at the end
            }
        }
    }
    if let Some(metrics) = run.metrics {
        metrics.write(&ledger_points(run.mode, run.source, &hits));
    }
    repack(pending, run.target)
}

/// One round: every request sent once. Returns what must be sent again and the largest
/// `Retry-After` of the round.
#[allow(clippy::too_many_arguments)]
async fn send_round(
    run: &Run<'_>,
    upstream: &Result<Rc<Upstream>, String>,
    requests: Vec<BatchRequest>,
    timeout_ms: u64,
    attempt: u32,
    token: &str,
    book: &mut Book,
    state: &mut DeliveryRun,
) -> (Vec<PendingCommand>, Option<u64>) {
    let started = crate::clock::now_ms();
    let late_answer_ms = run.policy.late_answer_ms.max(timeout_ms);
    // This run's leases end no later than this (they were taken after its budget started).
    let lease_end = run.started_ms + run.policy.lease_ms();
    let answers: Vec<(BatchRequest, Answer)> = stream::iter(requests)
        .map(|request| {
            let exchange = match upstream {
                Ok(upstream) => Ok(
                    post_batch(Rc::clone(upstream), &request.body, late_answer_ms).boxed_local(),
                ),
                Err(error) => Err(error.clone()),
            };
            async move {
                let answer = match exchange {
                    Err(error) => Answer::Now(UpstreamReply::no_answer(error, 0)),
                    Ok(exchange) => {
                        let timeout = Box::pin(Delay::from(Duration::from_millis(timeout_ms)));
                        match select(exchange, timeout).await {
                            Either::Left((reply, _)) => Answer::Now(reply),
                            Either::Right((_, exchange)) => Answer::Late(exchange),
                        }
                    }
                };
                (request, answer)
            }
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect()
        .await;
    let mut pending = Vec::new();
    let mut retry_after_ms: Option<u64> = None;
    let mut tally = RoundTally::default();
    for (request, answer) in answers {
        let ids: Vec<&str> = request
            .commands
            .iter()
            .map(|c| c.command_id.as_str())
            .collect();
        let reply = match answer {
            Answer::Now(reply) => reply,
            Answer::Late(exchange) => {
                log::emit(&DeliveryLine {
                    kind: "delivery",
                    mode: run.mode,
                    attempt,
                    commands: ids.len(),
                    status: 0,
                    delivered: 0,
                    rejected: 0,
                    retry: 0,
                    in_doubt: ids.len(),
                    late: false,
                    duration_ms: timeout_ms,
                    error: Some(&format!(
                        "no answer within {timeout_ms} ms; awaiting it in the background (up to {late_answer_ms} ms)"
                    )),
                    ledger_written: None,
                    ledger_fallback: None,
                });
                state.statuses.push(0);
                state.durations_ms.push(timeout_ms);
                let mut commands = Vec::with_capacity(ids.len());
                for command in &request.commands {
                    let mark = Mark::Held {
                        reason: IN_DOUBT.into(),
                        until: Some(lease_end),
                    };
                    state.outcomes.mark(command.event_index, mark);
                    let (owner, id) = (command.event_index, &command.command_id);
                    state.answer(run, owner, id, "pending", None);
                    if let Some(key) = &command.ledger_key {
                        book.record(key, KeyFate::InDoubt);
                    }
                    let call_type = call_type_of(run, command.event_index);
                    tally.add(call_type, Counted::InDoubt, 0);
                    commands.push((
                        command.command_id.clone(),
                        command.ledger_key.clone(),
                        call_type,
                    ));
                }
                let late = LateAnswer {
                    commands,
                    ledger: run.ledger.cloned(),
                    metrics: run.metrics.cloned(),
                    token: token.to_string(),
                    mode: run.mode,
                    source: run.source.to_string(),
                    attempt,
                };
                run.ctx.wait_until(late_answer(exchange, late));
                continue;
            }
        };
        let outcomes = classify_response(&ids, reply.status, &reply.body);
        let count = |kind: Delivery| outcomes.iter().filter(|o| o.outcome == kind).count();
        let delivered = count(Delivery::Delivered);
        // An upstream request that delivered every command it carried gets no line of its own:
        // the caller's line (`request`, `queue_batch`) has its status and duration.
        if delivered < outcomes.len() || reply.error.is_some() {
            log::emit(&DeliveryLine {
                kind: "delivery",
                mode: run.mode,
                attempt,
                commands: request.commands.len(),
                status: reply.status,
                delivered,
                rejected: count(Delivery::Rejected),
                retry: count(Delivery::Retry),
                in_doubt: 0,
                late: false,
                duration_ms: reply.duration_ms,
                error: reply.error.as_deref(),
                ledger_written: None,
                ledger_fallback: None,
            });
        }
        let answers = run.inspect.then(|| command_answers(&reply, ids.len()));
        for (index, (command, outcome)) in request.commands.iter().zip(&outcomes).enumerate() {
            if let Some(key) = &command.ledger_key {
                book.record(key, fate_of(outcome));
            }
            if let Some(answers) = &answers {
                let status = match outcome.outcome {
                    Delivery::Delivered => "accepted",
                    Delivery::Rejected => "rejected",
                    Delivery::Retry => "pending",
                };
                let answer = answers.get(index).cloned();
                state.answer(
                    run,
                    command.event_index,
                    &command.command_id,
                    status,
                    answer,
                );
            }
            tally.add(
                call_type_of(run, command.event_index),
                counted(outcome),
                reply.status,
            );
        }
        state.statuses.push(reply.status);
        state.durations_ms.push(reply.duration_ms);
        if let Some(ms) = reply.retry_after_ms {
            retry_after_ms = Some(retry_after_ms.map_or(ms, |r| r.max(ms)));
            state.retry_after_ms = Some(state.retry_after_ms.map_or(ms, |r| r.max(ms)));
        }
        pending.extend(state.outcomes.record(&request, &outcomes));
    }
    if let Some(metrics) = run.metrics {
        let duration = crate::clock::now_ms().saturating_sub(started);
        metrics.write(&tally.points(run.mode, run.source, attempt, duration));
    }
    (pending, retry_after_ms)
}

/// What the background needs to make sense of a late answer.
struct LateAnswer {
    /// Each command's `command_id`, ledger key and call type, in body order.
    commands: Vec<(String, Option<String>, &'static str)>,
    ledger: Option<LedgerClient>,
    metrics: Option<MetricsDataset>,
    token: String,
    mode: &'static str,
    source: String,
    attempt: u32,
}

/// Awaits an answer the run stopped waiting for, then records it: what Bloomreach saved is
/// delivered in the ledger, what it refused or failed is released. An answer that never comes
/// leaves the leases to expire (Bloomreach may have saved the commands).
async fn late_answer(exchange: LocalBoxFuture<'static, UpstreamReply>, late: LateAnswer) {
    let reply = exchange.await;
    let ids: Vec<&str> = late.commands.iter().map(|c| c.0.as_str()).collect();
    let outcomes = classify_response(&ids, reply.status, &reply.body);
    let mut settlement = SettleRequest {
        owner: late.token.clone(),
        ..SettleRequest::default()
    };
    let mut tally = RoundTally::default();
    for ((_, key, call_type), outcome) in late.commands.iter().zip(&outcomes) {
        let counted = if reply.timed_out {
            Counted::InDoubt
        } else {
            counted(outcome)
        };
        tally.add(call_type, counted, reply.status);
        let (Some(key), false) = (key, reply.timed_out) else {
            continue;
        };
        match fate_of(outcome) {
            KeyFate::Delivered => settlement.delivered.push(key.clone()),
            KeyFate::Rejected(why) | KeyFate::Retry(why) => {
                settlement.released.push((key.clone(), why))
            }
            KeyFate::Unsent | KeyFate::InDoubt => {}
        }
    }
    let (mut ledger_written, mut ledger_fallback) = (None, None);
    if let Some(ledger) = &late.ledger {
        if !settlement.delivered.is_empty() || !settlement.released.is_empty() {
            let (written, why) = ledger.settle(settlement).await;
            ledger_written = Some(written);
            ledger_fallback = why;
        }
    }
    let count = |kind: Delivery| outcomes.iter().filter(|o| o.outcome == kind).count();
    log::emit(&DeliveryLine {
        kind: "delivery",
        mode: late.mode,
        attempt: late.attempt,
        commands: ids.len(),
        status: reply.status,
        delivered: count(Delivery::Delivered),
        rejected: count(Delivery::Rejected),
        retry: if reply.timed_out {
            0
        } else {
            count(Delivery::Retry)
        },
        in_doubt: if reply.timed_out { ids.len() } else { 0 },
        late: true,
        duration_ms: reply.duration_ms,
        error: reply.error.as_deref(),
        ledger_written,
        ledger_fallback: ledger_fallback.as_deref(),
    });
    if let Some(metrics) = &late.metrics {
        metrics.write(&tally.points(late.mode, &late.source, late.attempt, reply.duration_ms));
    }
}

/// Bloomreach's answer for each of a request's `n` commands: its `results` entry, or, when the
/// answer has none for it, the request's status with its body (at most 1 000 characters) and
/// the error that stood for an answer.
fn command_answers(reply: &UpstreamReply, n: usize) -> Vec<serde_json::Value> {
    let body: Option<serde_json::Value> = serde_json::from_str(&reply.body).ok();
    let results = body
        .as_ref()
        .and_then(|b| b.get("results"))
        .and_then(|r| r.as_array());
    (0..n)
        .map(|i| match results.and_then(|r| r.get(i)) {
            Some(result) => result.clone(),
            None => serde_json::json!({
                "status": reply.status,
                "body": body.clone().unwrap_or_else(|| reply.body.chars().take(1_000).collect::<String>().into()),
                "error": reply.error,
            }),
        })
        .collect()
}

/// What a command's outcome makes of its key.
fn fate_of(outcome: &CommandOutcome) -> KeyFate {
    let why = |default: &str| outcome.message.clone().unwrap_or_else(|| default.into());
    match outcome.outcome {
        Delivery::Delivered => KeyFate::Delivered,
        Delivery::Rejected => KeyFate::Rejected(why("Bloomreach rejected the command")),
        Delivery::Retry => KeyFate::Retry(why("no outcome was read for this command")),
    }
}

fn counted(outcome: &CommandOutcome) -> Counted {
    match outcome.outcome {
        Delivery::Delivered => Counted::Delivered,
        Delivery::Rejected => Counted::Rejected,
        Delivery::Retry => Counted::Retry,
    }
}

/// A repeat's fate: its leader's.
fn follower_mark(followed: &Followed, lease_end: u64) -> Mark {
    match (&followed.fate, followed.claim) {
        (KeyFate::Delivered, _) => Mark::Delivered,
        (KeyFate::Rejected(message), _) => Mark::Rejected(CommandRejection {
            command_id: followed.command_id.clone(),
            message: message.clone(),
        }),
        (KeyFate::Retry(why), _) => Mark::Held {
            reason: why.clone(),
            until: None,
        },
        (KeyFate::InDoubt, _) => Mark::Held {
            reason: IN_DOUBT.into(),
            until: Some(lease_end),
        },
        (KeyFate::Unsent, Claim::Done) => Mark::AlreadyDelivered,
        (KeyFate::Unsent, claim) => held(BUSY, claim),
    }
}

/// Held by another delivery's lease (until it ends, when the ledger said).
fn held(reason: &str, claim: Claim) -> Mark {
    Mark::Held {
        reason: reason.into(),
        until: match claim {
            Claim::Busy { until } => Some(until),
            _ => None,
        },
    }
}

fn call_type_of(run: &Run, owner: usize) -> &'static str {
    run.call_types.get(owner).copied().unwrap_or("unknown")
}

/// A random name for this run's leases (two 52-bit halves, hex).
fn run_token() -> String {
    // The runtime's cryptographic randomness (a lease token another delivery must not guess).
    crate::receipt::random_uuid().replace('-', "")
}
