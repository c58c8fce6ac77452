//! The alert lifecycle: from what the detectors decided to what changes in the stored
//! alerts. Pure: the caller reads the current alerts, calls [`plan`], and stores the
//! result through the store writer.
//!
//! States: an alert whose condition holds is `pending`, then `firing` once it has held
//! for the hold duration (0 fires at once). When the condition stops holding, a firing
//! alert becomes `resolved` and a pending one is dropped. "Insufficient data" changes
//! nothing. Alerts are identified by a fingerprint of their labels, so the same
//! condition on the same deployment is always the same alert.

use std::collections::BTreeMap;

use serde::Serialize;

use super::detectors::{Evaluation, Finding, Verdict};

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub fingerprint: String,
    pub alertname: String,
    pub deployment_id: i64,
    /// All labels, including `alertname`, `model`, `version` and `severity`.
    pub labels: BTreeMap<String, String>,
    pub severity: String,
    /// `pending`, `firing` or `resolved`.
    pub state: String,
    pub pending_since_ms: Option<i64>,
    pub started_at_ms: Option<i64>,
    pub resolved_at_ms: Option<i64>,
    pub updated_at_ms: i64,
    /// `summary`, `description` and `examples`.
    pub annotations: BTreeMap<String, String>,
}

/// One stored change: the alert's new row, and whether its state changed (which is
/// recorded in the history and notified).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub alert: Alert,
    pub state_changed: bool,
}

/// Identifies an alert by its labels: FNV-1a over the sorted `name=value` lines, as hex.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, value) in labels {
        for byte in name
            .bytes()
            .chain([b'='])
            .chain(value.bytes())
            .chain([b'\n'])
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The deployment a set of evaluations belongs to.
#[derive(Debug, Clone)]
pub struct Subject {
    pub deployment_id: i64,
    pub model: String,
    pub version: String,
    pub baseline_version: String,
}

fn labels_of(subject: &Subject, alertname: &str, finding: &Finding) -> BTreeMap<String, String> {
    let mut labels = finding.labels.clone();
    labels.insert("alertname".into(), alertname.into());
    labels.insert("model".into(), subject.model.clone());
    labels.insert("version".into(), subject.version.clone());
    labels.insert("severity".into(), finding.severity.into());
    labels
}

fn annotations_of(subject: &Subject, finding: &Finding) -> BTreeMap<String, String> {
    let mut annotations = BTreeMap::new();
    annotations.insert("summary".into(), finding.summary.clone());
    annotations.insert("description".into(), finding.description.clone());
    annotations.insert("baseline_version".into(), subject.baseline_version.clone());
    if !finding.examples.is_empty() {
        annotations.insert("examples".into(), finding.examples.join(", "));
    }
    annotations
}

/// Plans the changes for one deployment's evaluations, given its stored alerts.
pub fn plan(
    subject: &Subject,
    evaluations: &[Evaluation],
    current: &[Alert],
    now_ms: i64,
    hold_ms: i64,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for evaluation in evaluations {
        let Verdict::Firing(findings) = &evaluation.verdict else {
            continue;
        };
        let mut holding = Vec::new();
        for finding in findings {
            let labels = labels_of(subject, evaluation.alertname, finding);
            let fingerprint = fingerprint(&labels);
            let annotations = annotations_of(subject, finding);
            holding.push(fingerprint.clone());
            let existing = current
                .iter()
                .find(|alert| alert.fingerprint == fingerprint);
            let change = match existing.filter(|alert| alert.state != "resolved") {
                None => {
                    let firing = hold_ms <= 0;
                    Change {
                        alert: Alert {
                            fingerprint,
                            alertname: evaluation.alertname.into(),
                            deployment_id: subject.deployment_id,
                            labels,
                            severity: finding.severity.into(),
                            state: if firing { "firing" } else { "pending" }.into(),
                            pending_since_ms: Some(now_ms),
                            started_at_ms: firing.then_some(now_ms),
                            resolved_at_ms: None,
                            updated_at_ms: now_ms,
                            annotations,
                        },
                        state_changed: true,
                    }
                }
                Some(alert) => {
                    let mut alert = alert.clone();
                    let mut state_changed = false;
                    if alert.state == "pending"
                        && now_ms - alert.pending_since_ms.unwrap_or(now_ms) >= hold_ms
                    {
                        alert.state = "firing".into();
                        alert.started_at_ms = Some(now_ms);
                        state_changed = true;
                    }
                    if !state_changed && alert.annotations == annotations {
                        continue;
                    }
                    alert.annotations = annotations;
                    alert.updated_at_ms = now_ms;
                    Change {
                        alert,
                        state_changed,
                    }
                }
            };
            changes.push(change);
        }
        // Alerts of this name and deployment that no longer hold.
        for alert in current.iter().filter(|alert| {
            alert.alertname == evaluation.alertname
                && alert.deployment_id == subject.deployment_id
                && alert.state != "resolved"
                && !holding.contains(&alert.fingerprint)
        }) {
            let mut alert = alert.clone();
            let was_firing = alert.state == "firing";
            alert.state = "resolved".into();
            alert.resolved_at_ms = Some(now_ms);
            alert.updated_at_ms = now_ms;
            changes.push(Change {
                alert,
                state_changed: was_firing,
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Subject {
        Subject {
            deployment_id: 7,
            model: "m".into(),
            version: "v2".into(),
            baseline_version: "v1".into(),
        }
    }

    fn evaluation(verdict: Verdict) -> Evaluation {
        Evaluation {
            alertname: "SafetyRegression",
            verdict,
            values: Vec::new(),
        }
    }

    fn firing() -> Verdict {
        Verdict::Firing(vec![Finding {
            labels: BTreeMap::new(),
            severity: "critical",
            summary: "harmful refusals fell".into(),
            description: "details".into(),
            examples: Vec::new(),
        }])
    }

    #[test]
    fn hold_turns_pending_into_firing() {
        let changes = plan(&subject(), &[evaluation(firing())], &[], 1_000, 500);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].alert.state, "pending");
        let current = vec![changes[0].alert.clone()];
        assert!(plan(&subject(), &[evaluation(firing())], &current, 1_200, 500).is_empty());
        let later = plan(&subject(), &[evaluation(firing())], &current, 1_600, 500);
        assert_eq!(later[0].alert.state, "firing");
        assert_eq!(later[0].alert.started_at_ms, Some(1_600));
        assert!(later[0].state_changed);
    }

    #[test]
    fn clear_resolves_and_insufficient_data_keeps() {
        let fired = plan(&subject(), &[evaluation(firing())], &[], 1_000, 0);
        assert_eq!(fired[0].alert.state, "firing");
        let current = vec![fired[0].alert.clone()];
        assert!(plan(
            &subject(),
            &[evaluation(Verdict::InsufficientData)],
            &current,
            2_000,
            0
        )
        .is_empty());
        let resolved = plan(
            &subject(),
            &[evaluation(Verdict::Firing(Vec::new()))],
            &current,
            3_000,
            0,
        );
        assert_eq!(resolved[0].alert.state, "resolved");
        assert_eq!(resolved[0].alert.resolved_at_ms, Some(3_000));
    }

    #[test]
    fn fingerprint_depends_on_labels_only() {
        let changes = plan(&subject(), &[evaluation(firing())], &[], 1_000, 0);
        let again = plan(&subject(), &[evaluation(firing())], &[], 9_000, 0);
        assert_eq!(changes[0].alert.fingerprint, again[0].alert.fingerprint);
        assert_eq!(changes[0].alert.labels["alertname"], "SafetyRegression");
        assert_eq!(changes[0].alert.labels["version"], "v2");
    }
}
