//! page → a `page_visit` event with `page_name` from `name`.

use super::call::{Call, Drafted};
use super::visit;
use crate::error::MapError;
use crate::json::Obj;

pub(super) fn map<'a>(event: Obj<'a>, call: Call<'a>) -> Result<Drafted<'a>, MapError> {
    visit::map(event, call, "page_visit", "page_name")
}
