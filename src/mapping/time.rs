//! Event time: `timestamp`, else `originalTimestamp`, as Unix seconds with milliseconds.

use super::iso8601;
use crate::codes::Code;
use crate::command::Timestamp;
use crate::error::{kind_of, MapError};
use crate::json::{Json, Obj};
use serde_json::{Number, Value};

/// A number at or above this is milliseconds; below it, seconds.
const MILLIS_THRESHOLD: f64 = 1e11;
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the years an ISO-8601 string can name.
const MIN_MILLIS: i64 = -62_135_596_800_000;
const MAX_MILLIS: i64 = 253_402_300_799_999;

/// The event's time, or `None` when it has neither field.
pub(crate) fn event_time(event: &Obj) -> Result<Option<Timestamp>, MapError> {
    let (field, value) = match (event.get("timestamp"), event.get("originalTimestamp")) {
        (Some(v), _) if !v.is_null() => ("timestamp", v),
        (_, Some(v)) if !v.is_null() => ("originalTimestamp", v),
        _ => return Ok(None),
    };
    let parsed = match value {
        Json::String(s) => parse_time_of(TimeInput::Text(s)),
        Json::Number(n) => parse_time_of(TimeInput::Number(n)),
        other => parse_time_of(TimeInput::Other(other.kind())),
    };
    parsed
        .map(Some)
        .map_err(|why| MapError::new(Code::InvalidTimestamp, format!("`{field}` {why}")))
}

/// An RFC 3339 / ISO-8601 string with an offset, or a number of seconds (milliseconds from 1e11).
pub fn parse_time(value: &Value) -> Result<Timestamp, String> {
    parse_time_of(match value {
        Value::String(s) => TimeInput::Text(s),
        Value::Number(n) => TimeInput::Number(n),
        other => TimeInput::Other(kind_of(other)),
    })
}

/// A time field as either tree holds it.
enum TimeInput<'a> {
    Text(&'a str),
    Number(&'a Number),
    /// Any other JSON type, by name.
    Other(&'static str),
}

fn parse_time_of(value: TimeInput) -> Result<Timestamp, String> {
    let millis = match value {
        TimeInput::Text(s) => parse_iso(s)?,
        TimeInput::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            let millis = if x >= MILLIS_THRESHOLD { x } else { x * 1000.0 };
            if !millis.is_finite() || millis < MIN_MILLIS as f64 || millis > MAX_MILLIS as f64 {
                return Err(format!("{n} is out of range for a time"));
            }
            millis.round() as i64
        }
        TimeInput::Other(kind) => {
            return Err(format!(
                "must be an ISO-8601 string or a number, got {kind}"
            ))
        }
    };
    if !(MIN_MILLIS..=MAX_MILLIS).contains(&millis) {
        return Err("is out of range for a time".into());
    }
    Ok(Timestamp { millis })
}

fn parse_iso(s: &str) -> Result<i64, String> {
    match iso8601::parse(s) {
        Some(millis) => Ok(millis),
        None => Err(format!(
            "{:?} is not an ISO-8601 time with a `Z` or numeric offset (e.g. \"2024-03-04T15:32:56.409Z\")",
            truncate(s, 64)
        )),
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}
