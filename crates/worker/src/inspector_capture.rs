//! What the inspector is told, after the answer (`waitUntil`): each ingest request's events (direct mode: each event's outcome with its commands and Bloomreach's answers; queue mode: queued), each queue batch's outcomes and parked dead letters, gathered per source for half a second and written in one request; its failures are logged and counted, never felt by delivery.

use crate::deliver::CommandAnswer;
use crate::inspector::{
    body_events, command_record, record, record_columns, redact, Counts, RecordHead, RecordRequest,
};
use crate::inspector_client::InspectorClient;
use crate::log;
use crate::routing::RoutedSource;
use ::worker::{Context, Delay};
use segment_bloomreach::{BatchRequest, Code, EventIssue};
use segment_bloomreach_deployment::InspectorSettings;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::time::Duration;

/// At most this many successful events (delivered, queued, duplicate) are recorded per source,
/// isolate and window; every failure is. The counters count them all.
pub const MAX_SUCCESSES_PER_WINDOW: usize = 10;
/// An isolate sends what its requests tell a source's inspector at most this often.
pub const WINDOW_MS: u64 = 500;

thread_local! {
    /// Writes that failed in this isolate (logged with each failure).
    static FAILURES: Cell<u64> = const { Cell::new(0) };
    /// The pending write of each source (what this isolate's requests told it within a window).
    static PENDING: RefCell<Vec<Pending>> = const { RefCell::new(Vec::new()) };
}

/// A source's pending write, and how many successes it records.
struct Pending {
    source: String,
    write: RecordRequest,
    successes: usize,
}

/// A command as sent: its event (owner), id, rule and JSON.
pub struct Sent {
    pub owner: usize,
    pub command_id: String,
    pub origin: Option<String>,
    pub json: String,
}

/// Every command of `requests`, in body order.
pub fn sent(requests: &[BatchRequest]) -> Vec<Sent> {
    let mut all = Vec::new();
    for request in requests {
        for (index, command) in request.commands.iter().enumerate() {
            all.push(Sent {
                owner: command.event_index,
                command_id: command.command_id.clone(),
                origin: command.origin.clone(),
                json: request.command_json(index).to_string(),
            });
        }
    }
    all
}

/// What became of one event (or queue message).
pub struct EventCapture {
    pub owner: usize,
    pub message_id: Option<String>,
    pub call_type: Option<String>,
    pub outcome: &'static str,
    pub code: Option<&'static str>,
    pub detail: Option<String>,
}

/// One write to a source's inspector.
pub struct Capture {
    pub client: InspectorClient,
    pub source: String,
    pub settings: InspectorSettings,
    pub config_version: Option<u64>,
    /// When the request (or batch) arrived.
    pub received_ms: u64,
    /// The request body and the call type its path implies: each event's payload is read from
    /// it (queue batches have none).
    pub body: Option<(String, Option<&'static str>)>,
    pub events: Vec<EventCapture>,
    pub sent: Vec<Sent>,
    pub answers: Vec<CommandAnswer>,
    /// Whether the events count as received (at arrival, not again when the queue delivers them).
    pub count_received: bool,
    /// The request was refused with this code before its events were read.
    pub refused: Option<&'static str>,
    pub retried: usize,
}

impl Capture {
    /// A capture of `source`'s events, or `None` without the `EVENT_INSPECTOR` binding.
    pub fn new(
        client: Option<&InspectorClient>,
        source: &RoutedSource,
        config_version: Option<u64>,
        received_ms: u64,
    ) -> Option<Capture> {
        Some(Capture {
            client: client?.clone(),
            source: source.name.clone(),
            settings: source.inspector.clone(),
            config_version,
            received_ms,
            body: None,
            events: Vec::new(),
            sent: Vec::new(),
            answers: Vec::new(),
            count_received: true,
            refused: None,
            retried: 0,
        })
    }

