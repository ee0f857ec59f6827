//! Flattening: nested objects joined with `_` at any depth; arrays and scalars kept as they are.

use crate::json::{Json, Obj};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Flattens `map`. An empty nested object produces no key. A key given literally at the top
/// level wins over the same key produced by flattening; between two produced keys the first
/// (in input order) wins.
pub fn flatten(map: Map<String, Value>) -> Map<String, Value> {
    flatten_obj(Obj::from_map(map)).into_map()
}

/// [`flatten`] on the mapping's working form.
pub(crate) fn flatten_obj(map: Obj) -> Obj {
    let mut out = Obj::with_capacity(map.len());
    let mut key_buf = String::new();
    for (key, value) in map {
        match value {
            Json::Object(inner) => flatten_into(&mut out, &mut key_buf, &key, inner),
            literal => out.insert(key, literal),
        }
    }
    out
}

/// Adds `inner`'s entries to `out` as `<prefix>_<key>`, recursively, never replacing a key
/// already there. `key_buf` is scratch space, so a joined key is allocated only when it is kept.
pub(crate) fn flatten_into<'a>(
    out: &mut Obj<'a>,
    key_buf: &mut String,
    prefix: &str,
    inner: Obj<'a>,
) {
    for (key, value) in inner {
        key_buf.clear();
        key_buf.push_str(prefix);
        key_buf.push('_');
        key_buf.push_str(&key);
        match value {
            Json::Object(deeper) => {
                let joined = key_buf.clone();
                flatten_into(out, key_buf, &joined, deeper)
            }
            leaf => {
                if !out.contains_key(key_buf) {
                    out.push_absent(Cow::Owned(key_buf.clone()), leaf);
                }
            }
        }
    }
}
