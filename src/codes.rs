//! The one registry of public codes: every error, rejection and skip code the program can give, with its HTTP status and meaning.
//!
//! The string forms are part of the public contract (JSON answers, thrown errors, log lines).
//! The Codes chapter's tables (`docs/codes.md`) are checked against [`Code::ALL`] by a test, so a code cannot be
//! added, renamed or dropped without the documentation following.

use serde::{Serialize, Serializer};
use std::fmt;

/// Where a code appears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// One event is rejected; the others in its batch go on.
    EventRejected,
    /// One event is skipped by design (not an error).
    EventSkipped,
    /// The whole request body cannot be read (nothing in it is mapped).
    Body,
    /// The request is refused before its body is read, or delivery could not finish.
    Request,
    /// A call of the npm package is refused (thrown as an `Error` with this `code`).
    Api,
}

macro_rules! codes {
    ($( $variant:ident = $text:literal, $kind:ident, $status:expr, $about:literal; )*) => {
        /// A stable public code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $( #[doc = $about] $variant, )*
        }

        impl Code {
            /// Every code, in the order of the Codes chapter's tables (docs/codes.md).
            pub const ALL: &'static [Code] = &[$( Code::$variant, )*];

            /// The code as it appears in JSON, errors and logs.
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )* }
            }

            pub const fn kind(self) -> CodeKind {
                match self { $( Code::$variant => CodeKind::$kind, )* }
            }

            /// The HTTP status of a Worker answer that carries this code, where one applies
            /// (an event's rejection or skip is reported inside a 200 or 202 answer).
            pub const fn http_status(self) -> Option<u16> {
                match self { $( Code::$variant => $status, )* }
            }

            /// What the code means, for a person.
            pub const fn description(self) -> &'static str {
                match self { $( Code::$variant => $about, )* }
            }
        }
    };
}

