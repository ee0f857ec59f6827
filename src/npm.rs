//! The npm package's wasm exports: JSON text in, JSON text out, so JavaScript values never
//! cross the boundary one by one. The package's JavaScript wrapper (`pkg/src/api.js`) turns
//! the results into values and errors with a `code`.

use crate::batch::{build_from_json_slots, passes_through, BatchRequest, BuildOutput};
use crate::error::MapError;
use crate::ingest::{parse_event_json, parse_events_json, unrepresentable, IngestLimits, JsonSlot};
use crate::mapping::{map_json, message_id_json, Drafted};
use crate::response::{command_ids_of_body, read_response};
use crate::settings::{Settings, SettingsError};
use serde::Deserialize;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The settings text of the last call and what it validated to. Callers pass the same
    /// settings on every call; validating them (a JSON parse, URL checks, the `Authorization`
    /// value) was about a quarter of mapping one event.
    static LAST_SETTINGS: RefCell<Option<(String, Rc<Settings>)>> = const { RefCell::new(None) };
}

/// [`Settings::from_json`], reusing the last call's result when the text is the same.
fn settings_of(text: &str) -> Result<Rc<Settings>, SettingsError> {
    LAST_SETTINGS.with(|last| {
        if let Some((last_text, settings)) = &*last.borrow() {
            if last_text == text {
                return Ok(Rc::clone(settings));
            }
        }
        let settings = Rc::new(Settings::from_json(text)?);
        *last.borrow_mut() = Some((text.to_string(), Rc::clone(&settings)));
        Ok(settings)
    })
}

/// An event the wrapper could not turn into JSON, or whose top-level `field` held `NaN`.
#[derive(Deserialize)]
struct Unrepresentable {
    index: usize,
    field: Option<String>,
    reason: String,
}

fn settings_error(error: SettingsError) -> String {
    json!({ "error": {
        "code": "invalid_settings",
        "message": error.to_string(),
        "problems": error.problems,
    }})
    .to_string()
}

fn event_error(error: MapError, message_id: Option<&str>) -> String {
    json!({ "error": {
        "code": error.code.as_str(),
        "message": error.describe(Some(0), message_id),
        "messageId": message_id,
        "index": 0,
    }})
    .to_string()
}

fn read_unrepresentable(text: &str) -> Vec<Unrepresentable> {
    serde_json::from_str(text).unwrap_or_default()
}

/// `mapEvent`: `{"commands": [...]}` (empty when skipped) or `{"error": {...}}`.
#[wasm_bindgen(js_name = mapEventJson)]
pub fn map_event_json(event: &str, settings: &str, unrepresentable_json: &str) -> String {
    let settings = match settings_of(settings) {
        Ok(s) => s,
        Err(e) => return settings_error(e),
    };
    let problem = read_unrepresentable(unrepresentable_json)
        .into_iter()
        .next();
    let event = match problem {
        Some(p) => Err(unrepresentable(p.field.as_deref(), &p.reason)),
        None => parse_event_json(event, IngestLimits::default(), false),
    };
    let message_id = event.as_ref().ok().and_then(message_id_json);
    match event.and_then(|e| map_json(e, &settings, 0)) {
        Ok(Drafted::Commands(commands)) => json!({ "commands": commands }).to_string(),
        Ok(Drafted::Skipped(_)) => r#"{"commands":[]}"#.to_string(),
        Err(e) => event_error(e, message_id.as_deref()),
    }
}

