//! Parked dead letters as the operator sees them: the listing merged from every object, what a replay asks for, and what it answers.

use super::protocol::{Letter, ListAnswer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most letters one listing or replay takes (a replay delivers them within one request).
pub const MAX_LETTERS: usize = 500;
/// Letters listed when the operator does not say how many.
pub const DEFAULT_LIST_LIMIT: usize = 100;

/// The error kept for a letter whose key has none in the ledger.
pub const NO_ERROR_RECORDED: &str =
    "the message exhausted its queue retries; the ledger recorded no delivery error for it";

/// Every object's listing (each oldest first) as one: oldest first (then by ID), at most
/// `limit`, `total` counting all parked letters.
pub fn merge(listings: Vec<ListAnswer>, limit: usize) -> ListAnswer {
    let total = listings.iter().map(|l| l.total).sum();
    let mut queues: Vec<std::collections::VecDeque<Letter>> =
        listings.into_iter().map(|l| l.letters.into()).collect();
    let mut letters = Vec::new();
    while letters.len() < limit {
        let next = queues
            .iter()
            .enumerate()
            .filter_map(|(i, q)| Some((i, q.front()?)))
            .min_by(|(_, a), (_, b)| a.parked_at.cmp(&b.parked_at).then_with(|| a.id.cmp(&b.id)))
            .map(|(i, _)| i);
        match next.and_then(|i| queues[i].pop_front()) {
            Some(letter) => letters.push(letter),
            None => break,
        }
    }
    ListAnswer { total, letters }
}

/// `?limit=N` of the listing route: 1 ..= [`MAX_LETTERS`], [`DEFAULT_LIST_LIMIT`] when absent.
pub fn list_limit(query: Option<&str>) -> Result<usize, String> {
    let Some(query) = query else {
        return Ok(DEFAULT_LIST_LIMIT);
    };
    let mut limit = DEFAULT_LIST_LIMIT;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("limit", value)) => {
                limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LETTERS).contains(n))
                    .ok_or_else(|| {
                        format!("`limit` must be a whole number from 1 to {MAX_LETTERS}")
                    })?;
            }
            _ => return Err(format!("unknown query parameter `{pair}` (only `limit`)")),
        }
    }
    Ok(limit)
}

/// Which letters a replay or discard takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// These IDs (at most [`MAX_LETTERS`]).
    Ids(Vec<String>),
    /// The oldest [`MAX_LETTERS`] (replay only).
    All,
}

/// The body of a replay (`{"ids": [...]}` or `{"all": true}`) or a discard (`{"ids": [...]}`).
pub fn read_selection(body: &str, all_allowed: bool) -> Result<Selection, String> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[serde(default)]
        ids: Option<Vec<String>>,
        #[serde(default)]
        all: Option<bool>,
    }
    let expected = if all_allowed {
        "`{\"ids\": [\"<id>\", …]}` or `{\"all\": true}`"
    } else {
        "`{\"ids\": [\"<id>\", …]}`"
    };
    let body: Body =
        serde_json::from_str(body).map_err(|e| format!("the body must be {expected}: {e}"))?;
    match (body.ids, body.all) {
        (Some(ids), None) if !ids.is_empty() && ids.len() <= MAX_LETTERS => Ok(Selection::Ids(ids)),
        (Some(ids), None) if ids.is_empty() => Err("`ids` is empty".into()),
        (Some(_), None) => Err(format!("at most {MAX_LETTERS} `ids` at a time")),
        (None, Some(true)) if all_allowed => Ok(Selection::All),
        _ => Err(format!("the body must be {expected}")),
    }
}

/// A letter as the listing route shows it: the event's commands as JSON, not as text.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShownLetter {
    pub id: String,
    pub parked_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub last_error: String,
    pub replays: u32,
    /// The queued event (its `index`, `messageId` and mapped `commands`).
    pub event: Value,
}

impl ShownLetter {
    pub fn of(letter: Letter) -> ShownLetter {
        let event = letter
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or(Value::Null);
        ShownLetter {
            id: letter.id,
            parked_at: letter.parked_at,
            message_id: letter.message_id,
            last_error: letter.last_error,
            replays: letter.replays,
            event,
        }
    }
}

/// One letter that a replay did not deliver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unreplayed {
    pub id: String,
    pub message: String,
}

/// What a replay did, letter by letter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayReport {
    /// Letters taken for the replay.
    pub replayed: usize,
    /// Delivered now (and no longer parked).
    pub delivered: Vec<String>,
    /// Bloomreach had them already, by the ledger (not sent again; no longer parked).
    pub already_delivered: Vec<String>,
    /// Refused for good by Bloomreach (no longer parked; the reason is here and in the log).
    pub rejected: Vec<Unreplayed>,
    /// Still failing: kept, with this error.
    pub failed: Vec<Unreplayed>,
    /// Asked for but not parked.
    pub not_found: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(id: &str, parked_at: u64) -> Letter {
        Letter {
            id: id.into(),
            parked_at,
            message_id: None,
            last_error: "e".into(),
            replays: 0,
            body: Some(r#"{"index":0,"commands":[]}"#.into()),
        }
    }

    #[test]
    fn listings_merge_oldest_first_within_the_limit() {
        let merged = merge(
            vec![
                ListAnswer {
                    total: 3,
                    letters: vec![letter("a", 1), letter("c", 5)],
                },
                ListAnswer {
                    total: 1,
                    letters: vec![letter("b", 1)],
                },
                ListAnswer::default(),
            ],
            2,
        );
        assert_eq!(merged.total, 4);
        let ids: Vec<_> = merged.letters.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        let shown = ShownLetter::of(letter("x", 7));
        assert_eq!(shown.event["commands"], serde_json::json!([]));
    }

    #[test]
    fn queries_and_selections_are_checked() {
        assert_eq!(list_limit(None), Ok(DEFAULT_LIST_LIMIT));
        assert_eq!(list_limit(Some("limit=7")), Ok(7));
        assert!(list_limit(Some("limit=0")).is_err());
        assert!(list_limit(Some("limit=501")).is_err());
        assert!(list_limit(Some("offset=3")).is_err());
        assert_eq!(
            read_selection(r#"{"ids":["a","b"]}"#, true),
            Ok(Selection::Ids(vec!["a".into(), "b".into()]))
        );
        assert_eq!(read_selection(r#"{"all":true}"#, true), Ok(Selection::All));
        for bad in [
            r#"{"all":true}"#,
            r#"{"ids":[]}"#,
            r#"{"ids":["a"],"all":true}"#,
            r#"{"ids":"a"}"#,
            r#"{"other":1}"#,
            "not json",
        ] {
            assert!(read_selection(bad, false).is_err(), "{bad}");
        }
        let many = format!("{{\"ids\":[{}]}}", vec!["\"x\""; 501].join(","));
        assert!(read_selection(&many, true)
            .unwrap_err()
            .contains("at most 500"));
    }
}
