//! The rules' exports: Segment's mapping-kit `transform` and its validation, and FQL subscription
//! matching. Mappings are compiled into a table the wrapper manages (`compileMapping`,
//! `dropMapping`), each answering with what it reads of a payload so the wrapper sends only that;
//! payloads are written straight into wasm memory, as bodies are. The last subscription is kept
//! by its text.

use crate::api_error::ApiError;
use crate::memory::{answer, with_body};
use segment_bloomreach::rules::fql::Subscription;
use segment_bloomreach::rules::kit::{Mapping, PayloadReads};
use segment_bloomreach::rules::Problem;
use segment_bloomreach::Code;
use serde_json::value::RawValue;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The text last compiled, and what it compiled to.
type Last<T> = RefCell<Option<(String, Rc<T>)>>;

thread_local! {
    /// The mappings the wrapper compiled, by slot (`None`: free). The wrapper drops the ones it
    /// no longer keeps, so the table stays as small as its own cache.
    static MAPPINGS: RefCell<Vec<Option<Mapping>>> = const { RefCell::new(Vec::new()) };
    static LAST_SUBSCRIPTION: Last<Subscription> = const { RefCell::new(None) };
}

/// The compiled value for `text`: the last one when the text is the same, else compiled anew.
fn cached<T, E>(
    last: &'static std::thread::LocalKey<Last<T>>,
    text: &str,
    compile: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Rc<T>, E> {
    last.with(|last| {
        if let Some((last_text, value)) = &*last.borrow() {
            if last_text == text {
                return Ok(Rc::clone(value));
            }
        }
        let value = Rc::new(compile(text)?);
        *last.borrow_mut() = Some((text.to_string(), Rc::clone(&value)));
        Ok(value)
    })
}

/// A mapping given as JSON text, compiled as `transform` takes it; `Err` is the error text.
fn mapping_of(text: &str) -> Result<Mapping, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::new(
            Code::InvalidMapping,
            format!("the mapping is not JSON: {e}"),
        )
        .text()
    })?;
    Mapping::compile_transform(&value).map_err(|problems| {
        let listed: Vec<String> = problems.iter().map(Problem::to_string).collect();
        let message = format!("invalid mapping: {}", listed.join("; "));
        ApiError::mapping(Code::InvalidMapping, message, &problems).text()
    })
}

/// `compileMapping`: `{"slot": n, "reads": …}`, the mapping compiled into slot `n` for
/// [`transform_mapping`], or `{"error": {...}}` (`invalid_mapping`, with `problems`). `reads` is
/// what the mapping reads of a payload: `null` for anything, else an object of the members it
/// reads, each `true` (read whole) or such an object in turn.
#[wasm_bindgen(js_name = compileMapping)]
pub fn compile_mapping(mapping: &str) -> String {
    let mapping = match mapping_of(mapping) {
        Ok(mapping) => mapping,
        Err(error) => return error,
    };
    let mut out = String::from("{\"slot\":");
    let reads = mapping.reads().clone();
    let slot = MAPPINGS.with(|table| {
        let mut table = table.borrow_mut();
        match table.iter().position(Option::is_none) {
            Some(free) => {
                table[free] = Some(mapping);
                free
            }
            None => {
                table.push(Some(mapping));
                table.len() - 1
            }
        }
    });
    out.push_str(&slot.to_string());
    out.push_str(",\"reads\":");
    match &reads {
        PayloadReads::Whole => out.push_str("null"),
        members => push_reads(members, &mut out),
    }
    out.push('}');
    out
}

/// `reads` as JSON: `true` for a value read whole, an object of members otherwise.
fn push_reads(reads: &PayloadReads, out: &mut String) {
    match reads {
        PayloadReads::Whole => out.push_str("true"),
        PayloadReads::Members(members) => {
            out.push('{');
            for (i, (key, inner)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).expect("a key serializes"));
                out.push(':');
                push_reads(inner, out);
            }
            out.push('}');
        }
    }
}

/// `dropMapping`: frees a slot of [`compile_mapping`].
#[wasm_bindgen(js_name = dropMapping)]
pub fn drop_mapping(slot: usize) {
    MAPPINGS.with(|table| {
        if let Some(entry) = table.borrow_mut().get_mut(slot) {
            *entry = None;
        }
    });
}

