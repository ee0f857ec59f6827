//! Runs `tests/fixtures/settings` through settings validation, and checks secrets stay out of Debug and errors.

mod support;

use segment_bloomreach::Settings;
use serde_json::json;

#[test]
fn every_settings_fixture_matches() {
    support::check_cases("settings", 8, |case| {
        let got = match Settings::from_json_value(&case["input"]) {
            Ok(settings) => json!({ "expected": settings.to_json_value() }),
            Err(error) => {
                json!({ "error": { "code": "invalid_settings", "problems": error.problems } })
            }
        };
        let expected = match case.get("expected") {
            Some(e) => json!({ "expected": e }),
            None => json!({ "error": case["error"] }),
        };
        support::same(&got, &expected)
    });
}

#[test]
fn secrets_never_reach_debug_or_errors() {
    let secret_key = "pk-SECRET-KEY-0001";
    let secret = "sk-SECRET-0002";
    let settings = Settings::from_json_value(&json!({
        "apiKey": secret_key, "apiSecret": secret, "projectToken": "t",
        "exponeaHardId": "registered", "exponeaSoftId": "cookie"
    }))
    .unwrap();
    let debug = format!("{settings:?} {settings:#?}");
    assert!(
        !debug.contains(secret_key) && !debug.contains(secret),
        "{debug}"
    );

    let output = support::build_requests(
        vec![json!({"type": "track", "userId": "u", "event": "E"})],
        &settings,
    );
    let request_debug = format!("{:?}", output.requests[0]);
    assert!(
        !request_debug.contains("Basic ") && !request_debug.contains(secret),
        "{request_debug}"
    );
    let target = settings.request_target();
    assert!(target.authorization.starts_with("Basic "));
    let target_debug = format!("{target:?} {target:#?}");
    assert!(
        !target_debug.contains(&target.authorization[6..]) && !target_debug.contains("Basic "),
        "{target_debug}"
    );

    // Wrong types next to the secrets: the error names the field, never the values.
    let error = Settings::from_json_value(&json!({
        "apiKey": secret_key, "apiSecret": secret, "projectToken": "bad/token", "apiBaseUrl": format!("ftp://{secret}"),
        "exponeaHardId": 1, "exponeaSoftId": "cookie"
    }))
    .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(
        !text.contains(secret_key) && !text.contains(secret),
        "{text}"
    );
    assert_eq!(error.problems.len(), 3, "{text}");
}
