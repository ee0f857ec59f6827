//! Consent (RULES.md §4): enforcing `requiredConsentCategories` on `context.consent.categoryPreferences`, and a `Segment Consent Preference Updated` event as one Bloomreach `consent` event per mapped category.

use super::PresetEvent;
use crate::codes::Code;
use crate::error::{MapError, Skip};
use crate::json::{Json, Obj};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The reserved track event Segment's Consent Management sends when preferences change.
pub(crate) const PREFERENCE_EVENT: &str = "Segment Consent Preference Updated";

/// The `origins` label of a `consent` event.
pub(crate) const ORIGIN: &str = "consent";

/// Whether the event is Segment's consent-preference event (a track call of that name).
pub(crate) fn is_preference_event(event: &Obj) -> bool {
    matches!(event.get("type"), Some(Json::String(t)) if t == "track")
        && matches!(event.get("event"), Some(Json::String(e)) if e == PREFERENCE_EVENT)
}

/// `context.consent.categoryPreferences`: `None` when the event has none (absent or `null` at
/// any step), `invalid_event` when `consent` or `categoryPreferences` is not an object.
pub(crate) fn preferences<'e, 'a>(event: &'e Obj<'a>) -> Result<Option<&'e Obj<'a>>, MapError> {
    let Some(Json::Object(context)) = event.get("context") else {
        return Ok(None);
    };
    let consent = match context.get("consent") {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::Object(consent)) => consent,
        Some(other) => return Err(not_an_object("context.consent", other)),
    };
    match consent.get("categoryPreferences") {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Object(preferences)) => Ok(Some(preferences)),
        Some(other) => Err(not_an_object("context.consent.categoryPreferences", other)),
    }
}

fn not_an_object(field: &str, value: &Json) -> MapError {
    MapError::invalid_event(format!("`{field}` must be an object, got {}", value.kind()))
}

/// `consent_denied` when the event has preferences and one of the required categories is not
/// `true` in them (Segment's rule: no preferences, no enforcement).
pub(crate) fn enforce(required: &[String], preferences: Option<&Obj>) -> Option<Skip> {
    let preferences = preferences?;
    let denied = required
        .iter()
        .find(|category| !matches!(preferences.get(category), Some(Json::Bool(true))))?;
    Some(Skip {
        code: Code::ConsentDenied,
        message: Cow::Owned(format!(
            "skipped: `context.consent.categoryPreferences` does not grant {denied:?}, a category of `requiredConsentCategories`"
        )),
    })
}

/// The `consent` events of a consent-preference event: one per category that is both in its
/// preferences, with a boolean value, and in `categories` (Segment ID → Bloomreach ID), in the
/// order of the preferences; `consent_unmapped` when there is none.
pub(crate) fn events<'a>(
    categories: &'a Map<String, Value>,
    preferences: Option<&Obj<'a>>,
) -> Result<Vec<PresetEvent<'a>>, Skip> {
    let mut events = Vec::new();
    for (segment, value) in preferences.into_iter().flat_map(Obj::iter) {
        let (&Json::Bool(granted), Some(Value::String(bloomreach))) =
            (value, categories.get(&**segment))
        else {
            continue;
        };
        let mut properties = Obj::with_capacity(3);
        let text = |s: &'static str| Json::String(Cow::Borrowed(s));
        properties.insert(
            Cow::Borrowed("action"),
            text(if granted { "accept" } else { "reject" }),
        );
        properties.insert(
            Cow::Borrowed("category"),
            Json::String(Cow::Borrowed(bloomreach)),
        );
        if granted {
            properties.insert(Cow::Borrowed("valid_until"), text("unlimited"));
        }
        events.push(PresetEvent {
            event_type: "consent",
            properties,
            origin: ORIGIN,
        });
    }
    if events.is_empty() {
        return Err(Skip {
            code: Code::ConsentUnmapped,
            message: Cow::Borrowed(
                "skipped: none of its `context.consent.categoryPreferences` is a category of `consentCategories` set to true or false: there is no Bloomreach consent event to send",
            ),
        });
    }
    Ok(events)
}
