//! Reading a configuration document into a [`Deployment`]: every problem at once, each at its path (`sources[2].settings.mappings[0].subscribe`), unknown keys with a did-you-mean.

use crate::model::{
    catalog_settings, Deployment, Destination, InspectorSettings, KeyCredential, RateLimit,
    RateLimits, Source, Webhook, WriteKey, WriteKeyKind, MAX_ALLOWED_ORIGINS, MAX_DESTINATIONS,
    MAX_INSPECTOR_HOURS, MAX_INSPECTOR_KEEP, MAX_REDACT_PATHS, MAX_SOURCES, MAX_WRITE_KEYS,
};
use crate::suggest::closest;
use segment_bloomreach::base_url::UrlParser;
use segment_bloomreach::{Settings, SettingsProblem};
use serde_json::{Map, Value};

/// The settings a source may hold (Segment's catalog keys, less the destination's).
pub const SOURCE_SETTING_KEYS: &[&str] = &[
    "exponeaHardId",
    "exponeaSoftId",
    "flattenNestedObjects",
    "trackSessionPing",
    "mappings",
    "ecommerceEvents",
    "consentCategories",
    "requiredConsentCategories",
];

/// Settings that belong to a destination, not a source.
const DESTINATION_SETTING_KEYS: &[&str] = &["apiBaseUrl", "projectToken", "apiKey", "apiSecret"];

const TOP_KEYS: &[&str] = &["destinations", "sources"];
const DESTINATION_KEYS: &[&str] = &[
    "name",
    "apiBaseUrl",
    "projectToken",
    "apiKeySecret",
    "apiSecretSecret",
];
const SOURCE_KEYS: &[&str] = &[
    "name",
    "destination",
    "writeKeys",
    "webhook",
    "settings",
    "rateLimits",
    "inspector",
];
const WRITE_KEY_KEYS: &[&str] = &["label", "kind", "key", "sha256", "last4", "allowedOrigins"];
const RATE_LIMIT_KEYS: &[&str] = &["perClient", "perSource"];
/// A source's `inspector` settings.
pub const INSPECTOR_KEYS: &[&str] = &["enabled", "keep", "hours", "redact"];
/// The Segment event fields a redacted path may start with.
pub const REDACTABLE_FIELDS: &[&str] = &[
    "anonymousId",
    "userId",
    "previousId",
    "groupId",
    "event",
    "name",
    "category",
    "properties",
    "traits",
    "context",
    "integrations",
];
const WEBHOOK_KEYS: &[&str] = &["sharedSecretSecret", "bearerTokenSecret"];

/// Whether a Worker secret of a name exists (the Worker checks its environment; offline
/// validation cannot, and passes `None`).
pub type SecretCheck<'a> = Option<&'a dyn Fn(&str) -> bool>;

/// A placeholder key for validating settings without a secret's value (never sent anywhere).
const PLACEHOLDER_KEY: &str = "placeholder-api-key";

