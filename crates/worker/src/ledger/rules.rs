//! What a ledger entry is and how each operation changes it: a delivered key is remembered 24 hours, a lease holds a key for one delivery until it ends or expires, a failed key keeps its last error.
//!
//! A ledger object reads the entries of a request's keys, applies these rules, and writes back
//! what changed, all in one turn of its event loop (so no other request sees half of it).

use super::protocol::{ClaimAnswer, ClaimRequest, SettleRequest};
use std::collections::{HashMap, HashSet};

/// A delivered key is remembered this long (Segment deduplicates for 24 hours too).
pub const DELIVERED_FOR_MS: u64 = 24 * 60 * 60 * 1000;
/// A failed key's last error is kept this long (for the dead letters).
pub const FAILED_FOR_MS: u64 = 24 * 60 * 60 * 1000;
/// Entries are deleted once they have counted for nothing this long (by the hourly sweep): a
/// delivered key is deleted 24 to 26 hours after its delivery.
pub const SWEEP_GRACE_MS: u64 = 60 * 60 * 1000;
/// How often an object sweeps.
pub const SWEEP_EVERY_MS: u64 = 60 * 60 * 1000;

/// What the ledger knows of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Bloomreach accepted the command.
    Delivered = 1,
    /// A delivery holds the key: it is sending the command or waiting for the answer.
    Leased = 2,
    /// The last delivery failed (the lease is released); `error` says why.
    Failed = 3,
}

impl State {
    pub fn from_code(code: u8) -> Option<State> {
        match code {
            1 => Some(State::Delivered),
            2 => Some(State::Leased),
            3 => Some(State::Failed),
            _ => None,
        }
    }
}

/// One key's entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub state: State,
    /// The lease's holder (leased entries only).
    pub owner: Option<String>,
    /// Until when the entry counts (ms since the epoch): a delivered key's memory, a lease's
    /// end, a failure's keeping.
    pub until: u64,
    /// The last delivery error, carried through later leases.
    pub error: Option<String>,
}

impl Entry {
    fn counts(&self, now: u64) -> bool {
        self.until > now
    }
}

/// The entries of one request's keys, read from storage (absent: no entry).
pub type Rows = HashMap<String, Entry>;

/// A key's entry as the rules see it, from what storage holds of it: its entry of the day
/// (delivered or failed) and the lease a delivery holds on it. Leases are written apart from
/// the day's entries (a batch's leases would otherwise touch as many storage pages of that
/// table as it has keys, and its settle the same pages again), so a key may have both: the
/// lease holds it, keeping the entry's last error, unless the entry says it is delivered and
/// still counts (delivered is final; writing a key's entry ends its lease in the same statement,
/// so the two are seen together only when a key whose entry no longer counts is leased again).
pub fn with_lease(entry: Option<Entry>, lease: Option<(String, u64)>, now: u64) -> Option<Entry> {
    match (entry, lease) {
        (Some(entry), _) if entry.state == State::Delivered && entry.counts(now) => Some(entry),
        (entry, Some((owner, until))) => Some(Entry {
            state: State::Leased,
            owner: Some(owner),
            until,
            error: entry.and_then(|e| e.error),
        }),
        (entry, None) => entry,
    }
}

/// Claims each key of `request` in order: a delivered key is `done`, a key leased by another
/// owner is `busy`, any other key (no entry, failed, expired, or leased by this owner) gets a
/// lease ([`lease`]). Returns the answer and the positions of the keys that get one; `rows`, as
/// read, is not changed (a key twice in one request is answered alike both times).
pub fn claim(rows: &Rows, request: &ClaimRequest, now: u64) -> (ClaimAnswer, Vec<usize>) {
    let mut answer = ClaimAnswer::default();
    let mut leased = Vec::new();
    for (position, key) in request.keys.iter().enumerate() {
        let current = rows.get(key).filter(|e| e.counts(now));
        match current {
            Some(e) if e.state == State::Delivered => answer.done.push(position as u32),
            Some(e) if e.state == State::Leased && e.owner.as_deref() != Some(&request.owner) => {
                answer.busy.push((position as u32, e.until))
            }
            _ => leased.push(position),
        }
    }
    (answer, leased)
}

