//! Runs `tests/fixtures/batch` through `build_requests` / `build_requests_from_json`, comparing whole outputs.

mod support;

use segment_bloomreach::{IngestError, IngestLimits, Settings};
use serde_json::{json, Value};

#[test]
fn every_batch_fixture_matches() {
    support::check_cases("batch", 10, |case| {
        let settings =
            Settings::from_json_value(&support::settings_for(case)).map_err(|e| e.to_string())?;
        let text = match case.get("events") {
            Some(events) => {
                // Events built in Rust (trees) must give what the same events as text give.
                let tree = output_json(Ok(support::build_requests(
                    events.as_array().unwrap().clone(),
                    &settings,
                )));
                let text = serde_json::to_string(events).unwrap();
                let from_text = output_json(support::build_requests_from_json(
                    &text,
                    &settings,
                    None,
                    IngestLimits::default(),
                ));
                support::same(&from_text, &tree)
                    .map_err(|why| format!("the text path differs from the tree path: {why}"))?;
                text
            }
            None => case["body"].as_str().unwrap().to_string(),
        };
        let got = output_json(support::build_requests_from_json(
            &text,
            &settings,
            None,
            IngestLimits::default(),
        ));
        let expected = match case.get("expected") {
            Some(e) => json!({ "expected": e }),
            None => json!({ "error": case["error"] }),
        };
        support::same(&got, &expected)
    });
}

/// The output as the fixtures write it: each request's body parsed, an error with its position.
fn output_json(result: Result<segment_bloomreach::BuildOutput, IngestError>) -> Value {
    match result {
        Ok(output) => {
            let mut value = serde_json::to_value(&output).unwrap();
            for request in value["requests"].as_array_mut().unwrap() {
                let body: Value = serde_json::from_str(request["body"].as_str().unwrap()).unwrap();
                request["body"] = body;
            }
            json!({ "expected": value })
        }
        Err(error) => {
            let mut value = json!({ "code": error.code(), "message": error.to_string() });
            if let IngestError::InvalidJson { line, column, .. } = error {
                value["line"] = json!(line);
                value["column"] = json!(column);
            }
            json!({ "error": value })
        }
    }
}