impl Deployment {
    /// Validates a configuration document. `secrets`, when given, says which Worker secrets
    /// exist, so a name that refers to none is a problem too; `urls` is the runtime's URL parser
    /// (the settings' own, for the destinations' `apiBaseUrl`).
    pub fn from_json_value(
        value: &Value,
        secrets: SecretCheck,
        urls: &dyn UrlParser,
    ) -> Result<Deployment, Vec<SettingsProblem>> {
        let mut problems = Vec::new();
        let Some(top) = object_at(value, "configuration", &mut problems) else {
            return Err(problems);
        };
        unknown_keys(top, TOP_KEYS, "", &mut problems);
        let destinations = list_at(top, "destinations", MAX_DESTINATIONS, &mut problems);
        let destinations: Vec<Option<Destination>> = destinations
            .iter()
            .enumerate()
            .map(|(i, d)| {
                destination(
                    d,
                    &format!("destinations[{i}]"),
                    secrets,
                    urls,
                    &mut problems,
                )
            })
            .collect();
        unique_names(
            destinations
                .iter()
                .map(|d| d.as_ref().map(|d| d.name.as_str())),
            "destinations",
            &mut problems,
        );
        // Sources find their destination by the name as written, so a destination with a
        // problem of its own does not make every source that names it a second problem.
        let names: Vec<Option<&str>> = list_at(top, "destinations", usize::MAX, &mut Vec::new())
            .iter()
            .map(|d| d.get("name").and_then(Value::as_str))
            .collect();
        let sources = list_at(top, "sources", MAX_SOURCES, &mut problems);
        let sources: Vec<Option<Source>> = sources
            .iter()
            .enumerate()
            .map(|(i, s)| {
                source(
                    s,
                    &format!("sources[{i}]"),
                    &names,
                    secrets,
                    urls,
                    &mut problems,
                )
            })
            .collect();
        unique_names(
            sources.iter().map(|s| s.as_ref().map(|s| s.name.as_str())),
            "sources",
            &mut problems,
        );
        unique_write_keys(&sources, &mut problems);
        if problems.is_empty() {
            Ok(Deployment {
                destinations: destinations.into_iter().flatten().collect(),
                sources: sources.into_iter().flatten().collect(),
            })
        } else {
            Err(problems)
        }
    }
}

fn destination(
    value: &Value,
    path: &str,
    secrets: SecretCheck,
    urls: &dyn UrlParser,
    problems: &mut Vec<SettingsProblem>,
) -> Option<Destination> {
    let map = object_at(value, path, problems)?;
    unknown_keys(map, DESTINATION_KEYS, path, problems);
    let name = name_at(map, path, problems);
    let api_base_url = string_at(map, "apiBaseUrl", path, false, problems);
    let project_token = string_at(map, "projectToken", path, true, problems);
    let api_key_secret = secret_name_at(map, "apiKeySecret", path, true, secrets, problems);
    let api_secret_secret = secret_name_at(map, "apiSecretSecret", path, false, secrets, problems);
    // The URL and the project token are checked by the settings' own code.
    if let Err(error) = Settings::from_json_value_with(
        &Value::Object(catalog_settings(
            api_base_url.as_deref(),
            project_token.as_deref().unwrap_or("placeholder"),
            PLACEHOLDER_KEY,
            None,
            &Map::new(),
        )),
        urls,
    ) {
        for p in error.problems {
            if p.field == "projectToken" && project_token.is_none() {
                continue;
            }
            problems.push(SettingsProblem::new(
                format!("{path}.{}", p.field),
                p.message,
            ));
        }
    }
    Some(Destination {
        name: name?,
        api_base_url,
        project_token: project_token?,
        api_key_secret: api_key_secret?,
        api_secret_secret,
    })
}

