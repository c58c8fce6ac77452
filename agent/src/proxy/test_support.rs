//! A scripted OpenAI-compatible upstream for the proxy tests: a real hyper server on
//! `127.0.0.1:0` that records each request and responds with a [`Script`], sending the
//! body in the given chunks with a pause between them so that each chunk reaches the
//! proxy in its own read.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;

/// A request as the upstream received it.
#[derive(Debug, Clone)]
pub(crate) struct SeenRequest {
    pub(crate) method: http::Method,
    /// Path and query.
    pub(crate) target: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// The response to send.
#[derive(Debug, Clone)]
pub(crate) struct Script {
    pub(crate) status: StatusCode,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) chunks: Vec<Bytes>,
    /// Pause before each chunk after the first.
    pub(crate) chunk_delay: Duration,
    /// End the body with an error after the chunks, which makes hyper abort it.
    pub(crate) abort: bool,
}

impl Script {
    /// A 200 response with one body chunk.
    pub(crate) fn ok(content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status: StatusCode::OK,
            headers: vec![("content-type", content_type.to_string())],
            chunks: vec![body.into()],
            chunk_delay: Duration::from_millis(2),
            abort: false,
        }
    }

    /// A 200 event stream sent in `chunks`.
    pub(crate) fn stream(chunks: Vec<Bytes>) -> Self {
        Self {
            chunks,
            ..Self::ok("text/event-stream", Bytes::new())
        }
    }
}

type ScriptFn = dyn Fn(&SeenRequest) -> Script + Send + Sync;

pub(crate) struct ScriptedUpstream {
    pub(crate) addr: SocketAddr,
    pub(crate) seen: Arc<Mutex<Vec<SeenRequest>>>,
    task: JoinHandle<()>,
}

impl ScriptedUpstream {
    /// Starts the upstream; `script` chooses the response for each request.
    pub(crate) async fn start(
        script: impl Fn(&SeenRequest) -> Script + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<ScriptFn> = Arc::new(script);
        let task = tokio::spawn({
            let seen = seen.clone();
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    let seen = seen.clone();
                    let script = script.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |request| {
                            respond(request, seen.clone(), script.clone())
                        });
                        let _ = auto::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
        });
        Self { addr, seen, task }
    }

    pub(crate) fn requests(&self) -> Vec<SeenRequest> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for ScriptedUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type ScriptBody = StreamBody<ReceiverStream<Result<Frame<Bytes>, std::io::Error>>>;

async fn respond(
    request: Request<Incoming>,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    script: Arc<ScriptFn>,
) -> Result<Response<ScriptBody>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|body| body.to_bytes())
        .unwrap_or_default();
    let request = SeenRequest {
        method: parts.method,
        target: parts
            .uri
            .path_and_query()
            .map(ToString::to_string)
            .unwrap_or_default(),
        headers: parts.headers,
        body,
    };
    let script = script(&request);
    seen.lock().unwrap().push(request);

    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        for (position, chunk) in script.chunks.into_iter().enumerate() {
            if position > 0 {
                tokio::time::sleep(script.chunk_delay).await;
            }
            if sender.send(Ok(Frame::data(chunk))).await.is_err() {
                return;
            }
        }
        if script.abort {
            tokio::time::sleep(script.chunk_delay).await;
            let _ = sender
                .send(Err(std::io::Error::other("scripted abort")))
                .await;
        }
    });
    let mut response = Response::new(StreamBody::new(ReceiverStream::new(receiver)));
    *response.status_mut() = script.status;
    for (name, value) in script.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    Ok(response)
}

/// A proxy in front of a scripted upstream, with the scoring queue and a client.
pub(crate) struct Harness {
    pub(crate) addr: SocketAddr,
    pub(crate) upstream: Option<ScriptedUpstream>,
    pub(crate) exchanges: tokio::sync::mpsc::Receiver<super::CapturedExchange>,
    pub(crate) drops: Arc<crate::deliver::DropCounts>,
    pub(crate) metrics: super::ProxyMetrics,
    pub(crate) client: TestClient,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    proxy: Option<JoinHandle<std::io::Result<()>>>,
}

pub(crate) type TestClient = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<Bytes>,
>;

