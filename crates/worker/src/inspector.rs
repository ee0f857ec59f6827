//! The console's inspector, what is pure of it: the counters per minute and their windows, the event records (redacted), the protocol between the Worker and each source's `EventInspector` object.
//!
//! Compiles on every target and is tested on the host; the object (`inspector_object.rs`), its
//! binding (`inspector_client.rs`) and the capture after each answer (`inspector_capture.rs`) are
//! wasm32 only.

use crate::time_text::iso_time;
use serde_json::{json, Value};

/// The Worker → object routes.
pub const RECORD_PATH: &str = "/record";
pub const EVENTS_PATH: &str = "/events";
pub const COUNTERS_PATH: &str = "/counters";
/// The one route the object takes with `GET` (a WebSocket upgrade, forwarded as it came).
pub const LIVE_PATH: &str = "/live";

/// The object of a source: `idFromName("source:" + name)`.
pub fn object_name(source: &str) -> String {
    format!("source:{source}")
}

/// What replaces a redacted value.
pub const REDACTED: &str = "[redacted]";

/// Upper bounds (ms) of the latency histogram's buckets; one more bucket holds the rest.
pub const LATENCY_BOUNDS_MS: &[u64] = &[
    10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000,
    20_000, 30_000, 60_000,
];

/// Counters are kept this long (minutes): the day window and a margin.
pub const COUNTER_MINUTES: u64 = 25 * 60;

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 3_600_000;

/// What happened to a source's events over some time (one minute in storage; a window when merged).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub received: u64,
    pub delivered: u64,
    /// By code (`bloomreach_rejected`, `missing_identity`, …).
    pub rejected: ByCode,
    /// By code (`consent_denied`, `opted_out`, …).
    pub skipped: ByCode,
    /// Commands sent again after a retryable failure.
    pub retried: u64,
    /// Events left pending (the sender or the queue sends them again).
    pub pending: u64,
    pub dead_lettered: u64,
    /// Commands the delivery ledger found already delivered, so not sent (nor billed) again.
    pub duplicates: u64,
    /// Delivered events by latency bucket ([`LATENCY_BOUNDS_MS`]); empty: none.
    pub latency: Vec<u64>,
    /// Requests refused before their events were read (`rate_limited`, `origin_not_allowed`),
    /// by code: a flood shows here.
    pub refused: ByCode,
}

// The inspector's messages are read and written through `serde_json::Value` by hand: derived
// serde code for each type cost the Worker bundle several KB, `Value`'s is there already.