fn source(
    value: &Value,
    path: &str,
    destinations: &[Option<&str>],
    secrets: SecretCheck,
    urls: &dyn UrlParser,
    problems: &mut Vec<SettingsProblem>,
) -> Option<Source> {
    let map = object_at(value, path, problems)?;
    unknown_keys(map, SOURCE_KEYS, path, problems);
    let name = name_at(map, path, problems);
    let destination = match string_at(map, "destination", path, true, problems) {
        None => None,
        Some(wanted) => match destinations.iter().position(|d| *d == Some(&wanted)) {
            Some(index) => Some(index),
            None => {
                let known: Vec<&str> = destinations.iter().flatten().copied().collect();
                let hint = match closest(&wanted, &known) {
                    Some(near) => format!(" (did you mean {near:?}?)"),
                    None if known.is_empty() => String::new(),
                    None => format!(" (destinations: {})", known.join(", ")),
                };
                problems.push(SettingsProblem::new(
                    format!("{path}.destination"),
                    format!("no destination is named {wanted:?}{hint}"),
                ));
                None
            }
        },
    };
    let write_keys = match map.get("writeKeys") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(keys)) => {
            if keys.len() > MAX_WRITE_KEYS {
                problems.push(SettingsProblem::new(
                    format!("{path}.writeKeys"),
                    format!("at most {MAX_WRITE_KEYS} write keys per source"),
                ));
            }
            keys.iter()
                .enumerate()
                .filter_map(|(i, k)| {
                    write_key(k, &format!("{path}.writeKeys[{i}]"), urls, problems)
                })
                .collect()
        }
        Some(other) => {
            problems.push(SettingsProblem::new(
                format!("{path}.writeKeys"),
                format!("must be an array of write keys, got {}", kind_of(other)),
            ));
            Vec::new()
        }
    };
    let webhook = match map.get("webhook") {
        None | Some(Value::Null) => None,
        Some(value) => webhook(value, &format!("{path}.webhook"), secrets, problems),
    };
    let no_keys = match map.get("writeKeys") {
        None | Some(Value::Null) => true,
        Some(Value::Array(keys)) => keys.is_empty(),
        Some(_) => false,
    };
    if no_keys && matches!(map.get("webhook"), None | Some(Value::Null)) {
        problems.push(SettingsProblem::new(
            path,
            "a source needs a way in: at least one of `writeKeys` and `webhook`",
        ));
    }
    let settings = match map.get("settings") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(settings)) => settings.clone(),
        Some(other) => {
            problems.push(SettingsProblem::new(
                format!("{path}.settings"),
                format!("must be an object of settings, got {}", kind_of(other)),
            ));
            Map::new()
        }
    };
    source_settings(&settings, &format!("{path}.settings"), urls, problems);
    let rate_limits = match map.get("rateLimits") {
        None | Some(Value::Null) => RateLimits::default(),
        Some(value) => rate_limits(value, &format!("{path}.rateLimits"), problems)?,
    };
    let inspector = match map.get("inspector") {
        None | Some(Value::Null) => None,
        Some(value) => Some(inspector(value, &format!("{path}.inspector"), problems)?),
    };
    Some(Source {
        name: name?,
        destination: destination?,
        write_keys,
        webhook,
        settings,
        rate_limits,
        inspector,
    })
}

/// A source's inspector settings: each member optional (its default), each checked.
fn inspector(
    value: &Value,
    path: &str,
    problems: &mut Vec<SettingsProblem>,
) -> Option<InspectorSettings> {
    let map = object_at(value, path, problems)?;
    unknown_keys(map, INSPECTOR_KEYS, path, problems);
    let mut settings = InspectorSettings::default();
    let before = problems.len();
    match map.get("enabled") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(on)) => settings.enabled = *on,
        Some(other) => problems.push(SettingsProblem::new(
            format!("{path}.enabled"),
            format!("must be true or false, got {}", kind_of(other)),
        )),
    }
    let mut whole = |key: &str, min: u32, max: u32, unit: &str, into: &mut u32| match map.get(key) {
        None | Some(Value::Null) => {}
        Some(value) => match value
            .as_u64()
            .filter(|n| (min as u64..=max as u64).contains(n))
        {
            Some(n) => *into = n as u32,
            None => problems.push(SettingsProblem::new(
                format!("{path}.{key}"),
                format!("must be a whole number of {unit} from {min} to {max}"),
            )),
        },
    };
    whole("keep", 0, MAX_INSPECTOR_KEEP, "events", &mut settings.keep);
    whole(
        "hours",
        1,
        MAX_INSPECTOR_HOURS,
        "hours",
        &mut settings.hours,
    );
    match map.get("redact") {
        None | Some(Value::Null) => {}
        Some(Value::Array(paths)) => {
            if paths.len() > MAX_REDACT_PATHS {
                problems.push(SettingsProblem::new(
                    format!("{path}.redact"),
                    format!("at most {MAX_REDACT_PATHS} paths"),
                ));
            }
            for (i, item) in paths.iter().enumerate() {
                let at = format!("{path}.redact[{i}]");
                match item.as_str() {
                    Some(text) => match redact_path_problem(text) {
                        Some(why) => problems.push(SettingsProblem::new(at, why)),
                        None => settings.redact.push(text.to_string()),
                    },
                    None => problems.push(SettingsProblem::new(
                        at,
                        format!(
                            "must be a dotted path (\"traits.email\"), got {}",
                            kind_of(item)
                        ),
                    )),
                }
            }
        }
        Some(other) => problems.push(SettingsProblem::new(
            format!("{path}.redact"),
            format!(
                "must be an array of dotted paths (\"traits.email\"), got {}",
                kind_of(other)
            ),
        )),
    }
    (problems.len() == before).then_some(settings)
}

