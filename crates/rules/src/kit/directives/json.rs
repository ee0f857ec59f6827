//! `@json`: `{mode: "encode" | "decode", value}`: `JSON.stringify(value)`, or `JSON.parse` of a
//! string value (a string that is not JSON, or any other value, comes back as it is).

use crate::kit::compile::{options, truthy, Compiler, Directive};
use crate::kit::json_text::{stringify, Keys};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::validate::{self, Checker, Field};
use crate::kit::value::{Js, Place, Resolved, Work};
use serde_json::Value;

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

struct Json {
    mode: Mode,
    value: Node,
}

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
    if !truthy(opts, "mode") {
        return Node::Fail(r#"@json requires a "mode" key"#.into());
    }
    if !truthy(opts, "value") {
        return Node::Fail(r#"@json requires a "value" key"#.into());
    }
    let mode = match opts["mode"].as_str() {
        Some("encode") => Mode::Encode,
        Some("decode") => Mode::Decode,
        _ => Mode::Neither,
    };
    Node::directive(Json {
        mode,
        value: cx.option(opts, "value"),
    })
}

impl DirectiveNode for Json {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        let value = resolve(&self.value, payload, work)?;
        match self.mode {
            Mode::Encode => {
                let mut text = String::new();
                if stringify(value.place(), Keys::All, &mut text, work, 0)? {
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
