//! The agent's HTTP endpoint: `/metrics` in the Prometheus text format and `/healthz`,
//! which answers 503 once shutdown has begun.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::sync::watch;

use crate::deliver::spool::Spool;
use crate::deliver::BatchSender;
use crate::metrics::AgentMetrics;

#[derive(Clone)]
struct HttpState {
    metrics: Arc<AgentMetrics>,
    queue: BatchSender,
    spool: Option<Arc<Spool>>,
    shutdown: watch::Receiver<bool>,
}

pub fn router(
    metrics: Arc<AgentMetrics>,
    queue: BatchSender,
    spool: Option<Arc<Spool>>,
    shutdown: watch::Receiver<bool>,
) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(health_handler))
        .with_state(HttpState {
            metrics,
            queue,
            spool,
            shutdown,
        })
}

async fn metrics_handler(State(state): State<HttpState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.encode(&state.queue, state.spool.as_ref()),
    )
}

async fn health_handler(State(state): State<HttpState>) -> impl IntoResponse {
    if *state.shutdown.borrow() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
    } else {
        (StatusCode::OK, "ok\n")
    }
}
