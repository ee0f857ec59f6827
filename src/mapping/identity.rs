//! Customer IDs: `userId` → the hard ID, `anonymousId` → the soft ID.

use crate::codes::Code;
use crate::error::MapError;
use crate::json::{Json, Obj};
use crate::settings::Settings;
use std::borrow::Cow;

/// An ID field: a string, or a number as its decimal string; `""` and `null` count as absent.
pub(crate) fn id_field<'a>(event: &Obj<'a>, field: &str) -> Result<Option<Cow<'a, str>>, MapError> {
    match event.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) if s.is_empty() => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(Json::Number(n)) => Ok(Some(Cow::Owned(n.to_string()))),
        Some(other) => Err(MapError::new(
            Code::InvalidIdentity,
            format!(
                "`{field}` must be a string or a number, got {}",
                other.kind()
            ),
        )),
    }
}

/// `{hard: userId, soft: anonymousId}`, with whichever of the two the event has.
pub(crate) fn customer_ids<'a>(
    event: &Obj<'a>,
    settings: &'a Settings,
) -> Result<Obj<'a>, MapError> {
    let user_id = id_field(event, "userId")?;
    let anonymous_id = id_field(event, "anonymousId")?;
    if user_id.is_none() && anonymous_id.is_none() {
        return Err(MapError::new(
            Code::MissingIdentity,
            "the event has neither `userId` nor `anonymousId`",
        ));
    }
    let mut ids = Obj::with_capacity(2);
    if let Some(id) = user_id {
        ids.insert(Cow::Borrowed(settings.hard_id()), Json::String(id));
    }
    if let Some(id) = anonymous_id {
        ids.insert(Cow::Borrowed(settings.soft_id()), Json::String(id));
    }
    Ok(ids)
}