    /// A request of `source` refused with `code` before its events were read (over its rate
    /// limit, from an origin its key does not list): counted, nothing recorded.
    pub fn refused(
        client: Option<&InspectorClient>,
        source: &RoutedSource,
        config_version: Option<u64>,
        received_ms: u64,
        code: &'static str,
    ) -> Option<Capture> {
        let mut capture = Capture::new(client, source, config_version, received_ms)?;
        capture.refused = Some(code);
        Some(capture)
    }

    /// A capture of an ingest request's events, each `outcome` until marked otherwise.
    #[allow(clippy::too_many_arguments)]
    pub fn of_request(
        client: Option<&InspectorClient>,
        source: &RoutedSource,
        config_version: Option<u64>,
        received_ms: u64,
        (text, implied): (&str, Option<&'static str>),
        message_ids: &[Option<Cow<str>>],
        call_types: &[Option<&'static str>],
        requests: &[BatchRequest],
        outcome: &'static str,
    ) -> Option<Capture> {
        let mut capture = Capture::new(client, source, config_version, received_ms)?;
        capture.body = Some((text.to_string(), implied));
        capture.events = message_ids
            .iter()
            .enumerate()
            .map(|(owner, id)| EventCapture {
                owner,
                message_id: id.as_deref().map(str::to_string),
                call_type: call_types.get(owner).copied().flatten().map(str::to_string),
                outcome,
                code: None,
                detail: None,
            })
            .collect();
        capture.sent = sent(requests);
        Some(capture)
    }

    /// Each delivery fate of a run, by owner (`duplicate`: every command was delivered before).
    pub fn mark_fates(&mut self, outcomes: &crate::delivery::outcomes::Outcomes) {
        use crate::delivery::outcomes::Fate;
        use crate::delivery::summary::join_rejections;
        for (owner, fate) in outcomes.fates() {
            let Some(event) = self.events.iter_mut().find(|e| e.owner == owner) else {
                continue;
            };
            (event.outcome, event.code, event.detail) = match fate {
                Fate::Delivered if outcomes.already_delivered(owner) => ("duplicate", None, None),
                Fate::Delivered => ("delivered", None, None),
                Fate::Rejected(rejections) => (
                    "rejected",
                    Some(Code::BloomreachRejected.as_str()),
                    Some(join_rejections(&rejections)),
                ),
                Fate::Pending(why) => ("pending", Some(Code::DeliveryPending.as_str()), Some(why)),
            };
        }
    }

    /// `outcome` for every event of `issues` (mapping rejections and skips).
    pub fn mark_issues(&mut self, issues: &[EventIssue], outcome: &'static str) {
        for issue in issues {
            if let Some(event) = self.events.iter_mut().find(|e| e.owner == issue.index) {
                event.outcome = outcome;
                event.code = Some(issue.code.as_str());
                event.detail = Some(issue.message.clone());
            }
        }
    }

    /// Written in the background, after the answer: added to this isolate's pending write for
    /// the source; the request that opens a pending write sends it [`WINDOW_MS`] later, with
    /// whatever the requests in between added (one request to the object per window, so under
    /// load far fewer than one per ingest request, and at most one for any).
    pub fn write(self, ctx: &Context) {
        ctx.wait_until(async move {
            // First let the answer go: a timer's turn comes after the runtime has taken the
            // response (work done before the first await would run ahead of it, as a microtask).
            Delay::from(Duration::ZERO).await;
            let source = self.source.clone();
            let client = self.client.clone();
            let recorded = PENDING.with(|pending| {
                let pending = pending.borrow();
                let found = pending.iter().find(|p| p.source == source);
                found.map_or(0, |p| p.successes)
            });
            let budget = MAX_SUCCESSES_PER_WINDOW.saturating_sub(recorded);
            let (write, successes) = self.into_request(crate::clock::now_ms(), budget);
            let opens = PENDING.with(|pending| {
                let mut pending = pending.borrow_mut();
                match pending.iter_mut().find(|p| p.source == source) {
                    Some(open) => {
                        open.write.merge(write);
                        open.successes += successes;
                        false
                    }
                    None => {
                        pending.push(Pending {
                            source: source.clone(),
                            write,
                            successes,
                        });
                        true
                    }
                }
            });
            if !opens {
                return;
            }
            Delay::from(Duration::from_millis(WINDOW_MS)).await;
            let taken = PENDING.with(|pending| {
                let mut pending = pending.borrow_mut();
                let at = pending.iter().position(|p| p.source == source)?;
                Some(pending.swap_remove(at))
            });
            let Some(Pending { write, .. }) = taken else {
                return;
            };
            if let Err(error) = client.record(&source, write).await {
                let failures = FAILURES.with(|f| {
                    f.set(f.get() + 1);
                    f.get()
                });
                log::emit(&json!({
                    "kind": "inspector", "source": source, "error": error,
                    "failures": failures,
                }));
            }
        });
    }

    /// The counts and records of the write (`now`: when delivery ended), recording at most
    /// `budget` successes; and how many it recorded.
    fn into_request(self, now: u64, budget: usize) -> (RecordRequest, usize) {
        let duration_ms = now.saturating_sub(self.received_ms);
        let mut counts = Counts::default();
        if self.count_received {
            counts.received = self.events.len() as u64;
        }
        counts.retried = self.retried as u64;
        if let Some(code) = self.refused {
            counts.add_refused(code);
        }
        counts.duplicates = self
            .answers
            .iter()
            .filter(|a| a.status == "duplicate")
            .count() as u64;
        for event in &self.events {
            counts.add_outcome(event.outcome, event.code);
            if event.outcome == "delivered" {
                counts.add_latency(duration_ms);
            }
        }
        let settings = &self.settings;
        let mut records = Vec::new();
        let success = |e: &EventCapture| matches!(e.outcome, "delivered" | "queued" | "duplicate");
        let mut successes = 0;
        // Read the body's events only when one of them is to be recorded.
        let any = budget > 0 || self.events.iter().any(|e| !success(e));
        if settings.enabled && settings.keep > 0 && any {
            let payloads = self
                .body
                .as_ref()
                .map(|(text, implied)| body_events(text, *implied));
            for event in &self.events {
                if success(event) {
                    if successes == budget {
                        continue;
                    }
                    successes += 1;
                }
                let mut payload = payloads.as_ref().and_then(|p| p.event(event.owner));
                let replaced = match &mut payload {
                    Some(payload) => redact(payload, &settings.redact),
                    None => Vec::new(),
                };
                // Without the event (queue mode) its copies cannot be found: with paths to
                // redact, the commands' bodies are left out.
                let blind = payload.is_none() && !settings.redact.is_empty();
                let commands: Vec<Value> = self
                    .sent
                    .iter()
                    .filter(|c| c.owner == event.owner)
                    .map(|c| {
                        let answer = self
                            .answers
                            .iter()
                            .find(|a| a.owner == c.owner && a.command_id == c.command_id);
                        let status = match (answer, event.outcome) {
                            (Some(a), _) => a.status,
                            (None, "queued") => "queued",
                            (None, _) => "pending",
                        };
                        let json = if blind { "null" } else { c.json.as_str() };
                        let answer = answer.and_then(|a| a.answer.clone());
                        command_record(
                            json,
                            &c.command_id,
                            c.origin.as_deref(),
                            status,
                            answer,
                            &replaced,
                        )
                    })
                    .collect();
                let head = RecordHead {
                    received_ms: self.received_ms,
                    source: &self.source,
                    config_version: self.config_version,
                    message_id: event.message_id.as_deref(),
                    call_type: event.call_type.as_deref(),
                    outcome: event.outcome,
                    code: event.code,
                    detail: event.detail.as_deref(),
                    duration_ms: Some(duration_ms),
                };
                let record = record(&head, payload, commands);
                records.push((record_columns(&record), record.to_string()));
            }
        }
        let write = RecordRequest {
            enabled: settings.enabled,
            keep: settings.keep,
            hours: settings.hours,
            records,
            counts,
        };
        (write, successes)
    }
}
