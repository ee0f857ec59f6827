//! Resolving a compiled mapping against a payload: the reference's `resolve`.

use super::directives::Node;
use super::value::{Js, JsObject, Place, ResolveError, Resolved, Work};
use std::borrow::Cow;

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
        Node::If(d) => d.resolve(payload, work),
        Node::Case(d) => d.resolve(payload, work),
        Node::Replace(d) => d.resolve(payload, work),
        Node::ArrayPath(d) => d.resolve(payload, work),
        Node::Path(d) => d.resolve(payload, work),
        Node::Template(d) => d.resolve(payload, work),
        Node::Flatten(d) => d.resolve(payload, work),
        Node::Json(d) => d.resolve(payload, work),
        Node::Merge(d) => d.resolve(payload, work),
        Node::Transform(d) => d.resolve(payload, work),
        Node::ExcludeWhenNull(d) => d.resolve(payload, work),
    }
}
