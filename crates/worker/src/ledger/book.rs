//! One delivery run's view of the ledger: each command's key, what the claim said, what became of it, and what to write back when the run ends.
//!
//! A key is sent once per run however often it occurs: the first command with a key leads, the
//! later ones (the same event twice in a body or a queue batch) follow and share its fate.

use super::protocol::{ClaimAnswer, SettleRequest};
use serde::Serialize;
use std::collections::HashMap;

/// What the ledger said of a key before sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// No ledger was asked (none is bound, or the run has not claimed yet).
    Unasked,
    /// This run holds the lease: send it.
    Claimed,
    /// Bloomreach already accepted it: do not send it again.
    Done,
    /// Another delivery holds it (until the lease's end): do not send it now.
    Busy { until: u64 },
    /// The ledger did not answer for its object: send it (at least once).
    Unknown,
}

/// What became of a key in this run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyFate {
    /// Not sent (yet).
    Unsent,
    Delivered,
    /// Refused for good, with Bloomreach's reason.
    Rejected(String),
    /// Failed in a way worth retrying, with the reason.
    Retry(String),
    /// Sent, but the answer had not come when the run stopped waiting; it is awaited in the
    /// background, which records it.
    InDoubt,
}

/// How a command takes part in the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// It has no key: delivered at least once, outside the ledger.
    Unkeyed,
    /// The first command with its key (the key's position in the book).
    Leader(usize),
    /// Its key came earlier in the run: never sent, it shares the leader's fate.
    Follower(usize),
}

/// A follower's fate at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Followed {
    pub owner: usize,
    pub command_id: String,
    pub fate: KeyFate,
    pub claim: Claim,
}

#[derive(Clone, Debug)]
struct KeyState {
    key: String,
    claim: Claim,
    fate: KeyFate,
    /// (owner, command_id) of each follower.
    followers: Vec<(usize, String)>,
}

/// What the ledger did for a run, for its log line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerReport {
    /// Distinct keys looked up.
    pub keys: usize,
    /// Keys Bloomreach had already accepted (not sent again).
    pub hits: usize,
    /// Keys another delivery held (not sent now).
    pub busy: usize,
    /// Commands that repeated a key earlier in the run (sent once).
    pub repeats: usize,
    /// Keys sent without the ledger's word (it did not answer).
    pub unknown: usize,
    /// Keys whose answer is awaited in the background.
    pub in_doubt: usize,
    /// Entries the settle wrote (delivered or released).
    pub written: usize,
    /// Why the ledger could not be used, for part or all of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

/// The run's keys, in the order they first occur.
#[derive(Clone, Debug, Default)]
pub struct Book {
    keys: Vec<KeyState>,
    by_key: HashMap<String, usize>,
    repeats: usize,
}

impl Book {
    pub fn new() -> Book {
        Book::default()
    }

    /// Enters a command: its role in the run.
    pub fn enter(&mut self, owner: usize, command_id: &str, key: Option<&str>) -> Role {
        let Some(key) = key else {
            return Role::Unkeyed;
        };
        if let Some(&position) = self.by_key.get(key) {
            self.keys[position]
                .followers
                .push((owner, command_id.to_string()));
            self.repeats += 1;
            return Role::Follower(position);
        }
        let position = self.keys.len();
        self.by_key.insert(key.to_string(), position);
        self.keys.push(KeyState {
            key: key.to_string(),
            claim: Claim::Unasked,
            fate: KeyFate::Unsent,
            followers: Vec::new(),
        });
        Role::Leader(position)
    }

    /// Every distinct key, by position.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.keys.iter().map(|k| k.key.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Records one object's answer for the keys at `positions` (the order it was asked in).
    pub fn claimed(&mut self, positions: &[usize], answer: &ClaimAnswer) {
        for &position in positions {
            self.keys[position].claim = Claim::Claimed;
        }
        let at = |asked: u32| positions.get(asked as usize).copied();
        for &asked in &answer.done {
            if let Some(position) = at(asked) {
                self.keys[position].claim = Claim::Done;
            }
        }
        for &(asked, until) in &answer.busy {
            if let Some(position) = at(asked) {
                self.keys[position].claim = Claim::Busy { until };
            }
        }
    }

    /// Records that an object did not answer for the keys at `positions`.
    pub fn unknown(&mut self, positions: &[usize]) {
        for &position in positions {
            self.keys[position].claim = Claim::Unknown;
        }
    }

    pub fn claim(&self, position: usize) -> Claim {
        self.keys[position].claim
    }

    /// Whether the leader at `position` is to be sent.
    pub fn sendable(&self, position: usize) -> bool {
        matches!(
            self.keys[position].claim,
            Claim::Unasked | Claim::Claimed | Claim::Unknown
        )
    }

    /// Records what became of a key (the latest word counts).
    pub fn record(&mut self, key: &str, fate: KeyFate) {
        if let Some(&position) = self.by_key.get(key) {
            self.keys[position].fate = fate;
        }
    }

