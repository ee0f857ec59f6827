//! The rules' values as they resolve (see `crates/rules`): the resolver's tree, JSON text read into it and written from it.
//!
//! Every mapping resolution and subscription match runs through this code, and little else of
//! the rules does: the rules crate (compiling, validating, the directives) is built for size
//! (opt-level `"z"`), and this crate, its hot path, can be built for speed (see the root
//! `Cargo.toml` and `dev/build`). Not an API of its own: the rules crate re-exports what callers use.

pub mod json_text;
pub mod parse;
pub mod value;

/// JavaScript's semantics (crates/rules-js), which the rules crate also reaches through here.
pub use segment_bloomreach_rules_js as js;