codes! {
    // One event rejected.
    InvalidEvent = "invalid_event", EventRejected, None,
        "not a JSON object; a field of the wrong type; over 32 KB of JSON; nested deeper than 128 levels; a `__proto__` key";
    UnsupportedType = "unsupported_type", EventRejected, None,
        "`type` missing, unknown, or not a string";
    MissingIdentity = "missing_identity", EventRejected, None,
        "neither `userId` nor `anonymousId`";
    InvalidIdentity = "invalid_identity", EventRejected, None,
        "`userId` / `anonymousId` / `previousId` not a string or number";
    InvalidTimestamp = "invalid_timestamp", EventRejected, None,
        "a time that is not ISO-8601 with an offset, nor a number in years 1-9999";
    MissingEventName = "missing_event_name", EventRejected, None,
        "track without `event`, or with an empty one";
    MissingPreviousId = "missing_previous_id", EventRejected, None,
        "alias with `userId` but no `previousId`";
    MissingGroupId = "missing_group_id", EventRejected, None,
        "group without `groupId`";
    BloomreachRejected = "bloomreach_rejected", EventRejected, None,
        "Bloomreach refused one of the event's commands for good";
    MappingFailed = "mapping_failed", EventRejected, None,
        "a rule's mapping value failed on the event or gave the wrong type (naming the rule and the field); from the npm package's `transform`, a mapping that fails on this payload";
    DeliveryPending = "delivery_pending", EventRejected, None,
        "the event is not delivered yet (Worker, direct mode), or not queued yet (queue mode): the sender must send the request again";
    CommandTooLarge = "command_too_large", EventRejected, None,
        "Worker, queue mode: one of the event's commands alone is over what one queue message carries (120,000 bytes)";
    // One event skipped.
    OptedOut = "opted_out", EventSkipped, None,
        "the event's `integrations` turn this destination off";
    AliasWithoutUserId = "alias_without_user_id", EventSkipped, None,
        "alias without `userId`: nothing to merge `previousId` into";
    NoCommands = "no_commands", EventSkipped, None,
        "the rules that took the event made no command of it (an empty `forEach`)";
    ConsentDenied = "consent_denied", EventSkipped, None,
        "the event's `context.consent.categoryPreferences` does not grant every category of `requiredConsentCategories`";
    ConsentUnmapped = "consent_unmapped", EventSkipped, None,
        "a `Segment Consent Preference Updated` event with no category of `consentCategories` set to true or false: no Bloomreach `consent` event to send";
    // The body.
    InvalidJson = "invalid_json", Body, Some(400),
        "the body is not JSON (with `line` and `column`), or not UTF-8 text";
    InvalidBody = "invalid_body", Body, Some(400),
        "JSON, but not an event, an array of events or `{\"batch\": [...]}`";
    TooManyEvents = "too_many_events", Body, Some(400),
        "more than 2,500 events in one body";
    EmptyBody = "empty_body", Body, Some(400),
        "the body is empty";
    IncompleteBody = "incomplete_body", Body, Some(400),
        "the body ended before `Content-Length` bytes arrived";
    PayloadTooLarge = "payload_too_large", Body, Some(413),
        "the body is over 500 KB";
    UnsupportedMediaType = "unsupported_media_type", Body, Some(415),
        "the body is not `application/json` (or `text/plain`, as analytics.js sends)";
    // The request.
    NotFound = "not_found", Request, Some(404),
        "no such route";
    MethodNotAllowed = "method_not_allowed", Request, Some(405),
        "the route takes another method (the answer has `Allow`)";
    MissingCredentials = "missing_credentials", Request, Some(401),
        "no write key, signature or bearer token";
    InvalidCredentials = "invalid_credentials", Request, Some(401),
        "a write key, signature or bearer token that does not match";
    CredentialsNotConfigured = "credentials_not_configured", Request, Some(401),
        "the route's credential is not configured on the Worker";
    OriginNotAllowed = "origin_not_allowed", Request, Some(403),
        "refused for its `Origin`: a browser write key that lists the origins whose pages may send with it (`allowedOrigins`) got a request from another origin or none; or a change made with the console's session cookie came without this Worker's own `Origin` (cross-site request refused)";
    RateLimited = "rate_limited", Request, Some(429),
        "the source's requests from this client (or from all clients) are over their limit (with `Retry-After`): send again later";
    ConfigInvalid = "config_invalid", Request, Some(503),
        "the Worker's configuration is invalid (with `problems`); from the npm package's `validateConfig`, a configuration document with problems, each at its path";
    EnqueueFailed = "enqueue_failed", Request, Some(503),
        "the delivery queue refused some events (with `queued` and `pending`): send the request again";
    DeliveryIncomplete = "delivery_incomplete", Request, Some(503),
        "some events are not delivered yet (with `pending`): send the request again";
    LedgerUnavailable = "ledger_unavailable", Request, Some(503),
        "an admin route needs the delivery ledger (`DELIVERY_LEDGER`), which is not bound or did not answer";
    InvalidAdminRequest = "invalid_admin_request", Request, Some(400),
        "an admin route's query or body is not one it takes";
    ConfigUnavailable = "config_unavailable", Request, Some(503),
        "the configuration store did not answer and this isolate has no copy of the configuration yet (or an admin route needs the store, `CONFIG_STORE`, which is not bound or did not answer): retry";
    ConfigRefused = "config_refused", Request, Some(400),
        "a configuration sent to the admin API has problems (with `problems`, each at its path); nothing was stored";
    ConfigConflict = "config_conflict", Request, Some(409),
        "the live configuration version is not the `baseVersion` the change started from (with `live`): pull, then push again";
    VersionNotFound = "version_not_found", Request, Some(404),
        "no configuration version has that number";
    SourceNotFound = "source_not_found", Request, Some(404),
        "an admin route names a source the live configuration does not have";
    InspectorUnavailable = "inspector_unavailable", Request, Some(503),
        "an admin route needs the console's inspector (`EVENT_INSPECTOR`), which is not bound or did not answer";
    InternalError = "internal_error", Request, Some(500),
        "a bug: the Worker could not answer (logged with its message)";
    // The npm package.
    InvalidSettings = "invalid_settings", Api, None,
        "settings rejected, with every problem listed";
    InvalidRequest = "invalid_request", Api, None,
        "`readResponse` got a request whose body is not a batch body";
    InvalidMapping = "invalid_mapping", Api, None,
        "`transform` or `validateMapping` got a mapping Segment's mapping-kit would reject (or a `@liquid` one), with every problem listed";
    InvalidSubscription = "invalid_subscription", Api, None,
        "`matchesSubscription` got an FQL query that cannot be parsed, or one Segment's parser reads only by skipping parts of it";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_statuses_fit_their_kind() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{text}"
            );
            assert!(!code.description().is_empty());
            match code.kind() {
                CodeKind::Body | CodeKind::Request => assert!(code.http_status().is_some()),
                _ => assert!(code.http_status().is_none(), "{text}"),
            }
        }
    }
}
