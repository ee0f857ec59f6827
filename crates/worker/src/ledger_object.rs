//! The ledger's Durable Object class (`DeliveryLedger`, SQLite-backed): one object per shard holds its keys' entries and its parked dead letters, applies the ledger's rules to each request in one turn, and sweeps expired entries hourly.
//!
//! Each request reads the rows of its keys with one query and writes what changed with one
//! (the keys travel as one JSON parameter: the object takes at most 100 bound parameters), all
//! synchronously, so no other request sees half of it.

use crate::ledger::dead_letter::NO_ERROR_RECORDED;
use crate::ledger::protocol::{
    ClaimRequest, CountAnswer, Letter, ListAnswer, ListRequest, ParkRequest, RemoveRequest,
    SettleAnswer, SettleRequest, UpdateRequest, CLAIM_PATH, LIST_PATH, PARK_PATH, REMOVE_PATH,
    SETTLE_PATH, UPDATE_PATH,
};
use crate::ledger::rules::{self, Entry, Rows, State, SWEEP_EVERY_MS};
use ::worker::{
    durable_object, Date, DurableObject, Env, Request, Response, Result, SqlStorage,
    SqlStorageValue, State as ObjectState,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use std::cell::Cell;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, state INTEGER NOT NULL, owner TEXT, until INTEGER NOT NULL, error TEXT) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS entries_until ON entries (until)",
    "CREATE TABLE IF NOT EXISTS letters (id TEXT PRIMARY KEY, parked_at INTEGER NOT NULL, message_id TEXT, last_error TEXT NOT NULL, replays INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS letters_parked ON letters (parked_at, id)",
];

/// The entries of the keys in `?1` (a JSON array), as one JSON array of rows.
const READ_ENTRIES: &str = "SELECT json_group_array(json_array(key, state, owner, until, error)) AS rows FROM entries WHERE key IN (SELECT value FROM json_each(?1))";
/// Every row of `?1` (a JSON array of `[key, state, owner, until, error]`) written.
const WRITE_ENTRIES: &str = "INSERT OR REPLACE INTO entries (key, state, owner, until, error) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each(?1)";
/// At most this many expired entries are deleted per sweep (then it runs again at once).
const SWEEP_BATCH: i64 = 50_000;

/// One object of the delivery ledger.
#[durable_object(alarm)]
pub struct DeliveryLedger {
    state: ObjectState,
    /// Whether this instance has made sure a sweep is scheduled.
    sweep_checked: Cell<bool>,
}

impl DurableObject for DeliveryLedger {
    fn new(state: ObjectState, _env: Env) -> Self {
        let sql = state.storage().sql();
        for statement in SCHEMA {
            // A failure here shows on the first request, which answers 500: delivery goes on
            // without the ledger.
            let _ = sql.exec(statement, None);
        }
        DeliveryLedger {
            state,
            sweep_checked: Cell::new(false),
        }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        let path = request.path();
        let body = request.text().await?;
        let now = Date::now().as_millis();
        let sql = self.state.storage().sql();
        let answer = match path.as_str() {
            CLAIM_PATH => parse(&body).and_then(|r| claim(&sql, &r, now)),
            SETTLE_PATH => parse(&body).and_then(|r| settle(&sql, &r, now)),
            PARK_PATH => parse(&body).and_then(|r| park(&sql, &r, now)),
            LIST_PATH => parse(&body).and_then(|r| list(&sql, &r)),
            REMOVE_PATH => parse(&body).and_then(|r| remove(&sql, &r)),
            UPDATE_PATH => parse(&body).and_then(|r| update(&sql, &r)),
            _ => Err(format!("no such ledger route: {path}")),
        };
        match answer {
            Ok(text) => {
                self.schedule_sweep().await;
                Response::ok(text)
            }
            Err(why) => Response::error(why, 500),
        }
    }

    /// Deletes entries that stopped counting more than an hour ago; runs again in an hour
    /// while anything is left.
    async fn alarm(&self) -> Result<Response> {
        let now = Date::now().as_millis();
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
        let left = scalar(&sql, "SELECT count(*) FROM entries", vec![])
            .map_err(::worker::Error::RustError)?;
        let storage = self.state.storage();
        if deleted as i64 >= SWEEP_BATCH {
            storage.set_alarm(1_000i64).await?;
        } else if left.as_i64().unwrap_or(0) > 0 {
            storage.set_alarm(SWEEP_EVERY_MS as i64).await?;
        } else {
            self.sweep_checked.set(false);
        }
        Response::ok("swept")
    }
}

