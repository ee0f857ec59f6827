//! The compiled mapping tree and its resolving against a payload (the reference's `resolve`):
//! plain values here, each directive's node behind [`DirectiveNode`], defined with its directive.

use super::value::{Js, JsObject, Place, ResolveError, Resolved, Work};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// A compiled directive, as the tree resolves it (shared across threads, as a compiled mapping
/// is). No `Debug`: each directive's, reached through the vtable, would stay in the npm wasm
/// (2 KB gzip), where nothing prints a mapping; a node shows as `Directive(..)`.
pub(crate) trait DirectiveNode: Send + Sync {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>>;
}

/// A compiled mapping value.
pub(crate) enum Node {
    /// JavaScript's `undefined` (an absent option).
    Undefined,
    /// JSON with no directive inside: resolves to itself, shared.
    Literal(Value),
    Array(Vec<Node>),
    /// A plain object; a `__proto__` key is resolved and then lost, as in the reference.
    Object(Vec<(String, Node)>),
    /// Where the reference throws whenever it gets here.
    Fail(String),
    /// A directive that resolves at run time (`@if`, `@path`, …).
    Directive(Box<dyn DirectiveNode>),
}

impl Node {
    /// A directive's node.
    pub fn directive(directive: impl DirectiveNode + 'static) -> Node {
        Node::Directive(Box::new(directive))
    }

    /// An array node, or a literal when no element needs resolving.
    pub fn array(nodes: Vec<Node>) -> Node {
        if nodes.iter().all(|n| matches!(n, Node::Literal(_))) {
            Node::Literal(Value::Array(
                nodes.into_iter().map(Node::into_literal).collect(),
            ))
        } else {
            Node::Array(nodes)
        }
    }

    /// An object node, or a literal when no member needs resolving.
    pub fn object(entries: Vec<(String, Node)>) -> Node {
        let plain = entries
            .iter()
            .all(|(k, n)| matches!(n, Node::Literal(_)) && k != "__proto__");
        if plain {
            let map: Map<String, Value> = entries
                .into_iter()
                .map(|(k, n)| (k, n.into_literal()))
                .collect();
            Node::Literal(Value::Object(map))
        } else {
            Node::Object(entries)
        }
    }

    fn into_literal(self) -> Value {
        match self {
            Node::Literal(v) => v,
            _ => Value::Null,
        }
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Undefined => f.write_str("Undefined"),
            Node::Literal(value) => f.debug_tuple("Literal").field(value).finish(),
            Node::Array(items) => f.debug_tuple("Array").field(items).finish(),
            Node::Object(entries) => f.debug_tuple("Object").field(entries).finish(),
            Node::Fail(message) => f.debug_tuple("Fail").field(message).finish(),
            Node::Directive(_) => f.debug_tuple("Directive").finish_non_exhaustive(),
        }
    }
}

/// A node resolved against a payload.
pub(crate) fn resolve<'t, 'a: 't>(
    node: &'a Node,
    payload: Place<'t, 'a>,
    work: &mut Work,
) -> Resolved<Js<'a>> {
    work.spend(1)?;
    match node {
        Node::Undefined => Ok(Js::Undefined),
        Node::Literal(value) => Ok(Js::Ref(value)),
        Node::Fail(message) => Err(ResolveError::thrown(message.clone())),
        Node::Array(items) => Ok(Js::Array(
            items
                .iter()
                .map(|item| resolve(item, payload, work))
                .collect::<Resolved<_>>()?,
        )),
        Node::Object(entries) => {
            let mut object = JsObject::with_capacity(entries.len());
            for (key, member) in entries {
                let value = resolve(member, payload, work)?;
                // `resolved["__proto__"] = value` sets the prototype: no key.
                if key != "__proto__" {
                    object.push_new(Cow::Borrowed(key), value);
                }
            }
            Ok(Js::Object(object))
        }
        Node::Directive(directive) => directive.resolve(payload, work),
    }
}
