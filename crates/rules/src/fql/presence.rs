//! `!= null` / `= null` (exists, does not exist) and `= true` / `= false` (is that boolean).

use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Presence {
    Exists,
    NotExists,
    IsTrue,
    IsFalse,
}

impl Presence {
    pub fn holds(self, actual: Option<&Value>) -> bool {
        match self {
            Presence::Exists => !matches!(actual, None | Some(Value::Null)),
            Presence::NotExists => matches!(actual, None | Some(Value::Null)),
            Presence::IsTrue => actual == Some(&Value::Bool(true)),
            Presence::IsFalse => actual == Some(&Value::Bool(false)),
        }
    }
}
