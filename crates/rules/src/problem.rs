//! One thing wrong with a rule, a mapping or a subscription, and the path that says where it is.

use serde::Serialize;
use std::fmt;

/// A problem found while compiling rules, named by a path such as `mappings[2].properties.total`
/// or `eventType["@if"].then` (empty: the value itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same problem seen from a parent: `Problem{path: "total"}.under("properties")` is at
    /// `properties.total`.
    pub fn under(self, parent: &str) -> Problem {
        Problem {
            path: join(parent, &self.path),
            message: self.message,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// `parent` followed by a relative path (which starts with a key, a `[` or is empty).
fn join(parent: &str, child: &str) -> String {
    if child.is_empty() {
        parent.to_string()
    } else if parent.is_empty() || child.starts_with('[') {
        format!("{parent}{child}")
    } else {
        format!("{parent}.{child}")
    }
}

/// A path being walked: keys and indexes pushed and popped as a checker descends.
#[derive(Clone, Debug, Default)]
pub(crate) struct PathStack {
    text: String,
    /// Where each pushed segment starts in `text`, to pop it.
    starts: Vec<usize>,
}

impl PathStack {
    pub fn push_key(&mut self, key: &str) {
        self.starts.push(self.text.len());
        if is_identifier(key) {
            if !self.text.is_empty() {
                self.text.push('.');
            }
            self.text.push_str(key);
        } else {
            self.text.push('[');
            self.text
                .push_str(&serde_json::Value::from(key).to_string());
            self.text.push(']');
        }
    }

    pub fn push_index(&mut self, index: usize) {
        self.starts.push(self.text.len());
        self.text.push_str(&format!("[{index}]"));
    }

    pub fn pop(&mut self) {
        if let Some(start) = self.starts.pop() {
            self.text.truncate(start);
        }
    }

    pub fn problem(&self, message: impl Into<String>) -> Problem {
        Problem::new(self.text.clone(), message)
    }
}

/// A key written bare in a path: a JavaScript identifier (`total`, `_x`, `$y`).
fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_javascript() {
        let mut path = PathStack::default();
        path.push_key("eventType");
        path.push_key("@if");
        path.push_key("then");
        assert_eq!(path.problem("m").path, r#"eventType["@if"].then"#);
        path.pop();
        path.pop();
        path.push_index(3);
        path.push_key("a b");
        assert_eq!(path.problem("m").path, r#"eventType[3]["a b"]"#);
        assert_eq!(
            Problem::new("[0].x", "m").under("mappings").path,
            "mappings[0].x"
        );
        assert_eq!(
            Problem::new("total", "m").under("properties").path,
            "properties.total"
        );
        assert_eq!(Problem::new("", "m").under("subscribe").path, "subscribe");
    }
}
