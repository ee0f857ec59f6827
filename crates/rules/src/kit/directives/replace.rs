//! `@replace`: `{pattern, replacement?, pattern2?, replacement2?, ignorecase?, global?, value}`:
//! the value (a number or boolean turned into its string) with each `pattern` replaced, as
//! `String.prototype.replace` with the pattern escaped into a literal RegExp does. No regular
//! expression engine runs: the pattern is plain text of at most 10 UTF-16 units.

use crate::js::{number_to_string, utf16_len, JsKind};
use crate::kit::compile::{options, truthy, Compiler, Directive};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::validate::{self, Checker, Field};
use crate::kit::value::{Js, Place, ResolveError, Resolved, Work};
use serde_json::Value;

/// The reference's `MAX_PATTERN_LENGTH` and `MAX_REPLACEMENT_LENGTH` (UTF-16 units).
const MAX_PATTERN: usize = 10;
const MAX_REPLACEMENT: usize = 10;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@replace",
    validate: |options, ck| {
        validate::fields(
            options,
            &[
                Field {
                    name: "pattern",
                    required: true,
                    check: pattern,
                },
                Field {
                    name: "replacement",
                    required: false,
                    check: replacement,
                },
                Field {
                    name: "value",
                    required: true,
                    check: validate::directive_or_string,
                },
                Field {
                    name: "ignorecase",
                    required: false,
                    check: validate::boolean,
                },
                Field {
                    name: "global",
                    required: false,
                    check: validate::boolean,
                },
            ],
            ck,
        )
    },
    compile,
};

fn pattern(value: &Value, ck: &mut Checker) {
    text_of_length(value, 1, MAX_PATTERN, ck);
}

fn replacement(value: &Value, ck: &mut Checker) {
    text_of_length(value, 0, MAX_REPLACEMENT, ck);
}

fn text_of_length(value: &Value, min: usize, max: usize, ck: &mut Checker) {
    if validate::string(value, ck) {
        let len = value.as_str().map_or(0, utf16_len);
        if len < min {
            ck.problem(format!("must be a string of at least {min} character"));
        } else if len > max {
            ck.problem(format!("must be a string of at most {max} characters"));
        }
    }
}

struct Replace {
    value: Node,
    action: Action,
}

/// What happens to a value that is (or was turned into) a string.
enum Action {
    /// An option of the wrong type: the result is `""`.
    Empty,
    /// A pattern or replacement too long: the reference throws.
    Fail(String),
    Apply {
        passes: Vec<Pass>,
        global: bool,
        ignore_case: bool,
    },
}

