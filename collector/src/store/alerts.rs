//! Reading and writing alerts. Writes go through the store writer (see
//! [`super::writer::WriterHandle::apply_alerts`]); this module holds the SQL.

use std::collections::BTreeMap;

use rusqlite::{params, Connection};

use super::StoreError;
use crate::detect::lifecycle::{Alert, Change};

fn from_json(text: String) -> BTreeMap<String, String> {
    serde_json::from_str(&text).unwrap_or_default()
}

/// Every stored alert, newest change first.
pub fn read_alerts(connection: &Connection) -> Result<Vec<Alert>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT fingerprint, alertname, deployment_id, labels, severity, state, pending_since_ms,
                started_at_ms, resolved_at_ms, updated_at_ms, annotations
         FROM alerts ORDER BY updated_at_ms DESC, fingerprint",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(Alert {
            fingerprint: row.get(0)?,
            alertname: row.get(1)?,
            deployment_id: row.get(2)?,
            labels: from_json(row.get(3)?),
            severity: row.get(4)?,
            state: row.get(5)?,
            pending_since_ms: row.get(6)?,
            started_at_ms: row.get(7)?,
            resolved_at_ms: row.get(8)?,
            updated_at_ms: row.get(9)?,
            annotations: from_json(row.get(10)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Stores planned changes; called inside the writer's transaction.
pub(super) fn apply(connection: &Connection, changes: &[Change]) -> Result<(), StoreError> {
    let mut upsert = connection.prepare_cached(
        "INSERT OR REPLACE INTO alerts (fingerprint, alertname, deployment_id, labels, severity, state,
             pending_since_ms, started_at_ms, resolved_at_ms, updated_at_ms, annotations)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut history = connection.prepare_cached(
        "INSERT INTO alert_history (fingerprint, state, at_ms, annotations) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for change in changes {
        let alert = &change.alert;
        let labels = serde_json::to_string(&alert.labels).expect("string maps serialize");
        let annotations = serde_json::to_string(&alert.annotations).expect("string maps serialize");
        upsert.execute(params![
            alert.fingerprint,
            alert.alertname,
            alert.deployment_id,
            labels,
            alert.severity,
            alert.state,
            alert.pending_since_ms,
            alert.started_at_ms,
            alert.resolved_at_ms,
            alert.updated_at_ms,
            annotations,
        ])?;
        if change.state_changed {
            history.execute(params![
                alert.fingerprint,
                alert.state,
                alert.updated_at_ms,
                annotations
            ])?;
        }
    }
    Ok(())
}

/// Every recorded state change, per fingerprint, oldest first: (state, time in ms).
pub fn read_history(
    connection: &Connection,
) -> Result<BTreeMap<String, Vec<(String, i64)>>, StoreError> {
    let mut statement = connection
        .prepare("SELECT fingerprint, state, at_ms FROM alert_history ORDER BY at_ms, id")?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    let mut history: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for row in rows {
        let (fingerprint, state, at_ms) = row?;
        history.entry(fingerprint).or_default().push((state, at_ms));
    }
    Ok(history)
}
