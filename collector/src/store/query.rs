//! Read queries over the store: per-deployment counts for metrics at start-up and the
//! per-deployment summary.

use rusqlite::Connection;

use super::StoreError;

/// Stored responses of one deployment with one expectation and one refusal class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationCount {
    pub model: String,
    pub version: String,
    pub expect: Option<String>,
    pub refusal: Option<String>,
    pub count: u64,
}

pub fn observation_counts(connection: &Connection) -> Result<Vec<ObservationCount>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT d.model, d.version, o.expect, o.refusal, COUNT(*)
         FROM observations o JOIN deployments d ON d.id = o.deployment_id
         GROUP BY o.deployment_id, o.expect, o.refusal",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(ObservationCount {
            model: row.get(0)?,
            version: row.get(1)?,
            expect: row.get(2)?,
            refusal: row.get(3)?,
            count: row.get::<_, i64>(4)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Observations that agents of one deployment dropped for one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropCount {
    pub model: String,
    pub version: String,
    pub reason: String,
    pub count: u64,
}

/// Drop counts summed over agent boots, per deployment and reason.
pub fn drop_counts(connection: &Connection) -> Result<Vec<DropCount>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT d.model, d.version, a.reason, SUM(a.count)
         FROM agent_drops a
         JOIN agent_boots b ON b.id = a.boot
         JOIN deployments d ON d.id = b.deployment_id
         GROUP BY d.id, a.reason",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(DropCount {
            model: row.get(0)?,
            version: row.get(1)?,
            reason: row.get(2)?,
            count: row.get::<_, i64>(3)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The version each deployment is compared with: the declared baseline when there is
/// one, else the previous version of the same model in order of first appearance.
/// Returns (deployment id, baseline version) for deployments that have a baseline.
pub fn baselines(connection: &Connection) -> Result<Vec<(i64, String)>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT d.id, COALESCE(d.baseline_version,
                  (SELECT p.version FROM deployments p
                   WHERE p.model = d.model AND (p.first_seen_ms, p.id) < (d.first_seen_ms, d.id)
                   ORDER BY p.first_seen_ms DESC, p.id DESC LIMIT 1))
         FROM deployments d",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, Option<String>>(1)?))
    })?;
    let mut baselines = Vec::new();
    for row in rows {
        if let (id, Some(version)) = row? {
            baselines.push((id, version));
        }
    }
    Ok(baselines)
}

/// Totals of one deployment, from which the summary's rates are computed.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentTotals {
    pub id: i64,
    pub model: String,
    pub version: String,
    pub first_seen_ms: i64,
    pub responses: u64,
    pub refused: u64,
    pub comply: u64,
    pub comply_refused: u64,
    pub refuse: u64,
    pub refuse_refused: u64,
    /// Mean word entropy over responses with text scores; `None` when there are none.
    pub mean_word_entropy_bits: Option<f64>,
    /// Probe samples that got a refusal verdict, by expectation, and how many refused.
    pub probe_comply: u64,
    pub probe_comply_refused: u64,
    pub probe_refuse: u64,
    pub probe_refuse_refused: u64,
}

/// Totals per deployment, in order of first appearance.
pub fn deployment_totals(connection: &Connection) -> Result<Vec<DeploymentTotals>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT d.id, d.model, d.version, d.first_seen_ms,
                COUNT(o.id),
                COALESCE(SUM(o.refusal IN ('partial', 'full')), 0),
                COALESCE(SUM(o.expect = 'comply' AND o.refusal IS NOT NULL), 0),
                COALESCE(SUM(o.expect = 'comply' AND o.refusal IN ('partial', 'full')), 0),
                COALESCE(SUM(o.expect = 'refuse' AND o.refusal IS NOT NULL), 0),
                COALESCE(SUM(o.expect = 'refuse' AND o.refusal IN ('partial', 'full')), 0),
                AVG(o.word_entropy_bits),
                COALESCE(SUM(o.source = 'probe' AND o.expect = 'comply' AND o.refusal IS NOT NULL), 0),
                COALESCE(SUM(o.source = 'probe' AND o.expect = 'comply' AND o.refusal IN ('partial', 'full')), 0),
                COALESCE(SUM(o.source = 'probe' AND o.expect = 'refuse' AND o.refusal IS NOT NULL), 0),
                COALESCE(SUM(o.source = 'probe' AND o.expect = 'refuse' AND o.refusal IN ('partial', 'full')), 0)
         FROM deployments d LEFT JOIN observations o ON o.deployment_id = d.id
         GROUP BY d.id
         ORDER BY d.first_seen_ms, d.id",
    )?;
    let rows = statement.query_map([], |row| {
        let count = |index| row.get::<_, i64>(index).map(|value| value as u64);
        Ok(DeploymentTotals {
            id: row.get(0)?,
            model: row.get(1)?,
            version: row.get(2)?,
            first_seen_ms: row.get(3)?,
            responses: count(4)?,
            refused: count(5)?,
            comply: count(6)?,
            comply_refused: count(7)?,
            refuse: count(8)?,
            refuse_refused: count(9)?,
            mean_word_entropy_bits: row.get(10)?,
            probe_comply: count(11)?,
            probe_comply_refused: count(12)?,
            probe_refuse: count(13)?,
            probe_refuse_refused: count(14)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Probe results of one deployment in one category.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeCategoryTotals {
    pub deployment_id: i64,
    pub category: String,
    pub samples: u64,
    pub pass: u64,
    pub error: u64,
}

/// Probe totals per deployment and category.
pub fn probe_category_totals(
    connection: &Connection,
) -> Result<Vec<ProbeCategoryTotals>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT deployment_id, category, COUNT(*),
                COALESCE(SUM(verdict = 'pass'), 0), COALESCE(SUM(verdict = 'error'), 0)
         FROM observations WHERE verdict IS NOT NULL
         GROUP BY deployment_id, category ORDER BY deployment_id, category",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(ProbeCategoryTotals {
            deployment_id: row.get(0)?,
            category: row.get(1)?,
            samples: row.get::<_, i64>(2)? as u64,
            pass: row.get::<_, i64>(3)? as u64,
            error: row.get::<_, i64>(4)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
