//! The npm package's wasm exports: JSON text in, JSON text out, so JavaScript values never
//! cross the boundary one by one. The package's JavaScript wrapper (`pkg/src/api.js`) turns
//! the results into values and errors with a `code`.

use crate::batch::{build_from_json_slots_to, passes_through, BatchRequest, BuildOutput};
use crate::error::MapError;
use crate::ingest::{parse_event_json, parse_events_json, unrepresentable, IngestLimits, JsonSlot};
use crate::mapping::{map_json, message_id_json, Drafted};
use crate::response::{command_ids_of_body, read_response};
use crate::settings::{RequestTarget, Settings, SettingsError};
use crate::utf::{push_latin1, push_utf16, utf16_len, utf8_from_utf16};
use serde::Deserialize;
use serde_json::json;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The settings text of the last call and what it validated to. Callers pass the same
    /// settings on every call; validating them (a JSON parse, URL checks, the `Authorization`
    /// value) was about a quarter of mapping one event.
    static LAST_SETTINGS: RefCell<Option<(String, Rc<Validated>)>> = const { RefCell::new(None) };

    /// Counts changes of `LAST_SETTINGS`, so the wrapper can tell that the settings it made
    /// current ([`use_settings`]) still are, and need not pass them again.
    static SETTINGS_GENERATION: Cell<u32> = const { Cell::new(0) };

    /// The body, written by the wrapper straight into wasm memory: UTF-8 bytes
    /// ([`body_buffer`]) or a JavaScript string's UTF-16 units ([`body_buffer_utf16`]). Kept
    /// from call to call, so a body costs no allocation once one as long has been seen.
    static BODY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static BODY_UTF16: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
    /// A UTF-16 body made UTF-8, its allocation kept likewise.
    static BODY_TEXT: RefCell<String> = const { RefCell::new(String::new()) };

    /// [`build_requests_framed`]'s output when it is not all ASCII and the wrapper can read it
    /// as Latin-1 or UTF-16 ([`output_address`], [`output_length`]).
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT_UTF16: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
}

/// Settings as validated, with what follows from them for every request (formatting the URL and
/// base64-encoding the `Authorization` value were a few percent of mapping one event).
struct Validated {
    settings: Settings,
    target: RequestTarget,
}

/// [`Settings::from_json`], reusing the last call's result when the text is the same.
fn settings_of(text: &str) -> Result<Rc<Validated>, SettingsError> {
    LAST_SETTINGS.with(|last| {
        if let Some((last_text, validated)) = &*last.borrow() {
            if last_text == text {
                return Ok(Rc::clone(validated));
            }
        }
        let settings = Settings::from_json(text)?;
        let target = settings.request_target();
        let validated = Rc::new(Validated { settings, target });
        *last.borrow_mut() = Some((text.to_string(), Rc::clone(&validated)));
        SETTINGS_GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
        Ok(validated)
    })
}

/// `useSettings`: makes `settings` (JSON text as UTF-8 bytes) the settings
/// [`build_requests_framed`] maps with: `""`, or `{"error": {...}}` when they are not valid.
/// Passing them once per settings, not once per call, saves copying them into wasm and comparing
/// them with the last ones on every call.
#[wasm_bindgen(js_name = useSettings)]
pub fn use_settings(settings: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(settings) else {
        let error =
            json!({ "code": "invalid_settings", "message": "the settings JSON is not UTF-8 text" });
        return json!({ "error": error }).to_string();
    };
    match settings_of(text) {
        Ok(_) => String::new(),
        Err(e) => settings_error(e),
    }
}

/// `settingsGeneration`: changes whenever the current settings do, by any call.
#[wasm_bindgen(js_name = settingsGeneration)]
pub fn settings_generation() -> u32 {
    SETTINGS_GENERATION.with(Cell::get)
}

/// The current settings ([`use_settings`]).
fn current_settings() -> Option<Rc<Validated>> {
    LAST_SETTINGS.with(|last| last.borrow().as_ref().map(|(_, v)| Rc::clone(v)))
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
    match event.and_then(|e| map_json(e, &settings.settings, 0)) {
        Ok(Drafted::Commands(commands)) => json!({ "commands": commands }).to_string(),
        Ok(Drafted::Skipped(_)) => r#"{"commands":[]}"#.to_string(),
        Err(e) => event_error(e, message_id.as_deref()),
    }
}

/// `wasmMemory`: the wasm's memory, which the wrapper writes bodies into and reads output from.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// `bodyBuffer`: where the wrapper writes a body of up to `bytes` UTF-8 bytes (the address in
/// wasm memory), for [`build_requests_framed`].
#[wasm_bindgen(js_name = bodyBuffer)]
pub fn body_buffer(bytes: usize) -> *mut u8 {
    BODY.with(|body| room(body, bytes))
}

/// `bodyBufferUtf16`: where the wrapper writes a body of `units` UTF-16 code units.
#[wasm_bindgen(js_name = bodyBufferUtf16)]
pub fn body_buffer_utf16(units: usize) -> *mut u16 {
    BODY_UTF16.with(|body| room(body, units))
}

/// The address of `buffer`, grown (with zeros) to hold at least `len` items.
fn room<T: Copy + Default>(buffer: &RefCell<Vec<T>>, len: usize) -> *mut T {
    let mut buffer = buffer.borrow_mut();
    if buffer.len() < len {
        buffer.resize(len, T::default());
    }
    buffer.as_mut_ptr()
}

/// `outputAddress` and `outputLength`: where the output [`build_requests_framed`] kept is, and
/// its length in bytes.
#[wasm_bindgen(js_name = outputAddress)]
pub fn output_address(utf16: bool) -> *const u8 {
    kept_output(utf16).0
}

