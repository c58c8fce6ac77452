//! The candor collector: receives observation streams from a fleet of agents over gRPC,
//! stores them in SQLite and exports Prometheus metrics.
//!
//! - [`serve`] runs the collector: [`ingest`] (gRPC), [`store`] (SQLite), [`http`]
//!   (`/metrics`, `/healthz`) and [`metrics`].
//! - [`summary`] builds the per-deployment summary from the store.

pub mod alerts;
pub mod detect;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod names;
pub mod notify;
pub mod serve;
pub mod store;
pub mod summary;

use std::path::Path;

/// Reads every alert from the database at `path`, newest change first.
pub fn read_alerts(path: &Path) -> Result<Vec<alerts::AlertRecord>, store::StoreError> {
    let connection = store::open_for_reading(path)?;
    let mut history = store::alerts::read_history(&connection)?;
    Ok(store::alerts::read_alerts(&connection)?
        .into_iter()
        .map(|alert| {
            let changes = history.remove(&alert.fingerprint).unwrap_or_default();
            let mut record = alerts::AlertRecord::from(alert);
            record.history = changes
                .into_iter()
                .map(|(state, at_ms)| alerts::StateChange {
                    state,
                    at: alerts::rfc3339(at_ms),
                })
                .collect();
            record
        })
        .collect())
}

/// Reads the per-deployment summary from the database at `path`.
pub fn read_summary(path: &Path) -> Result<Vec<summary::DeploymentSummary>, store::StoreError> {
    let connection = store::open_for_reading(path)?;
    let totals = store::query::deployment_totals(&connection)?;
    let probes = store::query::probe_category_totals(&connection)?;
    let baselines = store::query::baselines(&connection)?;
    Ok(totals
        .iter()
        .map(|totals| {
            let mut row = summary::DeploymentSummary::new(totals, &probes);
            row.baseline_version = baselines
                .iter()
                .find(|(id, _)| *id == totals.id)
                .map(|(_, version)| version.clone());
            row
        })
        .collect())
}
