//! The routing table: which source a request's credential picks, with that source's mapping, webhook secrets and delivery-ledger namespace; compiled from the variables (one source, `default`) or from a stored configuration version.
//!
//! Pure (secrets come in through a lookup), so it is tested on the host. Write keys are held
//! only as SHA-256 digests; a request's key is digested and looked up.

use crate::env_config::{ConfigProblem, EdgeConfig};
use crate::runtime_url::RuntimeUrl;
use crate::sender_auth::{
    decode_hex, encode_hex, write_key_from_basic, write_key_in_body, AuthFailure, AuthMethod,
    SenderCredentials,
};
use hmac::{Hmac, Mac};
use segment_bloomreach::{BatchRequest, Mapper, SettingsProblem};
use segment_bloomreach_deployment::{
    Deployment, InspectorSettings, KeyCredential, RateLimits, WriteKeyKind, DEFAULT_CLIENT_LIMIT,
    DEFAULT_SOURCE_LIMIT,
};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// The source the variables define, and the one `POST /webhook` (no source in the path) reaches.
pub const DEFAULT_SOURCE: &str = "default";

/// Why a source cannot deliver: its problems (a configuration's path, or a variable's name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SourceProblems {
    Variables(Vec<ConfigProblem>),
    Stored(Vec<SettingsProblem>),
}

/// One source, ready to take events.
#[derive(Clone, Debug)]
pub struct RoutedSource {
    pub name: String,
    pub destination: String,
    /// The source's mapping, or why it has none (a secret it names is missing, say).
    pub mapper: Result<Mapper, SourceProblems>,
    pub write_keys: Vec<RoutedKey>,
    /// The webhook's signature secret and bearer token (values), if it takes webhooks.
    pub webhook: SenderCredentials,
    /// Names this source's events in the delivery ledger.
    pub ledger_keys: LedgerKeys,
    /// The Rate Limiting bindings its requests count against.
    pub limits: SourceLimits,
    /// What the console's inspector keeps of its events.
    pub inspector: InspectorSettings,
}

/// The names of the Rate Limiting bindings a source's requests count against: one keyed by source
/// and client address, one by source alone (`None`: no such limit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLimits {
    pub per_client: Option<String>,
    pub per_source: Option<String>,
}

impl SourceLimits {
    fn of(limits: &RateLimits) -> SourceLimits {
        SourceLimits {
            per_client: limits
                .per_client
                .binding(DEFAULT_CLIENT_LIMIT)
                .map(str::to_string),
            per_source: limits
                .per_source
                .binding(DEFAULT_SOURCE_LIMIT)
                .map(str::to_string),
        }
    }
}

/// What a request's `Origin` gets from the write key it sent with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginCheck {
    /// The key lists no origins: any page may send (`Access-Control-Allow-Origin: *`).
    Any,
    /// An origin the key lists, echoed in `Access-Control-Allow-Origin`.
    Allowed(String),
    /// The key lists origins and this request's (or its lack of one) is not among them.
    Refused,
}

/// The delivery ledger's keys of one source: a command's key (`m:<messageId>…` or `h:<digest>`)
/// in its sender's namespace, as a fixed-length keyed digest (HMAC-SHA256, 128 bits as 32 hex
/// digits). Keyed with `LEDGER_KEY_SECRET`, or else the destination's `Authorization` value: no
/// sender can predict which ledger object a key lands in (and so aim a flood at one), and a
/// `messageId` of any length costs the ledger 32 bytes.
#[derive(Clone)]
pub struct LedgerKeys {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for LedgerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LedgerKeys([redacted])")
    }
}

impl LedgerKeys {
    pub fn new(secret: &str) -> LedgerKeys {
        LedgerKeys {
            mac: Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key"),
        }
    }

    /// `key` in `namespace`, digested.
    pub fn key(&self, namespace: &str, key: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(namespace.as_bytes());
        mac.update(&[0]);
        mac.update(key.as_bytes());
        encode_hex(&mac.finalize().into_bytes()[..16])
    }
}

