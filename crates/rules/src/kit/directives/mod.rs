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
use super::node::Node;
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

/// The options object of a directive, if it is a plain object (`isObject` in the reference).
pub(super) fn options(value: &Value) -> Option<&Map<String, Value>> {
    value.as_object()
}

/// `opts[key]` is truthy, as written: the reference checks options so before resolving them.
pub(super) fn truthy(opts: &Map<String, Value>, key: &str) -> bool {
    opts.get(key).is_some_and(crate::js::is_truthy)
}
