//! The ingest routes (`/v1/*` and `/webhook`): check, authenticate, map with the core, then deliver directly or enqueue.

use crate::config::Bindings;
use crate::deliver::{deliver, Run};
use crate::delivery::retry::{sender_retry_after_secs, RetryPolicy};
use crate::delivery::summary::DeliverySummary;
use crate::error::{WorkerError, RETRY_AFTER_SECS};
use crate::http::json_response;
use crate::inspector_capture::Capture;
use crate::live_config;
use crate::log::RequestLine;
use crate::metrics::call_type_name;
use crate::queue_message::{events_of, split_for_queue, MAX_MESSAGE_BYTES};
use crate::queue_producer;
use crate::rate_limit;
use crate::receipt;
use crate::request_body::{check_content_type, read_limited};
use crate::route::{webhook_source, Route};
use crate::routing::{ledger_keys, OriginCheck, Routing, Sender, SourceProblems};
use crate::sender_auth::AuthFailure;
use ::worker::{Context, Response};
use segment_bloomreach::{BuildOutput, Code, EventIssue, IngestLimits};
use serde_json::json;

/// Handles `POST` to an ingest route; `started_ms` is when the request arrived.
pub async fn ingest(
    request: web_sys::Request,
    route: Route,
    path: &str,
    bindings: &Bindings,
    ctx: &Context,
    started_ms: u64,
    line: &mut RequestLine,
) -> Result<Response, WorkerError> {
    let mut allowed_origin = None;
    let mut response = answer(
        request,
        route,
        path,
        bindings,
        ctx,
        started_ms,
        line,
        &mut allowed_origin,
    )
    .await?;
    // A key that lists its origins answers only them, by name (`*` otherwise, in `with_cors`).
    if let Some(origin) = allowed_origin {
        let headers = response.headers_mut();
        let _ = headers.set("Access-Control-Allow-Origin", &origin);
        let _ = headers.set("Vary", "Origin");
    }
    Ok(response)
}

