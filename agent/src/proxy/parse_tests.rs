//! Parsing cases run end to end: each response goes from a scripted upstream through the
//! real proxy to a client, which must receive it unchanged, and the captured exchange is
//! then parsed. Covers the server-sent-event variants, chunk shapes and logprob forms
//! that OpenAI-compatible servers are known to send.

use bytes::Bytes;
use http::StatusCode;

use super::test_support::{Harness, HarnessOptions, Script};
use super::{Endpoint, ParsedExchange};
use crate::score::Outcome;

const CHAT: &str = "/v1/chat/completions";
const COMPLETIONS: &str = "/v1/completions";
const CHAT_REQUEST: &str =
    r#"{"model":"req-model","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#;

/// Sends `request` to `path` through the proxy with `script` as the upstream's response,
/// checks that the client got the upstream bytes, and parses the captured exchange.
async fn exchange(path: &str, request: &str, script: Script) -> ParsedExchange {
    let expected: Bytes = script.chunks.concat().into();
    let mut harness = Harness::start(move |_| script.clone(), HarnessOptions::default()).await;
    let (status, _, received) = harness.post(path, request).await;
    assert!(!status.is_informational());
    assert_eq!(received, expected);
    harness.next_parsed().await
}

/// Builds an event stream with one event per `data` payload, each in its own chunk.
fn sse(payloads: &[&str]) -> Script {
    let chunks = payloads
        .iter()
        .map(|payload| Bytes::from(format!("data: {payload}\n\n")))
        .collect();
    Script::stream(chunks)
}

fn delta(content: &str) -> String {
    format!(
        r#"{{"choices":[{{"index":0,"delta":{{"content":"{content}"}},"finish_reason":null}}]}}"#
    )
}

const STOP: &str = r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;

#[tokio::test]
async fn plain_json_chat_response() {
    let body = r#"{"id":"x","model":"resp-model","choices":[{"index":0,"message":{"role":"assistant","content":"Paris."},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#;
    let request = r#"{"model":"req-model","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Capital of France?"}]}"#;
    let parsed = exchange(CHAT, request, Script::ok("application/json", body)).await;
    assert_eq!(parsed.endpoint, Endpoint::ChatCompletions);
    assert_eq!(parsed.model.as_deref(), Some("resp-model"));
    assert_eq!(parsed.prompt, "Capital of France?");
    assert_eq!(parsed.status, 200);
    assert!(!parsed.streamed);
    assert!(!parsed.logprobs_requested);
    assert_eq!(parsed.prompt_tokens, Some(9));
    assert_eq!(parsed.completion_tokens, Some(2));
    assert_eq!(parsed.choices.len(), 1);
    assert_eq!(parsed.choices[0].text, "Paris.");
    assert_eq!(parsed.choices[0].finish_reason.as_deref(), Some("stop"));
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
    assert_eq!(parsed.choices[0].token_entropy, None);
}

#[tokio::test]
async fn non_2xx_status_is_error() {
    let body = r#"{"object":"error","message":"maximum context length exceeded","type":"BadRequestError","code":400}"#;
    let mut script = Script::ok("application/json", body);
    script.status = StatusCode::BAD_REQUEST;
    let parsed = exchange(CHAT, CHAT_REQUEST, script).await;
    assert_eq!(parsed.status, 400);
    assert_eq!(parsed.model.as_deref(), Some("req-model"));
    assert_eq!(
        parsed.error.as_deref(),
        Some("maximum context length exceeded")
    );
    assert_eq!(parsed.choices.len(), 1);
    assert_eq!(parsed.choices[0].text, "");
    assert_eq!(parsed.choices[0].outcome, Outcome::Error);
}

#[tokio::test]
async fn non_json_error_body_is_error() {
    let mut script = Script::ok("text/plain", "upstream exploded");
    script.status = StatusCode::INTERNAL_SERVER_ERROR;
    let parsed = exchange(CHAT, CHAT_REQUEST, script).await;
    assert_eq!(parsed.choices[0].outcome, Outcome::Error);
    assert!(parsed.error.unwrap().contains("500"));
}

