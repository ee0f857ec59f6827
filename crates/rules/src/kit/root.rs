//! A whole mapping as actions-core's `transform(mapping, data)` takes it: anything but an object
//! is first spread into one (`"ab"` becomes `{"0": "a", "1": "b"}`, a number `{}`), and the
//! internal `__segment_internal_directive` key wraps the other keys into its directive's
//! `mapping` option. `@transform` runs its `apply` the same way.

use super::compile::Compiler;
use super::node::Node;
use super::validate;
use crate::js::{code_unit_at, is_truthy, utf16_len};
use crate::problem::Problem;
use serde_json::{Map, Value};
use std::borrow::Cow;

const ROOT_DIRECTIVE_KEY: &str = "__segment_internal_directive";

/// A whole mapping compiled: its node, and why the reference would refuse it (empty when it
/// would not).
pub(crate) struct Whole {
    pub node: Node,
    pub refused: Vec<Problem>,
}

pub(crate) fn compile_whole(mapping: &Value, cx: &mut Compiler) -> Whole {
    let mapping = match to_process(mapping) {
        Ok(mapping) => mapping,
        Err(why) => {
            return Whole {
                node: Node::Undefined,
                refused: vec![Problem::new("", why)],
            }
        }
    };
    let mut ck = cx.checker();
    validate::mapping(&mapping, &mut ck);
    Whole {
        node: cx.compile(&mapping),
        refused: ck.problems,
    }
}

/// The reference's `getMappingToProcess` after the spread `{...mapping}`.
fn to_process(mapping: &Value) -> Result<Cow<'_, Value>, String> {
    let map = match mapping {
        Value::Null => return Err("a mapping cannot be null".into()),
        Value::Bool(_) | Value::Number(_) => return Ok(Cow::Owned(Value::Object(Map::new()))),
        Value::String(s) => return Ok(Cow::Owned(Value::Object(units(s)))),
        Value::Array(items) => {
            let map = items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.clone()))
                .collect();
            return Ok(Cow::Owned(Value::Object(map)));
        }
        Value::Object(map) => map,
    };
    let Some(root) = map.get(ROOT_DIRECTIVE_KEY) else {
        return Ok(Cow::Borrowed(mapping));
    };
    // `customerMappings[key] = mapping[key]`: a `__proto__` key is lost.
    let customer: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| *k != ROOT_DIRECTIVE_KEY && *k != "__proto__")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let not_single = || "the root mapping must only have a single directive object".to_string();
    let not_object = || "the root directive must be an object".to_string();
    let mut root = root.clone();
    let directive: Option<&mut Value> = match &mut root {
        Value::Null => return Err("the root mapping cannot be null".into()),
        Value::Bool(_) | Value::Number(_) => None,
        Value::String(s) => match utf16_len(s) {
            0 => None,
            1 => return Err(not_object()),
            _ => return Err(not_single()),
        },
        Value::Array(items) if items.len() > 1 => return Err(not_single()),
        Value::Array(items) => items.first_mut(),
        Value::Object(m) if m.len() > 1 => return Err(not_single()),
        Value::Object(m) => m.values_mut().next(),
    };
    match directive {
        Some(Value::Object(options)) => {
            options.insert("mapping".into(), Value::Object(customer));
        }
        Some(directive @ Value::Array(_)) if is_truthy(directive) => {}
        _ => return Err(not_object()),
    }
    Ok(Cow::Owned(root))
}

/// `{..."text"}`: one key per UTF-16 unit.
fn units(s: &str) -> Map<String, Value> {
    (0..utf16_len(s))
        .filter_map(|i| code_unit_at(s, i).map(|unit| (i.to_string(), Value::String(unit))))
        .collect()
}