#[wasm_bindgen(js_name = outputLength)]
pub fn output_length(utf16: bool) -> usize {
    kept_output(utf16).1
}

/// The address and byte length of [`OUTPUT_UTF16`] or [`OUTPUT`].
fn kept_output(utf16: bool) -> (*const u8, usize) {
    fn bytes_of<T>(buffer: &RefCell<Vec<T>>) -> (*const u8, usize) {
        let buffer = buffer.borrow();
        (
            buffer.as_ptr().cast(),
            std::mem::size_of_val(buffer.as_slice()),
        )
    }
    if utf16 {
        OUTPUT_UTF16.with(bytes_of)
    } else {
        OUTPUT.with(bytes_of)
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
/// The body is the first `length` bytes of [`body_buffer`], or with `utf16` the first `length`
/// units of [`body_buffer_utf16`], written there by the wrapper: no copy on the way in. As a
/// `&str` parameter, wasm-bindgen's glue would copy the text in a JavaScript loop one character
/// at a time up to its first non-ASCII one, and Node's `TextEncoder` takes ten times longer on a
/// string with any non-ASCII character in it than Node takes to write it out as UTF-16. It is
/// mapped with the settings made current by [`use_settings`]; `unrepresentable_json` is absent
/// when there are none (no string to copy in on the usual call).
///
/// With `wide`, output that is not all ASCII is kept in wasm memory instead and `"latin1"` or
/// `"utf16"` is returned (never an answer otherwise), for the wrapper to make a string of with
/// Node's `Buffer` ([`output_address`]): Latin-1 when every character fits a byte, as accented
/// Latin text does. Node's `TextDecoder` takes several times longer on UTF-8 with any non-ASCII
/// character in it.
#[wasm_bindgen(js_name = buildRequestsFramed)]
pub fn build_requests_framed(
    length: usize,
    utf16: bool,
    unrepresentable_json: Option<String>,
    wide: bool,
) -> String {
    let Some(validated) = current_settings() else {
        let error =
            json!({ "code": "invalid_settings", "message": "no settings: call useSettings first" });
        return json!({ "error": error }).to_string();
    };
    let unrepresentable = unrepresentable_json.as_deref().unwrap_or("[]");
    let built = if utf16 {
        BODY_UTF16.with(|units| {
            BODY_TEXT.with(|text| {
                let mut text = text.borrow_mut();
                let units = units.borrow();
                utf8_from_utf16(&units[..length.min(units.len())], &mut text);
                build(&text, &validated, unrepresentable)
            })
        })
    } else {
        BODY.with(|bytes| {
            let bytes = bytes.borrow();
            match std::str::from_utf8(&bytes[..length.min(bytes.len())]) {
                Ok(body) => build(body, &validated, unrepresentable),
                Err(_) => {
                    let error =
                        json!({ "code": "invalid_body", "message": "the body is not UTF-8 text" });
                    Err(json!({ "error": error }).to_string())
                }
            }
        })
    };
    match built {
        Ok(output) => frame(&output, wide),
        Err(error) => error,
    }
}

/// The framed text of `output`, or with `wide` and any non-ASCII in it, `"latin1"` or `"utf16"`
/// with the text kept in [`OUTPUT`] or [`OUTPUT_UTF16`].
fn frame(output: &BuildOutput, wide: bool) -> String {
    let mut header = String::with_capacity(8 * output.requests.len() + 2);
    let mut ascii = true;
    for (i, request) in output.requests.iter().enumerate() {
        if i > 0 {
            header.push(',');
        }
        let units = utf16_len(&request.body);
        ascii &= units == request.body.len();
        header.push_str(&units.to_string());
    }
    header.push('|');
    if !output.rejected.is_empty() || !output.skipped.is_empty() {
        let issues = json!({ "rejected": output.rejected, "skipped": output.skipped });
        header.push_str(&issues.to_string());
    }
    header.push('\n');
    let parts =
        || std::iter::once(header.as_str()).chain(output.requests.iter().map(|r| r.body.as_str()));
    if wide && !(ascii && header.is_ascii()) {
        let latin1 = OUTPUT.with(|out| {
            let mut out = out.borrow_mut();
            out.clear();
            parts().all(|part| push_latin1(part, &mut out))
        });
        if latin1 {
            return "latin1".to_string();
        }
        OUTPUT_UTF16.with(|out| {
            let mut out = out.borrow_mut();
            out.clear();
            parts().for_each(|part| push_utf16(part, &mut out));
        });
        return "utf16".to_string();
    }
    let mut framed = String::with_capacity(parts().map(str::len).sum());
    framed.extend(parts());
    framed
}

/// How every request for `settings` is sent: `{"method", "url", "headers"}`, or
/// `{"error": {...}}`.
#[wasm_bindgen(js_name = requestTargetJson)]
pub fn request_target_json(settings: &str) -> String {
    match settings_of(settings) {
        Ok(s) => json!({
            "method": BatchRequest::METHOD,
            "url": s.target.url,
            "headers": { "Authorization": s.target.authorization, "Content-Type": BatchRequest::CONTENT_TYPE },
        })
        .to_string(),
        Err(e) => settings_error(e),
    }
}

/// Reads the body and maps it; `Err` is the `{"error"}` text to return.
fn build(
    body: &str,
    validated: &Validated,
    unrepresentable_json: &str,
) -> Result<BuildOutput, String> {
    let settings = &validated.settings;
    let passthrough = passes_through(settings);
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
    Ok(build_from_json_slots_to(slots, settings, &validated.target))
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
