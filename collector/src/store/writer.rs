//! The store writer: one thread that owns the writing SQLite connection.
//!
//! Ingest tasks send it commands through a bounded queue and wait for the reply
//! (back-pressure when the queue is full). The thread takes every command that is
//! waiting, up to a group limit, and runs the group in one transaction with a savepoint
//! per command, so one failing command does not undo the others. It replies only
//! after the commit, which is what lets the collector acknowledge a batch only once it
//! is durable. It stops when every handle is dropped, after committing what was queued.

use std::sync::Arc;
use std::time::Instant;

use candor_proto::v1::{Hello, ObservationBatch};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::{now_unix_ms, StoreError};
use crate::metrics::Metrics;
use crate::names;

/// Most commands committed in one transaction.
const MAX_GROUP_COMMANDS: usize = 128;
/// Most observations committed in one transaction; a group stops growing past it.
const MAX_GROUP_OBSERVATIONS: usize = 50_000;
/// Longest text kept in a free-form column (record id, category, cue), in bytes.
const MAX_TEXT_BYTES: usize = 256;

/// A registered agent stream: the rows that its batches point at.
#[derive(Debug, Clone)]
pub struct Session {
    pub boot: i64,
    pub deployment_id: i64,
    pub model: Arc<str>,
    pub version: Arc<str>,
}

/// The result of committing one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    /// Observations stored; 0 for a duplicate.
    pub stored: u32,
    /// The batch had been committed before.
    pub duplicate: bool,
}

