//! The npm package's wasm exports over the mapping core: JSON text in, JSON text out, so
//! JavaScript values never cross the boundary one by one. The package's JavaScript wrapper
//! (`pkg/src/api.js`) turns the results into values and errors with a `code`. No mapping logic
//! lives here: settings become a [`Mapper`], bodies go through [`Mapper::build`]; the rules'
//! mapping-kit and FQL exports are in `rules`.

mod api_error;
mod memory;
mod rules;
mod runtime_url;
mod utf;

use api_error::ApiError;
use memory::{answer, with_body};
use runtime_url::RuntimeUrl;
use segment_bloomreach::ingest::unrepresentable;
use segment_bloomreach::response::command_ids_of_body;
use segment_bloomreach::{
    read_response, BatchRequest, BuildOutput, Code, EventIssue, IngestLimits, Mapped, Mapper,
    Settings, SettingsError,
};
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use utf::utf16_len;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The settings text of the last call and what it validated to. Callers pass the same
    /// settings on every call; validating them (a JSON parse, URL checks, the `Authorization`
    /// value) was about a quarter of mapping one event.
    static LAST_SETTINGS: RefCell<Option<(String, Rc<Mapper>)>> = const { RefCell::new(None) };

    /// Counts changes of `LAST_SETTINGS`, so the wrapper can tell that the settings it made
    /// current ([`use_settings`]) still are, and need not pass them again.
    static SETTINGS_GENERATION: Cell<u32> = const { Cell::new(0) };
}

/// The [`Mapper`] for settings given as JSON text, reusing the last call's when the text is the
/// same (the mapper keeps the request URL and `Authorization`, whose formatting and base64 were a
/// few percent of mapping one event).
fn mapper_of(text: &str) -> Result<Rc<Mapper>, SettingsError> {
    LAST_SETTINGS.with(|last| {
        if let Some((last_text, mapper)) = &*last.borrow() {
            if last_text == text {
                return Ok(Rc::clone(mapper));
            }
        }
        let mapper = Rc::new(Mapper::new(Settings::from_json_with(text, &RuntimeUrl)?));
        *last.borrow_mut() = Some((text.to_string(), Rc::clone(&mapper)));
        SETTINGS_GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
        Ok(mapper)
    })
}

/// `useSettings`: makes `settings` (JSON text as UTF-8 bytes) the settings
/// [`build_requests_framed`] maps with: `""`, or `{"error": {...}}` when they are not valid.
/// Passing them once per settings, not once per call, saves copying them into wasm and comparing
/// them with the last ones on every call.
#[wasm_bindgen(js_name = useSettings)]
pub fn use_settings(settings: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(settings) else {
        return ApiError::new(Code::InvalidSettings, "the settings JSON is not UTF-8 text").text();
    };
    match mapper_of(text) {
        Ok(_) => String::new(),
        Err(e) => settings_error(e),
    }
}

/// `settingsGeneration`: changes whenever the current settings do, by any call.
#[wasm_bindgen(js_name = settingsGeneration)]
pub fn settings_generation() -> u32 {
    SETTINGS_GENERATION.with(Cell::get)
}

/// The current settings' mapper ([`use_settings`]).
fn current_mapper() -> Option<Rc<Mapper>> {
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
    ApiError::settings(&error).text()
}

fn read_unrepresentable(text: &str) -> Vec<Unrepresentable> {
    serde_json::from_str(text).unwrap_or_default()
}

/// `mapEvent`: `{"commands": [...]}` (empty when skipped) or `{"error": {...}}`, for the event the
/// wrapper wrote into wasm memory as it writes bodies (see [`build_requests_framed`]), with the
/// settings made current by [`use_settings`]; with `wide`, output that is not all ASCII is kept
/// in wasm memory as bodies' output is. (Passing the event as a `&str` and the settings' text on
/// every call, as this export's first version did, cost about as much as mapping the event.)
#[wasm_bindgen(js_name = mapEventCurrent)]
pub fn map_event_current(
    length: usize,
    utf16: bool,
    unrepresentable_json: Option<String>,
    wide: bool,
) -> String {
    let Some(mapper) = current_mapper() else {
        return ApiError::new(Code::InvalidSettings, "no settings: call useSettings first").text();
    };
    with_body(length, utf16, |event| {
        let Some(event) = event else {
            return ApiError::new(Code::InvalidEvent, "the event is not UTF-8 text").text();
        };
        let answer_text = map_one(&mapper, event, unrepresentable_json.as_deref());
        let ascii = answer_text.is_ascii();
        answer(|| std::iter::once(answer_text.as_str()), ascii, wide)
    })
}

