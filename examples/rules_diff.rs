//! Differential check of the rules against Segment's JavaScript packages: reads the JSON lines
//! that tests/node/rules-diff.test.mjs writes (generated cases with the reference's results) and
//! prints every case where this implementation disagrees, then a summary line.
//!
//!     cargo run --quiet --example rules_diff -- cases.jsonl

use segment_bloomreach::rules::fql::Subscription;
use segment_bloomreach::rules::kit::{Mapping, ResolveErrorKind};
use serde_json::{json, Value};
use std::io::{BufRead, Write};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: rules_diff CASES.jsonl");
        std::process::exit(2);
    };
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut tally = Tally::default();
    let mut out = std::io::stdout().lock();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.unwrap_or_else(|e| panic!("{path}:{}: {e}", n + 1));
        let case: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{path}:{}: {e}", n + 1));
        let verdict = match case["kind"].as_str() {
            Some("kit") => check_kit(&case),
            Some("fql") => check_fql(&case),
            other => panic!("{path}:{}: unknown kind {other:?}", n + 1),
        };
        tally.count(&verdict);
        match verdict {
            Verdict::Disagree(why) => {
                let _ = writeln!(out, "{}", json!({"line": n + 1, "why": why, "case": case}));
            }
            // RULES_DIFF_SHOW_REFUSED=1 lists the lenient queries refused, to review them.
            Verdict::Refused(why) if std::env::var_os("RULES_DIFF_SHOW_REFUSED").is_some() => {
                let _ = writeln!(out, "{}", json!({"refused": case["query"], "reason": why}));
            }
            _ => {}
        }
    }
    let _ = writeln!(out, "{}", json!({"summary": tally.summary()}));
    if tally.disagree > 0 {
        std::process::exit(1);
    }
}

enum Verdict {
    Agree,
    /// A limit of this implementation (work, depth), not a difference in meaning.
    Limit,
    /// A query the reference parses by skipping tokens, refused here by design.
    Refused(String),
    Disagree(String),
}

#[derive(Default)]
struct Tally {
    agree: u64,
    limit: u64,
    refused: u64,
    disagree: u64,
}

impl Tally {
    fn count(&mut self, verdict: &Verdict) {
        match verdict {
            Verdict::Agree => self.agree += 1,
            Verdict::Limit => self.limit += 1,
            Verdict::Refused(_) => self.refused += 1,
            Verdict::Disagree(_) => self.disagree += 1,
        }
    }

    fn summary(&self) -> Value {
        json!({"agree": self.agree, "limit": self.limit, "refused": self.refused, "disagree": self.disagree})
    }
}

/// `{kind: "kit", level: "transform" | "field", mapping, payload, reference}` where the
/// reference is `{output}`, `{undefined: true}`, `{invalid: message}` (validation) or
/// `{throws: message}`.
fn check_kit(case: &Value) -> Verdict {
    let reference = &case["reference"];
    let compiled = match case["level"].as_str() {
        Some("field") => Mapping::compile(&case["mapping"]),
        _ => Mapping::compile_transform(&case["mapping"]),
    };
    let mapping = match compiled {
        Ok(mapping) => mapping,
        Err(problems) => {
            return if reference.get("invalid").is_some() || reference.get("throws").is_some() {
                Verdict::Agree
            } else {
                Verdict::Disagree(format!("refused the mapping: {problems:?}"))
            }
        }
    };
    if let Some(why) = reference.get("invalid") {
        return Verdict::Disagree(format!("accepted a mapping the reference rejects: {why}"));
    }
    match (mapping.resolve(&case["payload"]), reference) {
        (Err(e), _) if e.kind == ResolveErrorKind::Limit => Verdict::Limit,
        (Err(_), r) if r.get("throws").is_some() => Verdict::Agree,
        (Err(e), _) => Verdict::Disagree(format!("failed: {}", e.message)),
        (Ok(_), r) if r.get("throws").is_some() => Verdict::Disagree(format!(
            "resolved where the reference throws {}",
            r["throws"]
        )),
        (Ok(None), r) if r.get("undefined").is_some() => Verdict::Agree,
        (Ok(Some(got)), r) if r.get("output").is_some_and(|want| same(&got, want)) => {
            Verdict::Agree
        }
        (Ok(got), r) => Verdict::Disagree(format!(
            "got {}, reference {r}",
            got.map_or("undefined".into(), |g| g.to_string())
        )),
    }
}

/// `{kind: "fql", query, grammatical, events, reference}` where the reference is `{error}` or
/// `{matches: [bool | null]}` (null: its `validate` threw).
fn check_fql(case: &Value) -> Verdict {
    let query = case["query"].as_str().unwrap_or_default();
    let reference = &case["reference"];
    let parsed = Subscription::parse(query);
    let matches = match (&parsed, reference.get("matches")) {
        (Err(_), None) => return Verdict::Agree,
        (Ok(_), None) => {
            return Verdict::Disagree(format!(
                "parsed a query the reference cannot parse: {}",
                reference["error"]
            ))
        }
        (Err(problem), Some(_)) if case["grammatical"] == true => {
            return Verdict::Disagree(format!("refused a grammatical query: {}", problem.message))
        }
        (Err(problem), Some(_)) => return Verdict::Refused(problem.message.clone()),
        (Ok(subscription), Some(matches)) => (subscription, matches),
    };
    let (subscription, expected) = matches;
    let events = case["events"].as_array().cloned().unwrap_or_default();
    for (event, expected) in events.iter().zip(expected.as_array().into_iter().flatten()) {
        let got = subscription.matches(event);
        if Some(got) != expected.as_bool() {
            return Verdict::Disagree(format!("matches {event} is {got}, reference {expected}"));
        }
    }
    Verdict::Agree
}

/// JSON equality where numbers compare as JavaScript's doubles (the reference's output went
/// through JSON.stringify: `1.0` is `1`, a large integer is rounded).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
