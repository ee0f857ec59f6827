//! `@arrayPath`: `[path, itemShape?]`: the value at `path`; with a non-empty object
//! `itemShape` and an object or array there, an array of `itemShape` resolved against each
//! element (an object counts as a one-element array).

use crate::js::JsKind;
use crate::kit::compile::{Compiler, Directive};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::path::{split_path, strip_root_marker};
use crate::kit::validate::{self, Checker};
use crate::kit::value::{Got, Js, Place, Resolved, Work};
use serde_json::Value;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@arrayPath",
    validate,
    compile,
};

fn validate(value: &Value, ck: &mut Checker) {
    if !validate::array(value, ck) {
        return;
    }
    match value.get(0) {
        Some(path) => ck.at_index(0, |ck| validate::directive_or_string(path, ck)),
        None => ck.problem("must start with a path (a string or a directive), got an empty array"),
    }
    if let Some(shape) = value.get(1) {
        ck.at_index(1, |ck| validate::mapping(shape, ck));
    }
}

struct ArrayPath {
    root: Root,
    item_shape: Option<Node>,
}

enum Root {
    Keys(Vec<String>),
    Resolved(Node),
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    let Value::Array(items) = value else {
        return Node::Fail(format!(
            "@arrayPath expected array, got {}",
            crate::js::kind_of(value).name()
        ));
    };
    let root = match items.first() {
        Some(Value::String(path)) => {
            let keys = split_path(&strip_root_marker(path));
            cx.read(&keys);
            Root::Keys(keys)
        }
        Some(other) => Root::Resolved(cx.at_index(0, |cx| cx.compile(other))),
        None => Root::Resolved(Node::Undefined),
    };
    let item_shape = match items.get(1) {
        Some(shape @ Value::Object(map)) if !map.is_empty() => {
            // Resolved against the elements found, not the payload.
            Some(cx.relative(|cx| cx.at_index(1, |cx| cx.compile(shape))))
        }
        _ => None,
    };
    Node::directive(ArrayPath { root, item_shape })
}

impl DirectiveNode for ArrayPath {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        match &self.root {
            Root::Keys(keys) => {
                work.spend(keys.len() as u64)?;
                let found = payload.get(keys);
                if let (Some(shape), Got::At(place)) = (&self.item_shape, &found) {
                    if let Some(items) = arrify(*place) {
                        return each(shape, items, work);
                    }
                }
                found.into_js(work)
            }
            Root::Resolved(node) => {
                let root = resolve(node, payload, work)?;
                if let Some(shape) = &self.item_shape {
                    if let Some(items) = arrify(root.place()) {
                        return each(shape, items, work);
                    }
                }
                Ok(root)
            }
        }
    }
}

/// An array's elements, or an object as the one element; `None` for anything else.
fn arrify<'t, 'a>(place: Place<'t, 'a>) -> Option<Vec<Place<'t, 'a>>> {
    match place.kind() {
        JsKind::Array => place.items(),
        JsKind::Object => Some(vec![place]),
        _ => None,
    }
}

/// `items.map(item => resolve(itemShape, item))`.
fn each<'t, 'a: 't>(
    shape: &'a Node,
    items: Vec<Place<'t, 'a>>,
    work: &mut Work,
) -> Resolved<Js<'a>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(resolve(shape, item, work)?);
    }
    Ok(Js::Array(out))
}
