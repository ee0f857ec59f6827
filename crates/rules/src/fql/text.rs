//! `contains(field, "text")` and `match(field, "prefix*")` / `match(field, "*suffix")`, with
//! their `!` negations: true only for a string field.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TextTest {
    Contains(String),
    StartsWith(String),
    EndsWith(String),
}

impl TextTest {
    /// `typeof actual === 'string' && (negated ? !test : test)`.
    pub fn holds(&self, actual: Option<&Value>, negated: bool) -> bool {
        let Some(text) = actual.and_then(Value::as_str) else {
            return false;
        };
        let found = match self {
            TextTest::Contains(needle) => text.contains(needle.as_str()),
            TextTest::StartsWith(prefix) => text.starts_with(prefix.as_str()),
            TextTest::EndsWith(suffix) => text.ends_with(suffix.as_str()),
        };
        found != negated
    }

    /// A `match()` pattern: only `prefix*` and `*suffix` (and `*`) mean what a glob means in
    /// the reference, which reads any other pattern as `*` plus all but its first character.
    pub fn glob(pattern: &str) -> Result<TextTest, String> {
        if let Some(prefix) = pattern.strip_suffix('*') {
            if !prefix.contains('*') {
                return Ok(TextTest::StartsWith(prefix.to_string()));
            }
        } else if let Some(suffix) = pattern.strip_prefix('*') {
            if !suffix.contains('*') {
                return Ok(TextTest::EndsWith(suffix.to_string()));
            }
        }
        Err(format!(
            "match() takes a pattern \"prefix*\" or \"*suffix\" (one *, at one end), got {pattern:?}"
        ))
    }
}
