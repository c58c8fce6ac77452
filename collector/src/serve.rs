//! The `serve` command: opens the store, binds the gRPC and HTTP listeners and runs
//! until shutdown.
//!
//! Shutdown has one path: mark `/healthz` not-serving, end every agent stream with
//! `UNAVAILABLE` (agents re-send what was not acknowledged), stop both servers, let
//! the store writer commit what was queued, and return. Calling code passes the
//! shutdown trigger as a future, so a signal handler and a test drive the same path.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use candor_proto::v1::ingest_server::IngestServer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_stream::wrappers::TcpListenerStream;

use crate::detect::evaluator::EvaluatorConfig;
use crate::http;
use crate::ingest::{IngestLimits, IngestService};
use crate::metrics::Metrics;
use crate::store::{self, query, StoreError};

/// Settings of `candor-collector serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// SQLite database file; created and migrated when missing.
    pub db: PathBuf,
    /// gRPC listen address for agents.
    pub grpc_addr: SocketAddr,
    /// HTTP listen address for `/metrics` and `/healthz`.
    pub http_addr: SocketAddr,
    pub limits: IngestLimits,
    /// Time allowed for streams and servers to stop before they are dropped.
    pub shutdown_grace: Duration,
    /// Degradation detection settings.
    pub evaluator: EvaluatorConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("metrics registry: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("gRPC server failed: {0}")]
    Grpc(#[from] tonic::transport::Error),
    #[error("cannot start the store writer thread: {0}")]
    Writer(std::io::Error),
}

/// A collector with its store open and its listeners bound, ready to run.
pub struct Collector {
    config: ServeConfig,
    connection: rusqlite::Connection,
    grpc_listener: TcpListener,
    http_listener: TcpListener,
}

impl Collector {
    /// Opens and migrates the store and binds both listeners.
    pub async fn bind(config: ServeConfig) -> Result<Self, ServeError> {
        let db = config.db.clone();
        let connection = tokio::task::spawn_blocking(move || store::open_for_writing(&db))
            .await
            .expect("store open does not panic")?;
        let grpc_listener = bind(config.grpc_addr).await?;
        let http_listener = bind(config.http_addr).await?;
        Ok(Self {
            config,
            connection,
            grpc_listener,
            http_listener,
        })
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_listener
            .local_addr()
            .expect("bound listener has an address")
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http_listener
            .local_addr()
            .expect("bound listener has an address")
    }

    /// Serves until `shutdown` completes, then stops as described in the module docs.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let grpc_addr = self.grpc_addr();
        let http_addr = self.http_addr();
        let Collector {
            config,
            connection,
            grpc_listener,
            http_listener,
        } = self;

        let metrics = Arc::new(Metrics::new()?);
        metrics.load(&query::observation_counts(&connection)?);
        metrics.load_drops(&query::drop_counts(&connection)?);
        let (writer, writer_thread) =
            store::writer::spawn(connection, metrics.clone(), 1024).map_err(ServeError::Writer)?;
        let (stop_sender, stop) = watch::channel(false);

        let writer_control = writer.clone();
        let mut evaluator_config = config.evaluator.clone();
        if evaluator_config.notify.external_url.is_empty() {
            evaluator_config.notify.external_url = format!("http://{http_addr}");
        }
        let notify = &evaluator_config.notify;
        let sender = (!notify.webhooks.is_empty()
            || !notify.alertmanagers.is_empty()
            || notify.rollback.is_some())
        .then(|| {
            tokio::spawn(crate::notify::sender::run(
                config.db.clone(),
                writer.clone(),
                notify.clone(),
                stop.clone(),
            ))
        });
        let evaluator = tokio::spawn(crate::detect::evaluator::run(
            config.db.clone(),
            writer.clone(),
            metrics.clone(),
            evaluator_config.clone(),
            stop.clone(),
        ));
        let service = IngestService {
            writer,
            metrics: metrics.clone(),
            limits: config.limits.clone(),
            collector_id: uuid::Uuid::new_v4().to_string(),
            shutdown: stop.clone(),
        };
        let ingest = IngestServer::new(service)
            .max_decoding_message_size(config.limits.max_message_bytes)
            .max_encoding_message_size(config.limits.max_message_bytes);
        let mut grpc_stop = stop.clone();
        let grpc = tonic::transport::Server::builder()
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .http2_keepalive_timeout(Some(Duration::from_secs(10)))
            .add_service(ingest)
            .serve_with_incoming_shutdown(TcpListenerStream::new(grpc_listener), async move {
                let _ = grpc_stop.wait_for(|stopping| *stopping).await;
            });
        let mut http_stop = stop.clone();
        let http = axum::serve(
            http_listener,
            http::router(metrics.clone(), stop.clone(), config.db.clone()),
        )
        .with_graceful_shutdown(async move {
            let _ = http_stop.wait_for(|stopping| *stopping).await;
        });
        let grpc = tokio::spawn(grpc);
        let http = tokio::spawn(async move { http.await });
        tracing::info!(%grpc_addr, %http_addr, db = %config.db.display(), "Collector started");

        shutdown.await;
        tracing::info!("Collector shutting down");
        stop_sender.send_replace(true);
        let _ = evaluator.await;
        if let Some(sender) = sender {
            let _ = sender.await;
        }

        let grace = config.shutdown_grace;
        let mut grpc = grpc;
        let grpc_result = match tokio::time::timeout(grace, &mut grpc).await {
            Ok(joined) => joined.expect("gRPC server task does not panic"),
            Err(_) => {
                tracing::warn!(
                    grace_ms = grace.as_millis() as u64,
                    "gRPC server did not stop in time; dropping open streams"
                );
                grpc.abort();
                Ok(())
            }
        };
        // Both servers had the same grace, running at once; the HTTP server normally
        // stops at once.
        if tokio::time::timeout(Duration::from_secs(1), http)
            .await
            .is_err()
        {
            tracing::warn!("HTTP server did not stop in time");
        }
        // The writer commits what is queued and stops, even while a stalled stream task
        // still holds a handle.
        writer_control.stop().await;
        drop(writer_control);
        let writer_done = tokio::task::spawn_blocking(move || writer_thread.join());
        if tokio::time::timeout(grace, writer_done).await.is_err() {
            tracing::error!("Store writer did not stop in time; queued batches were not acknowledged and agents will re-send them");
        }
        tracing::info!("Collector stopped");
        grpc_result.map_err(ServeError::Grpc)
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}
