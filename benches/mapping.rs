//! Criterion benchmarks: Segment body text in → Bloomreach request bodies out, next to the floor
//! (serde_json parse + serialize of the same bytes, no mapping). `node benches/ratios.mjs` turns
//! the results into the mapping / floor table.

#[path = "support/corpus.rs"]
mod corpus;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use segment_bloomreach::{IngestLimits, Mapper};
use std::hint::black_box;

/// The floor: what any JSON-in/JSON-out step pays at least.
fn floor(text: &str) -> usize {
    let value: serde_json::Value = serde_json::from_str(text).expect("corpus is JSON");
    serde_json::to_string(&value).expect("serializes").len()
}

/// The whole text path, as the Worker and `buildRequestsFromJson` run it.
fn mapping(text: &str, mapper: &Mapper) -> usize {
    let out = mapper
        .build_from_text(text, None, IngestLimits::default())
        .expect("corpus bodies are readable");
    assert!(out.rejected.is_empty(), "corpus events all map");
    out.requests.iter().map(|r| r.body.len()).sum()
}

/// One event per call type and size: `event/<size>/{floor,mapping}/<type>`.
fn per_call_type(c: &mut Criterion) {
    let settings = Mapper::new(corpus::settings());
    for size in corpus::SIZES {
        let mut group = c.benchmark_group(format!("event/{size}"));
        for call_type in corpus::CALL_TYPES {
            let text = corpus::read(&format!("event-{call_type}-{size}.json"));
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_with_input(BenchmarkId::new("floor", call_type), &text, |b, t| {
                b.iter(|| floor(black_box(t)))
            });
            group.bench_with_input(BenchmarkId::new("mapping", call_type), &text, |b, t| {
                b.iter(|| mapping(black_box(t), &settings))
            });
        }
        group.finish();
    }
}

/// `{"batch": [...]}` bodies: `batch/<count>/{floor,mapping,mapping_flatten}/<size>`.
fn batches(c: &mut Criterion) {
    let settings = Mapper::new(corpus::settings());
    let flattening = Mapper::new(corpus::settings_flattening());
    for (count, sizes) in [(100, &corpus::SIZES[..]), (1000, &["typical"][..])] {
        let mut group = c.benchmark_group(format!("batch/{count}"));
        group.sample_size(20);
        for &size in sizes {
            let text = corpus::read(&format!("batch-{size}-{count}.json"));
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_with_input(BenchmarkId::new("floor", size), &text, |b, t| {
                b.iter(|| floor(black_box(t)))
            });
            group.bench_with_input(BenchmarkId::new("mapping", size), &text, |b, t| {
                b.iter(|| mapping(black_box(t), &settings))
            });
            group.bench_with_input(BenchmarkId::new("mapping_flatten", size), &text, |b, t| {
                b.iter(|| mapping(black_box(t), &flattening))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, per_call_type, batches);
criterion_main!(benches);
