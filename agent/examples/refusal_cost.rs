//! Measures what building the refusal classifier costs: wall time and the growth of the
//! process's resident memory (Linux `VmRSS`).
//!
//! Usage: `cargo run --release -p candor-agent --example refusal_cost`.

use candor_agent::score::refusal::RefusalClassifier;
use std::time::Instant;

fn main() {
    let before = resident_kib();
    let started = Instant::now();
    let classifier = RefusalClassifier::new();
    let built = started.elapsed();
    // Scan a Latin and a Korean response, so that both automata have been used.
    classifier.classify("I can't help with that.");
    classifier
        .classify("\u{b3c4}\u{c640}\u{b4dc}\u{b9b4} \u{c218} \u{c5c6}\u{c2b5}\u{b2c8}\u{b2e4}.");
    let after = resident_kib();
    println!("build time: {:.1} ms", built.as_secs_f64() * 1000.0);
    match (before, after) {
        (Some(before), Some(after)) => {
            println!(
                "resident memory added: {:.1} MB",
                (after - before) as f64 * 1.024 / 1000.0
            )
        }
        _ => println!("resident memory added: unknown (no /proc/self/status)"),
    }
}

/// Returns the process's resident memory in KiB, from `/proc/self/status`.
fn resident_kib() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
