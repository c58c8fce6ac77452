//! A reverse proxy in front of an OpenAI-compatible model server (vLLM, TGI, llama.cpp
//! server, Ollama, LiteLLM). It forwards every request and response unchanged and, for
//! `POST …/v1/chat/completions` and `POST …/v1/completions`, hands a copy of the exchange
//! to scoring through a bounded queue that never makes forwarding wait.
//!
//! - [`forward`] forwards one request and tees the bodies; [`tee`] is the body wrapper.
//! - [`capture`] contains the captured copy and the [`ExchangeSink`] into scoring.
//! - [`parse`] turns a captured exchange into a [`ParsedExchange`], off the forwarding
//!   path; [`sse`] frames server-sent events at the byte level for it.
//! - [`metrics`] holds the proxy's counters.
//!
//! Only plain HTTP upstreams are supported: an `https` upstream is rejected at bind.

mod capture;
mod forward;
mod metrics;
mod parse;
mod parse_choice;
mod sse;
mod tee;

#[cfg(test)]
mod parse_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

pub use capture::{CapturedExchange, ExchangeSink, ResponseEnd};
pub use metrics::ProxyMetrics;
pub use parse::{parse_exchange, Endpoint, ParsedChoice, ParsedExchange};

use forward::{Forwarder, Upstream};

/// Settings of the proxy.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Address the proxy listens on.
    pub listen: SocketAddr,
    /// Base URL of the model server, e.g. `http://127.0.0.1:8000` (scheme and authority,
    /// optionally a path prefix that is put in front of every request path).
    pub upstream: http::Uri,
    /// Largest request or response body copied for scoring, in bytes; larger ones are
    /// forwarded in full but not scored (counted as `DropReason::CaptureTooLarge`).
    pub max_capture_bytes: usize,
    /// Time allowed to connect to the upstream.
    pub connect_timeout: Duration,
    /// Time that in-flight requests get to finish after shutdown starts.
    pub shutdown_grace: Duration,
}

impl ProxyConfig {
    /// Default of `max_capture_bytes`: 4 MiB, about a million tokens of text.
    pub const DEFAULT_MAX_CAPTURE_BYTES: usize = 4 << 20;
    /// Default of `connect_timeout`.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default of `shutdown_grace`. Streamed generations can run for minutes, so this is
    /// a trade-off between losing them and a slow restart.
    pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

    /// Creates a configuration with the default limits.
    pub fn new(listen: SocketAddr, upstream: http::Uri) -> Self {
        Self {
            listen,
            upstream,
            max_capture_bytes: Self::DEFAULT_MAX_CAPTURE_BYTES,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            shutdown_grace: Self::DEFAULT_SHUTDOWN_GRACE,
        }
    }

    fn parse_upstream(&self) -> std::io::Result<Upstream> {
        let invalid = |reason: &str| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("invalid proxy upstream {}: {reason}", self.upstream),
            )
        };
        let scheme = self.upstream.scheme().cloned().ok_or_else(|| {
            invalid("missing scheme, expected a URL such as http://127.0.0.1:8000")
        })?;
        if scheme != http::uri::Scheme::HTTP {
            return Err(invalid("only http:// upstreams are supported"));
        }
        let authority = self
            .upstream
            .authority()
            .cloned()
            .ok_or_else(|| invalid("missing host"))?;
        if self.upstream.query().is_some() {
            return Err(invalid("a query is not allowed in the base URL"));
        }
        Ok(Upstream {
            scheme,
            authority,
            path_prefix: self.upstream.path().trim_end_matches('/').to_string(),
        })
    }
}

/// The proxy bound to its listen address, ready to serve.
///
/// NOTE: there is no limit on concurrent connections. There is also no timeout on
/// upstream responses, because a generation may stream for minutes.
pub struct Proxy {
    listener: TcpListener,
    local_addr: SocketAddr,
    config: ProxyConfig,
    upstream: Upstream,
}

impl Proxy {
    /// Validates the configuration and binds the listen address.
    pub async fn bind(config: ProxyConfig) -> std::io::Result<Self> {
        let upstream = config.parse_upstream()?;
        let listener = TcpListener::bind(config.listen).await?;
        let local_addr = listener.local_addr()?;
        Ok(Self {
            listener,
            local_addr,
            config,
            upstream,
        })
    }

    /// Returns the listen address, with the port the system chose for port 0.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` completes, then stops accepting and lets in-flight
    /// requests finish for up to `shutdown_grace`.
    pub async fn run(
        self,
        sink: ExchangeSink,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let local_addr = self.local_addr;
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(self.config.connect_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let forwarder = Arc::new(Forwarder {
            client,
            upstream: self.upstream,
            max_capture_bytes: self.config.max_capture_bytes,
            sink,
        });
        let builder = Arc::new(auto::Builder::new(TokioExecutor::new()));
        let graceful = GracefulShutdown::new();
        tracing::info!(
            listen = %local_addr,
            upstream = %self.config.upstream,
            "proxy started"
        );

        // Connection tasks live in a set, so that those still running when the grace
        // runs out are aborted rather than left behind.
        let mut connections = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                () = &mut shutdown => break,
                Some(_) = connections.join_next() => continue,
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Accept fails on exhausted file descriptors; pausing avoids a
                        // busy loop until some close.
                        tracing::warn!(%error, "proxy failed to accept a connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            let _ = stream.set_nodelay(true);
            let forwarder = forwarder.clone();
            let builder = builder.clone();
            let watcher = graceful.watcher();
            connections.spawn(async move {
                let service = service_fn(move |request| forwarder.clone().forward(request));
                let connection = builder.serve_connection(TokioIo::new(stream), service);
                if let Err(error) = watcher.watch(connection).await {
                    tracing::debug!(%peer, error = %error, "proxy connection ended with an error");
                }
            });
        }

        drop(self.listener);
        tracing::info!(
            connections = graceful.count(),
            "proxy stopped accepting, draining connections"
        );
        if tokio::time::timeout(self.config.shutdown_grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(
                grace = ?self.config.shutdown_grace,
                connections = connections.len(),
                "proxy shutdown grace ran out, closing connections with requests in flight"
            );
        }
        connections.shutdown().await;
        tracing::info!("proxy stopped");
        Ok(())
    }
}
