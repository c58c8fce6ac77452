//! The evaluation task: on a fixed interval it reads every deployment's signals,
//! compares each with its baseline, plans the alert changes and stores them through the
//! store writer, and updates the alert and signal metrics.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::detectors::{evaluate, DetectionConfig};
use super::lifecycle::{plan, Alert, Change, Subject};
use super::signals::read_signals;
use crate::metrics::Metrics;
use crate::notify::{self, NotifyConfig};
use crate::store::outbox::Notification;
use crate::store::writer::WriterHandle;
use crate::store::{self, alerts, now_unix_ms, query, StoreError};

/// Alerts that compare a deployment with its baseline.
pub const COMPARISON_ALERTS: [&str; 7] = [
    "LearnedHelplessness",
    "OverRefusalIncrease",
    "SafetyRegression",
    "TrafficRefusalSpike",
    "CapabilityRegression",
    "CoherenceLoss",
    "OutputNarrowing",
];

/// Settings of the evaluation task.
#[derive(Debug, Clone)]
pub struct EvaluatorConfig {
    /// Time between evaluations.
    pub interval: Duration,
    /// How long a condition must hold before its alert fires.
    pub hold: Duration,
    pub detection: DetectionConfig,
    /// Where alert changes are reported.
    pub notify: NotifyConfig,
    /// A long-running agent that has not reported for this long raises `AgentSilent`.
    pub agent_silent_after: Duration,
}

impl Default for EvaluatorConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            hold: Duration::ZERO,
            detection: DetectionConfig::default(),
            notify: NotifyConfig::default(),
            agent_silent_after: Duration::from_secs(300),
        }
    }
}

