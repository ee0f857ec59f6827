//! The Worker's configuration from its environment variables and secrets, validated through the core's `Settings`.
//!
//! Pure (variables come in as `name → text`), so it is tested on the host. Problems name the
//! variable and what is wrong with it, never its value.

use crate::ledger::shard::{DEFAULT_OBJECTS, MAX_OBJECTS};
use crate::runtime_url::RuntimeUrl;
use crate::sender_auth::{AdminToken, SenderCredentials};
use segment_bloomreach::{Mapper, Settings};
use serde::Serialize;
use serde_json::{Map, Value};
use std::ops::RangeInclusive;

/// Every variable the Worker reads, with the Segment catalog key it feeds (if any).
pub const VARIABLES: &[(&str, Option<&str>)] = &[
    ("BLOOMREACH_API_BASE_URL", Some("apiBaseUrl")),
    ("BLOOMREACH_PROJECT_TOKEN", Some("projectToken")),
    ("BLOOMREACH_API_KEY", Some("apiKey")),
    ("BLOOMREACH_API_SECRET", Some("apiSecret")),
    ("BLOOMREACH_HARD_ID", Some("exponeaHardId")),
    ("BLOOMREACH_SOFT_ID", Some("exponeaSoftId")),
    ("FLATTEN_NESTED_OBJECTS", Some("flattenNestedObjects")),
    ("TRACK_SESSION_PING", Some("trackSessionPing")),
    ("BLOOMREACH_MAPPINGS", Some("mappings")),
    ("ECOMMERCE_EVENTS", Some("ecommerceEvents")),
    ("CONSENT_CATEGORIES", Some("consentCategories")),
    (
        "REQUIRED_CONSENT_CATEGORIES",
        Some("requiredConsentCategories"),
    ),
    ("SEGMENT_WRITE_KEY", None),
    ("SEGMENT_SHARED_SECRET", None),
    ("WEBHOOK_BEARER_TOKEN", None),
    ("DEV_ALLOW_UNAUTHENTICATED", None),
    ("QUEUE_RETRY_MAX_DELAY_SECONDS", None),
    ("ADMIN_TOKEN", None),
    ("CONFIG_CACHE_SECONDS", None),
    ("LEDGER_KEY_SECRET", None),
    ("LEDGER_OBJECTS", None),
];

/// Queue mode: the longest a message waits before it is offered again (whole seconds, 1..=300).
/// 300 (5 minutes) in production; tests set it low so a fault-injection soak drains in seconds.
pub const QUEUE_RETRY_MAX_DELAY_DEFAULT_SECS: u32 = 300;

/// The shortest `ADMIN_TOKEN` taken.
pub const MIN_ADMIN_TOKEN_CHARS: usize = 32;

/// How old an isolate's copy of the stored configuration may be before a request checks the
/// store again (whole seconds, 0..=300; 0: every request asks).
pub const CONFIG_CACHE_DEFAULT_SECS: u32 = 10;

/// Variables whose text is JSON, with what it holds: a JSON string, or a TOML array or table in
/// `[vars]`, which the runtime hands over as a value and `config.rs` writes as JSON.
const JSON_VARIABLES: &[(&str, &str)] = &[
    ("BLOOMREACH_MAPPINGS", "an array of rules"),
    (
        "CONSENT_CATEGORIES",
        "an object of Segment category ID → Bloomreach consent category ID",
    ),
    (
        "REQUIRED_CONSENT_CATEGORIES",
        "an array of Segment category IDs",
    ),
];

const BOOLEAN_VARIABLES: &[&str] = &[
    "FLATTEN_NESTED_OBJECTS",
    "TRACK_SESSION_PING",
    "ECOMMERCE_EVENTS",
    "DEV_ALLOW_UNAUTHENTICATED",
];

/// One thing wrong with the configuration, named by its variable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigProblem {
    pub variable: &'static str,
    pub message: String,
}

