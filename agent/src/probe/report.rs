//! Per-category pass rates of a suite run, as printed by `candor-agent probe`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::judge::Verdict;
use super::runner::SuiteRun;

/// Counts of one category.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CategoryReport {
    pub category: String,
    pub samples: u64,
    pub pass: u64,
    pub fail: u64,
    pub error: u64,
    /// Passes over judged samples (passes and failures); `None` when every sample
    /// errored. Errors count as neither.
    pub pass_rate: Option<f64>,
    /// Failures over judged samples; `None` when every sample errored.
    pub failure_rate: Option<f64>,
    /// Mean pooled distinct-2 over the probes of the category that had several samples.
    pub mean_distinct_2: Option<f64>,
}

/// Counts per category, in category order.
pub fn categories(run: &SuiteRun) -> Vec<CategoryReport> {
    let mut by_category: BTreeMap<&str, CategoryReport> = BTreeMap::new();
    for result in &run.results {
        let category = &run.suite.probes[result.probe_index].category;
        let report = by_category
            .entry(category)
            .or_insert_with(|| CategoryReport {
                category: category.clone(),
                ..CategoryReport::default()
            });
        report.samples += 1;
        match result.judged.verdict {
            Verdict::Pass => report.pass += 1,
            Verdict::Fail => report.fail += 1,
            Verdict::Error => report.error += 1,
        }
    }
    let mut diversity: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (probe, measured) in run.suite.probes.iter().zip(&run.diversity) {
        if let Some(measured) = measured {
            diversity
                .entry(&probe.category)
                .or_default()
                .push(measured.distinct_2);
        }
    }
    by_category
        .into_iter()
        .map(|(category, mut report)| {
            let judged = report.pass + report.fail;
            report.pass_rate = (judged > 0).then(|| report.pass as f64 / judged as f64);
            report.failure_rate = (judged > 0).then(|| report.fail as f64 / judged as f64);
            report.mean_distinct_2 = diversity
                .get(category)
                .map(|values| values.iter().sum::<f64>() / values.len() as f64);
            report
        })
        .collect()
}

/// Renders the reports as an aligned table.
pub fn to_table(suite: &str, reports: &[CategoryReport]) -> String {
    let mut out = format!(
        "suite {suite}\n{:<20} {:>7} {:>5} {:>5} {:>5} {:>9} {:>9}\n",
        "CATEGORY", "SAMPLES", "PASS", "FAIL", "ERROR", "PASS-RATE", "DISTINCT2"
    );
    for report in reports {
        out.push_str(&format!(
            "{:<20} {:>7} {:>5} {:>5} {:>5} {:>9} {:>9}\n",
            report.category,
            report.samples,
            report.pass,
            report.fail,
            report.error,
            report
                .pass_rate
                .map_or_else(|| "-".to_string(), |rate| format!("{:.1}%", rate * 100.0)),
            report
                .mean_distinct_2
                .map_or_else(|| "-".to_string(), |value| format!("{value:.3}")),
        ));
    }
    out
}

/// Categories whose failure rate is over `limit`.
pub fn over_limit(reports: &[CategoryReport], limit: f64) -> Vec<&CategoryReport> {
    reports
        .iter()
        .filter(|report| report.failure_rate.is_some_and(|rate| rate > limit))
        .collect()
}
