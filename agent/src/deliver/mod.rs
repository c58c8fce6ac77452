//! Delivery of observations to the collector over one long-lived gRPC stream.
//!
//! A [`Delivery`] owns a background task. Callers hand it observation batches through a
//! bounded queue, and [`Delivery::send`] waits while the queue is full (back-pressure).
//! The task numbers each batch, keeps it until the collector acknowledges it, and on
//! any retryable failure reconnects with capped, jittered backoff and re-sends every
//! unacknowledged batch with its original sequence number. The collector commits a
//! batch at most once per (agent id, boot id, sequence), so re-sending is safe.

mod backoff;
pub mod batcher;
mod drops;
pub mod spool;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use candor_proto::v1::{Deployment, Hello, Observation};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tonic::transport::Endpoint;
use tonic::Code;

pub use backoff::Backoff;
pub use drops::{DropCounts, DropReason};
use worker::Worker;

/// Called once the collector has acknowledged the batch it came with.
pub type AckHook = Box<dyn FnOnce() + Send>;

/// A batch handed to delivery, with what to do once the collector acknowledges it.
pub struct Outgoing {
    pub observations: Vec<Observation>,
    pub on_ack: Option<AckHook>,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("observations", &self.observations.len())
            .field("on_ack", &self.on_ack.is_some())
            .finish()
    }
}

impl From<Vec<Observation>> for Outgoing {
    fn from(observations: Vec<Observation>) -> Self {
        Self {
            observations,
            on_ack: None,
        }
    }
}

/// Largest encoded size of the observations of one batch, in bytes. Producers close a
/// batch when it reaches this size, which keeps every message well under the 4 MiB
/// default message limit of gRPC.
pub const MAX_BATCH_BYTES: usize = 1024 * 1024;

/// Settings of a [`Delivery`].
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Collector gRPC URL, such as `http://127.0.0.1:4317`.
    pub endpoint: String,
    /// The identity sent in the stream's `Hello`.
    pub hello: Hello,
    /// Batches waiting in the queue before [`Delivery::send`] waits.
    pub queue_batches: usize,
    /// Batches sent and not yet acknowledged on one stream.
    pub max_in_flight: usize,
    /// Delay between reconnection attempts.
    pub backoff: Backoff,
    /// Time allowed to connect and receive the collector's `Welcome`.
    pub connect_timeout: Duration,
    /// The task gives up when the stream has kept failing, with no batch acknowledged,
    /// for this long.
    pub give_up_after: Duration,
    /// Largest encoded message sent or received, in bytes.
    pub max_message_bytes: usize,
    /// A stream that has batches in flight and receives no acknowledgement for this
    /// long is treated as failed and opened again.
    pub ack_timeout: Duration,
    /// Drop counts reported to the collector with every batch.
    pub drops: Arc<DropCounts>,
}

impl DeliveryConfig {
    /// Settings with defaults for everything but the collector and the identity.
    pub fn new(endpoint: impl Into<String>, agent_id: String, deployment: Deployment) -> Self {
        Self {
            endpoint: endpoint.into(),
            hello: Hello {
                agent_id,
                boot_id: uuid::Uuid::new_v4().to_string(),
                deployment: Some(deployment),
                agent_version: env!("CARGO_PKG_VERSION").to_string(),
                long_running: false,
            },
            queue_batches: 16,
            max_in_flight: 32,
            backoff: Backoff::default(),
            connect_timeout: Duration::from_secs(5),
            give_up_after: Duration::from_secs(300),
            max_message_bytes: 4 * 1024 * 1024,
            ack_timeout: Duration::from_secs(30),
            drops: Arc::new(DropCounts::default()),
        }
    }
}

/// Counts of what the collector has acknowledged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Batches acknowledged, including duplicates.
    pub batches: u64,
    /// Observations in acknowledged batches, including those committed by an earlier send.
    pub observations: u64,
    /// Observations that the collector reported as newly stored.
    pub stored: u64,
    /// Batches the collector had already committed before.
    pub duplicate_batches: u64,
    /// Streams opened after the first.
    pub reconnects: u64,
}

/// Why delivery stopped before every batch was acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("invalid collector URL {url:?}: {reason}")]
    InvalidEndpoint { url: String, reason: String },
    #[error("collector rejected the stream: {code:?}: {message}")]
    Rejected { code: Code, message: String },
    #[error("gave up after {waited:?} without an acknowledgement from {endpoint}; last error: {last_error}")]
    GaveUp {
        endpoint: String,
        waited: Duration,
        last_error: String,
    },
    #[error("the delivery task stopped unexpectedly")]
    TaskStopped,
    #[error("delivery stopped with {batches} batches not acknowledged")]
    Abandoned { batches: usize },
}

/// A running delivery task and the queue that feeds it.
pub struct Delivery {
    batches: mpsc::Sender<Outgoing>,
    abandon: watch::Sender<bool>,
    leftovers: Arc<std::sync::Mutex<Vec<Outgoing>>>,
    progress: watch::Receiver<Progress>,
    task: JoinHandle<Result<Progress, DeliveryError>>,
}

