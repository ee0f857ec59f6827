//! `@json`: `{mode: "encode" | "decode", value}`: `JSON.stringify(value)`, or `JSON.parse` of a
//! string value (a string that is not JSON, or any other value, comes back as it is).

use super::{options, Directive, Node};
use crate::rules::js::{is_truthy, js_order, number_to_string, JsKind};
use crate::rules::kit::compile::Compiler;
use crate::rules::kit::resolve::resolve;
use crate::rules::kit::validate::{self, Checker, Field};
use crate::rules::kit::value::{Js, Place, Resolved, Work};
use serde_json::Value;
use std::fmt::Write;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@json",
    validate: |options, ck| {
        validate::fields(
            options,
            &[
                Field {
                    name: "value",
                    required: true,
                    check: validate::directive_or_raw,
                },
                Field {
                    name: "mode",
                    required: true,
                    check: mode,
                },
            ],
            ck,
        )
    },
    compile,
};

fn mode(value: &Value, ck: &mut Checker) {
    validate::one_of(value, &["encode", "decode"], ck);
}

#[derive(Debug)]
pub(crate) struct Json {
    mode: Mode,
    value: Node,
}

#[derive(Debug)]
enum Mode {
    Encode,
    Decode,
    /// Validation lowercases the mode, resolution does not: `"ENCODE"` passes and gives
    /// `undefined`.
    Neither,
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    let Some(opts) = options(value) else {
        return Node::Fail(r#"@json requires an object with a "value" key"#.into());
    };
    let truthy = |key| opts.get(key).is_some_and(is_truthy);
    if !truthy("mode") {
        return Node::Fail(r#"@json requires a "mode" key"#.into());
    }
    if !truthy("value") {
        return Node::Fail(r#"@json requires a "value" key"#.into());
    }
    let mode = match opts["mode"].as_str() {
        Some("encode") => Mode::Encode,
        Some("decode") => Mode::Decode,
        _ => Mode::Neither,
    };
    Node::Json(Box::new(Json {
        mode,
        value: cx.option(opts, "value"),
    }))
}

impl Json {
    pub fn resolve<'t, 'a: 't>(
        &'a self,
        payload: Place<'t, 'a>,
        work: &mut Work,
    ) -> Resolved<Js<'a>> {
        let value = resolve(&self.value, payload, work)?;
        match self.mode {
            Mode::Encode => {
                let mut text = String::new();
                if stringify(value.place(), &mut text, work, 0)? {
                    Ok(Js::string(text))
                } else {
                    Ok(Js::Undefined)
                }
            }
            Mode::Decode => match value.place().as_str() {
                Some(text) => {
                    work.spend_text(text.len())?;
                    // serde_json refuses what JSON.parse refuses, and also values nested deeper
                    // than 128 levels, which then stay text.
                    match serde_json::from_str::<Value>(text) {
                        Ok(parsed) => Ok(Js::Owned(parsed)),
                        Err(_) => Ok(value),
                    }
                }
                None => Ok(value),
            },
            Mode::Neither => Ok(Js::Undefined),
        }
    }
}

/// `JSON.stringify(value)` appended to `out`; `false` when it gives `undefined` (the value is
/// `undefined`). Keys in JavaScript's order, numbers as JavaScript writes them.
pub(crate) fn stringify(
    value: Place<'_, '_>,
    out: &mut String,
    work: &mut Work,
    depth: usize,
) -> Resolved<bool> {
    Work::check_depth(depth)?;
    work.spend(1)?;
    match value.kind() {
        JsKind::Undefined => return Ok(false),
        JsKind::Null => out.push_str("null"),
        JsKind::Boolean | JsKind::Number | JsKind::String => match value.value() {
            Some(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            Some(Value::Number(n)) => out.push_str(&number_to_string(n)),
            Some(Value::String(s)) => {
                work.spend_text(s.len())?;
                quote(s, out);
            }
            _ => out.push_str("null"),
        },
        JsKind::Array => {
            out.push('[');
            for (i, item) in value.items().unwrap_or_default().into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !stringify(item, out, work, depth + 1)? {
                    out.push_str("null");
                }
            }
            out.push(']');
        }
        JsKind::Object => {
            out.push('{');
            let mut first = true;
            for (key, member) in js_order(value.entries().unwrap_or_default().into_iter()) {
                if member.kind() == JsKind::Undefined {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                work.spend_text(key.len())?;
                quote(key, out);
                out.push(':');
                stringify(member, out, work, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(true)
}

/// A JSON string as `JSON.stringify` writes it: `"` and `\` escaped, control characters as
/// `\b \f \n \r \t` or `\u00xx`, everything else as it is.
fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
