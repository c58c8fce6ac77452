//! A collector outage longer than the in-memory queue can hold: live proxy traffic keeps
//! flowing, batches overflow to the on-disk spool, and once the collector is back every
//! observation is delivered exactly once. With a spool too small, the loss is counted
//! and reported to the collector.

mod common;

use std::time::Duration;

use candor_agent::config::AgentConfig;
use common::{
    free_addr, http_get, post_chat, sample, start_upstream, stored, wait_for_stored, TestCollector,
};
use tokio::sync::oneshot;

fn config(
    collector: std::net::SocketAddr,
    proxy: std::net::SocketAddr,
    upstream: std::net::SocketAddr,
    spool: &std::path::Path,
    spool_max_bytes: u64,
) -> AgentConfig {
    config_with_metrics(collector, proxy, upstream, spool, spool_max_bytes, None)
}

fn config_with_metrics(
    collector: std::net::SocketAddr,
    proxy: std::net::SocketAddr,
    upstream: std::net::SocketAddr,
    spool: &std::path::Path,
    spool_max_bytes: u64,
    metrics: Option<std::net::SocketAddr>,
) -> AgentConfig {
    let metrics = metrics.map_or_else(String::new, |addr| {
        format!("[metrics]\nlisten = \"{addr}\"\n")
    });
    let text = format!(
        r#"
agent_id = "spool-test"

[collector]
url = "http://{collector}"
queue_batches = 2
max_in_flight = 2
batch_max_observations = 5
batch_max_delay_ms = 20
spool_dir = "{spool}"
spool_max_bytes = {spool_max_bytes}

[deployment]
model = "test-model"
version = "v1"

{metrics}
[[source]]
type = "proxy"
listen = "{proxy}"
upstream = "http://{upstream}"
"#,
        spool = spool.display()
    );
    AgentConfig::parse(&text, "test config").unwrap()
}

async fn send_requests(proxy: std::net::SocketAddr, count: usize) {
    for _ in 0..count {
        let (status, body) = post_chat(proxy).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("nine minutes"), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_is_spooled_and_delivered_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let spool = dir.path().join("spool");
    let collector_addr = free_addr();
    let proxy_addr = free_addr();
    let upstream = start_upstream().await;

    let (stop, stopped) = oneshot::channel::<()>();
    let agent = tokio::spawn(candor_agent::run::run(
        config(
            collector_addr,
            proxy_addr,
            upstream,
            &spool,
            50 * 1024 * 1024,
        ),
        "spool-test".into(),
        async {
            let _ = stopped.await;
        },
    ));
    common::wait_until_listening(proxy_addr).await;

    // 200 requests in batches of 5 is 40 batches, far more than the 2 queued and 2 in
    // flight that memory holds while the collector is down.
    send_requests(proxy_addr, 200).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let spooled = std::fs::read_dir(&spool).unwrap().count();
    assert!(spooled > 0, "nothing was spooled");

    let collector = TestCollector::start(&db, collector_addr).await;
    let count = wait_for_stored(&db, 200, Duration::from_secs(60)).await;
    assert_eq!(count, 200);
    // Traffic after the outage is delivered too.
    send_requests(proxy_addr, 10).await;
    assert_eq!(
        wait_for_stored(&db, 210, Duration::from_secs(30)).await,
        210
    );

    let _ = stop.send(());
    agent.await.unwrap().unwrap();
    assert_eq!(stored(&db), 210, "nothing is stored twice");
    let leftover = std::fs::read_dir(&spool).unwrap().count();
    assert_eq!(leftover, 0, "delivered batches leave the spool");
    collector.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_spool_counts_dropped_observations() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let spool = dir.path().join("spool");
    let collector_addr = free_addr();
    let proxy_addr = free_addr();
    let upstream = start_upstream().await;

    let (stop, stopped) = oneshot::channel::<()>();
    let metrics_addr = free_addr();
    // Room for about two spooled batches.
    let agent = tokio::spawn(candor_agent::run::run(
        config_with_metrics(
            collector_addr,
            proxy_addr,
            upstream,
            &spool,
            600,
            Some(metrics_addr),
        ),
        "spool-test".into(),
        async {
            let _ = stopped.await;
        },
    ));
    common::wait_until_listening(proxy_addr).await;
    send_requests(proxy_addr, 100).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The agent's own metrics show the loss and the spool.
    let (status, metrics) = http_get(metrics_addr, "/metrics").await;
    assert_eq!(status, 200);
    let dropped_metric = sample(
        &metrics,
        "candor_agent_dropped_observations_total{reason=\"spool_full\"}",
    );
    assert!(dropped_metric > 0, "{metrics}");
    assert!(
        sample(&metrics, "candor_agent_spool_bytes") > 0,
        "{metrics}"
    );
    assert!(
        metrics.contains("candor_agent_delivery_queue_batches"),
        "{metrics}"
    );
    let (status, _) = http_get(metrics_addr, "/healthz").await;
    assert_eq!(status, 200);

    let collector = TestCollector::start(&db, collector_addr).await;
    // Traffic after the outage carries the drop count to the collector.
    tokio::time::sleep(Duration::from_millis(500)).await;
    send_requests(proxy_addr, 5).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let dropped = loop {
        let connection = rusqlite::Connection::open(&db).unwrap();
        let dropped: i64 = connection
            .query_row(
                "SELECT COALESCE(SUM(count), 0) FROM agent_drops WHERE reason = 'spool_full'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        let total = stored(&db) + dropped;
        if total == 105 || tokio::time::Instant::now() > deadline {
            break dropped;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(dropped > 0, "a full spool drops observations");
    assert_eq!(
        stored(&db) + dropped,
        105,
        "every observation is stored or counted as dropped"
    );

    let _ = stop.send(());
    agent.await.unwrap().unwrap();
    collector.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_during_outage_spools_what_is_unacknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let spool = dir.path().join("spool");
    let collector_addr = free_addr();
    let proxy_addr = free_addr();
    let upstream = start_upstream().await;
    let mut config = config(
        collector_addr,
        proxy_addr,
        upstream,
        &spool,
        50 * 1024 * 1024,
    );
    config.collector.shutdown_grace_ms = 300;

    // First run: the collector is down the whole time, and the agent is stopped.
    let (stop, stopped) = oneshot::channel::<()>();
    let agent = tokio::spawn(candor_agent::run::run(
        config.clone(),
        "spool-test".into(),
        async {
            let _ = stopped.await;
        },
    ));
    common::wait_until_listening(proxy_addr).await;
    send_requests(proxy_addr, 30).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = stop.send(());
    agent.await.unwrap().unwrap();

    // Second run, with the collector up: everything from the first run arrives.
    let collector = TestCollector::start(&db, collector_addr).await;
    let (stop, stopped) = oneshot::channel::<()>();
    let agent = tokio::spawn(candor_agent::run::run(config, "spool-test".into(), async {
        let _ = stopped.await;
    }));
    assert_eq!(wait_for_stored(&db, 30, Duration::from_secs(30)).await, 30);
    let _ = stop.send(());
    agent.await.unwrap().unwrap();
    assert_eq!(stored(&db), 30);
    collector.stop().await;
}
