//! Runs every case of `tests/fixtures/rules` (mapping-kit, FQL and rule sets) through the Rust
//! rules and compares whole outputs. The Node test `tests/node/rules-fixtures.test.mjs` checks
//! the same kit and FQL cases against Segment's own packages.

mod support;

use segment_bloomreach::rules::fql::Subscription;
use segment_bloomreach::rules::kit::Mapping;
use segment_bloomreach::rules::{EventBudget, RuleCommand, RuleSet};
use serde_json::{json, Map, Value};

#[test]
fn every_mapping_kit_fixture_matches() {
    support::check_cases("rules/kit", 150, |case| {
        let mapping = &case["mapping"];
        check_kit(Mapping::compile_transform(mapping), case)?;
        // An object mapping (without the root directive key) is also a field's mapping value.
        let plain = mapping
            .as_object()
            .is_some_and(|m| !m.contains_key("__segment_internal_directive"));
        if plain {
            check_kit(Mapping::compile(mapping), case)
                .map_err(|why| format!("as a field: {why}"))?;
        }
        Ok(())
    });
}

fn check_kit(
    compiled: Result<Mapping, Vec<segment_bloomreach::rules::Problem>>,
    case: &Value,
) -> Result<(), String> {
    let mapping = match (compiled, case.get("error")) {
        (Err(problems), Some(expected)) => return support::same(&json!(problems), expected),
        (Err(problems), None) => return Err(format!("refused: {}", json!(problems))),
        (Ok(_), Some(expected)) => {
            return Err(format!("accepted, expected the problems {expected}"))
        }
        (Ok(mapping), None) => mapping,
    };
    let got = match mapping.resolve(&case["payload"]) {
        Ok(Some(output)) => json!({ "expected": output }),
        Ok(None) => json!({ "undefined": true }),
        Err(error) => json!({ "throws": error.message }),
    };
    // The same output written straight to JSON text.
    let text = match mapping.resolve_to_json(&case["payload"]) {
        Ok(Some(text)) => {
            json!({ "expected": serde_json::from_str::<Value>(&text).map_err(|e| format!("{text}: {e}"))? })
        }
        Ok(None) => json!({ "undefined": true }),
        Err(error) => json!({ "throws": error.message }),
    };
    support::same(&text, &got).map_err(|why| format!("resolve_to_json: {why}"))?;
    // And from the payload as text, read into the resolver's own tree.
    let from_text = match mapping.resolve_text_to_json(&case["payload"].to_string()) {
        Ok(Some(text)) => {
            json!({ "expected": serde_json::from_str::<Value>(&text).map_err(|e| format!("{text}: {e}"))? })
        }
        Ok(None) => json!({ "undefined": true }),
        Err(error) => json!({ "throws": error.message }),
    };
    support::same(&from_text, &got).map_err(|why| format!("resolve_text_to_json: {why}"))?;
    // And from only what the mapping reads of the payload (what the npm package sends).
    let projected = mapping.reads().project(&case["payload"]);
    let from_reads = match mapping.resolve(&projected) {
        Ok(Some(output)) => json!({ "expected": output }),
        Ok(None) => json!({ "undefined": true }),
        Err(error) => json!({ "throws": error.message }),
    };
    support::same(&from_reads, &got)
        .map_err(|why| format!("from what it reads, {projected}: {why}"))?;
    let want: Map<String, Value> = ["expected", "undefined", "throws"]
        .into_iter()
        .filter_map(|k| case.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    support::same(&got, &Value::Object(want))
}

#[test]
fn every_fql_fixture_matches() {
    support::check_cases("rules/fql", 60, |case| {
        let query = case["query"].as_str().ok_or("no query")?;
        match (Subscription::parse(query), case.get("error")) {
            (Err(problem), Some(expected)) => support::same(&json!(problem.message), expected),
            (Err(problem), None) => Err(format!("refused: {}", problem.message)),
            (Ok(_), Some(expected)) => Err(format!("parsed, expected the error {expected}")),
            (Ok(subscription), None) => {
                let events = case["events"].as_array().ok_or("no events")?;
                let got: Vec<Value> = events
                    .iter()
                    .map(|e| json!({ "event": e["event"], "matches": subscription.matches(&e["event"]) }))
                    .collect();
                support::same(&json!(got), &case["events"])
            }
        }
    });
}

#[test]
fn every_rule_set_fixture_matches() {
    support::check_cases("rules/sets", 25, |case| {
        let set = match (RuleSet::compile(&case["mappings"]), case.get("problems")) {
            (Err(problems), Some(expected)) => return support::same(&json!(problems), expected),
            (Err(problems), None) => return Err(format!("refused: {}", json!(problems))),
            (Ok(_), Some(expected)) => {
                return Err(format!("accepted, expected the problems {expected}"))
            }
            (Ok(set), None) => set,
        };
        let emitted = |event: &Value| -> Value {
            let mut budget = EventBudget::new();
            let emitted: Vec<Value> = set
                .matching(event)
                .map(|rule| match rule.emit(event, &mut budget) {
                    Ok(commands) => json!({ "rule": rule.name, "commands": commands.iter().map(command_json).collect::<Vec<_>>() }),
                    Err(failure) => json!({ "rule": failure.rule, "failure": { "field": failure.field, "message": failure.message } }),
                })
                .collect();
            json!(emitted)
        };
        support::same(&emitted(&case["event"]), &case["emitted"])?;
        // The same from only what the rules read of the event.
        let projected = set.reads().project(&case["event"]);
        support::same(&emitted(&projected), &case["emitted"])
            .map_err(|why| format!("from what the rules read, {projected}: {why}"))
    });
}

/// A command as the fixtures write it (absent fields left out).
fn command_json(command: &RuleCommand) -> Value {
    let mut out = Map::new();
    out.insert(
        "kind".into(),
        json!(format!("{:?}", command.kind).to_lowercase()),
    );
    if let Some(event_type) = &command.event_type {
        out.insert("eventType".into(), json!(event_type));
    }
    out.insert(
        "properties".into(),
        Value::Object(command.properties.clone()),
    );
    if let Some(ids) = &command.customer_ids {
        out.insert("customerIds".into(), Value::Object(ids.clone()));
    }
    if let Some(timestamp) = &command.timestamp {
        out.insert("timestamp".into(), timestamp.clone());
    }
    if let Some(item) = command.item {
        out.insert("item".into(), json!(item));
    }
    Value::Object(out)
}
