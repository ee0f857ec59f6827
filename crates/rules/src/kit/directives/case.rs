//! `@case`: `{operator: "lower" | "upper", value}`: a string value lower- or upper-cased;
//! any other value as it is.

use crate::kit::compile::{options, truthy, Compiler, Directive};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::validate::{self, Checker, Field};
use crate::kit::value::{Js, Place, ResolveError, Resolved, Work};
use serde_json::Value;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@case",
    validate: |options, ck| {
        validate::fields(
            options,
            &[
                Field {
                    name: "operator",
                    required: false,
                    check: string,
                },
                Field {
                    name: "value",
                    required: false,
                    check: validate::directive_or_string,
                },
            ],
            ck,
        )
    },
    compile,
};

fn string(value: &Value, ck: &mut Checker) {
    validate::string(value, ck);
}

struct Case {
    operator: Operator,
    value: Node,
}

enum Operator {
    Lower,
    Upper,
    /// Anything else: the reference throws when the value is a string.
    Other,
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    let Some(opts) = options(value) else {
        return Node::Fail(r#"@case requires an object with a "operator" key"#.into());
    };
    if !truthy(opts, "operator") {
        return Node::Fail(r#"@case requires a "operator" key"#.into());
    }
    let operator = match opts["operator"].as_str() {
        Some("lower") => Operator::Lower,
        Some("upper") => Operator::Upper,
        _ => Operator::Other,
    };
    // No (or a falsy) `value`: undefined, nothing resolved.
    if !truthy(opts, "value") {
        return Node::Undefined;
    }
    Node::directive(Case {
        operator,
        value: cx.option(opts, "value"),
    })
}

impl DirectiveNode for Case {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        let value = resolve(&self.value, payload, work)?;
        let Some(text) = value.place().as_str() else {
            return Ok(value);
        };
        work.spend_text(text.len())?;
        match self.operator {
            Operator::Lower => Ok(Js::string(text.to_lowercase())),
            Operator::Upper => Ok(Js::string(text.to_uppercase())),
            Operator::Other => Err(ResolveError::thrown(
                r#"@case: operator key should have a value of "lower" or "upper""#,
            )),
        }
    }
}
