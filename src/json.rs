//! The mapping's working form of JSON: a tree that borrows its strings from the text it was read
//! from and keeps objects as ordered entry lists, so mapping an event copies and hashes little.
//!
//! It behaves as `serde_json::Value` with `preserve_order` does wherever the output can tell:
//! numbers are `serde_json::Number`, a repeated key keeps its first position and its last value,
//! and serialization writes the same bytes.
//!
//! [`Json::Raw`] is a value kept as the text it was read from, for the parts the mapping only
//! copies (`properties` and `traits` when flattening is off): see `ingest::passthrough`.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// A JSON value whose strings point into the source text where they have no escapes.
#[derive(Clone, Debug, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Obj<'a>),
    /// A value written exactly as serializing its tree would write it (see [`is_canonical`]),
    /// kept as that text and copied out as it is.
    Raw(Raw<'a>),
}

/// Text of one JSON value that [`is_canonical`] accepted.
#[derive(Clone, Copy, Debug)]
pub struct Raw<'a>(pub(crate) &'a RawValue);

impl PartialEq for Raw<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

/// Objects larger than this get a key index; below it a linear scan is faster than hashing
/// (an event's properties with the full `context` flattened in are ~40 keys).
const INDEX_FROM: usize = 64;

/// A JSON object: entries in insertion order, keys unique.
#[derive(Clone, Debug, Default)]
pub struct Obj<'a> {
    entries: Vec<(Cow<'a, str>, Json<'a>)>,
    /// Key → position, kept only for large objects. Boxed: every object entry holds a `Json`,
    /// and an unboxed map made each entry 96 bytes instead of 64.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<Box<str>, usize>>>,
}

impl PartialEq for Obj<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl<'a> Obj<'a> {
    pub fn new() -> Self {
        Obj::default()
    }

    pub fn with_capacity(capacity: usize) -> Self {
        Obj {
            entries: Vec::with_capacity(capacity),
            index: None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|(k, _)| k == key),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json<'a>> {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Takes a field's value out, leaving `null` in its place (absent and `null` read the same
    /// everywhere the mapping looks, and positions stay put).
    pub fn take(&mut self, key: &str) -> Option<Json<'a>> {
        self.position(key)
            .map(|i| std::mem::replace(&mut self.entries[i].1, Json::Null))
    }

    /// Sets `key`: a key already there keeps its position and gets the new value.
    pub fn insert(&mut self, key: Cow<'a, str>, value: Json<'a>) {
        match self.position(&key) {
            Some(i) => self.entries[i].1 = value,
            None => self.push_new(key, value),
        }
    }

    /// Appends a key the caller has just found absent.
    pub(crate) fn push_absent(&mut self, key: Cow<'a, str>, value: Json<'a>) {
        debug_assert!(!self.contains_key(&key));
        self.push_new(key, value);
    }

    fn push_new(&mut self, key: Cow<'a, str>, value: Json<'a>) {
        if let Some(index) = &mut self.index {
            index.insert(Box::from(&*key), self.entries.len());
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > INDEX_FROM {
            self.index = Some(Box::new(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (Box::from(&**k), i))
                    .collect(),
            ));
        }
    }

    /// Every entry of `other`, as `insert` would add them.
    pub fn extend(&mut self, other: Obj<'a>) {
        if self.is_empty() {
            *self = other;
            return;
        }
        for (key, value) in other {
            self.insert(key, value);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Cow<'a, str>, &Json<'a>)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &Json<'a>> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Entries read in order from text, with `insert`'s rule for a repeated key.
    pub(crate) fn from_parsed(entries: Vec<(Cow<'a, str>, Json<'a>)>) -> Self {
        let repeated = if entries.len() <= 32 {
            entries
                .iter()
                .enumerate()
                .any(|(i, (k, _))| entries[..i].iter().any(|(earlier, _)| earlier == k))
        } else {
            let mut seen = HashSet::with_capacity(entries.len());
            !entries.iter().all(|(k, _)| seen.insert(&**k))
        };
        if !repeated && entries.len() <= INDEX_FROM {
            return Obj {
                entries,
                index: None,
            };
        }
        let mut obj = Obj::with_capacity(entries.len());
        for (key, value) in entries {
            obj.insert(key, value);
        }
        obj
    }
}

impl<'a> IntoIterator for Obj<'a> {
    type Item = (Cow<'a, str>, Json<'a>);
    type IntoIter = std::vec::IntoIter<(Cow<'a, str>, Json<'a>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl Json<'_> {
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The JSON type name, for messages ("got number").
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
            Json::Raw(raw) => match raw.0.get().as_bytes()[0] {
                b'{' => "object",
                b'[' => "array",
                b'"' => "string",
                b't' | b'f' => "boolean",
                b'n' => "null",
                _ => "number",
            },
        }
    }

    /// An owned copy as a `serde_json::Value`.
    pub fn into_value(self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => Value::Number(n),
            Json::String(s) => Value::String(s.into_owned()),
            Json::Array(items) => Value::Array(items.into_iter().map(Json::into_value).collect()),
            Json::Object(obj) => Value::Object(obj.into_map()),
            Json::Raw(raw) => serde_json::from_str(raw.0.get()).expect("raw text is valid JSON"),
        }
    }
}

