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

/// Any bytes as the rules' input: the text before the first newline is a mapping (as JSON), a
/// rule set and a subscription (as text); the rest is an event. Nothing panics; compiling and
/// matching are deterministic; outputs are JSON; rule commands have the types RULES.md asks for.
pub fn check_rules(data: &[u8]) {
    use segment_bloomreach::rules::fql::Subscription;
    use segment_bloomreach::rules::kit::Mapping;
    use segment_bloomreach::rules::{CommandKind, EventBudget, RuleSet};
    use serde_json::Value;

    let Ok(text) = std::str::from_utf8(data) else { return };
    let (head, tail) = text.split_once('\n').unwrap_or((text, "{}"));
    let event: Value = serde_json::from_str(tail).unwrap_or_else(|_| serde_json::json!({ "text": tail }));

    match Subscription::parse(head) {
        Ok(subscription) => {
            // Compared as written out: a NaN in a comparison is not equal to itself.
            let again = Subscription::parse(head).map(|s| format!("{s:?}"));
            assert_eq!(again.ok(), Some(format!("{subscription:?}")), "parsing is deterministic");
            let _ = subscription.matches(&event);
        }
        Err(problem) => assert!(!problem.message.is_empty()),
    }
    let Ok(mapping) = serde_json::from_str::<Value>(head) else { return };
    for compiled in [Mapping::compile(&mapping), Mapping::compile_transform(&mapping)] {
        match compiled {
            Ok(compiled) => {
                // The payload read from text gives the same output as the payload as a Value
                // (when the text reads back as the same Value: serde_json's fast float parsing
                // can be a unit off, see docs/rules.md).
                let text = event.to_string();
                if serde_json::from_str::<Value>(&text).ok().as_ref() == Some(&event) {
                    if let (Ok(a), Ok(b)) = (compiled.resolve_to_json(&event), compiled.resolve_text_to_json(&text)) {
                        assert_eq!(a, b, "resolve_text_to_json differs from resolve_to_json");
                    }
                }
                match (compiled.resolve(&event), compiled.resolve_to_json(&event)) {
                (Ok(Some(output)), Ok(Some(text))) => {
                    let parsed: Value = serde_json::from_str(&text).expect("resolve_to_json writes JSON");
                    assert!(same_json(&parsed, &output), "resolve_to_json wrote {text}, resolve gave {output}");
                }
                (Ok(None), Ok(None)) => {}
                (Err(a), Err(b)) if a == b => {}
                // Writing text and building values cost differently: near the work limit one may stop.
                (Err(e), _) | (_, Err(e)) if e.kind == segment_bloomreach::rules::kit::ResolveErrorKind::Limit => {}
                (a, b) => panic!("resolve and resolve_to_json disagree: {a:?} / {b:?}"),
                }
            }
            Err(problems) => assert!(!problems.is_empty() && problems.iter().all(|p| !p.message.is_empty())),
        }
    }
    if let Ok(rules) = RuleSet::compile(&mapping) {
        let mut budget = EventBudget::new();
        for rule in rules.matching(&event) {
            let Ok(commands) = rule.emit(&event, &mut budget) else { continue };
            for command in commands {
                match command.kind {
                    CommandKind::Event => assert!(command.event_type.as_deref().is_some_and(|t| !t.is_empty())),
                    CommandKind::Customer => assert!(command.event_type.is_none()),
                }
                for id in command.customer_ids.iter().flat_map(|ids| ids.values()) {
                    assert!(id.is_number() || id.as_str().is_some_and(|s| !s.is_empty()));
                }
            }
        }
    }
}

/// JSON equality with numbers compared as doubles (JavaScript writes `1.0` as `1`).
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}
