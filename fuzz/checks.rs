// The fuzz targets' invariants, shared (by `include!`) with tests/fuzz_regressions.rs, which
// replays the committed corpora and every past finding on stable Rust in `cargo test`.

use segment_bloomreach::ingest::Reading;
use segment_bloomreach::{read_response, IngestLimits, Mapper, Settings};
use std::collections::HashSet;

/// Any bytes as a Segment request body, through ingest parsing, mapping and batching:
/// every event ends in exactly one place; requests hold 1..=50 unique commands, as JSON; the
/// production text path (passthrough) maps it exactly as the tree path does.
pub fn check_ingest_body(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let settings = Settings::from_json(
        r#"{"apiKey":"k","projectToken":"p","exponeaHardId":"registered","exponeaSoftId":"cookie","trackSessionPing":true,"flattenNestedObjects":true}"#,
    )
    .unwrap();
    let mapper = Mapper::new(settings);
    let plain = Mapper::new(
        Settings::from_json(r#"{"apiKey":"k","projectToken":"p","exponeaHardId":"registered","exponeaSoftId":"cookie","trackSessionPing":true}"#).unwrap(),
    );
    for implied in [None, Some("track")] {
        let Ok(output) = mapper.build_from_text(text, implied, IngestLimits::default()) else { continue };
        let unflattened = &plain;
        let passthrough = unflattened.build(unflattened.read_body_with(text, implied, IngestLimits::default(), Reading::Passthrough).unwrap());
        let tree = unflattened.build(unflattened.read_body_with(text, implied, IngestLimits::default(), Reading::Tree).unwrap());
        assert_eq!(
            serde_json::to_string(&passthrough).unwrap(),
            serde_json::to_string(&tree).unwrap(),
            "passthrough and tree readings map differently"
        );
        let mut accounted = HashSet::new();
        for issue in output.rejected.iter().chain(&output.skipped) {
            assert!(accounted.insert(issue.index), "event {} reported twice", issue.index);
        }
        let mut mapped = HashSet::new();
        for request in &output.requests {
            assert!((1..=50).contains(&request.commands.len()));
            let ids: HashSet<_> = request.commands.iter().map(|c| &c.command_id).collect();
            assert_eq!(ids.len(), request.commands.len(), "duplicate command_id in a request");
            let body: serde_json::Value = serde_json::from_str(&request.body).expect("request bodies are JSON");
            assert_eq!(body["commands"].as_array().unwrap().len(), request.commands.len());
            mapped.extend(request.commands.iter().map(|c| c.event_index));
        }
        assert!(mapped.is_disjoint(&accounted), "an event both mapped and rejected/skipped");
    }
}

/// Any bytes as settings: valid ones give a well-formed URL and header and normalize idempotently.
pub fn check_settings(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Settings::from_json(text) {
        Ok(settings) => {
            let url = settings.batch_url();
            assert!(url.starts_with("https://") || url.starts_with("http://"));
            assert!(url.ends_with(&format!("/track/v2/projects/{}/batch", settings.project_token())));
            assert!(!settings.project_token().is_empty() && !settings.project_token().contains('/'));
            let _ = settings.authorization();
            let again = Settings::from_json_value(&settings.to_json_value()).expect("normalized settings are valid");
            assert_eq!(again, settings);
        }
        Err(error) => assert!(!error.problems.is_empty()),
    }
}

/// Two bytes of status, one of command count, then any body: each command gets one outcome.
pub fn check_read_response(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]) % 1000;
    let count = usize::from(data[2] % 60);
    let Ok(body) = std::str::from_utf8(&data[3..]) else { return };
    let ids: Vec<String> = (0..count).map(|i| format!("c-{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let outcomes = read_response(&ids, status, body);
    assert_eq!(outcomes.len(), ids.len());
    for (outcome, id) in outcomes.iter().zip(&ids) {
        assert_eq!(&outcome.command_id, id);
    }
}
