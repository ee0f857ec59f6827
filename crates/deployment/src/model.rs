//! The configuration's types: destinations, sources, their credentials; written back as the stored JSON document and turned into a source's `Settings`.

use segment_bloomreach::base_url::UrlParser;
use segment_bloomreach::{Settings, SettingsError};
use serde_json::{json, Map, Value};
use std::fmt;

/// `exponeaHardId` when a source does not set it (the Worker's variables default to it too).
pub const DEFAULT_HARD_ID: &str = "registered";
/// `exponeaSoftId` when a source does not set it.
pub const DEFAULT_SOFT_ID: &str = "cookie";
/// At most this many sources in one configuration.
pub const MAX_SOURCES: usize = 100;
/// At most this many destinations in one configuration.
pub const MAX_DESTINATIONS: usize = 50;
/// At most this many write keys per source.
pub const MAX_WRITE_KEYS: usize = 20;
/// At most this many allowed origins per browser write key.
pub const MAX_ALLOWED_ORIGINS: usize = 50;
/// The Rate Limiting binding a source's requests per client address count against by default.
pub const DEFAULT_CLIENT_LIMIT: &str = "INGEST_CLIENT_LIMIT";
/// The Rate Limiting binding a source's requests in all count against by default.
pub const DEFAULT_SOURCE_LIMIT: &str = "INGEST_SOURCE_LIMIT";
/// The inspector keeps at most this many events per source.
pub const MAX_INSPECTOR_KEEP: u32 = 1_000;
/// The inspector keeps events at most this many hours.
pub const MAX_INSPECTOR_HOURS: u32 = 24;
/// At most this many paths to redact per source.
pub const MAX_REDACT_PATHS: usize = 50;

/// A validated configuration: made only by [`Deployment::from_json_value`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    pub destinations: Vec<Destination>,
    pub sources: Vec<Source>,
}

/// A Bloomreach project. Its API key and secret are the *names* of Worker secrets, never values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub name: String,
    /// As written (absent: the core's default).
    pub api_base_url: Option<String>,
    pub project_token: String,
    /// The name of the Worker secret holding the API key ID.
    pub api_key_secret: String,
    /// The name of the Worker secret holding the API secret (a private key pair), if any.
    pub api_secret_secret: Option<String>,
}

/// How events arrive: credentials, settings, and the destination they go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    /// The destination's position in [`Deployment::destinations`].
    pub destination: usize,
    pub write_keys: Vec<WriteKey>,
    pub webhook: Option<Webhook>,
    /// The source's settings as written (Segment's catalog keys, no Bloomreach credentials).
    pub settings: Map<String, Value>,
    /// The Rate Limiting bindings its requests count against.
    pub rate_limits: RateLimits,
    /// What the console's inspector keeps of its events (`None`: the defaults, not written back).
    pub inspector: Option<InspectorSettings>,
}

/// Which Workers Rate Limiting bindings hold a source to its limits: one keyed by source and
/// client address, one by source alone. A binding's limit is fixed in `wrangler.toml`, so a source
/// with other limits names other bindings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateLimits {
    pub per_client: RateLimit,
    pub per_source: RateLimit,
}

/// One of a source's limits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RateLimit {
    /// The default binding ([`DEFAULT_CLIENT_LIMIT`], [`DEFAULT_SOURCE_LIMIT`]).
    #[default]
    Default,
    /// The Rate Limiting binding of this name.
    Binding(String),
    /// No limit of this kind (`false`).
    Off,
}

impl RateLimit {
    /// The binding's name, `default` standing for [`RateLimit::Default`]; `None` when off.
    pub fn binding<'a>(&'a self, default: &'a str) -> Option<&'a str> {
        match self {
            RateLimit::Default => Some(default),
            RateLimit::Binding(name) => Some(name),
            RateLimit::Off => None,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            RateLimit::Default => Value::Null,
            RateLimit::Binding(name) => json!(name),
            RateLimit::Off => json!(false),
        }
    }
}

