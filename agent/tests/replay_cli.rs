//! The `candor-agent replay` command as a user runs it: bad input is reported with its
//! file and line and skipped, and the exit status follows `--strict`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use candor_collector::ingest::IngestLimits;
use candor_collector::serve::{Collector, ServeConfig};

/// Starts an in-process collector and returns its gRPC URL and database path.
async fn start_collector(dir: &Path) -> (String, PathBuf) {
    let db = dir.join("candor.db");
    let config = ServeConfig {
        db: db.clone(),
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        http_addr: "127.0.0.1:0".parse().unwrap(),
        limits: IngestLimits::default(),
        shutdown_grace: Duration::from_secs(5),
        evaluator: Default::default(),
    };
    let collector = Collector::bind(config).await.unwrap();
    let url = format!("http://{}", collector.grpc_addr());
    tokio::spawn(collector.run(std::future::pending()));
    (url, db)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

/// Runs `candor-agent replay` off the async runtime, since it blocks until exit.
async fn replay(url: &str, extra: &[&str], files: &[&Path]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_candor-agent"));
    command
        .args([
            "replay",
            "--collector",
            url,
            "--model",
            "m",
            "--version",
            "v1",
        ])
        .args(["--max-record-bytes", "1000", "--give-up-after", "20"])
        .args(extra)
        .args(files);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn stored(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM observations", [], |row| row.get(0))
        .unwrap()
}

/// A JSONL file with two valid records around five kinds of bad line.
fn bad_jsonl(dir: &Path) -> PathBuf {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"{\"prompt\": \"Name a prime number.\", \"response\": \"Seven.\"}\n");
    bytes.extend_from_slice(b"{\"prompt\": \"broken\", \n");
    bytes.extend_from_slice(b"{\"prompt\": \"Where is the response?\"}\n");
    bytes.extend_from_slice(b"{\"prompt\": \"p\", \"response\": \"bad \xc3\x28 bytes\"}\n");
    let long = format!(
        "{{\"prompt\": \"p\", \"response\": \"{}\"}}\n",
        "word ".repeat(400)
    );
    bytes.extend_from_slice(long.as_bytes());
    bytes.extend_from_slice(
        b"{\"prompt\": \"Say hi.\", \"response\": \"Hi!\", \"expect\": \"comply\"}\n",
    );
    write(dir, "records.jsonl", &bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_records_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = start_collector(dir.path()).await;
    let jsonl = bad_jsonl(dir.path());
    let empty = write(dir.path(), "empty.jsonl", b"");
    let csv = write(dir.path(), "no-response.csv", b"id,prompt\n1,Hello\n");

    let output = replay(&url, &[], &[&jsonl, &empty, &csv]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "stderr: {stderr}");

    let jsonl_name = jsonl.display().to_string();
    for (line, problem) in [
        (2, "invalid JSON"),
        (3, "missing field `response`"),
        (4, "not valid UTF-8"),
        (5, "record is 2031 bytes, over the limit of 1000 bytes"),
    ] {
        let expected = format!("{jsonl_name}:{line}: {problem}");
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(
        stderr.contains(&format!("{}: file has no records", empty.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: {}:1: CSV header has no `response` column",
            csv.display()
        )),
        "{stderr}"
    );
    assert!(
        stdout.contains("read 6 records: 2 valid, 4 skipped as invalid; 2 acknowledged"),
        "{stdout}"
    );
    assert_eq!(stored(&db), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_mode_fails_on_bad_records() {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = start_collector(dir.path()).await;
    let jsonl = bad_jsonl(dir.path());

    let output = replay(&url, &["--strict"], &[&jsonl]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--strict"));
    // The valid records were still delivered.
    assert_eq!(stored(&db), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_valid_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = start_collector(dir.path()).await;
    let empty = write(dir.path(), "empty.jsonl", b"");

    let output = replay(&url, &[], &[&empty]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no valid record"));
    assert_eq!(stored(&db), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_with_completion_column_replays() {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = start_collector(dir.path()).await;
    let csv = write(
        dir.path(),
        "records.csv",
        b"id,prompt,completion,expect\n1,Is water wet?,\"Yes, in the everyday sense.\",comply\n2,Write a haiku,\"Autumn wind passes\",comply\n",
    );
    let output = replay(&url, &["--strict"], &[&csv]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stored(&db), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_collector_gives_up() {
    let dir = tempfile::tempdir().unwrap();
    // Bind and drop a listener to find a port where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let jsonl = bad_jsonl(dir.path());
    let url = format!("http://127.0.0.1:{port}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_candor-agent"));
    command
        .args([
            "replay",
            "--collector",
            &url,
            "--model",
            "m",
            "--version",
            "v1",
            "--give-up-after",
            "1",
        ])
        .arg(&jsonl);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("gave up after"), "{stderr}");
    assert!(stderr.contains(&url), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("0 acknowledged"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_replay_with_status_143() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let jsonl = bad_jsonl(dir.path());
    let child = Command::new(env!("CARGO_BIN_EXE_candor-agent"))
        .args(["replay", "--collector", &format!("http://127.0.0.1:{port}")])
        .args(["--model", "m", "--version", "v1"])
        .arg(&jsonl)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(143));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("interrupted"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("0 acknowledged"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_collector_url_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = bad_jsonl(dir.path());
    for (url, reason) in [
        ("https://127.0.0.1:4770", "TLS is not supported"),
        ("127.0.0.1:4770", "write it as http://HOST:PORT"),
        ("http://nohost:bad", "invalid port"),
    ] {
        let started = std::time::Instant::now();
        let output = replay(url, &[], &[&jsonl]).await;
        assert_eq!(output.status.code(), Some(1), "{url}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{url}: {stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{url} was retried"
        );
    }
}
