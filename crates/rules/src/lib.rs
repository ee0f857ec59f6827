//! Rules: the `mappings` setting. Each rule subscribes to events with Segment's FQL and maps them
//! with Segment's mapping-kit into Bloomreach commands; both languages are implemented here in
//! Rust, to behave as Segment's own JavaScript packages do.

mod emit;
pub mod fql;
// JavaScript's semantics, in the crate of the rules' hot path (crates/rules-values).
use segment_bloomreach_rules_values::js;
pub mod kit;
mod problem;
mod rule_set;

pub use emit::{EventBudget, RuleCommand, RuleFailure};
pub use problem::{key_path, Problem};
pub use rule_set::{CommandKind, Rule, RuleSet, MAX_RULES};
