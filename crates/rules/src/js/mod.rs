//! The JavaScript semantics Segment's reference packages inherit and the rules must reproduce:
//! number and string conversions, truthiness, property lookup, key order.

mod member;
mod number;
mod text;

pub(crate) use member::{is_truthy, js_order, kind_of, own, step, JsKind, Step};
pub(crate) use number::{number_to_string, string_to_number, to_js_string};
pub(crate) use text::{array_index, code_unit_at, js_trim, utf16_len};
