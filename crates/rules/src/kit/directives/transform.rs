//! `@transform`: `{apply, mapping}`: `mapping` resolved against a new payload, the result of
//! `transform(apply, payload)` (a whole mapping, validated when it runs).

use crate::js::JsKind;
use crate::kit::compile::{options, truthy, Compiler, Directive};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::output::remove_undefined;
use crate::kit::root;
use crate::kit::validate::{self, Field};
use crate::kit::value::{Js, Place, ResolveError, Resolved, Work};
use serde_json::{Map, Value};

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@transform",
    validate: |options, ck| {
        validate::fields(
            options,
            &[
                Field {
                    name: "apply",
                    required: true,
                    check: validate::directive_or_object,
                },
                Field {
                    name: "mapping",
                    required: true,
                    check: validate::directive_or_object,
                },
            ],
            ck,
        )
    },
    compile,
};

struct Transform {
    /// `apply` compiled as a whole mapping, or why the reference refuses it each time it runs.
    apply: Result<Node, String>,
    mapping: Node,
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    let Some(opts) = options(value) else {
        return Node::Fail(
            r#"@transform requires an object with an "apply" key and a "mapping" key"#.into(),
        );
    };
    if !truthy(opts, "mapping") {
        return Node::Fail(r#"@transform requires a "mapping" key"#.into());
    }
    if !truthy(opts, "apply") {
        return Node::Fail(r#"@transform requires a "apply" key"#.into());
    }
    if !opts["apply"].is_object() {
        return Node::Fail(r#"@transform "apply" key should be an object"#.into());
    }
    let whole = cx.at_key("apply", |cx| root::compile_whole(&opts["apply"], cx));
    let apply = match whole.refused.first() {
        None => Ok(whole.node),
        Some(problem) => Err(format!(
            "@transform: its apply mapping is invalid: {problem}"
        )),
    };
    Node::directive(Transform {
        apply,
        // Resolved against what `apply` made.
        mapping: cx.relative(|cx| cx.option(opts, "mapping")),
    })
}

impl DirectiveNode for Transform {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        let empty = Value::Object(Map::new());
        let payload = match payload.kind() {
            // `transform(mapping, data = {})`.
            JsKind::Undefined => Place::Local(&empty),
            JsKind::Object => payload,
            other => {
                return Err(ResolveError::thrown(format!(
                    "data must be an object, got {}",
                    other.name()
                )))
            }
        };
        let apply = self
            .apply
            .as_ref()
            .map_err(|why| ResolveError::thrown(why.clone()))?;
        let applied = remove_undefined(resolve(apply, payload, work)?, 0)?;
        resolve(&self.mapping, applied.place(), work)
    }
}