/// A whole number at `key` (0 when absent).
fn number(value: &Value, key: &str) -> u64 {
    value.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// Counts by code, sorted by code (a short list: a map type would cost the bundle more).
pub type ByCode = Vec<(String, u64)>;

/// Adds `n` to `code`'s count.
fn bump(list: &mut ByCode, code: &str, n: u64) {
    match list.binary_search_by(|(c, _)| c.as_str().cmp(code)) {
        Ok(at) => list[at].1 += n,
        Err(at) => list.insert(at, (code.to_string(), n)),
    }
}

/// Numbers by name, as a JSON object.
fn by_code(list: &ByCode) -> Value {
    Value::Object(list.iter().map(|(k, n)| (k.clone(), json!(n))).collect())
}

fn by_code_of(value: Option<&Value>) -> ByCode {
    let mut list = ByCode::new();
    for (code, n) in value.and_then(Value::as_object).into_iter().flatten() {
        bump(&mut list, code, n.as_u64().unwrap_or(0));
    }
    list
}

impl Counts {
    pub fn to_json(&self) -> Value {
        json!({
            "received": self.received, "delivered": self.delivered,
            "rejected": by_code(&self.rejected), "skipped": by_code(&self.skipped),
            "retried": self.retried, "pending": self.pending,
            "deadLettered": self.dead_lettered, "duplicates": self.duplicates,
            "latency": self.latency, "refused": by_code(&self.refused),
        })
    }

    pub fn from_json(value: &Value) -> Counts {
        let latency = value.get("latency").and_then(Value::as_array);
        Counts {
            received: number(value, "received"),
            delivered: number(value, "delivered"),
            rejected: by_code_of(value.get("rejected")),
            skipped: by_code_of(value.get("skipped")),
            retried: number(value, "retried"),
            pending: number(value, "pending"),
            dead_lettered: number(value, "deadLettered"),
            duplicates: number(value, "duplicates"),
            refused: by_code_of(value.get("refused")),
            latency: latency
                .into_iter()
                .flatten()
                .map(|n| n.as_u64().unwrap_or(0))
                .collect(),
        }
    }

    pub fn merge(&mut self, other: &Counts) {
        self.received += other.received;
        self.delivered += other.delivered;
        for (code, n) in &other.rejected {
            bump(&mut self.rejected, code, *n);
        }
        for (code, n) in &other.skipped {
            bump(&mut self.skipped, code, *n);
        }
        for (code, n) in &other.refused {
            bump(&mut self.refused, code, *n);
        }
        self.retried += other.retried;
        self.pending += other.pending;
        self.dead_lettered += other.dead_lettered;
        self.duplicates += other.duplicates;
        if self.latency.len() < other.latency.len() {
            self.latency.resize(other.latency.len(), 0);
        }
        for (mine, theirs) in self.latency.iter_mut().zip(&other.latency) {
            *mine += theirs;
        }
    }

    /// One delivered event's latency.
    pub fn add_latency(&mut self, ms: u64) {
        let bucket = LATENCY_BOUNDS_MS
            .iter()
            .position(|&bound| ms <= bound)
            .unwrap_or(LATENCY_BOUNDS_MS.len());
        if self.latency.len() <= bucket {
            self.latency.resize(LATENCY_BOUNDS_MS.len() + 1, 0);
        }
        self.latency[bucket] += 1;
    }

    /// The `q`-quantile (0..1) of the latencies, as the upper bound of its histogram bucket (the
    /// last bucket, above 60 s, as 60 s); `None` without samples.
    pub fn latency_quantile(&self, q: f64) -> Option<u64> {
        let total: u64 = self.latency.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, n) in self.latency.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let last = *LATENCY_BOUNDS_MS.last().unwrap_or(&0);
                return Some(LATENCY_BOUNDS_MS.get(bucket).copied().unwrap_or(last));
            }
        }
        None
    }

    pub fn is_empty(&self) -> bool {
        self.received
            + self.delivered
            + self.retried
            + self.pending
            + self.dead_lettered
            + self.duplicates
            == 0
            && self.rejected.is_empty()
            && self.skipped.is_empty()
            && self.refused.is_empty()
            && self.latency.is_empty()
    }

    /// Rejected and skipped events, all codes together.
    fn rejected_total(&self) -> u64 {
        self.rejected.iter().map(|(_, n)| n).sum()
    }

    fn skipped_total(&self) -> u64 {
        self.skipped.iter().map(|(_, n)| n).sum()
    }

    /// Counts one request refused with `code` before its events were read.
    pub fn add_refused(&mut self, code: &str) {
        bump(&mut self.refused, code, 1);
    }

    /// Adds one event's outcome (not `received`: every event arriving counts once, at arrival).
    pub fn add_outcome(&mut self, outcome: &str, code: Option<&str>) {
        let code = code.unwrap_or("unknown");
        match outcome {
            "delivered" => self.delivered += 1,
            "rejected" => bump(&mut self.rejected, code, 1),
            "skipped" => bump(&mut self.skipped, code, 1),
            "pending" => self.pending += 1,
            "dead_lettered" => self.dead_lettered += 1,
            _ => {} // queued: the consumer counts its outcome; duplicate: delivered before
        }
    }
}

