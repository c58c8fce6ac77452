//! The SQLite store: schema, migrations and connections.
//!
//! Schema (current version 4):
//! - `deployments`: one row per (`model`, `version`), in order of first appearance, with
//!   the declared baseline version when an agent or an operator set one.
//! - `agent_boots`: one row per (`agent_id`, `boot_id`): one run of one agent process,
//!   with the deployment it reports for and its labels as a JSON object.
//! - `batches`: one row per committed batch, keyed by (`boot`, `sequence`). A batch that
//!   is already here is a re-send and is not stored again.
//! - `observations`: one row per scored response, pointing at its deployment and its
//!   batch. Text-score columns are NULL when the outcome has no text scores, and
//!   token-entropy, latency and usage columns are NULL when unknown. An observation
//!   with a `dedupe_key` is stored at most once per deployment and key. Probe results
//!   fill the `probe_*`, `verdict*`, `extracted_answer` and `diversity_*` columns.
//! - `alerts`: one row per alert fingerprint with its lifecycle state (`pending`,
//!   `firing`, `resolved`), labels and annotations as JSON; `alert_history` records
//!   each state change.
//! - `notifications`: the outbox of webhook, Alertmanager and rollback-hook requests. A
//!   row is written in the same transaction as the alert change it reports, and is kept
//!   until delivered or given up, so a restart loses none. (`kind`, `target`,
//!   `idempotency_key`) is unique, so planning the same notification twice stores one.
//! - `agent_drops`: per agent boot and reason, the cumulative count of observations the
//!   agent dropped before delivery. Counts only grow within a boot, so the stored value
//!   is the largest one reported.
//!
//! Invariants: every observation belongs to exactly one row of `batches`, and the
//! observations of a batch are inserted in the same transaction as the batch row, so a
//! batch is either wholly stored or not at all.
//!
//! Write path: one writer thread ([`writer`]) owns the only writing connection and
//! commits groups of requests in one transaction each. Readers (`summary`, metric
//! start-up) open their own connections; WAL mode lets them read while it writes.

pub mod alerts;
mod batches;
pub mod outbox;
pub mod query;
pub mod writer;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// Schema migrations, applied in order. `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE deployments (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    UNIQUE (model, version)
);
CREATE TABLE agent_boots (
    id INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    deployment_id INTEGER NOT NULL REFERENCES deployments (id),
    labels TEXT NOT NULL,
    agent_version TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    UNIQUE (agent_id, boot_id)
);
CREATE TABLE batches (
    boot INTEGER NOT NULL REFERENCES agent_boots (id),
    sequence INTEGER NOT NULL,
    observations INTEGER NOT NULL,
    committed_ms INTEGER NOT NULL,
    PRIMARY KEY (boot, sequence)
) WITHOUT ROWID;
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    deployment_id INTEGER NOT NULL REFERENCES deployments (id),
    boot INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    source TEXT NOT NULL,
    category TEXT NOT NULL,
    expect TEXT,
    outcome TEXT NOT NULL,
    refusal TEXT,
    refusal_source TEXT,
    refusal_cue TEXT,
    words INTEGER,
    word_entropy_bits REAL,
    distinct_2 REAL,
    repetition REAL,
    observed_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    FOREIGN KEY (boot, sequence) REFERENCES batches (boot, sequence)
);
CREATE INDEX observations_by_deployment ON observations (deployment_id, expect, refusal);
"#,
    r#"
ALTER TABLE observations ADD COLUMN token_entropy_bits REAL;
ALTER TABLE observations ADD COLUMN entropy_tokens INTEGER;
ALTER TABLE observations ADD COLUMN entropy_top_k INTEGER;
ALTER TABLE observations ADD COLUMN latency_ms INTEGER;
ALTER TABLE observations ADD COLUMN prompt_tokens INTEGER;
ALTER TABLE observations ADD COLUMN completion_tokens INTEGER;
ALTER TABLE observations ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX observations_by_dedupe_key ON observations (deployment_id, dedupe_key)
    WHERE dedupe_key IS NOT NULL;
ALTER TABLE observations ADD COLUMN probe_suite TEXT;
ALTER TABLE observations ADD COLUMN probe_id TEXT;
ALTER TABLE observations ADD COLUMN probe_run TEXT;
ALTER TABLE observations ADD COLUMN sample_index INTEGER;
ALTER TABLE observations ADD COLUMN verdict TEXT;
ALTER TABLE observations ADD COLUMN verdict_reason TEXT;
ALTER TABLE observations ADD COLUMN extracted_answer TEXT;
ALTER TABLE observations ADD COLUMN diversity_distinct_2 REAL;
ALTER TABLE observations ADD COLUMN diversity_dissimilarity REAL;
ALTER TABLE deployments ADD COLUMN baseline_version TEXT;
CREATE TABLE agent_drops (
    boot INTEGER NOT NULL REFERENCES agent_boots (id),
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (boot, reason)
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE alerts (
    fingerprint TEXT PRIMARY KEY,
    alertname TEXT NOT NULL,
    deployment_id INTEGER NOT NULL REFERENCES deployments (id),
    labels TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    pending_since_ms INTEGER,
    started_at_ms INTEGER,
    resolved_at_ms INTEGER,
    updated_at_ms INTEGER NOT NULL,
    annotations TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE alert_history (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    annotations TEXT NOT NULL
);
CREATE INDEX alert_history_by_fingerprint ON alert_history (fingerprint, at_ms);
"#,
    r#"
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    deployment TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    delivered_ms INTEGER,
    failed_ms INTEGER,
    last_error TEXT,
    UNIQUE (kind, target, idempotency_key)
);
CREATE INDEX notifications_due ON notifications (next_attempt_ms)
    WHERE delivered_ms IS NULL AND failed_ms IS NULL;
ALTER TABLE agent_boots ADD COLUMN long_running INTEGER NOT NULL DEFAULT 0;
"#,
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("database {path} has schema version {found}, newer than this build's {supported}: upgrade candor-collector")]
    TooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("database {path} has schema version {found}, but this build needs {supported}: start `candor-collector serve` on it once to migrate")]
    NeedsMigration {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("database not found: {path}")]
    NotFound { path: String },
    #[error("SQLite error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the store writer has stopped")]
    WriterStopped,
    #[error("deployment {model} {version} not found: it appears once an agent reports for it")]
    DeploymentNotFound { model: String, version: String },
    #[error(
        "invalid baseline {baseline:?} for version {version:?}: name another, non-empty version"
    )]
    InvalidBaseline { version: String, baseline: String },
}

