//! The work budget every resolution is paid from, the error it fails with, and JSON values copied against it.

use serde_json::{Map, Value};
use std::fmt;

/// The most work one resolution may do: a unit is one value node visited or copied, or 16 bytes
/// of text produced, so this also bounds what a resolution can allocate (tens of MB at worst).
/// A real mapping needs thousands; one that needs more than this on an event fails on it.
pub const WORK_LIMIT: u64 = 1 << 19;

/// Values nested deeper than this are refused rather than walked (payload events are at most
/// 128 levels deep, mappings at most 64).
pub const MAX_VALUE_DEPTH: usize = 400;

/// Why a mapping could not be resolved on a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveError {
    pub kind: ResolveErrorKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResolveErrorKind {
    /// Where Segment's `transform` throws.
    Thrown,
    /// Over this implementation's work or depth limits.
    Limit,
}

impl ResolveError {
    pub fn thrown(message: impl Into<String>) -> ResolveError {
        ResolveError {
            kind: ResolveErrorKind::Thrown,
            message: message.into(),
        }
    }

    pub fn limit(message: impl Into<String>) -> ResolveError {
        ResolveError {
            kind: ResolveErrorKind::Limit,
            message: message.into(),
        }
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ResolveError {}

pub type Resolved<T> = Result<T, ResolveError>;

/// What is left of a resolution's [`WORK_LIMIT`].
pub struct Work {
    left: u64,
}

impl Work {
    pub fn new(limit: u64) -> Work {
        Work { left: limit }
    }

    // The checks are inlined and their failures kept out of line: they run for every node
    // resolved and every value copied or written, and fail about never.
    #[inline]
    pub fn spend(&mut self, units: u64) -> Resolved<()> {
        if units > self.left {
            return Err(self.exhausted());
        }
        self.left -= units;
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn exhausted(&mut self) -> ResolveError {
        self.left = 0;
        ResolveError::limit(
            "the mapping needs more work on this event than a mapping may do (it copies or produces too much)",
        )
    }

    /// Pays for `bytes` of text produced or copied.
    #[inline]
    pub fn spend_text(&mut self, bytes: usize) -> Resolved<()> {
        self.spend(1 + (bytes / 16) as u64)
    }

    #[inline]
    pub fn check_depth(depth: usize) -> Resolved<()> {
        if depth > MAX_VALUE_DEPTH {
            Err(too_deep())
        } else {
            Ok(())
        }
    }
}

#[cold]
#[inline(never)]
fn too_deep() -> ResolveError {
    ResolveError::limit(format!(
        "a value is nested deeper than {MAX_VALUE_DEPTH} levels"
    ))
}

/// A copy of a JSON value, paid for node by node. `drop_proto` leaves out `__proto__` keys, as
/// `Object.assign` in the reference's `removeUndefined` does (it sets the prototype instead).
pub fn copy_value(
    value: &Value,
    work: &mut Work,
    depth: usize,
    drop_proto: bool,
) -> Resolved<Value> {
    Work::check_depth(depth)?;
    Ok(match value {
        Value::String(s) => {
            work.spend_text(s.len())?;
            Value::String(s.clone())
        }
        Value::Array(items) => {
            work.spend(1)?;
            Value::Array(
                items
                    .iter()
                    .map(|item| copy_value(item, work, depth + 1, drop_proto))
                    .collect::<Resolved<_>>()?,
            )
        }
        Value::Object(map) => {
            work.spend(1)?;
            let mut copy = Map::with_capacity(map.len());
            for (k, v) in map {
                if drop_proto && k == "__proto__" {
                    continue;
                }
                copy.insert(k.clone(), copy_value(v, work, depth + 1, drop_proto)?);
            }
            Value::Object(copy)
        }
        other => {
            work.spend(1)?;
            other.clone()
        }
    })
}