/// Settings of a [`Harness`] that tests change.
#[derive(Debug, Clone)]
pub(crate) struct HarnessOptions {
    pub(crate) queue: usize,
    pub(crate) max_capture_bytes: usize,
    /// Path prefix of the upstream base URL.
    pub(crate) upstream_prefix: &'static str,
}

impl Default for HarnessOptions {
    fn default() -> Self {
        Self {
            queue: 64,
            max_capture_bytes: 1 << 20,
            upstream_prefix: "",
        }
    }
}

impl Harness {
    pub(crate) async fn start(
        script: impl Fn(&SeenRequest) -> Script + Send + Sync + 'static,
        options: HarnessOptions,
    ) -> Self {
        let upstream = ScriptedUpstream::start(script).await;
        let uri = format!("http://{}{}", upstream.addr, options.upstream_prefix);
        let mut harness = Self::start_with_upstream(uri.parse().unwrap(), options).await;
        harness.upstream = Some(upstream);
        harness
    }

    pub(crate) async fn start_with_upstream(upstream: http::Uri, options: HarnessOptions) -> Self {
        let registry = prometheus::Registry::new();
        let metrics = super::ProxyMetrics::register(&registry).unwrap();
        let drops = Arc::new(crate::deliver::DropCounts::default());
        let (sender, exchanges) = tokio::sync::mpsc::channel(options.queue);
        let sink = super::ExchangeSink::new(sender, drops.clone(), metrics.clone());
        let mut config = super::ProxyConfig::new("127.0.0.1:0".parse().unwrap(), upstream);
        config.max_capture_bytes = options.max_capture_bytes;
        config.connect_timeout = Duration::from_secs(2);
        config.shutdown_grace = Duration::from_secs(5);
        let proxy = super::Proxy::bind(config).await.unwrap();
        let addr = proxy.local_addr();
        let (shutdown, shutdown_signal) = tokio::sync::oneshot::channel::<()>();
        let proxy = tokio::spawn(proxy.run(sink, async move {
            let _ = shutdown_signal.await;
        }));
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .build(hyper_util::client::legacy::connect::HttpConnector::new());
        Self {
            addr,
            upstream: None,
            exchanges,
            drops,
            metrics,
            client,
            shutdown: Some(shutdown),
            proxy: Some(proxy),
        }
    }

    pub(crate) fn request(&self, path: &str, body: &str) -> Request<http_body_util::Full<Bytes>> {
        Request::post(format!("http://{}{}", self.addr, path))
            .header("content-type", "application/json")
            .body(http_body_util::Full::new(Bytes::from(body.to_string())))
            .unwrap()
    }

    /// Sends a request and reads the whole response.
    pub(crate) async fn send(
        &self,
        request: Request<http_body_util::Full<Bytes>>,
    ) -> (StatusCode, HeaderMap, Bytes) {
        let response = self.client.request(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        (parts.status, parts.headers, body)
    }

    pub(crate) async fn post(&self, path: &str, body: &str) -> (StatusCode, HeaderMap, Bytes) {
        self.send(self.request(path, body)).await
    }

    /// The next exchange offered to scoring, waiting up to five seconds.
    pub(crate) async fn next_exchange(&mut self) -> super::CapturedExchange {
        tokio::time::timeout(Duration::from_secs(5), self.exchanges.recv())
            .await
            .expect("no exchange offered within 5 s")
            .expect("exchange queue closed")
    }

    pub(crate) async fn next_parsed(&mut self) -> super::ParsedExchange {
        let exchange = self.next_exchange().await;
        super::parse_exchange(&exchange).expect("exchange of an observed endpoint")
    }

    /// Starts shutdown and waits for the proxy to stop.
    pub(crate) async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(proxy) = self.proxy.take() {
            proxy.await.unwrap().unwrap();
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(proxy) = &self.proxy {
            proxy.abort();
        }
    }
}

/// Cuts `bytes` at the given offsets.
pub(crate) fn split_at(bytes: &[u8], cuts: &[usize]) -> Vec<Bytes> {
    let mut chunks = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        chunks.push(Bytes::copy_from_slice(&bytes[start..cut]));
        start = cut;
    }
    chunks.push(Bytes::copy_from_slice(&bytes[start..]));
    chunks
}
