//! Handling one request: route it, answer it (errors as JSON, CORS for analytics.js), and log one line about it.

use crate::config::Bindings;
use crate::error::WorkerError;
use crate::http::{error_response, preflight, with_cors};
use crate::route::Route;
use crate::{admin_route, health, ingest_route, log};
use ::worker::{Context, Date, Env, Method, Request, Response};

/// Handles one request and logs one line about it.
pub async fn handle(request: Request, env: &Env, ctx: &Context) -> Response {
    let started = Date::now().as_millis();
    let method = request.method();
    let path = request.path();
    let bindings = Bindings::read(env);
    let mut line = log::RequestLine::new(method.as_ref(), &path, bindings.delivery_mode());
    let response = match route(request, &method, &path, &bindings, ctx, started, &mut line).await {
        Ok(response) => response,
        Err(error) => {
            line.code = Some(error.code());
            error_response(&error)
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
    ctx: &Context,
    started_ms: u64,
    line: &mut log::RequestLine,
) -> Result<Response, WorkerError> {
    let route = Route::of(path).ok_or(WorkerError::NotFound)?;
    match (route, method) {
        (Route::Health, Method::Get | Method::Head) => Ok(health::respond(bindings)),
        (Route::Tracking(_) | Route::Webhook, Method::Options) => Ok(preflight()),
        (Route::Tracking(_) | Route::Webhook, Method::Post) => {
            ingest_route::ingest(request, route, bindings, ctx, started_ms, line).await
        }
        (Route::Admin(admin), _) => {
            admin_route::handle(request, admin, method, bindings, ctx, started_ms, line).await
        }
        _ => Err(WorkerError::MethodNotAllowed {
            allow: route.allow(),
        }),
    }
}
