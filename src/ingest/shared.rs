//! A batch's top-level `context` and `integrations`, which apply to every event in it.

use super::body_error::IngestError;
use crate::json::{Json, Obj};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// The top-level `context` and `integrations` of a batch, which apply to every event in it.
#[derive(Default)]
pub(crate) struct Shared<'a> {
    context: Option<Obj<'a>>,
    integrations: Option<Obj<'a>>,
}

impl<'a> Shared<'a> {
    pub(crate) fn read(
        context: Option<&'a RawValue>,
        integrations: Option<&'a RawValue>,
    ) -> Result<Self, IngestError> {
        Ok(Shared {
            context: shared_object(context, "context")?,
            integrations: shared_object(integrations, "integrations")?,
        })
    }

    /// Adds the shared fields to an event; the event's own keys win.
    pub(crate) fn apply(&self, event: &mut Json<'a>, implied_type: Option<&str>) {
        let Json::Object(event) = event else { return };
        for (field, shared) in [
            ("context", &self.context),
            ("integrations", &self.integrations),
        ] {
            let Some(shared) = shared else { continue };
            match event.get_mut(field) {
                None => event.insert(Cow::Borrowed(field), Json::Object(shared.clone())),
                Some(slot @ Json::Null) => *slot = Json::Object(shared.clone()),
                Some(Json::Object(own)) => {
                    for (key, value) in shared.iter() {
                        if !own.contains_key(key) {
                            own.push_absent(key.clone(), value.clone());
                        }
                    }
                }
                Some(_) => {} // the wrong type is reported by the mapping
            }
        }
        if let Some(call_type) = implied_type {
            if !event.contains_key("type") {
                event.insert(
                    Cow::Borrowed("type"),
                    Json::String(Cow::Owned(call_type.to_string())),
                );
            }
        }
    }
}

fn shared_object<'a>(
    raw: Option<&'a RawValue>,
    field: &str,
) -> Result<Option<Obj<'a>>, IngestError> {
    let Some(raw) = raw else { return Ok(None) };
    match serde_json::from_str::<Json>(raw.get()) {
        Ok(Json::Null) => Ok(None),
        Ok(Json::Object(map)) => Ok(Some(map)),
        Ok(other) => Err(IngestError::InvalidBody(format!(
            "the batch's top-level `{field}` must be an object, got {}",
            other.kind()
        ))),
        Err(e) => Err(IngestError::InvalidBody(format!(
            "the batch's top-level `{field}` could not be read: {e}"
        ))),
    }
}
