//! `GET /health`: version, whether the configuration is valid (problems listed, never a value), delivery mode, the ledger and metrics bindings, open mode.

use crate::config::Bindings;
use crate::http::json_response;
use ::worker::Response;
use serde_json::json;

/// 200 when the configuration is valid, 503 (with every problem) when it is not.
pub fn respond(bindings: &Bindings) -> Response {
    let config = &bindings.config;
    let senders = &config.senders;
    let mut body = json!({
        "service": "segment-bloomreach",
        "version": env!("CARGO_PKG_VERSION"),
        "status": if config.is_valid() { "ok" } else { "config_invalid" },
        "config": {
            "valid": config.is_valid(),
            "problems": config.problems,
        },
        "deliveryMode": bindings.delivery_mode(),
        "deliveryLedger": if bindings.ledger.is_some() {
            json!({ "bound": true, "objects": crate::ledger::shard::SHARDS })
        } else {
            json!({ "bound": false })
        },
        "deliveryMetrics": bindings.metrics.is_some(),
        "devOpenMode": senders.allow_unauthenticated,
        "senderAuth": {
            "writeKey": senders.write_key.is_some(),
            "webhookSignature": senders.shared_secret.is_some(),
            "webhookBearer": senders.bearer_token.is_some(),
        },
    });
    if let Some(mapper) = &config.mapper {
        let settings = mapper.settings();
        body["bloomreach"] = json!({
            "apiBaseUrl": format!("{}/", settings.api_base_url()),
            "auth": settings.auth_kind(),
            "hardId": settings.hard_id(),
            "softId": settings.soft_id(),
            "flattenNestedObjects": settings.flatten_nested_objects(),
            "trackSessionPing": settings.track_session_ping(),
            "rules": settings.rules().rules().iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            "ecommerceEvents": settings.ecommerce_events(),
            "consentCategories": settings.consent_categories(),
            "requiredConsentCategories": settings.required_consent_categories(),
        });
    }
    let status = if config.is_valid() { 200 } else { 503 };
    let mut response = json_response(status, &body);
    let _ = response.headers_mut().set("Cache-Control", "no-store");
    response
}