enum Command {
    Register {
        hello: Hello,
        reply: oneshot::Sender<Result<Session, StoreError>>,
    },
    Commit {
        session: Session,
        batch: ObservationBatch,
        reply: oneshot::Sender<Result<Committed, StoreError>>,
    },
    /// Store planned alert changes.
    Alerts {
        changes: Vec<crate::detect::lifecycle::Change>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Commit what is queued before this command, then stop.
    Stop,
}

impl Command {
    fn observations(&self) -> usize {
        match self {
            Command::Register { .. } | Command::Alerts { .. } | Command::Stop => 0,
            Command::Commit { batch, .. } => batch.observations.len(),
        }
    }
}

/// Sends commands to the writer thread. Cloning is cheap.
#[derive(Clone)]
pub struct WriterHandle {
    commands: mpsc::Sender<Command>,
}

impl WriterHandle {
    /// Records an agent's `Hello` and returns the session its batches belong to.
    pub async fn register(&self, hello: Hello) -> Result<Session, StoreError> {
        let (reply, receiver) = oneshot::channel();
        self.commands
            .send(Command::Register { hello, reply })
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        receiver.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Stores planned alert changes and waits for the commit.
    pub async fn apply_alerts(
        &self,
        changes: Vec<crate::detect::lifecycle::Change>,
    ) -> Result<(), StoreError> {
        let (reply, receiver) = oneshot::channel();
        self.commands
            .send(Command::Alerts { changes, reply })
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        receiver.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Asks the writer to commit what is queued and stop. Commands sent later fail
    /// with [`StoreError::WriterStopped`].
    pub async fn stop(&self) {
        let _ = self.commands.send(Command::Stop).await;
    }

    /// Queues a batch for commit, waiting while the queue is full. The returned
    /// receiver resolves once the batch is committed or has failed.
    pub async fn commit(
        &self,
        session: Session,
        batch: ObservationBatch,
    ) -> Result<oneshot::Receiver<Result<Committed, StoreError>>, StoreError> {
        let (reply, receiver) = oneshot::channel();
        self.commands
            .send(Command::Commit {
                session,
                batch,
                reply,
            })
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        Ok(receiver)
    }
}

/// Starts the writer thread on `connection`.
pub fn spawn(
    connection: Connection,
    metrics: Arc<Metrics>,
    queue_capacity: usize,
) -> std::io::Result<(WriterHandle, std::thread::JoinHandle<()>)> {
    let (commands, receiver) = mpsc::channel(queue_capacity.max(1));
    let thread = std::thread::Builder::new()
        .name("candor-store-writer".into())
        .spawn(move || run(connection, receiver, &metrics))?;
    Ok((WriterHandle { commands }, thread))
}

fn run(mut connection: Connection, mut receiver: mpsc::Receiver<Command>, metrics: &Metrics) {
    let mut stopping = false;
    while !stopping {
        let Some(first) = receiver.blocking_recv() else {
            break;
        };
        let mut observations = first.observations();
        let mut group = vec![first];
        while group.len() < MAX_GROUP_COMMANDS && observations < MAX_GROUP_OBSERVATIONS {
            match receiver.try_recv() {
                Ok(command) => {
                    observations += command.observations();
                    group.push(command);
                }
                Err(_) => break,
            }
        }
        if let Some(stop) = group
            .iter()
            .position(|command| matches!(command, Command::Stop))
        {
            // Commands after the stop are dropped unanswered, which their senders see
            // as a stopped writer.
            group.truncate(stop);
            stopping = true;
        }
        if group.is_empty() {
            continue;
        }
        let started = Instant::now();
        let results = write_group(&mut connection, &group);
        metrics.observe_commit(started.elapsed().as_secs_f64());
        metrics.set_store_healthy(results.is_ok());
        reply(group, results, metrics);
    }
    tracing::info!("Store writer stopped");
}

/// What one command produced, before the group commits.
enum Effect {
    Registered(Session),
    AlertsStored,
    Committed {
        committed: Committed,
        /// Whether each observation of the batch was stored.
        stored: Vec<bool>,
        drop_growth: Vec<(String, u64)>,
    },
}

/// Runs a group in one transaction. The outer error means the transaction failed and
/// nothing in the group was written.
fn write_group(
    connection: &mut Connection,
    group: &[Command],
) -> Result<Vec<Result<Effect, StoreError>>, StoreError> {
    let now = now_unix_ms();
    let mut transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(group.len());
    for command in group {
        let savepoint = transaction.savepoint()?;
        let result = match command {
            Command::Stop => unreachable!("stop commands are removed before writing"),
            Command::Alerts { changes, .. } => {
                super::alerts::apply(&savepoint, changes).map(|()| Effect::AlertsStored)
            }
            Command::Register { hello, .. } => {
                register(&savepoint, hello, now).map(Effect::Registered)
            }
            Command::Commit { session, batch, .. } => record_drops(&savepoint, session, batch)
                .and_then(|drop_growth| {
                    commit(&savepoint, session, batch, now).map(|(committed, stored)| {
                        Effect::Committed {
                            committed,
                            stored,
                            drop_growth,
                        }
                    })
                }),
        };
        if result.is_ok() {
            savepoint.commit()?;
        }
        // A savepoint dropped without commit rolls back to where it started.
        results.push(result);
    }
    transaction.commit()?;
    Ok(results)
}

fn reply(
    group: Vec<Command>,
    results: Result<Vec<Result<Effect, StoreError>>, StoreError>,
    metrics: &Metrics,
) {
    let mut results = match results {
        Ok(results) => results.into_iter().map(Some).collect::<Vec<_>>(),
        Err(error) => {
            tracing::error!(%error, commands = group.len(), "Store transaction failed; no batch in it was committed");
            group.iter().map(|_| None).collect()
        }
    };
    for (command, result) in group.into_iter().zip(results.iter_mut()) {
        let result = result.take();
        match command {
            Command::Stop => {}
            Command::Alerts { reply, .. } => {
                let result = match result {
                    Some(Ok(_)) => Ok(()),
                    Some(Err(error)) => Err(error),
                    None => Err(StoreError::WriterStopped),
                };
                let _ = reply.send(result);
            }
            Command::Register { reply, .. } => {
                let result = match result {
                    Some(Ok(Effect::Registered(session))) => Ok(session),
                    Some(Err(error)) => Err(error),
                    _ => Err(StoreError::WriterStopped),
                };
                let _ = reply.send(result);
            }
            Command::Commit {
                session,
                batch,
                reply,
            } => {
                let result = match result {
                    Some(Ok(Effect::Committed {
                        committed,
                        stored,
                        drop_growth,
                    })) => {
                        for (reason, growth) in &drop_growth {
                            metrics.agent_drops(&session.model, &session.version, reason, *growth);
                        }
                        if committed.duplicate {
                            metrics.batch("duplicate");
                        } else {
                            metrics.batch("stored");
                            count_batch(metrics, &session, &batch, &stored);
                        }
                        Ok(committed)
                    }
                    Some(Err(error)) => {
                        metrics.batch("failed");
                        Err(error)
                    }
                    _ => {
                        metrics.batch("failed");
                        Err(StoreError::WriterStopped)
                    }
                };
                let _ = reply.send(result);
            }
        }
    }
}

fn count_batch(metrics: &Metrics, session: &Session, batch: &ObservationBatch, stored: &[bool]) {
    for (observation, _) in batch
        .observations
        .iter()
        .zip(stored)
        .filter(|(_, &stored)| stored)
    {
        let refusal = observation
            .refusal
            .as_ref()
            .and_then(|refusal| names::refusal_class(refusal.class));
        metrics.add(
            &session.model,
            &session.version,
            names::expectation(observation.expect),
            refusal,
            1,
        );
    }
}

fn register(connection: &Connection, hello: &Hello, now: i64) -> Result<Session, StoreError> {
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
        "INSERT INTO agent_boots (agent_id, boot_id, deployment_id, labels, agent_version, first_seen_ms, last_seen_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (agent_id, boot_id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms",
        params![hello.agent_id, hello.boot_id, deployment_id, labels, hello.agent_version, now],
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

fn commit(
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
fn record_drops(
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
