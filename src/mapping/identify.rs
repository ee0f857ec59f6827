//! identify → a customer update with `traits` as customer properties.

use super::{context, customer_command, identity, take_attributes, time, Call, Mapped};
use crate::error::MapError;
use serde_json::{Map, Value};

pub(super) fn map(mut event: Map<String, Value>, call: &Call) -> Result<Mapped, MapError> {
    let customer_ids = identity::customer_ids(&event, call.settings)?;
    let update_timestamp = time::event_time(&event)?;
    context::check_context(&event)?;
    let properties = take_attributes(&mut event, "traits", call.settings)?;
    Ok(Mapped::Commands(vec![customer_command(
        call.command_id.clone(),
        customer_ids,
        properties,
        update_timestamp,
    )]))
}
