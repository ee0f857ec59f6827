//! The console's admin routes over the inspector: the overview of every source, a source's recent events (filtered, paged), its live WebSocket, and trying events on its live and an edited configuration (nothing sent).

use crate::config::Bindings;
use crate::config_admin_route::{body_object, prepare};
use crate::error::WorkerError;
use crate::http::json_response;
use crate::inspector::{EventsQuery, Summary};
use crate::inspector_object::decode;
use crate::live_config;
use crate::route::{source_in_path, AdminRoute};
use crate::routing::RoutedSource;
use crate::runtime_url::RuntimeUrl;
use ::worker::{Request, Response};
use segment_bloomreach::{IngestLimits, Mapper, SettingsProblem};
use segment_bloomreach_deployment::Deployment;
use serde_json::{json, Value};

/// What the overview says of the inspector without its binding.
const OFF: &str = "off (no EVENT_INSPECTOR binding)";
/// A placeholder API key for trying an edited configuration (nothing is sent; the
/// `Authorization` header is redacted anyway).
const PLACEHOLDER_KEY: &str = "placeholder-api-key";

/// Handles an inspector route (its caller checked the admin token and the method).
pub async fn handle(
    mut request: Request,
    route: AdminRoute,
    bindings: &Bindings,
) -> Result<Response, WorkerError> {
    // Boxed: this route's state machine does not carry a copy of the configuration's.
    let live = Box::pin(live_config::current(bindings)).await?;
    let routing = &live.routing;
    if matches!(route, AdminRoute::Overview) {
        return Ok(no_store(json_response(
            200,
            &overview(bindings, &live).await,
        )));
    }
    let path = request.path();
    let name = source_in_path(&path).ok_or(WorkerError::NotFound)?.0;
    let index = routing
        .source(name)
        .ok_or_else(|| WorkerError::SourceNotFound(name.to_string()))?;
    let source = &routing.sources[index];
    if matches!(route, AdminRoute::SourceTry) {
        let body = request
            .text()
            .await
            .map_err(|_| WorkerError::IncompleteBody)?;
        let answer = try_events(bindings, routing.version, source, &body)?;
        return Ok(no_store(json_response(200, &answer)));
    }
    let inspector = bindings.inspector.as_ref().ok_or_else(|| {
        WorkerError::InspectorUnavailable("the EVENT_INSPECTOR binding is missing".into())
    })?;
    match route {
        AdminRoute::SourceEvents => {
            let url = request.inner().url();
            let query = url.split_once('?').map_or("", |(_, q)| q);
            let query = query.split('#').next().unwrap_or("");
            EventsQuery::from_query(query, decode).map_err(|why| {
                WorkerError::InvalidAdminRequest(format!(
                    "the query is not one this route takes: {why}"
                ))
            })?;
            let page = inspector
                .events(&source.name, query)
                .await
                .map_err(WorkerError::InspectorUnavailable)?;
            Ok(no_store(json_response(200, &page)))
        }
        AdminRoute::SourceLive => {
            let upgrade = request.headers().get("Upgrade").ok().flatten();
            if !upgrade.is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
                return Err(WorkerError::InvalidAdminRequest(
                    "this route is a WebSocket: send `Upgrade: websocket`".into(),
                ));
            }
            inspector
                .live(&source.name, request)
                .await
                .map_err(WorkerError::InspectorUnavailable)
        }
        _ => Err(WorkerError::NotFound),
    }
}

fn no_store(mut response: Response) -> Response {
    let _ = response.headers_mut().set("Cache-Control", "no-store");
    response
}

/// Whether every Rate Limiting binding `source` counts against is there (none named: off).
fn rate_limited(bindings: &Bindings, source: &RoutedSource) -> bool {
    let named = [&source.limits.per_client, &source.limits.per_source];
    let mut names = named.into_iter().flatten().peekable();
    names.peek().is_some() && names.all(|name| bindings.env.rate_limiter(name).is_ok())
}