/// Opens (creating if needed) the database for writing and migrates it to the current
/// schema.
pub fn open_for_writing(path: &Path) -> Result<Connection, StoreError> {
    let open_error = |source| StoreError::Open {
        path: path.display().to_string(),
        source,
    };
    let mut connection = Connection::open(path).map_err(open_error)?;
    // WAL lets readers run beside the writer. `synchronous = FULL` makes a commit
    // durable before the collector acknowledges it, even across a power loss.
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(open_error)?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    // Truncate the WAL file back to 64 MiB after checkpoints so it cannot grow forever.
    connection.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    connection.busy_timeout(Duration::from_secs(5))?;
    migrate(&mut connection, path)?;
    Ok(connection)
}

/// Opens an existing database for reading. Fails when it is missing or not migrated.
///
/// Reading a WAL database normally needs write access to its folder for the shared
/// memory file. When that is denied, the database is opened as immutable instead, which
/// is right because no collector can be writing to a folder it cannot write to.
pub fn open_for_reading(path: &Path) -> Result<Connection, StoreError> {
    if !path.exists() {
        return Err(StoreError::NotFound {
            path: path.display().to_string(),
        });
    }
    let open_error = |source| StoreError::Open {
        path: path.display().to_string(),
        source,
    };
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_error)?;
    connection.busy_timeout(Duration::from_secs(5))?;
    let (connection, found) = match schema_version(&connection) {
        Ok(found) => (connection, found),
        Err(rusqlite::Error::SqliteFailure(error, _))
            if matches!(
                error.code,
                rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen
            ) =>
        {
            let uri = format!("file:{}?immutable=1", uri_path(path));
            let immutable = Connection::open_with_flags(
                uri,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(open_error)?;
            let found = schema_version(&immutable).map_err(open_error)?;
            (immutable, found)
        }
        Err(error) => return Err(open_error(error)),
    };
    check_version(path, found)?;
    if found < SCHEMA_VERSION {
        return Err(StoreError::NeedsMigration {
            path: path.display().to_string(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(connection)
}

fn schema_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// The path as a URI path, with the characters that URIs reserve escaped.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for character in path.display().to_string().chars() {
        match character {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            _ => out.push(character),
        }
    }
    out
}

fn check_version(path: &Path, found: i64) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.display().to_string(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

fn migrate(connection: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    check_version(path, found)?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(migration)?;
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
        transaction.commit()?;
        tracing::info!(path = %path.display(), version = index + 1, "Applied schema migration");
    }
    Ok(())
}

/// Declares the baseline version of a deployment, or with `None` returns it to the
/// previous version. Returns the declared version. The deployment must exist.
pub fn set_baseline(
    path: &Path,
    model: &str,
    version: &str,
    baseline: Option<&str>,
) -> Result<Option<String>, StoreError> {
    if let Some(baseline) = baseline {
        if baseline.trim().is_empty() || baseline == version {
            return Err(StoreError::InvalidBaseline {
                version: version.to_string(),
                baseline: baseline.to_string(),
            });
        }
    }
    if !path.exists() {
        return Err(StoreError::NotFound {
            path: path.display().to_string(),
        });
    }
    let connection = open_for_writing(path)?;
    if let Some(baseline) = baseline {
        let known: i64 = connection.query_row(
            "SELECT COUNT(*) FROM deployments WHERE model = ?1 AND version = ?2",
            rusqlite::params![model, baseline],
            |row| row.get(0),
        )?;
        if known == 0 {
            return Err(StoreError::DeploymentNotFound {
                model: model.to_string(),
                version: baseline.to_string(),
            });
        }
    }
    let updated = connection.execute(
        "UPDATE deployments SET baseline_version = ?1 WHERE model = ?2 AND version = ?3",
        rusqlite::params![baseline, model, version],
    )?;
    if updated == 0 {
        return Err(StoreError::DeploymentNotFound {
            model: model.to_string(),
            version: version.to_string(),
        });
    }
    Ok(baseline.map(str::to_string))
}

/// Milliseconds since the Unix epoch, now.
pub fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_empty_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("candor.db");
        drop(open_for_writing(&path).unwrap());
        let connection = open_for_writing(&path).unwrap();
        let version: i64 = connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let mode: String = connection
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        open_for_reading(&path).unwrap();
    }

    #[test]
    fn reading_missing_database_fails() {
        let dir = tempfile::tempdir().unwrap();
        let error = open_for_reading(&dir.path().join("absent.db")).unwrap_err();
        assert!(matches!(error, StoreError::NotFound { .. }), "{error}");
    }

    #[test]
    fn newer_schema_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("future.db");
        let connection = Connection::open(&path).unwrap();
        connection.pragma_update(None, "user_version", 99).unwrap();
        drop(connection);
        let error = open_for_writing(&path).unwrap_err();
        assert!(
            matches!(error, StoreError::TooNew { found: 99, .. }),
            "{error}"
        );
    }
}
