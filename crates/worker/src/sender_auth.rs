//! Who may send events (Segment write keys, webhook signatures and bearer tokens) and who may call the admin routes (the operator's `ADMIN_TOKEN`), all compared in constant time.
//!
//! Pure (no Worker types) so it is tested on the host. Secrets are never echoed: messages name
//! what is wrong, never a value, and `Debug` of [`SenderCredentials`] is redacted.

use base64::Engine;
use hmac::{Hmac, Mac};
use segment_bloomreach::Code;
use serde::Deserialize;
use sha1::Sha1;
use std::borrow::Cow;
use std::fmt;

type HmacSha1 = Hmac<Sha1>;

/// The credentials senders must present, as configured on the Worker.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SenderCredentials {
    /// `SEGMENT_WRITE_KEY`: the HTTP Tracking API routes (`/v1/*`).
    pub write_key: Option<String>,
    /// `SEGMENT_SHARED_SECRET`: `/webhook`, `X-Signature` = hex HMAC-SHA1 of the raw body.
    pub shared_secret: Option<String>,
    /// `WEBHOOK_BEARER_TOKEN`: `/webhook`, `Authorization: Bearer <token>`.
    pub bearer_token: Option<String>,
    /// `DEV_ALLOW_UNAUTHENTICATED=true`: accept every request (local development only).
    pub allow_unauthenticated: bool,
}

impl fmt::Debug for SenderCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |set: &Option<String>| if set.is_some() { "[set]" } else { "[not set]" };
        f.debug_struct("SenderCredentials")
            .field("write_key", &shown(&self.write_key))
            .field("shared_secret", &shown(&self.shared_secret))
            .field("bearer_token", &shown(&self.bearer_token))
            .field("allow_unauthenticated", &self.allow_unauthenticated)
            .finish()
    }
}

/// How a request proved who sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    BasicWriteKey,
    BodyWriteKey,
    WebhookSignature,
    BearerToken,
    /// No check: `DEV_ALLOW_UNAUTHENTICATED` is on.
    Unauthenticated,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::BasicWriteKey => "basic_write_key",
            AuthMethod::BodyWriteKey => "body_write_key",
            AuthMethod::WebhookSignature => "webhook_signature",
            AuthMethod::BearerToken => "bearer_token",
            AuthMethod::Unauthenticated => "dev_open_mode",
        }
    }
}

/// Why a request is refused (answered 401). Codes are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    MissingCredentials,
    InvalidCredentials,
    /// The route's credential is not configured on the Worker at all.
    NotConfigured,
}

impl AuthFailure {
    pub fn code(self) -> Code {
        match self {
            AuthFailure::MissingCredentials => Code::MissingCredentials,
            AuthFailure::InvalidCredentials => Code::InvalidCredentials,
            AuthFailure::NotConfigured => Code::CredentialsNotConfigured,
        }
    }
}

/// The Webhooks route: `X-Signature` (hex HMAC-SHA1 of the raw body with the shared secret),
/// else `Authorization: Bearer <token>`.
pub fn check_webhook_sender(
    credentials: &SenderCredentials,
    authorization: Option<&str>,
    signature: Option<&str>,
    raw_body: &[u8],
) -> Result<AuthMethod, (AuthFailure, &'static str)> {
    if credentials.allow_unauthenticated {
        return Ok(AuthMethod::Unauthenticated);
    }
    if credentials.shared_secret.is_none() && credentials.bearer_token.is_none() {
        return Err((
            AuthFailure::NotConfigured,
            "this Worker has neither SEGMENT_SHARED_SECRET nor WEBHOOK_BEARER_TOKEN, so /webhook accepts no sender",
        ));
    }
    let signature = signature.filter(|s| !s.trim().is_empty());
    if let (Some(secret), Some(signature)) = (credentials.shared_secret.as_deref(), signature) {
        return if webhook_signature_valid(secret, raw_body, signature) {
            Ok(AuthMethod::WebhookSignature)
        } else {
            Err((
                AuthFailure::InvalidCredentials,
                "X-Signature is not the HMAC-SHA1 of the body with the shared secret",
            ))
        };
    }
    let bearer = authorization.and_then(bearer_token);
    match (credentials.bearer_token.as_deref(), bearer) {
        (Some(expected), Some(given)) if secrets_equal(given.as_bytes(), expected.as_bytes()) => {
            Ok(AuthMethod::BearerToken)
        }
        (Some(_), Some(_)) => Err((
            AuthFailure::InvalidCredentials,
            "the bearer token is not valid",
        )),
        _ if signature.is_some() => Err((
            AuthFailure::InvalidCredentials,
            "X-Signature was sent but this Worker has no SEGMENT_SHARED_SECRET",
        )),
        _ => Err((
            AuthFailure::MissingCredentials,
            "send `X-Signature` (hex HMAC-SHA1 of the body) or `Authorization: Bearer <token>`",
        )),
    }
}

