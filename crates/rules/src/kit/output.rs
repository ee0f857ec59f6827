//! A resolved value made output (the reference's `removeUndefined`): used where a rule's commands and `@transform` take it, off the text path of the npm `transform`, so built for size with the rest of the rules.

use super::value::{copy_value, Js, JsObject, Resolved, Work};
use serde_json::{Map, Value};

/// `removeUndefined`, into the output: `undefined` members of objects dropped, of arrays `null`
/// (as `JSON.stringify` writes them), `__proto__` keys dropped; `None` for `undefined` itself.
pub(crate) fn into_output(value: Js<'_>, work: &mut Work) -> Resolved<Option<Value>> {
    into_output_at(value, work, 0)
}

fn into_output_at(value: Js<'_>, work: &mut Work, depth: usize) -> Resolved<Option<Value>> {
    Work::check_depth(depth)?;
    Ok(Some(match value {
        Js::Undefined => return Ok(None),
        Js::Shared(js) => return into_output_at(unshare(js, work, depth)?, work, depth),
        Js::Ref(v) => copy_value(v, work, depth, true)?,
        Js::Owned(v) if has_proto_key(&v) => copy_value(&v, work, depth, true)?,
        Js::Owned(v) => v,
        Js::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(into_output_at(item, work, depth + 1)?.unwrap_or(Value::Null));
            }
            Value::Array(out)
        }
        Js::Object(object) => {
            let mut out = Map::with_capacity(object.entries().len());
            for (k, v) in object.into_entries() {
                if k == "__proto__" {
                    continue;
                }
                if let Some(v) = into_output_at(v, work, depth + 1)? {
                    out.insert(k.into_owned(), v);
                }
            }
            Value::Object(out)
        }
    }))
}

/// A shared tree's containers copied (their scalars are then shared as `Js::Ref`).
fn unshare<'a>(js: &'a Js<'a>, work: &mut Work, depth: usize) -> Resolved<Js<'a>> {
    Work::check_depth(depth)?;
    work.spend(1)?;
    Ok(match js {
        Js::Undefined => Js::Undefined,
        Js::Ref(v) => Js::Ref(v),
        Js::Owned(v) => Js::Ref(v),
        Js::Shared(inner) => unshare(inner, work, depth)?,
        Js::Array(items) => Js::Array(
            items
                .iter()
                .map(|item| unshare(item, work, depth + 1))
                .collect::<Resolved<_>>()?,
        ),
        Js::Object(object) => {
            let mut copy = JsObject::with_capacity(object.entries().len());
            for (k, v) in object.entries() {
                copy.push_new(k.clone(), unshare(v, work, depth + 1)?);
            }
            Js::Object(copy)
        }
    })
}

/// Whether an owned value holds a `__proto__` key anywhere (rare: only `@json` can make one).
fn has_proto_key(value: &Value) -> bool {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if map.contains_key("__proto__") {
                    return true;
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    false
}

/// `removeUndefined` kept as a value to read on (what `@transform` passes to its `mapping`):
/// `undefined` members of objects dropped, of arrays kept.
pub(crate) fn remove_undefined<'a>(value: Js<'a>, depth: usize) -> Resolved<Js<'a>> {
    Work::check_depth(depth)?;
    Ok(match value {
        Js::Array(items) => Js::Array(
            items
                .into_iter()
                .map(|item| remove_undefined(item, depth + 1))
                .collect::<Resolved<_>>()?,
        ),
        Js::Object(object) => {
            let mut out = JsObject::with_capacity(object.entries().len());
            for (k, v) in object.into_entries() {
                if !matches!(v, Js::Undefined) {
                    out.push_new(k, remove_undefined(v, depth + 1)?);
                }
            }
            Js::Object(out)
        }
        other => other,
    })
}
