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

use super::compile::Directives;

/// Every directive, by name.
pub(crate) static DIRECTIVES: Directives = Directives(&[
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
]);