/// `ADMIN_TOKEN`: the operator's bearer token for the admin routes. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(pub String);

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken([redacted])")
    }
}

/// Who may call the admin routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminAccess {
    /// No `ADMIN_TOKEN` is configured: the routes do not exist (404).
    Hidden,
    /// By `Authorization: Bearer <ADMIN_TOKEN>`.
    Granted,
    /// By the console's session cookie (see [`crate::session`]): changes need a same-origin `Origin`.
    GrantedBySession,
    Refused(AuthFailure, &'static str),
}

/// An admin route: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
pub fn check_admin(token: Option<&AdminToken>, authorization: Option<&str>) -> AdminAccess {
    let Some(AdminToken(expected)) = token else {
        return AdminAccess::Hidden;
    };
    match authorization.and_then(bearer_token) {
        Some(given) if secrets_equal(given.as_bytes(), expected.as_bytes()) => AdminAccess::Granted,
        Some(_) => AdminAccess::Refused(
            AuthFailure::InvalidCredentials,
            "the admin token is not valid",
        ),
        None => AdminAccess::Refused(
            AuthFailure::MissingCredentials,
            "send `Authorization: Bearer <ADMIN_TOKEN>`",
        ),
    }
}

/// An admin route from a client or the console: the bearer token, else a valid session cookie
/// (`cookie_header` is the request's `Cookie`; `now` in seconds since 1970).
pub fn check_admin_request(
    token: Option<&AdminToken>,
    authorization: Option<&str>,
    cookie_header: Option<&str>,
    now: u64,
) -> AdminAccess {
    let bearer = check_admin(token, authorization);
    let (AdminAccess::Refused(AuthFailure::MissingCredentials, _), Some(AdminToken(expected))) =
        (bearer, token)
    else {
        return bearer;
    };
    match cookie_header
        .and_then(|header| crate::session::cookie_in(header, crate::session::SESSION_COOKIE))
    {
        Some(value) if crate::session::session_expiry(expected, value, now).is_some() => {
            AdminAccess::GrantedBySession
        }
        Some(value) if !value.is_empty() => AdminAccess::Refused(
            AuthFailure::InvalidCredentials,
            "the console session is not valid or has ended: sign in again",
        ),
        _ => AdminAccess::Refused(
            AuthFailure::MissingCredentials,
            "send `Authorization: Bearer <ADMIN_TOKEN>`, or sign in to the console",
        ),
    }
}

/// The write key of `Basic base64(writeKey:)`: the user part; the password is ignored.
pub fn write_key_from_basic(header: &str) -> Option<String> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let user = text.split(':').next().unwrap_or("");
    (!user.is_empty()).then(|| user.to_string())
}

/// The token of `Bearer <token>`.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The top-level `writeKey` of a JSON body, if it has one (analytics.js and analytics-node put it there).
pub fn write_key_in_body(body: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct WriteKeyOnly<'a> {
        #[serde(rename = "writeKey", borrow, default)]
        write_key: Option<Cow<'a, str>>,
    }
    if !body.trim_start().starts_with('{') {
        return None;
    }
    serde_json::from_str::<WriteKeyOnly>(body)
        .ok()?
        .write_key
        .filter(|k| !k.is_empty())
        .map(Cow::into_owned)
}

