//! `@flatten`: `{separator, value, omitArrays?}`: an object's nested members lifted to the top,
//! their keys joined with the separator (`a.b.0`); arrays are walked too unless `omitArrays`.
//! A value that is not an object comes out as `{"": value}`.

use crate::js::{js_order, JsKind};
use crate::kit::compile::{options, truthy, Compiler, Directive};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::validate::{self, Checker, Field};
use crate::kit::value::{Js, JsObject, Place, ResolveError, Resolved, Work};
use serde_json::Value;
use std::borrow::Cow;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@flatten",
    validate: |options, ck| {
        validate::fields(
            options,
            &[
                Field {
                    name: "separator",
                    required: false,
                    check: string,
                },
                Field {
                    name: "value",
                    required: true,
                    check: validate::directive_or_raw,
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

struct Flatten {
    separator: Node,
    value: Node,
    omit_arrays: bool,
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    let Some(opts) = options(value) else {
        return Node::Fail(r#"@flatten requires an object with a "separator" key"#.into());
    };
    if !truthy(opts, "separator") {
        return Node::Fail(r#"@flatten requires a "separator" key"#.into());
    }
    Node::directive(Flatten {
        separator: cx.option(opts, "separator"),
        value: cx.option(opts, "value"),
        omit_arrays: truthy(opts, "omitArrays"),
    })
}

impl DirectiveNode for Flatten {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        let separator = resolve(&self.separator, payload, work)?;
        let Some(separator) = separator.place().as_str() else {
            return Err(ResolveError::thrown("@flatten requires a string separator"));
        };
        let value = resolve(&self.value, payload, work)?;
        let mut out = JsObject::default();
        let mut key = String::new();
        self.walk(value.place(), &mut key, separator, &mut out, work, 0)?;
        Ok(Js::Object(out))
    }
}

impl Flatten {
    /// Adds the leaves under `value` to `out`, `key` being the joined keys so far. Members are
    /// visited in JavaScript's key order, and a later leaf with the same joined key wins.
    fn walk<'a>(
        &self,
        value: Place<'_, 'a>,
        key: &mut String,
        separator: &str,
        out: &mut JsObject<'a>,
        work: &mut Work,
        depth: usize,
    ) -> Resolved<()> {
        Work::check_depth(depth)?;
        work.spend_text(key.len())?;
        let members: Vec<(Cow<'_, str>, Place<'_, 'a>)> = match value.kind() {
            JsKind::Object => js_order(value.entries().unwrap_or_default())
                .into_iter()
                .map(|(k, v)| (Cow::Borrowed(k), v))
                .collect(),
            JsKind::Array if !self.omit_arrays => value
                .items()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Cow::Owned(i.to_string()), v))
                .collect(),
            _ => {
                out.set(Cow::Owned(key.clone()), value.to_js(work)?);
                return Ok(());
            }
        };
        let prefix_len = key.len();
        for (member_key, member) in members {
            // An empty prefix joins nothing: `{"": {"a": 1}}` flattens to `{"a": 1}`.
            if prefix_len > 0 {
                key.push_str(separator);
            }
            key.push_str(&member_key);
            self.walk(member, key, separator, out, work, depth + 1)?;
            key.truncate(prefix_len);
        }
        Ok(())
    }
}