struct Pass {
    pattern: String,
    replacement: String,
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    let Some(opts) = options(value) else {
        return Node::Fail(r#"@replace requires an object with a "pattern" key"#.into());
    };
    if !truthy(opts, "pattern") {
        return Node::Fail(r#"@replace requires a "pattern" key"#.into());
    }
    // Defaults for options that are absent or null.
    let or_default = |key, default: Value| match opts.get(key) {
        None | Some(Value::Null) => default,
        Some(v) => v.clone(),
    };
    let replacement = or_default("replacement", Value::from(""));
    let ignore_case = or_default("ignorecase", Value::Bool(false));
    let global = or_default("global", Value::Bool(true));
    if !truthy(opts, "value") {
        return Node::Undefined;
    }
    let action = match (&opts["pattern"], &replacement, &ignore_case, &global) {
        (Value::String(pattern), Value::String(replacement), Value::Bool(i), Value::Bool(g)) => {
            let second = match (
                opts.get("pattern2"),
                or_default("replacement2", Value::from("")),
            ) {
                (Some(Value::String(p)), Value::String(r)) if !p.is_empty() => Some((p, r)),
                _ => None,
            };
            let first = pass(pattern, replacement);
            match (first, second.map(|(p, r)| pass(p, &r))) {
                (Err(why), _) | (Ok(_), Some(Err(why))) => Action::Fail(why),
                (Ok(first), second) => Action::Apply {
                    passes: std::iter::once(first)
                        .chain(second.and_then(Result::ok))
                        .collect(),
                    global: *g,
                    ignore_case: *i,
                },
            }
        }
        _ => Action::Empty,
    };
    Node::directive(Replace {
        value: cx.option(opts, "value"),
        action,
    })
}

fn pass(pattern: &str, replacement: &str) -> Result<Pass, String> {
    if utf16_len(pattern) > MAX_PATTERN {
        return Err(format!(
            r#"@replace requires a "pattern" less than {MAX_PATTERN} characters"#
        ));
    }
    if utf16_len(replacement) > MAX_REPLACEMENT {
        return Err(format!(
            r#"@replace requires a "replacement" less than {MAX_REPLACEMENT} characters"#
        ));
    }
    Ok(Pass {
        pattern: pattern.to_string(),
        replacement: replacement.to_string(),
    })
}

impl DirectiveNode for Replace {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        let value = resolve(&self.value, payload, work)?;
        let place = value.place();
        let text = match (place.kind(), place.value()) {
            (JsKind::String, Some(Value::String(s))) => s.clone(),
            (JsKind::Number, Some(Value::Number(n))) => number_to_string(n),
            (JsKind::Boolean, Some(Value::Bool(b))) => b.to_string(),
            _ => return Ok(Js::string(String::new())),
        };
        match &self.action {
            Action::Empty => Ok(Js::string(String::new())),
            Action::Fail(why) => Err(ResolveError::thrown(why.clone())),
            Action::Apply {
                passes,
                global,
                ignore_case,
            } => {
                let mut text = text;
                for pass in passes {
                    text = replace(&text, pass, *global, *ignore_case, work)?;
                }
                Ok(Js::string(text))
            }
        }
    }
}

/// `text.replace(new RegExp(escaped pattern, flags), replacement)`.
fn replace(
    text: &str,
    pass: &Pass,
    global: bool,
    ignore_case: bool,
    work: &mut Work,
) -> Resolved<String> {
    let pattern: Vec<char> = pass.pattern.chars().collect();
    let mut out = String::new();
    let mut copied_to = 0;
    let mut at = 0;
    while at < text.len() {
        work.spend(1)?;
        if let Some(end) = match_at(text, at, &pattern, ignore_case) {
            let before = out.len();
            out.push_str(&text[copied_to..at]);
            substitute(&pass.replacement, text, at, end, &mut out);
            work.spend_text(out.len() - before)?;
            copied_to = end;
            at = end;
            if !global {
                break;
            }
        } else {
            at += text[at..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out.push_str(&text[copied_to..]);
    work.spend_text(text.len() - copied_to)?;
    Ok(out)
}

/// Where a match of `pattern` starting at byte `at` ends.
fn match_at(text: &str, at: usize, pattern: &[char], ignore_case: bool) -> Option<usize> {
    let mut chars = text[at..].char_indices();
    for p in pattern {
        let (_, c) = chars.next()?;
        let same = if ignore_case {
            canonicalize(c) == canonicalize(*p)
        } else {
            c == *p
        };
        if !same {
            return None;
        }
    }
    Some(chars.next().map_or(text.len(), |(i, _)| at + i))
}

/// Case folding of a RegExp with the `i` flag and without `u` (ECMA-262 Canonicalize): the
/// upper case of a UTF-16 unit when it is one unit, except non-ASCII folding onto ASCII.
/// Characters outside the BMP are two units, each its own fold.
fn canonicalize(c: char) -> char {
    if c.len_utf16() != 1 {
        return c;
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) if u.len_utf16() == 1 && !(c as u32 >= 128 && (u as u32) < 128) => u,
        _ => c,
    }
}

/// The replacement with `$$`, `$&`, `` $` `` and `$'` expanded (GetSubstitution with no capture
/// groups: `$1` or `$<name>` stay as written).
fn substitute(replacement: &str, text: &str, start: usize, end: usize, out: &mut String) {
    let mut rest = replacement;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.as_bytes().first() {
            Some(b'$') => out.push('$'),
            Some(b'&') => out.push_str(&text[start..end]),
            Some(b'`') => out.push_str(&text[..start]),
            Some(b'\'') => out.push_str(&text[end..]),
            _ => {
                out.push('$');
                rest = after;
                continue;
            }
        }
        rest = &after[1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        text: &str,
        pattern: &str,
        replacement: &str,
        global: bool,
        ignore_case: bool,
    ) -> String {
        let pass = Pass {
            pattern: pattern.into(),
            replacement: replacement.into(),
        };
        replace(text, &pass, global, ignore_case, &mut Work::new(1 << 20)).unwrap()
    }

    #[test]
    fn replaces_as_string_replace_does() {
        assert_eq!(run("a.b.c", ".", "-", true, false), "a-b-c");
        assert_eq!(run("a.b.c", ".", "-", false, false), "a-b.c");
        assert_eq!(
            run("abcb", "b", "[$&$`$'$$$1$<x>$]", true, false),
            "a[bacb$$1$<x>$]c[babc$$1$<x>$]"
        );
        assert_eq!(run("ABab", "ab", "x", true, true), "xx");
        assert_eq!(run("straße", "SS", "x", true, true), "straße");
        assert_eq!(run("ſ", "s", "x", true, true), "ſ");
        assert_eq!(run("héllo wörld", "ö", "o", true, false), "héllo world");
        assert_eq!(run("aaa", "aa", "b", true, false), "ba");
    }
}
