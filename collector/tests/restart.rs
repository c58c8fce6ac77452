//! Crash recovery: the collector is killed with SIGKILL in the middle of a replay and
//! started again on the same database and port. The agent reconnects and re-sends what
//! was not acknowledged, and every record ends up stored exactly once.

mod common;

use std::time::Duration;

use candor_agent::replay::{self, ReplayConfig};
use common::{count, http_get, sample, shared_data, CollectorProcess};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_collector_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let collector = CollectorProcess::start(&db, "127.0.0.1:0");
    let grpc_addr = collector.grpc_addr.to_string();

    let files = ["gpt4", "mistralinstruct", "mistralguard"]
        .map(|model| shared_data(&format!("xstest/{model}.jsonl")))
        .to_vec();
    let mut config = ReplayConfig::new(collector.grpc_url(), "xstest", "v1", files);
    // Small batches make the replay long enough to be cut in the middle, while staying
    // above a few hundred bytes per message.
    config.batch_size = 4;
    let replay = tokio::spawn(replay::run(config, std::future::pending()));

    // Wait until part of the replay is committed, then kill the collector.
    let series = "candor_ingest_batches_total{result=\"stored\"}";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, metrics) = http_get(collector.http_addr, "/metrics").await;
        if sample(&metrics, series) >= 20 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "replay made no progress"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    collector.kill();
    let stored_at_kill = count(&db, "observations", "");
    assert!(
        stored_at_kill > 0 && stored_at_kill < 1350,
        "stored {stored_at_kill} at kill"
    );

    tokio::time::sleep(Duration::from_millis(500)).await;
    let collector = CollectorProcess::start(&db, &grpc_addr);
    let report = tokio::time::timeout(Duration::from_secs(120), replay)
        .await
        .expect("replay finishes after the restart")
        .unwrap()
        .unwrap();

    assert_eq!(report.read, 1350);
    assert_eq!(report.delivered.observations, 1350);
    assert!(report.delivered.reconnects >= 1, "{report:?}");
    assert_eq!(count(&db, "observations", ""), 1350);
    // No record is stored twice: each (deployment, record id) appears once per file,
    // and the three files share ids, so each id appears exactly three times.
    assert_eq!(
        count(
            &db,
            "(SELECT record_id FROM observations GROUP BY record_id HAVING COUNT(*) != 3)",
            ""
        ),
        0
    );

    // The restarted collector's counters start from the database.
    let (_, metrics) = http_get(collector.http_addr, "/metrics").await;
    let total: u64 = ["comply", "refuse"]
        .iter()
        .map(|expect| {
            sample(
                &metrics,
                &format!(
                    "candor_responses_total{{expect=\"{expect}\",model=\"xstest\",version=\"v1\"}}"
                ),
            )
        })
        .sum();
    assert_eq!(total, 1350);
}