#[tokio::test]
async fn error_object_in_200_stream() {
    let parsed = exchange(
        CHAT,
        CHAT_REQUEST,
        sse(&[
            &delta("Hel"),
            r#"{"error":{"message":"engine overloaded","type":"server_error"}}"#,
        ]),
    )
    .await;
    assert_eq!(parsed.status, 200);
    assert!(parsed.streamed);
    assert_eq!(parsed.error.as_deref(), Some("engine overloaded"));
    assert_eq!(parsed.choices[0].text, "Hel");
    assert_eq!(parsed.choices[0].outcome, Outcome::Error);
}

#[tokio::test]
async fn error_event_in_stream() {
    let script = Script::stream(vec![Bytes::from_static(
        b"event: error\ndata: {\"error\":\"Input validation error\",\"error_type\":\"validation\"}\n\n",
    )]);
    let parsed = exchange(CHAT, CHAT_REQUEST, script).await;
    assert_eq!(parsed.error.as_deref(), Some("Input validation error"));
    assert_eq!(parsed.choices[0].outcome, Outcome::Error);
}

#[tokio::test]
async fn stream_without_done_or_finish_is_truncated() {
    let parsed = exchange(CHAT, CHAT_REQUEST, sse(&[&delta("Once upon")])).await;
    assert_eq!(parsed.choices[0].text, "Once upon");
    assert_eq!(parsed.choices[0].finish_reason, None);
    assert_eq!(parsed.choices[0].outcome, Outcome::Truncated);
}

#[tokio::test]
async fn stream_with_finish_but_no_done_is_complete() {
    let parsed = exchange(CHAT, CHAT_REQUEST, sse(&[&delta("Done."), STOP])).await;
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
}

#[tokio::test]
async fn empty_finish_reason_with_done_is_complete() {
    let last = r#"{"choices":[{"index":0,"delta":{},"finish_reason":""}]}"#;
    let parsed = exchange(CHAT, CHAT_REQUEST, sse(&[&delta("Hi"), last, "[DONE]"])).await;
    assert_eq!(parsed.choices[0].finish_reason, None);
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
}

#[tokio::test]
async fn null_finish_reason_in_plain_body_is_complete() {
    for reason in ["null", "\"\""] {
        let body = format!(
            r#"{{"choices":[{{"index":0,"message":{{"content":"Yes"}},"finish_reason":{reason}}}]}}"#
        );
        let parsed = exchange(CHAT, CHAT_REQUEST, Script::ok("application/json", body)).await;
        assert_eq!(
            parsed.choices[0].outcome,
            Outcome::Complete,
            "finish_reason {reason}"
        );
    }
}

#[tokio::test]
async fn empty_null_and_annotation_chunks_are_skipped() {
    let parsed = exchange(
        CHAT,
        CHAT_REQUEST,
        sse(&[
            r#"{"choices":[],"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}"#,
            r#"{"choices":null}"#,
            r#"{"id":"x"}"#,
            &delta("Fine"),
            r#"{"choices":[{"index":0,"finish_reason":null,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]}"#,
            STOP,
            r#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1}}"#,
            "[DONE]",
        ]),
    )
    .await;
    assert_eq!(parsed.choices.len(), 1);
    assert_eq!(parsed.choices[0].text, "Fine");
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
    assert_eq!(parsed.prompt_tokens, Some(5));
    assert_eq!(parsed.completion_tokens, Some(1));
}

