//! Runs every case of `tests/fixtures/mapping` through `map_event` and through `build_requests`.

mod support;

use segment_bloomreach::{build_requests, map_event, Mapped, Settings};
use serde_json::{json, Value};

#[test]
fn every_mapping_fixture_matches() {
    support::check_cases("mapping", 60, check_case);
}

fn check_case(case: &Value) -> Result<(), String> {
    let settings =
        Settings::from_json_value(&support::settings_for(case)).map_err(|e| e.to_string())?;
    let event = case["event"].clone();

    // The single-event API.
    let single = match map_event(event.clone(), &settings) {
        Ok(Mapped::Commands(commands)) => {
            json!({ "expected": serde_json::to_value(commands).unwrap() })
        }
        Ok(Mapped::Skipped(reason)) => json!({ "skipped": reason.as_str() }),
        Err(error) => json!({ "error": error.code.as_str() }),
    };
    // The batch API, which names events in its messages.
    let batch = build_requests(vec![event], &settings);
    if batch.rejected.len() + batch.skipped.len() + usize::from(!batch.requests.is_empty()) != 1 {
        return Err(format!(
            "the event did not end in exactly one place: {batch:?}"
        ));
    }

    if let Some(expected) = case.get("expected") {
        let got = single
            .get("expected")
            .ok_or_else(|| format!("expected commands, got {single}"))?;
        if got != expected {
            return Err(format!(
                "map_event:\n      got      {got}\n      expected {expected}"
            ));
        }
        let body: Value = serde_json::from_str(&batch.requests[0].body).unwrap();
        if &body["commands"] != expected {
            return Err(format!(
                "build_requests body:\n      got      {}\n      expected {expected}",
                body["commands"]
            ));
        }
    } else if let Some(expected) = case.get("error") {
        if single.get("error") != expected.get("code") {
            return Err(format!(
                "map_event: got {single}, expected error {expected}"
            ));
        }
        let got = json!({ "code": batch.rejected[0].code, "message": batch.rejected[0].message });
        if &got != expected {
            return Err(format!(
                "build_requests rejected:\n      got      {got}\n      expected {expected}"
            ));
        }
    } else if let Some(expected) = case.get("skipped") {
        if single.get("skipped") != expected.get("code") {
            return Err(format!("map_event: got {single}, expected skip {expected}"));
        }
        let got = json!({ "code": batch.skipped[0].code, "message": batch.skipped[0].message });
        if &got != expected {
            return Err(format!(
                "build_requests skipped:\n      got      {got}\n      expected {expected}"
            ));
        }
    } else {
        return Err("the case has none of expected / error / skipped".into());
    }
    Ok(())
}