    /// Each follower with its leader's fate and claim.
    pub fn followers(&self) -> impl Iterator<Item = Followed> + '_ {
        self.keys.iter().flat_map(|k| {
            k.followers.iter().map(move |(owner, command_id)| Followed {
                owner: *owner,
                command_id: command_id.clone(),
                fate: k.fate.clone(),
                claim: k.claim,
            })
        })
    }

    /// What to write back: what Bloomreach accepted and what failed, for the keys this run sent
    /// under a lease it holds or may hold (claimed, or the object did not answer). Keys in doubt
    /// are left to the background; keys done or busy were not this run's to write.
    pub fn settlement(&self, owner: &str) -> SettleRequest {
        let mut request = SettleRequest {
            owner: owner.to_string(),
            ..SettleRequest::default()
        };
        for k in &self.keys {
            if !matches!(k.claim, Claim::Claimed | Claim::Unknown) {
                continue;
            }
            match &k.fate {
                KeyFate::Delivered => request.delivered.push(k.key.clone()),
                KeyFate::Rejected(why) | KeyFate::Retry(why) => {
                    request.released.push((k.key.clone(), why.clone()))
                }
                KeyFate::Unsent | KeyFate::InDoubt => {}
            }
        }
        request
    }

    /// The counts for the log line (`written` and `fallback` are the caller's to fill in).
    pub fn report(&self) -> LedgerReport {
        let count =
            |claim: fn(&Claim) -> bool| self.keys.iter().filter(|k| claim(&k.claim)).count();
        LedgerReport {
            keys: self.keys.len(),
            hits: count(|c| *c == Claim::Done),
            busy: count(|c| matches!(c, Claim::Busy { .. })),
            repeats: self.repeats,
            unknown: count(|c| *c == Claim::Unknown),
            in_doubt: self
                .keys
                .iter()
                .filter(|k| k.fate == KeyFate::InDoubt)
                .count(),
            written: 0,
            fallback: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_sends_each_key_once_and_writes_back_what_it_held() {
        let mut book = Book::new();
        assert_eq!(book.enter(0, "a", Some("m:a")), Role::Leader(0));
        assert_eq!(
            book.enter(0, "a:session_ping", Some("m:a:session_ping")),
            Role::Leader(1)
        );
        assert_eq!(book.enter(1, "b", Some("m:b")), Role::Leader(2));
        assert_eq!(book.enter(2, "a#2", Some("m:a")), Role::Follower(0));
        assert_eq!(book.enter(3, "event-3", None), Role::Unkeyed);
        assert_eq!(book.enter(4, "c", Some("m:c")), Role::Leader(3));
        assert_eq!(book.enter(5, "d", Some("m:d")), Role::Leader(4));
        assert_eq!(
            book.keys().collect::<Vec<_>>(),
            ["m:a", "m:a:session_ping", "m:b", "m:c", "m:d"]
        );
        // Two objects: one answers for keys 0, 2, 3 (2 done, 3 busy), the other not at all.
        book.claimed(
            &[0, 2, 3],
            &ClaimAnswer {
                done: vec![1],
                busy: vec![(2, 99)],
            },
        );
        book.unknown(&[1, 4]);
        assert_eq!(book.claim(0), Claim::Claimed);
        assert_eq!(book.claim(2), Claim::Done);
        assert_eq!(book.claim(3), Claim::Busy { until: 99 });
        assert_eq!(book.claim(4), Claim::Unknown);
        let sendable: Vec<_> = (0..5).filter(|&p| book.sendable(p)).collect();
        assert_eq!(sendable, [0, 1, 4]);

        book.record("m:a", KeyFate::Delivered);
        book.record("m:a:session_ping", KeyFate::Retry("HTTP 503".into()));
        book.record("m:d", KeyFate::InDoubt);
        book.record("m:unknown", KeyFate::Delivered);
        assert_eq!(
            book.followers().collect::<Vec<_>>(),
            [Followed {
                owner: 2,
                command_id: "a#2".into(),
                fate: KeyFate::Delivered,
                claim: Claim::Claimed
            }]
        );
        let settle = book.settlement("owner-1");
        assert_eq!(settle.owner, "owner-1");
        assert_eq!(settle.delivered, ["m:a"]);
        assert_eq!(
            settle.released,
            [("m:a:session_ping".to_string(), "HTTP 503".to_string())]
        );
        assert_eq!(
            book.report(),
            LedgerReport {
                keys: 5,
                hits: 1,
                busy: 1,
                repeats: 1,
                unknown: 2,
                in_doubt: 1,
                written: 0,
                fallback: None,
            }
        );
    }

    #[test]
    fn without_a_ledger_every_leader_is_sent_and_nothing_is_written() {
        let mut book = Book::new();
        book.enter(0, "a", Some("m:a"));
        assert!(book.sendable(0));
        book.record("m:a", KeyFate::Delivered);
        assert_eq!(
            book.settlement("o"),
            SettleRequest {
                owner: "o".into(),
                ..Default::default()
            }
        );
        assert!(Book::new().is_empty());
    }
}
