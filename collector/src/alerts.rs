//! The alert history as `candor-collector alerts` and `GET /api/v1/alerts` show it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::detect::lifecycle::Alert;

/// One alert, as printed in JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRecord {
    pub alertname: String,
    pub model: String,
    pub version: String,
    /// `pending`, `firing` or `resolved`.
    pub state: String,
    pub severity: String,
    /// When the alert started firing (RFC 3339); `null` while pending.
    pub started_at: Option<String>,
    pub resolved_at: Option<String>,
    pub updated_at: String,
    pub fingerprint: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Every state change, oldest first.
    pub history: Vec<StateChange>,
}

/// One recorded state change of an alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateChange {
    pub state: String,
    pub at: String,
}

impl From<Alert> for AlertRecord {
    fn from(alert: Alert) -> Self {
        let label = |name: &str| alert.labels.get(name).cloned().unwrap_or_default();
        Self {
            model: label("model"),
            version: label("version"),
            alertname: alert.alertname,
            state: alert.state,
            severity: alert.severity,
            started_at: alert.started_at_ms.map(rfc3339),
            resolved_at: alert.resolved_at_ms.map(rfc3339),
            updated_at: rfc3339(alert.updated_at_ms),
            fingerprint: alert.fingerprint,
            labels: alert.labels,
            annotations: alert.annotations,
            history: Vec::new(),
        }
    }
}

/// Formats milliseconds since the Unix epoch as RFC 3339 in UTC.
pub fn rfc3339(unix_ms: i64) -> String {
    let seconds = unix_ms.div_euclid(1000);
    let millis = unix_ms.rem_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// Renders alerts as an aligned table.
pub fn to_table(alerts: &[AlertRecord]) -> String {
    let mut out = format!(
        "{:<22} {:<20} {:<16} {:<9} {:<9} {:<24} SUMMARY\n",
        "ALERTNAME", "MODEL", "VERSION", "STATE", "SEVERITY", "STARTED"
    );
    for alert in alerts {
        out.push_str(&format!(
            "{:<22} {:<20} {:<16} {:<9} {:<9} {:<24} {}\n",
            alert.alertname,
            alert.model,
            alert.version,
            alert.state,
            alert.severity,
            alert.started_at.as_deref().unwrap_or("-"),
            alert
                .annotations
                .get("summary")
                .map(String::as_str)
                .unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339(1_796_342_400_000), "2026-12-04T00:00:00.000Z");
    }
}