/// One event's `{"commands": [...]}` or `{"error": {...}}` (see [`map_event_current`]).
fn map_one(mapper: &Mapper, event: &str, unrepresentable_json: Option<&str>) -> String {
    let problem = unrepresentable_json
        .map(read_unrepresentable)
        .unwrap_or_default()
        .into_iter()
        .next();
    let event = match problem {
        Some(p) => Err(unrepresentable(p.field.as_deref(), &p.reason)),
        None => mapper.read_event(event, IngestLimits::default()),
    };
    let message_id = event.as_ref().ok().and_then(|e| e.message_id());
    match mapper.map_slot(event) {
        Ok(Mapped::Commands(commands)) => {
            format!("{{\"commands\":{}}}", to_json(&commands))
        }
        Ok(Mapped::Skipped(_)) => r#"{"commands":[]}"#.to_string(),
        Err(e) => ApiError::event(&e, message_id.as_deref()).text(),
    }
}

/// `buildRequests` (an array of events, some already found unrepresentable by the wrapper)
/// and `buildRequestsFromJson` (any Segment body), framed, or `{"error": {...}}` (which has no
/// newline). Framed: a header line, then the request bodies one after another, which the
/// wrapper slices out, so no body is escaped into JSON and unescaped again in JavaScript. The
/// header holds, per request (`;`-separated), its body's length in UTF-16 code units, `:`, and
/// the event index of each of its commands ([`push_event_runs`]); then a `|` and
/// `{"rejected": [...], "skipped": [...]}` (with `"origins"`, per request, when rules made
/// commands) only when one of them is not empty: the usual answer needs no `JSON.parse`. Every request has the same method, URL and headers, which the wrapper
/// asks for once per settings ([`request_target_json`]).
///
/// The body is the first `length` bytes of [`memory::body_buffer`], or with `utf16` the first
/// `length` units of [`memory::body_buffer_utf16`], written there by the wrapper: no copy on the
/// way in (see `memory`). It is mapped with the settings made current by [`use_settings`];
/// `unrepresentable_json` is absent when there are none (no string to copy in on the usual
/// call).
///
/// With `wide`, output that is not all ASCII is kept in wasm memory instead and `"latin1"` or
/// `"utf16"` is returned (never an answer otherwise), for the wrapper to make a string of with
/// Node's `Buffer` ([`memory::output_address`]): Latin-1 when every character fits a byte, as
/// accented Latin text does.
#[wasm_bindgen(js_name = buildRequestsFramed)]
pub fn build_requests_framed(
    length: usize,
    utf16: bool,
    unrepresentable_json: Option<String>,
    wide: bool,
) -> String {
    let Some(mapper) = current_mapper() else {
        return ApiError::new(Code::InvalidSettings, "no settings: call useSettings first").text();
    };
    let unrepresentable = unrepresentable_json.as_deref().unwrap_or("[]");
    with_body(length, utf16, |body| match body {
        Some(body) => match build(body, &mapper, unrepresentable) {
            Ok(output) => frame(&output, wide),
            Err(error) => error,
        },
        None => ApiError::new(Code::InvalidBody, "the body is not UTF-8 text").text(),
    })
}