/// A write key as the routing table holds it: its digest, never the key.
#[derive(Clone, Debug)]
pub struct RoutedKey {
    pub kind: WriteKeyKind,
    pub label: Option<String>,
    pub last4: String,
    digest: [u8; 32],
    /// The origins whose pages may send with it (browser keys); empty: any.
    pub allowed_origins: Vec<String>,
}

impl RoutedKey {
    /// The key's name in ledger keys and logs: `k` and its digest's first 12 hex digits.
    pub fn tag(&self) -> String {
        format!("k{}", encode_hex(&self.digest[..6]))
    }
}

/// Who sent a request: the source, and the credential that proved it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender {
    pub source: usize,
    pub method: AuthMethod,
    /// The credential's name in the source's ledger namespace: a write key's tag, `webhook`, or
    /// `open` (development mode).
    pub credential: String,
    /// The write key's position in its source's `write_keys` (`None`: a webhook or open sender).
    pub key: Option<usize>,
}

/// Every source of one configuration.
#[derive(Clone, Debug)]
pub struct Routing {
    /// The stored version it was compiled from; `None`: the variables.
    pub version: Option<u64>,
    pub sources: Vec<RoutedSource>,
    /// `DEV_ALLOW_UNAUTHENTICATED` (variables only): every request is the default source's.
    allow_unauthenticated: bool,
}

impl Routing {
    /// The variables' one source, `default`, and its destination, `default`.
    pub fn from_variables(config: &EdgeConfig) -> Routing {
        let senders = &config.senders;
        let write_keys = senders
            .write_key
            .iter()
            .map(|key| RoutedKey {
                kind: WriteKeyKind::Browser,
                label: Some("SEGMENT_WRITE_KEY".into()),
                last4: last4(key),
                digest: sha256(key),
                allowed_origins: Vec::new(),
            })
            .collect();
        let ledger_keys =
            ledger_keys_of(config.ledger_key_secret.as_deref(), config.mapper.as_ref());
        let source = RoutedSource {
            ledger_keys,
            inspector: InspectorSettings::default(),
            name: DEFAULT_SOURCE.into(),
            destination: DEFAULT_SOURCE.into(),
            mapper: config
                .mapper
                .clone()
                .ok_or_else(|| SourceProblems::Variables(config.problems.clone())),
            write_keys,
            webhook: SenderCredentials {
                write_key: None,
                shared_secret: senders.shared_secret.clone(),
                bearer_token: senders.bearer_token.clone(),
                allow_unauthenticated: false,
            },
            limits: SourceLimits::of(&RateLimits::default()),
        };
        Routing {
            version: None,
            sources: vec![source],
            allow_unauthenticated: senders.allow_unauthenticated,
        }
    }

