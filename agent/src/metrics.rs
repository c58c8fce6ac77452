//! The agent's own metrics, in one registry per process. Components register theirs
//! into it (the proxy's live in its own module); the gauges here are refreshed from the
//! delivery task and the spool when `/metrics` is scraped.

use std::sync::Arc;

use prometheus::{Encoder, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

use crate::deliver::spool::Spool;
use crate::deliver::{BatchSender, Progress};

/// Metrics of `candor-agent run`.
pub struct AgentMetrics {
    pub registry: Registry,
    /// `candor_agent_dropped_observations_total{reason}`, fed by the drop counts.
    pub dropped: IntCounterVec,
    delivered: IntCounter,
    queue_depth: IntGauge,
    spool_bytes: IntGauge,
    spool_batches: IntGauge,
}

impl AgentMetrics {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let dropped = IntCounterVec::new(
            Opts::new(
                "candor_agent_dropped_observations_total",
                "Observations dropped before delivery, by reason.",
            ),
            &["reason"],
        )?;
        let delivered = IntCounter::new(
            "candor_agent_delivered_observations_total",
            "Observations acknowledged by the collector.",
        )?;
        let queue_depth = IntGauge::new(
            "candor_agent_delivery_queue_batches",
            "Batches waiting in the in-memory delivery queue.",
        )?;
        let spool_bytes = IntGauge::new("candor_agent_spool_bytes", "Size of the on-disk spool.")?;
        let spool_batches = IntGauge::new(
            "candor_agent_spool_batches",
            "Batches in the on-disk spool waiting for delivery.",
        )?;
        registry.register(Box::new(dropped.clone()))?;
        registry.register(Box::new(delivered.clone()))?;
        registry.register(Box::new(queue_depth.clone()))?;
        registry.register(Box::new(spool_bytes.clone()))?;
        registry.register(Box::new(spool_batches.clone()))?;
        Ok(Self {
            registry,
            dropped,
            delivered,
            queue_depth,
            spool_bytes,
            spool_batches,
        })
    }

    /// Raises the delivered counter to the acknowledged total in `progress`.
    pub fn set_delivered(&self, progress: &Progress) {
        let seen = self.delivered.get();
        if progress.observations > seen {
            self.delivered.inc_by(progress.observations - seen);
        }
    }

    /// Renders every metric, after refreshing the gauges.
    pub fn encode(&self, queue: &BatchSender, spool: Option<&Arc<Spool>>) -> String {
        self.queue_depth.set(queue.queued() as i64);
        if let Some(spool) = spool {
            self.spool_bytes.set(spool.bytes() as i64);
            self.spool_batches.set(spool.waiting() as i64);
        }
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding into memory cannot fail");
        String::from_utf8(buffer).expect("the text encoder writes UTF-8")
    }
}
