//! The rules' limits, and hostile mappings, subscriptions and payloads: each one ends quickly in
//! an output or an error, never a panic, a hang, a stack overflow or unbounded memory.

use segment_bloomreach::rules::fql::{Subscription, MAX_SUBSCRIPTION_CHARS};
use segment_bloomreach::rules::kit::{
    Mapping, ResolveErrorKind, MAX_MAPPING_DEPTH, MAX_TEMPLATE_BYTES,
};
use segment_bloomreach::rules::{EventBudget, RuleSet};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Hostile inputs must end within this (debug build, shared CI machine).
const QUICK: Duration = Duration::from_secs(3);

fn nested(depth: usize, leaf: Value, wrap: impl Fn(Value) -> Value) -> Value {
    (0..depth).fold(leaf, |inner, _| wrap(inner))
}

/// `{key: value}` without copying `value` (`json!` serializes an expression again).
fn object(key: &str, value: Value) -> Value {
    Value::Object([(key.to_string(), value)].into_iter().collect())
}

/// Resolves and returns the outcome, checking it ends quickly.
fn resolve_quickly(mapping: &Value, payload: &Value) -> Result<Option<Value>, ResolveErrorKind> {
    let started = Instant::now();
    let mapping = Mapping::compile(mapping).expect("the mapping compiles");
    let outcome = mapping.resolve(payload).map_err(|e| e.kind);
    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
    outcome
}

#[test]
fn a_mapping_nested_too_deep_is_refused_not_walked() {
    let ok = nested(MAX_MAPPING_DEPTH, json!(1), |v| object("a", v));
    assert!(Mapping::compile(&ok).is_ok());
    let deep = nested(MAX_MAPPING_DEPTH + 1, json!(1), |v| object("a", v));
    let problems = Mapping::compile(&deep).unwrap_err();
    assert_eq!(
        serde_json::to_value(problems).unwrap(),
        json!([{ "path": "", "message": "a mapping may be nested at most 64 levels deep" }])
    );
    // Far deeper than any parser would allow: still refused, not overflowing the stack.
    let very_deep = nested(100_000, json!(1), |v| Value::Array(vec![v]));
    assert!(Mapping::compile(&very_deep).is_err());
    assert!(Mapping::compile_transform(&very_deep).is_err());
    std::mem::forget(very_deep); // serde_json's own drop recurses
}

