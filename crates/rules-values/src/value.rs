//! Values as mapping-kit builds them while resolving: JSON that may hold JavaScript's
//! `undefined`, sharing the payload's and the mapping's subtrees instead of copying them, and a
//! work budget every copy and every produced byte is paid from.

use crate::js::{self, JsKind};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;

// The work budget and the copying of JSON values are built for size with JavaScript's semantics
// (crates/rules-js): off a transform's hot path, and the npm wasm has no room for them at "s".
pub use segment_bloomreach_rules_js::work::{
    copy_value, ResolveError, ResolveErrorKind, Resolved, Work, MAX_VALUE_DEPTH, WORK_LIMIT,
};

/// A value being resolved.
#[derive(Debug)]
pub enum Js<'a> {
    /// JavaScript's `undefined`: dropped from objects, `null` in arrays, in the output.
    Undefined,
    /// A subtree of the payload or of the mapping, shared.
    Ref(&'a Value),
    /// A value built while resolving that cannot hold `undefined`.
    Owned(Value),
    /// Built containers, whose members may be `undefined`.
    Array(Vec<Js<'a>>),
    Object(JsObject<'a>),
    /// A built tree that outlives the resolution (a payload read from text), shared.
    Shared(&'a Js<'a>),
}

/// A built object: entries in insertion order, keys unique. An entry assigned again keeps its
/// place and takes the new value, as a JavaScript object does.
#[derive(Debug, Default)]
pub struct JsObject<'a> {
    entries: Vec<(Cow<'a, str>, Js<'a>)>,
    /// Key → position, built once the object is large enough for a scan to cost more. Boxed:
    /// every entry of every built object holds a `Js`, and an unboxed map made each one larger.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<Box<str>, usize>>>,
}

const INDEX_FROM: usize = 32;

impl<'a> JsObject<'a> {
    pub fn with_capacity(n: usize) -> JsObject<'a> {
        JsObject {
            entries: Vec::with_capacity(n),
            index: None,
        }
    }

    #[inline]
    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            // A loop, not `Iterator::position`: at the rules' opt-level `"z"` the adapter and
            // its closure stayed calls per entry.
            None => {
                for (i, (k, _)) in self.entries.iter().enumerate() {
                    if k.len() == key.len() && k.as_ref() == key {
                        return Some(i);
                    }
                }
                None
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Js<'a>> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// Entries read in order (from JSON text), with [`JsObject::set`]'s rule for a repeated key.
    pub fn from_entries(entries: Vec<(Cow<'a, str>, Js<'a>)>) -> JsObject<'a> {
        // A few members (most objects) are checked for a repeat pairwise and kept as they are;
        // more are set one by one through the index, which finds a repeat at once (pairwise, an
        // event's object of thousands of members would take quadratic time).
        if entries.len() < INDEX_FROM
            && !entries
                .iter()
                .enumerate()
                .any(|(i, (k, _))| entries[..i].iter().any(|(earlier, _)| earlier == k))
        {
            return JsObject {
                entries,
                index: None,
            };
        }
        let mut object = JsObject::with_capacity(entries.len());
        for (key, value) in entries {
            object.set(key, value);
        }
        object
    }

    /// Appends without checking for the key: for keys known to be new.
    #[inline]
    pub fn push_new(&mut self, key: Cow<'a, str>, value: Js<'a>) {
        if let Some(index) = &mut self.index {
            index.insert(key.as_ref().into(), self.entries.len());
        }
        self.entries.push((key, value));
        self.index_if_large();
    }

    /// `object[key] = value`.
    pub fn set(&mut self, key: Cow<'a, str>, value: Js<'a>) {
        match self.position(&key) {
            Some(i) => self.entries[i].1 = value,
            None => self.push_new(key, value),
        }
    }

    fn index_if_large(&mut self) {
        if self.index.is_none() && self.entries.len() >= INDEX_FROM {
            self.index = Some(Box::new(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.as_ref().into(), i))
                    .collect(),
            ));
        }
    }

    pub fn entries(&self) -> &[(Cow<'a, str>, Js<'a>)] {
        &self.entries
    }

    pub fn into_entries(self) -> Vec<(Cow<'a, str>, Js<'a>)> {
        self.entries
    }
}