impl Delivery {
    /// Starts the delivery task. It connects lazily, when the first batch arrives.
    pub fn start(config: DeliveryConfig) -> Result<Self, DeliveryError> {
        check_collector_url(&config.endpoint).map_err(|reason| DeliveryError::InvalidEndpoint {
            url: config.endpoint.clone(),
            reason,
        })?;
        let endpoint = Endpoint::from_shared(config.endpoint.clone())
            .map_err(|error| DeliveryError::InvalidEndpoint {
                url: config.endpoint.clone(),
                reason: error.to_string(),
            })?
            .connect_timeout(config.connect_timeout)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(20))
            .keep_alive_timeout(Duration::from_secs(10))
            .keep_alive_while_idle(true);
        let (batches, input) = mpsc::channel(config.queue_batches.max(1));
        let (progress_sender, progress) = watch::channel(Progress::default());
        let worker = Worker::new(config, endpoint, input, progress_sender);
        let (abandon, abandoned) = watch::channel(false);
        let leftovers = Arc::new(std::sync::Mutex::new(Vec::new()));
        let task = tokio::spawn(worker.run(abandoned, leftovers.clone()));
        Ok(Self {
            abandon,
            leftovers,
            batches,
            progress,
            task,
        })
    }

    /// Queues a batch, waiting while the queue is full.
    pub async fn send(&self, observations: Vec<Observation>) -> Result<(), DeliveryError> {
        if observations.is_empty() {
            return Ok(());
        }
        self.batches
            .send(observations.into())
            .await
            .map_err(|_| DeliveryError::TaskStopped)
    }

    /// A handle that queues batches from other tasks or threads. Delivery finishes only
    /// once every such handle is dropped.
    pub fn sender(&self) -> BatchSender {
        BatchSender(self.batches.clone())
    }

    /// A receiver that sees the acknowledgement counts change.
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.clone()
    }

    /// Closes the queue and waits until every batch is acknowledged, or delivery fails.
    pub async fn finish(self) -> Result<Progress, DeliveryError> {
        drop(self.batches);
        match self.task.await {
            Ok(result) => result,
            Err(_) => Err(DeliveryError::TaskStopped),
        }
    }

    /// Closes the queue and waits up to `grace` for every batch to be acknowledged.
    /// After that, delivery stops and the batches not acknowledged are returned, so the
    /// caller can spool them.
    pub async fn finish_within(
        self,
        grace: Duration,
    ) -> (Result<Progress, DeliveryError>, Vec<Outgoing>) {
        drop(self.batches);
        let mut task = self.task;
        let result = match tokio::time::timeout(grace, &mut task).await {
            Ok(joined) => joined.unwrap_or(Err(DeliveryError::TaskStopped)),
            Err(_) => {
                self.abandon.send_replace(true);
                task.await.unwrap_or(Err(DeliveryError::TaskStopped))
            }
        };
        let leftovers = std::mem::take(&mut *self.leftovers.lock().expect("leftovers lock"));
        (result, leftovers)
    }
}

/// Queues batches for a [`Delivery`], from async code or from a blocking thread.
#[derive(Clone)]
pub struct BatchSender(mpsc::Sender<Outgoing>);

impl BatchSender {
    /// Queues a batch, waiting while the queue is full.
    pub async fn send(&self, outgoing: impl Into<Outgoing>) -> Result<(), DeliveryError> {
        self.0
            .send(outgoing.into())
            .await
            .map_err(|_| DeliveryError::TaskStopped)
    }

    /// Batches waiting in the queue.
    pub fn queued(&self) -> usize {
        self.0.max_capacity() - self.0.capacity()
    }

    /// Queues a batch if the queue has room, else returns it.
    pub fn try_send(&self, outgoing: Outgoing) -> Result<(), Outgoing> {
        self.0.try_send(outgoing).map_err(|error| match error {
            mpsc::error::TrySendError::Full(outgoing)
            | mpsc::error::TrySendError::Closed(outgoing) => outgoing,
        })
    }

    /// Queues a batch from a thread outside the async runtime, blocking while the
    /// queue is full.
    pub fn blocking_send(&self, outgoing: impl Into<Outgoing>) -> Result<(), DeliveryError> {
        self.0
            .blocking_send(outgoing.into())
            .map_err(|_| DeliveryError::TaskStopped)
    }
}

/// Checks that `url` is one the agent can connect to: `http://HOST:PORT`.
pub fn check_collector_url(url: &str) -> Result<(), String> {
    let uri: http::Uri = url
        .parse()
        .map_err(|error| format!("{error}; write it as http://HOST:PORT"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err("TLS is not supported yet; use http:// and a TLS-terminating sidecar if the network needs encryption".into())
        }
        Some(other) => return Err(format!("unsupported scheme {other:?}; write it as http://HOST:PORT")),
        None => return Err("no scheme; write it as http://HOST:PORT".into()),
    }
    let Some(authority) = uri.authority() else {
        return Err("no host; write it as http://HOST:PORT".into());
    };
    if authority.host().is_empty() {
        return Err("no host; write it as http://HOST:PORT".into());
    }
    let text = authority.as_str();
    let after_host = text
        .rfind(authority.host())
        .map_or("", |start| &text[start + authority.host().len()..]);
    if after_host.starts_with(':') && authority.port_u16().is_none() {
        return Err(format!(
            "invalid port {:?}; write it as http://HOST:PORT",
            &after_host[1..]
        ));
    }
    Ok(())
}

#[cfg(test)]
mod url_tests {
    use super::check_collector_url;

    #[test]
    fn collector_urls_are_checked() {
        for valid in [
            "http://127.0.0.1:4770",
            "http://[::1]:4770",
            "http://collector.local",
        ] {
            assert_eq!(check_collector_url(valid), Ok(()), "{valid}");
        }
        for (invalid, reason) in [
            ("https://127.0.0.1:4770", "TLS is not supported"),
            ("127.0.0.1:4770", "scheme"),
            ("ftp://127.0.0.1:1", "unsupported scheme"),
            ("http://nohost:bad", "invalid port"),
            ("", "write it as"),
        ] {
            let error = check_collector_url(invalid).unwrap_err();
            assert!(error.contains(reason), "{invalid}: {error}");
        }
    }
}
