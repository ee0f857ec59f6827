//! Segment's FQL subscriptions (`parseFql` + `validate` of `@segment/destination-subscriptions`
//! 3.37.0): which events a rule takes. `type`, `event`, `name`, `userId`, `properties.*`,
//! `traits.*`, `context.*`; `=`, `!=`, `<`, `<=`, `>`, `>=`, `contains()`, `match()`, `!= null`
//! (exists), `and`, `or`, parentheses.
//!
//! Every query accepted here matches the events the reference matches. Queries the reference
//! cannot parse are refused, and so are the incomplete or ambiguous ones it parses by skipping
//! tokens (see `parser`).

mod compare;
mod field;
mod lexer;
mod parser;
mod presence;
mod text;
mod to_number;

use crate::problem::Problem;
use compare::Compare;
use field::Field;
use presence::Presence;
use serde_json::Value;
use text::TextTest;

/// A subscription is at most this many characters.
pub const MAX_SUBSCRIPTION_CHARS: usize = 10_000;

/// A parsed subscription.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    expr: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Test(Condition),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Condition {
    field: Field,
    test: Test,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Test {
    Compare(Compare),
    Text { test: TextTest, negated: bool },
    Presence(Presence),
}

impl Subscription {
    /// The event fields this subscription reads, each as its keys from the event's root.
    pub(crate) fn field_paths(&self) -> Vec<Vec<String>> {
        fn walk(expr: &Expr, paths: &mut Vec<Vec<String>>) {
            match expr {
                Expr::All(items) | Expr::Any(items) => items.iter().for_each(|e| walk(e, paths)),
                Expr::Test(condition) => paths.push(condition.field.path()),
            }
        }
        let mut paths = Vec::new();
        walk(&self.expr, &mut paths);
        paths
    }

    /// Parses an FQL query. The problem's path is empty; its message says where in the query.
    pub fn parse(query: &str) -> Result<Subscription, Problem> {
        if query.chars().count() > MAX_SUBSCRIPTION_CHARS {
            return Err(Problem::new(
                "",
                format!("a subscription may be at most {MAX_SUBSCRIPTION_CHARS} characters"),
            ));
        }
        let tokens = lexer::lex(query).map_err(|e| Problem::new("", e.to_string()))?;
        let expr = parser::parse(query, tokens).map_err(|e| Problem::new("", e.to_string()))?;
        Ok(Subscription { expr })
    }

    /// Whether an event matches.
    pub fn matches(&self, event: &Value) -> bool {
        self.expr.holds(event)
    }
}

impl Expr {
    fn holds(&self, event: &Value) -> bool {
        match self {
            Expr::All(all) => all.iter().all(|e| e.holds(event)),
            Expr::Any(any) => any.iter().any(|e| e.holds(event)),
            Expr::Test(condition) => condition.holds(event),
        }
    }
}

impl Condition {
    fn holds(&self, event: &Value) -> bool {
        let actual = self.field.read(event);
        let actual = actual.value();
        match &self.test {
            Test::Compare(compare) => compare.holds(actual),
            Test::Text { test, negated } => test.holds(actual, *negated),
            Test::Presence(presence) => presence.holds(actual),
        }
    }
}