/// The entry a claim's lease leaves: held by `owner` until `until`, the key's last error kept
/// (the object writes the lease with one statement over the keys, `LEASE_ENTRIES`, apart from
/// the key's entry, which keeps the error: [`with_lease`] reads the two as this).
pub fn lease(previous: Option<&Entry>, owner: &str, until: u64) -> Entry {
    Entry {
        state: State::Leased,
        owner: Some(owner.to_string()),
        until,
        error: previous.and_then(|e| e.error.clone()),
    }
}

/// What a settle writes: the keys now delivered, each once, and the failed keys with their
/// entries.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Settlement<'r> {
    /// Each written as [`delivered`] (the object: one statement over the keys, `DELIVER_ENTRIES`).
    pub delivered: Vec<&'r str>,
    pub failed: Vec<(&'r str, Entry)>,
}

impl Settlement<'_> {
    /// How many entries it writes.
    pub fn written(&self) -> usize {
        self.delivered.len() + self.failed.len()
    }
}

/// A delivered key's entry: remembered for a day.
pub fn delivered(now: u64) -> Entry {
    Entry {
        state: State::Delivered,
        owner: None,
        until: now + DELIVERED_FOR_MS,
        error: None,
    }
}

/// Records what Bloomreach accepted (whoever held the key: it is delivered) and releases the
/// leases of what failed, keeping the error, unless another delivery holds the key or it is
/// delivered (by this request too). `rows` holds the released keys' entries (a delivered key's
/// is not needed). A key named twice is written once: as delivered if it is among the delivered,
/// else with its last error.
pub fn settle<'r>(rows: &Rows, request: &'r SettleRequest, now: u64) -> Settlement<'r> {
    let mut settlement = Settlement::default();
    let mut delivered_keys: HashSet<&str> = HashSet::with_capacity(request.delivered.len());
    for key in &request.delivered {
        if delivered_keys.insert(key) {
            settlement.delivered.push(key);
        }
    }
    for (key, error) in &request.released {
        let untouchable = delivered_keys.contains(key.as_str())
            || rows.get(key).filter(|e| e.counts(now)).is_some_and(|e| {
                e.state == State::Delivered
                    || (e.state == State::Leased && e.owner.as_deref() != Some(&request.owner))
            });
        if untouchable {
            continue;
        }
        let entry = Entry {
            state: State::Failed,
            owner: None,
            until: now + FAILED_FOR_MS,
            error: Some(error.clone()),
        };
        match settlement.failed.iter_mut().find(|(k, _)| *k == key) {
            Some((_, kept)) => *kept = entry,
            None => settlement.failed.push((key, entry)),
        }
    }
    settlement
}

/// The last delivery error recorded for `key`, if any.
pub fn last_error<'r>(rows: &'r Rows, key: &str) -> Option<&'r str> {
    rows.get(key).and_then(|e| e.error.as_deref())
}

