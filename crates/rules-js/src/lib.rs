//! The JavaScript semantics Segment's reference packages inherit and the rules must reproduce (number and string conversions, truthiness, property lookup, key order), and the work budget resolutions are paid from.
//!
//! A crate of its own below the rules' hot path (`crates/rules-values`), so that it stays built
//! for size (opt-level `"z"`) while that crate is built for speed: of it, only a lookup, a kind
//! and a number written are on the hot path, small enough to be inlined where they are called.

mod member;
mod number;
mod text;
pub mod work;

pub use member::{is_truthy, js_order, kind_of, own, step, JsKind, Step};
pub use number::{number_to_string, to_js_string};
pub use text::{array_index, code_unit_at, js_trim, utf16_len};
