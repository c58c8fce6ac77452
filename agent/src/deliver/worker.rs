//! The delivery task's state machine: one stream at a time, re-sent batches after a
//! reconnection, acknowledgement tracking, and the retry and give-up rules.

use std::collections::VecDeque;
use std::sync::Arc;

use candor_proto::v1::{
    agent_message, collector_message, ingest_client::IngestClient, AgentMessage, ObservationBatch,
};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

use super::{AckHook, Backoff, DeliveryConfig, DeliveryError, Outgoing, Progress};

/// A numbered batch waiting for its acknowledgement.
pub(super) struct Pending {
    batch: ObservationBatch,
    on_ack: Option<AckHook>,
}

/// Whether a failed stream is worth opening again.
fn is_retryable(code: Code) -> bool {
    !matches!(
        code,
        Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::OutOfRange
            | Code::PermissionDenied
            | Code::Unauthenticated
            | Code::Unimplemented
            | Code::AlreadyExists
            | Code::NotFound
    )
}

enum SessionEnd {
    /// Every batch is acknowledged and the queue is closed.
    Done,
    /// The stream failed and may be opened again.
    Retry(String),
}

pub(super) struct Worker {
    config: DeliveryConfig,
    endpoint: Endpoint,
    /// Batches sent or to be sent, not yet acknowledged, in sequence order.
    pending: VecDeque<Pending>,
    next_sequence: u64,
    input: mpsc::Receiver<Outgoing>,
    input_open: bool,
    progress: Progress,
    progress_sender: watch::Sender<Progress>,
    /// When the current run of failures began; cleared by an acknowledgement.
    failing_since: Option<Instant>,
}

impl Worker {
    pub(super) fn new(
        config: DeliveryConfig,
        endpoint: Endpoint,
        input: mpsc::Receiver<Outgoing>,
        progress_sender: watch::Sender<Progress>,
    ) -> Self {
        Self {
            config,
            endpoint,
            pending: VecDeque::new(),
            next_sequence: 1,
            input,
            input_open: true,
            progress: Progress::default(),
            progress_sender,
            failing_since: None,
        }
    }

    /// Runs until every batch is acknowledged, delivery fails, or `abandon` turns true.
    /// Abandoned batches are left in `leftovers` for the caller to spool.
    pub(super) async fn run(
        mut self,
        mut abandon: watch::Receiver<bool>,
        leftovers: Arc<std::sync::Mutex<Vec<Outgoing>>>,
    ) -> Result<Progress, DeliveryError> {
        let finished = {
            let inner = self.run_until_done();
            tokio::pin!(inner);
            tokio::select! {
                result = &mut inner => Some(result),
                _ = abandon.wait_for(|abandoned| *abandoned) => None,
            }
        };
        if let Some(result) = finished {
            return result;
        }
        let mut abandoned: Vec<Outgoing> = self
            .pending
            .drain(..)
            .map(|pending| Outgoing {
                observations: pending.batch.observations,
                on_ack: pending.on_ack,
            })
            .collect();
        while let Ok(outgoing) = self.input.try_recv() {
            abandoned.push(outgoing);
        }
        let batches = abandoned.len();
        *leftovers.lock().expect("leftovers lock") = abandoned;
        Err(DeliveryError::Abandoned { batches })
    }

