//! A real Alertmanager (Debian's `prometheus-alertmanager`, installed by `.ci/run`) on
//! 127.0.0.1 receives the collector's pushes: a firing alert arrives with its labels,
//! and is resolved there once the signal recovers.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use candor_agent::replay::{self, ReplayConfig};
use common::{http_get, shared_data, CollectorProcess};

struct Alertmanager {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_alertmanager(dir: &std::path::Path) -> Alertmanager {
    let binary = std::env::var("CANDOR_ALERTMANAGER")
        .unwrap_or_else(|_| "/usr/bin/prometheus-alertmanager".into());
    assert!(
        std::path::Path::new(&binary).exists(),
        "{binary} not found: install Debian's prometheus-alertmanager (.ci/run does) or set CANDOR_ALERTMANAGER"
    );
    let config = dir.join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: blackhole\n  group_wait: 0s\nreceivers:\n  - name: blackhole\n",
    )
    .unwrap();
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address={addr}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("alertmanager starts");
    let alertmanager = Alertmanager { child, addr };
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            let (status, _) = http_get(addr, "/-/ready").await;
            if status == 200 {
                return alertmanager;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("alertmanager did not become ready on {addr}");
}

/// Active alerts in the Alertmanager named `LearnedHelplessness` for `guarded` v2.
async fn active_helplessness(alertmanager: SocketAddr) -> Vec<serde_json::Value> {
    let (status, body) = http_get(alertmanager, "/api/v2/alerts?active=true").await;
    assert_eq!(status, 200, "{body}");
    let alerts: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    alerts
        .into_iter()
        .filter(|alert| {
            let labels = &alert["labels"];
            labels["alertname"] == "LearnedHelplessness"
                && labels["model"] == "guarded"
                && labels["version"] == "v2"
        })
        .collect()
}

async fn replay_as(collector: &CollectorProcess, version: &str, file: &str, times: usize) {
    let files = vec![shared_data(file); times];
    let config = ReplayConfig::new(collector.grpc_url(), "guarded", version, files);
    replay::run(config, std::future::pending()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firing_alert_reaches_alertmanager_and_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let alertmanager = start_alertmanager(dir.path()).await;
    let url = format!("http://{}", alertmanager.addr);
    let collector = CollectorProcess::start_with(
        &dir.path().join("candor.db"),
        "127.0.0.1:0",
        &[
            "--evaluate-interval-ms",
            "100",
            "--alertmanager-url",
            &url,
            "--alertmanager-resend",
            "1",
        ],
    );

    replay_as(&collector, "v1", "xstest/mistralinstruct.jsonl", 1).await;
    replay_as(&collector, "v2", "xstest/mistralguard.jsonl", 1).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let firing = loop {
        let firing = active_helplessness(alertmanager.addr).await;
        if !firing.is_empty() {
            break firing;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the alert never reached the Alertmanager"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let labels = &firing[0]["labels"];
    assert_eq!(labels["severity"], "critical");
    assert!(firing[0]["annotations"]["summary"]
        .as_str()
        .unwrap()
        .contains("benign"));

    // Many more ordinary answers for v2 bring its over-refusal rate back near v1's.
    replay_as(&collector, "v2", "xstest/mistralinstruct.jsonl", 10).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !active_helplessness(alertmanager.addr).await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the alert was never resolved in the Alertmanager"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, body) = http_get(collector.http_addr, "/api/v1/alerts").await;
    assert!(body.contains("\"state\":\"resolved\""), "{body}");
}
