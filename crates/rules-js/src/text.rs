//! JavaScript strings are UTF-16: their lengths, indexes and white space, read from Rust's UTF-8.

/// `s.length`: UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// `s[index]`: the code unit at a UTF-16 index, as a string. Half of a surrogate pair cannot be
/// held by a Rust string; it comes out as U+FFFD, as it would once JavaScript encodes it as UTF-8.
pub fn code_unit_at(s: &str, index: usize) -> Option<String> {
    let mut at = 0;
    for c in s.chars() {
        let width = c.len_utf16();
        if index < at + width {
            return Some(if width == 1 { c } else { '\u{FFFD}' }.to_string());
        }
        at += width;
    }
    None
}

/// A property key that indexes an array or a string: `0` or a decimal without leading zeros,
/// below 2³² − 1 (a key such as `01` or `1.0` names no element).
pub fn array_index(key: &str) -> Option<usize> {
    let bytes = key.as_bytes();
    if bytes.is_empty() || bytes.len() > 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return None;
    }
    let value: u64 = key.parse().ok()?;
    (value < u64::from(u32::MAX)).then_some(value as usize)
}

/// `s.trim()`: JavaScript's white space and line terminators (which differ from Rust's
/// `char::is_whitespace`: U+FEFF is one, U+0085 is not).
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{A}' | '\u{B}' | '\u{C}' | '\u{D}' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_measure_and_index_in_utf16() {
        assert_eq!(utf16_len("héllo😀"), 7);
        assert_eq!(code_unit_at("héllo", 1).as_deref(), Some("é"));
        assert_eq!(code_unit_at("a😀b", 1).as_deref(), Some("\u{FFFD}"));
        assert_eq!(code_unit_at("a😀b", 3).as_deref(), Some("b"));
        assert_eq!(code_unit_at("ab", 2), None);
    }

    #[test]
    fn only_canonical_decimals_index() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("42"), Some(42));
        assert_eq!(array_index("4294967294"), Some(4294967294));
        for key in [
            "",
            "01",
            "-1",
            "1.0",
            "1e2",
            " 1",
            "4294967295",
            "99999999999",
            "length",
        ] {
            assert_eq!(array_index(key), None, "{key:?}");
        }
    }

    #[test]
    fn trim_is_javascripts() {
        assert_eq!(js_trim("\u{FEFF} a \u{2028}"), "a");
        assert_eq!(js_trim("\u{85}a"), "\u{85}a");
    }
}
