//! What changed between two configuration documents, source by source and destination by destination, each change at its path.

use serde::Serialize;
use serde_json::{Map, Value};

/// One change: a value added, removed or changed at `path` (`sources.web.settings.mappings`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub path: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// The changes from `before` to `after`. Arrays of named objects (sources, destinations, write
/// keys by label or digest) are matched by name, so reordering them is no change; other arrays
/// (rules, categories) are compared whole, as their order means something.
pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    walk("", before, after, &mut changes);
    changes
}

fn walk(path: &str, before: &Value, after: &Value, changes: &mut Vec<Change>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let at = join(path, key);
                match b.get(key) {
                    Some(other) => walk(&at, value, other, changes),
                    None => changes.push(removed(at, value)),
                }
            }
            for (key, value) in b {
                if !a.contains_key(key) {
                    changes.push(added(join(path, key), value));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if by_name_at(path) && named(a) && named(b) => {
            let (a, b) = (by_name(a), by_name(b));
            for (name, value) in &a {
                let at = join(path, name);
                match b.iter().find(|(n, _)| n == name) {
                    Some((_, other)) => walk(&at, value, other, changes),
                    None => changes.push(removed(at, value)),
                }
            }
            for (name, value) in &b {
                if !a.iter().any(|(n, _)| n == name) {
                    changes.push(added(join(path, name), value));
                }
            }
        }
        _ => changes.push(Change {
            path: path.to_string(),
            change: "changed",
            before: Some(before.clone()),
            after: Some(after.clone()),
        }),
    }
}

/// The arrays whose elements are matched by name: the sources, the destinations, write keys.
fn by_name_at(path: &str) -> bool {
    matches!(path, "sources" | "destinations") || path.ends_with(".writeKeys")
}

/// What names an element of a named array: `name`, else a write key's `label`, `sha256` or `key`.
fn name_of(item: &Value) -> Option<&str> {
    let map = item.as_object()?;
    ["name", "label", "sha256"]
        .iter()
        .find_map(|k| map.get(*k).and_then(Value::as_str))
}

fn named(items: &[Value]) -> bool {
    let names: Vec<Option<&str>> = items.iter().map(name_of).collect();
    !items.is_empty()
        && names.iter().all(Option::is_some)
        && names
            .iter()
            .enumerate()
            .all(|(i, n)| !names[..i].contains(n))
}

fn by_name(items: &[Value]) -> Vec<(String, Value)> {
    items
        .iter()
        .map(|item| {
            let name = name_of(item).unwrap_or_default().to_string();
            let mut rest: Map<String, Value> = item.as_object().cloned().unwrap_or_default();
            rest.remove("name");
            (name, Value::Object(rest))
        })
        .collect()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn added(path: String, value: &Value) -> Change {
    Change {
        path,
        change: "added",
        before: None,
        after: Some(value.clone()),
    }
}

fn removed(path: String, value: &Value) -> Change {
    Change {
        path,
        change: "removed",
        before: Some(value.clone()),
        after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sources_are_matched_by_name_and_rules_compared_whole() {
        let before = json!({"sources": [
            {"name": "web", "destination": "eu", "settings": {"trackSessionPing": false, "mappings": [{"name": "a"}]}},
            {"name": "app", "destination": "eu"}
        ]});
        let after = json!({"sources": [
            {"name": "app", "destination": "us"},
            {"name": "web", "destination": "eu", "settings": {"trackSessionPing": true, "mappings": [{"name": "b"}]}},
            {"name": "server", "destination": "eu"}
        ]});
        assert_eq!(
            serde_json::to_value(diff(&before, &after)).unwrap(),
            json!([
                {"path": "sources.web.settings.trackSessionPing", "change": "changed", "before": false, "after": true},
                {"path": "sources.web.settings.mappings", "change": "changed", "before": [{"name": "a"}], "after": [{"name": "b"}]},
                {"path": "sources.app.destination", "change": "changed", "before": "eu", "after": "us"},
                {"path": "sources.server", "change": "added", "after": {"destination": "eu"}}
            ])
        );
        assert!(diff(&before, &before).is_empty());
    }
}
