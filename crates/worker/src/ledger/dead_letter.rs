//! Parked dead letters as the operator sees them: the listing merged from every object, what a replay asks for, and what it answers.

use super::protocol::{letter_bytes, Letter, ListAnswer, MAX_ANSWER_BYTES};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most letters one listing or replay takes (a replay delivers them within one request).
pub const MAX_LETTERS: usize = 500;
/// Letters listed when the operator does not say how many.
pub const DEFAULT_LIST_LIMIT: usize = 100;

/// The error kept for a letter whose key has none in the ledger.
pub const NO_ERROR_RECORDED: &str =
    "the message exhausted its queue retries; the ledger recorded no delivery error for it";

/// Every object's listing merged: the letters, each with its object.
#[derive(Debug, Default)]
pub struct Page {
    pub total: usize,
    pub letters: Vec<(usize, Letter)>,
    /// More letters follow (the next page starts after the last one here).
    pub more: bool,
}

/// Every object's listing (each oldest first, by shard) as one: oldest first (then by ID), at
/// most `limit` letters and [`MAX_ANSWER_BYTES`], never past the last letter of an object that
/// has more (so the next page, after the last letter here, misses none).
pub fn merge(listings: Vec<(usize, ListAnswer)>, limit: usize) -> Page {
    let order = |l: &Letter| (l.parked_at, l.id.clone());
    let cut = listings
        .iter()
        .filter(|(_, l)| l.more)
        .filter_map(|(_, l)| l.letters.last().map(order))
        .min();
    let total = listings.iter().map(|(_, l)| l.total).sum();
    let mut more = listings.iter().any(|(_, l)| l.more);
    let mut queues: Vec<(usize, std::collections::VecDeque<Letter>)> = listings
        .into_iter()
        .map(|(shard, l)| (shard, l.letters.into()))
        .collect();
    let (mut letters, mut bytes) = (Vec::new(), 0);
    loop {
        let next = queues
            .iter()
            .enumerate()
            .filter_map(|(i, (_, q))| Some((i, order(q.front()?))))
            .min_by(|(_, a), (_, b)| a.cmp(b));
        let Some((i, key)) = next else { break };
        let letter = &queues[i].1[0];
        let size = letter_bytes(&letter.id, &letter.last_error, letter.body.as_deref());
        let over = !letters.is_empty() && bytes + size > MAX_ANSWER_BYTES;
        if letters.len() >= limit || over || cut.as_ref().is_some_and(|c| &key > c) {
            more = true;
            break;
        }
        bytes += size;
        let shard = queues[i].0;
        letters.extend(queues[i].1.pop_front().map(|l| (shard, l)));
    }
    Page {
        total,
        letters,
        more,
    }
}

/// The listing's cursor: `<parkedAt>.<id>` of the last letter listed.
pub fn cursor_of(letter: &Letter) -> String {
    format!("{}.{}", letter.parked_at, letter.id)
}

/// `?limit=N&after=<cursor>` of the listing route: 1 ..= [`MAX_LETTERS`] ([`DEFAULT_LIST_LIMIT`]
/// when absent), and the page's start (the `next` of the page before).
pub fn list_query(query: Option<&str>) -> Result<(usize, Option<(u64, String)>), String> {
    let mut limit = DEFAULT_LIST_LIMIT;
    let mut after = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
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
            Some(("after", value)) => {
                let cursor = value
                    .split_once('.')
                    .and_then(|(at, id)| Some((at.parse::<u64>().ok()?, id.to_string())));
                after = Some(cursor.ok_or("`after` must be the `next` of a listing")?);
            }
            _ => {
                return Err(format!(
                    "unknown query parameter `{pair}` (only `limit` and `after`)"
                ))
            }
        }
    }
    Ok((limit, after))
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
    /// Asked for but not taken this time (over what one replay carries): replay them again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_reached: Vec<String>,
    /// `{all: true}`: more letters are parked than this replay took.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
    /// Objects that did not answer (their letters stay parked, untouched): `{object, error}`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_objects: Vec<serde_json::Value>,
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

    fn answer(total: usize, letters: Vec<Letter>, more: bool) -> ListAnswer {
        ListAnswer {
            total,
            letters,
            more,
        }
    }

    fn ids(page: &Page) -> Vec<(usize, &str)> {
        page.letters
            .iter()
            .map(|(s, l)| (*s, l.id.as_str()))
            .collect()
    }

    #[test]
    fn listings_merge_oldest_first_within_the_limit() {
        let merged = merge(
            vec![
                (0, answer(3, vec![letter("a", 1), letter("c", 5)], false)),
                (3, answer(1, vec![letter("b", 1)], false)),
                (5, ListAnswer::default()),
            ],
            2,
        );
        assert_eq!(
            (merged.total, ids(&merged), merged.more),
            (4, vec![(0, "a"), (3, "b")], true)
        );
        let all = merge(
            vec![(0, answer(2, vec![letter("a", 1), letter("c", 5)], false))],
            9,
        );
        assert_eq!((ids(&all), all.more), (vec![(0, "a"), (0, "c")], false));
        let shown = ShownLetter::of(letter("x", 7));
        assert_eq!(shown.event["commands"], serde_json::json!([]));
    }

    #[test]
    fn a_page_never_passes_an_object_with_more_nor_the_byte_bound() {
        // Object 1 stopped at "b" (t 3): nothing after it is listed, or the next page (after the
        // last letter listed) would skip object 1's letters between.
        let page = merge(
            vec![
                (
                    0,
                    answer(
                        3,
                        vec![letter("a", 1), letter("c", 4), letter("e", 6)],
                        false,
                    ),
                ),
                (1, answer(9, vec![letter("b", 3)], true)),
            ],
            100,
        );
        assert_eq!((ids(&page), page.more), (vec![(0, "a"), (1, "b")], true));
        assert_eq!(cursor_of(&page.letters[1].1), "3.b");
        // Bodies of 400 KB: two fit in one page, the third goes to the next.
        let big = |id: &str, at| Letter {
            body: Some("x".repeat(400_000)),
            ..letter(id, at)
        };
        let page = merge(
            vec![(
                2,
                answer(3, vec![big("a", 1), big("b", 2), big("c", 3)], false),
            )],
            100,
        );
        assert_eq!((ids(&page), page.more), (vec![(2, "a"), (2, "b")], true));
        // One letter alone over the bound still goes, alone.
        let huge = Letter {
            body: Some("x".repeat(MAX_ANSWER_BYTES)),
            ..letter("h", 1)
        };
        let page = merge(vec![(0, answer(1, vec![huge], false))], 100);
        assert_eq!((ids(&page), page.more), (vec![(0, "h")], false));
    }

    #[test]
    fn queries_and_selections_are_checked() {
        assert_eq!(list_query(None), Ok((DEFAULT_LIST_LIMIT, None)));
        assert_eq!(list_query(Some("limit=7")), Ok((7, None)));
        assert_eq!(
            list_query(Some("limit=7&after=12.ab.c")),
            Ok((7, Some((12, "ab.c".to_string()))))
        );
        assert!(list_query(Some("after=x.y")).is_err());
        assert!(list_query(Some("after=12")).is_err());
        assert!(list_query(Some("limit=0")).is_err());
        assert!(list_query(Some("limit=501")).is_err());
        assert!(list_query(Some("offset=3")).is_err());
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