impl Obj<'_> {
    /// An owned copy as a `serde_json::Map`.
    pub fn into_map(self) -> Map<String, Value> {
        let mut map = Map::with_capacity(self.len());
        for (k, v) in self {
            map.insert(k.into_owned(), v.into_value());
        }
        map
    }
}

impl Json<'_> {
    /// Takes a `serde_json::Value` over without copying its strings.
    pub fn from_value(value: Value) -> Self {
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Number(n) => Json::Number(n),
            Value::String(s) => Json::String(Cow::Owned(s)),
            Value::Array(items) => Json::Array(items.into_iter().map(Json::from_value).collect()),
            Value::Object(map) => Json::Object(Obj::from_map(map)),
        }
    }
}

impl Obj<'_> {
    pub fn from_map(map: Map<String, Value>) -> Self {
        Obj::from_parsed(
            map.into_iter()
                .map(|(k, v)| (Cow::Owned(k), Json::from_value(v)))
                .collect(),
        )
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => serializer.collect_seq(items),
            Json::Object(obj) => obj.serialize(serializer),
            Json::Raw(raw) => raw.0.serialize(serializer),
        }
    }
}

impl Serialize for Obj<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(&**k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

impl<'de> Deserialize<'de> for Obj<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Json::deserialize(deserializer)? {
            Json::Object(obj) => Ok(obj),
            other => Err(serde::de::Error::custom(format_args!(
                "expected an object, got {}",
                other.kind()
            ))),
        }
    }
}

pub(crate) struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(v)))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Json::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(4).min(64));
        while let Some(Key(key)) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Json::Object(Obj::from_parsed(entries)))
    }
}

/// An object key, borrowed from the text when it has no escapes.
pub(crate) struct Key<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Writes `json` as canonical text: object keys in byte order at every depth, no whitespace,
/// strings and numbers as serde_json writes them. Two readings of one JSON value write the same
/// bytes whatever their key order, whitespace or escapes (values kept as text are read again).
/// `skip` names top-level keys left out. For a stable digest of an event, not for output.
pub(crate) fn write_canonical(json: &Json, skip: &[&str], out: &mut Vec<u8>) {
    match json {
        Json::Null => out.extend_from_slice(b"null"),
        Json::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Json::Number(n) => write_scalar(n, out),
        Json::String(s) => write_scalar(&**s, out),
        Json::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, &[], out);
            }
            out.push(b']');
        }
        Json::Object(obj) => {
            let mut entries: Vec<_> = obj.iter().filter(|(k, _)| !skip.contains(&&***k)).collect();
            sort_by_key_text(&mut entries);
            out.push(b'{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(&**key, out);
                out.push(b':');
                write_canonical(value, &[], out);
            }
            out.push(b'}');
        }
        Json::Raw(raw) => match serde_json::from_str::<Value>(raw.0.get()) {
            Ok(value) => write_canonical(&Json::from_value(value), &[], out),
            // Raw text was read as valid JSON; keep the digest defined all the same.
            Err(_) => out.extend_from_slice(raw.0.get().as_bytes()),
        },
    }
}

