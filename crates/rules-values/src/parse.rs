//! JSON text read straight into the resolver's own tree: objects as entry lists (no hashing, keys
//! borrowed from the text where they have no escapes), for callers that hold a payload as text
//! (the npm `transform`), where building a `serde_json::Value` cost more than resolving.

use crate::value::{Js, JsObject};
use serde_json::Value;
use std::borrow::Cow;

/// A payload read from JSON text (serde_json's parser: the same syntax, limits and depth).
///
/// Text as `JSON.stringify` writes it (what the npm wrapper sends) is read by [`Fast`]; any
/// other (an escape in a string, a number other than a plain integer, nesting past
/// [`FAST_DEPTH`], or anything not JSON) is read again by serde_json as a `Value` (which the
/// resolver reads as it reads a payload given as one), so every value, error and limit is
/// serde_json's; its `Value` reader is in the wasm anyway, where one of its own for this tree
/// cost about 1 KB gzip.
pub fn parse(text: &str) -> Result<Js<'_>, serde_json::Error> {
    let mut fast = Fast { text, at: 0 };
    if let Some(value) = fast.value(0) {
        fast.whitespace();
        if fast.at == text.len() {
            return Ok(value);
        }
    }
    serde_json::from_str(text).map(Js::Owned)
}

/// Nesting the fast reader goes to before leaving the text to serde_json (whose limit is 128).
const FAST_DEPTH: usize = 100;

/// A reader of plain JSON: strings without escapes, numbers that are integers of at most 18
/// digits (others are read by serde_json from their own text), objects, arrays, literals.
/// `None` wherever it meets anything else; serde_json then reads the whole text.
///
/// serde_json's generic deserializer, built at the rules' opt-level `"z"`, was half of a compiled
/// mapping's `transform` in wasm (its payload read from text) for the ten-field mapping.
struct Fast<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Fast<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    #[inline]
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// `byte` next (after whitespace), consumed.
    #[inline]
    fn eat(&mut self, byte: u8) -> bool {
        self.whitespace();
        let found = matches!(self.peek(), Some(next) if next == byte);
        self.at += usize::from(found);
        found
    }

    fn value(&mut self, depth: usize) -> Option<Js<'a>> {
        self.whitespace();
        let value = match self.peek()? {
            b'"' => Js::Owned(Value::String(self.string()?.to_string())),
            b'{' if depth < FAST_DEPTH => {
                self.at += 1;
                // Room for a usual payload object's members, not grown from nothing.
                let mut entries = Vec::with_capacity(8);
                if !self.eat(b'}') {
                    loop {
                        self.whitespace();
                        let key = self.string()?;
                        if !self.eat(b':') {
                            return None;
                        }
                        entries.push((Cow::Borrowed(key), self.value(depth + 1)?));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                // A repeated key keeps its first place and takes the last value, as JSON.parse does.
                Js::Object(JsObject::from_entries(entries))
            }
            b'[' if depth < FAST_DEPTH => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Js::Array(items)
            }
            b't' => self.literal("true", Value::Bool(true))?,
            b'f' => self.literal("false", Value::Bool(false))?,
            b'n' => self.literal("null", Value::Null)?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        };
        Some(value)
    }

    /// A string with no escape and no control character, borrowed; the reader is at its `"`.
    #[inline]
    fn string(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        if bytes.get(self.at) != Some(&b'"') {
            return None;
        }
        let start = self.at + 1;
        let mut end = start;
        loop {
            match *bytes.get(end)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => end += 1,
            }
        }
        self.at = end + 1;
        // Both ends are ASCII quotes, so on character boundaries.
        Some(&self.text[start..end])
    }

    fn literal(&mut self, word: &str, value: Value) -> Option<Js<'a>> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Some(Js::Owned(value))
        } else {
            None
        }
    }

    /// An integer of at most 18 digits, as serde_json reads it (`u64`, or `i64` when negative);
    /// any other number is read by serde_json from its own text (`-0` and fractions are `f64`s,
    /// longer integers may be either).
    fn number(&mut self) -> Option<Js<'a>> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let negative = bytes[start] == b'-';
        let mut end = start + usize::from(negative);
        let digits = end;
        while let Some(b'0'..=b'9') = bytes.get(end) {
            end += 1;
        }
        let plain = end > digits
            && end - digits <= 18
            && (bytes[digits] != b'0' || end - digits == 1)
            && !matches!(bytes.get(end), Some(b'.' | b'e' | b'E'));
        if !plain {
            while let Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') = bytes.get(end) {
                end += 1;
            }
            self.at = end;
            return self.number_text(start, end);
        }
        let magnitude = bytes[digits..end]
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        self.at = end;
        Some(Js::Owned(match (negative, magnitude) {
            (false, n) => Value::from(n),
            // `-0` is the float -0.0 in serde_json.
            (true, 0) => return self.number_text(start, end),
            (true, n) => Value::from(-(n as i64)),
        }))
    }

    /// The number written at `start..end`, as serde_json reads it alone.
    fn number_text(&self, start: usize, end: usize) -> Option<Js<'a>> {
        match serde_json::from_str::<Value>(&self.text[start..end]) {
            Ok(number @ Value::Number(_)) => Some(Js::Owned(number)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read tree as a `Value` (object members in their order), to compare.
    fn plain(js: &Js<'_>) -> Value {
        match js {
            Js::Owned(v) => v.clone(),
            Js::Array(items) => Value::Array(items.iter().map(plain).collect()),
            Js::Object(o) => Value::Object(
                o.entries()
                    .iter()
                    .map(|(k, v)| (k.to_string(), plain(v)))
                    .collect(),
            ),
            other => panic!("not read from text: {other:?}"),
        }
    }

    /// serde_json's reading alone.
    fn by_serde(text: &str) -> Result<Value, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_as_serde_json_reads() {
        let deep = format!("{}1{}", "[".repeat(127), "]".repeat(127));
        let deeper = format!("{}1{}", "[".repeat(129), "]".repeat(129));
        // Past the size at which an object's keys are checked for repeats by a set.
        let members: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        let wide = format!("{{{}}}", members.join(","));
        let wide_repeated = format!("{{{},\"k7\":\"again\"}}", members.join(","));
        let texts = [
            r#"{"a":1,"b":"x","c":[true,false,null],"d":{"e":-2,"f":1.5}}"#,
            " { \"a\" : [ ] , \"b\" : { } }\n",
            r#"{"a":1,"a":2,"b":3}"#,
            r#"{"s":"caf\u00e9","t":"a\"b","u":"é ☃ 😀"}"#,
            "0",
            "-0",
            "-1",
            "007",
            "1e5",
            "1E+2",
            "-1.25e-3",
            "123456789012345678",
            "1234567890123456789",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.",
            ".5",
            "-",
            "--1",
            "1-2",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\"}",
            "{a:1}",
            "[1 2]",
            "tru",
            "nul",
            "true false",
            "\"a\tb\"",
            "\"\\ud800\"",
            "",
            "   ",
            "[",
            "{",
            "\"abc",
            "[1]x",
            &deep,
            &deeper,
            &wide,
            &wide_repeated,
        ];
        // The plain ones are read by the fast reader, not left to serde_json.
        for text in &texts[..3] {
            assert!(Fast { text, at: 0 }.value(0).is_some(), "{text:?}");
        }
        for text in texts {
            let fast = parse(text).map(|js| plain(&js)).map_err(|e| e.to_string());
            assert_eq!(fast, by_serde(text), "{text:?}");
        }
    }
}
