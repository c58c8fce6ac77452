//! Load benchmark of the proxy source: drives `candor-agent run` (a real child process
//! with one proxy source, delivering to an in-process collector) at a fixed request
//! rate against a scripted OpenAI-compatible server, and reports the latency the proxy
//! adds (p50, p99), the agent's CPU time per request and its resident memory.
//!
//! Run with `cargo bench -p candor-agent --bench proxy_load`. Optional arguments:
//! `--rate N` (requests per second, default 500) and `--seconds N` (per phase,
//! default 10).
//!
//! Method: an open-loop client sends one non-streaming chat completion every 1/rate
//! seconds over pooled keep-alive connections, first straight to the server, then
//! through the proxy. The added latency is the difference between the two phases'
//! percentiles. CPU time is read from `/proc/<pid>/stat` and memory from
//! `/proc/<pid>/status` (VmHWM, the peak resident set) of the agent process.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const REQUEST: &str = r#"{"model":"bench-model","messages":[{"role":"user","content":"Give me three tips for writing clear error messages."}]}"#;
const RESPONSE: &str = r#"{"id":"bench","object":"chat.completion","model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"Say what failed, name the value that caused it, and tell the reader what to do next. Keep the wording plain and the sentence short."},"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":30,"total_tokens":44}}"#;

fn main() {
    let mut rate = 500u32;
    let mut seconds = 10u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rate" => {
                rate = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--rate takes a number")
            }
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--seconds takes a number")
            }
            // Flags that `cargo bench` passes to every bench target.
            _ => {}
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench(rate, Duration::from_secs(seconds)));
}

async fn bench(rate: u32, duration: Duration) {
    let dir = tempfile::tempdir().unwrap();
    let upstream = start_upstream().await;
    let collector = start_collector(&dir.path().join("candor.db")).await;
    let proxy_addr = free_addr();
    let mut agent = start_agent(dir.path(), collector, proxy_addr, upstream);
    wait_until_listening(proxy_addr).await;

    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build_http();

    // Warm both paths so connection set-up is not measured.
    run_phase(&client, upstream, rate, Duration::from_secs(1)).await;
    run_phase(&client, proxy_addr, rate, Duration::from_secs(1)).await;

    let direct = run_phase(&client, upstream, rate, duration).await;
    let (cpu_before, _) = agent_usage(agent.id());
    let proxied = run_phase(&client, proxy_addr, rate, duration).await;
    let (cpu_after, peak_rss_kib) = agent_usage(agent.id());

    let requests = proxied.len() as f64;
    let cpu_per_request_us = (cpu_after - cpu_before).as_secs_f64() * 1e6 / requests;
    println!(
        "proxy_load: {rate} requests/s for {} s per phase, non-streaming chat completions",
        duration.as_secs()
    );
    println!(
        "  requests: direct {}, through the proxy {}",
        direct.len(),
        proxied.len()
    );
    for (name, quantile) in [("p50", 0.50), ("p90", 0.90), ("p99", 0.99)] {
        let direct_us = percentile(&direct, quantile);
        let proxied_us = percentile(&proxied, quantile);
        println!(
            "  {name}: direct {direct_us:.0} us, through the proxy {proxied_us:.0} us, added {:.0} us",
            proxied_us - direct_us
        );
    }
    println!("  agent CPU time per proxied request: {cpu_per_request_us:.1} us");
    println!(
        "  agent peak resident memory (VmHWM): {:.1} MB",
        peak_rss_kib as f64 / 1024.0
    );
    agent.kill().unwrap();
    let _ = agent.wait();
}

/// Sends requests at a fixed rate for `duration` and returns each latency in
/// microseconds. Requests are not held back by slow earlier ones (open loop).
async fn run_phase(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    target: SocketAddr,
    rate: u32,
    duration: Duration,
) -> Vec<f64> {
    let interval = Duration::from_secs(1) / rate;
    let count = (duration.as_secs_f64() * f64::from(rate)) as usize;
    let uri: hyper::Uri = format!("http://{target}/v1/chat/completions")
        .parse()
        .unwrap();
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for index in 0..count {
        tokio::time::sleep_until(start + interval * index as u32).await;
        let client = client.clone();
        let uri = uri.clone();
        tasks.push(tokio::spawn(async move {
            let request = hyper::Request::post(uri)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from_static(REQUEST.as_bytes())))
                .unwrap();
            let sent = Instant::now();
            let response = client.request(request).await.expect("request succeeds");
            assert!(
                response.status().is_success(),
                "status {}",
                response.status()
            );
            response.into_body().collect().await.unwrap();
            sent.elapsed().as_secs_f64() * 1e6
        }));
    }
    let mut latencies = Vec::with_capacity(count);
    for task in tasks {
        latencies.push(task.await.unwrap());
    }
    latencies
}

fn percentile(latencies: &[f64], quantile: f64) -> f64 {
    let mut sorted = latencies.to_vec();
    sorted.sort_by(f64::total_cmp);
    let index = ((sorted.len() as f64 - 1.0) * quantile).round() as usize;
    sorted[index]
}

/// CPU time (user + system) and peak resident memory in KiB of process `pid`.
fn agent_usage(pid: u32) -> (Duration, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf has no memory-safety preconditions.
    let ticks_per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    let cpu = Duration::from_secs_f64(ticks as f64 / ticks_per_second as f64);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let peak_kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    (cpu, peak_kib)
}

async fn start_upstream() -> SocketAddr {
    use axum::routing::post;
    let router = axum::Router::new().route(
        "/v1/chat/completions",
        post(|| async { ([("content-type", "application/json")], RESPONSE) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

async fn start_collector(db: &Path) -> SocketAddr {
    use candor_collector::serve::{Collector, ServeConfig};
    let config = ServeConfig {
        db: db.to_path_buf(),
        grpc_addr: "127.0.0.1:0".parse().unwrap(),
        http_addr: "127.0.0.1:0".parse().unwrap(),
        limits: Default::default(),
        shutdown_grace: Duration::from_secs(2),
        evaluator: Default::default(),
    };
    let collector = Collector::bind(config).await.unwrap();
    let addr = collector.grpc_addr();
    tokio::spawn(collector.run(std::future::pending()));
    addr
}

fn start_agent(
    dir: &Path,
    collector: SocketAddr,
    proxy: SocketAddr,
    upstream: SocketAddr,
) -> Child {
    let config = dir.join("agent.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[collector]
url = "http://{collector}"

[deployment]
model = "bench-model"
version = "v1"

[[source]]
type = "proxy"
listen = "{proxy}"
upstream = "http://{upstream}"
"#
        ),
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_candor-agent"))
        .args(["run", "--config"])
        .arg(&config)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("candor-agent starts")
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

async fn wait_until_listening(addr: SocketAddr) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the agent's proxy did not start listening on {addr}");
}
