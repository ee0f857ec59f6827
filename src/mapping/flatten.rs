//! Flattening: nested objects joined with `_` at any depth; arrays and scalars kept as they are.

use serde_json::{Map, Value};

/// Flattens `map`. An empty nested object produces no key. A key given literally at the top
/// level wins over the same key produced by flattening; between two produced keys the first
/// (in input order) wins.
pub fn flatten(map: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in map {
        match value {
            Value::Object(inner) => flatten_into(&mut out, &key, inner),
            literal => {
                out.insert(key, literal);
            }
        }
    }
    out
}

/// Adds `inner`'s entries to `out` as `<prefix>_<key>`, recursively, never replacing a key
/// already there.
pub(crate) fn flatten_into(out: &mut Map<String, Value>, prefix: &str, inner: Map<String, Value>) {
    for (key, value) in inner {
        let joined = format!("{prefix}_{key}");
        match value {
            Value::Object(deeper) => flatten_into(out, &joined, deeper),
            leaf => {
                if !out.contains_key(&joined) {
                    out.insert(joined, leaf);
                }
            }
        }
    }
}
