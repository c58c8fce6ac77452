//! Counts of observations that the agent dropped before delivery, by reason. The counts
//! are cumulative for the life of the process (one boot id) and travel to the collector
//! in every batch, so the collector sees loss even when the agent could not send the
//! lost observations themselves.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus::IntCounterVec;

/// Why an observation was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The proxy's scoring queue was full, so an exchange was forwarded but not scored.
    ScoreQueueFull,
    /// A request or response was larger than the capture limit, so it was not scored.
    CaptureTooLarge,
    /// The in-memory delivery queue was full and the spool could not take the batch.
    SpoolFull,
    /// The in-memory delivery queue was full and no spool is configured.
    DeliveryQueueFull,
    /// The collector had not acknowledged the batch when the agent stopped, and there
    /// was no spool to keep it.
    ShutdownUnacknowledged,
}

impl DropReason {
    const ALL: [DropReason; 5] = [
        Self::ScoreQueueFull,
        Self::CaptureTooLarge,
        Self::SpoolFull,
        Self::DeliveryQueueFull,
        Self::ShutdownUnacknowledged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScoreQueueFull => "score_queue_full",
            Self::CaptureTooLarge => "capture_too_large",
            Self::SpoolFull => "spool_full",
            Self::DeliveryQueueFull => "delivery_queue_full",
            Self::ShutdownUnacknowledged => "shutdown_unacknowledged",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Cumulative drop counts, shared between the components that drop and the delivery
/// task that reports them.
#[derive(Debug, Default)]
pub struct DropCounts {
    counts: [AtomicU64; DropReason::ALL.len()],
    /// The agent's `candor_agent_dropped_observations_total`, when metrics are on.
    metric: Option<IntCounterVec>,
}

impl DropCounts {
    /// Counts that also increment `metric`, labelled by `reason`.
    pub fn with_metric(metric: IntCounterVec) -> Self {
        for reason in DropReason::ALL {
            metric.with_label_values(&[reason.as_str()]);
        }
        Self {
            counts: Default::default(),
            metric: Some(metric),
        }
    }

    pub fn add(&self, reason: DropReason, count: u64) {
        self.counts[reason.index()].fetch_add(count, Ordering::Relaxed);
        if let Some(metric) = &self.metric {
            metric.with_label_values(&[reason.as_str()]).inc_by(count);
        }
    }

    pub fn get(&self, reason: DropReason) -> u64 {
        self.counts[reason.index()].load(Ordering::Relaxed)
    }

    /// The non-zero counts, keyed by reason name, as sent in a batch.
    pub fn snapshot(&self) -> HashMap<String, u64> {
        DropReason::ALL
            .iter()
            .map(|&reason| (reason.as_str().to_string(), self.get(reason)))
            .filter(|&(_, count)| count > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_lists_nonzero_counts() {
        let drops = DropCounts::default();
        assert!(drops.snapshot().is_empty());
        drops.add(DropReason::SpoolFull, 3);
        drops.add(DropReason::SpoolFull, 2);
        let snapshot = drops.snapshot();
        assert_eq!(snapshot.len(), 1);
        assert_eq!(snapshot["spool_full"], 5);
    }
}