/// The validated configuration: the mapping (when valid), sender credentials, problems.
#[derive(Clone, Debug)]
pub struct EdgeConfig {
    /// Built from the Bloomreach settings; `Some` only when there are no problems.
    pub mapper: Option<Mapper>,
    pub senders: SenderCredentials,
    pub problems: Vec<ConfigProblem>,
    /// `QUEUE_RETRY_MAX_DELAY_SECONDS`: caps the queue consumer's retry delay (`Retry-After` included).
    pub queue_retry_max_delay_secs: u32,
    /// `CONFIG_CACHE_SECONDS`: how long an isolate serves its copy of the stored configuration.
    pub config_cache_secs: u32,
    /// `LEDGER_OBJECTS`: how many Durable Objects the delivery ledger spreads its keys over.
    pub ledger_objects: usize,
    /// `LEDGER_KEY_SECRET`: the key of the delivery ledger's key digests (none: each destination's
    /// `Authorization`, a secret no sender knows).
    pub ledger_key_secret: Option<String>,
    /// `ADMIN_TOKEN`: the admin routes' bearer token (none: the routes do not exist).
    pub admin_token: Option<AdminToken>,
}

impl EdgeConfig {
    /// Reads and validates every variable; `lookup` gives a variable's text (absent: `None`).
    /// Empty text counts as not set.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> EdgeConfig {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut problems = Vec::new();
        let mut catalog = Map::new();
        for (variable, key) in VARIABLES {
            let Some(key) = key else { continue };
            let Some(text) = get(variable) else { continue };
            let value = if BOOLEAN_VARIABLES.contains(variable) {
                match parse_flag(variable, &text, &mut problems) {
                    Some(flag) => Value::Bool(flag),
                    None => continue,
                }
            } else if let Some((_, holds)) = JSON_VARIABLES.iter().find(|(v, _)| v == variable) {
                match serde_json::from_str(&text) {
                    Ok(value) => value,
                    Err(e) => {
                        problems.push(ConfigProblem {
                            variable,
                            message: format!("must be JSON ({holds}): {e}"),
                        });
                        continue;
                    }
                }
            } else {
                Value::String(text)
            };
            catalog.insert((*key).to_string(), value);
        }
        // The customer IDs default as the npm package's sources do (docs/worker.md: `registered`,
        // `cookie`), so a wrangler.toml without them works.
        for (key, default) in [
            (
                "exponeaHardId",
                segment_bloomreach_deployment::DEFAULT_HARD_ID,
            ),
            (
                "exponeaSoftId",
                segment_bloomreach_deployment::DEFAULT_SOFT_ID,
            ),
        ] {
            catalog
                .entry(key)
                .or_insert_with(|| Value::String(default.into()));
        }
        let allow_unauthenticated = get("DEV_ALLOW_UNAUTHENTICATED")
            .and_then(|text| parse_flag("DEV_ALLOW_UNAUTHENTICATED", &text, &mut problems))
            .unwrap_or(false);
        let senders = SenderCredentials {
            write_key: get("SEGMENT_WRITE_KEY").map(|v| v.trim().to_string()),
            shared_secret: get("SEGMENT_SHARED_SECRET").map(|v| v.trim().to_string()),
            bearer_token: get("WEBHOOK_BEARER_TOKEN").map(|v| v.trim().to_string()),
            allow_unauthenticated,
        };
        if !allow_unauthenticated
            && senders.write_key.is_none()
            && senders.shared_secret.is_none()
            && senders.bearer_token.is_none()
        {
            problems.push(ConfigProblem {
                variable: "SEGMENT_WRITE_KEY",
                message: "no sender can authenticate: set SEGMENT_WRITE_KEY (tracking API) and/or SEGMENT_SHARED_SECRET or WEBHOOK_BEARER_TOKEN (webhooks); DEV_ALLOW_UNAUTHENTICATED=true is for local development only".into(),
            });
        }
        let mut whole_number =
            |variable: &'static str, range: RangeInclusive<u32>, default: u32, message: &str| {
                let Some(text) = get(variable) else {
                    return default;
                };
                match text.trim().parse::<u32>() {
                    Ok(n) if range.contains(&n) => n,
                    _ => {
                        problems.push(ConfigProblem {
                            variable,
                            message: message.into(),
                        });
                        default
                    }
                }
            };
        let queue_retry_max_delay_secs = whole_number(
            "QUEUE_RETRY_MAX_DELAY_SECONDS",
            1..=QUEUE_RETRY_MAX_DELAY_DEFAULT_SECS,
            QUEUE_RETRY_MAX_DELAY_DEFAULT_SECS,
            "must be a whole number of seconds from 1 to 300",
        );
        let config_cache_secs = whole_number(
            "CONFIG_CACHE_SECONDS",
            0..=300,
            CONFIG_CACHE_DEFAULT_SECS,
            "must be a whole number of seconds from 0 to 300",
        );
        let ledger_objects = whole_number(
            "LEDGER_OBJECTS",
            1..=MAX_OBJECTS as u32,
            DEFAULT_OBJECTS as u32,
            "must be a whole number of objects from 1 to 8",
        ) as usize;
        let settings = match Settings::from_json_value_with(&Value::Object(catalog), &RuntimeUrl) {
            Ok(settings) => Some(settings),
            Err(error) => {
                problems.extend(error.problems.into_iter().map(|p| {
                    let variable = variable_of(&p.field);
                    // A problem inside a value keeps its path (`mappings[2].eventType: …`,
                    // `consentCategories.Advertising: …`).
                    let message = if p.field.contains(['.', '[']) {
                        format!("{}: {}", p.field, p.message)
                    } else {
                        p.message
                    };
                    ConfigProblem { variable, message }
                }));
                None
            }
        };
        // The open mode is for a laptop: with a remote Bloomreach it would let anyone write there.
        if let (true, Some(settings)) = (allow_unauthenticated, &settings) {
            // The URL as the WHATWG parser wrote it: `scheme://host[:port]`, no path left.
            let authority = settings.api_base_url().split("://").nth(1).unwrap_or("");
            let host = match authority.rsplit_once(':') {
                Some((host, port)) if !port.contains(']') => host,
                _ => authority,
            };
            if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
                problems.push(ConfigProblem {
                    variable: "DEV_ALLOW_UNAUTHENTICATED",
                    message: "is for local development only: it is refused unless BLOOMREACH_API_BASE_URL is a local stand-in (localhost, 127.0.0.1 or [::1])".into(),
                });
            }
        }
        let admin_token = get("ADMIN_TOKEN").map(|v| v.trim().to_string());
        if let Some(token) = &admin_token {
            // The admin routes read and change everything: a token as strong as a random 32
            // characters, and never one a sender holds (a write key is public in web pages).
            let senders = [
                &senders.write_key,
                &senders.shared_secret,
                &senders.bearer_token,
            ];
            if token.chars().count() < MIN_ADMIN_TOKEN_CHARS {
                problems.push(ConfigProblem {
                    variable: "ADMIN_TOKEN",
                    message: format!("must be at least {MIN_ADMIN_TOKEN_CHARS} characters (a random token: `openssl rand -hex 32`)"),
                });
            } else if senders.iter().any(|s| s.as_deref() == Some(token.as_str())) {
                problems.push(ConfigProblem {
                    variable: "ADMIN_TOKEN",
                    message: "must differ from every sender credential (SEGMENT_WRITE_KEY, SEGMENT_SHARED_SECRET, WEBHOOK_BEARER_TOKEN)".into(),
                });
            }
        }
        crate::small_sort::sort_by_key(&mut problems, |p| {
            VARIABLES.iter().position(|(v, _)| *v == p.variable)
        });
        EdgeConfig {
            mapper: settings.filter(|_| problems.is_empty()).map(Mapper::new),
            senders,
            problems,
            queue_retry_max_delay_secs,
            config_cache_secs,
            ledger_objects,
            admin_token: admin_token.map(AdminToken),
            ledger_key_secret: get("LEDGER_KEY_SECRET").map(|v| v.trim().to_string()),
        }
    }

    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// Every secret value configured (Bloomreach key, secret and `Authorization`, sender
    /// credentials), for taking them out of text that might be logged: never for output.
    pub fn secret_values(&self) -> Vec<String> {
        let mut secrets = self
            .mapper
            .as_ref()
            .map(|m| m.settings().secret_values())
            .unwrap_or_default();
        let senders = &self.senders;
        secrets.extend(senders.write_key.iter().cloned());
        secrets.extend(senders.shared_secret.iter().cloned());
        secrets.extend(senders.bearer_token.iter().cloned());
        secrets.extend(self.admin_token.iter().map(|t| t.0.clone()));
        secrets.extend(self.ledger_key_secret.iter().cloned());
        secrets
    }
}