/// Why a path to redact is not one (`None`: it is): dotted names into the Segment event, the
/// first a field of the event.
fn redact_path_problem(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('.').collect();
    if path.len() > 200 || segments.iter().any(|s| s.is_empty() || s.trim() != *s) {
        return Some(format!(
            "{path:?} is not a dotted path: names separated by '.', none empty, like \"traits.email\""
        ));
    }
    let first = segments[0];
    if REDACTABLE_FIELDS.contains(&first) {
        return None;
    }
    let hint = match closest(first, REDACTABLE_FIELDS) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("known: {}", REDACTABLE_FIELDS.join(", ")),
    };
    Some(format!(
        "{path:?} does not start with a field of a Segment event ({hint})"
    ))
}

/// A source's settings, checked by the npm package's settings code with a placeholder
/// destination, so only the source's own problems are reported.
fn source_settings(
    settings: &Map<String, Value>,
    path: &str,
    urls: &dyn UrlParser,
    problems: &mut Vec<SettingsProblem>,
) {
    for key in settings.keys() {
        if DESTINATION_SETTING_KEYS.contains(&key.as_str()) {
            problems.push(SettingsProblem::new(
                format!("{path}.{key}"),
                "belongs to the destination: set it on the source's destination (an API key or secret as the name of a Worker secret)",
            ));
        } else if !SOURCE_SETTING_KEYS.contains(&key.as_str()) {
            problems.push(unknown(key, SOURCE_SETTING_KEYS, path));
        }
    }
    let known: Map<String, Value> = settings
        .iter()
        .filter(|(k, _)| SOURCE_SETTING_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let catalog = catalog_settings(None, "placeholder", PLACEHOLDER_KEY, None, &known);
    if let Err(error) = Settings::from_json_value_with(&Value::Object(catalog), urls) {
        problems.extend(
            error
                .problems
                .into_iter()
                .map(|p| SettingsProblem::new(format!("{path}.{}", p.field), p.message)),
        );
    }
}

/// `rateLimits`: each of `perClient` and `perSource` the name of a Rate Limiting binding, `false`
/// for none, or absent for the default.
fn rate_limits(
    value: &Value,
    path: &str,
    problems: &mut Vec<SettingsProblem>,
) -> Option<RateLimits> {
    let map = object_at(value, path, problems)?;
    unknown_keys(map, RATE_LIMIT_KEYS, path, problems);
    let limit = |key: &str, problems: &mut Vec<SettingsProblem>| match map.get(key) {
        None | Some(Value::Null) => Some(RateLimit::Default),
        Some(Value::Bool(false)) => Some(RateLimit::Off),
        Some(Value::String(name))
            if name.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
                && name.len() <= 128
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') =>
        {
            Some(RateLimit::Binding(name.clone()))
        }
        Some(_) => {
            problems.push(SettingsProblem::new(
                format!("{path}.{key}"),
                "must be the name of a Rate Limiting binding in wrangler.toml (uppercase letters, digits and '_', like INGEST_CLIENT_LIMIT), or false for no limit",
            ));
            None
        }
    };
    let per_client = limit("perClient", problems);
    let per_source = limit("perSource", problems);
    Some(RateLimits {
        per_client: per_client?,
        per_source: per_source?,
    })
}

/// A browser key's `allowedOrigins`: each an origin as browsers send it in `Origin`
/// (`https://shop.example.com`, `http://localhost:3000`), written back in that form.
fn allowed_origins(
    value: &Value,
    path: &str,
    urls: &dyn UrlParser,
    problems: &mut Vec<SettingsProblem>,
) -> Vec<String> {
    let Value::Array(items) = value else {
        problems.push(SettingsProblem::new(
            path,
            format!("must be an array of origins, got {}", kind_of(value)),
        ));
        return Vec::new();
    };
    if items.len() > MAX_ALLOWED_ORIGINS {
        problems.push(SettingsProblem::new(
            path,
            format!("at most {MAX_ALLOWED_ORIGINS} origins per write key"),
        ));
    }
    let mut origins: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        match item.as_str().map(|text| origin_of(text, urls)) {
            Some(Ok(origin)) if origins.contains(&origin) => problems.push(SettingsProblem::new(
                at,
                format!("{origin} is listed twice"),
            )),
            Some(Ok(origin)) => origins.push(origin),
            Some(Err(why)) => problems.push(SettingsProblem::new(at, why)),
            None => problems.push(SettingsProblem::new(
                at,
                format!("must be an origin as text, got {}", kind_of(item)),
            )),
        }
    }
    origins
}

