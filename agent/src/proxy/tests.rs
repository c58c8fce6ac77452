//! End-to-end tests of forwarding: a scripted upstream, the real proxy and a hyper client,
//! all on 127.0.0.1. The per-format parsing cases are in `parse_tests.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};

use super::metrics::{EndpointLabel, UpstreamErrorKind};
use super::test_support::{split_at, Harness, HarnessOptions, Script};
use super::ResponseEnd;
use crate::deliver::DropReason;
use crate::score::Outcome;

const CHAT: &str = "/v1/chat/completions";
const CHAT_REQUEST: &str =
    r#"{"model":"m-1","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#;

/// A chat stream with a comment line, `data:` without a space, CRLF line ends, an event
/// whose JSON spans two `data:` lines, and multi-byte characters.
const LONG_STREAM: &str = concat!(
    ": keepalive\r\n\r\n",
    "data:{\"model\":\"m-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Caf\"}}]}\r\n\r\n",
    "event: message\r\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"é 日本\"}}]}\r\n\r\n",
    "data: {\"choices\":\r\ndata: [{\"index\":0,\"delta\":{\"content\":\" 🙂\"},\"finish_reason\":\"stop\"}]}\r\n\r\n",
    "data: [DONE]\r\n\r\n",
);

/// A short stream for the three-way splits, still with CRLF and multi-byte characters.
const SHORT_STREAM: &str = "data:{\"choices\":[{\"delta\":{\"content\":\"é日🙂\"},\"finish_reason\":\"stop\"}]}\r\n\r\ndata: [DONE]\r\n\r\n";

/// Starts a harness whose upstream sends `stream` cut at the offsets in `x-split`.
async fn split_harness(stream: &'static str) -> Harness {
    let options = HarnessOptions {
        queue: 100_000,
        ..HarnessOptions::default()
    };
    Harness::start(
        move |request| {
            let cuts: Vec<usize> = request
                .headers
                .get("x-split")
                .and_then(|value| value.to_str().ok())
                .map(|value| value.split(',').map(|cut| cut.parse().unwrap()).collect())
                .unwrap_or_default();
            Script::stream(split_at(stream.as_bytes(), &cuts))
        },
        options,
    )
    .await
}

/// Sends one request per cut list, 32 at a time, and checks that each client got the
/// exact upstream bytes and each exchange parsed to `expected_text`.
async fn check_splits(
    harness: &mut Harness,
    stream: &'static str,
    splits: Vec<Vec<usize>>,
    expected_text: &str,
) {
    let client = harness.client.clone();
    for batch in splits.chunks(32) {
        let mut requests = tokio::task::JoinSet::new();
        for cuts in batch {
            let cuts_text: Vec<String> = cuts.iter().map(ToString::to_string).collect();
            let mut request = harness.request(CHAT, CHAT_REQUEST);
            request
                .headers_mut()
                .insert("x-split", cuts_text.join(",").parse().unwrap());
            let client = client.clone();
            let cuts = cuts.clone();
            requests.spawn(async move {
                let response = client.request(request).await.unwrap();
                let body = response.into_body().collect().await.unwrap().to_bytes();
                (cuts, body)
            });
        }
        while let Some(result) = requests.join_next().await {
            let (cuts, body) = result.unwrap();
            assert_eq!(body, Bytes::from_static(stream.as_bytes()), "cuts {cuts:?}");
        }
        for _ in batch {
            let parsed = harness.next_parsed().await;
            assert_eq!(parsed.model.as_deref(), Some("m-1"));
            assert_eq!(parsed.choices.len(), 1);
            assert_eq!(parsed.choices[0].text, expected_text);
            assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
        }
    }
}

// Regression: a stream cut at any byte, including inside a UTF-8
// character and between CR and LF, reaches the client unchanged and parses alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_every_two_way_split_is_identical() {
    let mut harness = split_harness(LONG_STREAM).await;
    let splits = (1..LONG_STREAM.len()).map(|cut| vec![cut]).collect();
    check_splits(&mut harness, LONG_STREAM, splits, "Café 日本 🙂").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_every_three_way_split_is_identical() {
    let mut harness = split_harness(SHORT_STREAM).await;
    let length = SHORT_STREAM.len();
    let splits = (1..length)
        .flat_map(|first| (first + 1..length).map(move |second| vec![first, second]))
        .collect();
    check_splits(&mut harness, SHORT_STREAM, splits, "é日🙂").await;
}

