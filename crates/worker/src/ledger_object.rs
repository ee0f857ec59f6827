//! The ledger's Durable Object class (`DeliveryLedger`, SQLite-backed): one object per shard holds its keys' entries and its parked dead letters, applies the ledger's rules to each request in one turn, and sweeps expired entries hourly.
//!
//! Each request reads the rows of its keys with one query and writes what changed with one
//! (the keys travel as one JSON parameter: the object takes at most 100 bound parameters), all
//! synchronously, so no other request sees half of it.
//!
//! A delivery's claims and settles are RPC methods (`claimKeys`, `settleKeys`: JSON text in and
//! out, no Request or Response made on either side); the operator's dead-letter operations are
//! `fetch` routes. workers-rs 0.8 declares a Rust object's class without `extends
//! DurableObject`, which the runtime needs for RPC: `crates/worker/entry.js` adds it.

use crate::ledger::dead_letter::NO_ERROR_RECORDED;
use crate::ledger::protocol::{letter_bytes, MAX_ANSWER_BYTES};
use crate::ledger::protocol::{
    ClaimRequest, CountAnswer, Letter, ListAnswer, ListRequest, ParkRequest, RemoveRequest,
    SettleAnswer, SettleRequest, UpdateRequest, LIST_PATH, PARK_PATH, REMOVE_PATH, UPDATE_PATH,
};
use crate::ledger::rules::{self, Entry, Rows, State, SWEEP_EVERY_MS};
use ::worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue,
    State as ObjectState, Storage,
};
use js_sys::Promise;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, state INTEGER NOT NULL, owner TEXT, until INTEGER NOT NULL, error TEXT) WITHOUT ROWID",
    // The sweep scans the table hourly instead: an index on `until` doubled every write.
    "DROP INDEX IF EXISTS entries_until",
    // Leases apart from the day's entries (`rules::with_lease` reads the two together): the keys
    // are keyed digests, so a batch's writes land on as many pages of a table as it has keys,
    // and the entries hold a day of keys, where the leases hold only deliveries under way.
    // (Entries of state 2 are an older build's leases, read as they are until they expire.)
    "CREATE TABLE IF NOT EXISTS leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, until INTEGER NOT NULL) WITHOUT ROWID",
    // Writing a key's entry (delivered, or failed and released) ends its lease.
    "CREATE TRIGGER IF NOT EXISTS entries_end_lease AFTER INSERT ON entries BEGIN DELETE FROM leases WHERE key = NEW.key; END",
    "CREATE TABLE IF NOT EXISTS letters (id TEXT PRIMARY KEY, parked_at INTEGER NOT NULL, message_id TEXT, last_error TEXT NOT NULL, replays INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS letters_parked ON letters (parked_at, id)",
];

/// The entries and leases of the keys in `?1` (a JSON array), as one JSON array of rows
/// (`[key, state, owner, until, error, lease owner, lease until]`, null where there is none).
const READ_ENTRIES: &str = "SELECT json_group_array(json_array(k.value, e.state, e.owner, e.until, e.error, l.owner, l.until)) AS rows FROM json_each(?1) AS k LEFT JOIN entries AS e ON e.key = k.value LEFT JOIN leases AS l ON l.key = k.value WHERE e.key IS NOT NULL OR l.key IS NOT NULL";
/// Every row of `?1` (a JSON array of `[key, state, owner, until, error]`) written.
const WRITE_ENTRIES: &str = "INSERT OR REPLACE INTO entries (key, state, owner, until, error) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each(?1)";
/// Leases for the keys in `?1` (a JSON array): owner `?2` until `?3` (their entries, and so their
/// last errors, untouched).
const LEASE_ENTRIES: &str =
    "INSERT OR REPLACE INTO leases (key, owner, until) SELECT value, ?2, ?3 FROM json_each(?1)";
/// The keys in `?1` (a JSON array) delivered, remembered until `?2`.
const DELIVER_ENTRIES: &str = "INSERT OR REPLACE INTO entries (key, state, owner, until, error) SELECT value, 1, NULL, ?2, NULL FROM json_each(?1)";
/// At most this many expired entries are deleted per sweep (then it runs again at once).
const SWEEP_BATCH: i64 = 50_000;