/// An origin (scheme, host and port only) as a browser serializes it, read by the WHATWG parser:
/// https, or http for a local host.
fn origin_of(text: &str, urls: &dyn UrlParser) -> Result<String, String> {
    let shape = || {
        format!("{text:?} is not an origin: write the scheme, host and port only, like \"https://shop.example.com\"")
    };
    let parts = urls.parse(text.trim()).ok_or_else(shape)?;
    let local = matches!(parts.hostname.as_str(), "localhost" | "127.0.0.1" | "[::1]");
    if parts.protocol != "https:" && !(parts.protocol == "http:" && local) {
        return Err(format!("{text:?} must use https (http only for localhost)"));
    }
    let bare = parts.username.is_empty()
        && parts.password.is_empty()
        && matches!(parts.pathname.as_str(), "" | "/")
        && parts.search.is_empty()
        && parts.hash.is_empty()
        && !text.trim().ends_with(['?', '#']);
    if !bare || parts.hostname.is_empty() {
        return Err(shape());
    }
    Ok(match parts.port.as_str() {
        "" => format!("{}//{}", parts.protocol, parts.hostname),
        port => format!("{}//{}:{port}", parts.protocol, parts.hostname),
    })
}

fn write_key(
    value: &Value,
    path: &str,
    urls: &dyn UrlParser,
    problems: &mut Vec<SettingsProblem>,
) -> Option<WriteKey> {
    let map = object_at(value, path, problems)?;
    unknown_keys(map, WRITE_KEY_KEYS, path, problems);
    let label = string_at(map, "label", path, false, problems);
    let kind = match string_at(map, "kind", path, true, problems)?.as_str() {
        "browser" => WriteKeyKind::Browser,
        "server" => WriteKeyKind::Server,
        other => {
            problems.push(SettingsProblem::new(
                format!("{path}.kind"),
                format!("must be \"browser\" (a key in web pages and apps) or \"server\", got {other:?}"),
            ));
            return None;
        }
    };
    let key = string_at(map, "key", path, false, problems);
    let sha256 = string_at(map, "sha256", path, false, problems);
    let last4 = string_at(map, "last4", path, false, problems);
    let credential = match (key, sha256, last4) {
        (Some(key), None, None) => {
            if key.chars().count() < 8 {
                problems.push(SettingsProblem::new(
                    format!("{path}.key"),
                    "is too short: a write key has at least 8 characters",
                ));
            }
            KeyCredential::Plain(key)
        }
        (None, Some(sha256), Some(last4)) => {
            if sha256.len() != 64
                || !sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                problems.push(SettingsProblem::new(
                    format!("{path}.sha256"),
                    "must be the key's SHA-256 as 64 lowercase hex digits",
                ));
            }
            if last4.chars().count() != 4 {
                problems.push(SettingsProblem::new(
                    format!("{path}.last4"),
                    "must be the key's last 4 characters",
                ));
            }
            KeyCredential::Digest { sha256, last4 }
        }
        _ => {
            problems.push(SettingsProblem::new(
                path,
                "give either `key` (the write key: only its digest is stored) or both `sha256` and `last4`",
            ));
            return None;
        }
    };
    let allowed_origins = match map.get("allowedOrigins") {
        None | Some(Value::Null) => Vec::new(),
        Some(value) if kind == WriteKeyKind::Browser => {
            allowed_origins(value, &format!("{path}.allowedOrigins"), urls, problems)
        }
        Some(_) => {
            problems.push(SettingsProblem::new(
                format!("{path}.allowedOrigins"),
                "applies to browser keys only: a server key is not sent from web pages",
            ));
            Vec::new()
        }
    };
    Some(WriteKey {
        kind,
        label,
        credential,
        allowed_origins,
    })
}

