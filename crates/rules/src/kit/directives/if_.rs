//! `@if`: `{exists | blank, then?, else?}`: `then` when `exists` resolves to something other
//! than `null`/`undefined` (or `blank` to something not loosely equal to `""`), else `else`.

use crate::js::JsKind;
use crate::kit::compile::{options, truthy, Compiler, Directive};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::validate::{self, Field};
use crate::kit::value::{Js, Place, Resolved, Work};
use serde_json::Value;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@if",
    validate: |options, ck| {
        validate::fields(
            options,
            &[
                Field {
                    name: "exists",
                    required: false,
                    check: validate::directive_or_raw,
                },
                Field {
                    name: "then",
                    required: false,
                    check: validate::directive_or_raw,
                },
                Field {
                    name: "else",
                    required: false,
                    check: validate::directive_or_raw,
                },
            ],
            ck,
        )
    },
    compile,
};

struct If {
    condition: Condition,
    then: Option<Node>,
    otherwise: Option<Node>,
}

enum Condition {
    Exists(Node),
    Blank(Node),
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    let Some(opts) = options(value) else {
        return Node::Fail(r#"@if requires an object with an "exists" key"#.into());
    };
    // The reference checks the options' truthiness as written, before resolving anything.
    if !truthy(opts, "exists") && !truthy(opts, "blank") {
        return Node::Fail(r#"@if requires an "exists" key or a "blank" key"#.into());
    }
    let condition = if opts.contains_key("exists") {
        Condition::Exists(cx.option(opts, "exists"))
    } else {
        Condition::Blank(cx.option(opts, "blank"))
    };
    Node::directive(If {
        condition,
        then: opts.contains_key("then").then(|| cx.option(opts, "then")),
        // A falsy `else` (`0`, `""`, `false`, `null`) is no `else` at all.
        otherwise: truthy(opts, "else").then(|| cx.option(opts, "else")),
    })
}

impl DirectiveNode for If {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        let holds = match &self.condition {
            Condition::Exists(node) => !resolve(node, payload, work)?.place().is_nullish(),
            Condition::Blank(node) => {
                let value = resolve(node, payload, work)?;
                !value.place().is_nullish() && !loosely_empty(value.place())
            }
        };
        let branch = if holds { &self.then } else { &self.otherwise };
        match branch {
            Some(node) => resolve(node, payload, work),
            None => Ok(Js::Undefined),
        }
    }
}

/// `value == ''` for a value that is not `null` or `undefined`: an empty string, zero, `false`,
/// or an array whose `join()` is empty (no element, or one element that joins to nothing).
fn loosely_empty(value: Place<'_, '_>) -> bool {
    match value.kind() {
        JsKind::Boolean | JsKind::Number | JsKind::String => !value.is_truthy(),
        JsKind::Array => joins_empty(value),
        JsKind::Undefined | JsKind::Null | JsKind::Object => false,
    }
}

/// Whether `array.join()` is `""`: inside an array `null` and `undefined` join as nothing, but
/// `0` joins as `"0"` and `false` as `"false"`.
fn joins_empty(array: Place<'_, '_>) -> bool {
    let mut at = array;
    loop {
        match at.items().as_deref() {
            Some([]) => return true,
            Some([only]) => match only.kind() {
                JsKind::Undefined | JsKind::Null => return true,
                JsKind::String => return !only.is_truthy(),
                JsKind::Array => at = *only,
                JsKind::Boolean | JsKind::Number | JsKind::Object => return false,
            },
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loose_emptiness_follows_array_join() {
        for (value, empty) in [
            (json!(""), true),
            (json!(0), true),
            (json!(false), true),
            (json!([]), true),
            (json!([null]), true),
            (json!([[[""]]]), true),
            (json!([0]), false),
            (json!([false]), false),
            (json!([[0]]), false),
            (json!([null, null]), false),
            (json!("0"), false),
            (json!({}), false),
            (json!(true), false),
        ] {
            assert_eq!(loosely_empty(Place::Borrowed(&value)), empty, "{value}");
        }
    }
}