/// `entries` in byte order of their keys, which are unique in an object, so any sort gives the
/// one order. A heapsort: `sort_unstable_by` here was 10 KB of the Worker's wasm at the core's
/// opt-level, for a sort that runs only for the digest of an event without a `messageId`.
fn sort_by_key_text(entries: &mut [(&Cow<str>, &Json)]) {
    fn sift_down(entries: &mut [(&Cow<str>, &Json)], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && entries[child].0 < entries[child + 1].0 {
                child += 1;
            }
            if entries[root].0 >= entries[child].0 {
                return;
            }
            entries.swap(root, child);
            root = child;
        }
    }
    let len = entries.len();
    for root in (0..len / 2).rev() {
        sift_down(entries, root, len);
    }
    for end in (1..len).rev() {
        entries.swap(0, end);
        sift_down(entries, 0, end);
    }
}

fn write_scalar<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    serde_json::to_writer(&mut *out, value).expect("a scalar serializes");
}

/// Whether `text`, one JSON value serde_json has already read as valid, is exactly what
/// serializing its tree would write, and holds nothing the shape check refuses: no whitespace,
/// only the escapes serde_json writes (`\"` `\\` `\n` `\r` `\t` `\b` `\f`; no `\u`, no `\/`),
/// numbers spelled as serde_json spells them, no key twice in one object, no `__proto__` key,
/// at most `max_nesting` nested containers. Conservative: `false` only costs a tree.
pub(crate) fn is_canonical(text: &str, max_nesting: usize) -> bool {
    thread_local! {
        /// The scan's two stacks, kept between calls: it runs on every `properties`, `traits`
        /// and `context` value, and allocating them each time was two mallocs per event.
        static STACKS: RefCell<CanonicalStacks> = RefCell::default();
    }
    STACKS.with(|stacks| match stacks.try_borrow_mut() {
        Ok(mut stacks) => {
            stacks.frames.clear();
            stacks.keys.clear();
            scan_canonical(text, max_nesting, &mut stacks)
        }
        Err(_) => scan_canonical(text, max_nesting, &mut CanonicalStacks::default()),
    })
}

#[derive(Default)]
struct CanonicalStacks {
    /// Per open container: is it an object, and where its keys start in `keys`.
    frames: Vec<(bool, usize)>,
    /// The keys of the open objects, as byte ranges of the text.
    keys: Vec<(usize, usize)>,
}

fn scan_canonical(text: &str, max_nesting: usize, stacks: &mut CanonicalStacks) -> bool {
    let b = text.as_bytes();
    let CanonicalStacks { frames, keys } = stacks;
    let mut expect_key = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            open @ (b'{' | b'[') => {
                if frames.len() >= max_nesting {
                    return false;
                }
                frames.push((open == b'{', keys.len()));
                expect_key = open == b'{';
                i += 1;
            }
            b'}' | b']' => {
                let Some((_, start)) = frames.pop() else {
                    return false;
                };
                if has_repeat(b, &keys[start..]) {
                    return false;
                }
                keys.truncate(start);
                expect_key = false;
                i += 1;
            }
            b',' => {
                expect_key = matches!(frames.last(), Some((true, _)));
                i += 1;
            }
            b':' => {
                expect_key = false;
                i += 1;
            }
            b'"' => {
                let Some(end) = canonical_string_end(b, i + 1) else {
                    return false;
                };
                if expect_key {
                    if &b[i + 1..end] == b"__proto__" {
                        return false;
                    }
                    keys.push((i + 1, end));
                }
                i = end + 1;
            }
            b'-' | b'0'..=b'9' => {
                let end = b[i..]
                    .iter()
                    .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .map_or(b.len(), |n| i + n);
                if !canonical_number(&text[i..end]) {
                    return false;
                }
                i = end;
            }
            b't' | b'n' => i += 4,
            b'f' => i += 5,
            _ => return false, // whitespace
        }
    }
    frames.is_empty()
}

