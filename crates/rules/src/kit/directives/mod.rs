//! The directive registry: every directive mapping-kit 3.170.0 knows, one file each, with its
//! validation (the reference's `validate`) beside its compiling and resolving (its `transform`).

mod array_path;
mod case;
mod exclude_when_null;
mod flatten;
mod if_;
mod json;
mod liquid;
mod literal;
mod merge;
mod path;
mod replace;
mod template;
mod transform;

pub use template::MAX_TEMPLATE_BYTES;

use super::compile::Compiler;
use super::validate::Checker;
use serde_json::{Map, Value};

/// A directive: how the reference validates its options, and how they compile.
pub(crate) struct Directive {
    pub name: &'static str,
    pub validate: fn(&Value, &mut Checker),
    pub compile: fn(&Value, &mut Compiler) -> Node,
}

const DIRECTIVES: &[Directive] = &[
    if_::DIRECTIVE,
    case::DIRECTIVE,
    replace::DIRECTIVE,
    array_path::DIRECTIVE,
    path::DIRECTIVE,
    template::DIRECTIVE,
    literal::DIRECTIVE,
    flatten::DIRECTIVE,
    json::DIRECTIVE,
    merge::DIRECTIVE,
    transform::DIRECTIVE,
    exclude_when_null::DIRECTIVE,
    liquid::DIRECTIVE,
];

pub(crate) fn find(name: &str) -> Option<&'static Directive> {
    DIRECTIVES.iter().find(|d| d.name == name)
}

/// A compiled mapping value.
#[derive(Debug)]
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
    If(Box<if_::If>),
    Case(Box<case::Case>),
    Replace(Box<replace::Replace>),
    ArrayPath(Box<array_path::ArrayPath>),
    Path(Box<path::PathDirective>),
    Template(Box<template::Template>),
    Flatten(Box<flatten::Flatten>),
    Json(Box<json::Json>),
    Merge(Box<merge::Merge>),
    Transform(Box<transform::Transform>),
    ExcludeWhenNull(Box<exclude_when_null::ExcludeWhenNull>),
}

impl Node {
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

/// The options object of a directive, if it is a plain object (`isObject` in the reference).
pub(super) fn options(value: &Value) -> Option<&Map<String, Value>> {
    value.as_object()
}

/// `opts[key]` is truthy, as written: the reference checks options so before resolving them.
pub(super) fn truthy(opts: &Map<String, Value>, key: &str) -> bool {
    opts.get(key).is_some_and(crate::js::is_truthy)
}
