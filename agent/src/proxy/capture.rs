//! The copy of an exchange taken for scoring: a bounded byte buffer per body, the
//! captured exchange itself, and the sink that queues it for scoring without waiting.
//! Nothing here touches the bytes that are forwarded.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::mpsc::Sender;

use super::metrics::ProxyMetrics;
use crate::deliver::{DropCounts, DropReason};

/// A copy of one body, up to a byte limit. Past the limit it frees what it copied and
/// only remembers that the body was too large.
#[derive(Debug)]
pub(crate) struct Capture {
    buffer: BytesMut,
    limit: usize,
    too_large: bool,
}

impl Capture {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            buffer: BytesMut::new(),
            limit,
            too_large: false,
        }
    }

    pub(crate) fn push(&mut self, data: &[u8]) {
        if self.too_large {
            return;
        }
        if self.buffer.len() + data.len() > self.limit {
            self.too_large = true;
            self.buffer = BytesMut::new();
            return;
        }
        self.buffer.extend_from_slice(data);
    }

    pub(crate) fn too_large(&self) -> bool {
        self.too_large
    }

    pub(crate) fn take(&mut self) -> Bytes {
        std::mem::take(&mut self.buffer).freeze()
    }
}

/// How the response body ended, as the proxy saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseEnd {
    /// The upstream sent the whole body.
    Complete,
    /// The upstream connection failed before the body ended.
    UpstreamError,
    /// The client went away before the body ended, so the proxy stopped reading it.
    ClientGone,
}

/// One request and its response, copied as the bytes passed through the proxy.
#[derive(Debug, Clone)]
pub struct CapturedExchange {
    /// Path of the request as the client sent it, without the query.
    pub path: String,
    /// The request's `Content-Encoding`, when it had one.
    pub request_encoding: Option<String>,
    /// The request body as received, still encoded.
    pub request_body: Bytes,
    pub status: StatusCode,
    /// The response's `Content-Type`, when it had one.
    pub response_content_type: Option<String>,
    /// The response's `Content-Encoding`, when it had one.
    pub response_encoding: Option<String>,
    /// The response body as received, still encoded.
    pub response_body: Bytes,
    pub response_end: ResponseEnd,
    /// When the proxy received the request head.
    pub started_at: SystemTime,
    /// From receiving the request head to the end of the response body.
    pub duration: Duration,
}

impl CapturedExchange {
    /// Whether the upstream sent the whole response body.
    pub fn ended_cleanly(&self) -> bool {
        self.response_end == ResponseEnd::Complete
    }
}

/// Bounded queue of captured exchanges into scoring. When the queue is full,
/// [`ExchangeSink::offer`] drops the exchange and counts it as
/// [`DropReason::ScoreQueueFull`]; it never waits.
#[derive(Clone)]
pub struct ExchangeSink {
    sender: Sender<CapturedExchange>,
    drops: Arc<DropCounts>,
    metrics: ProxyMetrics,
}

impl ExchangeSink {
    pub fn new(
        sender: Sender<CapturedExchange>,
        drops: Arc<DropCounts>,
        metrics: ProxyMetrics,
    ) -> Self {
        Self {
            sender,
            drops,
            metrics,
        }
    }

    /// Queues `exchange` for scoring, or drops and counts it when the queue is full or
    /// closed.
    pub fn offer(&self, exchange: CapturedExchange) {
        match self.sender.try_send(exchange) {
            Ok(()) => self.metrics.count_observed(),
            Err(TrySendError::Full(_)) => self.drops.add(DropReason::ScoreQueueFull, 1),
            // NOTE: a closed queue means scoring has stopped, which only happens at
            // shutdown; the loss is counted under the same reason.
            Err(TrySendError::Closed(_)) => self.drops.add(DropReason::ScoreQueueFull, 1),
        }
    }

    /// Counts an exchange that was forwarded but whose body exceeded the capture limit.
    pub(crate) fn count_too_large(&self) {
        self.drops.add(DropReason::CaptureTooLarge, 1);
    }

    pub(crate) fn metrics(&self) -> &ProxyMetrics {
        &self.metrics
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_keeps_bytes_up_to_limit() {
        let mut capture = Capture::new(4);
        capture.push(b"ab");
        capture.push(b"cd");
        assert!(!capture.too_large());
        assert_eq!(capture.take(), Bytes::from_static(b"abcd"));
    }

    #[test]
    fn capture_past_limit_is_too_large() {
        let mut capture = Capture::new(4);
        capture.push(b"abc");
        capture.push(b"de");
        capture.push(b"f");
        assert!(capture.too_large());
        assert!(capture.take().is_empty());
    }
}