fn webhook(
    value: &Value,
    path: &str,
    secrets: SecretCheck,
    problems: &mut Vec<SettingsProblem>,
) -> Option<Webhook> {
    let map = object_at(value, path, problems)?;
    unknown_keys(map, WEBHOOK_KEYS, path, problems);
    let shared_secret_secret =
        secret_name_at(map, "sharedSecretSecret", path, false, secrets, problems);
    let bearer_token_secret =
        secret_name_at(map, "bearerTokenSecret", path, false, secrets, problems);
    if shared_secret_secret.is_none() && bearer_token_secret.is_none() {
        if !map.contains_key("sharedSecretSecret") && !map.contains_key("bearerTokenSecret") {
            problems.push(SettingsProblem::new(
                path,
                "name the Worker secret of its signature (`sharedSecretSecret`) and/or of its bearer token (`bearerTokenSecret`)",
            ));
        }
        return None;
    }
    Some(Webhook {
        shared_secret_secret,
        bearer_token_secret,
    })
}

fn unique_names<'a>(
    names: impl Iterator<Item = Option<&'a str>>,
    list: &str,
    problems: &mut Vec<SettingsProblem>,
) {
    let mut seen: Vec<&str> = Vec::new();
    for (i, name) in names.enumerate() {
        let Some(name) = name else { continue };
        if seen.contains(&name) {
            problems.push(SettingsProblem::new(
                format!("{list}[{i}].name"),
                format!("{name:?} is already the name of another of the {list}"),
            ));
        }
        seen.push(name);
    }
}

/// A write key picks its source, so one key may belong to one source only.
fn unique_write_keys(sources: &[Option<Source>], problems: &mut Vec<SettingsProblem>) {
    let mut seen: Vec<(&KeyCredential, usize)> = Vec::new();
    for (s, source) in sources.iter().enumerate() {
        let Some(source) = source else { continue };
        for (k, key) in source.write_keys.iter().enumerate() {
            let same = |c: &KeyCredential| match (c, &key.credential) {
                (KeyCredential::Plain(a), KeyCredential::Plain(b)) => a == b,
                (
                    KeyCredential::Digest { sha256: a, .. },
                    KeyCredential::Digest { sha256: b, .. },
                ) => a == b,
                _ => false,
            };
            if let Some((_, other)) = seen.iter().find(|(c, _)| same(c)) {
                problems.push(SettingsProblem::new(
                    format!("sources[{s}].writeKeys[{k}]"),
                    format!(
                        "this write key is already a key of {}: a key picks its source, so it may belong to one",
                        if *other == s { "this source".to_string() } else { format!("sources[{other}]") }
                    ),
                ));
            }
            seen.push((&key.credential, s));
        }
    }
}

