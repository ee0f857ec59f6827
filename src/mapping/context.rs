//! Segment `context` → event properties (page, screen and track only), always flattened.

use super::flatten::flatten_into;
use crate::error::MapError;
use crate::json::{Json, Obj};
use std::borrow::Cow;

/// The `context` fields that become properties prefixed with their own name.
pub(crate) const PREFIXED_FIELDS: [&str; 7] = [
    "app", "device", "os", "screen", "referrer", "campaign", "location",
];

/// Takes `context` out of the event and returns the properties it contributes.
pub(crate) fn take_context_properties<'a>(event: &mut Obj<'a>) -> Result<Obj<'a>, MapError> {
    let context = super::call::take_object(event, "context")?.unwrap_or_default();
    // A browser or app context flattens into a few dozen properties; a server library's
    // (`library` only, say) into none, and then nothing is allocated.
    let contributes = context
        .iter()
        .any(|(key, _)| key == "userAgent" || PREFIXED_FIELDS.contains(&&**key));
    let mut properties = Obj::with_capacity(if contributes { 32 } else { 0 });
    let mut key_buf = String::new();
    for (key, value) in context {
        if key == "userAgent" {
            properties.insert(Cow::Borrowed("user_agent"), value);
        } else if PREFIXED_FIELDS.contains(&&*key) {
            match value {
                Json::Object(inner) => flatten_into(&mut properties, &mut key_buf, &key, inner),
                plain => properties.insert(key, plain),
            }
        }
    }
    Ok(properties)
}

/// Checks `context` is an object (or absent) on calls that send nothing from it.
pub(crate) fn check_context(event: &Obj) -> Result<(), MapError> {
    match event.get("context") {
        None | Some(Json::Null) | Some(Json::Object(_)) => Ok(()),
        Some(other) => Err(MapError::invalid_event(format!(
            "`context` must be an object, got {}",
            other.kind()
        ))),
    }
}
