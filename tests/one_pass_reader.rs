//! The one-pass body reader gives exactly what the slicing reader gives (events byte for byte,
//! per-event errors, body errors), on every fixture body and on crafted edge cases; and it does
//! take the usual shapes, so the agreement is not vacuous.

use segment_bloomreach::ingest::Reading;
use segment_bloomreach::{IngestLimits, Mapper};
use serde_json::Value;
use std::fs;

const LIMITS_TIGHT: IngestLimits = IngestLimits {
    max_event_bytes: 60,
    max_events: 3,
};

/// Every reading the Worker and the package do: implied type or not, passthrough or not, and
/// Segment's limits or tight ones (so the size and count limits are crossed).
fn check(text: &str) -> Option<bool> {
    let mut taken = None;
    for implied in [None, Some("track")] {
        for reading in [Reading::Tree, Reading::Passthrough] {
            for limits in [IngestLimits::default(), LIMITS_TIGHT] {
                match Mapper::reader_agrees(text, implied, limits, reading) {
                    Some(false) => {
                        panic!("the readers disagree on {text:?} (implied {implied:?}, {reading:?}, {limits:?})")
                    }
                    Some(true) => taken = Some(true),
                    None => {}
                }
            }
        }
    }
    taken
}

fn fixture_bodies() -> Vec<String> {
    let mut bodies = Vec::new();
    let batch: Value =
        serde_json::from_str(&fs::read_to_string("tests/fixtures/batch/requests.json").unwrap())
            .unwrap();
    for case in batch["cases"].as_array().unwrap() {
        if let Some(events) = case.get("events") {
            bodies.push(events.to_string());
            bodies.push(serde_json::json!({ "batch": events }).to_string());
            bodies.push(
                serde_json::to_string_pretty(&serde_json::json!({ "batch": events })).unwrap(),
            );
        }
        if let Some(body) = case.get("body") {
            bodies.push(
                body.as_str()
                    .map_or_else(|| body.to_string(), str::to_string),
            );
        }
    }
    for entry in fs::read_dir("tests/fixtures/mapping").unwrap() {
        let file: Value =
            serde_json::from_str(&fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        for case in file["cases"].as_array().unwrap() {
            bodies.push(case["event"].to_string());
        }
    }
    bodies
}

#[test]
fn agrees_on_every_fixture_body() {
    let bodies = fixture_bodies();
    assert!(bodies.len() > 100, "fixtures found: {}", bodies.len());
    let taken = bodies
        .iter()
        .filter(|body| check(body) == Some(true))
        .count();
    // Almost every fixture body is well formed, so the one-pass reader takes it.
    assert!(
        taken * 10 >= bodies.len() * 9,
        "one-pass took {taken} of {}",
        bodies.len()
    );
}

#[test]
fn takes_the_usual_shapes() {
    for body in [
        r#"{"batch":[{"type":"track","userId":"u","event":"E","properties":{"a":1}}],"sentAt":"2024-01-01T00:00:00Z"}"#,
        r#"{"sentAt":"x","batch":[],"context":{"library":{"name":"n"}},"integrations":{"All":true},"writeKey":"k"}"#,
        r#"[{"type":"page","anonymousId":"a"},{"type":"identify","userId":"u","traits":{"t":[1,2,{"x":null}]}}]"#,
        r#"{"type":"track","userId":"u","event":"E"}"#,
        " \n\t{ \"batch\" : [ { \"type\" : \"track\" } , { } ] } \r\n",
        "[]",
        "{}",
        "[1, \"two\", null, true, [3]]",
        r#"{"batch":[{"type":"track","userId":"u","event":"a long event name well past sixty bytes of JSON text in all"}]}"#,
        r#"{"batch":[{},{},{}]}"#,
        r#"{"batch":[{"context":{"ip":"1.2.3.4"}}],"context":{"ip":"5.6.7.8","locale":"fr"}}"#,
        r#"{"batch":[{}],"context":null,"integrations":null}"#,
        r#"{"batch":[{}],"context":[1]}"#,
        r#"{"batch":[{"type":"track","properties":{"k":"\u00e9\n","n":1.50,"big":123456789012345678901234567890}}]}"#,
        r#"{"batch":[{"type":"track","properties":{"__proto__":{"x":1}}}]}"#,
        r#"{"batch":[{"type":"track","properties":{"a":1,"a":2}}]}"#,
    ] {
        assert_eq!(check(body), Some(true), "one-pass should take {body:?}");
    }
    // Events of 57 to 63 bytes around the tight limit of 60, with whitespace around them.
    for pad in 0..7 {
        let event = format!(
            "{{\"type\":\"track\",\"event\":\"{}\"}}",
            "x".repeat(31 + pad)
        );
        let body = format!("{{\"batch\":[ {event} ,\n{event}]}}");
        assert_eq!(check(&body), Some(true), "one-pass should take {body:?}");
    }
}

#[test]
fn agrees_where_it_declines_or_the_body_is_odd() {
    let deep = format!("{{\"batch\":[{}{}]}}", "[".repeat(200), "]".repeat(200));
    let deep_event = format!(
        "{{\"batch\":[{{\"type\":\"track\",\"properties\":{}1{}}},{{\"type\":\"track\"}}]}}",
        "{\"a\":".repeat(140),
        "}".repeat(140)
    );
    let many = format!("{{\"batch\":[{}]}}", ["{}"; 4].join(","));
    for body in [
        "",
        "   ",
        "\u{feff}{\"batch\":[]}",
        "null",
        "42",
        "\"text\"",
        "{\"batch\":null}",
        "{\"batch\":{}}",
        "{\"batch\":\"x\"}",
        "{\"batch\":[{}],\"batch\":[{}]}",
        "{\"batch\":[{}],\"context\":{},\"context\":{}}",
        "{\"b\\u0061tch\":[{\"type\":\"track\"}]}",
        "{\"bat\nch\":[]}",
        "{\"batch\":[{},]}",
        "{\"batch\":[{} {}]}",
        "{\"batch\":[{}]} x",
        "{\"batch\":[{}]}}",
        "{\"batch\":[{}],}",
        "{\"batch\":[{}]",
        "{\"batch\":[{\"a\":1]}",
        "[{},]",
        "[{}",
        "[1 2]",
        "{\"type\":\"track\",\"x\":tru}",
        "{\"type\":\"track\",\"x\":01}",
        "{\"a\":\"\\x\"}",
        &deep,
        &deep_event,
        &many,
    ] {
        check(body);
    }
}