#[tokio::test]
async fn stream_without_choices_is_empty() {
    let parsed = exchange(CHAT, CHAT_REQUEST, sse(&[r#"{"choices":[]}"#, "[DONE]"])).await;
    assert_eq!(parsed.choices.len(), 1);
    assert_eq!(parsed.choices[0].outcome, Outcome::Empty);
}

#[tokio::test]
async fn finish_reasons_decide_outcome() {
    let cases = [
        ("content_filter", Outcome::Filtered),
        ("length", Outcome::Length),
        ("stop", Outcome::Complete),
    ];
    for (reason, outcome) in cases {
        let last =
            format!(r#"{{"choices":[{{"index":0,"delta":{{}},"finish_reason":"{reason}"}}]}}"#);
        let parsed = exchange(
            CHAT,
            CHAT_REQUEST,
            sse(&[&delta("Some text"), &last, "[DONE]"]),
        )
        .await;
        assert_eq!(parsed.choices[0].outcome, outcome, "finish_reason {reason}");
    }
}

#[tokio::test]
async fn tool_calls_with_null_content_stream() {
    let parsed = exchange(
        CHAT,
        CHAT_REQUEST,
        sse(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Oslo\"}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            "[DONE]",
        ]),
    )
    .await;
    assert_eq!(parsed.choices[0].text, "");
    assert_eq!(parsed.choices[0].outcome, Outcome::ToolCall);
}

#[tokio::test]
async fn tool_calls_with_null_content_plain() {
    // Some servers end tool calls with finish_reason "stop".
    let body = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"stop"}]}"#;
    let parsed = exchange(CHAT, CHAT_REQUEST, Script::ok("application/json", body)).await;
    assert_eq!(parsed.choices[0].outcome, Outcome::ToolCall);
}

#[tokio::test]
async fn refusal_field_plain() {
    let body = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}"#;
    let parsed = exchange(CHAT, CHAT_REQUEST, Script::ok("application/json", body)).await;
    assert_eq!(parsed.choices[0].text, "");
    assert_eq!(
        parsed.choices[0].api_refusal.as_deref(),
        Some("I can't help with that.")
    );
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
}

#[tokio::test]
async fn refusal_field_streamed() {
    let parsed = exchange(
        CHAT,
        CHAT_REQUEST,
        sse(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":""}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"refusal":"I can't "}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"refusal":"help."}}]}"#,
            STOP,
            "[DONE]",
        ]),
    )
    .await;
    assert_eq!(
        parsed.choices[0].api_refusal.as_deref(),
        Some("I can't help.")
    );
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
}

#[tokio::test]
async fn empty_content_is_empty_outcome() {
    let body = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"stop"}]}"#;
    let parsed = exchange(CHAT, CHAT_REQUEST, Script::ok("application/json", body)).await;
    assert_eq!(parsed.choices[0].outcome, Outcome::Empty);
}

// Regression: servers send null logprobs, no top_logprobs, -inf as a
// string or as -9999, and fewer alternatives than requested.
#[tokio::test]
async fn chat_logprobs_give_entropy() {
    let half = 0.5f64.ln();
    let request = r#"{"stream":true,"logprobs":true,"top_logprobs":3,"messages":[{"role":"user","content":"Hi"}]}"#;
    let certain = r#"{"choices":[{"index":0,"delta":{"content":"A"},"logprobs":{"content":[{"token":"A","logprob":0.0,"top_logprobs":[{"token":"A","logprob":0.0},{"token":"B","logprob":"-inf"},{"token":"C","logprob":-9999.0}]}]}}]}"#;
    let lumped = format!(
        r#"{{"choices":[{{"index":0,"delta":{{"content":"B"}},"logprobs":{{"content":[{{"token":"B","logprob":{half},"top_logprobs":[{{"token":"B","logprob":{half}}}]}}]}}}}]}}"#
    );
    let without_top = r#"{"choices":[{"index":0,"delta":{"content":"C"},"logprobs":{"content":[{"token":"C","logprob":-0.1}]}}]}"#;
    let null_logprobs = r#"{"choices":[{"index":0,"delta":{"content":"D"},"logprobs":null}]}"#;
    let parsed = exchange(
        CHAT,
        request,
        sse(&[certain, &lumped, without_top, null_logprobs, STOP, "[DONE]"]),
    )
    .await;
    assert!(parsed.logprobs_requested);
    assert_eq!(parsed.choices[0].text, "ABCD");
    let entropy = parsed.choices[0]
        .token_entropy
        .expect("entropy from two tokens");
    assert_eq!(entropy.tokens, 2);
    assert_eq!(entropy.top_k, 3);
    // Token A is certain (0 bits); token B has p = 0.5 and 0.5 lumped outside (1 bit).
    assert!(
        (entropy.mean_bits - 0.5).abs() < 1e-9,
        "mean {}",
        entropy.mean_bits
    );
}

