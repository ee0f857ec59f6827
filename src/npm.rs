//! The npm package's wasm exports: JSON text in, JSON text out, so JavaScript values never
//! cross the boundary one by one. The package's JavaScript wrapper (`pkg/src/api.js`) turns
//! the results into values and errors with a `code`.

use crate::batch::{build_from_json_slots, passes_through, BatchRequest, BuildOutput};
use crate::error::MapError;
use crate::ingest::{parse_event_json, parse_events_json, unrepresentable, IngestLimits, JsonSlot};
use crate::mapping::{map_json, message_id_json, Drafted};
use crate::response::{command_ids_of_body, read_response};
use crate::settings::{Settings, SettingsError};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
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
    if text == "[]" {
        return Vec::new();
    }
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
/// and `buildRequestsFromJson` (any Segment body): `{requests, rejected, skipped}`, framed, or
/// `{"error": {...}}`. Framed: the envelope (each request with `bodyLength`, in UTF-16 code
/// units, in place of `body`), a newline, then the bodies one after another, which the wrapper
/// slices out; no body is escaped a second time into the envelope and unescaped in JavaScript.
/// An error has no newline.
///
/// The body arrives as UTF-8 bytes (the wrapper's `TextEncoder.encode`): a `&str` parameter
/// makes wasm-bindgen's glue copy the text in a JavaScript loop, one character at a time up to
/// the first non-ASCII one: a fifth of the time for one typical event, and the whole length of
/// a body that is all ASCII, as most Segment traffic is.
#[wasm_bindgen(js_name = buildRequestsFramed)]
pub fn build_requests_framed(body: &[u8], settings: &str, unrepresentable_json: &str) -> String {
    let Ok(body) = std::str::from_utf8(body) else {
        let error = json!({ "code": "invalid_body", "message": "the body is not UTF-8 text" });
        return json!({ "error": error }).to_string();
    };
    let output = match build(body, settings, unrepresentable_json) {
        Ok(output) => output,
        Err(error) => return error,
    };
    struct Envelope<'a>(&'a BuildOutput);
    struct Requests<'a>(&'a [BatchRequest]);
    impl Serialize for Envelope<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut s = serializer.serialize_struct("BuildOutput", 3)?;
            s.serialize_field("requests", &Requests(&self.0.requests))?;
            s.serialize_field("rejected", &self.0.rejected)?;
            s.serialize_field("skipped", &self.0.skipped)?;
            s.end()
        }
    }
    impl Serialize for Requests<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.0.iter().map(|r| FramedRequest {
                method: BatchRequest::METHOD,
                url: &r.url,
                headers: FramedHeaders {
                    authorization: &r.authorization,
                    content_type: BatchRequest::CONTENT_TYPE,
                },
                body_length: utf16_len(&r.body),
            }))
        }
    }
    let bodies: usize = output.requests.iter().map(|r| r.body.len()).sum();
    let mut framed = serde_json::to_string(&Envelope(&output)).expect("output serializes");
    framed.reserve(bodies + 1);
    framed.push('\n');
    for request in &output.requests {
        framed.push_str(&request.body);
    }
    framed
}

/// A request in the framed envelope: its body is sent after the envelope.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FramedRequest<'a> {
    method: &'static str,
    url: &'a str,
    headers: FramedHeaders<'a>,
    body_length: usize,
}

#[derive(Serialize)]
struct FramedHeaders<'a> {
    #[serde(rename = "Authorization")]
    authorization: &'a str,
    #[serde(rename = "Content-Type")]
    content_type: &'static str,
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