/// Counts over a window, in total and per bucket (`t`: the bucket's start, ms), oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aggregate {
    pub total: Counts,
    pub series: Vec<(u64, Counts)>,
}

impl Aggregate {
    fn buckets(start: u64, step: u64, n: u64) -> Aggregate {
        Aggregate {
            total: Counts::default(),
            series: (0..n)
                .map(|i| (start + i * step, Counts::default()))
                .collect(),
        }
    }

    fn add(&mut self, at: u64, counts: &Counts) {
        let Some(first) = self.series.first().map(|(t, _)| *t) else {
            return;
        };
        let step = match self.series.get(1) {
            Some((second, _)) => second - first,
            None => 1,
        };
        if at < first {
            return;
        }
        if let Some((_, bucket)) = self.series.get_mut(((at - first) / step) as usize) {
            bucket.merge(counts);
            self.total.merge(counts);
        }
    }

    /// Adds another source's aggregate over the same buckets.
    pub fn merge(&mut self, other: &Aggregate) {
        self.total.merge(&other.total);
        for ((_, mine), (_, theirs)) in self.series.iter_mut().zip(&other.series) {
            mine.merge(theirs);
        }
    }

    /// The console's `Window`.
    pub fn window(&self) -> Value {
        let c = &self.total;
        let series: Vec<Value> = self
            .series
            .iter()
            .map(|(t, b)| {
                json!({
                    "t": iso_time(*t, false), "received": b.received, "delivered": b.delivered,
                    "rejected": b.rejected_total(), "skipped": b.skipped_total(),
                    "duplicates": b.duplicates,
                })
            })
            .collect();
        json!({
            "received": c.received, "delivered": c.delivered, "rejected": by_code(&c.rejected),
            "skipped": by_code(&c.skipped), "retried": c.retried, "pending": c.pending,
            "deadLettered": c.dead_lettered, "duplicates": c.duplicates,
            "latencyMs": { "p50": c.latency_quantile(0.5), "p95": c.latency_quantile(0.95) },
            "refused": by_code(&c.refused),
            "series": series,
        })
    }
}

/// The last hour (60 minutes, the current one last) and the last day (24 hours, the current
/// one last) of a source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub last_hour: Aggregate,
    pub last_day: Aggregate,
}

impl Summary {
    /// Empty windows ending at `now_ms`.
    pub fn empty(now_ms: u64) -> Summary {
        let minute = now_ms / MINUTE_MS * MINUTE_MS;
        let hour = now_ms / HOUR_MS * HOUR_MS;
        Summary {
            last_hour: Aggregate::buckets(minute - 59 * MINUTE_MS, MINUTE_MS, 60),
            last_day: Aggregate::buckets(hour - 23 * HOUR_MS, HOUR_MS, 24),
        }
    }

    /// The windows of per-minute rows (`minute`: ms since the epoch / 60 000).
    pub fn of(rows: &[(u64, Counts)], now_ms: u64) -> Summary {
        let mut summary = Summary::empty(now_ms);
        for (minute, counts) in rows {
            let at = minute * MINUTE_MS;
            summary.last_hour.add(at, counts);
            summary.last_day.add(at, counts);
        }
        summary
    }

    pub fn merge(&mut self, other: &Summary) {
        self.last_hour.merge(&other.last_hour);
        self.last_day.merge(&other.last_day);
    }
}

/// Per-minute rows as the object sends them: `[[minute, counts], …]`.
pub fn minutes_json(rows: &[(u64, Counts)]) -> String {
    let rows: Vec<Value> = rows.iter().map(|(m, c)| json!([m, c.to_json()])).collect();
    Value::Array(rows).to_string()
}

/// Per-minute rows back from [`minutes_json`]'s text (nothing when unreadable).
pub fn minutes_of(text: &str) -> Vec<(u64, Counts)> {
    let rows: Value = serde_json::from_str(text).unwrap_or_default();
    let rows = rows.as_array().into_iter().flatten();
    rows.filter_map(|row| Some((row.get(0)?.as_u64()?, Counts::from_json(row.get(1)?))))
        .collect()
}

