//! The configuration store's protocol and rules: numbered versions (when, by whom, a one-line summary), one live, publish guarded by the version the caller last saw.
//!
//! Pure, so the rules are tested on the host; `config_store.rs` keeps the versions in SQLite
//! and `config_store_client.rs` asks it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRequest {
    #[serde(default)]
    pub have: Option<u64>,
}

/// The live version (`None`: nothing stored yet: the variables are the configuration).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveAnswer {
    pub live: Option<VersionInfo>,
    /// Absent when the caller already has the live version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Value>,
}

/// One version's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishRequest {
    pub document: Value,
    pub summary: String,
    pub admin: String,
    /// The live version the caller started from (0: none yet); `None`: publish whatever is live.
    #[serde(default)]
    pub base_version: Option<u64>,
}

/// A new live version, or the live one the caller did not expect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PublishAnswer {
    Published(VersionInfo),
    /// The live version moved since the caller's base (0: none yet).
    Conflict {
        live: u64,
    },
}

/// The versions, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionsRequest {
    pub limit: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionsAnswer {
    pub live: Option<u64>,
    pub versions: Vec<VersionInfo>,
}

/// One version with its document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRequest {
    pub version: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionAnswer {
    pub info: Option<VersionInfo>,
    #[serde(default)]
    pub document: Option<Value>,
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
