//! The SQL the store writer runs for agent streams: registering an agent boot, and
//! committing a batch with its observations and drop counts.

use candor_proto::v1::{Hello, ObservationBatch};
use rusqlite::{params, Connection, OptionalExtension};

use super::writer::{Committed, Session};
use super::StoreError;
use crate::names;

/// Longest text kept in a free-form column (record id, category, cue), in bytes.
const MAX_TEXT_BYTES: usize = 256;

pub(super) fn register(
    connection: &Connection,
    hello: &Hello,
    now: i64,
) -> Result<Session, StoreError> {
    let deployment = hello
        .deployment
        .as_ref()
        .expect("validated by the ingest service");
    connection.execute(
        "INSERT INTO deployments (model, version, first_seen_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (model, version) DO NOTHING",
        params![deployment.model, deployment.version, now],
    )?;
    if !deployment.baseline_version.is_empty() {
        connection.execute(
            "UPDATE deployments SET baseline_version = ?1 WHERE model = ?2 AND version = ?3",
            params![
                deployment.baseline_version,
                deployment.model,
                deployment.version
            ],
        )?;
    }
    let deployment_id: i64 = connection.query_row(
        "SELECT id FROM deployments WHERE model = ?1 AND version = ?2",
        params![deployment.model, deployment.version],
        |row| row.get(0),
    )?;
    let labels: std::collections::BTreeMap<_, _> = deployment.labels.iter().collect();
    let labels = serde_json::to_string(&labels).expect("string maps serialize");
    connection.execute(
        "INSERT INTO agent_boots (agent_id, boot_id, deployment_id, labels, agent_version, first_seen_ms, last_seen_ms, long_running)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)
         ON CONFLICT (agent_id, boot_id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms",
        params![hello.agent_id, hello.boot_id, deployment_id, labels, hello.agent_version, now, hello.long_running],
    )?;
    let boot: i64 = connection.query_row(
        "SELECT id FROM agent_boots WHERE agent_id = ?1 AND boot_id = ?2",
        params![hello.agent_id, hello.boot_id],
        |row| row.get(0),
    )?;
    Ok(Session {
        boot,
        deployment_id,
        model: deployment.model.as_str().into(),
        version: deployment.version.as_str().into(),
    })
}

pub(super) fn commit(
    connection: &Connection,
    session: &Session,
    batch: &ObservationBatch,
    now: i64,
) -> Result<(Committed, Vec<bool>), StoreError> {
    let sequence = batch.sequence as i64;
    let inserted = connection.execute(
        "INSERT INTO batches (boot, sequence, observations, committed_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (boot, sequence) DO NOTHING",
        params![session.boot, sequence, batch.observations.len() as i64, now],
    )?;
    if inserted == 0 {
        return Ok((
            Committed {
                stored: 0,
                duplicate: true,
            },
            Vec::new(),
        ));
    }
    // Whether each observation was stored; a repeated dedupe key is not.
    let mut stored = Vec::with_capacity(batch.observations.len());
    let mut insert = connection.prepare_cached(
        "INSERT OR IGNORE INTO observations (deployment_id, boot, sequence, record_id, source, category,
             expect, outcome, refusal, refusal_source, refusal_cue,
             words, word_entropy_bits, distinct_2, repetition, observed_ms, received_ms,
             token_entropy_bits, entropy_tokens, entropy_top_k, latency_ms, prompt_tokens,
             completion_tokens, dedupe_key, probe_suite, probe_id, probe_run, sample_index,
             verdict, verdict_reason, extracted_answer, diversity_distinct_2,
             diversity_dissimilarity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
    )?;
    for observation in &batch.observations {
        let refusal = observation.refusal.as_ref();
        let lexical = observation.lexical.as_ref();
        let entropy = observation.token_entropy.as_ref();
        let probe = observation.probe.as_ref();
        let diversity = probe.and_then(|probe| probe.diversity.as_ref());
        let inserted_row = insert.execute(params![
            session.deployment_id,
            session.boot,
            sequence,
            truncate(&observation.record_id),
            names::source(observation.source),
            truncate(&observation.category),
            names::expectation(observation.expect),
            names::outcome(observation.outcome),
            refusal.and_then(|refusal| names::refusal_class(refusal.class)),
            refusal.and_then(|refusal| names::refusal_source(refusal.source)),
            refusal.map(|refusal| truncate(&refusal.cue)),
            lexical.map(|lexical| lexical.words),
            lexical.map(|lexical| finite(lexical.word_entropy_bits)),
            lexical.map(|lexical| finite(lexical.distinct_2)),
            lexical.map(|lexical| finite(lexical.repetition)),
            observation.observed_at_unix_ms,
            now,
            entropy.and_then(|entropy| finite(entropy.mean_bits)),
            entropy.map(|entropy| entropy.tokens),
            entropy.map(|entropy| entropy.top_k),
            known(observation.latency_ms),
            known(observation.prompt_tokens),
            known(observation.completion_tokens),
            (!observation.dedupe_key.is_empty()).then(|| truncate(&observation.dedupe_key)),
            probe.map(|probe| truncate(&probe.suite)),
            probe.map(|probe| truncate(&probe.probe_id)),
            probe.map(|probe| truncate(&probe.run_id)),
            probe.map(|probe| probe.sample_index),
            probe.and_then(|probe| names::verdict(probe.verdict)),
            probe.map(|probe| truncate(&probe.reason)),
            probe
                .filter(|probe| !probe.extracted_answer.is_empty())
                .map(|probe| truncate(&probe.extracted_answer)),
            diversity.and_then(|diversity| finite(diversity.distinct_2)),
            diversity.and_then(|diversity| finite(diversity.mean_pairwise_dissimilarity)),
        ])?;
        stored.push(inserted_row == 1);
    }
    connection.execute(
        "UPDATE agent_boots SET last_seen_ms = ?1 WHERE id = ?2",
        params![now, session.boot],
    )?;
    let committed = Committed {
        stored: stored.iter().filter(|&&row| row).count() as u32,
        duplicate: false,
    };
    Ok((committed, stored))
}

/// Stores the agent's cumulative drop counts, keeping the largest count per reason
/// because a re-sent batch may carry older counts. Runs for duplicates too.
/// Returns how much each reason's count grew.
pub(super) fn record_drops(
    connection: &Connection,
    session: &Session,
    batch: &ObservationBatch,
) -> Result<Vec<(String, u64)>, StoreError> {
    let mut growth = Vec::new();
    if batch.dropped.is_empty() {
        return Ok(growth);
    }
    let mut select = connection
        .prepare_cached("SELECT count FROM agent_drops WHERE boot = ?1 AND reason = ?2")?;
    let mut upsert = connection.prepare_cached(
        "INSERT INTO agent_drops (boot, reason, count) VALUES (?1, ?2, ?3)
         ON CONFLICT (boot, reason) DO UPDATE SET count = MAX(count, excluded.count)",
    )?;
    for (reason, &count) in &batch.dropped {
        let reason = truncate(reason);
        let previous: i64 = select
            .query_row(params![session.boot, reason], |row| row.get(0))
            .optional()?
            .unwrap_or(0);
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        if count > previous {
            upsert.execute(params![session.boot, reason, count])?;
            growth.push((reason.to_string(), (count - previous) as u64));
        }
    }
    Ok(growth)
}

/// Maps the protocol's "0 means unknown" to NULL.
fn known(value: u32) -> Option<u32> {
    (value > 0).then_some(value)
}

/// Cuts free-form text to [`MAX_TEXT_BYTES`] at a character boundary.
fn truncate(text: &str) -> &str {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Stores NaN and infinities as NULL, since they are not measurements.
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}
