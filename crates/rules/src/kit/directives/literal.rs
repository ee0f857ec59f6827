//! `@literal`: its value, resolved as any mapping value is (directives inside it still run;
//! the reference does not validate inside a `@literal` object, so a bad directive there fails
//! only when resolved).

use crate::kit::compile::Directive;
use crate::kit::validate;

pub(super) const DIRECTIVE: Directive = Directive {
    name: "@literal",
    validate: validate::directive_or_raw,
    compile: |value, cx| cx.compile(value),
};
