//! One run of a suite against a model server: every sample of every probe is sent,
//! scored and judged, with a cap on concurrent requests and on the request rate, so a
//! probe run takes a bounded share of the model's capacity.

use std::sync::Arc;
use std::time::Duration;

use candor_proto::v1 as pb;
use tokio::sync::Semaphore;

use crate::score::diversity::{diversity, Diversity};
use crate::score::{Exchange, RefusalClassifier, Scorer, Scores};
use crate::wire;

use super::client::ProbeClient;
use super::judge::{judge, Judged};
use super::suite::{Expectation, Suite};

/// How much of the model a run may use.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Most requests started per second; `None` for no limit.
    pub max_requests_per_second: Option<f64>,
}

/// The result of one sample.
#[derive(Debug, Clone)]
pub struct SampleResult {
    /// Index of the probe in its suite.
    pub probe_index: usize,
    pub sample_index: u32,
    pub judged: Judged,
    /// `None` when the request failed.
    pub scores: Option<Scores>,
    pub latency: Option<Duration>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
}

/// The results of one run of a suite.
#[derive(Debug, Clone)]
pub struct SuiteRun {
    pub run_id: String,
    pub suite: Arc<Suite>,
    /// Ordered by probe, then sample.
    pub results: Vec<SampleResult>,
    /// Diversity across the samples of each probe with two or more texts, by probe index.
    pub diversity: Vec<Option<Diversity>>,
}

/// Runs every sample of every probe of `suite` once.
pub async fn run_suite(
    suite: Arc<Suite>,
    client: ProbeClient,
    classifier: Arc<RefusalClassifier>,
    limits: RunLimits,
) -> SuiteRun {
    let permits = Arc::new(Semaphore::new(limits.concurrency.max(1)));
    let interval = limits
        .max_requests_per_second
        .filter(|rate| *rate > 0.0)
        .map(|rate| Duration::from_secs_f64(1.0 / rate));
    let mut tasks = Vec::new();
    for (probe_index, probe) in suite.probes.iter().enumerate() {
        for sample_index in 0..probe.sampling.samples {
            let permit = permits
                .clone()
                .acquire_owned()
                .await
                .expect("semaphore is never closed");
            let suite = suite.clone();
            let client = client.clone();
            let classifier = classifier.clone();
            tasks.push(tokio::spawn(async move {
                let _permit = permit;
                let probe = &suite.probes[probe_index];
                run_sample(&client, classifier, probe_index, probe, sample_index).await
            }));
            if let Some(interval) = interval {
                tokio::time::sleep(interval).await;
            }
        }
    }
    let mut results = Vec::with_capacity(tasks.len());
    let mut texts: Vec<Vec<String>> = vec![Vec::new(); suite.probes.len()];
    for task in tasks {
        let (result, text) = task.await.expect("probe tasks do not panic");
        if let Some(text) = text {
            texts[result.probe_index].push(text);
        }
        results.push(result);
    }
    SuiteRun {
        run_id: uuid::Uuid::new_v4().to_string(),
        diversity: texts.iter().map(|samples| diversity(samples)).collect(),
        suite,
        results,
    }
}

/// Sends, scores and judges one sample. Returns the text too, for diversity.
async fn run_sample(
    client: &ProbeClient,
    classifier: Arc<RefusalClassifier>,
    probe_index: usize,
    probe: &super::suite::Probe,
    sample_index: u32,
) -> (SampleResult, Option<String>) {
    let parsed = match client.send(probe, sample_index).await {
        Ok(parsed) => parsed,
        Err(error) => {
            let result = SampleResult {
                probe_index,
                sample_index,
                judged: Judged::error(error.to_string()),
                scores: None,
                latency: None,
                prompt_tokens: None,
                completion_tokens: None,
            };
            return (result, None);
        }
    };
    let choice = parsed
        .choices
        .first()
        .cloned()
        .unwrap_or_else(|| crate::proxy::ParsedChoice {
            text: String::new(),
            api_refusal: None,
            finish_reason: None,
            outcome: crate::score::Outcome::Error,
            token_entropy: None,
        });
    let mut scorer = Scorer::with_classifier(classifier);
    let scores = scorer.score_exchange(&Exchange {
        prompt: Some(&probe.user),
        response: &choice.text,
        api_refusal: choice.api_refusal.as_deref(),
        finish_reason: choice.finish_reason.as_deref(),
        token_entropy: choice.token_entropy,
        transport_outcome: Some(choice.outcome),
    });
    let mut judged = judge(&probe.expectation, &scores, &choice.text);
    if judged.verdict == super::judge::Verdict::Error {
        if let Some(error) = &parsed.error {
            judged.reason = format!("{}: {error}", judged.reason);
        }
    }
    let text = scores
        .outcome
        .has_text_scores()
        .then(|| choice.text.clone());
    let result = SampleResult {
        probe_index,
        sample_index,
        judged,
        scores: Some(scores),
        latency: Some(parsed.latency),
        prompt_tokens: parsed.prompt_tokens,
        completion_tokens: parsed.completion_tokens,
    };
    (result, text)
}

/// One observation per sample, for the collector.
pub fn to_observations(run: &SuiteRun) -> Vec<pb::Observation> {
    run.results
        .iter()
        .map(|result| {
            let probe = &run.suite.probes[result.probe_index];
            let expect = match probe.expectation {
                Expectation::Comply => pb::Expectation::Comply,
                Expectation::Refuse => pb::Expectation::Refuse,
                Expectation::Answer(_) => pb::Expectation::Answer,
                Expectation::Regex(_) | Expectation::Form(_) => pb::Expectation::Unspecified,
            };
            let mut observation = pb::Observation {
                record_id: wire::clamp_text(&probe.id),
                source: pb::Source::Probe.into(),
                category: wire::clamp_text(&probe.category),
                expect: expect.into(),
                observed_at_unix_ms: wire::now_unix_ms(),
                latency_ms: result.latency.map_or(0, |latency| {
                    u32::try_from(latency.as_millis()).unwrap_or(u32::MAX)
                }),
                prompt_tokens: result.prompt_tokens.unwrap_or(0),
                completion_tokens: result.completion_tokens.unwrap_or(0),
                ..Default::default()
            };
            match &result.scores {
                Some(scores) => wire::fill_scores(&mut observation, scores),
                None => observation.outcome = pb::Outcome::Error.into(),
            }
            let diversity = (result.sample_index == 0)
                .then(|| run.diversity[result.probe_index])
                .flatten()
                .map(|measured| pb::Diversity {
                    distinct_2: measured.distinct_2,
                    mean_pairwise_dissimilarity: measured.mean_pairwise_dissimilarity,
                    samples: measured.samples,
                });
            observation.probe = Some(pb::ProbeResult {
                suite: wire::clamp_text(&run.suite.name),
                suite_version: wire::clamp_text(&run.suite.version),
                probe_id: wire::clamp_text(&probe.id),
                run_id: run.run_id.clone(),
                sample_index: result.sample_index,
                verdict: match result.judged.verdict {
                    super::judge::Verdict::Pass => pb::Verdict::Pass,
                    super::judge::Verdict::Fail => pb::Verdict::Fail,
                    super::judge::Verdict::Error => pb::Verdict::Error,
                }
                .into(),
                reason: wire::clamp_text(&result.judged.reason),
                extracted_answer: wire::clamp_text(
                    result.judged.extracted.as_deref().unwrap_or_default(),
                ),
                diversity,
            });
            observation
        })
        .collect()
}