/// One object of the delivery ledger.
#[durable_object(alarm)]
pub struct DeliveryLedger {
    state: ObjectState,
    /// When this instance last knew the alarm to be set for (ms since the epoch); `None`: not
    /// known (a new instance, or an alarm running now, which may fail).
    alarm_at: Rc<Cell<Option<u64>>>,
    /// How long a parked letter is kept (`DEAD_LETTER_RETENTION_DAYS`, default 14).
    retention_ms: u64,
}

/// Dead letters are kept this many days unless `DEAD_LETTER_RETENTION_DAYS` says otherwise.
pub const DEFAULT_RETENTION_DAYS: f64 = 14.0;

/// `DEAD_LETTER_RETENTION_DAYS` in milliseconds (a positive number of days, fractions allowed).
pub fn retention_ms(env: &Env) -> u64 {
    let days = env
        .var("DEAD_LETTER_RETENTION_DAYS")
        .ok()
        .and_then(|v| decimal(v.to_string().trim()))
        .filter(|d| d.is_finite() && *d > 0.0)
        .unwrap_or(DEFAULT_RETENTION_DAYS);
    (days * 86_400_000.0) as u64
}

/// `text` read as Rust's `str::parse::<f64>` reads a decimal (`14`, `0.5`, `.5`, `1.`, `+3`,
/// `1e2`), by the runtime's unary `+` (as `Number()`, which cannot throw on a string): over these
/// characters the two grammars are the same and both round correctly, and the Worker does not
/// carry Rust's float parser and its tables (16 KB of wasm) for one variable. `inf`/`nan`
/// (Rust) and `Infinity`/`0x…` (JS) are refused here; the caller refuses them all the same.
fn decimal(text: &str) -> Option<f64> {
    if text.is_empty()
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    let n = wasm_bindgen::JsValue::from_str(text).unchecked_into_f64();
    (!n.is_nan()).then_some(n)
}

impl DurableObject for DeliveryLedger {
    fn new(state: ObjectState, env: Env) -> Self {
        let sql = state.storage().sql();
        for statement in SCHEMA {
            // A failure here shows on the first request, which answers 500: delivery goes on
            // without the ledger.
            let _ = sql.exec(statement, None);
        }
        DeliveryLedger {
            state,
            alarm_at: Rc::new(Cell::new(None)),
            retention_ms: retention_ms(&env),
        }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        let path = request.path();
        let body = request.text().await?;
        let now = crate::clock::now_ms();
        let sql = self.state.storage().sql();
        let answer = match path.as_str() {
            PARK_PATH => parse(&body).and_then(|r| park(&sql, &r, now)),
            LIST_PATH => parse(&body).and_then(|r| list(&sql, &r)),
            REMOVE_PATH => parse(&body).and_then(|r| remove(&sql, &r)),
            UPDATE_PATH => parse(&body).and_then(|r| update(&sql, &r)),
            _ => Err(format!("no such ledger route: {path}")),
        };
        match answer {
            Ok(text) => {
                if writes_entries(&path) {
                    schedule_sweep(&self.state.storage(), &self.alarm_at, now).await;
                }
                if path == PARK_PATH {
                    self.schedule_expiry(&sql, now).await;
                }
                Response::ok(text)
            }
            Err(why) => Response::error(why, 500),
        }
    }

