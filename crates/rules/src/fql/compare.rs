//! `=`, `!=`, `<`, `<=`, `>`, `>=`: string equality, and number order against a number
//! (JavaScript's `Number(expected)`; `NaN` compares false).

use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Compare {
    /// `actual === expected`: only a string can be equal.
    Equals(String),
    /// `actual !== expected`: anything but that string.
    NotEquals(String),
    /// `typeof actual === 'number' && actual === expected`.
    NumberEquals(f64),
    /// `typeof actual === 'number' && actual !== expected`.
    NumberNotEquals(f64),
    Less(f64),
    AtMost(f64),
    Greater(f64),
    AtLeast(f64),
}

impl Compare {
    pub fn holds(&self, actual: Option<&Value>) -> bool {
        let text = actual.and_then(Value::as_str);
        let number = actual.and_then(Value::as_number).and_then(|n| n.as_f64());
        match self {
            Compare::Equals(expected) => text == Some(expected.as_str()),
            Compare::NotEquals(expected) => text != Some(expected.as_str()),
            Compare::NumberEquals(x) => number.is_some_and(|n| n == *x),
            Compare::NumberNotEquals(x) => number.is_some_and(|n| n != *x),
            Compare::Less(x) => number.is_some_and(|n| n < *x),
            Compare::AtMost(x) => number.is_some_and(|n| n <= *x),
            Compare::Greater(x) => number.is_some_and(|n| n > *x),
            Compare::AtLeast(x) => number.is_some_and(|n| n >= *x),
        }
    }
}
