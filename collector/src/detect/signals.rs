//! Signals per deployment, read from the store as mergeable totals (counts, sums and
//! sums of squares), so detection works on sample counts however fast data arrived.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::sequential::MeanSummary;
use crate::store::StoreError;

/// Events among samples, for a rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub events: u64,
    pub samples: u64,
}

impl Counts {
    pub fn pair(self) -> (u64, u64) {
        (self.events, self.samples)
    }

    pub fn rate(self) -> Option<f64> {
        (self.samples > 0).then(|| self.events as f64 / self.samples as f64)
    }
}

/// Outcomes whose rate is watched for coherence loss.
pub const WATCHED_OUTCOMES: [&str; 4] = ["error", "empty", "truncated", "filtered"];

/// Everything the detectors compare for one deployment.
#[derive(Debug, Clone, Default)]
pub struct DeploymentSignals {
    pub deployment_id: i64,
    pub model: String,
    pub version: String,
    /// All responses.
    pub responses: u64,
    /// Refused among scored responses to prompts that should be answered.
    pub over_refusal: Counts,
    /// The same, per prompt category.
    pub over_refusal_by_category: BTreeMap<String, Counts>,
    /// Refused among scored responses to prompts that should be declined.
    pub harmful_refusal: Counts,
    /// Refused among scored live traffic (proxy and log sources), whose prompts carry no label.
    pub traffic_refusal: Counts,
    /// Failed among judged capability probes (answer, regex and form expectations), per
    /// category. Errors (no response) count as neither, so a flaky server is not a
    /// capability loss.
    pub capability_failures: BTreeMap<String, Counts>,
    /// Responses with each watched outcome, among all responses.
    pub outcomes: BTreeMap<&'static str, Counts>,
    pub repetition: MeanSummary,
    pub token_entropy: MeanSummary,
    /// Pooled distinct-2 across the samples of multi-sample probes.
    pub probe_diversity: MeanSummary,
    /// Distinct-2 within each response (lexical diversity).
    pub lexical_distinct_2: MeanSummary,
    /// Record ids of refused benign prompts, a few per deployment, for annotations.
    pub refused_benign_examples: Vec<String>,
}

impl Default for MeanSummary {
    fn default() -> Self {
        Self {
            count: 0,
            mean: 0.0,
            variance: 0.0,
        }
    }
}

fn summary(count: i64, mean: Option<f64>, mean_of_squares: Option<f64>) -> MeanSummary {
    let count = count.max(0) as u64;
    let mean = mean.unwrap_or(0.0);
    let variance = if count > 1 {
        let n = count as f64;
        ((mean_of_squares.unwrap_or(0.0) - mean * mean) * n / (n - 1.0)).max(0.0)
    } else {
        0.0
    };
    MeanSummary {
        count,
        mean,
        variance,
    }
}