    /// Deletes entries that stopped counting more than an hour ago, and letters parked longer
    /// than their retention (logged); runs again in an hour while entries are left, or when the
    /// oldest letter expires, whichever is first.
    async fn alarm(&self) -> Result<Response> {
        let now = crate::clock::now_ms();
        // Until this run sets the next one, no alarm is known: if it fails, the next write looks.
        self.alarm_at.set(None);
        let sql = self.state.storage().sql();
        let deleted = run(
            &sql,
            "DELETE FROM entries WHERE key IN (SELECT key FROM entries WHERE until < ?1 LIMIT ?2)",
            vec![
                SqlStorageValue::from(rules::sweep_before(now) as i64),
                SqlStorageValue::from(SWEEP_BATCH),
            ],
        )
        .map_err(::worker::Error::RustError)?;
        // A lease is never settled when its delivery's invocation ended first.
        run(
            &sql,
            "DELETE FROM leases WHERE until < ?1",
            vec![SqlStorageValue::from(rules::sweep_before(now) as i64)],
        )
        .map_err(::worker::Error::RustError)?;
        let expired = run(
            &sql,
            "DELETE FROM letters WHERE parked_at <= ?1",
            vec![SqlStorageValue::from(
                now.saturating_sub(self.retention_ms) as i64
            )],
        )
        .map_err(::worker::Error::RustError)?;
        if expired > 0 {
            crate::log::emit(&json!({
                "kind": "dead_letters_expired", "letters": expired,
                "retentionDays": self.retention_ms as f64 / 86_400_000.0,
            }));
        }
        let left = scalar(
            &sql,
            "SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM leases)",
            vec![],
        )
        .map_err(::worker::Error::RustError)?;
        let storage = self.state.storage();
        let next = if deleted as i64 >= SWEEP_BATCH {
            Some(now + 1_000)
        } else if left.as_i64().unwrap_or(0) > 0 {
            Some(now + SWEEP_EVERY_MS)
        } else {
            None
        };
        let next = match (next, self.expiry(&sql)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // Nothing left: no alarm; the next write arms it again.
        if let Some(at) = next {
            storage
                .set_alarm(at.saturating_sub(now).max(1) as i64)
                .await?;
            self.alarm_at.set(Some(at));
        }
        Response::ok("swept")
    }
}

impl DeliveryLedger {
    /// When the oldest parked letter expires, if any is parked.
    fn expiry(&self, sql: &SqlStorage) -> Option<u64> {
        let oldest = scalar(sql, "SELECT min(parked_at) FROM letters", vec![]).ok()?;
        Some(oldest.as_u64()? + self.retention_ms)
    }

    /// Makes sure the alarm comes no later than the oldest letter's expiry.
    async fn schedule_expiry(&self, sql: &SqlStorage, now: u64) {
        let Some(expiry) = self.expiry(sql) else {
            return;
        };
        let storage = self.state.storage();
        let set = storage.get_alarm().await.ok().flatten();
        if set.is_none_or(|at| at as u64 > expiry)
            && storage
                .set_alarm(expiry.saturating_sub(now).max(1) as i64)
                .await
                .is_ok()
        {
            self.alarm_at.set(Some(expiry));
        }
    }
}

/// The delivery's calls, by RPC (see the module's note): the same JSON as the routes took.
#[wasm_bindgen]
impl DeliveryLedger {
    /// Claims a delivery's keys ([`ClaimRequest`] → [`ClaimAnswer`]).
    ///
    /// [`ClaimAnswer`]: crate::ledger::protocol::ClaimAnswer
    #[wasm_bindgen(js_name = claimKeys)]
    pub fn claim_keys(&self, request: &str) -> Promise {
        let now = crate::clock::now_ms();
        let answer = parse(request).and_then(|r| claim(&self.state.storage().sql(), &r, now));
        self.answer_write(answer, now)
    }

    /// Writes back what became of a delivery's keys ([`SettleRequest`] → [`SettleAnswer`]).
    #[wasm_bindgen(js_name = settleKeys)]
    pub fn settle_keys(&self, request: &str) -> Promise {
        let now = crate::clock::now_ms();
        let answer = parse(request).and_then(|r| settle(&self.state.storage().sql(), &r, now));
        self.answer_write(answer, now)
    }

