//! The collector's Prometheus metrics, in one registry owned by the running collector.
//!
//! Observation counters are kept equal to the database: at start-up they are loaded
//! from the stored counts, and afterwards the store writer adds each batch right after
//! committing it. Label values come only from deployment names given by agents
//! and from the fixed enum names in [`crate::names`].

use prometheus::{
    Encoder, GaugeVec, Histogram, HistogramOpts, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::names;
use crate::store::query::{DropCount, ObservationCount};

/// Every metric the collector exports.
pub struct Metrics {
    registry: Registry,
    responses: IntCounterVec,
    refusals: IntCounterVec,
    batches: IntCounterVec,
    stream_errors: IntCounterVec,
    open_streams: IntGauge,
    commit_seconds: Histogram,
    agent_drops: IntCounterVec,
    store_healthy: IntGauge,
    alert_state: IntGaugeVec,
    signal_value: GaugeVec,
    signal_baseline_value: GaugeVec,
}

/// Drop reasons that agents of this version report; any other reason is exported as
/// `other` so that agents cannot grow the label set.
const DROP_REASONS: [&str; 5] = [
    "score_queue_full",
    "capture_too_large",
    "spool_full",
    "delivery_queue_full",
    "shutdown_unacknowledged",
];

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let responses = IntCounterVec::new(
            Opts::new(
                "candor_responses_total",
                "Scored responses stored, by deployment and expectation (comply, refuse, answer or unknown).",
            ),
            &["model", "version", "expect"],
        )?;
        let refusals = IntCounterVec::new(
            Opts::new(
                "candor_refusals_total",
                "Stored responses classified as refusals, by deployment, expectation and class (partial or full).",
            ),
            &["model", "version", "expect", "class"],
        )?;
        let batches = IntCounterVec::new(
            Opts::new(
                "candor_ingest_batches_total",
                "Observation batches received from agents, by result (stored, duplicate or failed).",
            ),
            &["result"],
        )?;
        let stream_errors = IntCounterVec::new(
            Opts::new(
                "candor_ingest_stream_errors_total",
                "Agent streams ended with an error, by reason.",
            ),
            &["reason"],
        )?;
        let open_streams = IntGauge::new(
            "candor_ingest_open_streams",
            "Agent streams currently open.",
        )?;
        let commit_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "candor_store_commit_duration_seconds",
                "Time to write and commit one group of batches to SQLite.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
        )?;
        let agent_drops = IntCounterVec::new(
            Opts::new(
                "candor_agent_dropped_observations_total",
                "Observations that agents dropped before delivery, by deployment and reason.",
            ),
            &["model", "version", "reason"],
        )?;
        registry.register(Box::new(agent_drops.clone()))?;
        let store_healthy = IntGauge::new(
            "candor_store_healthy",
            "1 when the last SQLite transaction committed, 0 when it failed (for example, disk full).",
        )?;
        store_healthy.set(1);
        registry.register(Box::new(store_healthy.clone()))?;
        let alert_state = IntGaugeVec::new(
            Opts::new(
                "candor_alert_state",
                "State of the alerts of each name and deployment: 0 inactive or resolved, 1 pending, 2 firing.",
            ),
            &["alertname", "model", "version"],
        )?;
        let signal_value = GaugeVec::new(
            Opts::new(
                "candor_signal_value",
                "Value of a compared signal for a deployment, at the last evaluation.",
            ),
            &["signal", "model", "version"],
        )?;
        let signal_baseline_value = GaugeVec::new(
            Opts::new(
                "candor_signal_baseline_value",
                "Value of a compared signal for the deployment's baseline, at the last evaluation.",
            ),
            &["signal", "model", "version"],
        )?;
        registry.register(Box::new(alert_state.clone()))?;
        registry.register(Box::new(signal_value.clone()))?;
        registry.register(Box::new(signal_baseline_value.clone()))?;
        registry.register(Box::new(responses.clone()))?;
        registry.register(Box::new(refusals.clone()))?;
        registry.register(Box::new(batches.clone()))?;
        registry.register(Box::new(stream_errors.clone()))?;
        registry.register(Box::new(open_streams.clone()))?;
        registry.register(Box::new(commit_seconds.clone()))?;
        for result in ["stored", "duplicate", "failed"] {
            batches.with_label_values(&[result]);
        }
        Ok(Self {
            registry,
            responses,
            refusals,
            batches,
            stream_errors,
            open_streams,
            commit_seconds,
            agent_drops,
            store_healthy,
            alert_state,
            signal_value,
            signal_baseline_value,
        })
    }

    /// Sets the alert state gauges from the stored alerts: per name and deployment, the
    /// highest state of its alerts.
    pub fn set_alerts(&self, alerts: &[crate::detect::lifecycle::Alert]) {
        let mut states: std::collections::BTreeMap<(String, String, String), i64> =
            Default::default();
        for alert in alerts {
            let level = match alert.state.as_str() {
                "firing" => 2,
                "pending" => 1,
                _ => 0,
            };
            let label = |name: &str| alert.labels.get(name).cloned().unwrap_or_default();
            let key = (alert.alertname.clone(), label("model"), label("version"));
            let entry = states.entry(key).or_insert(0);
            *entry = (*entry).max(level);
        }
        for ((alertname, model, version), level) in states {
            self.alert_state
                .with_label_values(&[&alertname, &model, &version])
                .set(level);
        }
    }

    /// Sets the compared signal values; non-finite values are skipped.
    pub fn set_signals(&self, values: &[(&'static str, String, String, f64, f64)]) {
        for (signal, model, version, value, baseline) in values {
            if value.is_finite() {
                self.signal_value
                    .with_label_values(&[signal, model.as_str(), version.as_str()])
                    .set(*value);
            }
            if baseline.is_finite() {
                self.signal_baseline_value
                    .with_label_values(&[signal, model.as_str(), version.as_str()])
                    .set(*baseline);
            }
        }
    }

    pub fn set_store_healthy(&self, healthy: bool) {
        self.store_healthy.set(i64::from(healthy));
    }

    /// Whether the last store transaction committed.
    pub fn store_healthy(&self) -> bool {
        self.store_healthy.get() == 1
    }

    /// Counts `count` more observations dropped by agents of one deployment.
    pub fn agent_drops(&self, model: &str, version: &str, reason: &str, count: u64) {
        let reason = if DROP_REASONS.contains(&reason) {
            reason
        } else {
            "other"
        };
        self.agent_drops
            .with_label_values(&[model, version, reason])
            .inc_by(count);
    }

    /// Adds drop counts read from the store at start-up.
    pub fn load_drops(&self, drops: &[DropCount]) {
        for drop in drops {
            self.agent_drops(&drop.model, &drop.version, &drop.reason, drop.count);
        }
    }

    /// Adds counts read from the store at start-up.
    pub fn load(&self, counts: &[ObservationCount]) {
        for count in counts {
            self.add(
                &count.model,
                &count.version,
                count.expect.as_deref(),
                count.refusal.as_deref(),
                count.count,
            );
        }
    }

    /// Counts `count` responses of one deployment with one expectation and refusal class.
    pub fn add(
        &self,
        model: &str,
        version: &str,
        expect: Option<&str>,
        refusal: Option<&str>,
        count: u64,
    ) {
        let expect = names::expectation_label(expect);
        self.responses
            .with_label_values(&[model, version, expect])
            .inc_by(count);
        if let Some(class) = refusal.filter(|class| names::is_refusal(Some(class))) {
            self.refusals
                .with_label_values(&[model, version, expect, class])
                .inc_by(count);
        }
    }

    pub fn batch(&self, result: &str) {
        self.batches.with_label_values(&[result]).inc();
    }

    pub fn stream_error(&self, reason: &str) {
        self.stream_errors.with_label_values(&[reason]).inc();
    }

    pub fn open_streams(&self) -> &IntGauge {
        &self.open_streams
    }

    pub fn observe_commit(&self, seconds: f64) {
        self.commit_seconds.observe(seconds);
    }

    /// Renders every metric in the Prometheus text exposition format.
    pub fn encode(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding into memory cannot fail");
        String::from_utf8(buffer).expect("the text encoder writes UTF-8")
    }
}