/// The sweep deletes entries whose `until` is before this.
pub fn sweep_before(now: u64) -> u64 {
    now.saturating_sub(SWEEP_GRACE_MS)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A ledger object's table in memory: the rules applied over whole requests, as the object
    /// applies them over the rows it reads.
    #[derive(Default)]
    pub(crate) struct MemoryLedger {
        pub rows: Rows,
    }

    impl MemoryLedger {
        fn read(&self, keys: impl IntoIterator<Item = String>) -> Rows {
            keys.into_iter()
                .filter_map(|k| self.rows.get(&k).map(|e| (k, e.clone())))
                .collect()
        }

        pub(crate) fn claim(&mut self, request: &ClaimRequest, now: u64) -> ClaimAnswer {
            let rows = self.read(request.keys.iter().cloned());
            let (answer, leased) = claim(&rows, request, now);
            for position in leased {
                let key = &request.keys[position];
                let entry = lease(rows.get(key), &request.owner, now + request.lease_ms);
                self.rows.insert(key.clone(), entry);
            }
            answer
        }

        pub(crate) fn settle(&mut self, request: &SettleRequest, now: u64) -> usize {
            let rows = self.read(request.released.iter().map(|(k, _)| k.clone()));
            let settlement = settle(&rows, request, now);
            for key in &settlement.delivered {
                self.rows.insert(key.to_string(), delivered(now));
            }
            for (key, entry) in &settlement.failed {
                self.rows.insert(key.to_string(), entry.clone());
            }
            settlement.written()
        }

        pub(crate) fn sweep(&mut self, now: u64) {
            let before = sweep_before(now);
            self.rows.retain(|_, e| e.until >= before);
        }
    }

    fn claim_of(owner: &str, keys: &[&str]) -> ClaimRequest {
        ClaimRequest {
            owner: owner.into(),
            lease_ms: 30_000,
            keys: keys.iter().map(|k| k.to_string()).collect(),
        }
    }

    fn settle_of(owner: &str, delivered: &[&str], released: &[(&str, &str)]) -> SettleRequest {
        SettleRequest {
            owner: owner.into(),
            delivered: delivered.iter().map(|k| k.to_string()).collect(),
            released: released
                .iter()
                .map(|(k, e)| (k.to_string(), e.to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_delivered_key_is_never_claimed_again_for_a_day() {
        let mut ledger = MemoryLedger::default();
        let t = 1_000_000;
        assert_eq!(
            ledger.claim(&claim_of("a", &["k1", "k2"]), t),
            ClaimAnswer::default(),
            "both claimed"
        );
        assert_eq!(
            ledger.settle(&settle_of("a", &["k1"], &[("k2", "HTTP 500")]), t + 10),
            2
        );
        // The sender's retry: k1 is done, k2 is claimed again.
        let answer = ledger.claim(&claim_of("b", &["k1", "k2"]), t + 2_000);
        assert_eq!(answer.done, [0]);
        assert!(answer.busy.is_empty());
        // Still done a moment before 24 hours, claimable after.
        let day = t + 10 + DELIVERED_FOR_MS;
        assert_eq!(ledger.claim(&claim_of("c", &["k1"]), day - 1).done, [0]);
        assert_eq!(
            ledger.claim(&claim_of("c", &["k1"]), day + 1),
            ClaimAnswer::default()
        );
    }

    #[test]
    fn a_lease_holds_a_key_until_it_is_settled_or_expires() {
        let mut ledger = MemoryLedger::default();
        let t = 5_000;
        ledger.claim(&claim_of("a", &["k"]), t);
        // Another delivery finds it busy until the lease ends; the holder may claim again.
        assert_eq!(
            ledger.claim(&claim_of("b", &["k"]), t + 1).busy,
            [(0, t + 30_000)]
        );
        assert_eq!(
            ledger.claim(&claim_of("a", &["k"]), t + 2),
            ClaimAnswer::default()
        );
        // Only the holder's release counts.
        assert_eq!(ledger.settle(&settle_of("b", &[], &[("k", "x")]), t + 3), 0);
        assert_eq!(ledger.claim(&claim_of("b", &["k"]), t + 4).busy.len(), 1);
        // A lease never settled expires: the key is claimable again.
        let answer = ledger.claim(&claim_of("b", &["k"]), t + 2 + 30_000 + 1);
        assert_eq!(answer, ClaimAnswer::default());
    }

    #[test]
    fn a_late_answer_is_recorded_whoever_holds_the_key() {
        let mut ledger = MemoryLedger::default();
        ledger.claim(&claim_of("a", &["k"]), 0);
        // a's lease expired, b claimed; then a's late answer says delivered: recorded.
        ledger.claim(&claim_of("b", &["k"]), 40_000);
        assert_eq!(ledger.settle(&settle_of("a", &["k"], &[]), 40_001), 1);
        // b's failure does not undo a delivered key.
        assert_eq!(
            ledger.settle(&settle_of("b", &[], &[("k", "HTTP 503")]), 40_002),
            0
        );
        assert_eq!(ledger.claim(&claim_of("c", &["k"]), 40_003).done, [0]);
    }

    #[test]
    fn a_failure_keeps_its_error_through_later_leases_until_swept() {
        let mut ledger = MemoryLedger::default();
        ledger.claim(&claim_of("a", &["k"]), 0);
        ledger.settle(
            &settle_of("a", &[], &[("k", "HTTP 500 from Bloomreach")]),
            1,
        );
        ledger.claim(&claim_of("b", &["k"]), 2);
        let entry = &ledger.rows["k"];
        assert_eq!(entry.state, State::Leased);
        assert_eq!(
            last_error(&ledger.rows, "k"),
            Some("HTTP 500 from Bloomreach")
        );
        // A release with no entry at all (the claim never reached the object) records the error.
        assert_eq!(
            ledger.settle(&settle_of("z", &[], &[("other", "reset")]), 3),
            1
        );
        assert_eq!(last_error(&ledger.rows, "other"), Some("reset"));
        // The sweep keeps what still counts or counted within the grace period.
        ledger.settle(&settle_of("b", &["k"], &[]), 10);
        ledger.sweep(FAILED_FOR_MS + SWEEP_GRACE_MS);
        assert!(ledger.rows.contains_key("k") && ledger.rows.contains_key("other"));
        ledger.sweep(10 + DELIVERED_FOR_MS + SWEEP_GRACE_MS + 1);
        assert!(ledger.rows.is_empty());
    }

    #[test]
    fn a_settle_writes_each_key_once_delivered_before_released() {
        let rows = Rows::new();
        let request = settle_of(
            "a",
            &["k1", "k2", "k1"],
            &[("k2", "HTTP 500"), ("k3", "first"), ("k3", "last")],
        );
        let settlement = settle(&rows, &request, 7);
        assert_eq!(
            settlement,
            Settlement {
                delivered: vec!["k1", "k2"],
                failed: vec![(
                    "k3",
                    Entry {
                        state: State::Failed,
                        owner: None,
                        until: 7 + FAILED_FOR_MS,
                        error: Some("last".into())
                    }
                )],
            }
        );
        assert_eq!(settlement.written(), 3);
        assert_eq!(
            lease(settlement.failed.first().map(|(_, e)| e), "b", 9),
            Entry {
                state: State::Leased,
                owner: Some("b".into()),
                until: 9,
                error: Some("last".into())
            }
        );
    }

    #[test]
    fn a_lease_read_beside_its_entry_holds_the_key_with_the_entry_s_error_unless_delivered() {
        let failed = Entry {
            state: State::Failed,
            owner: None,
            until: 500,
            error: Some("HTTP 500".into()),
        };
        let lease_of = |owner: &str| Some((owner.to_string(), 90));
        assert_eq!(
            with_lease(Some(failed.clone()), lease_of("a"), 10),
            Some(Entry {
                state: State::Leased,
                owner: Some("a".into()),
                until: 90,
                error: Some("HTTP 500".into())
            }),
            "a failed key leased again keeps its last error"
        );
        assert_eq!(
            with_lease(None, lease_of("b"), 10),
            Some(Entry {
                state: State::Leased,
                owner: Some("b".into()),
                until: 90,
                error: None
            })
        );
        assert_eq!(
            with_lease(Some(failed.clone()), None, 10),
            Some(failed),
            "no lease: the entry as it is (also an older build's lease, kept in the entries)"
        );
        assert_eq!(with_lease(None, None, 10), None);
        let delivered = delivered(0);
        assert_eq!(
            with_lease(Some(delivered.clone()), lease_of("c"), 10),
            Some(delivered.clone()),
            "a delivered key that still counts stays delivered"
        );
        assert_eq!(
            with_lease(Some(delivered), lease_of("c"), DELIVERED_FOR_MS + 1).map(|e| e.state),
            Some(State::Leased),
            "a delivered key that no longer counts is held by the new lease"
        );
    }

    #[test]
    fn a_key_twice_in_one_claim_is_claimed_once_by_its_owner() {
        let mut ledger = MemoryLedger::default();
        assert_eq!(
            ledger.claim(&claim_of("a", &["k", "k"]), 0),
            ClaimAnswer::default()
        );
        assert_eq!(State::from_code(2), Some(State::Leased));
        assert_eq!(State::from_code(9), None);
    }
}
