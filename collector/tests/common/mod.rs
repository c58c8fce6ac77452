//! Helpers shared by the collector's integration tests: running the real collector
//! binary on ephemeral ports, plain HTTP GETs, and paths to the shared test data.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A `candor-collector serve` child process. It is killed when dropped.
pub struct CollectorProcess {
    child: Child,
    pub grpc_addr: SocketAddr,
    pub http_addr: SocketAddr,
}

impl CollectorProcess {
    /// Starts the collector on `db`, with the gRPC address `grpc` (port 0 for any).
    pub fn start(db: &Path, grpc: &str) -> Self {
        Self::start_with(db, grpc, &[])
    }

    /// Starts the collector with extra `serve` arguments.
    pub fn start_with(db: &Path, grpc: &str, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_candor-collector"))
            .args(["serve", "--db"])
            .arg(db)
            .args(["--grpc-addr", grpc, "--http-addr", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("collector binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("collector prints its addresses");
        let address = |key: &str| -> SocketAddr {
            line.split_whitespace()
                .find_map(|field| field.strip_prefix(key))
                .unwrap_or_else(|| panic!("no {key} in {line:?}"))
                .parse()
                .unwrap()
        };
        let grpc_addr = address("grpc=");
        let http_addr = address("http=");
        Self {
            child,
            grpc_addr,
            http_addr,
        }
    }

    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc_addr)
    }

    /// Sends SIGKILL: no shutdown path runs.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        // SAFETY: kill(2) with a valid pid of our own child has no memory-safety preconditions.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        self.child.wait().unwrap()
    }
}

impl Drop for CollectorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GETs `path` over plain HTTP/1.1 and returns the status code and body.
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("HTTP response in time")
    .unwrap();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .expect("HTTP response has a head");
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

/// Value of the sample whose name and labels, as printed, equal `series`; 0 if absent.
pub fn sample(metrics: &str, series: &str) -> u64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0, |value| value.trim().parse().unwrap())
}

/// A file of the shared, read-only test data.
pub fn shared_data(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(relative);
    assert!(path.exists(), "test data missing: {}", path.display());
    path
}

/// Counts rows of `table` in the database, optionally filtered by a WHERE clause.
pub fn count(db: &Path, table: &str, filter: &str) -> u64 {
    let connection = rusqlite::Connection::open(db).unwrap();
    let sql = if filter.is_empty() {
        format!("SELECT COUNT(*) FROM {table}")
    } else {
        format!("SELECT COUNT(*) FROM {table} WHERE {filter}")
    };
    connection
        .query_row(&sql, [], |row| row.get::<_, i64>(0))
        .unwrap() as u64
}
