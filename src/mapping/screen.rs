//! screen → a `screen_visit` event with `screen_name` from `name`.

use super::{visit, Call, Mapped};
use crate::error::MapError;
use serde_json::{Map, Value};

pub(super) fn map(event: Map<String, Value>, call: &Call) -> Result<Mapped, MapError> {
    visit::map(event, call, "screen_visit", "screen_name")
}
