//! page → a `page_visit` event with `page_name` from `name`.

use super::{visit, Call, Mapped};
use crate::error::MapError;
use serde_json::{Map, Value};

pub(super) fn map(event: Map<String, Value>, call: &Call) -> Result<Mapped, MapError> {
    visit::map(event, call, "page_visit", "page_name")
}
