//! Reading an event for passthrough: the values the mapping only copies are kept as their JSON text, neither built into a tree nor written again.

use crate::json::{is_canonical, Json, JsonVisitor, Key, Obj, Raw};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::marker::PhantomData;

/// The `context` fields a mapping reads into properties: passthrough reads them as trees and
/// keeps every other `context` field as text. The mapping that reads events says which.
pub trait TreeContextFields {
    const FIELDS: &'static [&'static str];
}

/// An event read for mapping with flattening off: the values of `properties` and `traits`, and
/// the `context` fields that are not flattened, are [`Json::Raw`], so they are neither built
/// into a tree nor serialized again. Reading fails
/// (and the caller reads the event as a plain tree instead, which words any error as always)
/// unless every such value [`is_canonical`]: then the output is the same bytes either way, and
/// the shape check, which does not look inside a raw value, has nothing there to find.
pub(crate) struct PassthroughEvent<'a, C>(pub Json<'a>, pub PhantomData<C>);

impl<'de, C: TreeContextFields> Deserialize<'de> for PassthroughEvent<'de, C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EventVisitor<C>(PhantomData<C>);
        impl<'de, C: TreeContextFields> Visitor<'de> for EventVisitor<C> {
            type Value = PassthroughEvent<'de, C>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(16).min(64));
                while let Some(Key(key)) = map.next_key()? {
                    let value = if key == "properties" || key == "traits" {
                        map.next_value::<Attributes<C, false>>()?.0
                    } else if key == "context" {
                        map.next_value::<Attributes<C, true>>()?.0
                    } else {
                        map.next_value()?
                    };
                    entries.push((key, value));
                }
                Ok(PassthroughEvent(
                    Json::Object(Obj::from_parsed(entries)),
                    PhantomData,
                ))
            }
        }
        deserializer.deserialize_map(EventVisitor(PhantomData))
    }
}

/// `properties` or `traits`: an object's values as [`Json::Raw`]; anything else as a tree.
/// With `CONTEXT`, the event's `context`: the fields the mapping flattens into properties are
/// trees, the others (copied as they are, like `userAgent`, or dropped) raw.
struct Attributes<'a, C, const CONTEXT: bool>(Json<'a>, PhantomData<C>);

impl<'de, C: TreeContextFields, const CONTEXT: bool> Deserialize<'de>
    for Attributes<'de, C, CONTEXT>
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AttributesVisitor<C, const CONTEXT: bool>(PhantomData<C>);
        impl<'de, C: TreeContextFields, const CONTEXT: bool> Visitor<'de>
            for AttributesVisitor<C, CONTEXT>
        {
            type Value = Json<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any valid JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
                while let Some(Key(key)) = map.next_key()? {
                    if CONTEXT && C::FIELDS.contains(&&*key) {
                        entries.push((key, map.next_value()?));
                        continue;
                    }
                    let raw: &'de RawValue = map.next_value()?;
                    if !is_canonical(raw.get(), RAW_MAX_NESTING) {
                        return Err(serde::de::Error::custom("not passed through"));
                    }
                    entries.push((key, Json::Raw(Raw(raw))));
                }
                Ok(Json::Object(Obj::from_parsed(entries)))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
                JsonVisitor.visit_bool(v)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                JsonVisitor.visit_i64(v)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                JsonVisitor.visit_u64(v)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                JsonVisitor.visit_f64(v)
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                JsonVisitor.visit_borrowed_str(v)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                JsonVisitor.visit_str(v)
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                JsonVisitor.visit_string(v)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                JsonVisitor.visit_unit()
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                JsonVisitor.visit_none()
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                JsonVisitor.visit_some(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                JsonVisitor.visit_seq(seq)
            }
        }
        deserializer
            .deserialize_any(AttributesVisitor::<C, CONTEXT>(PhantomData))
            .map(|json| Attributes(json, PhantomData))
    }
}

/// Containers a raw value may nest. serde_json does not count depth inside a raw value, so
/// this is checked here, well below the event's limit of [`super::MAX_DEPTH`] (a
/// deeper value is read as a tree, which applies the limit exactly).
const RAW_MAX_NESTING: usize = 100;