#[allow(clippy::too_many_arguments)]
async fn answer(
    request: web_sys::Request,
    route: Route,
    path: &str,
    bindings: &Bindings,
    ctx: &Context,
    started_ms: u64,
    line: &mut RequestLine,
    allowed_origin: &mut Option<String>,
) -> Result<Response, WorkerError> {
    let live = live_config::current(bindings).await?;
    let routing = &live.routing;
    line.config_version = routing.version;
    // `/webhook/<source>` of no source is a route that does not exist.
    let webhook_path_source = webhook_source(path);
    if webhook_path_source.is_some_and(|name| routing.source(name).is_none()) {
        return Err(WorkerError::NotFound);
    }
    let headers = request.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    check_content_type(header("Content-Type").as_deref())?;
    let authorization = header("Authorization").filter(|h| !h.trim().is_empty());
    // Each header is a call into the runtime: the others are read where they count.
    let signature = match route {
        Route::Webhook => header("X-Signature"),
        _ => None,
    };
    let admit = Admission {
        routing,
        bindings,
        ctx,
        started_ms,
        headers: &headers,
    };
    // A write key in `Authorization` picks the source, and the source's limits apply, before the
    // body is read: a flood of such requests costs neither the read nor a parse.
    let early = match (route, &authorization) {
        (Route::Tracking(_), Some(_)) => {
            let sender = authenticated(routing.tracking_sender(authorization.as_deref(), ""))?;
            admit.check(&sender, line, allowed_origin).await?;
            Some(sender)
        }
        _ => None,
    };
    let raw = read_limited(request, header("Content-Length").as_deref()).await?;
    line.bytes = Some(raw.len());
    let text = std::str::from_utf8(&raw);
    let sender = match early {
        Some(sender) => sender,
        None => {
            let sender = authenticated(match route {
                Route::Webhook => routing.webhook_sender(
                    webhook_path_source,
                    authorization.as_deref(),
                    signature.as_deref(),
                    &raw,
                ),
                _ => routing.tracking_sender(authorization.as_deref(), text.unwrap_or("")),
            })?;
            admit.check(&sender, line, allowed_origin).await?;
            sender
        }
    };
    let source = &routing.sources[sender.source];
    // Configuration problems only to a sender whose credentials passed: a stranger learns nothing
    // of how the Worker is set up.
    let mapper = source.mapper.as_ref().map_err(|problems| match problems {
        SourceProblems::Variables(problems) => WorkerError::ConfigInvalid(problems.clone()),
        stored => WorkerError::SourceInvalid(stored.clone()),
    })?;
    let text = text.map_err(|_| WorkerError::NotText)?;

    let implied_type = match route {
        Route::Tracking(implied) => implied,
        _ => None,
    };
    // Read, mapped and packed by the core; the bodies it wrote are sent as they are. The core
    // also names each command for the delivery ledger and each event by its call type (one
    // build for the Worker, ledger bound or not: the unkeyed one would be a second copy).
    let BuildOutput {
        mut requests,
        rejected,
        skipped,
        message_ids,
        call_types,
    } = mapper.build_keyed({
        let mut slots = mapper.read_body(text, implied_type, IngestLimits::default())?;
        // Before mapping and before the ledger names each event, as Segment's ingest does.
        receipt::stamp(&mut slots, started_ms);
        slots
    });
    // Each sender's events in its own ledger namespace (source and credential), digested for a
    // ledger: the Worker's own (direct mode) or the queue consumer's. Without either, a key only
    // tells a run's repeats of one event apart from other events, which the undigested key does
    // as well (a keyed digest is one-to-one on them), so no HMAC is spent on it.
    if bindings.ledger.is_some() || bindings.delivery_queue.is_some() {
        ledger_keys(
            &mut requests,
            &message_ids,
            &routing.namespace(&sender),
            &source.ledger_keys,
        );
    }
    let received = message_ids.len();
    // The inspector's view of them (only with its binding), written after the answer.
    let capture = Capture::of_request(
        bindings.inspector.as_ref(),
        source,
        routing.version,
        started_ms,
        (text, implied_type),
        &message_ids,
        &call_types,
        &requests,
        if bindings.delivery_queue.is_some() {
            "queued"
        } else {
            "delivered"
        },
    );
    line.events = Some(received);
    line.rejected = Some(rejected.len());
    line.skipped = Some(skipped.len());

    if let Some(queue) = &bindings.delivery_queue {
        let mut events = events_of(&requests, &message_ids, &call_types);
        for event in &mut events {
            event.source = Some(source.name.clone());
            event.config_version = routing.version;
        }
        let mapped = events.len();
        let (messages, too_large) = split_for_queue(events, MAX_MESSAGE_BYTES);
        let issue = |index: usize, code: Code, detail: String| {
            let message_id = message_ids[index].as_deref().map(str::to_string);
            EventIssue::of(index, message_id, code, &detail)
        };
        let mut rejected = rejected;
        for (index, command_id, bytes) in &too_large {
            rejected.push(issue(*index, Code::CommandTooLarge, format!(
                "its command {command_id:?} takes about {bytes} bytes, over the {MAX_MESSAGE_BYTES} one queue message carries"
            )));
        }
        crate::delivery::summary::sort_by_event(&mut rejected);
        let failed = queue_producer::enqueue(queue, messages).await;
        if let Some(mut capture) = capture {
            capture.mark_issues(&rejected, "rejected");
            capture.mark_issues(&skipped, "skipped");
            for (index, why) in &failed {
                let issue = issue(*index, Code::DeliveryPending, format!("not queued ({why})"));
                capture.mark_issues(&[issue], "pending");
            }
            capture.write(ctx);
        }
        let queued = mapped - too_large.len() - failed.len();
        line.queued = Some(queued);
        line.rejected = Some(rejected.len());
        let mut summary = DeliverySummary::queued(received, queued, rejected, skipped);
        if failed.is_empty() {
            return Ok(json_response(202, &summary));
        }
        // What was queued stays queued (its ledger keys keep a second copy from being delivered);
        // the sender sends the whole request again for the rest.
        line.code = Some(Code::EnqueueFailed);
        line.pending = Some(failed.len());
        let why = failed[0].1.clone();
        summary.pending = failed
            .into_iter()
            .map(|(index, why)| issue(index, Code::DeliveryPending, format!("not queued ({why})")))
            .collect();
        let mut body = serde_json::to_value(&summary).unwrap_or_else(|_| json!({}));
        body["error"] = json!({
            "code": Code::EnqueueFailed,
            "message": format!(
                "{} of {} events could not be put on the delivery queue ({why}); send the whole request again",
                summary.pending.len(), received,
            ),
        });
        let mut response = json_response(503, &body);
        let _ = response
            .headers_mut()
            .set("Retry-After", &RETRY_AFTER_SECS.to_string());
        return Ok(response);
    }

    let call_types: Vec<&'static str> = call_types.iter().map(|t| call_type_name(*t)).collect();
    let run = Run {
        target: mapper.target(),
        policy: RetryPolicy::DIRECT,
        max_attempts: u32::MAX,
        mode: "direct",
        source: &source.name,
        started_ms,
        ledger: bindings.ledger.as_ref(),
        metrics: bindings.metrics.as_ref(),
        call_types: &call_types,
        ctx,
        inspect: capture.is_some(),
    };
    let mut run = deliver(&run, requests).await;
    if let Some(mut capture) = capture {
        capture.mark_issues(&rejected, "rejected");
        capture.mark_issues(&skipped, "skipped");
        capture.mark_fates(&run.outcomes);
        capture.answers = std::mem::take(&mut run.answers);
        capture.retried = run.retried;
        capture.write(ctx);
    }
    let summary = DeliverySummary::direct(
        received,
        rejected,
        skipped,
        &run.outcomes,
        &message_ids,
        run.retried,
    );
    line.ledger = run.ledger;
    line.delivered = summary.delivered;
    line.rejected = Some(summary.rejected.len());
    line.pending = Some(summary.pending.len());
    line.retried = Some(run.retried);
    line.upstream_statuses = run.statuses;
    line.upstream_ms = run.durations_ms;
    if !summary.is_incomplete() {
        return Ok(json_response(200, &summary));
    }
    line.code = Some(Code::DeliveryIncomplete);
    let retry_after = sender_retry_after_secs(run.retry_after_ms);
    let mut body = serde_json::to_value(&summary).unwrap_or_else(|_| json!({}));
    body["error"] = json!({
        "code": Code::DeliveryIncomplete,
        "message": format!(
            "{} of {} events could not be delivered yet (Bloomreach did not accept them in time); send the whole request again: {}",
            summary.pending.len(),
            received,
            if line.ledger.as_ref().is_some_and(|l| l.fallback.is_none()) {
                "events already delivered are not sent twice (the delivery ledger remembers them)"
            } else {
                "events already delivered may arrive twice (at-least-once)"
            }
        ),
    });
    let mut response = json_response(503, &body);
    let _ = response
        .headers_mut()
        .set("Retry-After", &retry_after.to_string());
    Ok(response)
}

