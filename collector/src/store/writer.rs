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
use rusqlite::{Connection, TransactionBehavior};

use super::batches::{commit, record_drops, register};
use tokio::sync::{mpsc, oneshot};

use super::{now_unix_ms, StoreError};
use crate::metrics::Metrics;
use crate::names;

/// Most commands committed in one transaction.
const MAX_GROUP_COMMANDS: usize = 128;
/// Most observations committed in one transaction; a group stops growing past it.
const MAX_GROUP_OBSERVATIONS: usize = 50_000;

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
    /// Store planned alert changes and the notifications that report them.
    Alerts {
        changes: Vec<crate::detect::lifecycle::Change>,
        notifications: Vec<super::outbox::Notification>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Record notification delivery attempts.
    Attempts {
        attempts: Vec<super::outbox::Attempt>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Commit what is queued before this command, then stop.
    Stop,
}

impl Command {
    fn observations(&self) -> usize {
        match self {
            Command::Register { .. }
            | Command::Alerts { .. }
            | Command::Attempts { .. }
            | Command::Stop => 0,
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
        notifications: Vec<super::outbox::Notification>,
    ) -> Result<(), StoreError> {
        let (reply, receiver) = oneshot::channel();
        self.commands
            .send(Command::Alerts {
                changes,
                notifications,
                reply,
            })
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        receiver.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Records notification delivery attempts and waits for the commit.
    pub async fn record_attempts(
        &self,
        attempts: Vec<super::outbox::Attempt>,
    ) -> Result<(), StoreError> {
        let (reply, receiver) = oneshot::channel();
        self.commands
            .send(Command::Attempts { attempts, reply })
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

/// The result of one command, before the group commits.
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
            Command::Alerts {
                changes,
                notifications,
                ..
            } => super::alerts::apply(&savepoint, changes)
                .and_then(|()| super::outbox::enqueue(&savepoint, notifications, now))
                .map(|()| Effect::AlertsStored),
            Command::Attempts { attempts, .. } => {
                super::outbox::record(&savepoint, attempts, now).map(|()| Effect::AlertsStored)
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
            Command::Alerts { reply, .. } | Command::Attempts { reply, .. } => {
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
