//! The ingest routes (`/v1/*` and `/webhook`): check, authenticate, map with the core, then deliver directly or enqueue.

use super::config::Bindings;
use super::deliver::deliver;
use super::error::WorkerError;
use super::log::RequestLine;
use super::queue_producer;
use super::request_body::{check_content_type, read_limited};
use super::routes::{json_response, Route};
use crate::batch::{build_requests_with_message_ids, BuildOutput};
use crate::delivery::{sender_retry_after_secs, split_requests, DeliverySummary, RetryPolicy};
use crate::ingest::IngestLimits;
use crate::sender_auth::{check_tracking_sender, check_webhook_sender};
use ::worker::{Request, Response};
use serde_json::json;

/// Handles `POST` to an ingest route.
pub async fn ingest(
    mut request: Request,
    route: Route,
    bindings: &Bindings,
    line: &mut RequestLine,
) -> Result<Response, WorkerError> {
    let config = &bindings.config;
    let Some(settings) = config.settings.as_ref() else {
        return Err(WorkerError::ConfigInvalid(config.problems.clone()));
    };
    check_content_type(&request)?;
    let raw = read_limited(&mut request).await?;
    line.bytes = Some(raw.len());
    let header = |name: &str| request.headers().get(name).ok().flatten();
    let authorization = header("Authorization");
    let text = std::str::from_utf8(&raw);
    let auth = match route {
        Route::Webhook => check_webhook_sender(
            &config.senders,
            authorization.as_deref(),
            header("X-Signature").as_deref(),
            &raw,
        ),
        _ => check_tracking_sender(
            &config.senders,
            authorization.as_deref(),
            text.unwrap_or(""),
        ),
    };
    let method =
        auth.map_err(|(failure, message)| WorkerError::Unauthorized { failure, message })?;
    line.auth = Some(method.as_str());
    let text = text.map_err(|_| WorkerError::NotText)?;

    let implied_type = match route {
        Route::Tracking(implied) => implied,
        _ => None,
    };
    // One pass over the body, in the core's borrowed form: no `serde_json::Value` per event.
    let (
        BuildOutput {
            requests,
            rejected,
            skipped,
        },
        message_ids,
    ) = build_requests_with_message_ids(text, settings, implied_type, IngestLimits::default())?;
    let received = message_ids.len();
    let pending = split_requests(&requests).map_err(WorkerError::Internal)?;
    line.events = Some(received);
    line.rejected = Some(rejected.len());
    line.skipped = Some(skipped.len());

    if let Some(queue) = &bindings.delivery_queue {
        let events = queue_producer::group_by_event(pending, &message_ids);
        let queued = events.len();
        queue_producer::enqueue(queue, events)
            .await
            .map_err(WorkerError::EnqueueFailed)?;
        line.queued = Some(queued);
        let summary = DeliverySummary::queued(received, queued, rejected, skipped);
        return Ok(json_response(202, &summary));
    }

    let run = deliver(settings, pending, RetryPolicy::DIRECT, u32::MAX, "direct").await;
    let summary = DeliverySummary::direct(
        received,
        rejected,
        skipped,
        &run.ledger,
        &message_ids,
        run.retried,
    );
    line.delivered = summary.delivered;
    line.rejected = Some(summary.rejected.len());
    line.pending = Some(summary.pending.len());
    line.retried = Some(run.retried);
    line.upstream_statuses = run.statuses;
    if !summary.is_incomplete() {
        return Ok(json_response(200, &summary));
    }
    line.code = Some("delivery_incomplete");
    let retry_after = sender_retry_after_secs(run.retry_after_ms);
    let mut body = serde_json::to_value(&summary).unwrap_or_else(|_| json!({}));
    body["error"] = json!({
        "code": "delivery_incomplete",
        "message": format!(
            "{} of {} events could not be delivered yet (Bloomreach did not accept them in time); send the whole request again: events already delivered may arrive twice (at-least-once)",
            summary.pending.len(),
            received
        ),
    });
    let mut response = json_response(503, &body);
    let _ = response
        .headers_mut()
        .set("Retry-After", &retry_after.to_string());
    Ok(response)
}