    /// The answer of a call that wrote entries, once a sweep is known to be scheduled (at once
    /// when this instance knows of an alarm to come); a refusal rejects with its message.
    fn answer_write(&self, answer: std::result::Result<String, String>, now: u64) -> Promise {
        let text = match answer {
            Ok(text) => JsValue::from_str(&text),
            Err(why) => return Promise::reject(&js_sys::Error::new(&why).into()),
        };
        if self.alarm_at.get().is_some_and(|at| at > now) {
            return Promise::resolve(&text);
        }
        let (storage, alarm_at) = (self.state.storage(), Rc::clone(&self.alarm_at));
        future_to_promise(async move {
            schedule_sweep(&storage, &alarm_at, now).await;
            Ok(text)
        })
    }
}

/// Makes sure a sweep is scheduled whenever an entry is written: an alarm that failed its
/// retries (or was never set) is armed again by the next write, not only by a new instance.
/// Storage is asked only when this instance knows of no alarm still to come (asking on every
/// write cost about 1 ms of each 100-event delivery).
async fn schedule_sweep(storage: &Storage, alarm_at: &Cell<Option<u64>>, now: u64) {
    if alarm_at.get().is_some_and(|at| at > now) {
        return;
    }
    match storage.get_alarm().await {
        Ok(Some(at)) => alarm_at.set(Some(at as u64)),
        Ok(None) => {
            if storage.set_alarm(SWEEP_EVERY_MS as i64).await.is_ok() {
                alarm_at.set(Some(now + SWEEP_EVERY_MS));
            }
        }
        Err(_) => {}
    }
}

/// Whether a ledger route writes entries or letters (which the sweep must one day delete).
fn writes_entries(path: &str) -> bool {
    matches!(path, PARK_PATH | UPDATE_PATH)
}

fn parse<R: DeserializeOwned>(body: &str) -> std::result::Result<R, String> {
    serde_json::from_str(body).map_err(|e| format!("unreadable ledger request: {e}"))
}

fn text(answer: &impl Serialize) -> std::result::Result<String, String> {
    serde_json::to_string(answer).map_err(|e| e.to_string())
}

fn exec(
    sql: &SqlStorage,
    query: &str,
    bindings: Vec<SqlStorageValue>,
) -> std::result::Result<::worker::SqlCursor, String> {
    sql.exec(query, bindings).map_err(|e| format!("SQL: {e}"))
}

/// The one value of a query that returns one row of one column (read without serde: one JSON
/// text or number crossing into wasm).
fn scalar(
    sql: &SqlStorage,
    query: &str,
    bindings: Vec<SqlStorageValue>,
) -> std::result::Result<serde_json::Value, String> {
    let row = exec(sql, query, bindings)?
        .raw()
        .next()
        .ok_or("SQL: no row")?
        .map_err(|e| format!("SQL: {e}"))?;
    Ok(match row.into_iter().next() {
        Some(SqlStorageValue::String(text)) => serde_json::Value::String(text),
        Some(SqlStorageValue::Integer(n)) => n.into(),
        Some(SqlStorageValue::Float(n)) => (n as i64).into(),
        _ => serde_json::Value::Null,
    })
}

/// The text of a query that returns one row of one JSON text column.
fn json_text(
    sql: &SqlStorage,
    query: &str,
    bindings: Vec<SqlStorageValue>,
) -> std::result::Result<String, String> {
    match scalar(sql, query, bindings)? {
        serde_json::Value::String(text) => Ok(text),
        other => Err(format!("SQL: expected JSON text, got {other}")),
    }
}

/// Runs a statement that returns no rows to its end; how many rows it wrote.
fn run(
    sql: &SqlStorage,
    query: &str,
    bindings: Vec<SqlStorageValue>,
) -> std::result::Result<usize, String> {
    let cursor = exec(sql, query, bindings)?;
    for row in cursor.raw() {
        row.map_err(|e| format!("SQL: {e}"))?;
    }
    Ok(cursor.rows_written())
}

/// `keys` as one JSON array, the statements' parameter.
fn keys_json<K: Serialize>(keys: &[K]) -> std::result::Result<String, String> {
    serde_json::to_string(keys).map_err(|e| e.to_string())
}

/// The entries of the keys in `keys` (a JSON array), with their leases, read with one query.
fn read(sql: &SqlStorage, keys: &str, now: u64) -> std::result::Result<Rows, String> {
    let found = json_text(sql, READ_ENTRIES, vec![keys.into()])?;
    type Row = (
        String,
        Option<u8>,
        Option<String>,
        Option<u64>,
        Option<String>,
        Option<String>,
        Option<u64>,
    );
    let rows: Vec<Row> = serde_json::from_str(&found).map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(key, state, owner, until, error, lease_owner, lease_until)| {
                let entry = match (state.and_then(State::from_code), until) {
                    (Some(state), Some(until)) => Some(Entry {
                        state,
                        owner,
                        until,
                        error,
                    }),
                    _ => None,
                };
                let lease = lease_owner.zip(lease_until);
                Some((key, rules::with_lease(entry, lease, now)?))
            },
        )
        .collect())
}

