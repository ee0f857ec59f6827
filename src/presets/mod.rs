//! The presets (RULES.md §3–4): Segment's E-commerce spec as Bloomreach's standard events, and Segment's consent as Bloomreach's `consent` events and enforcement.
//!
//! Pure functions of an event read as a tree (`Mapper::reading` asks for trees when a preset is
//! on). They make each command's event type and properties only; the mapper adds the classic
//! customer IDs and time, numbers the commands and decides the order (`mapper/mod.rs`).

pub(crate) mod consent;
pub(crate) mod ecommerce;

use crate::json::Obj;

/// One event a preset makes, and the preset row that made it (its `origins` label).
pub(crate) struct PresetEvent<'a> {
    pub event_type: &'static str,
    pub properties: Obj<'a>,
    pub origin: &'static str,
}
