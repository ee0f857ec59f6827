//! alias → a customer update carrying `userId` as the hard ID and `previousId` as the soft ID, merging them.

use super::call::{customer_command, Call, Drafted};
use super::{context, identity, time};
use crate::codes::Code;
use crate::error::{MapError, Skip};
use crate::json::{Json, Obj};
use std::borrow::Cow;

pub(super) fn map<'a>(event: Obj<'a>, call: Call<'a>) -> Result<Drafted<'a>, MapError> {
    let settings = call.settings;
    let Some(user_id) = identity::id_field(&event, "userId")? else {
        return Ok(Drafted::Skipped(Skip::ALIAS_WITHOUT_USER_ID));
    };
    let Some(previous_id) = identity::id_field(&event, "previousId")? else {
        return Err(MapError::new(
            Code::MissingPreviousId,
            "an alias with a `userId` needs the `previousId` (the anonymousId) to merge",
        ));
    };
    let update_timestamp = time::event_time(&event)?;
    context::check_context(&event)?;
    let mut customer_ids = Obj::with_capacity(2);
    customer_ids.insert(Cow::Borrowed(settings.hard_id()), Json::String(user_id));
    customer_ids.insert(Cow::Borrowed(settings.soft_id()), Json::String(previous_id));
    Ok(Drafted::Commands(vec![customer_command(
        call.command_id,
        customer_ids,
        Obj::new(),
        update_timestamp,
    )]))
}
