//! Runs `tests/fixtures/response` through `read_response`, comparing every command's outcome.

mod support;

use segment_bloomreach::read_response;

#[test]
fn every_response_fixture_matches() {
    support::check_cases("response", 10, |case| {
        let ids: Vec<&str> = case["commandIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let status = case["status"].as_u64().unwrap() as u16;
        let got = serde_json::to_value(read_response(&ids, status, case["body"].as_str().unwrap()))
            .unwrap();
        support::same(&got, &case["expected"])
    });
}
