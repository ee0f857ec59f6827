//! Paths into a payload as mapping-kit reads them: `$.properties.items[0].name`, `a['b c']`.

/// `path.replace('$.', '')`: the first `$.` anywhere in the path is removed (not only a prefix).
pub(crate) fn strip_root_marker(path: &str) -> String {
    path.replacen("$.", "", 1)
}

/// The keys of a path, as mapping-kit's `get` splits it: at `.`, at `[` before a quote or a
/// digit, and at a run of `]` after a quote or a digit; empty pieces dropped, then quotes removed
/// (so `a.''.b` has the key `""`). No keys (`""`, `"."`, `".."`) means the root itself.
pub(crate) fn split_path(path: &str) -> Vec<String> {
    let chars: Vec<char> = path.chars().collect();
    let opens_index = |c: char| c == '"' || c == '\'' || c.is_ascii_digit();
    let mut keys = Vec::new();
    let mut key = String::new();
    // Whether the piece so far has any character, quotes included.
    let mut piece = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let separator_len = match c {
            '.' => 1,
            '[' if chars.get(i + 1).is_some_and(|n| opens_index(*n)) => 1,
            ']' if i > 0 && opens_index(chars[i - 1]) => {
                chars[i..].iter().take_while(|c| **c == ']').count()
            }
            _ => 0,
        };
        if separator_len == 0 {
            if c != '"' && c != '\'' {
                key.push(c);
            }
            piece = true;
            i += 1;
        } else {
            if piece {
                keys.push(std::mem::take(&mut key));
            }
            piece = false;
            i += separator_len;
        }
    }
    if piece {
        keys.push(key);
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_as_mapping_kit_splits_them() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            (".", &[]),
            ("..", &[]),
            ("a.b", &["a", "b"]),
            ("a[0].b", &["a", "0", "b"]),
            ("a['b c']", &["a", "b c"]),
            ("a[\"x.y\"]", &["a", "x", "y"]),
            ("a[b]", &["a[b]"]),
            ("a[[0]]", &["a[", "0"]),
            ("a]]b", &["a]]b"]),
            ("items[10]]x", &["items", "10", "x"]),
            ("it's", &["its"]),
            ("a.''.b", &["a", "", "b"]),
        ];
        for (path, keys) in cases {
            assert_eq!(split_path(path), *keys, "{path:?}");
        }
        assert_eq!(strip_root_marker("$.a.$.b"), "a.$.b");
        assert_eq!(strip_root_marker("x.$.b"), "x.b");
        assert_eq!(strip_root_marker("$$.x"), "$x");
    }
}
