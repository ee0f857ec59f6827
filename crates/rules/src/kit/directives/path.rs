//! `@path`: the value at a path of the payload (`$.properties.total`); the path may itself be a
//! directive that resolves to a string.

use crate::kit::compile::{Compiler, Directive};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::path::{split_path, strip_root_marker};
use crate::kit::validate;
use crate::kit::value::{Js, Place, ResolveError, Resolved, Work};
use serde_json::Value;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@path",
    validate: validate::directive_or_string,
    compile,
};

enum PathDirective {
    /// A path written in the mapping, split once.
    Keys(Vec<String>),
    /// A path that a mapping value resolves to.
    Resolved(Node),
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    Node::directive(match value {
        Value::String(path) => {
            let keys = split_path(&strip_root_marker(path));
            cx.read(&keys);
            PathDirective::Keys(keys)
        }
        other => {
            cx.read_any();
            PathDirective::Resolved(cx.compile(other))
        }
    })
}

impl DirectiveNode for PathDirective {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        match self {
            PathDirective::Keys(keys) => {
                work.spend(keys.len() as u64)?;
                payload.get(keys).into_js(work)
            }
            PathDirective::Resolved(node) => {
                let path = resolve(node, payload, work)?;
                let path = expect_string("@path", &path)?;
                work.spend_text(path.len())?;
                payload
                    .get(&split_path(&strip_root_marker(path)))
                    .into_js(work)
            }
        }
    }
}

/// A directive's string argument once resolved: anything else is the reference's
/// `<directive>: expected string, got <type>`.
pub(super) fn expect_string<'v>(directive: &str, value: &'v Js<'_>) -> Resolved<&'v str> {
    value.place().as_str().ok_or_else(|| {
        ResolveError::thrown(format!(
            "{directive}: expected string, got {}",
            value.place().kind().name()
        ))
    })
}
