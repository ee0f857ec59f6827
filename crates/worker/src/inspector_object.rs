//! The inspector's Durable Object class (`EventInspector`, SQLite-backed): one object per source keeps the ring of its recent event records and its counters per minute, and sends each new record to the console's WebSockets (hibernatable).
//!
//! A write is one synchronous turn (counters merged, records inserted, the ring trimmed), so no
//! reader sees half of it. Nothing is kept past its source's retention: a record expires `hours`
//! after it was written, and the object's alarm, set for the oldest record's expiry, deletes it
//! then, whether or not anything is sent to the source again (every request also deletes what
//! has expired first, so no read returns it); the ring keeps at most `keep` records (successes
//! are evicted before failures), and a source whose inspector is switched off keeps none.

use crate::inspector::{
    minutes_json, with_id, Counts, EventsQuery, RecordRequest, COUNTERS_PATH, COUNTER_MINUTES,
    EVENTS_PATH, RECORD_PATH,
};
use ::worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue,
    State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, expires INTEGER NOT NULL, failure INTEGER NOT NULL, outcome TEXT, code TEXT, event TEXT, user_id TEXT, anonymous_id TEXT, record TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_expires ON events (expires)",
    "CREATE TABLE IF NOT EXISTS minutes (minute INTEGER PRIMARY KEY, counts TEXT NOT NULL)",
];

const MINUTE_MS: u64 = 60_000;

/// One source's inspector.
// Every handler: the WebSocket ones for the console's live view, the alarm for retention.
#[durable_object]
pub struct EventInspector {
    state: State,
}

impl DurableObject for EventInspector {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        for statement in SCHEMA {
            // A failure here shows on the first request, which answers 500 (counted and
            // ignored by the Worker).
            let _ = sql.exec(statement, None);
        }
        EventInspector { state }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        let upgrade = request.headers().get("Upgrade")?;
        if upgrade.is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
            let pair = WebSocketPair::new()?;
            // Hibernatable: the object may leave memory while the console's sockets stay open.
            self.state.accept_web_socket(&pair.server);
            return Response::from_websocket(pair.client);
        }
        let path = request.path();
        let body = request.text().await?;
        let now = crate::clock::now_ms();
        let sql = self.state.storage().sql();
        let answer = expire(&sql, now).and_then(|()| match path.as_str() {
            RECORD_PATH => RecordRequest::from_text(&body).and_then(|w| self.record(&sql, w, now)),
            EVENTS_PATH => {
                EventsQuery::from_query(&body, decode).and_then(|q| events(&sql, &q, now))
            }
            COUNTERS_PATH => counters(&sql, now),
            _ => Err(format!("no such inspector route: {path}")),
        });
        match answer {
            Ok(text) => {
                if path == RECORD_PATH {
                    self.schedule_expiry(&sql, now).await;
                }
                Response::ok(text)
            }
            Err(why) => Response::error(why, 500),
        }
    }

    /// The oldest records' expiry: deleted, and the alarm set again for the next oldest.
    async fn alarm(&self) -> Result<Response> {
        let now = crate::clock::now_ms();
        let sql = self.state.storage().sql();
        expire(&sql, now).map_err(::worker::Error::RustError)?;
        if let Some(next) = oldest_expiry(&sql) {
            self.state
                .storage()
                .set_alarm(next.saturating_sub(now).max(1) as i64)
                .await?;
        }
        Response::ok("expired")
    }

    async fn websocket_message(
        &self,
        _ws: WebSocket,
        _message: WebSocketIncomingMessage,
    ) -> Result<()> {
        // The console only listens.
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: ::worker::Error) -> Result<()> {
        Ok(())
    }
}

impl EventInspector {
    /// Makes sure the alarm comes no later than the oldest record's expiry.
    async fn schedule_expiry(&self, sql: &SqlStorage, now: u64) {
        let Some(expiry) = oldest_expiry(sql) else {
            return;
        };
        let storage = self.state.storage();
        let set = storage.get_alarm().await.ok().flatten();
        if set.is_none_or(|at| at as u64 > expiry) {
            let _ = storage
                .set_alarm(expiry.saturating_sub(now).max(1) as i64)
                .await;
        }
    }

