//! The file source end to end: log rotation by rename and by copytruncate, a
//! half-written last line, and an agent killed and restarted at random points. In every
//! case each log line reaches the collector's database exactly once.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use candor_agent::config::AgentConfig;
use common::{stored, wait_for_stored, write_config, TestCollector};
use rand::Rng;
use tokio::sync::oneshot;

fn config_text(collector: &str, log: &Path, checkpoint: &Path) -> String {
    format!(
        r#"
agent_id = "file-test"

[collector]
url = "{collector}"
batch_max_observations = 20
batch_max_delay_ms = 20

[deployment]
model = "test-model"
version = "v1"

[[source]]
type = "file"
path = "{log}"
checkpoint = "{checkpoint}"
poll_interval_ms = 20
"#,
        log = log.display(),
        checkpoint = checkpoint.display()
    )
}

/// Appends lines `first..first + count` to `path`.
fn append(path: &Path, first: usize, count: usize) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for number in first..first + count {
        writeln!(
            file,
            r#"{{"prompt": "Question {number}?", "response": "Answer number {number}, with a few more words."}}"#
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_and_partial_lines_deliver_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let log = dir.path().join("app.log");
    let checkpoint = dir.path().join("checkpoint.json");
    let collector = TestCollector::start(&db, "127.0.0.1:0".parse().unwrap()).await;
    let config =
        AgentConfig::parse(&config_text(&collector.url(), &log, &checkpoint), "test").unwrap();

    append(&log, 0, 50);
    let (stop, stopped) = oneshot::channel::<()>();
    let agent = tokio::spawn(candor_agent::run::run(config, "file-test".into(), async {
        let _ = stopped.await;
    }));
    assert_eq!(wait_for_stored(&db, 50, Duration::from_secs(20)).await, 50);

    // A half-written line is held back until its newline arrives.
    let mut file = OpenOptions::new().append(true).open(&log).unwrap();
    file.write_all(br#"{"prompt": "Question 50?", "response": "Answer num"#)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(stored(&db), 50);
    file.write_all(b"ber 50.\"}\n").unwrap();
    drop(file);
    assert_eq!(wait_for_stored(&db, 51, Duration::from_secs(20)).await, 51);

    // Rotation by rename: lines written to the old file just before and after the
    // rename, then to a new file at the same path.
    append(&log, 51, 10);
    std::fs::rename(&log, dir.path().join("app.log.1")).unwrap();
    append(&dir.path().join("app.log.1"), 61, 5);
    append(&log, 66, 20);
    assert_eq!(wait_for_stored(&db, 86, Duration::from_secs(20)).await, 86);

    // Rotation by copytruncate: the file is copied away and truncated in place.
    append(&log, 86, 10);
    assert_eq!(wait_for_stored(&db, 96, Duration::from_secs(20)).await, 96);
    std::fs::copy(&log, dir.path().join("app.log.2")).unwrap();
    OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&log)
        .unwrap();
    append(&log, 96, 30);
    assert_eq!(
        wait_for_stored(&db, 126, Duration::from_secs(20)).await,
        126
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stored(&db), 126, "no line is stored twice");
    let _ = stop.send(());
    agent.await.unwrap().unwrap();
    let saved = std::fs::read_to_string(&checkpoint).unwrap();
    assert!(saved.contains("app.log"), "{saved}");
    collector.stop().await;
}

struct AgentProcess(Child);

impl AgentProcess {
    fn start(config: &Path) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_candor-agent"))
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        Self(child)
    }

    fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_agent_delivers_each_line_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let log: PathBuf = dir.path().join("app.log");
    let checkpoint = dir.path().join("checkpoint.json");
    let collector = TestCollector::start(&db, "127.0.0.1:0".parse().unwrap()).await;
    let config = write_config(
        dir.path(),
        &config_text(&collector.url(), &log, &checkpoint),
    );

    // A writer appends lines while the agent is killed with SIGKILL and restarted at
    // random moments.
    const TOTAL: usize = 3000;
    let writer_log = log.clone();
    let writer = tokio::task::spawn_blocking(move || {
        for chunk in 0..60 {
            append(&writer_log, chunk * 50, 50);
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let mut agent = AgentProcess::start(&config);
    for _ in 0..5 {
        let pause = rand::rng().random_range(50..400);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        agent.kill();
        agent = AgentProcess::start(&config);
    }
    writer.await.unwrap();

    let count = wait_for_stored(&db, TOTAL as i64, Duration::from_secs(60)).await;
    assert_eq!(count, TOTAL as i64);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(stored(&db), TOTAL as i64, "no line is stored twice");
    agent.kill();
    collector.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_with_same_first_line_are_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let checkpoint = dir.path().join("checkpoint.json");
    let collector = TestCollector::start(&db, "127.0.0.1:0".parse().unwrap()).await;
    let pattern = dir.path().join("worker-*.jsonl");
    let config = AgentConfig::parse(
        &config_text(&collector.url(), &pattern, &checkpoint),
        "test",
    )
    .unwrap();

    // Both files open with the same warm-up line, then differ.
    for (name, first) in [("worker-a.jsonl", 100), ("worker-b.jsonl", 200)] {
        let path = dir.path().join(name);
        append(&path, 0, 1);
        append(&path, first, 20);
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let agent = tokio::spawn(candor_agent::run::run(config, "file-test".into(), async {
        let _ = stopped.await;
    }));
    assert_eq!(wait_for_stored(&db, 42, Duration::from_secs(20)).await, 42);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stored(&db), 42);
    let _ = stop.send(());
    agent.await.unwrap().unwrap();
    collector.stop().await;
}