fn object_at<'v>(
    value: &'v Value,
    path: &str,
    problems: &mut Vec<SettingsProblem>,
) -> Option<&'v Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map),
        other => {
            problems.push(SettingsProblem::new(
                path,
                format!("must be an object, got {}", kind_of(other)),
            ));
            None
        }
    }
}

fn list_at<'v>(
    map: &'v Map<String, Value>,
    key: &str,
    max: usize,
    problems: &mut Vec<SettingsProblem>,
) -> &'v [Value] {
    match map.get(key) {
        Some(Value::Array(items)) if !items.is_empty() => {
            if items.len() > max {
                problems.push(SettingsProblem::new(
                    key,
                    format!("at most {max} {key} in one configuration"),
                ));
            }
            items
        }
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            problems.push(SettingsProblem::new(key, "at least one is required"));
            &[]
        }
        Some(other) => {
            problems.push(SettingsProblem::new(
                key,
                format!("must be an array, got {}", kind_of(other)),
            ));
            &[]
        }
    }
}

/// A source's or destination's name: it appears in URLs (`/webhook/<source>`), ledger keys and
/// log lines, so it is short and plain.
fn name_at(
    map: &Map<String, Value>,
    path: &str,
    problems: &mut Vec<SettingsProblem>,
) -> Option<String> {
    let name = string_at(map, "name", path, true, problems)?;
    let plain = name.len() <= 63
        && name.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || (i > 0 && (b == b'-' || b == b'_'))
        });
    if !plain {
        problems.push(SettingsProblem::new(
            format!("{path}.name"),
            format!("{name:?} is not a plain name: 1–63 lowercase letters, digits, '-' and '_', starting with a letter or digit"),
        ));
        return None;
    }
    Some(name)
}

/// The name of a Worker secret (`BLOOMREACH_API_KEY_EU`): never a value.
fn secret_name_at(
    map: &Map<String, Value>,
    key: &str,
    path: &str,
    required: bool,
    secrets: SecretCheck,
    problems: &mut Vec<SettingsProblem>,
) -> Option<String> {
    let name = string_at(map, key, path, required, problems)?;
    let plain = name.len() <= 128
        && name.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !plain {
        // Never echo it: a secret's value pasted here by mistake must not reach an answer.
        problems.push(SettingsProblem::new(
            format!("{path}.{key}"),
            "must be the name of a Worker secret (uppercase letters, digits and '_', like BLOOMREACH_API_KEY_EU), not its value: `wrangler secret put NAME`, then write NAME here",
        ));
        return None;
    }
    if let Some(exists) = secrets {
        if !exists(&name) {
            problems.push(SettingsProblem::new(
                format!("{path}.{key}"),
                format!(
                    "the Worker has no secret named {name}: `wrangler secret put {name}` first"
                ),
            ));
        }
    }
    Some(name)
}

fn string_at(
    map: &Map<String, Value>,
    key: &str,
    path: &str,
    required: bool,
    problems: &mut Vec<SettingsProblem>,
) -> Option<String> {
    match map.get(key) {
        Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_string()),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            if required {
                problems.push(SettingsProblem::new(format!("{path}.{key}"), "is required"));
            }
            None
        }
        Some(other) => {
            problems.push(SettingsProblem::new(
                format!("{path}.{key}"),
                format!("must be a string, got {}", kind_of(other)),
            ));
            None
        }
    }
}

fn unknown_keys(
    map: &Map<String, Value>,
    known: &[&str],
    path: &str,
    problems: &mut Vec<SettingsProblem>,
) {
    for key in map.keys() {
        if !known.contains(&key.as_str()) {
            problems.push(unknown(key, known, path));
        }
    }
}

fn unknown(key: &str, known: &[&str], path: &str) -> SettingsProblem {
    let at = if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    };
    let hint = match closest(key, known) {
        Some(near) => format!(" (did you mean `{near}`?)"),
        None => format!(" (known: {})", known.join(", ")),
    };
    SettingsProblem::new(at, format!("unknown key{hint}"))
}

/// What a JSON value is, for messages (`got number`).
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
