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
    db: std::path::PathBuf,
}

pub fn router(
    metrics: Arc<Metrics>,
    shutdown: watch::Receiver<bool>,
    db: std::path::PathBuf,
) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(health_handler))
        .route("/api/v1/alerts", get(alerts_handler))
        .with_state(HttpState {
            metrics,
            shutdown,
            db,
        })
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

/// The alert history as JSON, newest change first.
async fn alerts_handler(State(state): State<HttpState>) -> impl IntoResponse {
    let db = state.db.clone();
    match tokio::task::spawn_blocking(move || crate::read_alerts(&db)).await {
        Ok(Ok(alerts)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&alerts).expect("alerts serialize"),
        ),
        Ok(Err(error)) => {
            tracing::error!(%error, "Reading alerts failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({"error": format!("reading alerts failed: {error}")}).to_string(),
            )
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"error\":\"reading alerts failed\"}".to_string(),
        ),
    }
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
