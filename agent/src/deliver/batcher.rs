//! Grouping of single observations into batches: a batch is sent when it holds
//! `max_observations` or when its first observation has waited `max_delay`.
//!
//! Where a full batch goes depends on its source. Sources that can wait (log files,
//! whose data stays on disk) use [`Outlet::Wait`] and are slowed down by a full queue.
//! Live traffic must never wait, so it uses [`Outlet::Spill`]: a full queue sends the
//! batch to the spool, and a full spool drops it and counts the loss.

use std::sync::Arc;
use std::time::Duration;

use candor_proto::v1::Observation;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::spool::Spool;
use prost::Message;

use super::{AckHook, BatchSender, DropCounts, DropReason, Outgoing, MAX_BATCH_BYTES};

/// One observation and what to do once it is acknowledged.
pub struct Item {
    pub observation: Observation,
    pub on_ack: Option<AckHook>,
}

/// When a batch is complete.
#[derive(Debug, Clone, Copy)]
pub struct BatcherConfig {
    pub max_observations: usize,
    pub max_delay: Duration,
}

/// Where complete batches go.
pub enum Outlet {
    /// Wait for room in the delivery queue.
    Wait(BatchSender),
    /// Never wait: spool the batch when the queue is full, drop it when the spool is
    /// full too (or there is no spool).
    Spill {
        sender: BatchSender,
        spool: Option<Arc<Spool>>,
        drops: Arc<DropCounts>,
    },
}

/// Runs until `input` closes, then flushes the last partial batch.
pub async fn run(mut input: mpsc::Receiver<Item>, config: BatcherConfig, outlet: Outlet) {
    let max_observations = config.max_observations.max(1);
    loop {
        let Some(first) = input.recv().await else {
            return;
        };
        let deadline = Instant::now() + config.max_delay;
        let mut observations = Vec::with_capacity(max_observations);
        let mut hooks = Vec::new();
        let mut bytes = first.observation.encoded_len();
        add(first, &mut observations, &mut hooks);
        let mut closed = false;
        while observations.len() < max_observations && bytes < MAX_BATCH_BYTES {
            match tokio::time::timeout_at(deadline, input.recv()).await {
                Ok(Some(item)) => {
                    bytes += item.observation.encoded_len();
                    add(item, &mut observations, &mut hooks);
                }
                Ok(None) => {
                    closed = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let outgoing = Outgoing {
            observations,
            on_ack: combine(hooks),
        };
        if !flush(outgoing, &outlet).await || closed {
            return;
        }
    }
}

fn add(item: Item, observations: &mut Vec<Observation>, hooks: &mut Vec<AckHook>) {
    observations.push(item.observation);
    if let Some(hook) = item.on_ack {
        hooks.push(hook);
    }
}

fn combine(hooks: Vec<AckHook>) -> Option<AckHook> {
    if hooks.is_empty() {
        return None;
    }
    Some(Box::new(move || {
        for hook in hooks {
            hook();
        }
    }))
}

/// Hands a batch to its outlet. Returns false once delivery has stopped.
async fn flush(outgoing: Outgoing, outlet: &Outlet) -> bool {
    match outlet {
        Outlet::Wait(sender) => sender.send(outgoing).await.is_ok(),
        Outlet::Spill {
            sender,
            spool,
            drops,
        } => {
            let Err(outgoing) = sender.try_send(outgoing) else {
                return true;
            };
            let count = outgoing.observations.len() as u64;
            match spool {
                Some(spool) => {
                    if spool.push(outgoing).is_err() {
                        drops.add(DropReason::SpoolFull, count);
                    }
                }
                None => drops.add(DropReason::DeliveryQueueFull, count),
            }
            true
        }
    }
}