    /// A stored configuration (validated) with the Worker's secrets: a source whose destination
    /// names a missing secret keeps its problem and refuses events; the others work.
    pub fn from_deployment(
        version: u64,
        deployment: &Deployment,
        secret: impl Fn(&str) -> Option<String>,
        ledger_key_secret: Option<&str>,
    ) -> Routing {
        let sources = deployment
            .sources
            .iter()
            .enumerate()
            .map(|(index, source)| {
                let destination = deployment.destination_of(source);
                let at = format!("destinations[{}]", source.destination);
                let mut problems = Vec::new();
                let mut read = |name: Option<&str>, path: String| {
                    let value = secret(name?);
                    if value.is_none() {
                        problems.push(SettingsProblem::new(
                            path,
                            format!("the Worker has no secret named {}", name.unwrap_or("")),
                        ));
                    }
                    value
                };
                let api_key = read(
                    Some(&destination.api_key_secret),
                    format!("{at}.apiKeySecret"),
                );
                let api_secret = read(
                    destination.api_secret_secret.as_deref(),
                    format!("{at}.apiSecretSecret"),
                );
                let webhook = source.webhook.as_ref();
                let shared_secret = read(
                    webhook.and_then(|w| w.shared_secret_secret.as_deref()),
                    format!("sources[{index}].webhook.sharedSecretSecret"),
                );
                let bearer_token = read(
                    webhook.and_then(|w| w.bearer_token_secret.as_deref()),
                    format!("sources[{index}].webhook.bearerTokenSecret"),
                );
                let mapper = match (api_key, problems.is_empty()) {
                    (Some(key), true) => deployment
                        .settings_for(source, &key, api_secret.as_deref(), &RuntimeUrl)
                        .map(Mapper::new)
                        .map_err(|e| SourceProblems::Stored(e.problems)),
                    _ => Err(SourceProblems::Stored(problems)),
                };
                let write_keys = source
                    .write_keys
                    .iter()
                    .map(|key| {
                        let (digest, last4) = match &key.credential {
                            KeyCredential::Plain(plain) => (sha256(plain), last4(plain)),
                            KeyCredential::Digest { sha256, last4 } => {
                                (unhex(sha256), last4.clone())
                            }
                        };
                        RoutedKey {
                            kind: key.kind,
                            label: key.label.clone(),
                            last4,
                            digest,
                            allowed_origins: key.allowed_origins.clone(),
                        }
                    })
                    .collect();
                RoutedSource {
                    ledger_keys: ledger_keys_of(ledger_key_secret, mapper.as_ref().ok()),
                    inspector: source.inspector.clone().unwrap_or_default(),
                    name: source.name.clone(),
                    destination: destination.name.clone(),
                    mapper,
                    write_keys,
                    webhook: SenderCredentials {
                        write_key: None,
                        shared_secret,
                        bearer_token,
                        allow_unauthenticated: false,
                    },
                    limits: SourceLimits::of(&source.rate_limits),
                }
            })
            .collect();
        Routing {
            version: Some(version),
            sources,
            allow_unauthenticated: false,
        }
    }

    /// The source named `name`.
    pub fn source(&self, name: &str) -> Option<usize> {
        self.sources.iter().position(|s| s.name == name)
    }

    /// The HTTP Tracking API (`/v1/*`): the write key of `Authorization: Basic base64(writeKey:)`,
    /// else of the body's `writeKey`, picks the source.
    pub fn tracking_sender(
        &self,
        authorization: Option<&str>,
        body: &str,
    ) -> Result<Sender, (AuthFailure, &'static str)> {
        if let Some(open) = self.open_sender() {
            return Ok(open);
        }
        if self.sources.iter().all(|s| s.write_keys.is_empty()) {
            return Err((
                AuthFailure::NotConfigured,
                "this Worker has no SEGMENT_WRITE_KEY, so the tracking API routes accept no sender",
            ));
        }
        let (given, method) =
            match authorization.filter(|h| !h.trim().is_empty()) {
                Some(header) => match write_key_from_basic(header) {
                    Some(key) => (key, AuthMethod::BasicWriteKey),
                    None => {
                        return Err((
                            AuthFailure::InvalidCredentials,
                            "the Authorization header must be `Basic base64(writeKey:)`",
                        ))
                    }
                },
                None => match write_key_in_body(body) {
                    Some(key) => (key, AuthMethod::BodyWriteKey),
                    None => return Err((
                        AuthFailure::MissingCredentials,
                        "send `Authorization: Basic base64(writeKey:)` or `writeKey` in the body",
                    )),
                },
            };
        let digest = sha256(&given);
        for (source, routed) in self.sources.iter().enumerate() {
            if let Some(index) = routed.write_keys.iter().position(|k| k.digest == digest) {
                return Ok(Sender {
                    source,
                    method,
                    credential: routed.write_keys[index].tag(),
                    key: Some(index),
                });
            }
        }
        Err((
            AuthFailure::InvalidCredentials,
            "the write key is not valid",
        ))
    }