/// A record's columns (outcome, code, event, userId, anonymousId) and its JSON text.
pub type StoredRecord = ([Option<String>; 5], String);

/// One write to a source's object: the records of one ingest request or queue batch, and the
/// counts they add to the current minute.
///
/// Sent as text: a first line of JSON (the settings, the counts and each record's columns),
/// then each record's JSON text on a line of its own (JSON text written by serde_json holds no
/// raw line break), so the object stores and broadcasts the records without reading them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordRequest {
    /// Whether records are kept (`inspector.enabled`); counters always are.
    pub enabled: bool,
    pub keep: u32,
    pub hours: u32,
    pub records: Vec<StoredRecord>,
    pub counts: Counts,
}

impl RecordRequest {
    /// Adds a later write of the same source (its settings win).
    pub fn merge(&mut self, later: RecordRequest) {
        self.enabled = later.enabled;
        self.keep = later.keep;
        self.hours = later.hours;
        self.records.extend(later.records);
        self.counts.merge(&later.counts);
    }

    pub fn into_text(self) -> String {
        let columns: Vec<&[Option<String>; 5]> = self.records.iter().map(|(c, _)| c).collect();
        let mut text = json!({
            "enabled": self.enabled, "keep": self.keep, "hours": self.hours,
            "counts": self.counts.to_json(), "columns": columns,
        })
        .to_string();
        for (_, record) in &self.records {
            text.push('\n');
            text.push_str(record);
        }
        text
    }

    pub fn from_text(text: &str) -> Result<RecordRequest, String> {
        let mut lines = text.split('\n');
        let head: Value = serde_json::from_str(lines.next().unwrap_or(""))
            .map_err(|e| format!("unreadable inspector write: {e}"))?;
        let columns = head.get("columns").and_then(Value::as_array);
        let columns = columns.into_iter().flatten().map(|c| {
            let text = |i: usize| c.get(i).and_then(Value::as_str).map(str::to_string);
            [text(0), text(1), text(2), text(3), text(4)]
        });
        Ok(RecordRequest {
            enabled: head
                .get("enabled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            keep: number(&head, "keep").min(u32::MAX.into()) as u32,
            hours: number(&head, "hours").min(u32::MAX.into()) as u32,
            records: columns.zip(lines.map(str::to_string)).collect(),
            counts: Counts::from_json(head.get("counts").unwrap_or(&Value::Null)),
        })
    }
}

/// `record` (a JSON object's text) with `"id"` first.
pub fn with_id(id: i64, record: &str) -> String {
    match record.strip_prefix('{') {
        Some(rest) if rest.trim_start() != "}" => format!("{{\"id\":\"{id}\",{rest}"),
        _ => format!("{{\"id\":\"{id}\"}}"),
    }
}

/// The events list's filters and page (the admin route's query, checked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventsQuery {
    pub outcome: Option<String>,
    pub code: Option<String>,
    pub event: Option<String>,
    pub user: Option<String>,
    pub limit: u32,
    /// Only events older than this record id.
    pub before: Option<i64>,
}

/// The default and largest page of events.
pub const DEFAULT_EVENTS: u32 = 50;
pub const MAX_EVENTS: u32 = 200;

/// The outcomes a record can have.
pub const OUTCOMES: &[&str] = &[
    "delivered",
    "rejected",
    "skipped",
    "pending",
    "queued",
    "duplicate",
    "dead_lettered",
];

