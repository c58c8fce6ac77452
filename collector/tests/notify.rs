//! Notifications end to end: a real guardrail change fires `LearnedHelplessness`, and
//! the collector reports it to a webhook receiver and a rollback hook that the tests
//! run, through the persisted outbox. The receivers fail, stall and go away on purpose.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use candor_agent::replay::{self, ReplayConfig};
use candor_collector::notify::sender::signature;
use common::{shared_data, CollectorProcess};

const SECRET: &str = "test-signing-key";

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    key: String,
    signature: String,
    body: String,
}

#[derive(Clone)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    /// Requests answered 500 before the receiver starts answering 200.
    failures: usize,
    /// Delay of the first request.
    first_delay: Duration,
}

async fn receive(
    State(receiver): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    // Failures and the delay apply to each path on its own.
    let count = {
        let mut received = receiver.received.lock().unwrap();
        received.push(Received {
            path: uri.path().to_string(),
            key: header("idempotency-key"),
            signature: header("x-candor-signature"),
            body,
        });
        received
            .iter()
            .filter(|request| request.path == uri.path())
            .count()
    };
    if count == 1 && !receiver.first_delay.is_zero() {
        tokio::time::sleep(receiver.first_delay).await;
    }
    if count <= receiver.failures {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

async fn start_receiver(
    addr: SocketAddr,
    failures: usize,
    first_delay: Duration,
) -> Arc<Mutex<Vec<Received>>> {
    let received = Arc::new(Mutex::new(Vec::new()));
    let state = Receiver {
        received: received.clone(),
        failures,
        first_delay,
    };
    let router = axum::Router::new()
        .route("/rollback", post(receive))
        .route("/webhook", post(receive))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    received
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn start_collector(db: &std::path::Path, receiver: SocketAddr, extra: &[&str]) -> CollectorProcess {
    std::env::set_var("CANDOR_TEST_ROLLBACK_SECRET", SECRET);
    let rollback = format!("http://{receiver}/rollback");
    let mut args = vec![
        "--evaluate-interval-ms",
        "100",
        "--rollback-url",
        &rollback,
        "--rollback-secret-env",
        "CANDOR_TEST_ROLLBACK_SECRET",
        "--notify-timeout-ms",
        "300",
    ];
    args.extend_from_slice(extra);
    CollectorProcess::start_with(db, "127.0.0.1:0", &args)
}

async fn replay_guardrail_pair(collector: &CollectorProcess) {
    for (version, file) in [
        ("v1", "xstest/mistralinstruct.jsonl"),
        ("v2", "xstest/mistralguard.jsonl"),
    ] {
        let config = ReplayConfig::new(
            collector.grpc_url(),
            "guarded",
            version,
            vec![shared_data(file)],
        );
        replay::run(config, std::future::pending()).await.unwrap();
    }
}

/// Waits until `check` holds on the received requests, for at most 30 s.
async fn wait_for(
    received: &Arc<Mutex<Vec<Received>>>,
    check: impl Fn(&[Received]) -> bool,
) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let snapshot = received.lock().unwrap().clone();
        if check(&snapshot) {
            return snapshot;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "receiver got {snapshot:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn rollbacks(received: &[Received]) -> Vec<Received> {
    received
        .iter()
        .filter(|request| request.path == "/rollback")
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_receiver_gets_one_rollback_acted_on() {
    let dir = tempfile::tempdir().unwrap();
    let receiver_addr = free_addr();
    let received = start_receiver(receiver_addr, 2, Duration::ZERO).await;
    let webhook = format!("http://{receiver_addr}/webhook");
    let collector = start_collector(
        &dir.path().join("candor.db"),
        receiver_addr,
        &["--webhook-url", &webhook],
    );
    replay_guardrail_pair(&collector).await;

    // Two 500 answers, then success: three attempts of one rollback.
    let seen = wait_for(&received, |received| rollbacks(received).len() >= 3).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rollback = rollbacks(&received.lock().unwrap());
    assert_eq!(rollback.len(), 3, "{rollback:?}");
    assert!(
        rollback
            .iter()
            .all(|request| request.key == rollback[0].key),
        "one idempotency key across retries"
    );
    for request in &rollback {
        assert_eq!(
            request.signature,
            signature(SECRET.as_bytes(), request.body.as_bytes()),
            "HMAC verifies"
        );
    }
    let body: serde_json::Value = serde_json::from_str(&rollback[0].body).unwrap();
    assert_eq!(body["action"], "rollback");
    assert_eq!(body["alertname"], "LearnedHelplessness");
    assert_eq!(body["model"], "guarded");
    assert_eq!(body["version"], "v2");
    assert_eq!(body["baseline_version"], "v1");

    // The webhook carries Alertmanager's version 4 payload.
    let webhook = seen
        .iter()
        .chain(received.lock().unwrap().iter())
        .find(|request| request.path == "/webhook" && request.body.contains("LearnedHelplessness"))
        .cloned()
        .expect("webhook received");
    let payload: serde_json::Value = serde_json::from_str(&webhook.body).unwrap();
    assert_eq!(payload["version"], "4");
    assert_eq!(payload["status"], "firing");
    assert_eq!(payload["receiver"], "candor");
    assert_eq!(payload["truncatedAlerts"], 0);
    assert_eq!(payload["groupLabels"]["alertname"], "LearnedHelplessness");
    let alert = &payload["alerts"][0];
    assert_eq!(alert["status"], "firing");
    assert_eq!(alert["labels"]["model"], "guarded");
    assert!(alert["startsAt"].as_str().unwrap().ends_with('Z'));
    assert!(alert["fingerprint"]
        .as_str()
        .is_some_and(|fingerprint| !fingerprint.is_empty()));
    assert!(payload["externalURL"]
        .as_str()
        .unwrap()
        .starts_with("http://"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timed_out_rollback_is_retried_not_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    let receiver_addr = free_addr();
    // The first request stalls past the 300 ms timeout.
    let received = start_receiver(receiver_addr, 0, Duration::from_secs(2)).await;
    let collector = start_collector(&dir.path().join("candor.db"), receiver_addr, &[]);
    replay_guardrail_pair(&collector).await;

    wait_for(&received, |received| rollbacks(received).len() >= 2).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rollback = rollbacks(&received.lock().unwrap());
    assert_eq!(
        rollback.len(),
        2,
        "one timed-out attempt and one retry: {rollback:?}"
    );
    assert_eq!(rollback[0].key, rollback[1].key);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_rollback_survives_collector_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let receiver_addr = free_addr();
    let collector = start_collector(&db, receiver_addr, &[]);
    replay_guardrail_pair(&collector).await;

    // The receiver is down: wait until the rollback is in the outbox and has failed once.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let attempts: i64 = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT COALESCE(MAX(attempts), 0) FROM notifications WHERE kind = 'rollback'",
                [],
                |row| row.get(0),
            )
            .unwrap_or(0);
        if attempts >= 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "rollback never attempted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    collector.kill();

    let received = start_receiver(receiver_addr, 0, Duration::ZERO).await;
    let _collector = start_collector(&db, receiver_addr, &[]);
    let rollback = wait_for(&received, |received| !rollbacks(received).is_empty()).await;
    assert_eq!(rollbacks(&rollback).len(), 1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        rollbacks(&received.lock().unwrap()).len(),
        1,
        "delivered once after the restart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooldown_allows_one_rollback_per_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let receiver_addr = free_addr();
    let received = start_receiver(receiver_addr, 0, Duration::ZERO).await;
    let collector = start_collector(&dir.path().join("candor.db"), receiver_addr, &[]);

    // v2 refuses benign prompts in every category and returns empty responses, so
    // LearnedHelplessness and CoherenceLoss fire together for one deployment.
    let write = |name: &str, refuse: bool, empty: usize| {
        let path = dir.path().join(name);
        let mut lines = Vec::new();
        for index in 0..300 {
            let category = [
                "homonyms",
                "history",
                "definitions",
                "fiction",
                "safe_contexts",
            ][index % 5];
            let response = if refuse && index % 3 == 0 {
                "I'm sorry, but I can't help with that."
            } else {
                "Here is a clear and direct answer to your question."
            };
            lines.push(serde_json::json!({"id": format!("b{index}"), "category": category, "expect": "comply", "prompt": format!("Question {index}?"), "response": response}).to_string());
        }
        for index in 0..empty {
            lines.push(serde_json::json!({"id": format!("e{index}"), "category": "homonyms", "prompt": "Anything?", "response": ""}).to_string());
        }
        std::fs::write(&path, lines.join("\n")).unwrap();
        path
    };
    for (version, path) in [
        ("v1", write("v1.jsonl", false, 0)),
        ("v2", write("v2.jsonl", true, 150)),
    ] {
        let config = ReplayConfig::new(collector.grpc_url(), "broken", version, vec![path]);
        replay::run(config, std::future::pending()).await.unwrap();
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = common::http_get(collector.http_addr, "/api/v1/alerts").await;
        let alerts: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
        let firing = |name: &str| {
            alerts
                .iter()
                .any(|alert| alert["alertname"] == name && alert["state"] == "firing")
        };
        if firing("LearnedHelplessness") && firing("CoherenceLoss") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "alerts: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rollback = rollbacks(&received.lock().unwrap());
    assert_eq!(rollback.len(), 1, "two alerts, one rollback: {rollback:?}");
}