/// `buildRequests` (an array of events, some already found unrepresentable by the wrapper)
/// and `buildRequestsFromJson` (any Segment body), framed, or `{"error": {...}}` (which has no
/// newline). Framed: a header line, then the request bodies one after another, which the
/// wrapper slices out, so no body is escaped into JSON and unescaped again in JavaScript. The
/// header is each body's length in UTF-16 code units, comma-separated, a `|`, and then
/// `{"rejected": [...], "skipped": [...]}` only when one of them is not empty: the usual answer
/// needs no `JSON.parse`. Every request has the same method, URL and headers, which the wrapper
/// asks for once per settings ([`request_target_json`]).
///
/// The body and the settings arrive as UTF-8 bytes (the wrapper's `TextEncoder`): a `&str`
/// parameter makes wasm-bindgen's glue copy the text in a JavaScript loop, one character at a
/// time up to the first non-ASCII one: a fifth of the time for one typical event, and the whole
/// length of a body that is all ASCII, as most Segment traffic is.
#[wasm_bindgen(js_name = buildRequestsFramed)]
pub fn build_requests_framed(body: &[u8], settings: &[u8], unrepresentable_json: &str) -> String {
    let not_utf8 = |code: &str, what: &str| {
        let error = json!({ "code": code, "message": format!("the {what} is not UTF-8 text") });
        json!({ "error": error }).to_string()
    };
    let Ok(body) = std::str::from_utf8(body) else {
        return not_utf8("invalid_body", "body");
    };
    let Ok(settings) = std::str::from_utf8(settings) else {
        return not_utf8("invalid_settings", "settings JSON");
    };
    let output = match build(body, settings, unrepresentable_json) {
        Ok(output) => output,
        Err(error) => return error,
    };
    let bodies: usize = output.requests.iter().map(|r| r.body.len()).sum();
    let mut framed = String::with_capacity(bodies + 8 * output.requests.len() + 2);
    for (i, request) in output.requests.iter().enumerate() {
        if i > 0 {
            framed.push(',');
        }
        framed.push_str(&utf16_len(&request.body).to_string());
    }
    framed.push('|');
    if !output.rejected.is_empty() || !output.skipped.is_empty() {
        let issues = json!({ "rejected": output.rejected, "skipped": output.skipped });
        framed.push_str(&issues.to_string());
    }
    framed.push('\n');
    for request in &output.requests {
        framed.push_str(&request.body);
    }
    framed
}

/// How every request for `settings` is sent: `{"method", "url", "headers"}`, or
/// `{"error": {...}}`.
#[wasm_bindgen(js_name = requestTargetJson)]
pub fn request_target_json(settings: &str) -> String {
    match settings_of(settings) {
        Ok(s) => json!({
            "method": BatchRequest::METHOD,
            "url": s.batch_url(),
            "headers": { "Authorization": s.authorization(), "Content-Type": BatchRequest::CONTENT_TYPE },
        })
        .to_string(),
        Err(e) => settings_error(e),
    }
}

/// The length JavaScript gives the string (`str.length`): one UTF-16 unit per character, two
/// for a character past U+FFFF. Counted on bytes, without decoding characters: every byte that
/// does not continue a character starts one, and a 4-byte sequence is an astral character.
fn utf16_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    if bytes.is_ascii() {
        return bytes.len();
    }
    bytes
        .iter()
        .map(|&b| usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0))
        .sum()
}

/// Reads the body and maps it; `Err` is the `{"error"}` text to return.
fn build(body: &str, settings: &str, unrepresentable_json: &str) -> Result<BuildOutput, String> {
    let settings = settings_of(settings).map_err(settings_error)?;
    let passthrough = passes_through(&settings);
    let mut slots: Vec<JsonSlot> =
        match parse_events_json(body, None, IngestLimits::default(), passthrough) {
            Ok(slots) => slots,
            Err(e) => {
                let mut error = json!({ "code": e.code(), "message": e.to_string() });
                if let crate::ingest::IngestError::InvalidJson { line, column, .. } = e {
                    error["line"] = json!(line);
                    error["column"] = json!(column);
                }
                return Err(json!({ "error": error }).to_string());
            }
        };
    for p in read_unrepresentable(unrepresentable_json) {
        if let Some(slot) = slots.get_mut(p.index) {
            *slot = Err(unrepresentable(p.field.as_deref(), &p.reason));
        }
    }
    Ok(build_from_json_slots(slots, &settings))
}

/// `validateSettings`: `{"settings": {...}}` normalized, or `{"error": {...}}`.
#[wasm_bindgen(js_name = validateSettingsJson)]
pub fn validate_settings_json(settings: &str) -> String {
    match Settings::from_json(settings) {
        Ok(s) => json!({ "settings": s.to_json_value() }).to_string(),
        Err(e) => settings_error(e),
    }
}

/// `readResponse`: the outcome of each command of `request_body`.
#[wasm_bindgen(js_name = readResponseJson)]
pub fn read_response_json(request_body: &str, status: u16, response_body: &str) -> String {
    match command_ids_of_body(request_body) {
        Ok(ids) => {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            json!({ "outcomes": read_response(&ids, status, response_body) }).to_string()
        }
        Err(message) => {
            json!({ "error": { "code": "invalid_request", "message": message } }).to_string()
        }
    }
}
