//! Destination settings: parsed from Segment's catalog keys and validated once into a typed struct.

#[cfg(not(target_arch = "wasm32"))]
use crate::base_url::UrlCrate;
use crate::base_url::{self, UrlParser};
use base64::Engine;
use segment_bloomreach_rules::{key_path, RuleSet};
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;

pub const DEFAULT_API_BASE_URL: &str = "https://api.exponea.com/";

/// Validated settings: made only by [`Settings::from_json_value`] or [`Settings::from_json`], so
/// every `Settings` value has passed validation. Secrets are kept out of `Debug`.
#[derive(Clone)]
pub struct Settings {
    /// Normalized: no trailing `/`.
    api_base_url: String,
    api_key: String,
    api_secret: Option<String>,
    project_token: String,
    hard_id: String,
    soft_id: String,
    flatten_nested_objects: bool,
    track_session_ping: bool,
    /// The `mappings` setting as given (`[]` when absent), and compiled.
    mappings: Value,
    rules: Arc<RuleSet>,
    /// The presets (docs/presets.md): Segment's E-commerce spec as Bloomreach's standard events.
    ecommerce_events: bool,
    /// Segment category ID → Bloomreach consent category ID (each a string), in the order given.
    consent_categories: Map<String, Value>,
    /// Segment category IDs an event's `categoryPreferences` must all grant.
    required_consent_categories: Vec<String>,
}

impl PartialEq for Settings {
    /// The same settings: the compiled rules follow from `mappings`.
    fn eq(&self, other: &Self) -> bool {
        self.api_base_url == other.api_base_url
            && self.api_key == other.api_key
            && self.api_secret == other.api_secret
            && self.project_token == other.project_token
            && self.hard_id == other.hard_id
            && self.soft_id == other.soft_id
            && self.flatten_nested_objects == other.flatten_nested_objects
            && self.track_session_ping == other.track_session_ping
            && self.mappings == other.mappings
            && self.ecommerce_events == other.ecommerce_events
            && self.consent_categories == other.consent_categories
            && self.required_consent_categories == other.required_consent_categories
    }
}

impl Eq for Settings {}

/// One thing wrong with the settings, named by its catalog key (or the path inside it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingsProblem {
    pub field: String,
    pub message: String,
}

impl SettingsProblem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> SettingsProblem {
        SettingsProblem {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every problem found in a settings object, reported at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError {
    pub problems: Vec<SettingsProblem>,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid settings: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", p.field, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for SettingsError {}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("api_base_url", &self.api_base_url)
            .field("api_key", &"[redacted]")
            .field(
                "api_secret",
                &self.api_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("project_token", &self.project_token)
            .field("hard_id", &self.hard_id)
            .field("soft_id", &self.soft_id)
            .field("flatten_nested_objects", &self.flatten_nested_objects)
            .field("track_session_ping", &self.track_session_ping)
            .field("rules", &self.rules.rules().len())
            .field("ecommerce_events", &self.ecommerce_events)
            .field("consent_categories", &self.consent_categories)
            .field(
                "required_consent_categories",
                &self.required_consent_categories,
            )
            .finish()
    }
}

/// Where every request for one set of settings goes, and the `Authorization` it carries.
/// `Debug` hides the `Authorization` value.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestTarget {
    pub url: String,
    pub authorization: String,
}

impl fmt::Debug for RequestTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestTarget")
            .field("url", &self.url)
            .field("authorization", &"[redacted]")
            .finish()
    }
}

impl Settings {
    /// The API base URL, without a trailing `/`.
    pub fn api_base_url(&self) -> &str {
        &self.api_base_url
    }

    pub fn project_token(&self) -> &str {
        &self.project_token
    }

    /// The customer ID name `userId` maps to.
    pub fn hard_id(&self) -> &str {
        &self.hard_id
    }

    /// The customer ID name `anonymousId` maps to.
    pub fn soft_id(&self) -> &str {
        &self.soft_id
    }

    pub fn flatten_nested_objects(&self) -> bool {
        self.flatten_nested_objects
    }

    pub fn track_session_ping(&self) -> bool {
        self.track_session_ping
    }

    /// The `mappings` setting, compiled: the user's rules, in order (empty when none).
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// `ecommerceEvents`: Segment's E-commerce events become Bloomreach's standard events.
    pub fn ecommerce_events(&self) -> bool {
        self.ecommerce_events
    }

