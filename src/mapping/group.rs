//! group → a customer update with `group_id` and each trait as `group_<trait>`.

use super::call::{customer_command, take_attributes, Call, Drafted};
use super::{context, identity, time};
use crate::codes::Code;
use crate::error::MapError;
use crate::json::{Json, Obj};
use std::borrow::Cow;

pub(super) fn map<'a>(mut event: Obj<'a>, call: Call<'a>) -> Result<Drafted<'a>, MapError> {
    let customer_ids = identity::customer_ids(&event, call.settings)?;
    let update_timestamp = time::event_time(&event)?;
    let group_id = group_id(&event)?;
    context::check_context(&event)?;
    let traits = take_attributes(&mut event, "traits", call.settings)?;

    let mut properties = Obj::with_capacity(traits.len() + 1);
    properties.insert(Cow::Borrowed("group_id"), Json::String(group_id));
    for (key, value) in traits {
        // `group_id` is always the groupId, even when a trait is named `id`.
        if key != "id" {
            properties.insert(Cow::Owned(format!("group_{key}")), value);
        }
    }
    Ok(Drafted::Commands(vec![customer_command(
        call.command_id,
        customer_ids,
        properties,
        update_timestamp,
    )]))
}

/// `groupId`: a string, or a number as its decimal string.
fn group_id<'a>(event: &Obj<'a>) -> Result<Cow<'a, str>, MapError> {
    match event.get("groupId") {
        Some(Json::String(id)) if !id.is_empty() => Ok(id.clone()),
        Some(Json::Number(n)) => Ok(Cow::Owned(n.to_string())),
        None | Some(Json::Null) | Some(Json::String(_)) => Err(MapError::new(
            Code::MissingGroupId,
            "a group call needs a `groupId`",
        )),
        Some(other) => Err(MapError::invalid_event(format!(
            "`groupId` must be a string or a number, got {}",
            other.kind()
        ))),
    }
}
