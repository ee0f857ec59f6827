//! JSON text read straight into the resolver's own tree: objects as entry lists (no hashing, keys
//! borrowed from the text where they have no escapes), for callers that hold a payload as text
//! (the npm `transform`), where building a `serde_json::Value` cost more than resolving.

use super::value::{Js, JsObject};
use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// A payload read from JSON text (serde_json's parser: the same syntax, limits and depth).
pub(crate) fn parse(text: &str) -> Result<Js<'_>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Tree.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

struct Tree;

impl<'de> DeserializeSeed<'de> for Tree {
    type Value = Js<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Js<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// A key, borrowed where it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Visitor<'de> for Tree {
    type Value = Js<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_unit<E>(self) -> Result<Js<'de>, E> {
        Ok(Js::Owned(Value::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Js<'de>, E> {
        Ok(Js::Owned(Value::Bool(b)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Js<'de>, E> {
        Ok(Js::Owned(Value::from(n)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Js<'de>, E> {
        Ok(Js::Owned(Value::from(n)))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Js<'de>, E> {
        Ok(Js::Owned(Value::from(x)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Js<'de>, E> {
        Ok(Js::Owned(Value::String(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Js<'de>, E> {
        Ok(Js::Owned(Value::String(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Js<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Tree)? {
            items.push(item);
        }
        Ok(Js::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Js<'de>, A::Error> {
        // Room for a usual payload object's members, not grown from nothing.
        let mut entries = Vec::with_capacity(8);
        while let Some(Key(key)) = map.next_key()? {
            entries.push((key, map.next_value_seed(Tree)?));
        }
        // A repeated key keeps its first place and takes the last value, as JSON.parse does.
        Ok(Js::Object(JsObject::from_entries(entries)))
    }
}
