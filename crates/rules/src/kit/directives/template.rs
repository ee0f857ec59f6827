//! `@template`: a string with `{{path}}` placeholders filled from the payload: `null` and
//! `undefined` as nothing, other values as JavaScript's `String(value)` writes them (an array
//! joined with commas, an object as `[object Object]`). As in the reference, `{{{path}}}` is
//! filled first, and the text it puts in is then read again for `{{path}}`.

use super::path::expect_string;
use crate::js::{js_trim, number_to_string, JsKind};
use crate::kit::compile::{Compiler, Directive};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::path::split_path;
use crate::kit::validate;
use crate::kit::value::{Got, Js, Place, Resolved, Work};
use serde_json::Value;

/// A template written in a mapping is at most this many bytes.
pub const MAX_TEMPLATE_BYTES: usize = 10_000;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@template",
    validate: validate::directive_or_string,
    compile,
};

enum Template {
    Written(Parts),
    /// A template that a mapping value resolves to.
    Resolved(Node),
}

/// A written template, split once.
enum Parts {
    /// No `{{{…}}}`: the `{{…}}` pass reads the template as written.
    Double(Vec<Part>),
    /// `{{{…}}}` placeholders: their pass first, then the `{{…}}` pass over its result.
    Triple(Vec<Part>),
}

enum Part {
    Text(String),
    Placeholder(Vec<String>),
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    match value {
        Value::String(text) if text.len() > MAX_TEMPLATE_BYTES => {
            cx.problem(format!(
                "a template may be at most {MAX_TEMPLATE_BYTES} bytes, this one is {}",
                text.len()
            ));
            Node::Undefined
        }
        Value::String(text) => {
            let triple = split(text, Braces::Triple);
            let parts = if triple.iter().any(|p| matches!(p, Part::Placeholder(_))) {
                // What `{{{…}}}` puts in is read again for placeholders: any path.
                cx.read_any();
                Parts::Triple(triple)
            } else {
                let double = split(text, Braces::Double);
                for part in &double {
                    if let Part::Placeholder(keys) = part {
                        cx.read(keys);
                    }
                }
                Parts::Double(double)
            };
            Node::directive(Template::Written(parts))
        }
        other => {
            cx.read_any();
            Node::directive(Template::Resolved(cx.compile(other)))
        }
    }
}

impl DirectiveNode for Template {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        let text = match self {
            Template::Written(Parts::Double(parts)) => fill(parts, payload, work)?,
            Template::Written(Parts::Triple(parts)) => {
                let first = fill(parts, payload, work)?;
                fill(&split(&first, Braces::Double), payload, work)?
            }
            Template::Resolved(node) => {
                let template = resolve(node, payload, work)?;
                let template = expect_string("@template", &template)?;
                work.spend_text(template.len())?;
                let first = fill(&split(template, Braces::Triple), payload, work)?;
                fill(&split(&first, Braces::Double), payload, work)?
            }
        };
        Ok(Js::string(text))
    }
}

#[derive(Clone, Copy)]
enum Braces {
    Double,
    Triple,
}

/// The template cut at each match of `/\{\{([^}]+)\}\}/g` (or its triple-brace form): the text
/// between, and each placeholder's trimmed content as a path. Linear: the first `}` after each
/// opening is found from a table, never by scanning again.
fn split(template: &str, braces: Braces) -> Vec<Part> {
    let n = match braces {
        Braces::Double => 2,
        Braces::Triple => 3,
    };
    let bytes = template.as_bytes();
    // next_close[i]: the first `}` at or after i.
    let mut next_close = vec![bytes.len(); bytes.len() + 1];
    for i in (0..bytes.len()).rev() {
        next_close[i] = if bytes[i] == b'}' {
            i
        } else {
            next_close[i + 1]
        };
    }
    let mut parts = Vec::new();
    let mut text_from = 0;
    let mut i = 0;
    while i + 2 * n < bytes.len() {
        let opens = bytes[i..i + n].iter().all(|b| *b == b'{');
        let close = next_close[(i + n).min(bytes.len())];
        let closes = close > i + n
            && close + n <= bytes.len()
            && bytes[close..close + n].iter().all(|b| *b == b'}');
        if opens && closes {
            if text_from < i {
                parts.push(Part::Text(template[text_from..i].to_string()));
            }
            parts.push(Part::Placeholder(split_path(js_trim(
                &template[i + n..close],
            ))));
            i = close + n;
            text_from = i;
        } else {
            i += 1;
        }
    }
    if text_from < template.len() {
        parts.push(Part::Text(template[text_from..].to_string()));
    }
    parts
}

fn fill(parts: &[Part], payload: Place<'_, '_>, work: &mut Work) -> Resolved<String> {
    let mut out = String::new();
    for part in parts {
        let before = out.len();
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Placeholder(keys) => {
                work.spend(keys.len() as u64)?;
                match lookup(payload, keys) {
                    Got::At(place) => display(place, &mut out, work, 0)?,
                    Got::Computed(value) => display(Place::Local(&value), &mut out, work, 0)?,
                }
            }
        }
        work.spend_text(out.len() - before)?;
    }
    Ok(out)
}

/// `get(data, key)` where `data` defaults to `{}` when the payload is `undefined`.
fn lookup<'t, 'a>(payload: Place<'t, 'a>, keys: &[String]) -> Got<'t, 'a> {
    match payload {
        Place::Undefined if keys.is_empty() => Got::Computed(Value::Object(Default::default())),
        payload => payload.get(keys),
    }
}

/// `String(value ?? '')`.
fn display(value: Place<'_, '_>, out: &mut String, work: &mut Work, depth: usize) -> Resolved<()> {
    Work::check_depth(depth)?;
    match value.kind() {
        JsKind::Undefined | JsKind::Null => {}
        JsKind::Object => out.push_str("[object Object]"),
        JsKind::Array => {
            for (i, item) in value.items().unwrap_or_default().into_iter().enumerate() {
                work.spend(1)?;
                if i > 0 {
                    out.push(',');
                }
                display(item, out, work, depth + 1)?;
            }
        }
        JsKind::Boolean | JsKind::Number | JsKind::String => match value.value() {
            Some(Value::String(s)) => out.push_str(s),
            Some(Value::Number(n)) => out.push_str(&number_to_string(n)),
            Some(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            _ => {}
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(parts: &[Part]) -> Vec<String> {
        parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => format!("T{t}"),
                Part::Placeholder(keys) => format!("P{}", keys.join("/")),
            })
            .collect()
    }

    #[test]
    fn placeholders_are_found_as_the_regexp_finds_them() {
        assert_eq!(
            shown(&split("Hi {{ a.b }}!", Braces::Double)),
            ["THi ", "Pa/b", "T!"]
        );
        assert_eq!(shown(&split("{{{a}}}", Braces::Double)), ["P{a", "T}"]);
        assert_eq!(shown(&split("{{{a}}}", Braces::Triple)), ["Pa"]);
        assert_eq!(shown(&split("{{}}{{a}}", Braces::Double)), ["T{{}}", "Pa"]);
        assert_eq!(shown(&split("{{a}{{b}}", Braces::Double)), ["T{{a}", "Pb"]);
        assert_eq!(shown(&split("{{a", Braces::Double)), ["T{{a"]);
        assert_eq!(shown(&split("{{ }}", Braces::Double)), ["P"]);
        assert_eq!(shown(&split("{{", Braces::Double)), ["T{{"]);
    }
}
