//! The Worker's whole pure path for one direct-mode request, in a plain loop for callgrind and quick A/B checks: `worker_path [file] [iterations] [ledger|plain]`.
//!
//! Map and pack with the core (keyed, as the Worker builds), read an instant success answer per
//! request (echoing each command_id, as Bloomreach does; writing it is counted too, a few per cent
//! of the total), keep the outcomes and write the summary: everything the Worker does but the
//! I/O. With `ledger` (the default) also the delivery ledger's bookkeeping on the Worker's side:
//! each command entered in a book, the claim requests written per object and their (empty)
//! answers read, each key's fate recorded and the settle requests written.

#[path = "../../../benches/support/corpus.rs"]
mod corpus;

use segment_bloomreach::{Delivery, IngestLimits, Mapper};
use segment_bloomreach_worker::delivery::outcomes::{classify_response, Outcomes};
use segment_bloomreach_worker::delivery::summary::DeliverySummary;
use segment_bloomreach_worker::ledger::book::{Book, KeyFate};
use segment_bloomreach_worker::ledger::protocol::{ClaimAnswer, ClaimRequest, SettleRequest};
use segment_bloomreach_worker::ledger::shard::{by_shard, shard_of, DEFAULT_OBJECTS};
use std::hint::black_box;

fn worker_path(text: &str, mapper: &Mapper, ledger: bool) -> usize {
    let slots = mapper
        .read_body(text, None, IngestLimits::default())
        .expect("readable");
    let output = mapper.build_keyed(slots);
    let mut outcomes = Outcomes::new(&output.requests);
    let mut book = Book::new();
    let mut sent = 0;
    if ledger {
        for request in &output.requests {
            for c in &request.commands {
                book.enter(c.event_index, &c.command_id, c.ledger_key.as_deref());
            }
        }
        let keys: Vec<&str> = book.keys().collect();
        let groups = by_shard(keys.iter().copied(), DEFAULT_OBJECTS);
        let mut claims = Vec::new();
        for (_, positions) in &groups {
            let claim = ClaimRequest {
                owner: "0123456789abcdef0123456789".into(),
                lease_ms: 29_000,
                keys: positions.iter().map(|&p| keys[p].to_string()).collect(),
            };
            sent += serde_json::to_string(&claim).expect("serializes").len();
            claims.push(serde_json::from_str::<ClaimAnswer>("{}").expect("reads"));
        }
        for ((_, positions), answer) in groups.iter().zip(&claims) {
            book.claimed(positions, answer);
        }
    }
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
        if ledger {
            for (c, o) in request.commands.iter().zip(&answer_outcomes) {
                if let (Some(key), Delivery::Delivered) = (&c.ledger_key, o.outcome) {
                    book.record(key, KeyFate::Delivered);
                }
            }
        }
        outcomes.record(request, &answer_outcomes);
    }
    if ledger {
        let settlement = book.settlement("0123456789abcdef0123456789");
        let mut per_shard: Vec<SettleRequest> = vec![SettleRequest::default(); DEFAULT_OBJECTS];
        for key in settlement.delivered {
            per_shard[shard_of(&key, DEFAULT_OBJECTS)]
                .delivered
                .push(key);
        }
        for request in per_shard.iter().filter(|r| !r.delivered.is_empty()) {
            sent += serde_json::to_string(request).expect("serializes").len();
        }
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
    let ledger = args.get(2).is_none_or(|mode| mode != "plain");
    let text = corpus::read(file);
    let mapper = Mapper::new(corpus::settings());
    let mut total = 0;
    for _ in 0..iterations {
        total += worker_path(black_box(&text), &mapper, ledger);
    }
    println!("worker {file} x{iterations}: {total} bytes out");
}