    /// A webhook (`/webhook` for the default source, `/webhook/<source>`): the source's signature
    /// secret or bearer token.
    pub fn webhook_sender(
        &self,
        source_name: Option<&str>,
        authorization: Option<&str>,
        signature: Option<&str>,
        raw_body: &[u8],
    ) -> Result<Sender, (AuthFailure, &'static str)> {
        if let Some(open) = self.open_sender() {
            return Ok(open);
        }
        let name = source_name.unwrap_or(DEFAULT_SOURCE);
        let Some(source) = self.source(name) else {
            return Err(match source_name {
                // `/webhook` of a configuration with no `default` source.
                None => (
                    AuthFailure::NotConfigured,
                    "this Worker has no source named \"default\": post webhooks to /webhook/<source>",
                ),
                Some(_) => (
                    AuthFailure::NotConfigured,
                    "no source of that name takes webhooks here",
                ),
            });
        };
        let method = crate::sender_auth::check_webhook_sender(
            &self.sources[source].webhook,
            authorization,
            signature,
            raw_body,
        )?;
        Ok(Sender {
            source,
            method,
            credential: "webhook".into(),
            key: None,
        })
    }

    /// Whether `origin` (the request's `Origin` header) may send with `sender`'s write key.
    pub fn origin_check(&self, sender: &Sender, origin: Option<&str>) -> OriginCheck {
        let allowed = sender
            .key
            .and_then(|key| self.sources[sender.source].write_keys.get(key))
            .map(|key| key.allowed_origins.as_slice())
            .unwrap_or_default();
        match origin {
            _ if allowed.is_empty() => OriginCheck::Any,
            Some(origin) if allowed.iter().any(|a| a == origin) => {
                OriginCheck::Allowed(origin.to_string())
            }
            _ => OriginCheck::Refused,
        }
    }

    /// `DEV_ALLOW_UNAUTHENTICATED`: every request is the default source's, under `open`.
    fn open_sender(&self) -> Option<Sender> {
        self.allow_unauthenticated.then(|| Sender {
            source: 0,
            method: AuthMethod::Unauthenticated,
            credential: "open".into(),
            key: None,
        })
    }

    /// The ledger namespace of a sender's events: the same `messageId` under two credentials
    /// (a public browser key and a server key or the webhook) is two events.
    pub fn namespace(&self, sender: &Sender) -> String {
        format!(
            "{}/{}/",
            self.sources[sender.source].name, sender.credential
        )
    }
}

/// The variables' configuration as a document to store (`import-env`): destination and source
/// `default`, the secrets by the names the variables have, the write key as its digest. `None`
/// while the variables have problems.
pub fn variables_document(config: &EdgeConfig) -> Option<serde_json::Value> {
    let settings = config.mapper.as_ref()?.settings();
    let mut destination = serde_json::Map::new();
    destination.insert("name".into(), json!(DEFAULT_SOURCE));
    destination.insert(
        "apiBaseUrl".into(),
        json!(format!("{}/", settings.api_base_url())),
    );
    destination.insert("projectToken".into(), json!(settings.project_token()));
    destination.insert("apiKeySecret".into(), json!("BLOOMREACH_API_KEY"));
    if settings.auth_kind().starts_with("private") {
        destination.insert("apiSecretSecret".into(), json!("BLOOMREACH_API_SECRET"));
    }
    let mut source = serde_json::Map::new();
    source.insert("name".into(), json!(DEFAULT_SOURCE));
    source.insert("destination".into(), json!(DEFAULT_SOURCE));
    if let Some(key) = &config.senders.write_key {
        source.insert(
            "writeKeys".into(),
            json!([{"label": "SEGMENT_WRITE_KEY", "kind": "browser", "sha256": write_key_digest(key), "last4": last4(key)}]),
        );
    }
    let mut webhook = serde_json::Map::new();
    if config.senders.shared_secret.is_some() {
        webhook.insert("sharedSecretSecret".into(), json!("SEGMENT_SHARED_SECRET"));
    }
    if config.senders.bearer_token.is_some() {
        webhook.insert("bearerTokenSecret".into(), json!("WEBHOOK_BEARER_TOKEN"));
    }
    if !webhook.is_empty() {
        source.insert("webhook".into(), serde_json::Value::Object(webhook));
    }
    let mut own = settings.to_json_value();
    if let Some(map) = own.as_object_mut() {
        for key in ["apiBaseUrl", "apiKey", "apiSecret", "projectToken"] {
            map.shift_remove(key);
        }
    }
    source.insert("settings".into(), own);
    Some(json!({ "destinations": [destination], "sources": [source] }))
}

