//! Segment's own limits on a body and on each event in it.

use crate::error::MapError;

/// The deepest nesting an event may have, the event object itself counting as level 1
/// (the same limit serde_json applies when parsing text).
pub const MAX_DEPTH: usize = 128;

/// Segment's limits, which reading a body enforces the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IngestLimits {
    /// Bytes of JSON per event (Segment: 32 KB).
    pub max_event_bytes: usize,
    /// Events per body (Segment: 2,500 per batch).
    pub max_events: usize,
}

impl Default for IngestLimits {
    fn default() -> Self {
        IngestLimits {
            max_event_bytes: 32 * 1024,
            max_events: 2_500,
        }
    }
}

/// The rejection of an event of `size` bytes of JSON, over Segment's limit per event.
pub(crate) fn event_too_large(size: usize, limits: IngestLimits) -> MapError {
    MapError::invalid_event(format!(
        "the event is {size} bytes of JSON; at most {} are accepted (Segment's limit per event)",
        limits.max_event_bytes
    ))
}

/// The rejection of an event nested deeper than [`MAX_DEPTH`], whichever check found it.
pub(crate) fn too_deep() -> MapError {
    MapError::invalid_event(format!(
        "the event is nested more than {MAX_DEPTH} levels deep"
    ))
}