/// What the console's inspector keeps of a source's events: whether it keeps them at all, how
/// many and how long, and the event fields replaced by `"[redacted]"` before anything is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectorSettings {
    pub enabled: bool,
    /// The ring's size: the newest `keep` events (0..=1000).
    pub keep: u32,
    /// No event is kept longer than this (1..=24 hours).
    pub hours: u32,
    /// Dotted paths into the Segment event (`traits.email`, `context.ip`).
    pub redact: Vec<String>,
}

impl Default for InspectorSettings {
    fn default() -> Self {
        InspectorSettings {
            enabled: true,
            keep: 200,
            hours: 24,
            redact: Vec::new(),
        }
    }
}

impl InspectorSettings {
    /// As the stored document and the admin API write it.
    pub fn to_json_value(&self) -> Value {
        json!({ "enabled": self.enabled, "keep": self.keep, "hours": self.hours, "redact": self.redact })
    }
}

/// Whether a write key is public (in web pages and apps) or kept on a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKeyKind {
    Browser,
    Server,
}

impl WriteKeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteKeyKind::Browser => "browser",
            WriteKeyKind::Server => "server",
        }
    }
}

/// One Segment write key of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteKey {
    pub kind: WriteKeyKind,
    /// A name for people (shown in the console and logs instead of the key).
    pub label: Option<String>,
    pub credential: KeyCredential,
    /// Browser keys only: the origins (`https://shop.example.com`, as browsers write `Origin`)
    /// whose pages may send with it; empty: any.
    pub allowed_origins: Vec<String>,
}

/// A write key as given in a candidate (`key`), or as stored (`sha256` and `last4`).
#[derive(Clone, PartialEq, Eq)]
pub enum KeyCredential {
    /// The key itself: accepted in a candidate, replaced by its digest before anything is stored.
    Plain(String),
    /// Lowercase hex SHA-256 of the key, and its last 4 characters for display.
    Digest { sha256: String, last4: String },
}

impl fmt::Debug for KeyCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyCredential::Plain(_) => f.write_str("Plain([redacted])"),
            KeyCredential::Digest { sha256, last4 } => f
                .debug_struct("Digest")
                .field("sha256", sha256)
                .field("last4", last4)
                .finish(),
        }
    }
}

/// A source's webhook (`POST /webhook/<source>`): Worker secret names for its signature secret and
/// its bearer token (at least one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    pub shared_secret_secret: Option<String>,
    pub bearer_token_secret: Option<String>,
}

impl Deployment {
    /// The source named `name`.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// The destination `source` delivers to.
    pub fn destination_of(&self, source: &Source) -> &Destination {
        &self.destinations[source.destination]
    }

    /// `source`'s settings, validated by the same code as the npm package's: its destination's
    /// URL and project token, the API key and secret (the values of the secrets it names), the
    /// source's own settings and the shared defaults; `urls` is the runtime's URL parser.
    pub fn settings_for(
        &self,
        source: &Source,
        api_key: &str,
        api_secret: Option<&str>,
        urls: &dyn UrlParser,
    ) -> Result<Settings, SettingsError> {
        let destination = self.destination_of(source);
        Settings::from_json_value_with(
            &Value::Object(catalog_settings(
                destination.api_base_url.as_deref(),
                &destination.project_token,
                api_key,
                api_secret,
                &source.settings,
            )),
            urls,
        )
    }

