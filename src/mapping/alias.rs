//! alias → a customer update carrying `userId` as the hard ID and `previousId` as the soft ID, merging them.

use super::{context, customer_command, identity, time, Call, Mapped};
use crate::error::{ErrorCode, MapError, SkipReason};
use serde_json::{Map, Value};

pub(super) fn map(event: Map<String, Value>, call: &Call) -> Result<Mapped, MapError> {
    let settings = call.settings;
    let Some(user_id) = identity::id_field(&event, "userId")? else {
        return Ok(Mapped::Skipped(SkipReason::AliasWithoutUserId));
    };
    let Some(previous_id) = identity::id_field(&event, "previousId")? else {
        return Err(MapError::new(
            ErrorCode::MissingPreviousId,
            "an alias with a `userId` needs the `previousId` (the anonymousId) to merge",
        ));
    };
    let update_timestamp = time::event_time(&event)?;
    context::check_context(&event)?;
    let mut customer_ids = Map::new();
    customer_ids.insert(settings.hard_id.clone(), Value::String(user_id));
    customer_ids.insert(settings.soft_id.clone(), Value::String(previous_id));
    Ok(Mapped::Commands(vec![customer_command(
        call.command_id.clone(),
        customer_ids,
        Map::new(),
        update_timestamp,
    )]))
}