    async fn run_until_done(&mut self) -> Result<Progress, DeliveryError> {
        let mut backoff = self.config.backoff.clone();
        let mut sessions = 0u64;
        loop {
            if self.is_done() {
                return Ok(self.progress);
            }
            // Connect only once there is something to send.
            if self.pending.is_empty() && !self.take_input().await {
                continue;
            }
            if sessions > 0 {
                self.progress.reconnects += 1;
            }
            sessions += 1;
            match self.session(&mut backoff).await {
                Ok(SessionEnd::Done) => return Ok(self.progress),
                Ok(SessionEnd::Retry(reason)) => {
                    let waited = self
                        .failing_since
                        .get_or_insert_with(Instant::now)
                        .elapsed();
                    if waited >= self.config.give_up_after {
                        return Err(DeliveryError::GaveUp {
                            endpoint: self.config.endpoint.clone(),
                            waited,
                            last_error: reason,
                        });
                    }
                    let delay = backoff.next_delay();
                    tracing::warn!(
                        endpoint = %self.config.endpoint,
                        error = %reason,
                        unacknowledged_batches = self.pending.len(),
                        retry_in_ms = delay.as_millis() as u64,
                        "Collector stream failed; reconnecting"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(status) => {
                    return Err(DeliveryError::Rejected {
                        code: status.code(),
                        message: status.message().to_string(),
                    })
                }
            }
        }
    }

    fn is_done(&self) -> bool {
        !self.input_open && self.pending.is_empty()
    }

    /// Waits for one batch from the queue and adds it to `pending`. Returns false when
    /// the queue is closed instead.
    async fn take_input(&mut self) -> bool {
        match self.input.recv().await {
            Some(outgoing) => {
                self.push_pending(outgoing);
                true
            }
            None => {
                self.input_open = false;
                false
            }
        }
    }

    fn push_pending(&mut self, outgoing: Outgoing) -> &ObservationBatch {
        let batch = ObservationBatch {
            sequence: self.next_sequence,
            observations: outgoing.observations,
            dropped: Default::default(),
        };
        self.next_sequence += 1;
        self.pending.push_back(Pending {
            batch,
            on_ack: outgoing.on_ack,
        });
        &self.pending.back().expect("just pushed").batch
    }

    /// Runs one stream until it fails or everything is acknowledged. Returns `Err` for a
    /// permanent rejection.
    async fn session(&mut self, backoff: &mut Backoff) -> Result<SessionEnd, Status> {
        let channel = match self.endpoint.connect().await {
            Ok(channel) => channel,
            Err(error) => return Ok(SessionEnd::Retry(format!("connect failed: {error}"))),
        };
        let mut client = IngestClient::<Channel>::new(channel)
            .max_encoding_message_size(self.config.max_message_bytes)
            .max_decoding_message_size(self.config.max_message_bytes);

        let (requests, request_stream) = mpsc::channel(self.config.max_in_flight + 2);
        let hello = AgentMessage {
            kind: Some(agent_message::Kind::Hello(self.config.hello.clone())),
        };
        requests.send(hello).await.expect("receiver is alive");

        let opened = tokio::time::timeout(
            self.config.connect_timeout,
            client.stream(ReceiverStream::new(request_stream)),
        )
        .await;
        let mut responses = match opened {
            Err(_) => return Ok(SessionEnd::Retry("timed out opening the stream".into())),
            Ok(Err(status)) => return classify(status),
            Ok(Ok(response)) => response.into_inner(),
        };
        let welcome = tokio::time::timeout(self.config.connect_timeout, responses.message()).await;
        match welcome {
            Err(_) => return Ok(SessionEnd::Retry("timed out waiting for Welcome".into())),
            Ok(Err(status)) => return classify(status),
            Ok(Ok(None)) => return Ok(SessionEnd::Retry("stream closed before Welcome".into())),
            Ok(Ok(Some(message))) => {
                if !matches!(message.kind, Some(collector_message::Kind::Welcome(_))) {
                    return Err(Status::internal("collector sent a message before Welcome"));
                }
            }
        }
        backoff.reset();
        tracing::info!(endpoint = %self.config.endpoint, resending = self.pending.len(), "Connected to collector");

        let resend: Vec<ObservationBatch> = self
            .pending
            .iter()
            .map(|pending| pending.batch.clone())
            .collect();
        for mut batch in resend {
            batch.dropped = self.config.drops.snapshot();
            if send_batch(&requests, batch).await.is_err() {
                return Ok(SessionEnd::Retry("stream closed while re-sending".into()));
            }
        }

        // When the oldest unacknowledged batch was sent, or the last acknowledgement came.
        let mut waiting_since = Instant::now();
        loop {
            if self.is_done() {
                return Ok(SessionEnd::Done);
            }
            let can_send = self.input_open && self.pending.len() < self.config.max_in_flight;
            let ack_deadline = waiting_since + self.config.ack_timeout;
            tokio::select! {
                () = tokio::time::sleep_until(ack_deadline), if !self.pending.is_empty() => {
                    return Ok(SessionEnd::Retry(format!(
                        "no acknowledgement for {} s with {} batches sent",
                        self.config.ack_timeout.as_secs(),
                        self.pending.len()
                    )));
                }
                received = self.input.recv(), if can_send => match received {
                    Some(outgoing) => {
                        if self.pending.is_empty() {
                            waiting_since = Instant::now();
                        }
                        let mut batch = self.push_pending(outgoing).clone();
                        batch.dropped = self.config.drops.snapshot();
                        if send_batch(&requests, batch).await.is_err() {
                            return Ok(SessionEnd::Retry("stream closed while sending".into()));
                        }
                    }
                    None => self.input_open = false,
                },
                message = responses.message() => match message {
                    Ok(Some(message)) => {
                        self.handle_response(message)?;
                        waiting_since = Instant::now();
                    }
                    Ok(None) => return Ok(SessionEnd::Retry("collector closed the stream".into())),
                    Err(status) => return classify(status),
                },
            }
        }
    }

    fn handle_response(
        &mut self,
        message: candor_proto::v1::CollectorMessage,
    ) -> Result<(), Status> {
        let Some(collector_message::Kind::Ack(ack)) = message.kind else {
            return Err(Status::internal(
                "collector sent an unexpected message after Welcome",
            ));
        };
        let Some(index) = self
            .pending
            .iter()
            .position(|pending| pending.batch.sequence == ack.sequence)
        else {
            // An acknowledgement of a batch re-sent twice; the first one counted.
            return Ok(());
        };
        let Pending { batch, on_ack } = self.pending.remove(index).expect("index is in range");
        if let Some(on_ack) = on_ack {
            on_ack();
        }
        self.progress.batches += 1;
        self.progress.observations += batch.observations.len() as u64;
        self.progress.stored += u64::from(ack.stored);
        self.progress.duplicate_batches += u64::from(ack.duplicate);
        self.failing_since = None;
        self.progress_sender.send_replace(self.progress);
        Ok(())
    }
}

async fn send_batch(
    requests: &mpsc::Sender<AgentMessage>,
    batch: ObservationBatch,
) -> Result<(), ()> {
    let message = AgentMessage {
        kind: Some(agent_message::Kind::Batch(batch)),
    };
    requests.send(message).await.map_err(|_| ())
}

fn classify(status: Status) -> Result<SessionEnd, Status> {
    if is_retryable(status.code()) {
        Ok(SessionEnd::Retry(format!(
            "{:?}: {}",
            status.code(),
            status.message()
        )))
    } else {
        Err(status)
    }
}
