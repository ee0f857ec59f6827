//! `@merge`: `{objects: [...], direction: "left" | "right"}`: the objects' members in one object
//! (`Object.assign`): with `right` a later object's member wins, with `left` an earlier one's.

use crate::js::{code_unit_at, is_truthy, kind_of, utf16_len, JsKind};
use crate::kit::compile::{options, truthy, Compiler, Directive};
use crate::kit::node::{resolve, DirectiveNode, Node};
use crate::kit::validate::{self, Checker, Field};
use crate::kit::value::{Js, JsObject, Place, Resolved, Work};
use serde_json::Value;
use std::borrow::Cow;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@merge",
    validate,
    compile,
};

fn validate(value: &Value, ck: &mut Checker) {
    validate::fields(
        value,
        &[
            Field {
                name: "direction",
                required: false,
                check: direction,
            },
            Field {
                name: "objects",
                required: true,
                check: objects,
            },
        ],
        ck,
    );
}

fn direction(value: &Value, ck: &mut Checker) {
    validate::one_of(value, &["left", "right"], ck);
}

fn objects(value: &Value, ck: &mut Checker) {
    if validate::array(value, ck) {
        for (i, object) in value.as_array().into_iter().flatten().enumerate() {
            ck.at_index(i, |ck| validate::directive_or_object(object, ck));
        }
    }
}

struct Merge {
    direction: Node,
    objects: Vec<Node>,
}

fn compile(value: &Value, cx: &mut Compiler) -> Node {
    let Some(opts) = options(value) else {
        return Node::Fail(
            r#"@merge requires an object with an "objects" key and a "direction" key"#.into(),
        );
    };
    if !truthy(opts, "direction") {
        return Node::Fail(r#"@merge requires a "direction" key"#.into());
    }
    let objects = match opts.get("objects") {
        Some(Value::Array(objects)) => objects,
        Some(other) if is_truthy(other) => {
            return Node::Fail(format!(
                "@merge: expected opts.array, got {}",
                match kind_of(other) {
                    JsKind::Boolean => "boolean",
                    JsKind::Number => "number",
                    JsKind::String => "string",
                    _ => "object",
                }
            ))
        }
        _ => return Node::Fail(r#"@merge requires a "objects" key"#.into()),
    };
    let direction = cx.option(opts, "direction");
    let objects = cx.at_key("objects", |cx| {
        objects
            .iter()
            .enumerate()
            .map(|(i, object)| cx.at_index(i, |cx| cx.compile(object)))
            .collect()
    });
    Node::directive(Merge { direction, objects })
}

impl DirectiveNode for Merge {
    fn resolve<'t, 'a: 't>(&'a self, payload: Place<'t, 'a>, work: &mut Work) -> Resolved<Js<'a>> {
        let direction = resolve(&self.direction, payload, work)?;
        let mut objects = Vec::with_capacity(self.objects.len());
        for object in &self.objects {
            objects.push(resolve(object, payload, work)?);
        }
        if direction.place().as_str() == Some("left") {
            objects.reverse();
        }
        let mut merged = JsObject::default();
        for object in &objects {
            assign(&mut merged, object.place(), work)?;
        }
        Ok(Js::Object(merged))
    }
}

/// `Object.assign(target, source)`: a source's own members copied in (a string's characters
/// and an array's elements by index; other values have none). Assigning `__proto__` sets the
/// prototype instead of a member.
fn assign<'a>(target: &mut JsObject<'a>, source: Place<'_, 'a>, work: &mut Work) -> Resolved<()> {
    match source.kind() {
        JsKind::Object => {
            for (key, member) in source.entries().unwrap_or_default() {
                work.spend(1)?;
                if key != "__proto__" {
                    target.set(Cow::Owned(key.to_string()), member.to_js(work)?);
                }
            }
        }
        JsKind::Array => {
            for (i, member) in source.items().unwrap_or_default().into_iter().enumerate() {
                work.spend(1)?;
                target.set(Cow::Owned(i.to_string()), member.to_js(work)?);
            }
        }
        JsKind::String => {
            let text = source.as_str().unwrap_or_default();
            work.spend_text(text.len() * 8)?;
            for i in 0..utf16_len(text) {
                if let Some(unit) = code_unit_at(text, i) {
                    target.set(Cow::Owned(i.to_string()), Js::string(unit));
                }
            }
        }
        _ => {}
    }
    Ok(())
}
