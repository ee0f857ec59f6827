//! `@liquid`: Liquid templates are not part of this implementation; a mapping that uses one is
//! refused wherever the directive sits.

use crate::kit::compile::Directive;
use crate::kit::node::Node;
use crate::kit::validate;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@liquid",
    validate: |value, ck| {
        validate::string(value, ck);
    },
    compile: |_, cx| {
        cx.problem(
            "@liquid is not supported here: use @template, @if, @case and the other directives",
        );
        Node::Undefined
    },
};