    /// The document as stored: write keys as digests only (a `Plain` key is written as it is,
    /// so the caller digests keys first: see [`Deployment::plain_keys_mut`]).
    pub fn to_json_value(&self) -> Value {
        let destinations: Vec<Value> = self
            .destinations
            .iter()
            .map(|d| {
                let mut map = Map::new();
                map.insert("name".into(), json!(d.name));
                if let Some(url) = &d.api_base_url {
                    map.insert("apiBaseUrl".into(), json!(url));
                }
                map.insert("projectToken".into(), json!(d.project_token));
                map.insert("apiKeySecret".into(), json!(d.api_key_secret));
                if let Some(secret) = &d.api_secret_secret {
                    map.insert("apiSecretSecret".into(), json!(secret));
                }
                Value::Object(map)
            })
            .collect();
        let sources: Vec<Value> = self
            .sources
            .iter()
            .map(|s| {
                let mut map = Map::new();
                map.insert("name".into(), json!(s.name));
                map.insert(
                    "destination".into(),
                    json!(self.destinations[s.destination].name),
                );
                if !s.write_keys.is_empty() {
                    let keys: Vec<Value> = s.write_keys.iter().map(write_key_json).collect();
                    map.insert("writeKeys".into(), Value::Array(keys));
                }
                if let Some(webhook) = &s.webhook {
                    let mut hook = Map::new();
                    if let Some(name) = &webhook.shared_secret_secret {
                        hook.insert("sharedSecretSecret".into(), json!(name));
                    }
                    if let Some(name) = &webhook.bearer_token_secret {
                        hook.insert("bearerTokenSecret".into(), json!(name));
                    }
                    map.insert("webhook".into(), Value::Object(hook));
                }
                map.insert("settings".into(), Value::Object(s.settings.clone()));
                if s.rate_limits != RateLimits::default() {
                    let mut limits = Map::new();
                    for (key, limit) in [
                        ("perClient", &s.rate_limits.per_client),
                        ("perSource", &s.rate_limits.per_source),
                    ] {
                        if *limit != RateLimit::Default {
                            limits.insert(key.into(), limit.to_json());
                        }
                    }
                    map.insert("rateLimits".into(), Value::Object(limits));
                }
                if let Some(inspector) = &s.inspector {
                    map.insert("inspector".into(), inspector.to_json_value());
                }
                Value::Object(map)
            })
            .collect();
        json!({ "destinations": destinations, "sources": sources })
    }

    /// Every write key given as the key itself, for the caller to replace by its digest.
    pub fn plain_keys_mut(&mut self) -> impl Iterator<Item = &mut KeyCredential> {
        self.sources
            .iter_mut()
            .flat_map(|s| s.write_keys.iter_mut())
            .map(|k| &mut k.credential)
            .filter(|c| matches!(c, KeyCredential::Plain(_)))
    }

    /// Every Worker secret name the configuration refers to, each once, in order.
    pub fn secret_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        let destinations = self.destinations.iter().flat_map(|d| {
            std::iter::once(d.api_key_secret.as_str()).chain(d.api_secret_secret.as_deref())
        });
        let webhooks = self.sources.iter().filter_map(|s| s.webhook.as_ref());
        let webhooks = webhooks.flat_map(|w| {
            w.shared_secret_secret
                .as_deref()
                .into_iter()
                .chain(w.bearer_token_secret.as_deref())
        });
        for name in destinations.chain(webhooks) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }
}

/// A destination's and a source's settings as one object of Segment's catalog keys, with the
/// shared defaults for the customer IDs.
pub(crate) fn catalog_settings(
    api_base_url: Option<&str>,
    project_token: &str,
    api_key: &str,
    api_secret: Option<&str>,
    source: &Map<String, Value>,
) -> Map<String, Value> {
    let mut catalog = Map::new();
    if let Some(url) = api_base_url {
        catalog.insert("apiBaseUrl".into(), json!(url));
    }
    catalog.insert("projectToken".into(), json!(project_token));
    catalog.insert("apiKey".into(), json!(api_key));
    if let Some(secret) = api_secret {
        catalog.insert("apiSecret".into(), json!(secret));
    }
    catalog.insert("exponeaHardId".into(), json!(DEFAULT_HARD_ID));
    catalog.insert("exponeaSoftId".into(), json!(DEFAULT_SOFT_ID));
    for (key, value) in source {
        catalog.insert(key.clone(), value.clone());
    }
    catalog
}

fn write_key_json(key: &WriteKey) -> Value {
    let mut map = Map::new();
    if let Some(label) = &key.label {
        map.insert("label".into(), json!(label));
    }
    map.insert("kind".into(), json!(key.kind.as_str()));
    match &key.credential {
        KeyCredential::Plain(key) => {
            map.insert("key".into(), json!(key));
        }
        KeyCredential::Digest { sha256, last4 } => {
            map.insert("sha256".into(), json!(sha256));
            map.insert("last4".into(), json!(last4));
        }
    }
    if !key.allowed_origins.is_empty() {
        map.insert("allowedOrigins".into(), json!(key.allowed_origins));
    }
    Value::Object(map)
}