fn authenticated(auth: Result<Sender, (AuthFailure, &'static str)>) -> Result<Sender, WorkerError> {
    auth.map_err(|(failure, message)| WorkerError::Unauthorized { failure, message })
}

/// What a sender whose credentials passed must still clear: its key's allowed origins and its
/// source's rate limits.
struct Admission<'a> {
    routing: &'a Routing,
    bindings: &'a Bindings,
    ctx: &'a Context,
    started_ms: u64,
    /// The request's headers (`Origin` and `CF-Connecting-IP` are read only when they count).
    headers: &'a web_sys::Headers,
}

impl Admission<'_> {
    async fn check(
        &self,
        sender: &Sender,
        line: &mut RequestLine,
        allowed_origin: &mut Option<String>,
    ) -> Result<(), WorkerError> {
        line.auth = Some(sender.method.as_str());
        let source = &self.routing.sources[sender.source];
        // A stored configuration's source by name (the variables' one source goes unnamed).
        if self.routing.version.is_some() {
            line.source = Some(source.name.clone());
        }
        let header = |name: &str| self.headers.get(name).ok().flatten();
        // The request's origin matters only to a key that lists origins (for any other the
        // check is `Any` whatever the origin).
        let origin = match self.routing.origin_check(sender, None) {
            OriginCheck::Any => None,
            _ => header("Origin"),
        };
        let refused = match self.routing.origin_check(sender, origin.as_deref()) {
            OriginCheck::Any => None,
            OriginCheck::Allowed(origin) => {
                *allowed_origin = Some(origin);
                None
            }
            OriginCheck::Refused => Some(WorkerError::WriteKeyOriginRefused),
        };
        // Limits before the events are read as JSON or mapped: a flood costs a lookup, not a
        // delivery.
        let refused = match refused {
            Some(error) => error,
            None => match rate_limit::check(
                &self.bindings.env,
                &source.limits,
                &source.name,
                // The client's address keys only the per-client limit.
                &match source.limits.per_client {
                    Some(_) => header("CF-Connecting-IP"),
                    None => None,
                }
                .unwrap_or_else(|| "unknown".into()),
            )
            .await
            {
                Ok(()) => return Ok(()),
                Err(error) => error,
            },
        };
        // The console's overview counts it (a flood shows there), after the answer.
        let inspector = self.bindings.inspector.as_ref();
        let code = refused.code().as_str();
        if let Some(capture) = Capture::refused(
            inspector,
            source,
            self.routing.version,
            self.started_ms,
            code,
        ) {
            capture.write(self.ctx);
        }
        Err(refused)
    }
}
