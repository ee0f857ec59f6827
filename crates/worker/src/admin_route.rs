//! The operator's dead-letter routes (`/admin/dead-letters`, `…/replay`, `…/discard`): behind `ADMIN_TOKEN` (none configured: they do not exist), list what exhausted its queue retries with its last error, deliver it again through the ledger, or forget it.

use crate::config::Bindings;
use crate::deliver::{deliver, Run};
use crate::delivery::outcomes::Fate;
use crate::delivery::retry::RetryPolicy;
use crate::delivery::summary::join_rejections;
use crate::error::WorkerError;
use crate::http::json_response;
use crate::ledger::dead_letter::{
    list_limit, merge, read_selection, ReplayReport, Selection, ShownLetter, Unreplayed,
    MAX_LETTERS,
};
use crate::ledger::protocol::{Letter, ListRequest};
use crate::ledger_client::LedgerClient;
use crate::log::{self, RejectionLine, RequestLine};
use crate::metrics::call_type_name;
use crate::queue_message::QueuedEvent;
use crate::route::AdminRoute;
use crate::sender_auth::{check_admin, AdminAccess};
use ::worker::{Context, Method, Request, Response};
use segment_bloomreach::pack::repack;
use serde_json::json;

/// Handles a request to an admin route.
pub async fn handle(
    mut request: Request,
    route: AdminRoute,
    method: &Method,
    bindings: &Bindings,
    ctx: &Context,
    started_ms: u64,
    line: &mut RequestLine,
) -> Result<Response, WorkerError> {
    let authorization = request.headers().get("Authorization").ok().flatten();
    match check_admin(
        bindings.config.admin_token.as_ref(),
        authorization.as_deref(),
    ) {
        AdminAccess::Hidden => return Err(WorkerError::NotFound),
        AdminAccess::Refused(failure, message) => {
            return Err(WorkerError::Unauthorized { failure, message })
        }
        AdminAccess::Granted => line.auth = Some("admin_token"),
    }
    let allowed = match route {
        AdminRoute::DeadLetters => matches!(method, Method::Get),
        AdminRoute::Replay | AdminRoute::Discard => matches!(method, Method::Post),
    };
    if !allowed {
        return Err(WorkerError::MethodNotAllowed {
            allow: crate::route::Route::Admin(route).allow(),
        });
    }
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
            let limit = list_limit(query).map_err(WorkerError::InvalidAdminRequest)?;
            let listing = ledger
                .list(&ListRequest {
                    limit,
                    ids: None,
                    bodies: true,
                })
                .await
                .map_err(WorkerError::LedgerUnavailable)?;
            let merged = merge(listing, limit);
            let letters: Vec<ShownLetter> =
                merged.letters.into_iter().map(ShownLetter::of).collect();
            Ok(json_response(
                200,
                &json!({ "total": merged.total, "letters": letters }),
            ))
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
            let discarded = ledger
                .remove(ids)
                .await
                .map_err(WorkerError::LedgerUnavailable)?;
            Ok(json_response(200, &json!({ "discarded": discarded })))
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
    let Some(mapper) = bindings.config.mapper.as_ref() else {
        return Err(WorkerError::ConfigInvalid(bindings.config.problems.clone()));
    };
    let ids = match &selection {
        Selection::Ids(ids) => Some(ids.clone()),
        Selection::All => None,
    };
    let listing = ledger
        .list(&ListRequest {
            limit: MAX_LETTERS,
            ids: ids.clone(),
            bodies: true,
        })
        .await
        .map_err(WorkerError::LedgerUnavailable)?;
    let letters = merge(listing, MAX_LETTERS).letters;
    let mut report = ReplayReport {
        replayed: letters.len(),
        not_found: ids
            .unwrap_or_default()
            .into_iter()
            .filter(|id| !letters.iter().any(|l| &l.id == id))
            .collect(),
        ..ReplayReport::default()
    };
    // Each letter is an owner; a body that is not a queued event stays parked.
    let mut events: Vec<(Letter, QueuedEvent)> = Vec::new();
    for letter in letters {
        match letter
            .body
            .as_deref()
            .map(serde_json::from_str::<QueuedEvent>)
        {
            Some(Ok(event)) => events.push((letter, event)),
            _ => report.failed.push(Unreplayed {
                id: letter.id,
                message: "the parked message is not a queued event; discard it".into(),
            }),
        }
    }
    let pending = events
        .iter()
        .enumerate()
        .flat_map(|(owner, (_, event))| event.pending(owner))
        .collect();
    let call_types: Vec<&'static str> = events
        .iter()
        .map(|(_, e)| call_type_name(e.call_type.as_deref()))
        .collect();
    let run = Run {
        target: mapper.target(),
        policy: RetryPolicy::REPLAY,
        max_attempts: u32::MAX,
        mode: "replay",
        started_ms,
        ledger: Some(ledger),
        metrics: bindings.metrics.as_ref(),
        call_types: &call_types,
        ctx,
    };
    let run = deliver(&run, repack(pending, mapper.target())).await;
    let mut fates: Vec<Option<Fate>> = vec![Some(Fate::Delivered); events.len()];
    for (owner, fate) in run.outcomes.fates() {
        fates[owner] = Some(fate);
    }
    let mut settled = Vec::new();
    let mut failed = Vec::new();
    for (owner, ((letter, event), fate)) in events.iter().zip(fates).enumerate() {
        let id = letter.id.clone();
        match fate.unwrap_or(Fate::Delivered) {
            Fate::Delivered if run.outcomes.already_delivered(owner) => {
                report.already_delivered.push(id.clone())
            }
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
                failed.push((id.clone(), why.clone()));
                report.failed.push(Unreplayed { id, message: why });
                continue;
            }
        }
        settled.push(id);
    }
    line.delivered = Some(report.delivered.len() + report.already_delivered.len());
    line.rejected = Some(report.rejected.len());
    line.pending = Some(report.failed.len());
    line.upstream_statuses = run.statuses;
    line.ledger = run.ledger;
    if !settled.is_empty() {
        ledger
            .remove(settled)
            .await
            .map_err(WorkerError::LedgerUnavailable)?;
    }
    if !failed.is_empty() {
        ledger
            .update(failed)
            .await
            .map_err(WorkerError::LedgerUnavailable)?;
    }
    Ok(report)
}
