//! Scheduled probe runs inside `candor-agent run`: each configured suite runs every
//! `interval_s` seconds (plus random jitter) and its results go to the collector.
//!
//! Runs of one suite never overlap. When a slow or failing model makes a run last
//! longer than the interval, the runs that would have started meanwhile are skipped
//! and counted, so the agent never falls behind or piles up requests.

use std::sync::Arc;
use std::time::Duration;

use prometheus::{IntCounterVec, Opts, Registry};
use rand::Rng;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::deliver::batcher::Item;
use crate::score::RefusalClassifier;

use super::client::ProbeClient;
use super::runner::{run_suite, to_observations, RunLimits};
use super::suite::Suite;

/// Counters of scheduled runs, by suite name (from the configuration, so bounded).
#[derive(Clone)]
pub struct ScheduleMetrics {
    runs: IntCounterVec,
    skipped: IntCounterVec,
    samples: IntCounterVec,
}

impl ScheduleMetrics {
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let runs = IntCounterVec::new(
            Opts::new(
                "candor_agent_probe_runs_total",
                "Probe suite runs completed, by suite.",
            ),
            &["suite"],
        )?;
        let skipped = IntCounterVec::new(
            Opts::new(
                "candor_agent_probe_runs_skipped_total",
                "Scheduled probe runs skipped because the previous run of the suite was still going.",
            ),
            &["suite"],
        )?;
        let samples = IntCounterVec::new(
            Opts::new(
                "candor_agent_probe_samples_total",
                "Probe samples judged, by suite and verdict.",
            ),
            &["suite", "verdict"],
        )?;
        registry.register(Box::new(runs.clone()))?;
        registry.register(Box::new(skipped.clone()))?;
        registry.register(Box::new(samples.clone()))?;
        Ok(Self {
            runs,
            skipped,
            samples,
        })
    }
}

/// One scheduled suite.
pub struct Schedule {
    pub suite: Arc<Suite>,
    pub client: ProbeClient,
    pub limits: RunLimits,
    pub interval: Duration,
    pub jitter: Duration,
}

/// Runs `schedule` until `stop` turns true, sending observations to `items`.
pub async fn run_schedule(
    schedule: Schedule,
    classifier: Arc<RefusalClassifier>,
    items: mpsc::Sender<Item>,
    metrics: ScheduleMetrics,
    mut stop: watch::Receiver<bool>,
) {
    let name = schedule.suite.name.clone();
    tracing::info!(suite = %name, endpoint = %schedule.client.url(), interval_s = schedule.interval.as_secs(), "Probe schedule started");
    let mut next = Instant::now() + random_jitter(schedule.jitter);
    loop {
        tokio::select! {
            _ = stop.wait_for(|stopping| *stopping) => break,
            () = tokio::time::sleep_until(next) => {}
        }
        let started = Instant::now();
        let run = tokio::select! {
            _ = stop.wait_for(|stopping| *stopping) => break,
            run = run_suite(schedule.suite.clone(), schedule.client.clone(), classifier.clone(), schedule.limits) => run,
        };
        metrics.runs.with_label_values(&[&name]).inc();
        for result in &run.results {
            metrics
                .samples
                .with_label_values(&[&name, result.judged.verdict.as_str()])
                .inc();
        }
        tracing::info!(suite = %name, run_id = %run.run_id, samples = run.results.len(), elapsed_ms = started.elapsed().as_millis() as u64, "Probe run finished");
        for observation in to_observations(&run) {
            if items
                .send(Item {
                    observation,
                    on_ack: None,
                })
                .await
                .is_err()
            {
                return;
            }
        }
        next = started + schedule.interval + random_jitter(schedule.jitter);
        let now = Instant::now();
        if next < now {
            let missed = (now - next).as_secs_f64() / schedule.interval.as_secs_f64();
            let missed = missed.floor() as u64 + 1;
            metrics.skipped.with_label_values(&[&name]).inc_by(missed);
            tracing::warn!(suite = %name, skipped_runs = missed, "Probe run took longer than its interval; skipping the runs it overlapped");
            next = now + random_jitter(schedule.jitter);
        }
    }
    tracing::info!(suite = %name, "Probe schedule stopped");
}

fn random_jitter(jitter: Duration) -> Duration {
    if jitter.is_zero() {
        return Duration::ZERO;
    }
    Duration::from_millis(rand::rng().random_range(0..=jitter.as_millis() as u64))
}
