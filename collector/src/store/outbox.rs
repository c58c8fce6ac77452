//! The notification outbox: rows written with the alert changes they report, read by
//! the sender when due, and marked delivered, rescheduled or failed.

use rusqlite::{params, Connection, OptionalExtension};

use super::StoreError;

/// A notification to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// `webhook`, `alertmanager` or `rollback`.
    pub kind: &'static str,
    /// The URL to POST to.
    pub target: String,
    /// `model/version` of the deployment the notification is about.
    pub deployment: String,
    /// The request body, JSON.
    pub payload: String,
    /// Stays the same across retries, so a receiver can act once.
    pub idempotency_key: String,
}

/// A stored notification waiting for delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub id: i64,
    pub kind: String,
    pub target: String,
    pub payload: String,
    pub idempotency_key: String,
    pub attempts: u32,
}

/// What happened to one delivery attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    Delivered {
        id: i64,
    },
    Retry {
        id: i64,
        next_attempt_ms: i64,
        error: String,
    },
    Failed {
        id: i64,
        error: String,
    },
}

/// Stores notifications; called inside the writer's transaction. A notification whose
/// key is already stored is skipped.
pub(super) fn enqueue(
    connection: &Connection,
    notifications: &[Notification],
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut insert = connection.prepare_cached(
        "INSERT OR IGNORE INTO notifications (kind, target, deployment, payload, idempotency_key, created_ms, next_attempt_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?;
    for notification in notifications {
        insert.execute(params![
            notification.kind,
            notification.target,
            notification.deployment,
            notification.payload,
            notification.idempotency_key,
            now_ms
        ])?;
    }
    Ok(())
}

/// Records delivery attempts; called inside the writer's transaction.
pub(super) fn record(
    connection: &Connection,
    attempts: &[Attempt],
    now_ms: i64,
) -> Result<(), StoreError> {
    for attempt in attempts {
        match attempt {
            Attempt::Delivered { id } => connection.execute(
                "UPDATE notifications SET delivered_ms = ?1, attempts = attempts + 1 WHERE id = ?2",
                params![now_ms, id],
            )?,
            Attempt::Retry { id, next_attempt_ms, error } => connection.execute(
                "UPDATE notifications SET attempts = attempts + 1, next_attempt_ms = ?1, last_error = ?2 WHERE id = ?3",
                params![next_attempt_ms, error, id],
            )?,
            Attempt::Failed { id, error } => connection.execute(
                "UPDATE notifications SET attempts = attempts + 1, failed_ms = ?1, last_error = ?2 WHERE id = ?3",
                params![now_ms, error, id],
            )?,
        };
    }
    Ok(())
}

/// Notifications due at `now_ms`, oldest first.
pub fn due(connection: &Connection, now_ms: i64, limit: u32) -> Result<Vec<Due>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT id, kind, target, payload, idempotency_key, attempts FROM notifications
         WHERE delivered_ms IS NULL AND failed_ms IS NULL AND next_attempt_ms <= ?1
         ORDER BY id LIMIT ?2",
    )?;
    let rows = statement.query_map(params![now_ms, limit], |row| {
        Ok(Due {
            id: row.get(0)?,
            kind: row.get(1)?,
            target: row.get(2)?,
            payload: row.get(3)?,
            idempotency_key: row.get(4)?,
            attempts: row.get::<_, i64>(5)? as u32,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When the last rollback for `deployment` was planned, if ever.
pub fn last_rollback_ms(
    connection: &Connection,
    deployment: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT MAX(created_ms) FROM notifications WHERE kind = 'rollback' AND deployment = ?1",
            [deployment],
            |row| row.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}
