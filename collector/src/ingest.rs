//! The gRPC ingest service: one task per agent stream.
//!
//! A stream starts with a `Hello`, which is validated and registered in the store
//! before the collector answers `Welcome`. Each batch after it is queued to the store
//! writer, and a second task per stream forwards the acknowledgements in order as the
//! commits finish, so one agent can have several batches in flight. A protocol error
//! ends only the offending stream, with a status that names the problem.

use std::sync::Arc;
use std::time::Duration;

use candor_proto::v1::{
    agent_message, collector_message, ingest_server::Ingest, Ack, AgentMessage, CollectorMessage,
    Hello, ObservationBatch, Welcome,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::metrics::Metrics;
use crate::store::writer::{Committed, Session, WriterHandle};
use crate::store::StoreError;

/// Limits on what one agent may send.
#[derive(Debug, Clone)]
pub struct IngestLimits {
    /// Largest encoded message accepted, in bytes.
    pub max_message_bytes: usize,
    /// Most observations in one batch.
    pub max_batch_observations: usize,
    /// Time allowed between opening a stream and sending `Hello`.
    pub hello_timeout: Duration,
    /// Batches of one stream queued for commit and not yet acknowledged.
    pub max_uncommitted_batches: usize,
}

impl Default for IngestLimits {
    fn default() -> Self {
        Self {
            max_message_bytes: 4 * 1024 * 1024,
            max_batch_observations: 10_000,
            hello_timeout: Duration::from_secs(30),
            max_uncommitted_batches: 32,
        }
    }
}

/// Longest agent id, boot id, model, version, label key or label value, in bytes.
const MAX_NAME_BYTES: usize = 128;
/// Most labels on one deployment.
const MAX_LABELS: usize = 16;

/// The `candor.v1.Ingest` service.
#[derive(Clone)]
pub struct IngestService {
    pub(crate) writer: WriterHandle,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) limits: IngestLimits,
    pub(crate) collector_id: String,
    /// Becomes true when the collector starts shutting down.
    pub(crate) shutdown: watch::Receiver<bool>,
}

type Outbound = mpsc::Sender<Result<CollectorMessage, Status>>;

#[tonic::async_trait]
impl Ingest for IngestService {
    type StreamStream = ReceiverStream<Result<CollectorMessage, Status>>;

    async fn stream(
        &self,
        request: Request<Streaming<AgentMessage>>,
    ) -> Result<Response<Self::StreamStream>, Status> {
        let peer = request.remote_addr();
        let inbound = request.into_inner();
        let (outbound, receiver) = mpsc::channel(self.limits.max_uncommitted_batches + 2);
        let service = self.clone();
        tokio::spawn(async move {
            service.metrics.open_streams().inc();
            if let Err(status) = service.handle_stream(inbound, &outbound).await {
                service.metrics.stream_error(reason(&status));
                tracing::warn!(?peer, code = ?status.code(), message = status.message(), "Agent stream ended with an error");
                // A stalled agent must not hold this task, so the final status is
                // dropped when the agent is not reading.
                let _ = outbound.try_send(Err(status));
            }
            service.metrics.open_streams().dec();
        });
        Ok(Response::new(ReceiverStream::new(receiver)))
    }
}

impl IngestService {
    async fn handle_stream(
        &self,
        mut inbound: Streaming<AgentMessage>,
        outbound: &Outbound,
    ) -> Result<(), Status> {
        let first = tokio::time::timeout(self.limits.hello_timeout, inbound.message())
            .await
            .map_err(|_| {
                Status::deadline_exceeded(
                    "no Hello received in time: send Hello as the first message of the stream",
                )
            })??;
        let hello =
            match first.and_then(|message| message.kind) {
                Some(agent_message::Kind::Hello(hello)) => hello,
                Some(agent_message::Kind::Batch(_)) => return Err(Status::failed_precondition(
                    "batch received before Hello: send Hello as the first message of the stream",
                )),
                None => return Ok(()),
            };
        validate_hello(&hello)?;
        let session = self
            .writer
            .register(hello.clone())
            .await
            .map_err(store_status)?;
        tracing::info!(
            agent_id = %hello.agent_id,
            boot_id = %hello.boot_id,
            model = %session.model,
            version = %session.version,
            "Agent stream opened"
        );
        let welcome = CollectorMessage {
            kind: Some(collector_message::Kind::Welcome(Welcome {
                collector_id: self.collector_id.clone(),
                max_message_bytes: self.limits.max_message_bytes as u32,
            })),
        };
        if outbound.send(Ok(welcome)).await.is_err() {
            return Ok(());
        }

        let (commits, pending) = mpsc::channel(self.limits.max_uncommitted_batches);
        let mut acknowledger = tokio::spawn(forward_acks(pending, outbound.clone()));
        let reading = self.read_batches(&mut inbound, &session, commits);
        tokio::pin!(reading);
        tokio::select! {
            reading = &mut reading => {
                // Acknowledge what was already queued before reporting how the stream
                // ended; `reading` dropped its sender, so the acknowledger finishes.
                let acknowledged = (&mut acknowledger).await.unwrap_or(Ok(()));
                reading?;
                acknowledged?;
            }
            // A failed commit ends the stream at once, even while the agent sends
            // nothing because it is waiting for that acknowledgement.
            acknowledged = &mut acknowledger => {
                acknowledged.unwrap_or(Ok(()))?;
                (&mut reading).await?;
            }
        }
        tracing::info!(agent_id = %hello.agent_id, boot_id = %hello.boot_id, "Agent stream closed");
        Ok(())
    }

