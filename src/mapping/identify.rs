//! identify → a customer update with `traits` as customer properties.

use super::call::{customer_command, take_attributes, Call, Drafted};
use super::{context, identity, time};
use crate::error::MapError;
use crate::json::Obj;

pub(super) fn map<'a>(mut event: Obj<'a>, call: Call<'a>) -> Result<Drafted<'a>, MapError> {
    let customer_ids = identity::customer_ids(&event, call.settings)?;
    let update_timestamp = time::event_time(&event)?;
    context::check_context(&event)?;
    let properties = take_attributes(&mut event, "traits", call.settings)?;
    Ok(Drafted::Commands(vec![customer_command(
        call.command_id,
        customer_ids,
        properties,
        update_timestamp,
    )]))
}