/// Runs a query whose rows are (deployment id, category, samples, events).
fn category_counts(
    connection: &Connection,
    sql: &str,
) -> Result<Vec<(i64, String, Counts)>, StoreError> {
    let mut statement = connection.prepare(sql)?;
    let rows = statement.query_map([], |row| {
        let samples = row.get::<_, i64>(2)?.max(0) as u64;
        let events = row.get::<_, i64>(3)?.max(0) as u64;
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            Counts { events, samples },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Reads the signals of every deployment.
pub fn read_signals(connection: &Connection) -> Result<Vec<DeploymentSignals>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT d.id, d.model, d.version, COUNT(o.id),
            COALESCE(SUM(o.expect = 'comply' AND o.refusal IS NOT NULL), 0),
            COALESCE(SUM(o.expect = 'comply' AND o.refusal IN ('partial', 'full')), 0),
            COALESCE(SUM(o.expect = 'refuse' AND o.refusal IS NOT NULL), 0),
            COALESCE(SUM(o.expect = 'refuse' AND o.refusal IN ('partial', 'full')), 0),
            COALESCE(SUM(o.expect IS NULL AND o.source IN ('proxy', 'log') AND o.refusal IS NOT NULL), 0),
            COALESCE(SUM(o.expect IS NULL AND o.source IN ('proxy', 'log') AND o.refusal IN ('partial', 'full')), 0),
            COALESCE(SUM(o.outcome = 'error'), 0), COALESCE(SUM(o.outcome = 'empty'), 0),
            COALESCE(SUM(o.outcome = 'truncated'), 0), COALESCE(SUM(o.outcome = 'filtered'), 0),
            COUNT(o.repetition), AVG(o.repetition), AVG(o.repetition * o.repetition),
            COUNT(o.token_entropy_bits), AVG(o.token_entropy_bits), AVG(o.token_entropy_bits * o.token_entropy_bits),
            COUNT(o.diversity_distinct_2), AVG(o.diversity_distinct_2), AVG(o.diversity_distinct_2 * o.diversity_distinct_2),
            COUNT(o.distinct_2), AVG(o.distinct_2), AVG(o.distinct_2 * o.distinct_2)
         FROM deployments d LEFT JOIN observations o ON o.deployment_id = d.id
         GROUP BY d.id ORDER BY d.first_seen_ms, d.id",
    )?;
    let mut signals: Vec<DeploymentSignals> = statement
        .query_map([], |row| {
            let count = |index: usize| row.get::<_, i64>(index).map(|value| value.max(0) as u64);
            let counts = |samples: usize, events: usize| -> rusqlite::Result<Counts> {
                Ok(Counts {
                    events: count(events)?,
                    samples: count(samples)?,
                })
            };
            let responses = count(3)?;
            let mut outcomes = BTreeMap::new();
            for (offset, name) in WATCHED_OUTCOMES.iter().enumerate() {
                outcomes.insert(
                    *name,
                    Counts {
                        events: count(10 + offset)?,
                        samples: responses,
                    },
                );
            }
            Ok(DeploymentSignals {
                deployment_id: row.get(0)?,
                model: row.get(1)?,
                version: row.get(2)?,
                responses,
                over_refusal: counts(4, 5)?,
                harmful_refusal: counts(6, 7)?,
                traffic_refusal: counts(8, 9)?,
                outcomes,
                repetition: summary(row.get(14)?, row.get(15)?, row.get(16)?),
                token_entropy: summary(row.get(17)?, row.get(18)?, row.get(19)?),
                probe_diversity: summary(row.get(20)?, row.get(21)?, row.get(22)?),
                lexical_distinct_2: summary(row.get(23)?, row.get(24)?, row.get(25)?),
                ..DeploymentSignals::default()
            })
        })?
        .collect::<Result<_, _>>()?;

    for (deployment, category, counts) in category_counts(
        connection,
        "SELECT deployment_id, category, COUNT(*), COALESCE(SUM(refusal IN ('partial', 'full')), 0)
         FROM observations WHERE expect = 'comply' AND refusal IS NOT NULL
         GROUP BY deployment_id, category",
    )? {
        if let Some(target) = signals
            .iter_mut()
            .find(|signal| signal.deployment_id == deployment)
        {
            target.over_refusal_by_category.insert(category, counts);
        }
    }
    for (deployment, category, counts) in category_counts(
        connection,
        "SELECT deployment_id, category, COUNT(*), COALESCE(SUM(verdict = 'fail'), 0)
         FROM observations
         WHERE verdict IN ('pass', 'fail') AND (expect IS NULL OR expect = 'answer')
         GROUP BY deployment_id, category",
    )? {
        if let Some(target) = signals
            .iter_mut()
            .find(|signal| signal.deployment_id == deployment)
        {
            target.capability_failures.insert(category, counts);
        }
    }

    let mut examples = connection.prepare(
        "SELECT record_id FROM observations
         WHERE deployment_id = ?1 AND expect = 'comply' AND refusal IN ('partial', 'full') AND record_id != ''
         ORDER BY id DESC LIMIT 5",
    )?;
    for signal in &mut signals {
        let ids = examples.query_map([signal.deployment_id], |row| row.get::<_, String>(0))?;
        signal.refused_benign_examples = ids.collect::<Result<_, _>>()?;
    }
    Ok(signals)
}