#[tokio::test]
async fn gzip_body_passes_through_and_parses() {
    use std::io::Write;
    let json = r#"{"model":"m-1","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}"#;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(json.as_bytes()).unwrap();
    let gzipped = Bytes::from(encoder.finish().unwrap());
    let body = gzipped.clone();
    let mut harness = Harness::start(
        move |_| {
            let mut script = Script::ok("application/json", Bytes::new());
            script
                .headers
                .push(("content-encoding", "gzip".to_string()));
            // Three chunks, so the compressed stream is also cut across reads.
            script.chunks = split_at(&body, &[5, body.len() / 2]);
            script
        },
        HarnessOptions::default(),
    )
    .await;
    let mut request = harness.request(CHAT, r#"{"messages":[{"role":"user","content":"Hi"}]}"#);
    request
        .headers_mut()
        .insert("accept-encoding", "gzip".parse().unwrap());
    let (status, headers, received) = harness.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(received, gzipped);
    let parsed = harness.next_parsed().await;
    assert_eq!(parsed.choices[0].text, "Hello there");
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
    assert_eq!(parsed.prompt_tokens, Some(3));
    assert_eq!(parsed.completion_tokens, Some(2));
}

#[tokio::test]
async fn request_is_forwarded_with_prefix_and_headers() {
    let mut harness = Harness::start(
        |_| {
            Script::ok(
                "application/json",
                r#"{"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]}"#,
            )
        },
        HarnessOptions {
            upstream_prefix: "/gateway/",
            ..HarnessOptions::default()
        },
    )
    .await;
    let request = Request::post(format!(
        "http://{}/v1/chat/completions?trace=1",
        harness.addr
    ))
    .header("content-type", "application/json")
    .header("authorization", "Bearer test")
    .header("connection", "keep-alive, x-hop")
    .header("x-hop", "1")
    .header("keep-alive", "timeout=5")
    .header("proxy-connection", "keep-alive")
    .body(Full::new(Bytes::from_static(br#"{"messages":[]}"#)))
    .unwrap();
    let (status, _, _) = harness.send(request).await;
    assert_eq!(status, StatusCode::OK);
    let upstream = harness.upstream.as_ref().unwrap();
    let seen = upstream.requests().pop().unwrap();
    assert_eq!(seen.method, http::Method::POST);
    assert_eq!(seen.target, "/gateway/v1/chat/completions?trace=1");
    assert_eq!(seen.headers["host"], upstream.addr.to_string().as_str());
    assert_eq!(seen.headers["authorization"], "Bearer test");
    assert!(!seen.headers.contains_key("x-hop"));
    assert!(!seen.headers.contains_key("keep-alive"));
    assert!(!seen.headers.contains_key("proxy-connection"));
    assert_eq!(seen.body, Bytes::from_static(br#"{"messages":[]}"#));
    let parsed = harness.next_parsed().await;
    assert_eq!(parsed.choices[0].text, "ok");
}

#[tokio::test]
async fn other_paths_are_forwarded_not_observed() {
    let mut harness = Harness::start(
        |_| Script::ok("application/json", r#"{"data":[]}"#),
        HarnessOptions::default(),
    )
    .await;
    let request = Request::get(format!("http://{}/v1/models", harness.addr))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let (status, _, body) = harness.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, Bytes::from_static(br#"{"data":[]}"#));
    assert!(harness.exchanges.try_recv().is_err());
    assert_eq!(harness.metrics.requests(EndpointLabel::Other, "2xx"), 1);
}

#[tokio::test]
async fn upstream_down_returns_502_json() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let harness = Harness::start_with_upstream(
        format!("http://{closed}").parse().unwrap(),
        HarnessOptions::default(),
    )
    .await;
    let (status, headers, body) = harness.post(CHAT, CHAT_REQUEST).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(headers["content-type"], "application/json");
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"]["type"], "candor_proxy_error");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("connect"));
    assert_eq!(
        harness.metrics.upstream_errors(UpstreamErrorKind::Connect),
        1
    );
    assert_eq!(harness.metrics.requests(EndpointLabel::Chat, "error"), 1);
}

#[tokio::test]
async fn upstream_abort_mid_stream_is_truncated() {
    let mut harness = Harness::start(
        |_| {
            let mut script = Script::stream(vec![Bytes::from_static(
                b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Partial\"}}]}\n\n",
            )]);
            script.abort = true;
            script
        },
        HarnessOptions::default(),
    )
    .await;
    let response = harness
        .client
        .request(harness.request(CHAT, CHAT_REQUEST))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.into_body().collect().await.is_err());
    let exchange = harness.next_exchange().await;
    assert_eq!(exchange.response_end, ResponseEnd::UpstreamError);
    let parsed = super::parse_exchange(&exchange).unwrap();
    assert_eq!(parsed.choices[0].text, "Partial");
    assert_eq!(parsed.choices[0].outcome, Outcome::Truncated);
    assert_eq!(harness.metrics.upstream_errors(UpstreamErrorKind::Reset), 1);
}

#[tokio::test]
async fn full_sink_drops_and_counts() {
    let body = r#"{"choices":[{"message":{"content":"answer"},"finish_reason":"stop"}]}"#;
    let harness = Harness::start(
        move |_| Script::ok("application/json", body),
        HarnessOptions {
            queue: 1,
            ..HarnessOptions::default()
        },
    )
    .await;
    for _ in 0..3 {
        let (status, _, received) = harness.post(CHAT, CHAT_REQUEST).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(received, Bytes::from_static(body.as_bytes()));
    }
    assert_eq!(harness.drops.get(DropReason::ScoreQueueFull), 2);
    assert_eq!(harness.metrics.observed(), 1);
}

#[tokio::test]
async fn capture_too_large_is_forwarded_and_counted() {
    let body = format!(
        r#"{{"choices":[{{"message":{{"content":"{}"}},"finish_reason":"stop"}}]}}"#,
        "x".repeat(4096)
    );
    let expected = body.clone();
    let mut harness = Harness::start(
        move |_| Script::ok("application/json", body.clone()),
        HarnessOptions {
            max_capture_bytes: 1024,
            ..HarnessOptions::default()
        },
    )
    .await;
    let (status, _, received) = harness.post(CHAT, CHAT_REQUEST).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(received, Bytes::from(expected));
    assert_eq!(harness.drops.get(DropReason::CaptureTooLarge), 1);
    assert!(harness.exchanges.try_recv().is_err());
}

// Regression: a slow client must not slow down another client,
// and its own capture must still complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_client_does_not_delay_others() {
    let chunk = format!(
        "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{}\"}}}}]}}\n\n",
        "word ".repeat(13_000)
    );
    // About 16 MB, more than loopback socket buffers hold, so the slow reader really
    // makes the proxy wait on its stream.
    let mut long_chunks: Vec<Bytes> = (0..256).map(|_| Bytes::from(chunk.clone())).collect();
    long_chunks.push(Bytes::from_static(
        b"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
    ));
    let long_body: Bytes = long_chunks.concat().into();
    let short_body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"quick\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    let long_chunks = Arc::new(long_chunks);
    let mut harness = Harness::start(
        move |request| {
            if request.headers.contains_key("x-long") {
                let mut script = Script::stream(long_chunks.as_ref().clone());
                script.chunk_delay = Duration::ZERO;
                script
            } else {
                Script::stream(vec![Bytes::from_static(short_body.as_bytes())])
            }
        },
        HarnessOptions {
            max_capture_bytes: 32 << 20,
            ..HarnessOptions::default()
        },
    )
    .await;

    let mut slow_request = harness.request(CHAT, CHAT_REQUEST);
    slow_request
        .headers_mut()
        .insert("x-long", "1".parse().unwrap());
    let slow_response = harness.client.request(slow_request).await.unwrap();
    let slow_reader = tokio::spawn(async move {
        let mut body = slow_response.into_body();
        let mut received = Vec::new();
        let started = Instant::now();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.unwrap().into_data() {
                received.extend_from_slice(&data);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        (received, started.elapsed())
    });

    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let (status, _, body) = harness.post(CHAT, CHAT_REQUEST).await;
    let quick_latency = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, Bytes::from_static(short_body.as_bytes()));
    assert!(
        !slow_reader.is_finished(),
        "the slow client finished too early to test"
    );
    assert!(
        quick_latency < Duration::from_secs(1),
        "quick request took {quick_latency:?}"
    );

    let (received, slow_elapsed) = slow_reader.await.unwrap();
    assert_eq!(received.len(), long_body.len());
    assert!(received == long_body.as_ref());
    assert!(slow_elapsed > quick_latency);

    let quick = harness.next_parsed().await;
    assert_eq!(quick.choices[0].text, "quick");
    let slow = harness.next_exchange().await;
    assert_eq!(slow.response_end, ResponseEnd::Complete);
    assert_eq!(slow.response_body, long_body);
    let parsed = super::parse_exchange(&slow).unwrap();
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
}

#[tokio::test]
async fn shutdown_lets_stream_finish() {
    let mut harness = Harness::start(
        |_| {
            let mut script = Script::stream(vec![
                Bytes::from_static(b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"),
                Bytes::from_static(b"data: {\"choices\":[{\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}]}\n\n"),
                Bytes::from_static(b"data: [DONE]\n\n"),
            ]);
            script.chunk_delay = Duration::from_millis(200);
            script
        },
        HarnessOptions::default(),
    )
    .await;
    let response = harness
        .client
        .request(harness.request(CHAT, CHAT_REQUEST))
        .await
        .unwrap();
    harness.stop().await;
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(body.ends_with(b"data: [DONE]\n\n"));
    let parsed = harness.next_parsed().await;
    assert_eq!(parsed.choices[0].text, "ab");
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
}

#[tokio::test]
async fn http2_client_is_forwarded_over_http1() {
    let body =
        r#"{"choices":[{"index":0,"message":{"content":"over h2"},"finish_reason":"stop"}]}"#;
    let mut harness = Harness::start(
        move |_| Script::ok("application/json", body),
        HarnessOptions::default(),
    )
    .await;
    let client: super::test_support::TestClient =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .http2_only(true)
            .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let response = client
        .request(harness.request(CHAT, CHAT_REQUEST))
        .await
        .unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.status(), StatusCode::OK);
    let received = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(received, Bytes::from_static(body.as_bytes()));

    let seen = harness.upstream.as_ref().unwrap().requests().pop().unwrap();
    assert!(seen.headers.contains_key("host"));
    let parsed = harness.next_parsed().await;
    assert_eq!(parsed.choices[0].text, "over h2");
}

#[tokio::test]
async fn client_disconnect_offers_truncated_exchange() {
    let mut harness = Harness::start(
        |_| {
            let chunk = Bytes::from_static(
                b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick \"}}]}\n\n",
            );
            let mut script = Script::stream(vec![chunk; 20]);
            script.chunk_delay = Duration::from_millis(50);
            script
        },
        HarnessOptions::default(),
    )
    .await;
    let response = harness
        .client
        .request(harness.request(CHAT, CHAT_REQUEST))
        .await
        .unwrap();
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap();
    assert!(first.is_data());
    drop(body);

    let exchange = harness.next_exchange().await;
    assert_eq!(exchange.response_end, ResponseEnd::ClientGone);
    let parsed = super::parse_exchange(&exchange).unwrap();
    assert!(parsed.choices[0].text.starts_with("tick "));
    assert_eq!(parsed.choices[0].outcome, Outcome::Truncated);
}

#[tokio::test]
async fn upstream_abort_on_other_path_is_counted() {
    let harness = Harness::start(
        |_| {
            let mut script = Script::ok("application/json", r#"{"data":["#);
            script.abort = true;
            script
        },
        HarnessOptions::default(),
    )
    .await;
    let request = Request::get(format!("http://{}/v1/models", harness.addr))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = harness.client.request(request).await.unwrap();
    assert!(response.into_body().collect().await.is_err());
    assert_eq!(harness.metrics.upstream_errors(UpstreamErrorKind::Reset), 1);
}