impl DeliveryLedger {
    /// Makes sure a sweep is scheduled (checked once per instance).
    async fn schedule_sweep(&self) {
        if self.sweep_checked.replace(true) {
            return;
        }
        let storage = self.state.storage();
        if let Ok(None) = storage.get_alarm().await {
            let _ = storage.set_alarm(SWEEP_EVERY_MS as i64).await;
        }
    }
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

/// The entries of `keys`, read with one query.
fn read(sql: &SqlStorage, keys: &[&String]) -> std::result::Result<Rows, String> {
    let keys = serde_json::to_string(keys).map_err(|e| e.to_string())?;
    let found = json_text(sql, READ_ENTRIES, vec![keys.into()])?;
    type Row = (String, u8, Option<String>, u64, Option<String>);
    let rows: Vec<Row> = serde_json::from_str(&found).map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .filter_map(|(key, state, owner, until, error)| {
            let state = State::from_code(state)?;
            Some((
                key,
                Entry {
                    state,
                    owner,
                    until,
                    error,
                },
            ))
        })
        .collect())
}

/// The entries of `changed`, written with one query.
fn write(sql: &SqlStorage, rows: &Rows, changed: &[String]) -> std::result::Result<(), String> {
    if changed.is_empty() {
        return Ok(());
    }
    type Row<'r> = (&'r str, u8, Option<&'r str>, u64, Option<&'r str>);
    let values: Vec<Row> = changed
        .iter()
        .filter_map(|key| {
            let e = rows.get(key)?;
            Some((
                key.as_str(),
                e.state as u8,
                e.owner.as_deref(),
                e.until,
                e.error.as_deref(),
            ))
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
    let mut rows = read(sql, &request.keys.iter().collect::<Vec<_>>())?;
    let (answer, changed) = rules::claim(&mut rows, request, now);
    write(sql, &rows, &changed)?;
    text(&answer)
}

fn settle(
    sql: &SqlStorage,
    request: &SettleRequest,
    now: u64,
) -> std::result::Result<String, String> {
    let keys: Vec<&String> = request
        .delivered
        .iter()
        .chain(request.released.iter().map(|(k, _)| k))
        .collect();
    let mut rows = read(sql, &keys)?;
    let changed = rules::settle(&mut rows, request, now);
    write(sql, &rows, &changed)?;
    text(&SettleAnswer {
        written: changed.len(),
    })
}

fn park(sql: &SqlStorage, request: &ParkRequest, now: u64) -> std::result::Result<String, String> {
    let keys: Vec<&String> = request
        .letters
        .iter()
        .filter_map(|l| l.key.as_ref())
        .collect();
    let rows = read(sql, &keys)?;
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

fn list(sql: &SqlStorage, request: &ListRequest) -> std::result::Result<String, String> {
    let ids = serde_json::to_string(&request.ids).map_err(|e| e.to_string())?;
    // The rows as the protocol's `Letter`s, named as it names them.
    let found = json_text(
        sql,
        "SELECT json_group_array(json_object('id', id, 'parkedAt', parked_at, 'messageId', message_id, 'lastError', last_error, 'replays', replays, 'body', CASE WHEN ?3 THEN body END)) AS rows FROM (SELECT * FROM letters WHERE ?2 = 'null' OR id IN (SELECT value FROM json_each(?2)) ORDER BY parked_at, id LIMIT ?1)",
        vec![
            SqlStorageValue::from(request.limit as i64),
            ids.into(),
            SqlStorageValue::from(i64::from(request.bodies)),
        ],
    )?;
    let letters: Vec<Letter> = serde_json::from_str(&found).map_err(|e| e.to_string())?;
    let total = scalar(sql, "SELECT count(*) FROM letters", vec![])?;
    text(&ListAnswer {
        total: total.as_u64().unwrap_or(0) as usize,
        letters,
    })
}

fn remove(sql: &SqlStorage, request: &RemoveRequest) -> std::result::Result<String, String> {
    let query = "DELETE FROM letters WHERE id IN (SELECT value FROM json_each(?1))";
    count_of(sql, query, &request.ids)
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