    /// One write: the counters of the current minute, the records (given their ids) into the
    /// ring, the ring trimmed to its bounds; then each new record to every open socket.
    fn record(
        &self,
        sql: &SqlStorage,
        write: RecordRequest,
        now: u64,
    ) -> std::result::Result<String, String> {
        let minute = now / MINUTE_MS;
        if !write.counts.is_empty() {
            let mut counts = match first_text(
                sql,
                "SELECT counts FROM minutes WHERE minute = ?1",
                vec![SqlStorageValue::from(minute as i64)],
            )? {
                Some(text) => Counts::from_json(&serde_json::from_str(&text).unwrap_or_default()),
                None => Counts::default(),
            };
            counts.merge(&write.counts);
            let text = counts.to_json().to_string();
            exec(
                sql,
                "INSERT OR REPLACE INTO minutes (minute, counts) VALUES (?1, ?2)",
                vec![SqlStorageValue::from(minute as i64), text.into()],
            )?;
        }
        let keeps = write.enabled && write.keep > 0;
        let mut added = Vec::new();
        if keeps {
            let expires = now + u64::from(write.hours.max(1)) * 3_600_000;
            for ([outcome, code, event, user_id, anonymous_id], text) in write.records {
                let failure = !matches!(
                    outcome.as_deref(),
                    Some("delivered" | "queued" | "duplicate")
                );
                let id = first_integer(
                    sql,
                    "INSERT INTO events (expires, failure, outcome, code, event, user_id, anonymous_id, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                    vec![
                        SqlStorageValue::from(expires as i64),
                        SqlStorageValue::from(i64::from(failure)),
                        outcome.into(),
                        code.into(),
                        event.into(),
                        user_id.into(),
                        anonymous_id.into(),
                        SqlStorageValue::from(text.as_str()),
                    ],
                )?;
                added.push(with_id(id, &text));
            }
            // The newest `keep`; successes go first when there are more.
            exec(
                sql,
                "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY failure ASC, id ASC LIMIT max(0, (SELECT count(*) FROM events) - ?1))",
                vec![SqlStorageValue::from(i64::from(write.keep))],
            )?;
        } else {
            // Switched off (or keep 0): nothing is kept.
            exec(sql, "DELETE FROM events", vec![])?;
        }
        let added_count = added.len();
        if !added.is_empty() {
            for socket in self.state.get_websockets() {
                for record in &added {
                    let _ = socket.send_with_str(format!(r#"{{"type":"event","event":{record}}}"#));
                }
            }
        }
        Ok(format!(r#"{{"recorded":{added_count}}}"#))
    }
}

/// A query string's name or value, percent-decoded (a malformed escape: as it came).
pub fn decode(text: &str) -> String {
    js_sys::decode_uri_component(text)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| text.to_string())
}

/// When the oldest kept record expires, if any is kept.
fn oldest_expiry(sql: &SqlStorage) -> Option<u64> {
    first_integer(sql, "SELECT min(expires) FROM events", vec![])
        .ok()
        .filter(|at| *at > 0)
        .map(|at| at as u64)
}

/// Records and counters past their time, deleted.
fn expire(sql: &SqlStorage, now: u64) -> std::result::Result<(), String> {
    exec(
        sql,
        "DELETE FROM events WHERE expires <= ?1",
        vec![SqlStorageValue::from(now as i64)],
    )?;
    let oldest = (now / MINUTE_MS).saturating_sub(COUNTER_MINUTES);
    exec(
        sql,
        "DELETE FROM minutes WHERE minute < ?1",
        vec![SqlStorageValue::from(oldest as i64)],
    )
}

/// A page of records, newest first, and the id to ask `before` for the next.
fn events(sql: &SqlStorage, query: &EventsQuery, now: u64) -> std::result::Result<String, String> {
    let text = |v: &Option<String>| SqlStorageValue::from(v.clone());
    let limit = query.limit.max(1);
    let cursor = sql
        .exec(
            "SELECT id, record FROM events WHERE expires > ?1 AND (?2 IS NULL OR outcome = ?2) AND (?3 IS NULL OR code = ?3) AND (?4 IS NULL OR event = ?4) AND (?5 IS NULL OR user_id = ?5 OR anonymous_id = ?5) AND (?6 IS NULL OR id < ?6) ORDER BY id DESC LIMIT ?7",
            vec![
                SqlStorageValue::from(now as i64),
                text(&query.outcome),
                text(&query.code),
                text(&query.event),
                text(&query.user),
                SqlStorageValue::from(query.before),
                SqlStorageValue::from(i64::from(limit) + 1),
            ],
        )
        .map_err(|e| format!("SQL: {e}"))?;
    // The stored texts as they are, each with its id first.
    let mut found: Vec<(i64, String)> = Vec::new();
    for row in cursor.raw() {
        let row = row.map_err(|e| format!("SQL: {e}"))?;
        let mut cells = row.into_iter();
        if let (Some(SqlStorageValue::Integer(id)), Some(SqlStorageValue::String(record))) =
            (cells.next(), cells.next())
        {
            found.push((id, with_id(id, &record)));
        }
    }
    let next = match found.len() > limit as usize {
        true => {
            found.truncate(limit as usize);
            found
                .last()
                .map_or("null".into(), |(id, _)| format!("\"{id}\""))
        }
        false => "null".to_string(),
    };
    let events: Vec<String> = found.into_iter().map(|(_, r)| r).collect();
    Ok(format!(
        r#"{{"events":[{}],"next":{next}}}"#,
        events.join(",")
    ))
}

/// The last hour's and the last day's counters.
fn counters(sql: &SqlStorage, now: u64) -> std::result::Result<String, String> {
    let since = (now / MINUTE_MS).saturating_sub(24 * 60 + 60);
    let cursor = sql
        .exec(
            "SELECT minute, counts FROM minutes WHERE minute >= ?1",
            vec![SqlStorageValue::from(since as i64)],
        )
        .map_err(|e| format!("SQL: {e}"))?;
    let mut rows = Vec::new();
    for row in cursor.raw() {
        let row = row.map_err(|e| format!("SQL: {e}"))?;
        let mut cells = row.into_iter();
        if let (Some(SqlStorageValue::Integer(minute)), Some(SqlStorageValue::String(text))) =
            (cells.next(), cells.next())
        {
            let counts = Counts::from_json(&serde_json::from_str(&text).unwrap_or_default());
            rows.push((minute.max(0) as u64, counts));
        }
    }
    Ok(minutes_json(&rows))
}

fn exec(
    sql: &SqlStorage,
    query: &str,
    bindings: Vec<SqlStorageValue>,
) -> std::result::Result<(), String> {
    let cursor = sql.exec(query, bindings).map_err(|e| format!("SQL: {e}"))?;
    for row in cursor.raw() {
        row.map_err(|e| format!("SQL: {e}"))?;
    }
    Ok(())
}

fn first_cell(
    sql: &SqlStorage,
    query: &str,
    bindings: Vec<SqlStorageValue>,
) -> std::result::Result<Option<SqlStorageValue>, String> {
    let cursor = sql.exec(query, bindings).map_err(|e| format!("SQL: {e}"))?;
    let mut rows = cursor.raw();
    let first = match rows.next() {
        Some(row) => row.map_err(|e| format!("SQL: {e}"))?.into_iter().next(),
        None => None,
    };
    // Drain the rest so a statement's writes complete.
    for row in rows {
        row.map_err(|e| format!("SQL: {e}"))?;
    }
    Ok(first)
}

fn first_text(
    sql: &SqlStorage,
    query: &str,
    bindings: Vec<SqlStorageValue>,
) -> std::result::Result<Option<String>, String> {
    Ok(match first_cell(sql, query, bindings)? {
        Some(SqlStorageValue::String(text)) => Some(text),
        _ => None,
    })
}

fn first_integer(
    sql: &SqlStorage,
    query: &str,
    bindings: Vec<SqlStorageValue>,
) -> std::result::Result<i64, String> {
    match first_cell(sql, query, bindings)? {
        Some(SqlStorageValue::Integer(n)) => Ok(n),
        Some(SqlStorageValue::Float(n)) => Ok(n as i64),
        _ => Err("SQL: no number".into()),
    }
}
