//! The Worker's whole pure path for one direct-mode request, in a plain loop for callgrind and quick A/B checks: `worker_path [file] [iterations]`.
//!
//! Map and pack with the core, read an instant success answer per request (echoing each
//! command_id, as Bloomreach does; writing it is counted too, a few per cent of the total), keep
//! the outcomes and write the summary: everything the Worker does but the I/O.

#[path = "../../../benches/support/corpus.rs"]
mod corpus;

use segment_bloomreach::{IngestLimits, Mapper};
use segment_bloomreach_worker::delivery::outcomes::{classify_response, Outcomes};
use segment_bloomreach_worker::delivery::summary::DeliverySummary;
use std::hint::black_box;

fn worker_path(text: &str, mapper: &Mapper) -> usize {
    let output = mapper
        .build_from_text(text, None, IngestLimits::default())
        .expect("readable");
    let mut outcomes = Outcomes::new(&output.requests);
    let mut sent = 0;
    for request in &output.requests {
        sent += request.body.len();
        let ids: Vec<&str> = request
            .commands
            .iter()
            .map(|c| c.command_id.as_str())
            .collect();
        let mut answer = String::from("{\"success\":true,\"results\":[");
        for (i, id) in ids.iter().enumerate() {
            answer.push_str(if i == 0 { "{" } else { ",{" });
            answer.push_str("\"success\":true,\"command_id\":");
            answer.push_str(&serde_json::to_string(id).expect("a string serializes"));
            answer.push('}');
        }
        answer.push_str("]}");
        let answer_outcomes = classify_response(&ids, 200, &answer);
        outcomes.record(request, &answer_outcomes);
    }
    let summary = DeliverySummary::direct(
        output.received(),
        output.rejected,
        output.skipped,
        &outcomes,
        &output.message_ids,
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
    let file = args.first().map_or("batch-small-1000.json", String::as_str);
    let iterations: usize = args.get(1).map_or(20, |n| n.parse().expect("iterations"));
    let text = corpus::read(file);
    let mapper = Mapper::new(corpus::settings());
    let mut total = 0;
    for _ in 0..iterations {
        total += worker_path(black_box(&text), &mapper);
    }
    println!("worker {file} x{iterations}: {total} bytes out");
}
