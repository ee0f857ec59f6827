//! Handling one request: route it, answer it (errors as JSON, CORS for analytics.js), and log one line about it.

use crate::config::Bindings;
use crate::error::WorkerError;
use crate::http::{error_response, preflight, with_cors};
use crate::route::{AdminRoute, Route};
use crate::sender_auth::{check_admin, check_admin_request, AdminAccess};
use crate::session::same_origin;
use crate::{
    admin_route, config_admin_route, health, ingest_route, inspector_route, log, session_route,
};
use ::worker::{Context, Env, Method, Request, Response};

/// Handles one request and logs one line about it. The ingest routes read the runtime's request
/// as it is; the others through workers-rs's `Request` (which reads the request's `cf` object,
/// a parse of its own per request, that the ingest path never needs).
pub async fn handle(request: web_sys::Request, env: &Env, ctx: &Context) -> Response {
    let started = crate::clock::now_ms();
    let method = Method::from(request.method());
    let path = path_of(&request.url());
    let bindings = Bindings::read(env);
    let mut line = log::RequestLine::new(method.as_ref(), &path, bindings.delivery_mode());
    let routed = match Route::of(&path) {
        Some(route @ (Route::Tracking(_) | Route::Webhook)) if method == Method::Post => {
            ingest_route::ingest(request, route, &path, &bindings, ctx, started, &mut line).await
        }
        _ => {
            let request = Request::from(request);
            route(request, &method, &path, &bindings, ctx, started, &mut line).await
        }
    };
    let response = match routed {
        Ok(response) => response,
        Err(error) => {
            line.code = Some(error.code());
            error_response(&error)
        }
    };
    let mut response = with_cors(response);
    if path.starts_with("/admin/") {
        admin_headers(&mut response);
    }
    line.status = response.status_code();
    line.duration_ms = crate::clock::now_ms().saturating_sub(started);
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
        (Route::Health, Method::Get | Method::Head) => {
            let authorization = request.headers().get("Authorization").ok().flatten();
            let detailed = matches!(
                check_admin(
                    bindings.config.admin_token.as_ref(),
                    authorization.as_deref()
                ),
                AdminAccess::Granted
            );
            Ok(health::respond(bindings, detailed).await)
        }
        (Route::Tracking(_) | Route::Webhook, Method::Options) => Ok(preflight()),
        (Route::Admin(AdminRoute::Session), _) => {
            Box::pin(session_route::handle(request, method, bindings, line)).await
        }
        (Route::Admin(admin), _) => {
            check_admin_access(&request, method, bindings, line)?;
            if !route.allow().split(", ").any(|m| m == method.as_ref()) {
                return Err(WorkerError::MethodNotAllowed {
                    allow: route.allow(),
                });
            }
            match admin {
                // Boxed: each admin route's state machine stays out of the ingest path's, which
                // keeps the bundle smaller (they are rare, so the allocation costs nothing).
                AdminRoute::DeadLetters | AdminRoute::Replay | AdminRoute::Discard => {
                    Box::pin(admin_route::handle(
                        request, admin, bindings, ctx, started_ms, line,
                    ))
                    .await
                }
                AdminRoute::Overview
                | AdminRoute::SourceEvents
                | AdminRoute::SourceLive
                | AdminRoute::SourceTry => {
                    Box::pin(inspector_route::handle(request, admin, bindings)).await
                }
                _ => {
                    Box::pin(config_admin_route::handle(
                        request, admin, method, bindings, line,
                    ))
                    .await
                }
            }
        }
        _ => Err(WorkerError::MethodNotAllowed {
            allow: route.allow(),
        }),
    }
}

/// The admin routes: `Authorization: Bearer <ADMIN_TOKEN>` or the console's session cookie (a
/// change by cookie only from the Worker's own origin); without an `ADMIN_TOKEN` they do not
/// exist (404).
fn check_admin_access(
    request: &Request,
    method: &Method,
    bindings: &Bindings,
    line: &mut log::RequestLine,
) -> Result<(), WorkerError> {
    let header = |name: &str| request.headers().get(name).ok().flatten();
    match check_admin_request(
        bindings.config.admin_token.as_ref(),
        header("Authorization").as_deref(),
        header("Cookie").as_deref(),
        session_route::now_seconds(),
    ) {
        AdminAccess::Hidden => Err(WorkerError::NotFound),
        AdminAccess::Refused(failure, message) => {
            Err(WorkerError::Unauthorized { failure, message })
        }
        AdminAccess::Granted => {
            line.auth = Some("admin_token");
            Ok(())
        }
        AdminAccess::GrantedBySession => {
            line.auth = Some("console_session");
            // A change, or a WebSocket handshake (a page of any site may open one, and the browser
            // adds the cookie wherever SameSite lets it), must come from the Worker's own page.
            let socket = header("Upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
            let safe = matches!(method, Method::Get | Method::Head) && !socket;
            if !safe && !same_origin(header("Origin").as_deref(), &request.inner().url()) {
                return Err(WorkerError::OriginNotAllowed);
            }
            Ok(())
        }
    }
}

/// Every admin answer: never cached, and a 401 challenges for a bearer token (a `Basic`
/// challenge would make browsers prompt for a password over the console).
fn admin_headers(response: &mut Response) {
    let headers = response.headers_mut();
    let _ = headers.set("Cache-Control", "no-store");
    if headers.has("WWW-Authenticate").unwrap_or(false) {
        let _ = headers.set(
            "WWW-Authenticate",
            "Bearer realm=\"segment-bloomreach admin\"",
        );
    }
}

/// The path of a request's URL as the runtime serializes it (absolute, so the first `/` after
/// the host starts the path, and `?` and `#` inside it are percent-encoded): what workers-rs's
/// `Request::path` gives.
fn path_of(url: &str) -> String {
    let Some(host_start) = url.find("://").map(|i| i + 3) else {
        return if url.starts_with('/') {
            url.to_string()
        } else {
            format!("/{url}")
        };
    };
    match url[host_start..].find('/') {
        Some(i) => {
            let path = &url[host_start + i..];
            path[..path.find(['?', '#']).unwrap_or(path.len())].to_string()
        }
        None => "/".to_string(),
    }
}