#[tokio::test]
async fn absent_logprobs_give_no_entropy() {
    let parsed = exchange(CHAT, CHAT_REQUEST, sse(&[&delta("Hi"), STOP, "[DONE]"])).await;
    assert!(!parsed.logprobs_requested);
    assert_eq!(parsed.choices[0].token_entropy, None);
}

#[tokio::test]
async fn completions_logprobs_and_prompt() {
    let half = 0.5f64.ln();
    let body = format!(
        r#"{{"model":"m","choices":[{{"index":0,"text":"42","finish_reason":"length","logprobs":{{"tokens":["4","2"],"token_logprobs":[{half},0.0],"top_logprobs":[{{"4":{half},"5":{half}}},null]}}}}]}}"#
    );
    let request = r#"{"model":"m","prompt":["What is 6*7?","unused"],"logprobs":2}"#;
    let parsed = exchange(COMPLETIONS, request, Script::ok("application/json", body)).await;
    assert_eq!(parsed.endpoint, Endpoint::Completions);
    assert_eq!(parsed.prompt, "What is 6*7?");
    assert!(parsed.logprobs_requested);
    assert_eq!(parsed.choices[0].text, "42");
    assert_eq!(parsed.choices[0].outcome, Outcome::Length);
    let entropy = parsed.choices[0].token_entropy.unwrap();
    assert_eq!(entropy.tokens, 1);
    assert!((entropy.mean_bits - 1.0).abs() < 1e-9);
}

#[tokio::test]
async fn completions_stream() {
    let request = r#"{"prompt":"Count:","stream":true}"#;
    let parsed = exchange(
        COMPLETIONS,
        request,
        sse(&[
            r#"{"choices":[{"index":0,"text":" one","finish_reason":null}]}"#,
            r#"{"choices":[{"index":0,"text":" two","finish_reason":"stop"}]}"#,
            "[DONE]",
        ]),
    )
    .await;
    assert_eq!(parsed.prompt, "Count:");
    assert_eq!(parsed.choices[0].text, " one two");
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
}

#[tokio::test]
async fn two_choices_in_index_order() {
    let request = r#"{"n":2,"stream":true,"messages":[{"role":"user","content":"Hi"}]}"#;
    let parsed = exchange(
        CHAT,
        request,
        sse(&[
            r#"{"choices":[{"index":1,"delta":{"content":"Second"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"First"}}]}"#,
            r#"{"choices":[{"index":1,"delta":{},"finish_reason":"length"}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            "[DONE]",
        ]),
    )
    .await;
    assert_eq!(parsed.choices.len(), 2);
    assert_eq!(parsed.choices[0].text, "First");
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
    assert_eq!(parsed.choices[1].text, "Second");
    assert_eq!(parsed.choices[1].outcome, Outcome::Length);
}

#[tokio::test]
async fn gzip_stream_is_parsed() {
    use std::io::Write;
    let stream = format!(
        "data: {}\n\ndata: {STOP}\n\ndata: [DONE]\n\n",
        delta("zipped")
    );
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(stream.as_bytes()).unwrap();
    let gzipped = encoder.finish().unwrap();
    let mut script = Script::stream(vec![
        Bytes::copy_from_slice(&gzipped[..10]),
        Bytes::copy_from_slice(&gzipped[10..]),
    ]);
    script
        .headers
        .push(("content-encoding", "gzip".to_string()));
    let parsed = exchange(CHAT, CHAT_REQUEST, script).await;
    assert_eq!(parsed.choices[0].text, "zipped");
    assert_eq!(parsed.choices[0].outcome, Outcome::Complete);
}
