//! What the Worker and a ledger object say to each other: one JSON request per object per phase (claim before sending, settle after the answers), plus the dead-letter operations.

use serde::{Deserialize, Serialize};

/// The object's routes for dead letters (the URL's host is never looked at); a delivery's claims
/// and settles are RPC methods (`claimKeys`, `settleKeys`) taking the same JSON.
pub const PARK_PATH: &str = "/letters/park";
pub const LIST_PATH: &str = "/letters/list";
pub const REMOVE_PATH: &str = "/letters/remove";
pub const UPDATE_PATH: &str = "/letters/update";

/// Before sending: take a lease on each key that is neither delivered nor held by another
/// delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimRequest {
    /// The delivery run asking (random per run); leases are released only by their owner.
    pub owner: String,
    /// How long the lease holds: longer than the run can still send or hear an answer.
    pub lease_ms: u64,
    pub keys: Vec<String>,
}

/// Per key of the request, by position: delivered already, held by another delivery (until
/// when), or claimed (every position not listed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimAnswer {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub done: Vec<u32>,
    /// `[position, lease end (ms since the epoch)]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub busy: Vec<(u32, u64)>,
}

/// After the answers: what Bloomreach accepted, and what failed (the lease released, the
/// error kept for the dead letters). Keys whose answer is still awaited are in neither list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettleRequest {
    pub owner: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delivered: Vec<String>,
    /// `[key, last error]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub released: Vec<(String, String)>,
}

/// How many entries a settle wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettleAnswer {
    pub written: usize,
}

/// A queue message that exhausted its retries, to keep until an operator replays it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewLetter {
    /// The queue message's ID (unique).
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The ledger key of its first command, whose last error the object looks up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The message body as JSON text (a queued event).
    pub body: String,
    /// Used when the ledger has no error for the key.
    pub fallback_error: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkRequest {
    pub letters: Vec<NewLetter>,
}

/// Which parked letters to list: all (up to `limit`, oldest first), or the given IDs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRequest {
    pub limit: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    /// Also return each letter's body (for a replay).
    #[serde(default)]
    pub bodies: bool,
    /// Only letters after this one (`[parkedAt, id]`, the listing's order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<(u64, String)>,
}

/// A parked dead letter, as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Letter {
    pub id: String,
    /// When it was parked (ms since the epoch).
    pub parked_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub last_error: String,
    /// How many replays failed so far.
    pub replays: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAnswer {
    /// Letters parked in the object in all (not only those listed).
    pub total: usize,
    pub letters: Vec<Letter>,
    /// More letters follow those listed (past the limit or [`MAX_ANSWER_BYTES`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
}

/// What one park request or one listing answer carries at most (bodies, errors and IDs as JSON):
/// far below the 2 MB a SQLite string may take on Durable Objects.
pub const MAX_ANSWER_BYTES: usize = 1_000_000;
/// A letter's bytes in a park request or a listing (an over-count: the JSON text's length).
pub fn letter_bytes(id: &str, error: &str, body: Option<&str>) -> usize {
    use crate::queue_message::json_str_len;
    json_str_len(id) + json_str_len(error) + body.map_or(0, json_str_len) + 128
}

/// Letters to forget (replayed, or discarded by the operator); the answer is the same, with the
/// IDs that were parked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveRequest {
    pub ids: Vec<String>,
}

/// Letters whose replay failed again: `[id, error]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateRequest {
    pub failed: Vec<(String, String)>,
}

/// How many letters a park, remove or update changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountAnswer {
    pub count: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_are_compact_json() {
        let claim = ClaimRequest {
            owner: "o".into(),
            lease_ms: 30_000,
            keys: vec!["m:a".into()],
        };
        assert_eq!(
            serde_json::to_value(&claim).unwrap(),
            json!({"owner": "o", "leaseMs": 30000, "keys": ["m:a"]})
        );
        assert_eq!(
            serde_json::to_string(&ClaimAnswer::default()).unwrap(),
            "{}"
        );
        let answer: ClaimAnswer = serde_json::from_str(r#"{"busy":[[2,99]]}"#).unwrap();
        assert_eq!(answer.busy, [(2, 99)]);
        let settle = SettleRequest {
            owner: "o".into(),
            delivered: vec!["m:a".into()],
            released: vec![("m:b".into(), "HTTP 500".into())],
        };
        assert_eq!(
            serde_json::to_value(&settle).unwrap(),
            json!({"owner": "o", "delivered": ["m:a"], "released": [["m:b", "HTTP 500"]]})
        );
    }
}
