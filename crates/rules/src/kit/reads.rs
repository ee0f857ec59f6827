//! What of a payload a compiled mapping can read, found while compiling it: the paths its
//! `@path`s, `@arrayPath`s and templates name from the payload's root, as a tree of keys. A
//! caller holding the payload elsewhere (the npm package, in JavaScript) sends only those parts:
//! the output is the same, as a payload's other members are never looked at.

use serde_json::{Map, Value};

/// The deepest a read is told apart from a read of its holder.
pub(crate) const MAX_READ_DEPTH: usize = 32;

/// The parts of a value a mapping reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadReads {
    /// All of it: the mapping may read anything in it (or look at it as a whole).
    Whole,
    /// Only these members of it, each read as its tree says, and only when it is an object:
    /// anything else (an array, a string, whose `length` and indexes a path may read) is read
    /// whole.
    Members(Vec<(String, PayloadReads)>),
}

impl Default for PayloadReads {
    /// Nothing read yet.
    fn default() -> Self {
        PayloadReads::Members(Vec::new())
    }
}

impl PayloadReads {
    /// Records a read of the value at `keys` (and so of everything below it). A `__proto__`
    /// key ends the path before it: a JavaScript object cannot be given that member as others
    /// are, so its holder is read whole. So does the [`MAX_READ_DEPTH`]th key: the tree stays
    /// shallow (it is walked recursively), whatever paths a mapping writes.
    /// Adds what `other` reads.
    pub fn add(&mut self, other: &PayloadReads) {
        self.add_under(&mut Vec::new(), other);
    }

    fn add_under(&mut self, prefix: &mut Vec<String>, other: &PayloadReads) {
        match other {
            PayloadReads::Whole => self.read(prefix),
            PayloadReads::Members(members) => {
                for (key, inner) in members {
                    prefix.push(key.clone());
                    self.add_under(prefix, inner);
                    prefix.pop();
                }
            }
        }
    }

    pub(crate) fn read(&mut self, keys: &[String]) {
        let keys = match keys.iter().position(|k| k == "__proto__") {
            Some(at) => &keys[..at],
            None => keys,
        };
        let keys = &keys[..keys.len().min(MAX_READ_DEPTH)];
        let mut node = self;
        for key in keys {
            let PayloadReads::Members(members) = node else {
                return;
            };
            let at = match members.iter().position(|(k, _)| k == key) {
                Some(at) => at,
                None => {
                    members.push((key.clone(), PayloadReads::default()));
                    members.len() - 1
                }
            };
            node = &mut members[at].1;
        }
        *node = PayloadReads::Whole;
    }

    /// `value` with only what this reads of it: what a mapping reading this resolves alike on.
    pub fn project(&self, value: &Value) -> Value {
        match (self, value) {
            (PayloadReads::Members(members), Value::Object(map)) => {
                let mut kept = Map::new();
                for (key, reads) in members {
                    if let Some(member) = map.get(key) {
                        kept.insert(key.clone(), reads.project(member));
                    }
                }
                Value::Object(kept)
            }
            _ => value.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reads(paths: &[&[&str]]) -> PayloadReads {
        let mut reads = PayloadReads::default();
        for path in paths {
            let keys: Vec<String> = path.iter().map(|k| k.to_string()).collect();
            reads.read(&keys);
        }
        reads
    }

    #[test]
    fn a_path_read_makes_its_end_whole_and_keeps_its_way_there() {
        let r = reads(&[
            &["properties", "a"],
            &["context", "page", "path"],
            &["properties", "b"],
        ]);
        let payload = json!({"type": "track", "properties": {"a": {"x": 1}, "b": 2, "c": 3},
            "context": {"page": {"path": "/", "url": "u"}, "ip": "1"}});
        assert_eq!(
            r.project(&payload),
            json!({"properties": {"a": {"x": 1}, "b": 2}, "context": {"page": {"path": "/"}}})
        );
        // A read of the holder makes it whole, before or after a read inside it.
        assert_eq!(reads(&[&["p", "a"], &["p"]]), reads(&[&["p"]]));
        assert_eq!(reads(&[&["p"], &["p", "a"]]), reads(&[&["p"]]));
        // The root itself, or a __proto__ key at the top: all of it.
        assert_eq!(reads(&[&["p"], &[]]), PayloadReads::Whole);
        assert_eq!(reads(&[&["__proto__", "x"]]), PayloadReads::Whole);
        assert_eq!(reads(&[&["p", "__proto__"]]), reads(&[&["p"]]));
        // A path deeper than MAX_READ_DEPTH keys is read whole at that depth.
        let deep: Vec<&str> = ["a"; 10_000].to_vec();
        let mut cut: Vec<&str> = ["a"; MAX_READ_DEPTH].to_vec();
        assert_eq!(reads(&[&deep]), reads(&[&cut]));
        cut.pop();
        assert_ne!(reads(&[&deep]), reads(&[&cut]));
    }

    #[test]
    fn what_is_not_an_object_is_kept_whole() {
        let r = reads(&[&["list", "0", "sku"], &["name", "length"], &["n", "x"]]);
        let payload = json!({"list": [{"sku": 1, "x": 2}], "name": "abc", "n": 0, "other": 1});
        assert_eq!(
            r.project(&payload),
            json!({"list": [{"sku": 1, "x": 2}], "name": "abc", "n": 0})
        );
    }
}
