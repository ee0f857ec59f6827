//! A plain loop over one corpus file, for valgrind/callgrind instruction counts (stable on noisy
//! machines) and quick A/B checks: `profile [floor|mapping|mapping_flatten|worker] [file] [iterations]`.
//! `worker` is the Worker's whole pure path for one direct-mode request: map, split into
//! commands, pack, write each request body, read a success answer per request, keep the ledger
//! and write the summary (everything but the I/O).
//! Under `cargo bench --bench profile` it prints a one-shot timing of both for the 100-event body.

#[path = "support/corpus.rs"]
mod corpus;

use segment_bloomreach::batch::build_requests_with_message_ids;
use segment_bloomreach::delivery::{
    classify_response, pack_into_requests, request_body, split_requests, DeliverySummary, Ledger,
};
use segment_bloomreach::{build_requests_from_json, IngestLimits, Settings};
use std::hint::black_box;
use std::time::Instant;

fn run(what: &str, text: &str, settings: &Settings) -> usize {
    match what {
        "floor" => {
            let value: serde_json::Value = serde_json::from_str(text).expect("corpus is JSON");
            serde_json::to_string(&value).expect("serializes").len()
        }
        "mapping" | "mapping_flatten" => {
            build_requests_from_json(text, settings, None, IngestLimits::default())
                .expect("readable")
                .requests
                .iter()
                .map(|r| r.body.len())
                .sum()
        }
        "worker" => worker_path(text, settings),
        other => panic!("unknown mode {other:?}: floor, mapping, mapping_flatten or worker"),
    }
}

/// What the Worker does with one `/v1/batch` body in direct mode, minus the fetches: an instant
/// success answer, echoing each command_id as Bloomreach does, stands in for each upstream
/// reply (writing it is counted too, a few per cent of the total).
fn worker_path(text: &str, settings: &Settings) -> usize {
    let (output, message_ids) =
        build_requests_with_message_ids(text, settings, None, IngestLimits::default())
            .expect("readable");
    let pending = split_requests(&output.requests).expect("ranges");
    let mut ledger = Ledger::new(&pending);
    let mut sent = 0;
    for group in pack_into_requests(pending) {
        sent += request_body(&group).len();
        let ids: Vec<&str> = group.iter().map(|c| c.command_id.as_str()).collect();
        // Bloomreach echoes each command_id in its result.
        let mut answer = String::from("{\"success\":true,\"results\":[");
        for (i, id) in ids.iter().enumerate() {
            answer.push_str(if i == 0 { "{" } else { ",{" });
            answer.push_str("\"success\":true,\"command_id\":");
            answer.push_str(&serde_json::to_string(id).expect("a string serializes"));
            answer.push('}');
        }
        answer.push_str("]}");
        let outcomes = classify_response(&ids, 200, &answer);
        ledger.record(group, &outcomes);
    }
    let summary = DeliverySummary::direct(
        message_ids.len(),
        output.rejected,
        output.skipped,
        &ledger,
        &message_ids,
        0,
    );
    sent + serde_json::to_string(&summary).expect("serializes").len()
}

fn main() {
    // `cargo bench` passes `--bench`; anything starting with `-` is not ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let settings_for = |what: &str| {
        if what == "mapping_flatten" {
            corpus::settings_flattening()
        } else {
            corpus::settings()
        }
    };
    if let Some(what) = args.first() {
        let file = args.get(1).map_or("batch-typical-100.json", String::as_str);
        let iterations: usize = args.get(2).map_or(20, |n| n.parse().expect("iterations"));
        let text = corpus::read(file);
        let settings = settings_for(what);
        let mut total = 0;
        for _ in 0..iterations {
            total += run(what, black_box(&text), &settings);
        }
        println!("{what} {file} x{iterations}: {total} bytes out");
        return;
    }
    for file in [
        "batch-small-100.json",
        "batch-typical-100.json",
        "batch-large-100.json",
    ] {
        let text = corpus::read(file);
        let mut times = Vec::new();
        for what in ["floor", "mapping", "mapping_flatten"] {
            let settings = settings_for(what);
            run(what, &text, &settings);
            let start = Instant::now();
            let mut n = 0;
            while start.elapsed().as_millis() < 500 {
                black_box(run(what, black_box(&text), &settings));
                n += 1;
            }
            times.push(start.elapsed().as_secs_f64() / n as f64);
        }
        println!(
            "{file}: floor {:.1} µs, mapping {:.1} µs ({:.2}× floor), flattening {:.1} µs ({:.2}×)",
            times[0] * 1e6,
            times[1] * 1e6,
            times[1] / times[0],
            times[2] * 1e6,
            times[2] / times[0]
        );
    }
}