/// Every command's ledger key, in `namespace`: its event's keyed digest, then the command's
/// suffix (`:session_ping`, `:2`; made by the mapping, never by a sender). The core names an
/// event's commands `m:<messageId>` or `h:<digest>` and a suffix (`Mapper::build_keyed`), so one
/// digest per event names them all, and the ledger keeps an event's commands in one object
/// (`ledger::shard`). `message_ids` is the build's, by event index.
pub fn ledger_keys(
    requests: &mut [BatchRequest],
    message_ids: &[Option<Cow<str>>],
    namespace: &str,
    keys: &LedgerKeys,
) {
    let mut digests: Vec<Option<String>> = vec![None; message_ids.len()];
    for command in requests.iter_mut().flat_map(|r| r.commands.iter_mut()) {
        let Some(key) = command.ledger_key.as_mut() else {
            continue;
        };
        let message_id = message_ids
            .get(command.event_index)
            .and_then(Option::as_deref);
        let (event, suffix) = key.split_at(event_part_len(key, message_id));
        let digest = match digests.get_mut(command.event_index) {
            Some(kept) => kept
                .get_or_insert_with(|| keys.key(namespace, event))
                .clone(),
            None => keys.key(namespace, event),
        };
        *key = digest + suffix;
    }
}

/// How much of a core ledger key names its event: `m:` and the `messageId`, or `h:` and the
/// content digest's 32 hex digits; the rest is the command's suffix.
fn event_part_len(key: &str, message_id: Option<&str>) -> usize {
    match (key.strip_prefix("m:"), message_id) {
        (Some(rest), Some(id)) if rest.starts_with(id) => 2 + id.len(),
        _ if key.starts_with("h:") && key.is_char_boundary(34.min(key.len())) => 34.min(key.len()),
        _ => key.len(),
    }
}

/// `LEDGER_KEY_SECRET`, else the destination's `Authorization` (a source that cannot map sends
/// nothing, so its placeholder key names nothing).
fn ledger_keys_of(secret: Option<&str>, mapper: Option<&Mapper>) -> LedgerKeys {
    match (secret, mapper) {
        (Some(secret), _) => LedgerKeys::new(secret),
        (None, Some(mapper)) => LedgerKeys::new(&mapper.target().authorization),
        (None, None) => LedgerKeys::new(""),
    }
}

/// The SHA-256 of a write key, as stored (lowercase hex).
pub fn write_key_digest(key: &str) -> String {
    encode_hex(&sha256(key))
}