impl EventsQuery {
    /// From a query string (`outcome=&code=&event=&user=&limit=&before=`), each name and value
    /// percent-decoded by `decode`; what is wrong, named. (The Worker checks it for its answer and
    /// hands the object the query as it came.)
    pub fn from_query(query: &str, decode: impl Fn(&str) -> String) -> Result<EventsQuery, String> {
        let pairs = query.split('&').filter(|p| !p.is_empty()).map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(&value.replace('+', " ")))
        });
        EventsQuery::from_pairs(pairs)
    }

    fn from_pairs(pairs: impl Iterator<Item = (String, String)>) -> Result<EventsQuery, String> {
        let mut query = EventsQuery {
            limit: DEFAULT_EVENTS,
            ..EventsQuery::default()
        };
        for (key, value) in pairs {
            let text = (!value.is_empty()).then(|| value.clone());
            match key.as_str() {
                "outcome" => {
                    if text.as_deref().is_some_and(|o| !OUTCOMES.contains(&o)) {
                        return Err(format!("`outcome` must be one of {}", OUTCOMES.join(", ")));
                    }
                    query.outcome = text;
                }
                "code" => query.code = text,
                "event" => query.event = text,
                "user" => query.user = text,
                "limit" => {
                    query.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_EVENTS).contains(n))
                        .ok_or_else(|| format!("`limit` must be a whole number from 1 to {MAX_EVENTS}"))?
                }
                "before" => {
                    query.before = Some(value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        "`before` must be an event's id (the `next` of a page)".to_string()
                    })?)
                }
                other => {
                    return Err(format!(
                        "unknown parameter `{other}` (known: outcome, code, event, user, limit, before)"
                    ))
                }
            }
        }
        Ok(query)
    }
}

/// Replaces the value at each dotted path of `event` by `"[redacted]"`; returns the values
/// replaced (strings and numbers), so copies of them elsewhere can be redacted too.
pub fn redact(event: &mut Value, paths: &[String]) -> Vec<Value> {
    let mut replaced = Vec::new();
    for path in paths {
        let mut at = &mut *event;
        let mut names = path.split('.').peekable();
        while let Some(name) = names.next() {
            let Some(next) = at.as_object_mut().and_then(|map| map.get_mut(name)) else {
                break;
            };
            if names.peek().is_none() {
                if next.is_string() || next.is_number() {
                    replaced.push(next.clone());
                }
                if !next.is_null() {
                    *next = Value::String(REDACTED.into());
                }
                break;
            }
            at = next;
        }
    }
    replaced
}

/// Replaces every string or number in `value` equal to one of `replaced` by `"[redacted]"`
/// (the commands: a redacted trait copied into a command's properties).
pub fn redact_copies(value: &mut Value, replaced: &[Value]) {
    match value {
        Value::String(_) | Value::Number(_) if replaced.contains(value) => {
            *value = Value::String(REDACTED.into())
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_copies(v, replaced)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_copies(v, replaced)),
        _ => {}
    }
}

/// What an event record says besides its payload and commands.
pub struct RecordHead<'a> {
    pub received_ms: u64,
    pub source: &'a str,
    pub config_version: Option<u64>,
    pub message_id: Option<&'a str>,
    /// The call type when the payload does not say (queue mode has no payload).
    pub call_type: Option<&'a str>,
    pub outcome: &'a str,
    pub code: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub duration_ms: Option<u64>,
}

/// One event record (without its `id`, which the object gives it), its payload already redacted.
pub fn record(head: &RecordHead, payload: Option<Value>, commands: Vec<Value>) -> Value {
    let field = |name: &str| {
        let found = payload.as_ref().and_then(|p| p.get(name));
        found
            .filter(|v| v.is_string())
            .cloned()
            .unwrap_or(Value::Null)
    };
    let call_type = match field("type") {
        Value::Null => head.call_type.map_or(Value::Null, |t| json!(t)),
        found => found,
    };
    let event = match field("event") {
        Value::Null => field("name"),
        found => found,
    };
    json!({
        "receivedAt": iso_time(head.received_ms, true),
        "source": head.source,
        "configVersion": head.config_version,
        "messageId": head.message_id,
        "type": call_type,
        "event": event,
        "userId": field("userId"),
        "anonymousId": field("anonymousId"),
        "outcome": head.outcome,
        "code": head.code,
        "detail": head.detail,
        "durationMs": head.duration_ms,
        "payload": payload,
        "commands": commands,
    })
}

