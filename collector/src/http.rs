//! The collector's HTTP endpoints: `/metrics` in the Prometheus text format and
//! `/healthz`, which answers 503 once shutdown has begun or while the store fails to
//! commit.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::sync::watch;

use crate::metrics::Metrics;

#[derive(Clone)]
struct HttpState {
    metrics: Arc<Metrics>,
    shutdown: watch::Receiver<bool>,
}

pub fn router(metrics: Arc<Metrics>, shutdown: watch::Receiver<bool>) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(health_handler))
        .with_state(HttpState { metrics, shutdown })
}

async fn metrics_handler(State(state): State<HttpState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.encode(),
    )
}

async fn health_handler(State(state): State<HttpState>) -> impl IntoResponse {
    if *state.shutdown.borrow() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
    } else if !state.metrics.store_healthy() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "store failing: the last SQLite transaction did not commit; see the collector log\n",
        )
    } else {
        (StatusCode::OK, "ok\n")
    }
}