    /// `consentCategories`: Segment category ID → Bloomreach consent category ID (each value a
    /// string), in the order given.
    pub fn consent_categories(&self) -> &Map<String, Value> {
        &self.consent_categories
    }

    /// `requiredConsentCategories`: the Segment categories every event's preferences must grant.
    pub fn required_consent_categories(&self) -> &[String] {
        &self.required_consent_categories
    }

    /// Whether a preset is on (each needs events read as trees, and the mapper's stages).
    pub fn presets_on(&self) -> bool {
        self.ecommerce_events
            || !self.consent_categories.is_empty()
            || !self.required_consent_categories.is_empty()
    }

    /// Validates a settings object with Segment's catalog keys (unknown keys are ignored), its
    /// `apiBaseUrl` read by the host's WHATWG parser (the `url` crate). Not in wasm builds: there
    /// the shell passes the runtime's `URL` to [`Settings::from_json_value_with`].
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_json_value(value: &Value) -> Result<Settings, SettingsError> {
        Settings::from_json_value_with(value, &UrlCrate)
    }

    /// Parses and validates settings given as JSON text (see [`Settings::from_json_value`]).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_json(text: &str) -> Result<Settings, SettingsError> {
        Settings::from_json_with(text, &UrlCrate)
    }

    /// Validates a settings object with Segment's catalog keys; unknown keys are ignored. `urls`
    /// reads `apiBaseUrl` (a WHATWG URL parser: see [`base_url`]).
    pub fn from_json_value_with(
        value: &Value,
        urls: &dyn UrlParser,
    ) -> Result<Settings, SettingsError> {
        let Some(map) = value.as_object() else {
            return Err(SettingsError {
                problems: vec![SettingsProblem::new(
                    "settings",
                    format!(
                        "settings must be a JSON object, got {}",
                        crate::error::kind_of(value)
                    ),
                )],
            });
        };
        let mut problems = Vec::new();
        let api_base_url = match optional_string(map, "apiBaseUrl", &mut problems) {
            Some(url) => match base_url::check(&url, urls) {
                Ok(url) => Some(url),
                Err(why) => {
                    problems.push(SettingsProblem::new(
                        "apiBaseUrl",
                        format!("{why} (e.g. {DEFAULT_API_BASE_URL})"),
                    ));
                    None
                }
            },
            None => Some(DEFAULT_API_BASE_URL.trim_end_matches('/').to_string()),
        };
        let api_key = required_string(map, "apiKey", &mut problems);
        let api_secret = optional_string(map, "apiSecret", &mut problems);
        let project_token = required_string(map, "projectToken", &mut problems);
        if let Some(token) = &project_token {
            if !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                problems.push(SettingsProblem::new(
                    "projectToken",
                    "must contain only letters, digits and '-' (it is a URL path segment)",
                ));
            }
        }
        let hard_id = required_string(map, "exponeaHardId", &mut problems);
        let soft_id = required_string(map, "exponeaSoftId", &mut problems);
        if let (Some(h), Some(s)) = (&hard_id, &soft_id) {
            if h == s {
                problems.push(SettingsProblem::new(
                    "exponeaSoftId",
                    format!(
                        "must differ from exponeaHardId (both are {h:?}): userId and anonymousId would overwrite each other"
                    ),
                ));
            }
        }
        let flatten_nested_objects = optional_bool(map, "flattenNestedObjects", &mut problems);
        let track_session_ping = optional_bool(map, "trackSessionPing", &mut problems);
        let mappings = match map.get("mappings") {
            None | Some(Value::Null) => Value::Array(Vec::new()),
            Some(mappings) => mappings.clone(),
        };
        let rules = match RuleSet::compile(&mappings) {
            Ok(rules) => {
                for (index, rule) in rules.rules().iter().enumerate() {
                    if is_reserved_rule_name(&rule.name) {
                        problems.push(SettingsProblem::new(
                            format!("mappings[{index}].name"),
                            format!(
                                "{:?} is a preset's `origins` label (\"consent\" and \"ecommerce: …\" are the presets'): give the rule another name, so each command's origin says what made it",
                                rule.name
                            ),
                        ));
                    }
                }
                rules
            }
            Err(found) => {
                problems.extend(
                    found
                        .into_iter()
                        .map(|p| SettingsProblem::new(p.path, p.message)),
                );
                RuleSet::default()
            }
        };
        let ecommerce_events = optional_bool(map, "ecommerceEvents", &mut problems);
        let consent_categories = consent_categories(map, &mut problems);
        let required_consent_categories = required_consent_categories(map, &mut problems);

        match (api_base_url, api_key, project_token, hard_id, soft_id) {
            (
                Some(api_base_url),
                Some(api_key),
                Some(project_token),
                Some(hard_id),
                Some(soft_id),
            ) if problems.is_empty() => Ok(Settings {
                api_base_url,
                api_key,
                api_secret,
                project_token,
                hard_id,
                soft_id,
                flatten_nested_objects,
                track_session_ping,
                mappings,
                rules: Arc::new(rules),
                ecommerce_events,
                consent_categories,
                required_consent_categories,
            }),
            _ => Err(SettingsError { problems }),
        }
    }

    /// Parses and validates settings given as JSON text, `apiBaseUrl` read by `urls`.
    pub fn from_json_with(text: &str, urls: &dyn UrlParser) -> Result<Settings, SettingsError> {
        match serde_json::from_str::<Value>(text) {
            Ok(value) => Settings::from_json_value_with(&value, urls),
            Err(e) => Err(SettingsError {
                problems: vec![SettingsProblem::new(
                    "settings",
                    format!("settings are not valid JSON: {e}"),
                )],
            }),
        }
    }

    /// The settings back in Segment's catalog keys, normalized (includes the secrets:
    /// this is for the caller who supplied them, never for a log).
    pub fn to_json_value(&self) -> Value {
        let mut map = Map::new();
        map.insert(
            "apiBaseUrl".into(),
            Value::String(format!("{}/", self.api_base_url)),
        );
        map.insert("apiKey".into(), Value::String(self.api_key.clone()));
        if let Some(secret) = &self.api_secret {
            map.insert("apiSecret".into(), Value::String(secret.clone()));
        }
        map.insert(
            "projectToken".into(),
            Value::String(self.project_token.clone()),
        );
        map.insert("exponeaHardId".into(), Value::String(self.hard_id.clone()));
        map.insert("exponeaSoftId".into(), Value::String(self.soft_id.clone()));
        map.insert(
            "flattenNestedObjects".into(),
            Value::Bool(self.flatten_nested_objects),
        );
        map.insert(
            "trackSessionPing".into(),
            Value::Bool(self.track_session_ping),
        );
        map.insert("mappings".into(), self.mappings.clone());
        map.insert("ecommerceEvents".into(), Value::Bool(self.ecommerce_events));
        map.insert(
            "consentCategories".into(),
            Value::Object(self.consent_categories.clone()),
        );
        map.insert(
            "requiredConsentCategories".into(),
            self.required_consent_categories.clone().into(),
        );
        Value::Object(map)
    }

    /// The URL and `Authorization` value every request goes with, worked out once.
    pub fn request_target(&self) -> RequestTarget {
        RequestTarget {
            url: self.batch_url(),
            authorization: self.authorization(),
        }
    }

    /// The batch endpoint every request goes to.
    pub fn batch_url(&self) -> String {
        format!(
            "{}/track/v2/projects/{}/batch",
            self.api_base_url, self.project_token
        )
    }

    /// `Token <key>` for a public key, `Basic base64(key:secret)` for a private key pair.
    pub fn authorization(&self) -> String {
        match &self.api_secret {
            None => format!("Token {}", self.api_key),
            Some(secret) => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", self.api_key, secret))
            ),
        }
    }

    /// The secret values these settings hold (the API key, the secret, and the `Authorization`
    /// value made of them), for taking them out of any text that might be shown: never for output.
    pub fn secret_values(&self) -> Vec<String> {
        let mut secrets = vec![self.api_key.clone(), self.authorization()];
        secrets.extend(self.api_secret.clone());
        secrets
    }

    /// Which kind of API key is configured, for health output and logs.
    pub fn auth_kind(&self) -> &'static str {
        if self.api_secret.is_some() {
            "private key pair (Basic)"
        } else {
            "public key (Token)"
        }
    }
}

