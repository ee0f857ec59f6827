//! Reading a JSON value the way JavaScript does: its type, its truthiness, `value[key]`, and the
//! order in which it lists an object's keys.

use super::{array_index, code_unit_at, utf16_len};
use serde_json::{Map, Value};

/// A value's type as the reference tells them apart (`undefined` is JavaScript's absent value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsKind {
    Undefined,
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

impl JsKind {
    /// The name messages use ("got number").
    pub fn name(self) -> &'static str {
        match self {
            JsKind::Undefined => "undefined",
            JsKind::Null => "null",
            JsKind::Boolean => "boolean",
            JsKind::Number => "number",
            JsKind::String => "string",
            JsKind::Array => "array",
            JsKind::Object => "object",
        }
    }
}

pub fn kind_of(value: &Value) -> JsKind {
    match value {
        Value::Null => JsKind::Null,
        Value::Bool(_) => JsKind::Boolean,
        Value::Number(_) => JsKind::Number,
        Value::String(_) => JsKind::String,
        Value::Array(_) => JsKind::Array,
        Value::Object(_) => JsKind::Object,
    }
}

/// JavaScript truthiness: `false`, `0`, `""` and `null` are falsy (a JSON number is never NaN).
pub fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// One step of `path.reduce((acc, key) => acc && acc[key], root)`.
#[derive(Debug, PartialEq)]
pub enum Step<'v> {
    /// A value found in the tree, or the falsy value the walk stopped at.
    At(&'v Value),
    /// A value JavaScript computes: an array's or a string's `length`, a string's code unit.
    Computed(Value),
    Undefined,
}

/// `value && value[key]`. Only own properties are read: an inherited member (`constructor`,
/// `toString`, array methods…) is a JavaScript function the reference would return, and is
/// `undefined` here.
pub fn step<'v>(value: &'v Value, key: &str) -> Step<'v> {
    if !is_truthy(value) {
        return Step::At(value);
    }
    match value {
        Value::Object(map) => own(map, key).map_or(Step::Undefined, Step::At),
        Value::Array(items) => {
            if key == "length" {
                Step::Computed(Value::from(items.len()))
            } else {
                array_index(key)
                    .and_then(|i| items.get(i))
                    .map_or(Step::Undefined, Step::At)
            }
        }
        Value::String(s) => {
            if key == "length" {
                Step::Computed(Value::from(utf16_len(s)))
            } else {
                array_index(key)
                    .and_then(|i| code_unit_at(s, i))
                    .map_or(Step::Undefined, |unit| Step::Computed(Value::String(unit)))
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Step::Undefined,
    }
}

/// `map[key]`: small objects (most of an event's) are scanned, faster than hashing the key.
pub fn own<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    if map.len() <= 12 {
        map.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        map.get(key)
    }
}

/// An object's entries in JavaScript's property order: keys that are array indexes first, in
/// numeric order, then the others in insertion order.
pub fn js_order<V>(entries: Vec<(&str, V)>) -> Vec<(&str, V)> {
    if !entries.iter().any(|(k, _)| array_index(k).is_some()) {
        return entries;
    }
    // Sorted as (index, position) pairs: one small sort whatever the entries hold.
    let mut indexed: Vec<(usize, usize)> = Vec::new();
    let mut others: Vec<usize> = Vec::new();
    for (position, (key, _)) in entries.iter().enumerate() {
        match array_index(key) {
            Some(index) => indexed.push((index, position)),
            None => others.push(position),
        }
    }
    merge_sort(&mut indexed);
    let order: Vec<usize> = indexed.into_iter().map(|(_, p)| p).chain(others).collect();
    let mut slots: Vec<Option<(&str, V)>> = entries.into_iter().map(Some).collect();
    order.into_iter().filter_map(|p| slots[p].take()).collect()
}

/// Sorts pairs of distinct keys (a merge sort: a few hundred bytes of wasm where the standard
/// library's sorts weigh several kilobytes each).
fn merge_sort(items: &mut Vec<(usize, usize)>) {
    if items.len() < 2 {
        return;
    }
    let mut right = items.split_off(items.len() / 2);
    merge_sort(items);
    merge_sort(&mut right);
    let left = std::mem::take(items);
    let (mut l, mut r) = (0, 0);
    while l < left.len() || r < right.len() {
        if r == right.len() || (l < left.len() && left[l] < right[r]) {
            items.push(left[l]);
            l += 1;
        } else {
            items.push(right[r]);
            r += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn steps_stop_at_falsy_values_and_read_lengths() {
        let v = json!({"a": 0, "s": "héllo", "l": [1, 2], "e": ""});
        assert_eq!(step(&v["a"], "b"), Step::At(&json!(0)));
        assert_eq!(step(&v["e"], "length"), Step::At(&json!("")));
        assert_eq!(step(&v["s"], "length"), Step::Computed(json!(5)));
        assert_eq!(step(&v["s"], "1"), Step::Computed(json!("é")));
        assert_eq!(step(&v["l"], "length"), Step::Computed(json!(2)));
        assert_eq!(step(&v["l"], "1"), Step::At(&json!(2)));
        assert_eq!(step(&v["l"], "01"), Step::Undefined);
        assert_eq!(step(&v, "constructor"), Step::Undefined);
        assert_eq!(step(&json!(5), "x"), Step::Undefined);
    }

    #[test]
    fn merge_sort_sorts() {
        let mut items: Vec<(usize, usize)> = (0..100).map(|i| ((i * 37) % 101, i)).collect();
        let mut expected = items.clone();
        expected.sort();
        merge_sort(&mut items);
        assert_eq!(items, expected);
    }

    #[test]
    fn index_keys_come_first() {
        let v = json!({"b": 1, "2": 2, "a": 3, "10": 4, "01": 5});
        let map = v.as_object().unwrap();
        let keys: Vec<&str> = js_order(map.iter().map(|(k, v)| (k.as_str(), v)).collect())
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["2", "10", "b", "a", "01"]);
    }
}
