//! Runs every case of `tests/fixtures/mapping` through `map_event` and through `build_requests` (with each command's origin where a case gives `origins`).

mod support;

use segment_bloomreach::{IngestLimits, Mapped, Mapper, Settings};
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
    let single = match Mapper::new(settings.clone()).map_value(event.clone()) {
        Ok(Mapped::Commands(commands)) => {
            json!({ "expected": serde_json::to_value(commands).unwrap() })
        }
        Ok(Mapped::Skipped(skip)) => json!({ "skipped": skip.code }),
        Err(error) => json!({ "error": error.code }),
    };
    // The batch API, which names events in its messages: events built in Rust (read as trees),
    // and the same event as body text, read as the Worker and the npm package read it
    // (passthrough when the settings allow it); both must give the same whole output.
    let batch = support::build_requests(vec![event.clone()], &settings);
    let text = serde_json::to_string(&[&event]).unwrap();
    let from_text =
        support::build_requests_from_json(&text, &settings, None, IngestLimits::default())
            .map_err(|e| format!("the body was refused: {e}"))?;
    if serde_json::to_value(&from_text).unwrap() != serde_json::to_value(&batch).unwrap() {
        return Err(format!(
            "the text path differs from the tree path:\n      text {}\n      tree {}",
            serde_json::to_value(&from_text).unwrap(),
            serde_json::to_value(&batch).unwrap()
        ));
    }
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
        // Which rule or preset row made each command (`null`: the request has no `origins`).
        if let Some(expected) = case.get("origins") {
            let got = serde_json::to_value(&batch.requests[0]).unwrap()["origins"].clone();
            if &got != expected {
                return Err(format!(
                    "build_requests origins:\n      got      {got}\n      expected {expected}"
                ));
            }
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
