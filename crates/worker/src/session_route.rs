//! `/admin/session`: the console's sign-in (`POST` the admin token, get the session cookie), whether signed in (`GET`) and sign-out (`DELETE`).

use crate::config::Bindings;
use crate::error::WorkerError;
use crate::http::json_response;
use crate::log::RequestLine;
use crate::sender_auth::{check_admin_request, secrets_equal, AdminAccess, AuthFailure};
use crate::session::{
    clear_cookie, cookie_in, same_origin, session_expiry, session_value, set_cookie,
    SESSION_COOKIE, SESSION_SECONDS,
};
use crate::time_text::iso_time;
use ::worker::{Method, Request, Response};
use serde_json::{json, Value};

/// A sign-in body is `{"token": "..."}`: anything much longer is not one.
const MAX_SIGN_IN_BYTES: usize = 4096;

/// Seconds since 1970, now.
pub fn now_seconds() -> u64 {
    crate::clock::now_ms() / 1000
}

/// Handles `/admin/session` (its caller found the route; `ADMIN_TOKEN` may be unset: 404).
pub async fn handle(
    mut request: Request,
    method: &Method,
    bindings: &Bindings,
    line: &mut RequestLine,
) -> Result<Response, WorkerError> {
    let token = bindings
        .config
        .admin_token
        .as_ref()
        .ok_or(WorkerError::NotFound)?;
    let header = |name: &str| request.headers().get(name).ok().flatten();
    match method {
        Method::Post => {
            // Only the console's own page (or a client that sends no Origin) may sign in.
            if let Some(origin) = header("Origin") {
                if !same_origin(Some(&origin), &request.inner().url()) {
                    return Err(WorkerError::OriginNotAllowed);
                }
            }
            let body = request
                .text()
                .await
                .map_err(|_| WorkerError::IncompleteBody)?;
            let given = (body.len() <= MAX_SIGN_IN_BYTES)
                .then(|| serde_json::from_str::<Value>(&body).ok())
                .flatten()
                .and_then(|v| v.get("token").and_then(Value::as_str).map(str::to_owned))
                .filter(|t| !t.is_empty());
            let Some(given) = given else {
                return Err(WorkerError::Unauthorized {
                    failure: AuthFailure::MissingCredentials,
                    message: "send {\"token\": \"<ADMIN_TOKEN>\"}",
                });
            };
            if !secrets_equal(given.as_bytes(), token.0.as_bytes()) {
                return Err(WorkerError::Unauthorized {
                    failure: AuthFailure::InvalidCredentials,
                    message: "the admin token is not valid",
                });
            }
            line.auth = Some("admin_token");
            let value = session_value(&token.0, now_seconds() + SESSION_SECONDS);
            signed(set_cookie(&value))
        }
        Method::Get | Method::Head => {
            let authorization = header("Authorization");
            let cookie = header("Cookie");
            let now = now_seconds();
            match check_admin_request(
                Some(token),
                authorization.as_deref(),
                cookie.as_deref(),
                now,
            ) {
                AdminAccess::Granted => {
                    line.auth = Some("admin_token");
                    Ok(json_response(
                        200,
                        &json!({ "signedIn": true, "via": "token", "expiresAt": null }),
                    ))
                }
                AdminAccess::GrantedBySession => {
                    line.auth = Some("console_session");
                    let expires = cookie
                        .as_deref()
                        .and_then(|c| cookie_in(c, SESSION_COOKIE))
                        .and_then(|v| session_expiry(&token.0, v, now))
                        .unwrap_or(now);
                    Ok(json_response(
                        200,
                        &json!({ "signedIn": true, "via": "cookie", "expiresAt": iso_time(expires * 1_000, false) }),
                    ))
                }
                AdminAccess::Hidden => Err(WorkerError::NotFound),
                AdminAccess::Refused(failure, message) => {
                    Err(WorkerError::Unauthorized { failure, message })
                }
            }
        }
        // Signing out needs no credential: it only clears this browser's cookie.
        Method::Delete => signed(clear_cookie()),
        _ => Err(WorkerError::MethodNotAllowed {
            allow: "GET, POST, DELETE",
        }),
    }
}

/// `204` with this `Set-Cookie`.
fn signed(cookie: String) -> Result<Response, WorkerError> {
    let mut response = Response::empty()
        .map_err(|e| WorkerError::Internal(e.to_string()))?
        .with_status(204);
    let _ = response.headers_mut().set("Set-Cookie", &cookie);
    Ok(response)
}