/// The entries of `failed`, written with one query.
fn write_failed(sql: &SqlStorage, failed: &[(&str, Entry)]) -> std::result::Result<(), String> {
    if failed.is_empty() {
        return Ok(());
    }
    type Row<'r> = (&'r str, u8, Option<&'r str>, u64, Option<&'r str>);
    let values: Vec<Row> = failed
        .iter()
        .map(|(key, e)| {
            let (owner, error) = (e.owner.as_deref(), e.error.as_deref());
            (*key, e.state as u8, owner, e.until, error)
        })
        .collect();
    let values = serde_json::to_string(&values).map_err(|e| e.to_string())?;
    run(sql, WRITE_ENTRIES, vec![values.into()])?;
    Ok(())
}

fn claim(
    sql: &SqlStorage,
    request: &ClaimRequest,
    now: u64,
) -> std::result::Result<String, String> {
    let keys = keys_json(&request.keys)?;
    let rows = read(sql, &keys, now)?;
    let (answer, leased) = rules::claim(&rows, request, now);
    // Every key the rules lease gets the same lease (`rules::lease`): written by one statement
    // over the keys alone (the rows as JSON, parsed column by column, cost several times as
    // much); nearly always every key of the request, whose JSON is at hand.
    if !leased.is_empty() {
        let keys = if leased.len() == request.keys.len() {
            keys
        } else {
            let leased: Vec<&str> = leased.iter().map(|&p| request.keys[p].as_str()).collect();
            keys_json(&leased)?
        };
        run(
            sql,
            LEASE_ENTRIES,
            vec![
                keys.into(),
                request.owner.as_str().into(),
                SqlStorageValue::from((now + request.lease_ms) as i64),
            ],
        )?;
    }
    text(&answer)
}

fn settle(
    sql: &SqlStorage,
    request: &SettleRequest,
    now: u64,
) -> std::result::Result<String, String> {
    // A delivered key is delivered whatever its entry said: only the released keys' entries are
    // read (none, in nearly every settle).
    let rows = if request.released.is_empty() {
        Rows::new()
    } else {
        let released: Vec<&str> = request.released.iter().map(|(k, _)| k.as_str()).collect();
        read(sql, &keys_json(&released)?, now)?
    };
    let settlement = rules::settle(&rows, request, now);
    // Every delivered entry is alike but for its key (`rules::delivered`): one statement over
    // the keys writes them.
    if !settlement.delivered.is_empty() {
        run(
            sql,
            DELIVER_ENTRIES,
            vec![
                keys_json(&settlement.delivered)?.into(),
                SqlStorageValue::from((now + rules::DELIVERED_FOR_MS) as i64),
            ],
        )?;
    }
    write_failed(sql, &settlement.failed)?;
    text(&SettleAnswer {
        written: settlement.written(),
    })
}

fn park(sql: &SqlStorage, request: &ParkRequest, now: u64) -> std::result::Result<String, String> {
    let keys: Vec<&String> = request
        .letters
        .iter()
        .filter_map(|l| l.key.as_ref())
        .collect();
    let rows = read(sql, &keys_json(&keys)?, now)?;
    let letters: Vec<_> = request
        .letters
        .iter()
        .map(|letter| {
            let error = letter
                .key
                .as_deref()
                .and_then(|k| rules::last_error(&rows, k))
                .unwrap_or(if letter.fallback_error.is_empty() {
                    NO_ERROR_RECORDED
                } else {
                    &letter.fallback_error
                });
            json!({"id": letter.id, "messageId": letter.message_id, "lastError": error, "body": letter.body})
        })
        .collect();
    let letters = serde_json::to_string(&letters).map_err(|e| e.to_string())?;
    let parked = run(
        sql,
        "INSERT OR IGNORE INTO letters (id, parked_at, message_id, last_error, replays, body) SELECT json_extract(value, '$.id'), ?2, json_extract(value, '$.messageId'), json_extract(value, '$.lastError'), 0, json_extract(value, '$.body') FROM json_each(?1)",
        vec![letters.into(), SqlStorageValue::from(now as i64)],
    )?;
    text(&CountAnswer { count: parked })
}