impl<'a> Js<'a> {
    pub fn string(s: String) -> Js<'a> {
        Js::Owned(Value::String(s))
    }

    pub fn place(&self) -> Place<'_, 'a> {
        Place::of(self)
    }

    /// A copy, paid for by the node.
    pub fn duplicate(&self, work: &mut Work) -> Resolved<Js<'a>> {
        self.duplicate_at(work, 0)
    }

    fn duplicate_at(&self, work: &mut Work, depth: usize) -> Resolved<Js<'a>> {
        Work::check_depth(depth)?;
        Ok(match self {
            Js::Undefined => Js::Undefined,
            Js::Ref(v) => Js::Ref(v),
            Js::Shared(js) => Js::Shared(js),
            Js::Owned(v) => Js::Owned(copy_value(v, work, depth, false)?),
            Js::Array(items) => {
                work.spend(1)?;
                Js::Array(
                    items
                        .iter()
                        .map(|item| item.duplicate_at(work, depth + 1))
                        .collect::<Resolved<_>>()?,
                )
            }
            Js::Object(object) => {
                work.spend(1)?;
                let mut copy = JsObject::with_capacity(object.entries.len());
                for (k, v) in &object.entries {
                    copy.push_new(k.clone(), v.duplicate_at(work, depth + 1)?);
                }
                Js::Object(copy)
            }
        })
    }
}

/// Where a resolution reads from: a position in a payload or in a value built on the way.
#[derive(Clone, Copy, Debug)]
pub enum Place<'t, 'a> {
    Undefined,
    /// In the payload or the mapping: copied out by reference.
    Borrowed(&'a Value),
    /// In a value built while resolving (`@json` output, a computed `length`…).
    Local(&'t Value),
    /// A built array or object (never `Js::Ref`, `Js::Owned`, `Js::Shared` or `Js::Undefined`).
    Built(&'t Js<'a>),
    /// A built array or object of a tree shared for the whole resolution: copied out by
    /// reference, as `Borrowed` is.
    Shared(&'a Js<'a>),
}

/// `container[key]` for a built array or object whose members are places by `wrap` (shared or
/// not).
fn container_step<'r, 't, 'a>(
    container: &'r Js<'a>,
    key: &str,
    wrap: fn(&'r Js<'a>) -> Place<'t, 'a>,
) -> Got<'t, 'a> {
    match container {
        Js::Array(items) if key == "length" => Got::Computed(Value::from(items.len())),
        Js::Array(items) => Got::At(
            js::array_index(key)
                .and_then(|i| items.get(i))
                .map_or(Place::Undefined, wrap),
        ),
        Js::Object(object) => Got::At(object.get(key).map_or(Place::Undefined, wrap)),
        _ => Got::At(Place::Undefined),
    }
}

/// A built object's entries, their values made places by `wrap`.
fn object_entries<'r, 't, 'a>(
    object: &'r JsObject<'a>,
    wrap: fn(&'r Js<'a>) -> Place<'t, 'a>,
) -> Vec<(&'r str, Place<'t, 'a>)> {
    object
        .entries()
        .iter()
        .map(|(k, v)| (k.as_ref(), wrap(v)))
        .collect()
}

/// A value found by a path: a place, or something JavaScript computes (`length`, a code unit).
#[derive(Debug)]
pub enum Got<'t, 'a> {
    At(Place<'t, 'a>),
    Computed(Value),
}

impl<'t, 'a> Got<'t, 'a> {
    pub fn into_js(self, work: &mut Work) -> Resolved<Js<'a>> {
        match self {
            Got::At(place) => place.to_js(work),
            Got::Computed(v) => Ok(Js::Owned(v)),
        }
    }
}

impl<'t, 'a> Place<'t, 'a> {
    pub fn of(js: &'t Js<'a>) -> Place<'t, 'a> {
        match js {
            Js::Undefined => Place::Undefined,
            Js::Ref(v) => Place::Borrowed(v),
            Js::Owned(v) => Place::Local(v),
            Js::Shared(inner) => Place::shared(inner),
            Js::Array(_) | Js::Object(_) => Place::Built(js),
        }
    }

    /// A place in a tree that lives as long as the resolution's output.
    pub fn shared(js: &'a Js<'a>) -> Place<'t, 'a> {
        match js {
            Js::Undefined => Place::Undefined,
            Js::Ref(v) => Place::Borrowed(v),
            Js::Owned(v) => Place::Borrowed(v),
            Js::Shared(inner) => Place::shared(inner),
            Js::Array(_) | Js::Object(_) => Place::Shared(js),
        }
    }