/// The reads and decisions of one evaluation.
struct Outcome {
    changes: Vec<Change>,
    notifications: Vec<Notification>,
    alerts: Vec<Alert>,
    /// (signal, model, version, candidate value, baseline value)
    values: Vec<(&'static str, String, String, f64, f64)>,
}

/// Reads the store and plans alert changes; blocking.
fn plan_changes(
    db: &std::path::Path,
    config: &EvaluatorConfig,
    now_ms: i64,
) -> Result<Outcome, StoreError> {
    let connection = store::open_for_reading(db)?;
    let signals = read_signals(&connection)?;
    let baselines = query::baselines(&connection)?;
    let alerts = alerts::read_alerts(&connection)?;
    let hold_ms = config.hold.as_millis() as i64;
    let mut changes = Vec::new();
    let mut values = Vec::new();
    let agents = super::silence::read_agents(&connection)?;
    for deployment in &signals {
        let evaluation = super::silence::evaluate(
            deployment.deployment_id,
            &agents,
            now_ms,
            config.agent_silent_after,
        );
        let subject = Subject {
            deployment_id: deployment.deployment_id,
            model: deployment.model.clone(),
            version: deployment.version.clone(),
            baseline_version: String::new(),
        };
        let current: Vec<Alert> = alerts
            .iter()
            .filter(|alert| alert.deployment_id == deployment.deployment_id)
            .cloned()
            .collect();
        changes.extend(plan(&subject, &[evaluation], &current, now_ms, 0));
    }
    for candidate in &signals {
        let baseline_version = baselines
            .iter()
            .find(|(id, _)| *id == candidate.deployment_id)
            .map(|(_, version)| version);
        let baseline = baseline_version.and_then(|version| {
            signals
                .iter()
                .find(|signal| signal.model == candidate.model && &signal.version == version)
        });
        let (Some(baseline_version), Some(baseline)) = (baseline_version, baseline) else {
            // No baseline (any more): alerts from an earlier comparison cannot hold.
            let subject = Subject {
                deployment_id: candidate.deployment_id,
                model: candidate.model.clone(),
                version: candidate.version.clone(),
                baseline_version: String::new(),
            };
            let cleared: Vec<_> = COMPARISON_ALERTS
                .iter()
                .map(|alertname| super::detectors::Evaluation {
                    alertname,
                    verdict: super::detectors::Verdict::Firing(Vec::new()),
                    values: Vec::new(),
                })
                .collect();
            let current: Vec<Alert> = alerts
                .iter()
                .filter(|alert| alert.deployment_id == candidate.deployment_id)
                .cloned()
                .collect();
            changes.extend(plan(&subject, &cleared, &current, now_ms, hold_ms));
            continue;
        };
        let evaluations = evaluate(candidate, baseline, &config.detection);
        for evaluation in &evaluations {
            for (signal, value, baseline_value) in &evaluation.values {
                values.push((
                    *signal,
                    candidate.model.clone(),
                    candidate.version.clone(),
                    *value,
                    *baseline_value,
                ));
            }
        }
        let subject = Subject {
            deployment_id: candidate.deployment_id,
            model: candidate.model.clone(),
            version: candidate.version.clone(),
            baseline_version: baseline_version.clone(),
        };
        let current: Vec<Alert> = alerts
            .iter()
            .filter(|alert| alert.deployment_id == candidate.deployment_id)
            .cloned()
            .collect();
        changes.extend(plan(&subject, &evaluations, &current, now_ms, hold_ms));
    }
    let changed: Vec<&Alert> = changes
        .iter()
        .filter(|change| change.state_changed)
        .map(|change| &change.alert)
        .collect();
    let mut notifications = notify::plan(&changed, &config.notify, now_ms, |deployment| {
        store::outbox::last_rollback_ms(&connection, deployment)
            .ok()
            .flatten()
    });
    if !config.notify.alertmanagers.is_empty() {
        let resend_ms = config.notify.alertmanager_resend.as_millis().max(1) as i64;
        let firing: Vec<&Alert> = alerts
            .iter()
            .filter(|alert| alert.state == "firing")
            .filter(|alert| {
                !changes
                    .iter()
                    .any(|change| change.alert.fingerprint == alert.fingerprint)
            })
            .collect();
        notifications.extend(notify::resend(&firing, &config.notify, now_ms / resend_ms));
    }
    Ok(Outcome {
        changes,
        notifications,
        alerts,
        values,
    })
}

/// Runs one evaluation and stores its changes. Returns the changes.
pub async fn evaluate_once(
    db: PathBuf,
    writer: &WriterHandle,
    metrics: &Metrics,
    config: &EvaluatorConfig,
) -> Result<Vec<Change>, StoreError> {
    let now_ms = now_unix_ms();
    let planning_config = config.clone();
    let outcome = tokio::task::spawn_blocking(move || plan_changes(&db, &planning_config, now_ms))
        .await
        .expect("planning does not panic")?;
    if !outcome.changes.is_empty() || !outcome.notifications.is_empty() {
        writer
            .apply_alerts(outcome.changes.clone(), outcome.notifications)
            .await?;
        for change in outcome.changes.iter().filter(|change| change.state_changed) {
            tracing::info!(
                alertname = %change.alert.alertname,
                fingerprint = %change.alert.fingerprint,
                state = %change.alert.state,
                summary = change.alert.annotations.get("summary").map(String::as_str).unwrap_or_default(),
                "Alert changed state"
            );
        }
    }
    // Metrics reflect the stored alerts with this evaluation's changes applied.
    let mut current = outcome.alerts;
    for change in &outcome.changes {
        match current
            .iter_mut()
            .find(|alert| alert.fingerprint == change.alert.fingerprint)
        {
            Some(alert) => *alert = change.alert.clone(),
            None => current.push(change.alert.clone()),
        }
    }
    metrics.set_alerts(&current);
    metrics.set_signals(&outcome.values);
    Ok(outcome.changes)
}

/// Evaluates every `config.interval` until `stop` turns true.
pub async fn run(
    db: PathBuf,
    writer: WriterHandle,
    metrics: Arc<Metrics>,
    config: EvaluatorConfig,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures = 0u64;
    loop {
        tokio::select! {
            _ = stop.wait_for(|stopping| *stopping) => break,
            () = tokio::time::sleep(config.interval) => {}
        }
        match evaluate_once(db.clone(), &writer, &metrics, &config).await {
            Ok(_) => failures = 0,
            Err(error) => {
                failures += 1;
                // Log the first failure of a run of failures, then every hundredth.
                if failures == 1 || failures.is_multiple_of(100) {
                    tracing::error!(%error, failures, "Alert evaluation failed; alerts keep their state until it succeeds");
                }
            }
        }
    }
}