/// Whether `signature_hex` is the hex HMAC-SHA1 of `body` keyed by `secret` (either case).
/// The comparison is constant time (`hmac`'s `verify_slice`).
pub fn webhook_signature_valid(secret: &str, body: &[u8], signature_hex: &str) -> bool {
    let Some(signature) = decode_hex(signature_hex.trim()) else {
        return false;
    };
    let mut mac = HmacSha1::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

/// The hex HMAC-SHA1 of `body` with `secret`, as Segment computes `X-Signature`.
pub fn webhook_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = HmacSha1::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    encode_hex(&mac.finalize().into_bytes())
}

/// Equality of two secrets in time independent of where they differ (and of their lengths
/// beyond one HMAC block): both are HMAC'd with a fixed key and the tags compared with `verify_slice`.
pub fn secrets_equal(given: &[u8], expected: &[u8]) -> bool {
    const KEY: &[u8] = b"segment-bloomreach sender credential comparison";
    let tag = |value: &[u8]| {
        let mut mac = HmacSha1::new_from_slice(KEY).expect("HMAC takes any key length");
        mac.update(value);
        mac
    };
    let expected_tag = tag(expected).finalize().into_bytes();
    tag(given).verify_slice(&expected_tag).is_ok()
}

/// Bytes as lowercase hex digits.
pub fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

