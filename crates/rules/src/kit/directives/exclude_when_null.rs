//! `@excludeWhenNull`: its value, except that `null` becomes `undefined` (the key is left out),
//! and so do the `null` members of an object value, at any depth of objects (not in arrays).

use crate::js::JsKind;
use crate::kit::compile::{Compiler, Directive};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::validate;
use crate::kit::value::{Js, JsObject, Place, Resolved, Work};
use serde_json::Value;
use std::borrow::Cow;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@excludeWhenNull",
    validate: validate::directive_or_raw,
    compile,
};

struct ExcludeWhenNull {
    value: Node,
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    Node::directive(ExcludeWhenNull {
        value: cx.compile(value),
    })
}

impl DirectiveNode for ExcludeWhenNull {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        let value = resolve(&self.value, payload, work)?;
        match value.place().kind() {
            JsKind::Null => Ok(Js::Undefined),
            JsKind::Object => clean_nulls(value.place(), work, 0),
            _ => Ok(value),
        }
    }
}

/// A copy of an object with `null` members made `undefined`, in nested objects too. The copy is
/// made with `Object.assign`, which loses a `__proto__` key.
fn clean_nulls<'a>(object: Place<'_, 'a>, work: &mut Work, depth: usize) -> Resolved<Js<'a>> {
    Work::check_depth(depth)?;
    let entries = object.entries().unwrap_or_default();
    let mut cleaned = JsObject::with_capacity(entries.len());
    for (key, member) in entries {
        work.spend(1)?;
        if key == "__proto__" {
            continue;
        }
        let value = match member.kind() {
            JsKind::Null => Js::Undefined,
            JsKind::Object => clean_nulls(member, work, depth + 1)?,
            _ => member.to_js(work)?,
        };
        cleaned.push_new(Cow::Owned(key.to_string()), value);
    }
    Ok(Js::Object(cleaned))
}
