//! The event fields a subscription reads: `type`, `event`, `name`, `userId`, and paths under
//! `properties`, `traits` and `context`.

use crate::js::{own, step, Step};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Type,
    Event,
    Name,
    UserId,
    /// A path under `properties`, `traits` or `context`, split as the reference's `get` splits
    /// it (at `.`, `[` and `]`).
    Under(&'static str, Vec<String>),
}

/// What a field holds in an event.
pub(crate) enum Actual<'v> {
    Undefined,
    At(&'v Value),
    /// A `length` or a character JavaScript computes.
    Computed(Value),
}

impl Actual<'_> {
    pub fn value(&self) -> Option<&Value> {
        match self {
            Actual::Undefined => None,
            Actual::At(v) => Some(v),
            Actual::Computed(v) => Some(v),
        }
    }
}

impl Field {
    /// The field's keys from the event's root.
    pub(crate) fn path(&self) -> Vec<String> {
        match self {
            Field::Type => vec!["type".into()],
            Field::Event => vec!["event".into()],
            Field::Name => vec!["name".into()],
            Field::UserId => vec!["userId".into()],
            Field::Under(top, keys) => std::iter::once(top.to_string())
                .chain(keys.iter().cloned())
                .collect(),
        }
    }

    /// The field an identifier names, or `None`. `name` is the identifier as written after
    /// escapes (`properties.total`).
    pub fn named(name: &str) -> Option<Field> {
        Some(match name {
            "type" => Field::Type,
            "event" => Field::Event,
            "name" => Field::Name,
            "userId" => Field::UserId,
            _ => {
                let (top, path) = name.split_once('.')?;
                let top = ["properties", "traits", "context"]
                    .into_iter()
                    .find(|t| *t == top)?;
                let keys: Vec<String> = path
                    .split(['[', '.', ']'])
                    .filter(|k| !k.is_empty())
                    .map(str::to_string)
                    .collect();
                if keys.is_empty() {
                    return None;
                }
                Field::Under(top, keys)
            }
        })
    }

    /// `data.type`, or `get(data.properties, path)` (`acc && acc[key]` at each key).
    pub fn read<'v>(&self, event: &'v Value) -> Actual<'v> {
        let top = |key: &str| event.as_object().and_then(|map| own(map, key));
        let (start, keys) = match self {
            Field::Type => return top("type").map_or(Actual::Undefined, Actual::At),
            Field::Event => return top("event").map_or(Actual::Undefined, Actual::At),
            Field::Name => return top("name").map_or(Actual::Undefined, Actual::At),
            Field::UserId => return top("userId").map_or(Actual::Undefined, Actual::At),
            Field::Under(name, keys) => (top(name), keys),
        };
        let Some(mut at) = start else {
            return Actual::Undefined;
        };
        for (i, key) in keys.iter().enumerate() {
            match step(at, key) {
                Step::At(next) => at = next,
                Step::Undefined => return Actual::Undefined,
                Step::Computed(value) => return computed_rest(value, &keys[i + 1..]),
            }
        }
        Actual::At(at)
    }
}

/// The rest of a path walked from a computed value (a number or a one-character string).
fn computed_rest(mut value: Value, keys: &[String]) -> Actual<'static> {
    for key in keys {
        match step(&value, key) {
            Step::At(_) => {}
            Step::Computed(next) => value = next,
            Step::Undefined => return Actual::Undefined,
        }
    }
    Actual::Computed(value)
}
