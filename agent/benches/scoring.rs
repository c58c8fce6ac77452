//! Throughput of response scoring (refusal verdict plus lexical signals) on one core,
//! over the real XSTest responses read from `../shared/data/xstest/`.
//!
//! Run with `cargo bench -p candor-agent --bench scoring`. Criterion reports the
//! throughput in bytes of response text per second.

use std::path::Path;

use candor_agent::input::{Record, RecordReader, DEFAULT_MAX_RECORD_BYTES};
use candor_agent::score::{LexicalScorer, RefusalClassifier, Scorer};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn load_records() -> Vec<Record> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/xstest");
    let mut records = Vec::new();
    for name in ["gpt4.jsonl", "mistralinstruct.jsonl", "mistralguard.jsonl"] {
        let path = dir.join(name);
        let reader = RecordReader::open(&path, DEFAULT_MAX_RECORD_BYTES)
            .unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()));
        records.extend(reader.map(|item| item.unwrap().unwrap()));
    }
    records
}

fn scoring(c: &mut Criterion) {
    let records = load_records();
    let bytes: u64 = records
        .iter()
        .map(|record| record.response.len() as u64)
        .sum();

    let mut group = c.benchmark_group("xstest_responses");
    group.throughput(Throughput::Bytes(bytes));

    let mut scorer = Scorer::new();
    group.bench_function("score_exchange", |b| {
        b.iter(|| {
            for record in &records {
                std::hint::black_box(scorer.score_exchange(&record.exchange()));
            }
        })
    });

    let classifier = RefusalClassifier::new();
    group.bench_function("refusal_only", |b| {
        b.iter(|| {
            for record in &records {
                std::hint::black_box(classifier.classify(&record.response));
            }
        })
    });

    let mut lexical = LexicalScorer::new();
    group.bench_function("lexical_only", |b| {
        b.iter(|| {
            for record in &records {
                std::hint::black_box(lexical.score(&record.response));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, scoring);
criterion_main!(benches);