/// One command of a record: as sent, with what became of it and Bloomreach's answer.
pub fn command_record(
    json_text: &str,
    command_id: &str,
    origin: Option<&str>,
    status: &str,
    answer: Option<Value>,
    replaced: &[Value],
) -> Value {
    let mut data: Value = serde_json::from_str(json_text).unwrap_or(Value::Null);
    if !replaced.is_empty() {
        redact_copies(&mut data, replaced);
    }
    json!({
        "name": data.get("name").cloned().unwrap_or(Value::Null),
        "commandId": command_id,
        "origin": origin,
        "data": data,
        "status": status,
        "answer": answer,
    })
}

/// The columns the object indexes a record by: outcome, code, event, userId, anonymousId.
pub fn record_columns(record: &Value) -> [Option<String>; 5] {
    let text = |name: &str| record.get(name).and_then(Value::as_str).map(str::to_string);
    [
        text("outcome"),
        text("code"),
        text("event"),
        text("userId"),
        text("anonymousId"),
    ]
}

/// The Segment events of a request body, by position as the core reads them, each kept as its
/// JSON text until it is wanted (reading all of a 100-event body into values cost more than the
/// rest of the capture): a body with a `batch` array holds those, any other body is one event.
pub struct BodyEvents<'a> {
    texts: Vec<&'a str>,
    /// The call type a single-event path implies (`/v1/track`), for a body without `type`.
    implied: Option<&'a str>,
}

#[derive(serde::Deserialize)]
struct Batch<'a> {
    #[serde(borrow, default)]
    batch: Option<Vec<&'a serde_json::value::RawValue>>,
}

/// The events of `text` (none when it is not a JSON object).
pub fn body_events<'a>(text: &'a str, implied: Option<&'a str>) -> BodyEvents<'a> {
    let texts = match serde_json::from_str::<Batch>(text) {
        Ok(Batch { batch: Some(batch) }) => batch.iter().map(|raw| raw.get()).collect(),
        Ok(Batch { batch: None }) => vec![text],
        Err(_) => Vec::new(),
    };
    BodyEvents { texts, implied }
}