/// Hex digits (either case) as bytes; `None` for an odd length, nothing, or a non-digit.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.is_empty() {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user_pass: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_pass)
        )
    }

    fn configured() -> SenderCredentials {
        SenderCredentials {
            write_key: Some("wk-123".into()),
            shared_secret: Some("shh".into()),
            bearer_token: Some("tok-9".into()),
            allow_unauthenticated: false,
        }
    }

    #[test]
    fn basic_write_key() {
        assert_eq!(
            write_key_from_basic(&basic("wk-123:")),
            Some("wk-123".into())
        );
        assert_eq!(
            write_key_from_basic(&basic("wk-123")),
            Some("wk-123".into())
        );
        assert_eq!(
            write_key_from_basic(&format!("basic {}", &basic("a:")[6..])),
            Some("a".into())
        );
        assert_eq!(write_key_from_basic(&basic(":pw")), None);
        assert_eq!(write_key_from_basic("Basic !!!"), None);
        assert_eq!(write_key_from_basic("Bearer abc"), None);
        assert_eq!(write_key_from_basic("Basic"), None);
    }

    #[test]
    fn webhook_signature_is_hmac_sha1_hex() {
        // RFC 2202 test case 2.
        assert_eq!(
            webhook_signature("Jefe", b"what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        let body = br#"{"type":"track","event":"A"}"#;
        let sig = webhook_signature("shh", body);
        assert!(webhook_signature_valid("shh", body, &sig));
        assert!(webhook_signature_valid("shh", body, &sig.to_uppercase()));
        assert!(!webhook_signature_valid(
            "shh",
            b"{\"type\":\"track\",\"event\":\"B\"}",
            &sig
        ));
        assert!(!webhook_signature_valid("other", body, &sig));
        assert!(!webhook_signature_valid("shh", body, &sig[..38]));
        assert!(!webhook_signature_valid("shh", body, "zz"));
    }

    #[test]
    fn webhook_sender_checks() {
        let c = configured();
        let body = b"[]";
        let sig = webhook_signature("shh", body);
        assert_eq!(
            check_webhook_sender(&c, None, Some(&sig), body),
            Ok(AuthMethod::WebhookSignature)
        );
        assert_eq!(
            check_webhook_sender(&c, None, Some("00"), body)
                .unwrap_err()
                .0,
            AuthFailure::InvalidCredentials
        );
        assert_eq!(
            check_webhook_sender(&c, Some("Bearer tok-9"), None, body),
            Ok(AuthMethod::BearerToken)
        );
        assert_eq!(
            check_webhook_sender(&c, Some("Bearer tok-8"), None, body)
                .unwrap_err()
                .0,
            AuthFailure::InvalidCredentials
        );
        assert_eq!(
            check_webhook_sender(&c, None, None, body).unwrap_err().0,
            AuthFailure::MissingCredentials
        );
        let bearer_only = SenderCredentials {
            shared_secret: None,
            ..configured()
        };
        assert_eq!(
            check_webhook_sender(&bearer_only, None, Some(&sig), body)
                .unwrap_err()
                .0,
            AuthFailure::InvalidCredentials
        );
        assert_eq!(
            check_webhook_sender(&SenderCredentials::default(), None, Some(&sig), body)
                .unwrap_err()
                .0,
            AuthFailure::NotConfigured
        );
    }

    #[test]
    fn secrets_compare_and_never_show() {
        assert!(secrets_equal(b"abc", b"abc"));
        assert!(!secrets_equal(b"abc", b"abd"));
        assert!(!secrets_equal(b"abc", b"abcd"));
        assert!(!secrets_equal(b"", b"abc"));
        let shown = format!("{:?}", configured());
        for secret in ["wk-123", "shh", "tok-9"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn admin_routes_need_the_admin_token_and_do_not_exist_without_one() {
        let token = AdminToken("adm-secret".into());
        assert_eq!(
            check_admin(None, Some("Bearer adm-secret")),
            AdminAccess::Hidden
        );
        assert_eq!(
            check_admin(Some(&token), Some("Bearer adm-secret")),
            AdminAccess::Granted
        );
        assert_eq!(
            check_admin(Some(&token), Some("bearer  adm-secret ")),
            AdminAccess::Granted
        );
        for (header, failure) in [
            (None, AuthFailure::MissingCredentials),
            (
                Some("Basic YWRtLXNlY3JldDo="),
                AuthFailure::MissingCredentials,
            ),
            (Some("Bearer adm-secreT"), AuthFailure::InvalidCredentials),
            (
                Some("Bearer adm-secret-and-more"),
                AuthFailure::InvalidCredentials,
            ),
        ] {
            assert!(
                matches!(check_admin(Some(&token), header), AdminAccess::Refused(f, _) if f == failure),
                "{header:?}"
            );
        }
        assert!(!format!("{token:?}").contains("adm-secret"));
    }

    #[test]
    fn admin_routes_take_the_session_cookie_too() {
        let token = AdminToken("adm-secret".into());
        let cookie = format!(
            "other=1; sb_session={}",
            crate::session::session_value("adm-secret", 2_000)
        );
        let check = |auth: Option<&str>, cookie: Option<&str>, now| {
            check_admin_request(Some(&token), auth, cookie, now)
        };
        assert_eq!(
            check(None, Some(&cookie), 1_999),
            AdminAccess::GrantedBySession
        );
        assert_eq!(
            check(Some("Bearer adm-secret"), Some(&cookie), 1_999),
            AdminAccess::Granted
        );
        assert!(matches!(
            check(None, Some(&cookie), 2_000),
            AdminAccess::Refused(AuthFailure::InvalidCredentials, _)
        ));
        assert!(matches!(
            check(Some("Bearer wrong"), Some(&cookie), 1_999),
            AdminAccess::Refused(AuthFailure::InvalidCredentials, _)
        ));
        assert!(matches!(
            check(None, Some("sb_session=2000.AAAA"), 1_999),
            AdminAccess::Refused(AuthFailure::InvalidCredentials, _)
        ));
        assert!(matches!(
            check(None, Some("sb_session="), 1_999),
            AdminAccess::Refused(AuthFailure::MissingCredentials, _)
        ));
        assert!(matches!(
            check(None, None, 1_999),
            AdminAccess::Refused(AuthFailure::MissingCredentials, _)
        ));
        assert_eq!(
            check_admin_request(None, None, Some(&cookie), 1_999),
            AdminAccess::Hidden
        );
    }
}
