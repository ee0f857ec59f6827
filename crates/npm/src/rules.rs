//! The rules' exports: Segment's mapping-kit `transform` and its validation, and FQL subscription
//! matching, over JSON text. Compiled mappings and subscriptions are kept by their text, so a
//! caller passing the same one each time compiles it once.

use segment_bloomreach::rules::fql::Subscription;
use segment_bloomreach::rules::kit::Mapping;
use segment_bloomreach::rules::Problem;
use segment_bloomreach::Code;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The text last compiled, and what it compiled to.
type Last<T> = RefCell<Option<(String, Rc<T>)>>;

thread_local! {
    static LAST_MAPPING: Last<Mapping> = const { RefCell::new(None) };
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

fn error(code: Code, message: &str, problems: Option<&[Problem]>) -> String {
    let mut detail = json!({ "code": code, "message": message });
    if let Some(problems) = problems {
        detail["problems"] = json!(problems);
    }
    json!({ "error": detail }).to_string()
}

/// A mapping given as JSON text, compiled as `transform` takes it; `Err` is the error text.
fn mapping_of(text: &str) -> Result<Rc<Mapping>, String> {
    cached(&LAST_MAPPING, text, |text| {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            error(
                Code::InvalidMapping,
                &format!("the mapping is not JSON: {e}"),
                None,
            )
        })?;
        Mapping::compile_transform(&value).map_err(|problems| {
            let listed: Vec<String> = problems.iter().map(Problem::to_string).collect();
            let message = format!("invalid mapping: {}", listed.join("; "));
            error(Code::InvalidMapping, &message, Some(&problems))
        })
    })
}

/// `transform`: `{"output": …}` (no `output` where Segment's gives `undefined`), or
/// `{"error": {...}}`: `invalid_mapping` (with `problems`) or `mapping_failed`.
#[wasm_bindgen(js_name = transformJson)]
pub fn transform_json(mapping: &str, payload: &str) -> String {
    let mapping = match mapping_of(mapping) {
        Ok(mapping) => mapping,
        Err(error) => return error,
    };
    match mapping.resolve_text_to_json(payload) {
        Ok(Some(output)) => format!("{{\"output\":{output}}}"),
        Ok(None) => "{}".to_string(),
        Err(e) => error(Code::MappingFailed, &e.message, None),
    }
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
            error(Code::InvalidSubscription, &message, Some(&[problem]))
        })
    });
    let subscription = match subscription {
        Ok(subscription) => subscription,
        Err(error) => return error,
    };
    let event: Value = serde_json::from_str(event).unwrap_or(Value::Null);
    subscription.matches(&event).to_string()
}