impl BodyEvents<'_> {
    /// Event `index` as a value (a single event with the type its path implies).
    pub fn event(&self, index: usize) -> Option<Value> {
        let mut event: Value = serde_json::from_str(self.texts.get(index)?).ok()?;
        if let (Some(call_type), Some(map)) = (self.implied, event.as_object_mut()) {
            if self.texts.len() == 1 && !map.contains_key("type") {
                map.insert("type".into(), json!(call_type));
            }
        }
        Some(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_merge_and_latency_quantiles() {
        let mut a = Counts {
            received: 3,
            ..Counts::default()
        };
        a.add_outcome("delivered", None);
        a.add_outcome("rejected", Some("unknown_type"));
        a.add_outcome("skipped", Some("consent_denied"));
        for ms in [5, 40, 40, 120, 90_000] {
            a.add_latency(ms);
        }
        let mut b = Counts::default();
        b.add_outcome("rejected", Some("unknown_type"));
        b.duplicates = 2;
        b.merge(&a);
        assert_eq!(b.rejected, [("unknown_type".to_string(), 2)]);
        assert_eq!(b.skipped, [("consent_denied".to_string(), 1)]);
        b.add_outcome("rejected", Some("a_first"));
        assert_eq!(
            b.to_json()["rejected"],
            json!({"a_first": 1, "unknown_type": 2})
        );
        assert_eq!(
            Counts::from_json(&b.to_json()).rejected[0],
            ("a_first".to_string(), 1)
        );
        assert_eq!((b.received, b.delivered, b.duplicates), (3, 1, 2));
        assert_eq!(b.latency_quantile(0.5), Some(50));
        assert_eq!(b.latency_quantile(0.95), Some(60_000));
        assert_eq!(Counts::default().latency_quantile(0.5), None);
        assert_eq!(Counts::from_json(&b.to_json()), b);
    }

    #[test]
    fn summary_windows_bucket_minutes_and_hours() {
        // 2026-12-07T10:30:10Z
        let now = 1_796_639_410_000;
        let minute = now / 60_000;
        let one = |received| Counts {
            received,
            ..Counts::default()
        };
        let rows = [
            (minute, one(1)),
            (minute - 59, one(2)),
            (minute - 60, one(4)),            // out of the hour, in the day
            (minute - 30 - 23 * 60, one(8)),  // the first minute of the day's first hour
            (minute - 31 - 23 * 60, one(16)), // before it
        ];
        let summary = Summary::of(&rows, now);
        assert_eq!(summary.last_hour.total.received, 3);
        assert_eq!(summary.last_hour.series.len(), 60);
        assert_eq!(summary.last_hour.series[59].1.received, 1);
        assert_eq!(summary.last_hour.series[0].1.received, 2);
        assert_eq!(summary.last_day.total.received, 15);
        assert_eq!(summary.last_day.series.len(), 24);
        assert_eq!(summary.last_day.series[0].1.received, 8);
        let window = summary.last_day.window();
        assert_eq!(
            (&window["rejected"], &window["received"]),
            (&json!({}), &json!(15))
        );
        assert_eq!(window["series"][23]["t"], "2026-12-07T10:00:00Z");
        assert_eq!(window["series"][0]["t"], "2026-12-06T11:00:00Z");
        let text = minutes_json(&rows);
        assert_eq!(Summary::of(&minutes_of(&text), now), summary);
        let mut twice = summary.clone();
        twice.merge(&summary);
        assert_eq!(twice.last_day.total.received, 30);
        assert_eq!(twice.last_hour.series[59].1.received, 2);
    }

    #[test]
    fn redaction_replaces_paths_and_their_copies() {
        let mut event = json!({"traits": {"email": "a@b.c", "plan": "pro"}, "context": {"ip": "1.2.3.4"}, "userId": "u1"});
        let paths = [
            "traits.email".to_string(),
            "context.ip".into(),
            "properties.none".into(),
            "userId.x".into(),
        ];
        let replaced = redact(&mut event, &paths);
        assert_eq!(
            event,
            json!({"traits": {"email": "[redacted]", "plan": "pro"}, "context": {"ip": "[redacted]"}, "userId": "u1"})
        );
        let command = command_record(
            r#"{"name":"customers","command_id":"c1","data":{"properties":{"email":"a@b.c","plan":"pro"}}}"#,
            "c1",
            Some("signup"),
            "accepted",
            Some(json!({"success": true})),
            &replaced,
        );
        assert_eq!(
            command,
            json!({"name": "customers", "commandId": "c1", "origin": "signup", "status": "accepted",
                   "answer": {"success": true},
                   "data": {"name":"customers","command_id":"c1","data":{"properties":{"email":"[redacted]","plan":"pro"}}}})
        );
    }

    #[test]
    fn records_name_the_event_and_its_people() {
        let head = RecordHead {
            received_ms: 1_796_639_410_123,
            source: "web",
            config_version: Some(3),
            message_id: Some("m1"),
            call_type: None,
            outcome: "rejected",
            code: Some("unknown_type"),
            detail: Some("no such type"),
            duration_ms: Some(12),
        };
        let payload = json!({"type": "page", "name": "Home", "anonymousId": "a1"});
        let record = record(&head, Some(payload.clone()), vec![]);
        assert_eq!(
            record,
            json!({"receivedAt": "2026-12-07T10:30:10.123Z", "source": "web", "configVersion": 3,
                   "messageId": "m1", "type": "page", "event": "Home", "userId": null,
                   "anonymousId": "a1", "outcome": "rejected", "code": "unknown_type",
                   "detail": "no such type", "durationMs": 12, "payload": payload, "commands": []})
        );
        assert_eq!(
            record_columns(&record),
            [
                Some("rejected".into()),
                Some("unknown_type".into()),
                Some("Home".into()),
                None,
                Some("a1".into())
            ]
        );
    }

    #[test]
    fn bodies_split_into_events_and_queries_are_checked() {
        let batch = body_events(
            r#"{"writeKey":"k","batch":[{"type":"track"},{"type":"identify"}],"context":{}}"#,
            None,
        );
        let all = |events: &BodyEvents| (0..3).map(|i| events.event(i)).collect::<Vec<_>>();
        assert_eq!(
            all(&batch),
            [
                Some(json!({"type":"track"})),
                Some(json!({"type":"identify"})),
                None
            ]
        );
        let single = body_events(r#"{"event":"E"}"#, Some("track"));
        assert_eq!(
            all(&single),
            [Some(json!({"event":"E","type":"track"})), None, None]
        );
        assert_eq!(all(&body_events("[1]", None)), [None, None, None]);
        let pairs = |list: &[(&str, &str)]| {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
                .into_iter()
        };
        let query = EventsQuery::from_pairs(pairs(&[
            ("outcome", "rejected"),
            ("user", "u1"),
            ("limit", "3"),
            ("before", "9"),
        ]))
        .unwrap();
        assert_eq!(
            query,
            EventsQuery {
                outcome: Some("rejected".into()),
                user: Some("u1".into()),
                limit: 3,
                before: Some(9),
                ..EventsQuery::default()
            }
        );
        assert_eq!(
            EventsQuery::from_query("outcome=rejected&user=u1&limit=3&before=9", |s| s
                .to_string())
            .unwrap(),
            query
        );
        assert_eq!(
            EventsQuery::from_query("event=Order+Completed", |s| s.replace("%20", " "))
                .unwrap()
                .event
                .as_deref(),
            Some("Order Completed")
        );
        let write = RecordRequest {
            enabled: true,
            keep: 3,
            hours: 2,
            records: vec![
                (
                    [
                        Some("delivered".into()),
                        None,
                        Some("E\nx".into()),
                        None,
                        None,
                    ],
                    json!({"a": "1\n2"}).to_string(),
                ),
                ([None, None, None, None, Some("a".into())], "{}".into()),
            ],
            counts: Counts {
                received: 2,
                ..Counts::default()
            },
        };
        let mut merged = RecordRequest {
            enabled: false,
            keep: 9,
            ..write.clone()
        };
        merged.merge(write.clone());
        assert_eq!(
            (
                merged.keep,
                merged.enabled,
                merged.records.len(),
                merged.counts.received
            ),
            (3, true, 4, 4)
        );
        let text = write.clone().into_text();
        assert_eq!(text.lines().count(), 3);
        assert_eq!(RecordRequest::from_text(&text).unwrap(), write);
        assert_eq!(with_id(7, r#"{"a":1}"#), r#"{"id":"7","a":1}"#);
        assert_eq!(with_id(7, "{}"), r#"{"id":"7"}"#);
        assert_eq!(EventsQuery::from_pairs(pairs(&[])).unwrap().limit, 50);
        assert!(EventsQuery::from_pairs(pairs(&[("outcome", "lost")]))
            .unwrap_err()
            .contains("delivered"));
        assert!(EventsQuery::from_pairs(pairs(&[("limit", "0")])).is_err());
        assert!(EventsQuery::from_pairs(pairs(&[("sort", "x")]))
            .unwrap_err()
            .contains("`sort`"));
    }
}
