//! Bad input never panics and never sinks a batch: each bad event is rejected alone with a code.

mod support;

use segment_bloomreach::{Code, IngestLimits, Settings};
use serde_json::{json, Value};
use std::collections::HashSet;
use support::{build_requests, build_requests_from_json};

fn settings() -> Settings {
    Settings::from_json_value(&support::read_json(
        &support::fixtures_dir().join("settings.base.json"),
    ))
    .unwrap()
}

fn command_ids(output: &segment_bloomreach::BuildOutput) -> Vec<String> {
    output
        .requests
        .iter()
        .flat_map(|r| r.commands.iter().map(|c| c.command_id.clone()))
        .collect()
}

#[test]
fn a_wrong_type_in_every_field_rejects_that_event_alone() {
    let table = support::read_json(&support::fixtures_dir().join("robustness/wrong-types.json"));
    let bases: Vec<Value> = table["base"]
        .as_object()
        .unwrap()
        .values()
        .cloned()
        .collect();
    let mut checked = 0;
    for (call_type, fields) in table["reads"].as_object().unwrap() {
        for field in fields.as_array().unwrap() {
            let field = field.as_str().unwrap();
            let rule = &table["fields"][field];
            for wrong in rule["wrong"].as_array().unwrap() {
                let mut bad = table["base"][call_type].clone();
                bad[field] = wrong.clone();
                let mut events = bases.clone();
                events.insert(2, bad.clone());
                let output = build_requests(events, &settings());
                assert_eq!(
                    output.rejected.len(),
                    1,
                    "{call_type}.{field} = {wrong}: {output:?}"
                );
                assert_eq!(output.rejected[0].index, 2);
                assert_eq!(
                    output.rejected[0].code.as_str(),
                    rule["code"].as_str().unwrap(),
                    "{call_type}.{field} = {wrong}"
                );
                assert_eq!(
                    output.requests[0].commands.len(),
                    bases.len(),
                    "the valid events still map"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} combinations checked");
}

#[test]
fn one_hundred_twenty_valid_and_three_invalid_events() {
    let mut events: Vec<Value> = (0..120)
        .map(|i| json!({ "type": "track", "messageId": format!("m-{i}"), "userId": format!("u-{i}"), "event": "Viewed" }))
        .collect();
    events.insert(
        10,
        json!({ "type": "track", "messageId": "bad-1", "event": "No identity" }),
    );
    events.insert(
        70,
        json!({ "type": "nope", "messageId": "bad-2", "userId": "u" }),
    );
    events.insert(122, json!(7));
    let output = build_requests(events, &settings());

    let sizes: Vec<usize> = output.requests.iter().map(|r| r.commands.len()).collect();
    assert_eq!(sizes, vec![50, 50, 20]);
    let codes: Vec<(usize, &str)> = output
        .rejected
        .iter()
        .map(|r| (r.index, r.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (10, "missing_identity"),
            (70, "unsupported_type"),
            (122, "invalid_event")
        ]
    );
    let ids = command_ids(&output);
    assert_eq!(ids.len(), 120);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        120,
        "no duplicate command_id"
    );
    let expected: HashSet<String> = (0..120).map(|i| format!("m-{i}")).collect();
    assert_eq!(
        ids.into_iter().collect::<HashSet<_>>(),
        expected,
        "nothing lost"
    );
    // Each request's body holds exactly the commands it lists.
    for request in &output.requests {
        let body: Value = serde_json::from_str(&request.body).unwrap();
        let in_body: Vec<&str> = body["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["command_id"].as_str().unwrap())
            .collect();
        let listed: Vec<&str> = request
            .commands
            .iter()
            .map(|c| c.command_id.as_str())
            .collect();
        assert_eq!(in_body, listed);
    }
}

#[test]
fn session_pings_still_give_exactly_ceil_commands_over_fifty_requests() {
    let settings = Settings::from_json_value(&json!({
        "apiKey": "k", "projectToken": "t", "exponeaHardId": "registered", "exponeaSoftId": "cookie", "trackSessionPing": true
    }))
    .unwrap();
    let events: Vec<Value> = (0..75)
        .map(|i| json!({ "type": "page", "messageId": format!("p-{i}"), "anonymousId": "a" }))
        .collect();
    let output = build_requests(events, &settings);
    let sizes: Vec<usize> = output.requests.iter().map(|r| r.commands.len()).collect();
    assert_eq!(sizes, vec![50, 50, 50], "150 commands → 3 requests");
}

fn nested(depth: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

#[test]
fn hostile_events_in_a_body_are_rejected_alone() {
    let good = r#"{"type":"track","messageId":"good","userId":"u","event":"E"}"#;
    let deep = format!(
        r#"{{"type":"track","messageId":"deep","userId":"u","event":"E","properties":{}}}"#,
        nested(1000)
    );
    let very_deep = format!(
        r#"{{"type":"track","userId":"u","event":"E","properties":{}}}"#,
        nested(100_000)
    );
    let huge = format!(
        r#"{{"type":"track","messageId":"huge","userId":"u","event":"E","properties":{{"s":"{}"}}}}"#,
        "x".repeat(1 << 20)
    );
    let proto = r#"{"type":"identify","messageId":"proto","userId":"u","traits":{"__proto__":{"isAdmin":true}}}"#;
    let body = format!(r#"{{"batch":[{good},{deep},{very_deep},{huge},{proto},{good}]}}"#);
    let output =
        build_requests_from_json(&body, &settings(), None, IngestLimits::default()).unwrap();
    let codes: Vec<(usize, &str)> = output
        .rejected
        .iter()
        .map(|r| (r.index, r.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (1, "invalid_event"),
            (2, "invalid_event"),
            (3, "invalid_event"),
            (4, "invalid_event")
        ]
    );
    assert!(
        output.rejected[0]
            .message
            .contains("nested more than 128 levels"),
        "{}",
        output.rejected[0].message
    );
    assert!(
        output.rejected[2].message.contains("1048"),
        "{}",
        output.rejected[2].message
    );
    assert_eq!(command_ids(&output), vec!["good", "good#2"]);
}

#[test]
fn a_deep_value_built_in_rust_is_rejected_without_recursion() {
    let mut value = json!(1);
    for _ in 0..1_000 {
        value = json!([value]);
    }
    let event =
        json!({ "type": "track", "userId": "u", "event": "E", "properties": { "deep": value } });
    let output = build_requests(vec![event], &settings());
    assert_eq!(output.rejected[0].code, Code::InvalidEvent);
    assert!(output.rejected[0]
        .message
        .contains("nested more than 128 levels"));
}

#[test]
fn limits_are_exact() {
    let limits = IngestLimits::default();
    let at_limit = |depth: usize| {
        format!(
            r#"[{{"type":"track","userId":"u","event":"E","properties":{}}}]"#,
            nested(depth)
        )
    };
    // The event object is level 1 and properties level 2, so 126 more levels is the deepest allowed.
    let text = at_limit(126);
    let ok = build_requests_from_json(&text, &settings(), None, limits).unwrap();
    assert!(ok.rejected.is_empty(), "{:?}", ok.rejected);
    let text = at_limit(127);
    let too_deep = build_requests_from_json(&text, &settings(), None, limits).unwrap();
    assert_eq!(too_deep.rejected.len(), 1);

    let padded = |len: usize| {
        let head = r#"{"type":"track","userId":"u","event":"E","p":""#;
        format!("[{head}{}\"}}]", "x".repeat(len - head.len() - 2))
    };
    let text = padded(32 * 1024);
    let ok = build_requests_from_json(&text, &settings(), None, limits).unwrap();
    assert!(ok.rejected.is_empty(), "{:?}", ok.rejected);
    let text = padded(32 * 1024 + 1);
    let over = build_requests_from_json(&text, &settings(), None, limits).unwrap();
    assert_eq!(over.rejected[0].code, Code::InvalidEvent);

    let many = format!("[{}]", vec!["{}"; 2501].join(","));
    let error = build_requests_from_json(&many, &settings(), None, limits).unwrap_err();
    assert_eq!(error.code(), Code::TooManyEvents);
}

#[test]
fn implied_type_fills_in_a_missing_type_only() {
    let limits = IngestLimits::default();
    let output = build_requests_from_json(
        r#"{"userId":"u","event":"E"}"#,
        &settings(),
        Some("track"),
        limits,
    )
    .unwrap();
    let body: Value = serde_json::from_str(&output.requests[0].body).unwrap();
    assert_eq!(body["commands"][0]["data"]["event_type"], "E");
    let output = build_requests_from_json(
        r#"{"type":"identify","userId":"u"}"#,
        &settings(),
        Some("track"),
        limits,
    )
    .unwrap();
    assert_eq!(output.requests[0].commands.len(), 1);
    let body: Value = serde_json::from_str(&output.requests[0].body).unwrap();
    assert_eq!(body["commands"][0]["name"], "customers");
}
