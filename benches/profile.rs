//! A plain loop over one corpus file, for valgrind/callgrind instruction counts (stable on noisy
//! machines) and quick A/B checks: `profile [floor|mapping|mapping_flatten|rules] [file]
//! [iterations]` (`rules`: with the rules benchmark's `mappings`, `benches/rules.json`).
//! The Worker's whole pure path is `crates/worker/benches/worker_path.rs` (mode `worker` of
//! `benches/callgrind.sh`).
//! Under `cargo bench --bench profile` it prints a one-shot timing of each for the 100-event bodies.

#[path = "support/corpus.rs"]
mod corpus;

use segment_bloomreach::{IngestLimits, Mapper, Settings};
use std::hint::black_box;
use std::time::Instant;

fn run(what: &str, text: &str, mapper: &Mapper) -> usize {
    match what {
        "floor" => {
            let value: serde_json::Value = serde_json::from_str(text).expect("corpus is JSON");
            serde_json::to_string(&value).expect("serializes").len()
        }
        "mapping" | "mapping_flatten" | "rules" => mapper
            .build_from_text(text, None, IngestLimits::default())
            .expect("readable")
            .requests
            .iter()
            .map(|r| r.body.len())
            .sum(),
        other => panic!("unknown mode {other:?}: floor, mapping, mapping_flatten or rules"),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; anything starting with `-` is not ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let settings_for = |what: &str| -> Mapper {
        let settings: Settings = match what {
            "mapping_flatten" => corpus::settings_flattening(),
            "rules" => corpus::settings_with_rules(),
            _ => corpus::settings(),
        };
        Mapper::new(settings)
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