fn required_string(
    map: &Map<String, Value>,
    field: &'static str,
    problems: &mut Vec<SettingsProblem>,
) -> Option<String> {
    let found = optional_string(map, field, problems);
    if found.is_none() && !matches!(map.get(field), Some(v) if !v.is_string() && !v.is_null()) {
        problems.push(SettingsProblem::new(field, "is required"));
    }
    found
}

/// A string setting; absent, `null` and `""` all mean "not set".
fn optional_string(
    map: &Map<String, Value>,
    field: &'static str,
    problems: &mut Vec<SettingsProblem>,
) -> Option<String> {
    let text = optional_of(map, field, Value::as_str, "a string", problems)?.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Whether a rule's name is one the presets use as their `origins` labels (`consent`, and
/// `ecommerce: <Segment event> → <Bloomreach event>`): a rule may not take one, so that an
/// origin always tells a preset row from a rule.
pub(crate) fn is_reserved_rule_name(name: &str) -> bool {
    name == "consent" || name.starts_with("ecommerce:")
}

fn optional_bool(
    map: &Map<String, Value>,
    field: &'static str,
    problems: &mut Vec<SettingsProblem>,
) -> bool {
    optional_of(map, field, Value::as_bool, "true or false", problems).unwrap_or(false)
}

const EMPTY_SEGMENT_CATEGORY: &str = "a Segment category ID must not be empty";

/// A setting that must be of one JSON type when set: its value as `read` finds it, or `None` when
/// it is absent or `null`, or of another type (a problem then, saying what was `expected`).
fn optional_of<'m, T>(
    map: &'m Map<String, Value>,
    field: &'static str,
    read: impl Fn(&'m Value) -> Option<T>,
    expected: &str,
    problems: &mut Vec<SettingsProblem>,
) -> Option<T> {
    let value = map.get(field).filter(|v| !v.is_null())?;
    let found = read(value);
    if found.is_none() {
        problems.push(SettingsProblem::new(
            field,
            format!("must be {expected}, got {}", crate::error::kind_of(value)),
        ));
    }
    found
}

/// `consentCategories`: an object of Segment category ID → Bloomreach consent category ID, each
/// a non-empty lowercase string (Bloomreach recognises only lowercase IDs: an uppercase one is a
/// problem, never lowered silently), no two Segment categories sharing one Bloomreach category.
fn consent_categories(
    map: &Map<String, Value>,
    problems: &mut Vec<SettingsProblem>,
) -> Map<String, Value> {
    const FIELD: &str = "consentCategories";
    let mut categories = Map::new();
    let expected = "an object of Segment category ID → Bloomreach consent category ID";
    let Some(entries) = optional_of(map, FIELD, Value::as_object, expected, problems) else {
        return categories;
    };
    for (segment, bloomreach) in entries {
        let field = key_path(FIELD, segment);
        let problem = match bloomreach {
            _ if segment.is_empty() => Some(EMPTY_SEGMENT_CATEGORY.to_string()),
            Value::String(id) if id.trim().is_empty() => {
                Some("must be a Bloomreach consent category ID, not empty".into())
            }
            Value::String(id) if id.to_lowercase() != *id => Some(format!(
                "must be lowercase: Bloomreach recognises only lowercase consent category IDs (did you mean {:?}?)",
                id.to_lowercase()
            )),
            Value::String(id) => match categories.iter().find(|(_, b)| *b == bloomreach) {
                Some((earlier, _)) => Some(format!(
                    "maps to {id:?} as {} does: two consent events for one category at one time would leave its state to chance (Bloomreach does not process a batch in order)",
                    key_path(FIELD, earlier)
                )),
                None => {
                    categories.insert(segment.clone(), bloomreach.clone());
                    None
                }
            },
            other => Some(format!(
                "must be a string (a Bloomreach consent category ID), got {}",
                crate::error::kind_of(other)
            )),
        };
        if let Some(message) = problem {
            problems.push(SettingsProblem::new(field, message));
        }
    }
    categories
}

/// `requiredConsentCategories`: an array of non-empty Segment category IDs.
fn required_consent_categories(
    map: &Map<String, Value>,
    problems: &mut Vec<SettingsProblem>,
) -> Vec<String> {
    const FIELD: &str = "requiredConsentCategories";
    let expected = "an array of Segment category IDs";
    let Some(items) = optional_of(map, FIELD, Value::as_array, expected, problems) else {
        return Vec::new();
    };
    let mut required = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match item {
            Value::String(id) if !id.is_empty() => required.push(id.clone()),
            other => problems.push(SettingsProblem::new(
                format!("{FIELD}[{index}]"),
                match other {
                    Value::String(_) => EMPTY_SEGMENT_CATEGORY.to_string(),
                    other => format!(
                        "must be a Segment category ID (a string), got {}",
                        crate::error::kind_of(other)
                    ),
                },
            )),
        }
    }
    required
}