/// The index of the closing quote of a string whose content starts at `i`, if every escape in
/// it is one serde_json writes.
fn canonical_string_end(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    loop {
        // Eight bytes at a time past plain text (as serde_json skips to an escape): a byte is
        // flagged if it is `"`, `\\` or a control character; the first flag is exact.
        while let Some(chunk) = b.get(i..i + 8) {
            let chars = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            let ctrl = chars.wrapping_sub(ONES * 0x20) & !chars;
            let quote = chars ^ (ONES * u64::from(b'"'));
            let quote = quote.wrapping_sub(ONES) & !quote;
            let backslash = chars ^ (ONES * u64::from(b'\\'));
            let backslash = backslash.wrapping_sub(ONES) & !backslash;
            let flagged = (ctrl | quote | backslash) & HIGH;
            if flagged != 0 {
                i += flagged.trailing_zeros() as usize / 8;
                break;
            }
            i += 8;
        }
        match *b.get(i)? {
            b'"' => return Some(i),
            b'\\' => match b.get(i + 1) {
                Some(b'"' | b'\\' | b'n' | b'r' | b't' | b'b' | b'f') => i += 2,
                _ => return None,
            },
            0..=0x1f => return None,
            _ => i += 1,
        }
    }
}

/// Whether serde_json writes this number (as read) back with the same spelling.
fn canonical_number(n: &str) -> bool {
    // The common case: an integer well inside i64, and not `-0`.
    if n.len() <= 18 && n != "-0" && n.bytes().all(|c| c.is_ascii_digit() || c == b'-') {
        return true;
    }
    let Ok(number) = serde_json::from_str::<Number>(n) else {
        return false;
    };
    let mut buf = [0u8; 40];
    let mut out = &mut buf[..];
    if serde_json::to_writer(&mut out, &number).is_err() {
        return false;
    }
    let written = 40 - out.len();
    &buf[..written] == n.as_bytes()
}