/// A write key's last 4 characters, shown instead of it.
pub fn last4(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// A digest as validated (64 lowercase hex digits) back into bytes.
fn unhex(text: &str) -> [u8; 32] {
    decode_hex(text)
        .and_then(|bytes| bytes.try_into().ok())
        .unwrap_or([0; 32])
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use serde_json::json;

    fn basic(user_pass: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_pass)
        )
    }

    fn variables(extra: &[(&str, &str)]) -> Routing {
        let mut vars = vec![
            ("BLOOMREACH_PROJECT_TOKEN", "p"),
            ("BLOOMREACH_API_KEY", "k"),
            ("BLOOMREACH_HARD_ID", "registered"),
            ("BLOOMREACH_SOFT_ID", "cookie"),
        ];
        vars.extend_from_slice(extra);
        let config = EdgeConfig::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        });
        Routing::from_variables(&config)
    }

    fn failure(result: Result<Sender, (AuthFailure, &'static str)>) -> AuthFailure {
        result.unwrap_err().0
    }

    #[test]
    fn the_variables_are_one_source_and_its_write_key_checks_as_before() {
        let r = variables(&[
            ("SEGMENT_WRITE_KEY", "wk-123"),
            ("SEGMENT_SHARED_SECRET", "shh"),
        ]);
        assert_eq!(r.version, None);
        assert_eq!(r.sources.len(), 1);
        assert_eq!(r.sources[0].name, "default");
        let sender = r.tracking_sender(Some(&basic("wk-123:")), "{}").unwrap();
        assert_eq!(
            (sender.source, sender.method),
            (0, AuthMethod::BasicWriteKey)
        );
        assert_eq!(sender.credential, r.sources[0].write_keys[0].tag());
        assert_eq!(r.sources[0].write_keys[0].last4, "-123");
        assert_eq!(
            failure(r.tracking_sender(Some(&basic("nope:")), "{}")),
            AuthFailure::InvalidCredentials
        );
        // A header that is present but wrong is not rescued by the body.
        assert_eq!(
            failure(r.tracking_sender(Some(&basic("nope:")), r#"{"writeKey":"wk-123"}"#)),
            AuthFailure::InvalidCredentials
        );
        assert_eq!(
            r.tracking_sender(None, r#"{"batch":[],"writeKey":"wk-123"}"#)
                .unwrap()
                .method,
            AuthMethod::BodyWriteKey
        );
        assert_eq!(
            failure(r.tracking_sender(None, r#"{"writeKey":"wk-12"}"#)),
            AuthFailure::InvalidCredentials
        );
        assert_eq!(
            failure(r.tracking_sender(None, "{")),
            AuthFailure::MissingCredentials
        );
        assert_eq!(
            failure(r.tracking_sender(Some(""), "{}")),
            AuthFailure::MissingCredentials
        );
        assert_eq!(
            failure(
                variables(&[("SEGMENT_SHARED_SECRET", "s")])
                    .tracking_sender(Some(&basic("x:")), "{}")
            ),
            AuthFailure::NotConfigured
        );
        let open = variables(&[("DEV_ALLOW_UNAUTHENTICATED", "true")]);
        assert_eq!(
            open.tracking_sender(None, "{}").unwrap().method,
            AuthMethod::Unauthenticated
        );
        // The webhook is the default source's, under its own credential.
        let signature = crate::sender_auth::webhook_signature("shh", b"[]");
        let hook = r
            .webhook_sender(None, None, Some(&signature), b"[]")
            .unwrap();
        assert_eq!((hook.source, hook.credential.as_str()), (0, "webhook"));
        assert_ne!(r.namespace(&hook), r.namespace(&sender));
        assert_eq!(r.namespace(&hook), "default/webhook/");
    }

    fn stored() -> Routing {
        let document = json!({
            "destinations": [
                {"name": "eu", "projectToken": "eu-project", "apiKeySecret": "KEY_EU"},
                {"name": "us", "projectToken": "us-project", "apiKeySecret": "KEY_US", "apiSecretSecret": "SECRET_US"}
            ],
            "sources": [
                {"name": "web", "destination": "eu", "writeKeys": [{"kind": "browser", "key": "web-key-1"},
                    {"kind": "browser", "key": "shop-key-2", "allowedOrigins": ["https://shop.example.com"]}],
                 "rateLimits": {"perClient": "WEB_CLIENT_LIMIT"}},
                {"name": "server", "destination": "eu", "writeKeys": [{"kind": "server", "sha256": write_key_digest("server-key-1"), "last4": "ey-1"}],
                 "settings": {"ecommerceEvents": true}},
                {"name": "crm", "destination": "us", "webhook": {"sharedSecretSecret": "CRM_SECRET"}}
            ]
        });
        let deployment = Deployment::from_json_value(&document, None, &RuntimeUrl).unwrap();
        Routing::from_deployment(
            7,
            &deployment,
            |name| (name != "SECRET_US").then(|| format!("value-of-{name}")),
            None,
        )
    }

    #[test]
    fn a_stored_configuration_routes_each_credential_to_its_source() {
        let r = stored();
        assert_eq!(r.version, Some(7));
        let web = r.tracking_sender(Some(&basic("web-key-1:")), "{}").unwrap();
        let server = r
            .tracking_sender(None, r#"{"writeKey":"server-key-1"}"#)
            .unwrap();
        assert_eq!((web.source, server.source), (0, 1));
        assert_eq!(
            r.namespace(&server),
            format!("server/{}/", r.sources[1].write_keys[0].tag())
        );
        let mapper = r.sources[1].mapper.as_ref().unwrap();
        assert!(mapper.settings().ecommerce_events());
        assert_eq!(mapper.target().authorization, "Token value-of-KEY_EU",);
        assert_eq!(
            failure(r.tracking_sender(Some(&basic("other-key:")), "{}")),
            AuthFailure::InvalidCredentials
        );
        // Webhooks by path: the source's own secret; no `default` source here.
        let signature = crate::sender_auth::webhook_signature("value-of-CRM_SECRET", b"{}");
        let crm = r
            .webhook_sender(Some("crm"), None, Some(&signature), b"{}")
            .unwrap();
        assert_eq!((crm.source, crm.credential.as_str()), (2, "webhook"));
        assert_eq!(
            failure(r.webhook_sender(Some("web"), None, Some(&signature), b"{}")),
            AuthFailure::NotConfigured
        );
        assert_eq!(
            failure(r.webhook_sender(Some("nope"), None, Some(&signature), b"{}")),
            AuthFailure::NotConfigured
        );
        assert_eq!(
            failure(r.webhook_sender(None, None, Some(&signature), b"{}")),
            AuthFailure::NotConfigured
        );
        // A missing secret stops its own source only, with the problem at its path.
        let problems = r.sources[2].mapper.as_ref().unwrap_err();
        assert_eq!(
            serde_json::to_value(problems).unwrap(),
            json!([{"field": "destinations[1].apiSecretSecret", "message": "the Worker has no secret named SECRET_US"}])
        );
        assert!(r.sources[0].mapper.is_ok());
    }

    #[test]
    fn a_key_with_allowed_origins_names_them_and_refuses_the_rest() {
        let r = stored();
        let open = r.tracking_sender(Some(&basic("web-key-1:")), "{}").unwrap();
        let shop = r
            .tracking_sender(Some(&basic("shop-key-2:")), "{}")
            .unwrap();
        let cases = [
            (&open, Some("https://anywhere.example"), OriginCheck::Any),
            (&open, None, OriginCheck::Any),
            (
                &shop,
                Some("https://shop.example.com"),
                OriginCheck::Allowed("https://shop.example.com".into()),
            ),
            (
                &shop,
                Some("https://shop.example.com:443"),
                OriginCheck::Refused,
            ),
            (&shop, Some("https://evil.example"), OriginCheck::Refused),
            (&shop, Some("null"), OriginCheck::Refused),
            (&shop, None, OriginCheck::Refused),
        ];
        for (sender, origin, expected) in cases {
            assert_eq!(r.origin_check(sender, origin), expected, "{origin:?}");
        }
        // Limits: the source's own per-client binding, the default per-source one; the
        // variables' source has both defaults.
        assert_eq!(
            r.sources[0].limits,
            SourceLimits {
                per_client: Some("WEB_CLIENT_LIMIT".into()),
                per_source: Some("INGEST_SOURCE_LIMIT".into())
            }
        );
    }

    #[test]
    fn ledger_keys_are_keyed_digests_in_the_sender_namespace() {
        let r = stored();
        let mapper = r.sources[0].mapper.as_ref().unwrap();
        let long = "m".repeat(10_000);
        let body = format!(
            r#"[{{"type":"track","event":"E","userId":"u","messageId":"m1"}},{{"type":"track","event":"E","userId":"u","messageId":"{long}"}}]"#
        );
        let keys_of = |namespace: &str, keys: &LedgerKeys| {
            let slots = mapper
                .read_body(&body, None, segment_bloomreach::IngestLimits::default())
                .unwrap();
            let mut output = mapper.build_keyed(slots);
            ledger_keys(&mut output.requests, &output.message_ids, namespace, keys);
            let commands = &output.requests[0].commands;
            commands
                .iter()
                .map(|c| c.ledger_key.clone().unwrap())
                .collect::<Vec<_>>()
        };
        let keys = &r.sources[0].ledger_keys;
        let web = keys_of("web/kabc/", keys);
        // Fixed length whatever the messageId; the same key for the same event and namespace.
        assert!(web
            .iter()
            .all(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit())));
        assert_eq!(web, keys_of("web/kabc/", keys));
        assert_eq!(web[0], keys.key("web/kabc/", "m:m1"));
        // Another credential's namespace, or another secret: other keys.
        assert_ne!(web[0], keys_of("web/webhook/", keys)[0]);
        assert_ne!(
            web[0],
            keys_of("web/kabc/", &LedgerKeys::new("another secret"))[0]
        );
        // Keyed by the destination's Authorization unless LEDGER_KEY_SECRET is set.
        let by_authorization = LedgerKeys::new(&mapper.target().authorization);
        assert_eq!(web[0], by_authorization.key("web/kabc/", "m:m1"));
        assert_eq!(format!("{keys:?}"), "LedgerKeys([redacted])");
        assert_eq!(last4("abc"), "abc");
        assert_eq!(last4("wk-1234"), "1234");
    }

    #[test]
    fn an_events_commands_are_named_by_one_digest_and_their_suffixes() {
        let r = stored();
        // The server source maps e-commerce events: an order is a purchase and one item each.
        let mapper = r.sources[1].mapper.as_ref().unwrap();
        let order = r#"{"type":"track","event":"Order Completed","userId":"u","messageId":"o:1","properties":{"order_id":"A","products":[{"product_id":"p1"},{"product_id":"p2"}]}}"#;
        let unnamed = r#"{"type":"track","event":"Order Completed","userId":"u","properties":{"order_id":"B","products":[{"product_id":"p3"}]}}"#;
        let body = format!("[{order},{unnamed}]");
        let build = || {
            let slots = mapper
                .read_body(&body, None, segment_bloomreach::IngestLimits::default())
                .unwrap();
            mapper.build_keyed(slots)
        };
        let raw: Vec<String> = build().requests[0]
            .commands
            .iter()
            .map(|c| c.ledger_key.clone().unwrap())
            .collect();
        let digest = raw[3].get(2..34).unwrap().to_string();
        assert_eq!(
            raw,
            [
                "m:o:1",
                "m:o:1:2",
                "m:o:1:3",
                &format!("h:{digest}"),
                &format!("h:{digest}:2")
            ]
        );
        let mut output = build();
        let keys = &r.sources[1].ledger_keys;
        ledger_keys(
            &mut output.requests,
            &output.message_ids,
            "server/k1/",
            keys,
        );
        let named: Vec<String> = output.requests[0]
            .commands
            .iter()
            .map(|c| c.ledger_key.clone().unwrap())
            .collect();
        let (order, unnamed) = (
            keys.key("server/k1/", "m:o:1"),
            keys.key("server/k1/", &format!("h:{digest}")),
        );
        assert_eq!(
            named,
            [
                order.clone(),
                format!("{order}:2"),
                format!("{order}:3"),
                unnamed.clone(),
                format!("{unnamed}:2")
            ]
        );
        // A key that is not its event's (none is today) is digested whole.
        assert_eq!(event_part_len("m:other", Some("o:1")), 7);
        assert_eq!(event_part_len("m:o:1:2", Some("o:1")), 5);
        assert_eq!(event_part_len("h:short", None), 7);
    }
}