fn parse_flag(
    variable: &'static str,
    text: &str,
    problems: &mut Vec<ConfigProblem>,
) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            problems.push(ConfigProblem {
                variable,
                message: "must be true or false".into(),
            });
            None
        }
    }
}

/// The variable behind a catalog key (`apiKey` → `BLOOMREACH_API_KEY`), or behind a path inside
/// one (`mappings[2].eventType` → `BLOOMREACH_MAPPINGS`).
fn variable_of(field: &str) -> &'static str {
    let key = field.split(['[', '.']).next().unwrap_or(field);
    VARIABLES
        .iter()
        .find(|(_, k)| *k == Some(key))
        .map(|(variable, _)| *variable)
        .unwrap_or("BLOOMREACH_SETTINGS")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const VALID: &[(&str, &str)] = &[
        ("BLOOMREACH_API_BASE_URL", "https://api.exponea.com/"),
        ("BLOOMREACH_PROJECT_TOKEN", "proj-1"),
        ("BLOOMREACH_API_KEY", "key-secret-value"),
        ("BLOOMREACH_HARD_ID", "registered"),
        ("BLOOMREACH_SOFT_ID", "cookie"),
        ("FLATTEN_NESTED_OBJECTS", "false"),
        ("TRACK_SESSION_PING", "TRUE"),
        ("SEGMENT_WRITE_KEY", "wk-value"),
    ];

    #[test]
    fn valid_vars_become_settings() {
        let config = EdgeConfig::from_vars(vars(VALID));
        assert!(config.is_valid(), "{:?}", config.problems);
        let mapper = config.mapper.unwrap();
        assert_eq!(
            mapper.target().url,
            "https://api.exponea.com/track/v2/projects/proj-1/batch"
        );
        assert!(mapper.settings().track_session_ping());
        // Without the customer ID variables, the shared defaults.
        let without: Vec<_> = VALID
            .iter()
            .copied()
            .filter(|(name, _)| !name.ends_with("_ID"))
            .collect();
        let settings = EdgeConfig::from_vars(vars(&without)).mapper.unwrap();
        let settings = settings.settings();
        assert_eq!(
            (settings.hard_id(), settings.soft_id()),
            ("registered", "cookie")
        );
        assert!(!mapper.settings().flatten_nested_objects());
        assert_eq!(config.senders.write_key.as_deref(), Some("wk-value"));
        assert!(!config.senders.allow_unauthenticated);
    }

    #[test]
    fn every_problem_is_named_by_its_variable_without_values() {
        let config = EdgeConfig::from_vars(vars(&[
            ("BLOOMREACH_API_BASE_URL", "ftp://secret-host"),
            ("BLOOMREACH_API_KEY", "key-secret-value"),
            ("BLOOMREACH_PROJECT_TOKEN", "has/slash"),
            ("FLATTEN_NESTED_OBJECTS", "yes"),
            ("DEV_ALLOW_UNAUTHENTICATED", "1"),
        ]));
        assert!(!config.is_valid());
        assert!(config.mapper.is_none());
        let named: Vec<_> = config.problems.iter().map(|p| p.variable).collect();
        assert_eq!(
            named,
            vec![
                "BLOOMREACH_API_BASE_URL",
                "BLOOMREACH_PROJECT_TOKEN",
                "FLATTEN_NESTED_OBJECTS",
                "SEGMENT_WRITE_KEY",
                "DEV_ALLOW_UNAUTHENTICATED",
            ]
        );
        let text = serde_json::to_string(&config.problems).unwrap();
        assert!(
            !text.contains("key-secret-value") && !text.contains("secret-host"),
            "{text}"
        );
    }

    #[test]
    fn ledger_objects_default_to_two_and_are_checked() {
        assert_eq!(EdgeConfig::from_vars(vars(VALID)).ledger_objects, 2);
        for (text, objects) in [("1", 1), (" 8 ", 8), ("4", 4)] {
            let mut pairs = VALID.to_vec();
            pairs.push(("LEDGER_OBJECTS", text));
            let config = EdgeConfig::from_vars(vars(&pairs));
            assert!(config.is_valid(), "{:?}", config.problems);
            assert_eq!(config.ledger_objects, objects);
        }
        for bad in ["0", "9", "2.5", "-1", "many"] {
            let mut pairs = VALID.to_vec();
            pairs.push(("LEDGER_OBJECTS", bad));
            let config = EdgeConfig::from_vars(vars(&pairs));
            let problems: Vec<_> = config
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.variable, p.message))
                .collect();
            assert_eq!(
                problems,
                ["LEDGER_OBJECTS: must be a whole number of objects from 1 to 8"],
                "{bad}"
            );
        }
    }

    #[test]
    fn queue_retry_max_delay_defaults_to_five_minutes_and_is_checked() {
        let config = EdgeConfig::from_vars(vars(VALID));
        assert_eq!(config.queue_retry_max_delay_secs, 300);
        let mut pairs = VALID.to_vec();
        pairs.push(("QUEUE_RETRY_MAX_DELAY_SECONDS", " 1 "));
        let config = EdgeConfig::from_vars(vars(&pairs));
        assert!(config.is_valid(), "{:?}", config.problems);
        assert_eq!(config.queue_retry_max_delay_secs, 1);
        for bad in ["0", "301", "1.5", "-1", "soon"] {
            let mut pairs = VALID.to_vec();
            pairs.push(("QUEUE_RETRY_MAX_DELAY_SECONDS", bad));
            let config = EdgeConfig::from_vars(vars(&pairs));
            let named: Vec<_> = config.problems.iter().map(|p| p.variable).collect();
            assert_eq!(named, vec!["QUEUE_RETRY_MAX_DELAY_SECONDS"], "{bad}");
        }
    }

    #[test]
    fn the_admin_token_is_long_and_no_sender_credential() {
        let with = |token: &str| {
            let mut pairs = VALID.to_vec();
            pairs.push(("ADMIN_TOKEN", token));
            let config = EdgeConfig::from_vars(vars(&pairs));
            config
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.variable, p.message))
                .collect::<Vec<_>>()
        };
        assert_eq!(with(&"a".repeat(32)), Vec::<String>::new());
        assert_eq!(
            with("short-admin-token"),
            ["ADMIN_TOKEN: must be at least 32 characters (a random token: `openssl rand -hex 32`)"]
        );
        let mut pairs = VALID.to_vec();
        let key = "wk-value-that-is-long-enough-0123456789";
        pairs.retain(|(k, _)| *k != "SEGMENT_WRITE_KEY");
        pairs.extend([("SEGMENT_WRITE_KEY", key), ("ADMIN_TOKEN", key)]);
        let config = EdgeConfig::from_vars(vars(&pairs));
        assert_eq!(config.problems.len(), 1);
        assert!(config.problems[0]
            .message
            .starts_with("must differ from every sender credential"));
        assert!(!config.problems[0].message.contains(key));
    }

    #[test]
    fn open_mode_needs_no_sender_credentials() {
        let mut pairs: Vec<_> = VALID
            .iter()
            .copied()
            .filter(|(k, _)| *k != "SEGMENT_WRITE_KEY")
            .collect();
        assert!(!EdgeConfig::from_vars(vars(&pairs)).is_valid());
        pairs.push(("DEV_ALLOW_UNAUTHENTICATED", "true"));
        // Refused with a remote Bloomreach…
        let remote = EdgeConfig::from_vars(vars(&pairs));
        let named: Vec<_> = remote.problems.iter().map(|p| p.variable).collect();
        assert_eq!(named, ["DEV_ALLOW_UNAUTHENTICATED"]);
        // …taken with a local stand-in.
        for local in [
            "http://127.0.0.1:8788/",
            "http://localhost/",
            "http://[::1]:9/",
        ] {
            let mut local_pairs = pairs.clone();
            local_pairs.retain(|(k, _)| *k != "BLOOMREACH_API_BASE_URL");
            local_pairs.push(("BLOOMREACH_API_BASE_URL", local));
            let config = EdgeConfig::from_vars(vars(&local_pairs));
            assert!(config.is_valid(), "{local}: {:?}", config.problems);
            assert!(config.senders.allow_unauthenticated);
        }
    }

    #[test]
    fn rules_come_from_json_and_each_problem_keeps_its_path() {
        let mut pairs = VALID.to_vec();
        let rules =
            r#"[{"name":"signup","subscribe":"event = \"Signed Up\"","eventType":"registration"}]"#;
        pairs.push(("BLOOMREACH_MAPPINGS", rules));
        let config = EdgeConfig::from_vars(vars(&pairs));
        assert!(config.is_valid(), "{:?}", config.problems);
        let mapper = config.mapper.unwrap();
        assert_eq!(mapper.settings().rules().rules()[0].name, "signup");

        let mut pairs = VALID.to_vec();
        let bad = r#"[{"subscribe":"type =","eventType":{"@liquid":"{{x}}"}}]"#;
        pairs.push(("BLOOMREACH_MAPPINGS", bad));
        let config = EdgeConfig::from_vars(vars(&pairs));
        assert!(config.mapper.is_none());
        let problems: Vec<(&str, &str)> = config
            .problems
            .iter()
            .map(|p| (p.variable, p.message.split(':').next().unwrap()))
            .collect();
        assert_eq!(
            problems,
            vec![
                ("BLOOMREACH_MAPPINGS", "mappings[0].subscribe"),
                ("BLOOMREACH_MAPPINGS", "mappings[0].eventType[\"@liquid\"]")
            ]
        );

        let mut pairs = VALID.to_vec();
        pairs.push(("BLOOMREACH_MAPPINGS", "[{"));
        let config = EdgeConfig::from_vars(vars(&pairs));
        assert_eq!(config.problems[0].variable, "BLOOMREACH_MAPPINGS");
        assert!(config.problems[0].message.starts_with("must be JSON"));
    }

    #[test]
    fn presets_come_from_their_variables_and_each_problem_keeps_its_path() {
        let mut pairs = VALID.to_vec();
        pairs.push(("ECOMMERCE_EVENTS", "true"));
        pairs.push((
            "CONSENT_CATEGORIES",
            r#"{"Advertising":"marketing","C0002":"analytics"}"#,
        ));
        pairs.push(("REQUIRED_CONSENT_CATEGORIES", r#"["C0002"]"#));
        let config = EdgeConfig::from_vars(vars(&pairs));
        assert!(config.is_valid(), "{:?}", config.problems);
        let mapper = config.mapper.unwrap();
        let settings = mapper.settings();
        assert!(settings.ecommerce_events());
        assert_eq!(
            Value::Object(settings.consent_categories().clone()),
            serde_json::json!({"Advertising": "marketing", "C0002": "analytics"})
        );
        assert_eq!(settings.required_consent_categories(), ["C0002"]);

        let mut pairs = VALID.to_vec();
        pairs.push(("ECOMMERCE_EVENTS", "yes"));
        pairs.push(("CONSENT_CATEGORIES", r#"{"Advertising":"Marketing"}"#));
        pairs.push(("REQUIRED_CONSENT_CATEGORIES", "C0002"));
        let config = EdgeConfig::from_vars(vars(&pairs));
        assert!(config.mapper.is_none());
        let problems: Vec<(&str, &str)> = config
            .problems
            .iter()
            .map(|p| (p.variable, p.message.as_str()))
            .collect();
        assert_eq!(
            problems,
            vec![
                ("ECOMMERCE_EVENTS", "must be true or false"),
                (
                    "CONSENT_CATEGORIES",
                    "consentCategories.Advertising: must be lowercase: Bloomreach recognises only lowercase consent category IDs (did you mean \"marketing\"?)"
                ),
                (
                    "REQUIRED_CONSENT_CATEGORIES",
                    "must be JSON (an array of Segment category IDs): expected value at line 1 column 1"
                ),
            ]
        );
    }

    #[test]
    fn empty_values_are_unset_and_a_secret_switches_to_basic() {
        let mut pairs = VALID.to_vec();
        pairs.push(("BLOOMREACH_API_SECRET", ""));
        pairs.push(("SEGMENT_SHARED_SECRET", " "));
        let config = EdgeConfig::from_vars(vars(&pairs));
        let target = &config.mapper.as_ref().unwrap().target();
        assert!(target.authorization.starts_with("Token "));
        assert_eq!(config.senders.shared_secret, None);
        pairs.push(("BLOOMREACH_API_SECRET", "s3"));
        let pairs: Vec<_> = pairs
            .into_iter()
            .filter(|(k, v)| !(*k == "BLOOMREACH_API_SECRET" && v.is_empty()))
            .collect();
        let config = EdgeConfig::from_vars(vars(&pairs));
        assert!(config
            .mapper
            .unwrap()
            .target()
            .authorization
            .starts_with("Basic "));
    }
}