/// The framed text of `output`, or with `wide` and any non-ASCII in it, `"latin1"` or `"utf16"`
/// with the text kept in [`OUTPUT`] or [`OUTPUT_UTF16`].
fn frame(output: &BuildOutput, wide: bool) -> String {
    let mut header = String::with_capacity(16 * output.requests.len() + 2);
    let mut ascii = true;
    for (i, request) in output.requests.iter().enumerate() {
        if i > 0 {
            header.push(';');
        }
        let units = utf16_len(&request.body);
        ascii &= units == request.body.len();
        header.push_str(&units.to_string());
        header.push(':');
        push_event_runs(&mut header, request.commands.iter().map(|c| c.event_index));
    }
    header.push('|');
    let origins = output.requests.iter().any(BatchRequest::has_origins);
    if !output.rejected.is_empty() || !output.skipped.is_empty() || origins {
        /// The rejected and skipped events, and which rule made each command of each request
        /// (`null`: the classic mapping) when rules made some.
        #[derive(serde::Serialize)]
        struct Issues<'o> {
            rejected: &'o [EventIssue],
            skipped: &'o [EventIssue],
            #[serde(skip_serializing_if = "Option::is_none")]
            origins: Option<Vec<Vec<Option<&'o str>>>>,
        }
        let origins = origins.then(|| {
            let requests = output.requests.iter();
            requests
                .map(|r| r.commands.iter().map(|c| c.origin.as_deref()).collect())
                .collect()
        });
        header.push_str(&to_json(&Issues {
            rejected: &output.rejected,
            skipped: &output.skipped,
            origins,
        }));
    }
    header.push('\n');
    let parts =
        || std::iter::once(header.as_str()).chain(output.requests.iter().map(|r| r.body.as_str()));
    answer(parts, ascii && header.is_ascii(), wide)
}

/// The event index of each command, in body order, as runs: `a-b` for `a, a+1, …, b`, a lone
/// index as itself, comma-separated (an event of two commands appears twice: `4,4`).
fn push_event_runs(out: &mut String, mut events: impl Iterator<Item = usize>) {
    let Some(mut start) = events.next() else {
        return;
    };
    let mut end = start;
    let push = |out: &mut String, start: usize, end: usize| {
        if !out.ends_with(':') {
            out.push(',');
        }
        out.push_str(&start.to_string());
        if end > start {
            out.push('-');
            out.push_str(&end.to_string());
        }
    };
    for event in events {
        if event == end + 1 {
            end = event;
        } else {
            push(out, start, end);
            (start, end) = (event, event);
        }
    }
    push(out, start, end);
}

/// How every request for `settings` is sent: `{"method", "url", "headers"}`, or
/// `{"error": {...}}`.
#[wasm_bindgen(js_name = requestTargetJson)]
pub fn request_target_json(settings: &str) -> String {
    match mapper_of(settings) {
        Ok(mapper) => format!(
            "{{\"method\":\"{}\",\"url\":{},\"headers\":{{\"Authorization\":{},\"Content-Type\":\"{}\"}}}}",
            BatchRequest::METHOD,
            to_json(&mapper.target().url),
            to_json(&mapper.target().authorization),
            BatchRequest::CONTENT_TYPE,
        ),
        Err(e) => settings_error(e),
    }
}

/// Reads the body and maps it; `Err` is the `{"error"}` text to return.
fn build<'a>(
    body: &'a str,
    mapper: &'a Mapper,
    unrepresentable_json: &str,
) -> Result<BuildOutput<'a>, String> {
    let mut slots = mapper
        .read_body(body, None, IngestLimits::default())
        .map_err(|e| ApiError::body(&e).text())?;
    for p in read_unrepresentable(unrepresentable_json) {
        if let Some(slot) = slots.get_mut(p.index) {
            *slot = Err(unrepresentable(p.field.as_deref(), &p.reason));
        }
    }
    Ok(mapper.build(slots))
}

/// A value as JSON text.
fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("the package's answers serialize")
}

/// `validateSettings`: `{"settings": {...}}` normalized, or `{"error": {...}}`.
#[wasm_bindgen(js_name = validateSettingsJson)]
pub fn validate_settings_json(settings: &str) -> String {
    match Settings::from_json_with(settings, &RuntimeUrl) {
        Ok(s) => format!("{{\"settings\":{}}}", to_json(&s.to_json_value())),
        Err(e) => settings_error(e),
    }
}

/// `readResponse`: the outcome of each command of `request_body`.
#[wasm_bindgen(js_name = readResponseJson)]
pub fn read_response_json(request_body: &str, status: u16, response_body: &str) -> String {
    match command_ids_of_body(request_body) {
        Ok(ids) => {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            format!(
                "{{\"outcomes\":{}}}",
                to_json(&read_response(&ids, status, response_body))
            )
        }
        Err(message) => ApiError::new(Code::InvalidRequest, message).text(),
    }
}
