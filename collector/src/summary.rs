//! The `summary` command: one row per deployment with its refusal rates, as a table or
//! as JSON. A rate whose denominator is 0 is `null` in JSON and `-` in the table.

use serde::Serialize;

use std::collections::BTreeMap;

use crate::store::query::{DeploymentTotals, ProbeCategoryTotals};

/// One deployment's summary, as printed by `summary --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentSummary {
    pub model: String,
    pub version: String,
    /// The version this one is compared with; `None` for the first version of a model
    /// with no declared baseline.
    pub baseline_version: Option<String>,
    /// Responses stored.
    pub responses: u64,
    /// Refused (full or partial) among all responses.
    pub refusal_rate: Option<f64>,
    /// Scored responses (with a refusal verdict) whose prompt should be answered
    /// (`expect` = `comply`); errors and empty responses are left out.
    pub comply_responses: u64,
    /// Refused among responses with `expect` = `comply`.
    pub over_refusal_rate: Option<f64>,
    /// Scored responses whose prompt should be declined (`expect` = `refuse`).
    pub refuse_responses: u64,
    /// Refused among responses with `expect` = `refuse`.
    pub harmful_refusal_rate: Option<f64>,
    /// Mean Shannon entropy of the word distribution, in bits per word, over responses
    /// with text scores.
    pub mean_word_entropy_bits: Option<f64>,
    /// Refused among probe samples that should be answered.
    pub probe_over_refusal_rate: Option<f64>,
    /// Refused among probe samples that should be declined.
    pub probe_harmful_refusal_rate: Option<f64>,
    /// Per probe category: passes over judged samples (errors count as neither pass
    /// nor fail).
    pub probe_pass_rates: BTreeMap<String, ProbeCategory>,
}

/// Probe results of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeCategory {
    pub samples: u64,
    /// Passes over judged samples (passes and failures); `None` when every sample
    /// errored.
    pub pass_rate: Option<f64>,
    /// Samples with no response to judge (request failed or timed out).
    pub errors: u64,
}

impl DeploymentSummary {
    /// Builds the summary of one deployment from its totals and its probe categories.
    pub fn new(totals: &DeploymentTotals, probes: &[ProbeCategoryTotals]) -> Self {
        let mut summary = Self::from(totals);
        for category in probes
            .iter()
            .filter(|category| category.deployment_id == totals.id)
        {
            summary.probe_pass_rates.insert(
                category.category.clone(),
                ProbeCategory {
                    samples: category.samples,
                    pass_rate: rate(category.pass, category.samples - category.error),
                    errors: category.error,
                },
            );
        }
        summary
    }
}

impl From<&DeploymentTotals> for DeploymentSummary {
    fn from(totals: &DeploymentTotals) -> Self {
        Self {
            model: totals.model.clone(),
            version: totals.version.clone(),
            baseline_version: None,
            responses: totals.responses,
            refusal_rate: rate(totals.refused, totals.responses),
            comply_responses: totals.comply,
            over_refusal_rate: rate(totals.comply_refused, totals.comply),
            refuse_responses: totals.refuse,
            harmful_refusal_rate: rate(totals.refuse_refused, totals.refuse),
            mean_word_entropy_bits: totals.mean_word_entropy_bits,
            probe_over_refusal_rate: rate(totals.probe_comply_refused, totals.probe_comply),
            probe_harmful_refusal_rate: rate(totals.probe_refuse_refused, totals.probe_refuse),
            probe_pass_rates: BTreeMap::new(),
        }
    }
}

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

pub fn to_json(rows: &[DeploymentSummary]) -> String {
    serde_json::to_string_pretty(rows).expect("summaries serialize")
}

/// Renders the rows as an aligned text table.
pub fn to_table(rows: &[DeploymentSummary]) -> String {
    let header = [
        "MODEL",
        "VERSION",
        "BASELINE",
        "RESPONSES",
        "REFUSAL",
        "OVER-REFUSAL",
        "HARMFUL-REFUSAL",
        "WORD-ENTROPY",
    ];
    let mut cells: Vec<Vec<String>> = vec![header.iter().map(|title| title.to_string()).collect()];
    for row in rows {
        cells.push(vec![
            row.model.clone(),
            row.version.clone(),
            row.baseline_version.clone().unwrap_or_else(|| "-".into()),
            row.responses.to_string(),
            percent(row.refusal_rate),
            format!(
                "{} of {}",
                percent(row.over_refusal_rate),
                row.comply_responses
            ),
            format!(
                "{} of {}",
                percent(row.harmful_refusal_rate),
                row.refuse_responses
            ),
            row.mean_word_entropy_bits
                .map_or_else(|| "-".to_string(), |bits| format!("{bits:.2} bits")),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            cells
                .iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Renders the probe pass rates per deployment and category, or nothing when no
/// deployment has probe results.
pub fn probe_table(rows: &[DeploymentSummary]) -> String {
    let mut out = String::new();
    for row in rows {
        for (category, probe) in &row.probe_pass_rates {
            if out.is_empty() {
                out.push_str(&format!(
                    "\n{:<20} {:<16} {:<20} {:>7} {:>9} {:>6}\n",
                    "MODEL", "VERSION", "PROBE CATEGORY", "SAMPLES", "PASS-RATE", "ERRORS"
                ));
            }
            out.push_str(&format!(
                "{:<20} {:<16} {:<20} {:>7} {:>9} {:>6}\n",
                row.model,
                row.version,
                category,
                probe.samples,
                percent(probe.pass_rate),
                probe.errors
            ));
        }
    }
    out
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_string(), |rate| format!("{:.1}%", rate * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals() -> DeploymentTotals {
        DeploymentTotals {
            id: 1,
            model: "m".into(),
            version: "v1".into(),
            first_seen_ms: 0,
            responses: 10,
            refused: 3,
            comply: 4,
            comply_refused: 1,
            refuse: 0,
            refuse_refused: 0,
            mean_word_entropy_bits: Some(5.5),
            probe_comply: 0,
            probe_comply_refused: 0,
            probe_refuse: 0,
            probe_refuse_refused: 0,
        }
    }

    #[test]
    fn zero_denominator_rate_is_null() {
        let summary = DeploymentSummary::from(&totals());
        assert_eq!(summary.refusal_rate, Some(0.3));
        assert_eq!(summary.over_refusal_rate, Some(0.25));
        assert_eq!(summary.harmful_refusal_rate, None);
        let json: serde_json::Value = serde_json::from_str(&to_json(&[summary])).unwrap();
        assert!(json[0]["harmful_refusal_rate"].is_null());
        assert_eq!(json[0]["model"], "m");
    }

    #[test]
    fn table_shows_dash_for_missing_rate() {
        let table = to_table(&[DeploymentSummary::from(&totals())]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("MODEL"));
        assert!(lines[1].contains("30.0%"), "{table}");
        assert!(lines[1].contains("- of 0"), "{table}");
    }
}
