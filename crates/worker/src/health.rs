//! `GET /health`: status and version for anyone; with the admin token also whether the configuration is valid (problems listed, never a value), its sources, delivery mode, the ledger and metrics bindings, open mode.

use crate::config::Bindings;
use crate::http::json_response;
use crate::ledger::protocol::ListRequest;
use crate::ledger_object::retention_ms;
use crate::live_config::{self, Live};
use ::worker::Response;
use serde_json::{json, Value};

/// 200 when the configuration is valid, 503 when it is not; the details only to `detailed`
/// callers (the admin token's), as they show how the Worker is set up.
pub async fn respond(bindings: &Bindings, detailed: bool) -> Response {
    let config = &bindings.config;
    let senders = &config.senders;
    let live = live_config::current(bindings).await;
    // The variables' validity as always; a stored version's: every source can map.
    let (valid, problems) = match &live {
        Ok(live) if live.routing.version.is_some() => {
            let problems: Vec<Value> = live
                .routing
                .sources
                .iter()
                .filter_map(|s| {
                    s.mapper
                        .as_ref()
                        .err()
                        .map(|p| json!({"source": s.name, "problems": p}))
                })
                .collect();
            (problems.is_empty(), json!(problems))
        }
        Ok(_) => (config.is_valid(), json!(config.problems)),
        Err(_) => (false, json!([])),
    };
    let mut body = json!({
        "service": "segment-bloomreach",
        "version": env!("CARGO_PKG_VERSION"),
        "status": if valid { "ok" } else if live.is_err() { "config_unavailable" } else { "config_invalid" },
        "config": {
            "valid": valid,
            "problems": problems,
        },

        "deliveryMode": bindings.delivery_mode(),
        "deliveryLedger": match &bindings.ledger {
            Some(ledger) => json!({ "bound": true, "objects": ledger.objects() }),
            None => json!({ "bound": false }),
        },
        // Asked of the ledger's objects only for the operator (anyone may call /health).
        "deadLetters": if detailed { dead_letters(bindings).await } else { Value::Null },
        "deliveryMetrics": bindings.metrics.is_some(),
        "devOpenMode": senders.allow_unauthenticated,
        "senderAuth": {
            "writeKey": senders.write_key.is_some(),
            "webhookSignature": senders.shared_secret.is_some(),
            "webhookBearer": senders.bearer_token.is_some(),
        },
    });
    let variables =
        matches!(&live, Ok(live) if live.routing.version.is_none() && live.stale.is_none());
    // The stored configuration, described: its version, age and sources (the variables'
    // one source is described by the fields above, as it always was).
    if !variables {
        body["configuration"] = configuration(bindings, &live);
    }
    if let (Some(mapper), true) = (&config.mapper, variables) {
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
    let status = if valid { 200 } else { 503 };
    if !detailed {
        let keep = ["service", "version", "status"];
        body.as_object_mut()
            .expect("an object")
            .retain(|key, _| keep.contains(&key.as_str()));
    }
    let mut response = json_response(status, &body);
    let _ = response.headers_mut().set("Cache-Control", "no-store");
    response
}

/// Where the configuration comes from, its version and age, and each source (names, key
/// labels and last 4 characters, never a credential).
fn configuration(bindings: &Bindings, live: &Result<Live, crate::error::WorkerError>) -> Value {
    let live = match live {
        Ok(live) => live,
        Err(error) => {
            return json!({ "store": bindings.config_store.is_some(), "error": error.message() })
        }
    };
    let routing = &live.routing;
    let sources: Vec<Value> = routing
        .sources
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "destination": s.destination,
                "valid": s.mapper.is_ok(),
                "writeKeys": s.write_keys.iter().map(|k| json!({"label": k.label, "kind": k.kind.as_str(), "last4": k.last4})).collect::<Vec<_>>(),
                "webhook": s.webhook.shared_secret.is_some() || s.webhook.bearer_token.is_some(),
            })
        })
        .collect();
    json!({
        "from": if routing.version.is_some() { "store" } else { "variables" },
        "store": bindings.config_store.is_some(),
        "version": routing.version,
        "ageMs": live.age_ms(),
        "cacheSeconds": bindings.config.config_cache_secs,
        "stale": live.stale,
        "sources": sources,
    })
}

/// The parked dead letters: how many, the oldest, and when it expires (the ledger object's alarm
/// deletes a letter `DEAD_LETTER_RETENTION_DAYS` after it was parked).
async fn dead_letters(bindings: &Bindings) -> Value {
    let Some(ledger) = &bindings.ledger else {
        return Value::Null;
    };
    let request = ListRequest {
        limit: 1,
        ids: None,
        bodies: false,
        after: None,
    };
    let (listings, failed) = ledger.list(&request).await;
    let retention = retention_ms(&bindings.env);
    let oldest = listings
        .iter()
        .filter_map(|(_, l)| l.letters.first())
        .map(|l| l.parked_at)
        .min();
    let mut body = json!({
        "count": listings.iter().map(|(_, l)| l.total).sum::<usize>(),
        "oldestParkedAt": oldest,
        "oldestExpiresAt": oldest.map(|at| at + retention),
        "retentionDays": retention as f64 / 86_400_000.0,
    });
    if !failed.is_empty() {
        body["failedObjects"] = json!(failed);
    }
    body
}
