//! Helpers shared by the agent's integration tests: an in-process collector that can be
//! stopped and started again on the same port, database counts, and a scripted
//! OpenAI-compatible upstream.

#![allow(dead_code)]

pub mod model_server;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use candor_collector::ingest::IngestLimits;
use candor_collector::serve::{Collector, ServeConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

/// A collector running in this process.
pub struct TestCollector {
    pub grpc_addr: SocketAddr,
    pub http_addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl TestCollector {
    /// Starts a collector on `db`, listening for gRPC on `grpc` (port 0 for any).
    pub async fn start(db: &Path, grpc: SocketAddr) -> Self {
        let config = ServeConfig {
            db: db.to_path_buf(),
            grpc_addr: grpc,
            http_addr: "127.0.0.1:0".parse().unwrap(),
            limits: IngestLimits::default(),
            shutdown_grace: Duration::from_secs(5),
            evaluator: Default::default(),
        };
        let collector = Collector::bind(config).await.unwrap();
        let grpc_addr = collector.grpc_addr();
        let http_addr = collector.http_addr();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            collector
                .run(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            grpc_addr,
            http_addr,
            stop,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.grpc_addr)
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
    }
}

/// A local address where nothing listens now.
pub fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Rows in `observations`, or 0 while the database does not exist yet.
pub fn stored(db: &Path) -> i64 {
    let Ok(connection) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    connection
        .query_row("SELECT COUNT(*) FROM observations", [], |row| row.get(0))
        .unwrap_or(0)
}

/// Waits until `stored(db)` reaches `expected`, for at most `limit`. Returns the last count.
pub async fn wait_for_stored(db: &Path, expected: i64, limit: Duration) -> i64 {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let count = stored(db);
        if count >= expected || tokio::time::Instant::now() > deadline {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts a scripted OpenAI-compatible server that answers every chat completion with
/// the same short message.
pub async fn start_upstream() -> SocketAddr {
    use axum::routing::post;
    async fn complete() -> ([(&'static str, &'static str); 1], &'static str) {
        (
            [("content-type", "application/json")],
            r#"{"id":"c1","object":"chat.completion","model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":"Boil the egg for nine minutes, then cool it in cold water."},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":14,"total_tokens":23}}"#,
        )
    }
    let router = axum::Router::new().route("/v1/chat/completions", post(complete));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    addr
}

/// POSTs a chat completion request through `proxy` and returns the status and body.
pub async fn post_chat(proxy: SocketAddr) -> (u16, String) {
    let body =
        r#"{"model":"test-model","messages":[{"role":"user","content":"How do I boil an egg?"}]}"#;
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: {proxy}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(proxy).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Writes a config file for `candor-agent run` and returns its path.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("agent.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// GETs `path` over plain HTTP/1.1 and returns the status code and body.
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
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

/// Waits until something accepts connections on `addr`, for at most 30 s.
pub async fn wait_until_listening(addr: SocketAddr) {
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listens on {addr}");
}
