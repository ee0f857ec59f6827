//! JSON text as JavaScript's `JSON.stringify` writes it: keys in JavaScript's order, numbers as
//! JavaScript prints them, `undefined` members left out and `undefined` elements `null`.

use crate::js::{array_index, js_order, number_to_string, JsKind};
use crate::value::{Js, Place, Resolved, Work};
use serde_json::Value;
use std::fmt::Write;

/// Which keys are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// Every key (`@json` encoding a value).
    All,
    /// Not `__proto__`, which the reference's output never holds (see `into_output`).
    Own,
}

/// `JSON.stringify(value)` appended to `out`; `false` when it gives `undefined` (the value is
/// `undefined`). Keys in JavaScript's order, numbers as JavaScript writes them.
pub fn stringify(
    value: Place<'_, '_>,
    keys: Keys,
    out: &mut String,
    work: &mut Work,
    depth: usize,
) -> Resolved<bool> {
    Work::check_depth(depth)?;
    work.spend(1)?;
    match value {
        Place::Undefined => return Ok(false),
        Place::Borrowed(v) | Place::Local(v) => write_value(v, keys, out, work, depth)?,
        Place::Built(Js::Array(_)) | Place::Shared(Js::Array(_)) => {
            out.push('[');
            for (i, item) in value.items().unwrap_or_default().into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !stringify(item, keys, out, work, depth + 1)? {
                    out.push_str("null");
                }
            }
            out.push(']');
        }
        Place::Built(object) | Place::Shared(object) => {
            out.push('{');
            let mut first = true;
            let mut member = |key: &str, member: Place<'_, '_>, first: &mut bool| {
                if member.kind() == JsKind::Undefined || (keys == Keys::Own && key == "__proto__") {
                    return Ok(());
                }
                write_key(key, first, out, work)?;
                stringify(member, keys, out, work, depth + 1).map(drop)
            };
            match object {
                // Usually no key is an array index: the entries in their order, as they are.
                Js::Object(o) if !o.entries().iter().any(|(k, _)| is_index(k)) => {
                    let shared = matches!(value, Place::Shared(_));
                    for (key, v) in o.entries() {
                        let place = if shared {
                            Place::shared(v)
                        } else {
                            Place::of(v)
                        };
                        member(key, place, &mut first)?;
                    }
                }
                _ => {
                    for (key, place) in js_order(value.entries().unwrap_or_default()) {
                        member(key, place, &mut first)?;
                    }
                }
            }
            out.push('}');
        }
    }
    Ok(true)
}

/// A JSON value (which holds no `undefined`) as `JSON.stringify` writes it.
fn write_value(
    value: &Value,
    keys: Keys,
    out: &mut String,
    work: &mut Work,
    depth: usize,
) -> Resolved<()> {
    Work::check_depth(depth)?;
    work.spend(1)?;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_to_string(n)),
        Value::String(s) => {
            work.spend_text(s.len())?;
            quote(s, out);
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, keys, out, work, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            let mut first = true;
            let mut member = |key: &str, v: &Value, first: &mut bool, out: &mut String| {
                if keys == Keys::Own && key == "__proto__" {
                    return Ok(());
                }
                write_key(key, first, out, work)?;
                write_value(v, keys, out, work, depth + 1)
            };
            if map.keys().any(|k| is_index(k)) {
                for (key, v) in js_order(map.iter().map(|(k, v)| (k.as_str(), v)).collect()) {
                    member(key, v, &mut first, out)?;
                }
            } else {
                for (key, v) in map {
                    member(key, v, &mut first, out)?;
                }
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Whether `key` is an array index (which `JSON.stringify` writes first): a key that does not
/// start with a digit is not, and nearly none does.
fn is_index(key: &str) -> bool {
    key.as_bytes().first().is_some_and(u8::is_ascii_digit) && array_index(key).is_some()
}

fn write_key(key: &str, first: &mut bool, out: &mut String, work: &mut Work) -> Resolved<()> {
    if !*first {
        out.push(',');
    }
    *first = false;
    work.spend_text(key.len())?;
    quote(key, out);
    out.push(':');
    Ok(())
}

/// Whether `s` holds a character [`quote`] escapes (a loop, not an iterator adapter: at the
/// rules' opt-level `"z"` each adapter stays a call per byte).
fn needs_escape(s: &str) -> bool {
    for &b in s.as_bytes() {
        if b < 0x20 || b == b'"' || b == b'\\' {
            return true;
        }
    }
    false
}

/// A JSON string as `JSON.stringify` writes it: `"` and `\` escaped, control characters as
/// `\b \f \n \r \t` or `\u00xx`, everything else as it is.
fn quote(s: &str, out: &mut String) {
    out.push('"');
    if !needs_escape(s) {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(escape);
        }
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out.push('"');
}