/// The letters asked for, oldest first, row by row (never one aggregated string), until the
/// limit or [`MAX_ANSWER_BYTES`]; `more` says whether others follow.
fn list(sql: &SqlStorage, request: &ListRequest) -> std::result::Result<String, String> {
    let ids = serde_json::to_string(&request.ids).map_err(|e| e.to_string())?;
    let (after_at, after_id) = request.after.clone().unwrap_or((0, String::new()));
    let cursor = exec(
        sql,
        "SELECT id, parked_at, message_id, last_error, replays, CASE WHEN ?3 THEN body END FROM letters WHERE (?2 = 'null' OR id IN (SELECT value FROM json_each(?2))) AND (parked_at > ?4 OR (parked_at = ?4 AND id > ?5)) ORDER BY parked_at, id LIMIT ?1",
        vec![
            SqlStorageValue::from(request.limit as i64 + 1),
            ids.into(),
            SqlStorageValue::from(i64::from(request.bodies)),
            SqlStorageValue::from(after_at as i64),
            after_id.into(),
        ],
    )?;
    let (mut letters, mut bytes, mut more) = (Vec::new(), 0, false);
    for row in cursor.raw() {
        let mut row = row.map_err(|e| format!("SQL: {e}"))?.into_iter();
        let mut next = || match row.next() {
            Some(SqlStorageValue::String(text)) => (Some(text), 0),
            Some(SqlStorageValue::Integer(n)) => (None, n),
            Some(SqlStorageValue::Float(n)) => (None, n as i64),
            _ => (None, 0),
        };
        let letter = Letter {
            id: next().0.unwrap_or_default(),
            parked_at: next().1 as u64,
            message_id: next().0,
            last_error: next().0.unwrap_or_default(),
            replays: next().1 as u32,
            body: next().0,
        };
        let size = letter_bytes(&letter.id, &letter.last_error, letter.body.as_deref());
        if letters.len() >= request.limit
            || (!letters.is_empty() && bytes + size > MAX_ANSWER_BYTES)
        {
            more = true;
            break;
        }
        bytes += size;
        letters.push(letter);
    }
    let total = scalar(sql, "SELECT count(*) FROM letters", vec![])?;
    text(&ListAnswer {
        total: total.as_u64().unwrap_or(0) as usize,
        letters,
        more,
    })
}

/// Forgets letters: the answer lists the IDs that were parked.
fn remove(sql: &SqlStorage, request: &RemoveRequest) -> std::result::Result<String, String> {
    let ids = serde_json::to_string(&request.ids).map_err(|e| e.to_string())?;
    let query = "DELETE FROM letters WHERE id IN (SELECT value FROM json_each(?1)) RETURNING id";
    let mut removed = Vec::new();
    for row in exec(sql, query, vec![ids.into()])?.raw() {
        if let Some(SqlStorageValue::String(id)) = row.map_err(|e| format!("SQL: {e}"))?.pop() {
            removed.push(id);
        }
    }
    text(&RemoveRequest { ids: removed })
}

fn update(sql: &SqlStorage, request: &UpdateRequest) -> std::result::Result<String, String> {
    let query = "UPDATE letters SET last_error = json_extract(j.value, '$[1]'), replays = replays + 1 FROM json_each(?1) AS j WHERE letters.id = json_extract(j.value, '$[0]')";
    count_of(sql, query, &request.failed)
}

/// Runs `query` with `rows` as its one JSON parameter; the answer counts the rows it wrote.
fn count_of(
    sql: &SqlStorage,
    query: &str,
    rows: &impl Serialize,
) -> std::result::Result<String, String> {
    let rows = serde_json::to_string(rows).map_err(|e| e.to_string())?;
    text(&CountAnswer {
        count: run(sql, query, vec![rows.into()])?,
    })
}