/// Whether a key appears twice among one object's keys.
fn has_repeat(b: &[u8], keys: &[(usize, usize)]) -> bool {
    let key = |&(start, end): &(usize, usize)| &b[start..end];
    if keys.len() <= 16 {
        return keys.iter().enumerate().any(|(i, &(start, end))| {
            keys[..i]
                .iter()
                .any(|&(s, e)| e - s == end - start && b[s..e] == b[start..end])
        });
    }
    let mut seen = HashSet::with_capacity(keys.len());
    !keys.iter().all(|k| seen.insert(key(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) -> (String, String) {
        let json: Json = serde_json::from_str(text).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        (
            serde_json::to_string(&json).unwrap(),
            serde_json::to_string(&value).unwrap(),
        )
    }

    #[test]
    fn serializes_as_serde_json_value_does() {
        for text in [
            r#"{"a":1,"b":[1.0,-2,1e3,18446744073709551615,-9223372036854775808,0.1],"c":{"d":null,"e":true}}"#,
            r#"{"k":1,"k":2,"j":3}"#,
            r#"{"a\u0041":"\u00e9\n\"","a\/b":"x\/y"}"#,
            r#"[{"a":1,"b":2,"a":3}, "x", 1.5e-7]"#,
        ] {
            let (ours, serde) = roundtrip(text);
            assert_eq!(ours, serde, "{text}");
        }
        let many: String = format!(
            "{{{}}}",
            (0..100)
                .map(|i| format!("\"k{}\":{i}", i % 70))
                .collect::<Vec<_>>()
                .join(",")
        );
        let (ours, serde) = roundtrip(&many);
        assert_eq!(ours, serde);
    }

    #[test]
    fn canonical_keys_sort_as_std_sorts_them() {
        // Lengths 0 to 40, keys in scrambled orders, multibyte and prefix keys among them.
        for len in 0..=40usize {
            let names: Vec<String> = (0..len)
                .map(|i| match (i * 7 + 3) % 5 {
                    0 => format!("é{i}"),
                    1 => format!("k{}", i * 37 % 41),
                    2 => "k".repeat(i % 4 + 1) + &i.to_string(),
                    _ => format!("{}", (i * 13) % 97),
                })
                .collect();
            let mut seen = std::collections::HashSet::new();
            let keys: Vec<Cow<str>> = names
                .into_iter()
                .filter(|n| seen.insert(n.clone()))
                .map(Cow::Owned)
                .collect();
            let values: Vec<Json> = (0..keys.len()).map(|_| Json::Null).collect();
            let mut ours: Vec<(&Cow<str>, &Json)> = keys.iter().zip(values.iter()).collect();
            let mut std = ours.clone();
            sort_by_key_text(&mut ours);
            std.sort_unstable_by(|a, b| a.0.cmp(b.0));
            let names =
                |v: &[(&Cow<str>, &Json)]| v.iter().map(|e| e.0.to_string()).collect::<Vec<_>>();
            assert_eq!(names(&ours), names(&std), "{len} keys");
        }
    }

    #[test]
    fn canonical_text_ignores_spelling_order_and_skipped_keys() {
        let canonical = |text: &str, skip: &[&str]| {
            let json: Json = serde_json::from_str(text).unwrap();
            let mut out = Vec::new();
            write_canonical(&json, skip, &mut out);
            String::from_utf8(out).unwrap()
        };
        let a = canonical(
            r#"{"b":[1.50,{"y":"\u00e9","x":null}],"a":true,"sentAt":"t1","k":1,"k":2}"#,
            &["sentAt"],
        );
        let b = canonical(
            r#" { "k" : 2, "a":true, "b":[1.5, {"x":null,"y":"é"}], "sentAt":"t2" } "#,
            &["sentAt"],
        );
        assert_eq!(a, r#"{"a":true,"b":[1.5,{"x":null,"y":"é"}],"k":2}"#);
        assert_eq!(a, b);
        // A value kept as text is read again, so its keys are sorted too.
        let raw: &RawValue = serde_json::from_str(r#"{"z":1,"a":[{"d":1,"c":2}]}"#).unwrap();
        let mut out = Vec::new();
        write_canonical(&Json::Raw(Raw(raw)), &[], &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":[{"c":2,"d":1}],"z":1}"#
        );
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let json: Json = serde_json::from_str(r#"{"plain":"text","esc\u0041":"a\nb"}"#).unwrap();
        let Json::Object(obj) = json else { panic!() };
        let entries: Vec<_> = obj.into_iter().collect();
        assert!(matches!(entries[0].0, Cow::Borrowed(_)));
        assert!(matches!(entries[0].1, Json::String(Cow::Borrowed(_))));
        assert!(matches!(entries[1].0, Cow::Owned(_)));
    }

    #[test]
    fn insert_keeps_position_of_a_repeated_key() {
        let mut obj = Obj::new();
        for i in 0..160 {
            obj.insert(Cow::Owned(format!("k{}", i % 80)), Json::Number(i.into()));
        }
        assert_eq!(obj.len(), 80);
        assert_eq!(obj.get("k0"), Some(&Json::Number(80.into())));
        assert!(obj.contains_key("k79") && !obj.contains_key("k80"));
        assert_eq!(obj.take("k5"), Some(Json::Number(85.into())));
        assert_eq!(obj.get("k5"), Some(&Json::Null));
    }
}
