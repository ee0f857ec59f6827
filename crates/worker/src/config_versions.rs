//! The configuration store's protocol and rules: numbered versions (when, by whom, a one-line summary), one live, publish guarded by the version the caller last saw.
//!
//! Pure, so the rules are tested on the host; `config_store.rs` keeps the versions in SQLite
//! and `config_store_client.rs` asks it.

use serde::Serialize;
use serde_json::{Map, Value};

pub const LIVE_PATH: &str = "/live";
pub const PUBLISH_PATH: &str = "/publish";
pub const VERSIONS_PATH: &str = "/versions";
pub const VERSION_PATH: &str = "/version";

/// The name of the store's one object (`idFromName`).
pub const STORE_OBJECT: &str = "configuration";

/// At most this long a summary (longer ones are cut, at a character boundary).
pub const MAX_SUMMARY_CHARS: usize = 200;
/// At most this many versions in one listing.
pub const MAX_LISTED: usize = 100;

/// "Which version is live?", with the one the caller has: its document comes back only if it
/// is another.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LiveRequest {
    pub have: Option<u64>,
}

/// The live version (`None`: nothing stored yet: the variables are the configuration).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LiveAnswer {
    pub live: Option<VersionInfo>,
    /// Absent when the caller already has the live version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<Value>,
}

/// One version's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub version: u64,
    /// Milliseconds since the epoch.
    pub created_at: u64,
    /// The admin credential's label (never its value).
    pub admin: String,
    pub summary: String,
}

/// Store `document` as a new version and make it live.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishRequest {
    pub document: Value,
    pub summary: String,
    pub admin: String,
    /// The live version the caller started from (0: none yet); `None`: publish whatever is live.
    pub base_version: Option<u64>,
}

/// A new live version, or the live one the caller did not expect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PublishAnswer {
    Published(VersionInfo),
    /// The live version moved since the caller's base (0: none yet).
    Conflict {
        live: u64,
    },
}

/// The versions, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VersionsRequest {
    pub limit: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionsAnswer {
    pub live: Option<u64>,
    pub versions: Vec<VersionInfo>,
}

/// One version with its document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionRequest {
    pub version: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VersionAnswer {
    pub info: Option<VersionInfo>,
    pub document: Option<Value>,
}

/// Read back from the JSON its `Serialize` wrote: by hand, as one `Deserialize` derive per type
/// cost the Worker's bundle more than all of these together (benches/README.md, "Sizes").
pub trait FromJson: Sized {
    fn from_json(value: &Value) -> Result<Self, String>;

    /// From JSON text.
    fn from_text(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Self::from_json(&value)
    }
}

/// The members of an object that holds no key but `known`.
pub fn object_of<'v>(value: &'v Value, known: &[&str]) -> Result<&'v Map<String, Value>, String> {
    let map = value.as_object().ok_or("expected an object")?;
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(format!(
            "unknown field `{key}`, expected one of {}",
            known.join(", ")
        )),
        None => Ok(map),
    }
}

/// A whole number member (absent or null: `None`).
pub fn number_at(map: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be a whole number")),
    }
}

/// A text member (absent or null: `None`).
pub fn text_at(map: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

fn required<T>(found: Option<T>, key: &str) -> Result<T, String> {
    found.ok_or_else(|| format!("missing field `{key}`"))
}

impl FromJson for VersionInfo {
    fn from_json(value: &Value) -> Result<Self, String> {
        let map = object_of(value, &["version", "createdAt", "admin", "summary"])?;
        Ok(VersionInfo {
            version: required(number_at(map, "version")?, "version")?,
            created_at: number_at(map, "createdAt")?.unwrap_or(0),
            admin: text_at(map, "admin")?.unwrap_or_default(),
            summary: text_at(map, "summary")?.unwrap_or_default(),
        })
    }
}

fn info_at(map: &Map<String, Value>, key: &str) -> Result<Option<VersionInfo>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => VersionInfo::from_json(value).map(Some),
    }
}

impl FromJson for LiveRequest {
    fn from_json(value: &Value) -> Result<Self, String> {
        let map = object_of(value, &["have"])?;
        Ok(LiveRequest {
            have: number_at(map, "have")?,
        })
    }
}

impl FromJson for LiveAnswer {
    fn from_json(value: &Value) -> Result<Self, String> {
        let map = object_of(value, &["live", "document"])?;
        Ok(LiveAnswer {
            live: info_at(map, "live")?,
            document: map.get("document").filter(|d| !d.is_null()).cloned(),
        })
    }
}

impl FromJson for PublishRequest {
    fn from_json(value: &Value) -> Result<Self, String> {
        let map = object_of(value, &["document", "summary", "admin", "baseVersion"])?;
        Ok(PublishRequest {
            document: required(map.get("document").cloned(), "document")?,
            summary: text_at(map, "summary")?.unwrap_or_default(),
            admin: text_at(map, "admin")?.unwrap_or_default(),
            base_version: number_at(map, "baseVersion")?,
        })
    }
}