    /// The JSON value here, unless it is undefined or built.
    pub fn value(self) -> Option<&'t Value> {
        match self {
            Place::Borrowed(v) => Some(v),
            Place::Local(v) => Some(v),
            Place::Undefined | Place::Built(_) | Place::Shared(_) => None,
        }
    }

    pub fn kind(self) -> JsKind {
        match self {
            Place::Undefined => JsKind::Undefined,
            Place::Borrowed(v) | Place::Local(v) => js::kind_of(v),
            Place::Built(Js::Array(_)) | Place::Shared(Js::Array(_)) => JsKind::Array,
            Place::Built(_) | Place::Shared(_) => JsKind::Object,
        }
    }

    pub fn is_nullish(self) -> bool {
        matches!(self.kind(), JsKind::Undefined | JsKind::Null)
    }

    pub fn is_truthy(self) -> bool {
        match self {
            Place::Undefined => false,
            Place::Borrowed(v) | Place::Local(v) => js::is_truthy(v),
            Place::Built(_) | Place::Shared(_) => true,
        }
    }

    pub fn as_str(self) -> Option<&'t str> {
        self.value().and_then(Value::as_str)
    }

    /// The value here as a resolution result: shared when it is the payload's or the mapping's,
    /// else copied.
    pub fn to_js(self, work: &mut Work) -> Resolved<Js<'a>> {
        match self {
            Place::Undefined => Ok(Js::Undefined),
            Place::Borrowed(v) => Ok(Js::Ref(v)),
            Place::Local(v) => Ok(Js::Owned(copy_value(v, work, 0, false)?)),
            Place::Built(js) => js.duplicate(work),
            Place::Shared(js) => Ok(Js::Shared(js)),
        }
    }

    /// An array's elements (`None` when this is not an array).
    pub fn items(self) -> Option<Vec<Place<'t, 'a>>> {
        match self {
            Place::Borrowed(Value::Array(items)) => {
                Some(items.iter().map(Place::Borrowed).collect())
            }
            Place::Local(Value::Array(items)) => Some(items.iter().map(Place::Local).collect()),
            Place::Built(Js::Array(items)) => Some(items.iter().map(Place::of).collect()),
            Place::Shared(Js::Array(items)) => Some(items.iter().map(Place::shared).collect()),
            _ => None,
        }
    }

    /// An object's entries in insertion order (`None` when this is not an object).
    pub fn entries(self) -> Option<Vec<(&'t str, Place<'t, 'a>)>> {
        match self {
            Place::Borrowed(Value::Object(map)) => Some(
                map.iter()
                    .map(|(k, v)| (k.as_str(), Place::Borrowed(v)))
                    .collect(),
            ),
            Place::Local(Value::Object(map)) => Some(
                map.iter()
                    .map(|(k, v)| (k.as_str(), Place::Local(v)))
                    .collect(),
            ),
            Place::Built(Js::Object(object)) => Some(object_entries(object, Place::of)),
            Place::Shared(Js::Object(object)) => Some(object_entries(object, Place::shared)),
            _ => None,
        }
    }

    /// `this && this[key]` (see [`js::step`]).
    pub fn step(self, key: &str) -> Got<'t, 'a> {
        match self {
            Place::Undefined => Got::At(Place::Undefined),
            Place::Borrowed(v) => match js::step(v, key) {
                js::Step::At(v) => Got::At(Place::Borrowed(v)),
                js::Step::Computed(v) => Got::Computed(v),
                js::Step::Undefined => Got::At(Place::Undefined),
            },
            Place::Local(v) => match js::step(v, key) {
                js::Step::At(v) => Got::At(Place::Local(v)),
                js::Step::Computed(v) => Got::Computed(v),
                js::Step::Undefined => Got::At(Place::Undefined),
            },
            Place::Built(js) => container_step(js, key, Place::of),
            Place::Shared(js) => container_step(js, key, Place::shared),
        }
    }

    /// `path.reduce((acc, key) => acc && acc[key], this)`.
    pub fn get(self, path: &[String]) -> Got<'t, 'a> {
        let mut at = Got::At(self);
        for key in path {
            at = match at {
                Got::At(place) => place.step(key),
                Got::Computed(value) => match js::step(&value, key) {
                    // A computed value is a number or a string: a step either keeps it (falsy),
                    // computes another, or finds nothing.
                    js::Step::At(_) => Got::Computed(value),
                    js::Step::Computed(next) => Got::Computed(next),
                    js::Step::Undefined => Got::At(Place::Undefined),
                },
            };
        }
        at
    }
}
