//! The route table: path and method → handler, CORS for analytics.js, JSON responses, one log line per request.

use super::config::Bindings;
use super::error::WorkerError;
use super::{health, ingest_route, log};
use ::worker::{Date, Env, Method, Request, Response};
use serde::Serialize;

/// What a path is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The HTTP Tracking API; the call type a single-event path implies (`None` for `/v1/batch`).
    Tracking(Option<&'static str>),
    Webhook,
    Health,
}

impl Route {
    pub fn of(path: &str) -> Option<Route> {
        // analytics.js posts to the one-letter forms (`/v1/t`, …; `/v1/b` when batching).
        Some(match path {
            "/v1/batch" | "/v1/import" | "/v1/b" => Route::Tracking(None),
            "/v1/track" | "/v1/t" => Route::Tracking(Some("track")),
            "/v1/identify" | "/v1/i" => Route::Tracking(Some("identify")),
            "/v1/page" | "/v1/p" => Route::Tracking(Some("page")),
            "/v1/screen" | "/v1/s" => Route::Tracking(Some("screen")),
            "/v1/group" | "/v1/g" => Route::Tracking(Some("group")),
            "/v1/alias" | "/v1/a" => Route::Tracking(Some("alias")),
            "/webhook" => Route::Webhook,
            "/health" => Route::Health,
            _ => return None,
        })
    }

    fn allow(self) -> &'static str {
        match self {
            Route::Health => "GET, HEAD",
            Route::Tracking(_) | Route::Webhook => "POST, OPTIONS",
        }
    }
}

/// Handles one request and logs one line about it.
pub async fn handle(request: Request, env: &Env) -> Response {
    let started = Date::now().as_millis();
    let method = request.method();
    let path = request.path();
    let bindings = Bindings::read(env);
    let mut line = log::RequestLine::new(method.as_ref(), &path, bindings.delivery_mode());
    let response = match route(request, &method, &path, &bindings, &mut line).await {
        Ok(response) => response,
        Err(error) => {
            line.code = Some(error.code());
            error.to_response()
        }
    };
    let response = with_cors(response);
    line.status = response.status_code();
    line.duration_ms = Date::now().as_millis().saturating_sub(started);
    log::emit(&line);
    response
}

async fn route(
    request: Request,
    method: &Method,
    path: &str,
    bindings: &Bindings,
    line: &mut log::RequestLine,
) -> Result<Response, WorkerError> {
    let route = Route::of(path).ok_or(WorkerError::NotFound)?;
    match (route, method) {
        (Route::Health, Method::Get | Method::Head) => Ok(health::respond(bindings)),
        (Route::Tracking(_) | Route::Webhook, Method::Options) => Ok(preflight()),
        (Route::Tracking(_) | Route::Webhook, Method::Post) => {
            ingest_route::ingest(request, route, bindings, line).await
        }
        _ => Err(WorkerError::MethodNotAllowed {
            allow: route.allow(),
        }),
    }
}

/// A JSON response with the given status.
pub fn json_response(status: u16, body: &impl Serialize) -> Response {
    match Response::from_json(body) {
        Ok(response) => response.with_status(status),
        Err(_) => Response::error("{\"error\":{\"code\":\"internal_error\",\"message\":\"the response could not be serialized\"}}", 500)
            .expect("a static error response"),
    }
}

/// analytics.js posts from browsers (as `text/plain`, with `writeKey` in the body): let it read the answer.
fn with_cors(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let _ = headers.set("Access-Control-Allow-Origin", "*");
    response
}

fn preflight() -> Response {
    let mut response = Response::empty()
        .expect("an empty response")
        .with_status(204);
    let headers = response.headers_mut();
    let _ = headers.set("Access-Control-Allow-Methods", "POST, OPTIONS");
    let _ = headers.set(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type, X-Signature",
    );
    let _ = headers.set("Access-Control-Max-Age", "86400");
    response
}