    async fn read_batches(
        &self,
        inbound: &mut Streaming<AgentMessage>,
        session: &Session,
        commits: mpsc::Sender<(u64, oneshot::Receiver<Result<Committed, StoreError>>)>,
    ) -> Result<(), Status> {
        let mut shutdown = self.shutdown.clone();
        loop {
            let message = tokio::select! {
                _ = shutdown.wait_for(|stopping| *stopping) => {
                    return Err(Status::unavailable(
                        "collector is shutting down: reconnect and re-send unacknowledged batches",
                    ));
                }
                message = inbound.message() => message?,
            };
            let batch = match message.and_then(|message| message.kind) {
                None => return Ok(()),
                Some(agent_message::Kind::Hello(_)) => {
                    return Err(Status::failed_precondition(
                        "Hello received twice: send it only as the first message of a stream",
                    ))
                }
                Some(agent_message::Kind::Batch(batch)) => batch,
            };
            self.validate_batch(&batch)?;
            let sequence = batch.sequence;
            let receiver = self
                .writer
                .commit(session.clone(), batch)
                .await
                .map_err(store_status)?;
            if commits.send((sequence, receiver)).await.is_err() {
                // The acknowledger stopped because the agent went away or a commit failed.
                return Ok(());
            }
        }
    }

    fn validate_batch(&self, batch: &ObservationBatch) -> Result<(), Status> {
        if batch.sequence == 0 {
            return Err(Status::invalid_argument(
                "batch sequence 0 is invalid: number batches from 1 for each boot id",
            ));
        }
        let count = batch.observations.len();
        if count > self.limits.max_batch_observations {
            return Err(Status::invalid_argument(format!(
                "batch {} has {count} observations, over the limit of {}: send smaller batches",
                batch.sequence, self.limits.max_batch_observations
            )));
        }
        Ok(())
    }
}

/// Sends an `Ack` for each queued batch, in order, as its commit finishes. Stops at the
/// first failed commit and returns its status.
async fn forward_acks(
    mut pending: mpsc::Receiver<(u64, oneshot::Receiver<Result<Committed, StoreError>>)>,
    outbound: Outbound,
) -> Result<(), Status> {
    while let Some((sequence, receiver)) = pending.recv().await {
        let committed = match receiver.await {
            Ok(Ok(committed)) => committed,
            Ok(Err(error)) => return Err(store_status(error)),
            Err(_) => return Err(store_status(StoreError::WriterStopped)),
        };
        let ack = CollectorMessage {
            kind: Some(collector_message::Kind::Ack(Ack {
                sequence,
                stored: committed.stored,
                duplicate: committed.duplicate,
            })),
        };
        if outbound.send(Ok(ack)).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}

fn validate_hello(hello: &Hello) -> Result<(), Status> {
    check_name("agent_id", &hello.agent_id)?;
    check_name("boot_id", &hello.boot_id)?;
    let Some(deployment) = &hello.deployment else {
        return Err(Status::invalid_argument(
            "Hello has no deployment: set deployment.model and deployment.version",
        ));
    };
    check_name("deployment.model", &deployment.model)?;
    check_name("deployment.version", &deployment.version)?;
    if deployment.baseline_version.len() > MAX_NAME_BYTES {
        return Err(Status::invalid_argument(format!(
            "Hello field deployment.baseline_version is {} bytes long, over the limit of {MAX_NAME_BYTES}",
            deployment.baseline_version.len()
        )));
    }
    if deployment.baseline_version == deployment.version {
        return Err(Status::invalid_argument(format!(
            "deployment.baseline_version {:?} is the deployment's own version: name an earlier or parallel version",
            deployment.version
        )));
    }
    if deployment.labels.len() > MAX_LABELS {
        return Err(Status::invalid_argument(format!(
            "deployment has {} labels, over the limit of {MAX_LABELS}",
            deployment.labels.len()
        )));
    }
    for (key, value) in &deployment.labels {
        let valid_key = key.len() <= MAX_NAME_BYTES
            && key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_key {
            return Err(Status::invalid_argument(format!(
                "invalid deployment label name {key:?}: use letters, digits and underscores, starting with a letter"
            )));
        }
        if value.len() > MAX_NAME_BYTES {
            return Err(Status::invalid_argument(format!(
                "deployment label {key:?} is {} bytes long, over the limit of {MAX_NAME_BYTES}",
                value.len()
            )));
        }
    }
    Ok(())
}

fn check_name(field: &str, value: &str) -> Result<(), Status> {
    if value.trim().is_empty() {
        return Err(Status::invalid_argument(format!(
            "Hello field {field} is empty: set it"
        )));
    }
    if value.len() > MAX_NAME_BYTES {
        return Err(Status::invalid_argument(format!(
            "Hello field {field} is {} bytes long, over the limit of {MAX_NAME_BYTES}",
            value.len()
        )));
    }
    Ok(())
}

/// Maps a store error to the status an agent sees. Every store failure is worth a
/// retry from the agent's side, since nothing in the failed batch was committed.
fn store_status(error: StoreError) -> Status {
    tracing::error!(%error, "Store write failed");
    Status::unavailable(format!(
        "collector could not store the batch: {error}; retry later"
    ))
}

/// Bounded metric label for a stream error.
fn reason(status: &Status) -> &'static str {
    match status.code() {
        tonic::Code::InvalidArgument => "invalid_argument",
        tonic::Code::FailedPrecondition => "protocol",
        tonic::Code::OutOfRange | tonic::Code::ResourceExhausted => "too_large",
        tonic::Code::DeadlineExceeded => "hello_timeout",
        tonic::Code::Unavailable => "unavailable",
        _ => "transport",
    }
}