/// `transformMapping`: `transform` of the mapping in `slot` over the payload the wrapper wrote
/// into wasm memory as it writes bodies (see `buildRequestsFramed`): `{"output": …}` (no
/// `output` where Segment's gives `undefined`), or `{"error": {...}}` (`mapping_failed`). With
/// `wide`, output that is not all ASCII is kept in wasm memory as bodies' output is, and
/// `"latin1"` or `"utf16"` returned.
#[wasm_bindgen(js_name = transformMapping)]
pub fn transform_mapping(slot: usize, length: usize, utf16: bool, wide: bool) -> String {
    MAPPINGS.with(|table| {
        let table = table.borrow();
        let Some(Some(mapping)) = table.get(slot) else {
            return ApiError::new(Code::InvalidMapping, "no mapping compiled in this slot").text();
        };
        with_body(length, utf16, |payload| {
            let Some(payload) = payload else {
                return ApiError::new(Code::MappingFailed, "the payload is not UTF-8 text").text();
            };
            match mapping.resolve_text_to_json(payload) {
                Ok(Some(output)) => answer(
                    || ["{\"output\":", output.as_str(), "}"].into_iter(),
                    output.is_ascii(),
                    wide,
                ),
                Ok(None) => "{}".to_string(),
                Err(e) => ApiError::new(Code::MappingFailed, e.message).text(),
            }
        })
    })
}

/// `transformMappingMany`: [`transform_mapping`] of each payload of a JSON array the wrapper
/// wrote into wasm memory, in one call: `{"outputs": [...]}`, with `"undefined": [i, …]` listing
/// the payloads whose output is `undefined` (`null` in `outputs`) when there are any; or the
/// first failing payload's `{"error": {...}}` (`mapping_failed`, with its `index`). One call and
/// one JSON text each way for the list: the crossing of a one-`@path` mapping cost more than the
/// mapping, per payload.
#[wasm_bindgen(js_name = transformMappingMany)]
pub fn transform_mapping_many(slot: usize, length: usize, utf16: bool, wide: bool) -> String {
    MAPPINGS.with(|table| {
        let table = table.borrow();
        let Some(Some(mapping)) = table.get(slot) else {
            return ApiError::new(Code::InvalidMapping, "no mapping compiled in this slot").text();
        };
        with_body(length, utf16, |payloads| {
            let failed = |message: String| ApiError::new(Code::MappingFailed, message).text();
            let Some(payloads) = payloads else {
                return failed("the payloads are not UTF-8 text".to_string());
            };
            // Each payload stays text until it is read into the resolver's own tree.
            let payloads: Vec<&RawValue> = match serde_json::from_str(payloads) {
                Ok(payloads) => payloads,
                Err(e) => return failed(format!("the payloads are not a JSON array: {e}")),
            };
            let mut outputs = String::with_capacity(64 * payloads.len() + 16);
            outputs.push_str("{\"outputs\":[");
            let mut undefined = Vec::new();
            for (index, payload) in payloads.iter().enumerate() {
                if index > 0 {
                    outputs.push(',');
                }
                match mapping.resolve_text_to_json(payload.get()) {
                    Ok(Some(output)) => outputs.push_str(&output),
                    Ok(None) => {
                        outputs.push_str("null");
                        undefined.push(index);
                    }
                    Err(e) => {
                        let message = format!("payload {index}: {}", e.message);
                        return ApiError::new(Code::MappingFailed, message).at(index).text();
                    }
                }
            }
            outputs.push(']');
            if !undefined.is_empty() {
                outputs.push_str(",\"undefined\":");
                outputs.push_str(&serde_json::to_string(&undefined).expect("indexes serialize"));
            }
            outputs.push('}');
            let ascii = outputs.is_ascii();
            answer(|| std::iter::once(outputs.as_str()), ascii, wide)
        })
    })
}

/// `validateMapping`: `{}`, or `{"error": {...}}` with code `invalid_mapping` and `problems`.
#[wasm_bindgen(js_name = validateMappingJson)]
pub fn validate_mapping_json(mapping: &str) -> String {
    match mapping_of(mapping) {
        Ok(_) => "{}".to_string(),
        Err(error) => error,
    }
}

/// `matchesSubscription`: `true`, `false`, or `{"error": {...}}` with code
/// `invalid_subscription`. The event is JSON text the wrapper made.
#[wasm_bindgen(js_name = matchesSubscriptionJson)]
pub fn matches_subscription_json(subscribe: &str, event: &str) -> String {
    let subscription = cached(&LAST_SUBSCRIPTION, subscribe, |text| {
        Subscription::parse(text).map_err(|problem| {
            let message = format!("invalid subscription: {}", problem.message);
            ApiError::mapping(Code::InvalidSubscription, message, &[problem]).text()
        })
    });
    let subscription = match subscription {
        Ok(subscription) => subscription,
        Err(error) => return error,
    };
    let event: Value = serde_json::from_str(event).unwrap_or(Value::Null);
    subscription.matches(&event).to_string()
}