impl FromJson for PublishAnswer {
    fn from_json(value: &Value) -> Result<Self, String> {
        let map = object_of(value, &["published", "conflict"])?;
        if let Some(info) = info_at(map, "published")? {
            return Ok(PublishAnswer::Published(info));
        }
        let conflict = map
            .get("conflict")
            .ok_or("expected `published` or `conflict`")?;
        let live = number_at(object_of(conflict, &["live"])?, "live")?;
        Ok(PublishAnswer::Conflict {
            live: required(live, "live")?,
        })
    }
}

impl FromJson for VersionsRequest {
    fn from_json(value: &Value) -> Result<Self, String> {
        let map = object_of(value, &["limit"])?;
        Ok(VersionsRequest {
            limit: number_at(map, "limit")?.unwrap_or(MAX_LISTED as u64) as usize,
        })
    }
}

impl FromJson for VersionsAnswer {
    fn from_json(value: &Value) -> Result<Self, String> {
        let map = object_of(value, &["live", "versions"])?;
        let versions = match map.get("versions") {
            Some(Value::Array(items)) => items
                .iter()
                .map(VersionInfo::from_json)
                .collect::<Result<_, _>>()?,
            _ => return Err("`versions` must be an array".into()),
        };
        Ok(VersionsAnswer {
            live: number_at(map, "live")?,
            versions,
        })
    }
}

impl FromJson for VersionRequest {
    fn from_json(value: &Value) -> Result<Self, String> {
        let map = object_of(value, &["version"])?;
        Ok(VersionRequest {
            version: required(number_at(map, "version")?, "version")?,
        })
    }
}

impl FromJson for VersionAnswer {
    fn from_json(value: &Value) -> Result<Self, String> {
        let map = object_of(value, &["info", "document"])?;
        Ok(VersionAnswer {
            info: info_at(map, "info")?,
            document: map.get("document").filter(|d| !d.is_null()).cloned(),
        })
    }
}

/// Whether a publish from `base` may go ahead when `live` is live (0: nothing yet).
pub fn may_publish(base: Option<u64>, live: u64) -> bool {
    base.is_none_or(|base| base == live)
}

/// A summary as stored: one line, trimmed, at most [`MAX_SUMMARY_CHARS`].
pub fn one_line(summary: &str) -> String {
    let line: String = summary
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    line.chars().take(MAX_SUMMARY_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_message_reads_back_what_it_wrote() {
        let info = VersionInfo {
            version: 3,
            created_at: 1_700_000_000_000,
            admin: "ADMIN_TOKEN".into(),
            summary: "s".into(),
        };
        let round = |value: Value| value;
        let publish = PublishRequest {
            document: json!({"sources": []}),
            summary: "x".into(),
            admin: "ADMIN_TOKEN".into(),
            base_version: Some(0),
        };
        let text = serde_json::to_string(&publish).unwrap();
        assert_eq!(PublishRequest::from_text(&text).unwrap(), publish);
        for answer in [
            PublishAnswer::Published(info.clone()),
            PublishAnswer::Conflict { live: 4 },
        ] {
            let text = serde_json::to_string(&answer).unwrap();
            assert_eq!(PublishAnswer::from_text(&text).unwrap(), answer);
        }
        let live = LiveAnswer {
            live: Some(info.clone()),
            document: Some(json!({"a": 1})),
        };
        let text = serde_json::to_string(&live).unwrap();
        assert_eq!(LiveAnswer::from_text(&text).unwrap(), live);
        let versions = VersionsAnswer {
            live: Some(3),
            versions: vec![info.clone()],
        };
        let text = serde_json::to_string(&versions).unwrap();
        assert_eq!(VersionsAnswer::from_text(&text).unwrap(), versions);
        let one = VersionAnswer {
            info: None,
            document: None,
        };
        let text = serde_json::to_string(&one).unwrap();
        assert_eq!(VersionAnswer::from_text(&text).unwrap(), one);
        assert_eq!(
            LiveRequest::from_json(&round(json!({"have": 2}))).unwrap(),
            LiveRequest { have: Some(2) }
        );
        assert_eq!(
            VersionRequest::from_json(&json!({"version": 7})).unwrap(),
            VersionRequest { version: 7 }
        );
        assert_eq!(
            VersionsRequest::from_json(&json!({"limit": 5})).unwrap(),
            VersionsRequest { limit: 5 }
        );
        assert_eq!(
            PublishRequest::from_json(&json!({"document": {}, "summry": "x"})).unwrap_err(),
            "unknown field `summry`, expected one of document, summary, admin, baseVersion"
        );
        assert_eq!(
            VersionRequest::from_json(&json!({})).unwrap_err(),
            "missing field `version`"
        );
    }

    #[test]
    fn a_publish_goes_ahead_only_from_the_live_version() {
        assert!(may_publish(None, 4));
        assert!(may_publish(Some(4), 4));
        assert!(!may_publish(Some(3), 4));
        assert!(may_publish(Some(0), 0));
        assert!(!may_publish(Some(0), 1));
        assert_eq!(one_line("  fix\n the  rule \r\n"), "fix the  rule");
        assert_eq!(
            one_line(&"é".repeat(300)).chars().count(),
            MAX_SUMMARY_CHARS
        );
        assert_eq!(
            serde_json::to_value(PublishAnswer::Conflict { live: 3 }).unwrap(),
            json!({"conflict": {"live": 3}})
        );
    }
}
