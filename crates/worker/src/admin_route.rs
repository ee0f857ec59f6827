//! The operator's dead-letter routes (`/admin/dead-letters`, `…/replay`, `…/discard`): behind `ADMIN_TOKEN` (none configured: they do not exist), list what exhausted its queue retries with its last error, deliver it again through the ledger, or forget it.

use crate::config::Bindings;
use crate::deliver::{deliver, Run};
use crate::delivery::outcomes::Fate;
use crate::delivery::retry::RetryPolicy;
use crate::delivery::summary::join_rejections;
use crate::error::WorkerError;
use crate::http::json_response;
use crate::ledger::dead_letter::{
    cursor_of, list_query, merge, read_selection, Page, ReplayReport, Selection, ShownLetter,
    Unreplayed, MAX_LETTERS,
};
use crate::ledger::protocol::{Letter, ListRequest};
use crate::ledger_client::LedgerClient;
use crate::live_config;
use crate::log::{self, RejectionLine, RequestLine};
use crate::metrics::call_type_name;
use crate::queue_message::QueuedEvent;
use crate::route::AdminRoute;
use crate::routing::DEFAULT_SOURCE;
use ::worker::{Context, Request, Response};
use segment_bloomreach::pack::repack;
use serde_json::json;

/// Handles a request to a dead-letter route (its caller checked the admin token and the method).
pub async fn handle(
    mut request: Request,
    route: AdminRoute,
    bindings: &Bindings,
    ctx: &Context,
    started_ms: u64,
    line: &mut RequestLine,
) -> Result<Response, WorkerError> {
    let ledger = bindings.ledger.as_ref().ok_or_else(|| {
        WorkerError::LedgerUnavailable("the DELIVERY_LEDGER binding is missing".into())
    })?;
    match route {
        AdminRoute::DeadLetters => {
            // The query by hand: parsing the whole URL would bring the `url` crate's tables.
            let url = request.inner().url();
            let query = url
                .split_once('?')
                .map(|(_, q)| q.split('#').next().unwrap_or(""));
            let (limit, after) = list_query(query).map_err(WorkerError::InvalidAdminRequest)?;
            let request = ListRequest {
                limit,
                ids: None,
                bodies: true,
                after,
            };
            let (page, failed_objects) = page_of(ledger, &request, limit).await?;
            let next = match (page.more, page.letters.last()) {
                (true, Some((_, last))) => Some(cursor_of(last)),
                _ => None,
            };
            let letters: Vec<ShownLetter> = page
                .letters
                .into_iter()
                .map(|(_, l)| ShownLetter::of(l))
                .collect();
            let mut body = json!({ "total": page.total, "letters": letters });
            if let Some(next) = next {
                body["next"] = json!(next);
            }
            if !failed_objects.is_empty() {
                body["failedObjects"] = json!(failed_objects);
            }
            Ok(json_response(200, &body))
        }
        AdminRoute::Discard => {
            let body = request
                .text()
                .await
                .map_err(|_| WorkerError::IncompleteBody)?;
            let Selection::Ids(ids) =
                read_selection(&body, false).map_err(WorkerError::InvalidAdminRequest)?
            else {
                unreachable!("a discard names its letters");
            };
            let (discarded, failed_objects) = ledger.remove(ids.clone()).await;
            if failed_objects.len() == crate::ledger::shard::MAX_OBJECTS {
                return Err(WorkerError::LedgerUnavailable(
                    failed_objects[0]["error"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                ));
            }
            // Not discarded: not parked anywhere, or (some object failing) perhaps parked there.
            let missed: Vec<&String> = ids.iter().filter(|id| !discarded.contains(id)).collect();
            let mut body = json!({ "discarded": discarded.len(), "ids": discarded });
            if failed_objects.is_empty() {
                body["notFound"] = json!(missed);
            } else {
                body["unknown"] = json!(missed);
                body["failedObjects"] = json!(failed_objects);
            }
            Ok(json_response(200, &body))
        }
        AdminRoute::Replay => {
            let body = request
                .text()
                .await
                .map_err(|_| WorkerError::IncompleteBody)?;
            let selection =
                read_selection(&body, true).map_err(WorkerError::InvalidAdminRequest)?;
            let report = replay(selection, ledger, bindings, ctx, started_ms, line).await?;
            Ok(json_response(200, &report))
        }
        _ => Err(WorkerError::NotFound),
    }
}

/// Delivers parked letters again, through the ledger (what Bloomreach already has is not sent
/// again): delivered, already delivered and rejected letters are no longer parked; the rest
/// keep their new error.
async fn replay(
    selection: Selection,
    ledger: &LedgerClient,
    bindings: &Bindings,
    ctx: &Context,
    started_ms: u64,
    line: &mut RequestLine,
) -> Result<ReplayReport, WorkerError> {
    let live = live_config::current(bindings).await?;
    let routing = &live.routing;
    let ids = match &selection {
        Selection::Ids(ids) => Some(ids.clone()),
        Selection::All => None,
    };
    let request = ListRequest {
        limit: MAX_LETTERS,
        ids: ids.clone(),
        bodies: true,
        after: None,
    };
    let (page, failed_objects) = page_of(ledger, &request, MAX_LETTERS).await?;
    let letters = page.letters;
    let missing: Vec<String> = ids
        .unwrap_or_default()
        .into_iter()
        .filter(|id| !letters.iter().any(|(_, l)| &l.id == id))
        .collect();
    // Past this replay's size, or in an object that did not answer: not known to be absent.
    let unsure = page.more || !failed_objects.is_empty();
    let mut report = ReplayReport {
        replayed: letters.len(),
        more: page.more && matches!(selection, Selection::All),
        ..ReplayReport::default()
    };
    if unsure {
        report.not_reached = missing;
    } else {
        report.not_found = missing;
    }
    report.failed_objects = failed_objects;
    // Each letter is an owner; a body that is not a queued event stays parked.
    let mut events: Vec<(Letter, QueuedEvent)> = Vec::new();
    let mut shards: Vec<usize> = Vec::new();
    for (shard, letter) in letters {
        match letter
            .body
            .as_deref()
            .map(serde_json::from_str::<QueuedEvent>)
        {
            Some(Ok(event)) => {
                events.push((letter, event));
                shards.push(shard);
            }
            _ => report.failed.push(Unreplayed {
                id: letter.id,
                message: "the parked message is not a queued event; discard it".into(),
            }),
        }
    }
    let call_types: Vec<&'static str> = events
        .iter()
        .map(|(_, e)| call_type_name(e.call_type.as_deref()))
        .collect();
    // Each letter goes to its own source's destination (letters parked before sources: `default`).
    let mut fates: Vec<Option<Fate>> = vec![Some(Fate::Delivered); events.len()];
    let mut already = vec![false; events.len()];
    let mut sources: Vec<&str> = Vec::new();
    for (_, event) in &events {
        let name = event.source.as_deref().unwrap_or(DEFAULT_SOURCE);
        if !sources.contains(&name) {
            sources.push(name);
        }
    }
    for name in sources {
        let owners: Vec<usize> = (0..events.len())
            .filter(|&o| events[o].1.source.as_deref().unwrap_or(DEFAULT_SOURCE) == name)
            .collect();
        let mapper = match routing.source(name).map(|s| &routing.sources[s].mapper) {
            Some(Ok(mapper)) => mapper,
            found => {
                let why = match found {
                    None => format!("the live configuration has no source named {name:?}; restore it, then replay"),
                    _ => format!("source {name:?} has configuration problems (see /health); fix them, then replay"),
                };
                for owner in owners {
                    fates[owner] = Some(Fate::Pending(why.clone()));
                }
                continue;
            }
        };
        let pending = owners
            .iter()
            .flat_map(|&owner| events[owner].1.pending(owner))
            .collect();
        let run = Run {
            target: mapper.target(),
            policy: RetryPolicy::REPLAY,
            max_attempts: u32::MAX,
            mode: "replay",
            source: name,
            started_ms,
            ledger: Some(ledger),
            metrics: bindings.metrics.as_ref(),
            call_types: &call_types,
            ctx,
            inspect: false,
        };
        let run = deliver(&run, repack(pending, mapper.target())).await;
        for (owner, fate) in run.outcomes.fates() {
            fates[owner] = Some(fate);
        }
        for &owner in &owners {
            already[owner] = run.outcomes.already_delivered(owner);
        }
        line.upstream_statuses.extend(run.statuses);
        line.upstream_ms.extend(run.durations_ms);
        line.ledger = run.ledger;
    }
    // Per object: the letters to forget, and those kept with their new error.
    let mut settled: Vec<Vec<String>> = vec![Vec::new(); crate::ledger::shard::MAX_OBJECTS];
    let mut failed: Vec<Vec<(String, String)>> =
        vec![Vec::new(); crate::ledger::shard::MAX_OBJECTS];
    for (owner, ((letter, event), fate)) in events.iter().zip(fates).enumerate() {
        let id = letter.id.clone();
        match fate.unwrap_or(Fate::Delivered) {
            Fate::Delivered if already[owner] => report.already_delivered.push(id.clone()),
            Fate::Delivered => report.delivered.push(id.clone()),
            Fate::Rejected(rejections) => {
                for rejection in &rejections {
                    log::emit(&RejectionLine {
                        kind: "rejected",
                        message_id: event.message_id.as_deref(),
                        command_id: &rejection.command_id,
                        message: &rejection.message,
                    });
                }
                report.rejected.push(Unreplayed {
                    id: id.clone(),
                    message: join_rejections(&rejections),
                });
            }
            Fate::Pending(why) => {
                failed[shards[owner]].push((id.clone(), why.clone()));
                report.failed.push(Unreplayed { id, message: why });
                continue;
            }
        }
        settled[shards[owner]].push(id);
    }
    line.delivered = Some(report.delivered.len() + report.already_delivered.len());
    line.rejected = Some(report.rejected.len());
    line.pending = Some(report.failed.len());
    // One object failing leaves its letters parked (a replay again finds them delivered, by
    // the ledger) and is reported; the others are settled.
    for (shard, (settled, failed)) in settled.into_iter().zip(failed).enumerate() {
        let mut outcome = Ok(());
        if !settled.is_empty() {
            outcome = ledger.remove_in(shard, settled).await.map(|_| ());
        }
        if !failed.is_empty() && outcome.is_ok() {
            outcome = ledger.update_in(shard, failed).await.map(|_| ());
        }
        if let Err(why) = outcome {
            report
                .failed_objects
                .push(json!({"object": crate::ledger::shard::object_name(shard), "error": why}));
        }
    }
    Ok(report)
}

/// Every object's listing merged into one page of at most `limit`, with the objects that did not
/// answer; `ledger_unavailable` only when none did.
async fn page_of(
    ledger: &LedgerClient,
    request: &ListRequest,
    limit: usize,
) -> Result<(Page, Vec<serde_json::Value>), WorkerError> {
    let (listings, failed_objects) = ledger.list(request).await;
    if listings.is_empty() {
        let why = failed_objects[0]["error"].as_str().unwrap_or_default();
        return Err(WorkerError::LedgerUnavailable(why.to_string()));
    }
    Ok((merge(listings, limit), failed_objects))
}
