//! Notifications about alerts: Alertmanager-format webhooks (payload version "4"), pushes
//! to an Alertmanager's `POST /api/v2/alerts`, and rollback hooks signed with
//! HMAC-SHA256. [`plan`] turns alert changes into outbox rows, stored with the changes
//! in one transaction; [`sender`] delivers the rows with retries.

pub mod sender;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::alerts::rfc3339;
use crate::detect::lifecycle::Alert;
use crate::store::outbox::Notification;

/// Where notifications go.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// Receivers of Alertmanager-format webhooks.
    pub webhooks: Vec<String>,
    /// Alertmanager base URLs; alerts are pushed to `{url}/api/v2/alerts`.
    pub alertmanagers: Vec<String>,
    /// How often a firing alert is pushed again to the Alertmanagers.
    pub alertmanager_resend: Duration,
    /// The rollback hook, when set.
    pub rollback: Option<RollbackConfig>,
    /// This collector's HTTP address, for links in the payloads.
    pub external_url: String,
    /// Time allowed for one request.
    pub timeout: Duration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            webhooks: Vec::new(),
            alertmanagers: Vec::new(),
            alertmanager_resend: Duration::from_secs(60),
            rollback: None,
            external_url: String::new(),
            timeout: Duration::from_secs(5),
        }
    }
}

/// The rollback hook.
#[derive(Debug, Clone)]
pub struct RollbackConfig {
    pub url: String,
    /// Key of the HMAC-SHA256 signature over the request body.
    pub secret: Vec<u8>,
    /// Alerts whose firing asks for a rollback.
    pub alertnames: Vec<String>,
    /// At most one rollback per deployment in this period.
    pub cooldown: Duration,
}

/// The time Alertmanager uses for "no end time".
const NO_END: &str = "0001-01-01T00:00:00Z";

fn alert_json(alert: &Alert, external_url: &str) -> Value {
    let status = if alert.state == "resolved" {
        "resolved"
    } else {
        "firing"
    };
    json!({
        "status": status,
        "labels": alert.labels,
        "annotations": alert.annotations,
        "startsAt": alert.started_at_ms.map_or_else(|| NO_END.to_string(), rfc3339),
        "endsAt": alert.resolved_at_ms.map_or_else(|| NO_END.to_string(), rfc3339),
        "generatorURL": format!("{external_url}/api/v1/alerts"),
        "fingerprint": alert.fingerprint,
    })
}

/// The Alertmanager webhook payload (version "4") for one alert.
pub fn webhook_payload(alert: &Alert, external_url: &str) -> String {
    let status = if alert.state == "resolved" {
        "resolved"
    } else {
        "firing"
    };
    let group_labels: BTreeMap<&str, &str> = [("alertname", alert.alertname.as_str())].into();
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{}\"}}", alert.alertname),
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "candor",
        "groupLabels": group_labels,
        "commonLabels": alert.labels,
        "commonAnnotations": alert.annotations,
        "externalURL": external_url,
        "alerts": [alert_json(alert, external_url)],
    })
    .to_string()
}

/// The body of `POST /api/v2/alerts` for one alert.
pub fn alertmanager_payload(alert: &Alert, external_url: &str) -> String {
    let mut entry = json!({
        "labels": alert.labels,
        "annotations": alert.annotations,
        "generatorURL": format!("{external_url}/api/v1/alerts"),
    });
    if let Some(started) = alert.started_at_ms {
        entry["startsAt"] = json!(rfc3339(started));
    }
    if let Some(resolved) = alert.resolved_at_ms {
        entry["endsAt"] = json!(rfc3339(resolved));
    }
    json!([entry]).to_string()
}

/// The body of a rollback request.
pub fn rollback_payload(alert: &Alert, idempotency_key: &str) -> String {
    let label = |name: &str| alert.labels.get(name).cloned().unwrap_or_default();
    json!({
        "action": "rollback",
        "model": label("model"),
        "version": label("version"),
        "baseline_version": alert.annotations.get("baseline_version"),
        "alertname": alert.alertname,
        "fingerprint": alert.fingerprint,
        "summary": alert.annotations.get("summary"),
        "started_at": alert.started_at_ms.map(rfc3339),
        "idempotency_key": idempotency_key,
    })
    .to_string()
}

fn deployment_of(alert: &Alert) -> String {
    let label = |name: &str| alert.labels.get(name).cloned().unwrap_or_default();
    format!("{}/{}", label("model"), label("version"))
}

/// Outbox rows for alerts that changed state (to firing or resolved). `last_rollback`
/// gives when a deployment last got a rollback, for the cool-down.
pub fn plan(
    changed: &[&Alert],
    config: &NotifyConfig,
    now_ms: i64,
    mut last_rollback: impl FnMut(&str) -> Option<i64>,
) -> Vec<Notification> {
    let mut notifications = Vec::new();
    let mut rolled_back: Vec<String> = Vec::new();
    for alert in changed
        .iter()
        .filter(|alert| alert.state == "firing" || alert.state == "resolved")
    {
        // Each kind prefixes its own key, so one receiver can take several kinds.
        let key = format!(
            "{}:{}:{}",
            alert.fingerprint,
            alert.state,
            alert.started_at_ms.unwrap_or_default()
        );
        let deployment = deployment_of(alert);
        for url in &config.webhooks {
            notifications.push(Notification {
                kind: "webhook",
                target: url.clone(),
                deployment: deployment.clone(),
                payload: webhook_payload(alert, &config.external_url),
                idempotency_key: format!("webhook:{key}"),
            });
        }
        for url in &config.alertmanagers {
            notifications.push(Notification {
                kind: "alertmanager",
                target: format!("{}/api/v2/alerts", url.trim_end_matches('/')),
                deployment: deployment.clone(),
                payload: alertmanager_payload(alert, &config.external_url),
                idempotency_key: format!("{key}:{now_ms}"),
            });
        }
        let Some(rollback) = &config.rollback else {
            continue;
        };
        if alert.state != "firing" || !rollback.alertnames.contains(&alert.alertname) {
            continue;
        }
        let cooling = rolled_back.contains(&deployment)
            || last_rollback(&deployment)
                .is_some_and(|last| now_ms - last < rollback.cooldown.as_millis() as i64);
        if cooling {
            tracing::info!(alertname = %alert.alertname, deployment = %deployment, "Rollback skipped: the deployment is in its rollback cool-down");
            continue;
        }
        rolled_back.push(deployment.clone());
        notifications.push(Notification {
            kind: "rollback",
            target: rollback.url.clone(),
            deployment,
            payload: rollback_payload(alert, &format!("rollback:{key}")),
            idempotency_key: format!("rollback:{key}"),
        });
    }
    notifications
}

/// Pushes of still-firing alerts to the Alertmanagers, which forget an alert unless it
/// is re-sent. `bucket` numbers the resend period, so each period stores one push.
pub fn resend(firing: &[&Alert], config: &NotifyConfig, bucket: i64) -> Vec<Notification> {
    let mut notifications = Vec::new();
    for alert in firing {
        for url in &config.alertmanagers {
            notifications.push(Notification {
                kind: "alertmanager",
                target: format!("{}/api/v2/alerts", url.trim_end_matches('/')),
                deployment: deployment_of(alert),
                payload: alertmanager_payload(alert, &config.external_url),
                idempotency_key: format!("{}:resend:{bucket}", alert.fingerprint),
            });
        }
    }
    notifications
}