#[test]
fn a_template_over_the_limit_is_refused() {
    let template = "x".repeat(MAX_TEMPLATE_BYTES + 1);
    let problems = Mapping::compile(&json!({ "@template": template })).unwrap_err();
    assert_eq!(problems[0].path, r#"["@template"]"#);
    assert!(Mapping::compile(&json!({ "@template": "x".repeat(MAX_TEMPLATE_BYTES) })).is_ok());
}

#[test]
fn a_subscription_over_the_limit_is_refused() {
    let long = format!("event = \"{}\"", "x".repeat(MAX_SUBSCRIPTION_CHARS));
    assert!(Subscription::parse(&long).is_err());
    let many = vec!["event = \"a\""; 600].join(" or ");
    assert!(many.len() < MAX_SUBSCRIPTION_CHARS);
    assert!(Subscription::parse(&many)
        .unwrap()
        .matches(&json!({ "event": "a" })));
}

#[test]
fn nested_transforms_that_double_the_payload_stop_at_the_work_limit() {
    // Each level's payload holds the previous one twice: 2^20 copies if nothing stopped it.
    let level = |inner: Value| json!({ "@transform": { "apply": { "a": { "@path": "$." }, "b": { "@path": "$." } }, "mapping": inner } });
    let mapping = nested(20, json!({ "@path": "$." }), level);
    let payload = json!({ "properties": { "text": "x".repeat(1000) } });
    assert_eq!(
        resolve_quickly(&mapping, &payload),
        Err(ResolveErrorKind::Limit)
    );
    // A few levels are fine.
    let small = nested(3, json!({ "@path": "$.a.b.a.properties.text" }), level);
    assert_eq!(
        resolve_quickly(&small, &payload),
        Ok(Some(json!("x".repeat(1000))))
    );
}

#[test]
fn array_paths_nested_in_themselves_stop_at_the_work_limit() {
    // Each level maps every element of a 200-element list, each element holding the list again.
    let list: Vec<Value> = (0..200).map(|i| json!({ "i": i })).collect();
    let payload = json!({ "list": list });
    let level = |inner: Value| json!({ "@arrayPath": ["$.list", { "x": inner }] });
    let deep = nested(8, json!({ "@path": "$.i" }), level);
    // The elements have no `list`, so each level maps nothing further: fine.
    assert!(resolve_quickly(&deep, &payload).is_ok());
    // Elements that each hold the whole list again multiply the work per level.
    let mut rich = payload.clone();
    let copy = rich["list"].clone();
    for element in rich["list"].as_array_mut().unwrap() {
        element["list"] = copy.clone();
    }
    let outcome = resolve_quickly(&nested(3, json!({ "@path": "$.i" }), level), &rich);
    assert!(
        matches!(outcome, Ok(Some(_)) | Err(ResolveErrorKind::Limit)),
        "{outcome:?}"
    );
}

#[test]
fn copying_a_large_payload_many_times_stops_at_the_work_limit() {
    let payload = json!({ "properties": { "text": "y".repeat(32_000) } });
    let many: serde_json::Map<String, Value> = (0..2000)
        .map(|i| {
            (
                format!("k{i}"),
                json!({ "@json": { "mode": "encode", "value": { "@path": "$." } } }),
            )
        })
        .collect();
    assert!(resolve_quickly(&Value::Object(many), &payload) == Err(ResolveErrorKind::Limit));
    let templates: serde_json::Map<String, Value> = (0..2000)
        .map(|i| {
            (
                format!("k{i}"),
                json!({ "@template": "{{properties.text}}{{properties.text}}" }),
            )
        })
        .collect();
    assert!(resolve_quickly(&Value::Object(templates), &payload) == Err(ResolveErrorKind::Limit));
}

#[test]
fn a_quadratic_replacement_stops_at_the_work_limit() {
    // `$\`` puts in everything before each match: n²/2 characters for n matches.
    let payload = json!({ "s": "a".repeat(30_000) });
    let mapping =
        json!({ "@replace": { "pattern": "a", "replacement": "$`", "value": { "@path": "$.s" } } });
    assert!(resolve_quickly(&mapping, &payload) == Err(ResolveErrorKind::Limit));
}

#[test]
fn deep_payloads_are_refused_not_overflowing_the_stack() {
    let deep = nested(5_000, json!("leaf"), |v| object("a", Value::Array(vec![v])));
    let payload = object("properties", deep);
    for mapping in [
        json!({ "v": { "@path": "$.properties" } }),
        json!({ "@json": { "mode": "encode", "value": { "@path": "$.properties" } } }),
        json!({ "@flatten": { "separator": ".", "value": { "@path": "$.properties" } } }),
        json!({ "@template": "{{properties.a}}" }),
        json!({ "@excludeWhenNull": { "@path": "$.properties" } }),
        json!({ "@merge": { "direction": "right", "objects": [{ "@path": "$.properties" }] } }),
        json!({ "@transform": { "apply": { "p": { "@path": "$.properties" } }, "mapping": { "@path": "$.p" } } }),
    ] {
        let outcome = resolve_quickly(&mapping, &payload);
        assert!(
            matches!(outcome, Ok(_) | Err(ResolveErrorKind::Limit)),
            "{mapping}: {outcome:?}"
        );
    }
    // A path to a leaf deep inside needs no walking of the rest.
    let path = format!("$.properties{}", ".a.0".repeat(5_000));
    assert_eq!(
        resolve_quickly(&json!({ "@path": path }), &payload),
        Ok(Some(json!("leaf")))
    );
    let query = format!("properties{} = \"leaf\"", ".a.\\0".repeat(1_500));
    let subscription = Subscription::parse(&query).unwrap();
    assert!(!subscription.matches(&payload));
    std::mem::forget(payload); // serde_json's own drop recurses
}

#[test]
fn a_json_text_nested_deeper_than_128_levels_stays_text() {
    let text = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let mapping = json!({ "@json": { "mode": "decode", "value": { "@path": "$.t" } } });
    assert_eq!(
        resolve_quickly(&mapping, &json!({ "t": text })),
        Ok(Some(json!(text)))
    );
}

#[test]
fn hostile_subscriptions_end_quickly() {
    let started = Instant::now();
    for query in [
        "(".repeat(9_000),
        "a".repeat(9_999),
        "\\".repeat(9_999),
        "\"".repeat(9_999),
        format!("event = {}", "1".repeat(9_000)),
        format!("event = 1.{}", "1".repeat(9_000)),
        "n".repeat(9_999),
        "and ".repeat(2_000),
        format!("properties.{} = 1", "a.".repeat(4_000) + "a"),
    ] {
        let _ = Subscription::parse(&query);
    }
    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
}

#[test]
fn a_rule_set_of_the_largest_size_compiles_and_runs() {
    let rule = json!({ "subscribe": "type = \"track\"", "eventType": { "@path": "$.event" }, "forEach": { "@path": "$.properties.list" }, "properties": { "i": { "@path": "$.index" }, "v": { "@path": "$.item" } } });
    let set = RuleSet::compile(&Value::Array(vec![rule; 100])).unwrap();
    let list: Vec<Value> = (0..100).map(Value::from).collect();
    let event = json!({ "type": "track", "event": "E", "properties": { "list": list } });
    let started = Instant::now();
    let mut budget = EventBudget::new();
    let mut commands = 0;
    for rule in set.matching(&event) {
        commands += rule.emit(&event, &mut budget).unwrap().len();
    }
    assert_eq!(commands, 10_000);
    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
}

#[test]
fn all_the_rules_of_an_event_share_one_budget() {
    // One rule copying a large payload into many commands is fine; a hundred of them are not.
    let rule = json!({ "subscribe": "type = \"track\"", "eventType": "e", "forEach": { "@path": "$.properties.list" }, "properties": { "all": { "@path": "$.properties.text" } } });
    let set = RuleSet::compile(&Value::Array(vec![rule; 100])).unwrap();
    let list: Vec<Value> = (0..50).map(Value::from).collect();
    let event =
        json!({ "type": "track", "properties": { "list": list, "text": "z".repeat(10_000) } });
    assert!(set.rules()[0].emit(&event, &mut EventBudget::new()).is_ok());
    let started = Instant::now();
    let mut budget = EventBudget::new();
    let outcomes: Vec<bool> = set
        .matching(&event)
        .map(|rule| rule.emit(&event, &mut budget).is_ok())
        .collect();
    assert!(outcomes[0] && !outcomes[99], "{outcomes:?}");
    assert!(started.elapsed() < QUICK, "took {:?}", started.elapsed());
}
