//! Runs `tests/fixtures/config` through the configuration's validation: each document to its stored form, or every problem at its path.

use segment_bloomreach::base_url::UrlCrate;
use segment_bloomreach_deployment::Deployment;
use serde_json::{json, Value};

/// What validation makes of a document, as the fixtures write it (and as the npm package's
/// `validateConfig` and the Worker's admin API answer).
fn validated(input: &Value) -> Value {
    match Deployment::from_json_value(input, None, &UrlCrate) {
        Ok(deployment) => json!({ "expected": deployment.to_json_value() }),
        Err(problems) => json!({ "error": { "code": "config_invalid", "problems": problems } }),
    }
}

#[test]
fn every_config_fixture_matches() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/config/validation.json"
    ))
    .expect("tests/fixtures/config/validation.json");
    let fixture: Value = serde_json::from_str(&text).expect("JSON");
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() >= 10, "{} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let expected = match case.get("expected") {
                Some(e) => json!({ "expected": e }),
                None => json!({ "error": case["error"] }),
            };
            let got = validated(&case["input"]);
            (got != expected).then(|| {
                format!(
                    "{}\n    got      {got}\n    expected {expected}",
                    case["name"]
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn secret_names_are_checked_when_the_worker_can_and_values_never_echoed() {
    let document = json!({
        "destinations": [{"name": "eu", "projectToken": "p", "apiKeySecret": "KEY_EU", "apiSecretSecret": "SECRET_EU"}],
        "sources": [{"name": "web", "destination": "eu",
                     "writeKeys": [{"kind": "browser", "key": "wk-VERY-SECRET-1"}],
                     "webhook": {"bearerTokenSecret": "HOOK_TOKEN"}}]
    });
    let exists = |name: &str| name == "KEY_EU";
    let problems = Deployment::from_json_value(&document, Some(&exists), &UrlCrate).unwrap_err();
    assert_eq!(
        serde_json::to_value(&problems).unwrap(),
        json!([
            {"field": "destinations[0].apiSecretSecret", "message": "the Worker has no secret named SECRET_EU: `wrangler secret put SECRET_EU` first"},
            {"field": "sources[0].webhook.bearerTokenSecret", "message": "the Worker has no secret named HOOK_TOKEN: `wrangler secret put HOOK_TOKEN` first"}
        ])
    );
    let deployment = Deployment::from_json_value(&document, None, &UrlCrate).unwrap();
    assert_eq!(
        deployment.secret_names(),
        ["KEY_EU", "SECRET_EU", "HOOK_TOKEN"]
    );
    let debug = format!("{deployment:?} {deployment:#?}");
    assert!(!debug.contains("wk-VERY-SECRET-1"), "{debug}");
    // A secret's value pasted where its name belongs is refused without being echoed.
    let pasted = json!({
        "destinations": [{"name": "eu", "projectToken": "p", "apiKeySecret": "sk-live-PASTED-value"}],
        "sources": [{"name": "web", "destination": "eu", "webhook": {"sharedSecretSecret": "whsec PASTED"}}]
    });
    let problems = Deployment::from_json_value(&pasted, None, &UrlCrate).unwrap_err();
    let text = serde_json::to_string(&problems).unwrap();
    assert_eq!(problems.len(), 2, "{text}");
    assert!(!text.contains("PASTED"), "{text}");
}

#[test]
fn a_source_settings_are_its_destination_plus_its_own_with_the_shared_defaults() {
    let document = json!({
        "destinations": [{"name": "us", "apiBaseUrl": "https://api.us1.exponea.com", "projectToken": "us-project", "apiKeySecret": "K", "apiSecretSecret": "S"}],
        "sources": [{"name": "app", "destination": "us", "writeKeys": [{"kind": "server", "key": "app-key-123"}],
                     "settings": {"trackSessionPing": true}}]
    });
    let deployment = Deployment::from_json_value(&document, None, &UrlCrate).unwrap();
    let source = deployment.source("app").unwrap();
    let settings = deployment
        .settings_for(source, "key-id", Some("secret"), &UrlCrate)
        .unwrap();
    assert_eq!(
        settings.to_json_value(),
        json!({"apiBaseUrl": "https://api.us1.exponea.com/", "apiKey": "key-id", "apiSecret": "secret",
               "projectToken": "us-project", "exponeaHardId": "registered", "exponeaSoftId": "cookie",
               "flattenNestedObjects": false, "trackSessionPing": true, "mappings": [], "ecommerceEvents": false,
               "consentCategories": {}, "requiredConsentCategories": []})
    );
}