/// Every source's configuration version, cache age, bindings, inspector settings and counters,
/// and the counters of all together.
async fn overview(bindings: &Bindings, live: &live_config::Live) -> Value {
    let routing = &live.routing;
    let now = crate::clock::now_ms();
    let summaries: Vec<Result<Summary, String>> = match &bindings.inspector {
        Some(client) => {
            // One after another: a few ms each on an admin route, and no join machinery in the
            // bundle.
            let mut all = Vec::with_capacity(routing.sources.len());
            for source in &routing.sources {
                all.push(client.counters(&source.name, now).await);
            }
            all
        }
        None => routing
            .sources
            .iter()
            .map(|_| Ok(Summary::empty(now)))
            .collect(),
    };
    let mut total = Summary::empty(now);
    let mut sources = Vec::new();
    for (source, summary) in routing.sources.iter().zip(summaries) {
        let (summary, error) = match summary {
            Ok(summary) => (summary, None),
            Err(why) => (Summary::empty(now), Some(why)),
        };
        total.merge(&summary);
        let mut entry = json!({
            "name": source.name,
            "configVersion": routing.version,
            "cacheAgeSeconds": live.age_ms() as f64 / 1_000.0,
            "bindings": {
                "ledger": bindings.ledger.is_some(),
                "queue": bindings.delivery_queue.is_some(),
                "inspector": bindings.inspector.is_some(),
                "metrics": bindings.metrics.is_some(),
                "rateLimit": rate_limited(bindings, source),
            },
            "inspector": source.inspector.to_json_value(),
            "lastHour": summary.last_hour.window(),
            "lastDay": summary.last_day.window(),
        });
        if let Some(why) = error {
            entry["inspectorError"] = json!(why);
        }
        sources.push(entry);
    }
    json!({
        "inspector": if bindings.inspector.is_some() { "on" } else { OFF },
        "total": { "lastHour": total.last_hour.window(), "lastDay": total.last_day.window() },
        "sources": sources,
    })
}

/// `{"events": [...], "config"?: {...}}` → the requests the live source makes of the events, and
/// those the edited configuration's source of the same name would make (or its problems).
fn try_events(
    bindings: &Bindings,
    version: Option<u64>,
    source: &crate::routing::RoutedSource,
    body: &str,
) -> Result<Value, WorkerError> {
    const DOCS: &str = "docs/console.md";
    let refused = |why: String| {
        WorkerError::InvalidAdminRequest(format!(
            "the body is not one this route takes: {why} (see {DOCS})"
        ))
    };
    let map = body_object(body, &["events", "config"], DOCS)?;
    let events = match map.get("events") {
        Some(Value::Array(events)) if !events.is_empty() => events,
        _ => {
            return Err(refused(
                "`events` must be an array of Segment events".into(),
            ))
        }
    };
    let batch = json!({ "batch": events }).to_string();
    let mut live = match &source.mapper {
        Ok(mapper) => mapped(mapper, &batch)?,
        Err(problems) => {
            json!({ "requests": [], "rejected": [], "skipped": [], "problems": problems })
        }
    };
    live["version"] = json!(version);
    let mut answer = json!({ "live": live });
    if let Some(config) = map.get("config") {
        let edited = match prepare(bindings, config) {
            Err(WorkerError::ConfigRefused(problems)) => problems_only(problems),
            Err(other) => return Err(other),
            Ok(document) => {
                let deployment = Deployment::from_json_value(&document, None, &RuntimeUrl)
                    .map_err(WorkerError::ConfigRefused)?;
                match deployment.source(&source.name) {
                    None => problems_only(vec![SettingsProblem::new(
                        "sources",
                        format!(
                            "the edited configuration has no source named {:?}",
                            source.name
                        ),
                    )]),
                    Some(edited) => {
                        match deployment.settings_for(edited, PLACEHOLDER_KEY, None, &RuntimeUrl) {
                            Ok(settings) => {
                                let mut edited = mapped(&Mapper::new(settings), &batch)?;
                                edited["problems"] = json!([]);
                                edited
                            }
                            Err(error) => problems_only(error.problems),
                        }
                    }
                }
            }
        };
        answer["edited"] = edited;
    }
    Ok(answer)
}

fn problems_only(problems: Vec<SettingsProblem>) -> Value {
    json!({ "requests": [], "rejected": [], "skipped": [], "problems": problems })
}

/// What `mapper` makes of the batch: the requests (the `Authorization` value redacted), the
/// rejected and the skipped events.
fn mapped(mapper: &Mapper, batch: &str) -> Result<Value, WorkerError> {
    let slots = mapper
        .read_body(batch, None, IngestLimits::default())
        .map_err(WorkerError::Ingest)?;
    // The keyed build (the one ingest uses: no second copy of the build in the bundle); the
    // requests in the npm package's shape, the `Authorization` value redacted.
    let output = mapper.build_keyed(slots);
    let requests: Vec<Value> = output
        .requests
        .iter()
        .map(|r| {
            let mut request = json!({
                "method": "POST", "url": r.url,
                "headers": { "Authorization": "[redacted]", "Content-Type": "application/json" },
                "body": r.body,
                "events": r.commands.iter().map(|c| c.event_index).collect::<Vec<_>>(),
            });
            if r.has_origins() {
                request["origins"] = json!(r
                    .commands
                    .iter()
                    .map(|c| c.origin.as_deref())
                    .collect::<Vec<_>>());
            }
            request
        })
        .collect();
    Ok(json!({
        "requests": requests,
        "rejected": output.rejected,
        "skipped": output.skipped,
    }))
}
