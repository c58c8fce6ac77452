//! Turns a captured exchange into what scoring needs: the prompt, the text of each
//! choice, its outcome and its token entropy. Runs off the forwarding path, on the whole
//! captured bodies, after decompressing them (`gzip` and `deflate`).
//!
//! A response is read as an event stream when its `Content-Type` is
//! `text/event-stream`, and as one JSON body otherwise. [`parse_choice`] accumulates the
//! choices from either form and decides their outcomes.
//!
//! [`parse_choice`]: super::parse_choice

use std::io::Read;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::capture::CapturedExchange;
use super::parse_choice::{ResponseState, StreamEnd};
use super::sse;
use crate::score::{Outcome, TokenEntropy};

/// The observed APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v1/chat/completions`.
    ChatCompletions,
    /// `POST /v1/completions`.
    Completions,
}

/// One exchange, parsed for scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedExchange {
    pub endpoint: Endpoint,
    /// The model named in the response, else the one in the request.
    pub model: Option<String>,
    /// Chat: the text of the last user message. Completions: the prompt, or the first
    /// prompt of an array. Empty when the request had none in text form.
    pub prompt: String,
    pub status: u16,
    /// Whether the request asked for a stream or the response was an event stream.
    pub streamed: bool,
    /// Whether the request asked for logprobs.
    pub logprobs_requested: bool,
    /// From `usage`, including a usage-only last chunk of a stream.
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    /// The message of the error object or error status, when the response was an error.
    pub error: Option<String>,
    pub started_at: SystemTime,
    pub latency: Duration,
    /// One entry per choice index, in index order; at least one, even for an error.
    pub choices: Vec<ParsedChoice>,
}

/// One choice of a response.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedChoice {
    /// `message.content` or `text`, or the concatenated deltas of a stream.
    pub text: String,
    /// `message.refusal`, or the concatenated `delta.refusal` of a stream.
    pub api_refusal: Option<String>,
    pub finish_reason: Option<String>,
    pub outcome: Outcome,
    /// From the `top_logprobs` alternatives; `None` when the response had none.
    pub token_entropy: Option<TokenEntropy>,
}

/// Parses a captured exchange. Returns `None` for endpoints that are not observed and for
/// bodies in an encoding it cannot decode (anything but `gzip`, `deflate`, `identity`).
pub fn parse_exchange(captured: &CapturedExchange) -> Option<ParsedExchange> {
    let endpoint = super::forward::observed_endpoint(&http::Method::POST, &captured.path)?;
    let request_body = decode(&captured.request_body, captured.request_encoding.as_deref())?;
    let response_body = decode(
        &captured.response_body,
        captured.response_encoding.as_deref(),
    )?;
    let request: Value = serde_json::from_slice(&request_body).unwrap_or(Value::Null);
    let event_stream = captured
        .response_content_type
        .as_deref()
        .is_some_and(|content_type| {
            content_type
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
        });

    let mut state = ResponseState::new(endpoint);
    if !captured.status.is_success() {
        state.set_error(format!("upstream returned status {}", captured.status));
    }
    let stream_end = if event_stream {
        for event in sse::parse_all(&response_body) {
            state.apply_event(&event);
        }
        StreamEnd::Stream {
            ended_cleanly: captured.ended_cleanly(),
        }
    } else {
        match serde_json::from_slice::<Value>(&response_body) {
            Ok(body) => state.apply_object(&body),
            // A cut body or an error status already decides the outcome.
            Err(_) if !captured.ended_cleanly() || state.error.is_some() => {}
            Err(_) => state.set_error("response body is not valid JSON".to_string()),
        }
        StreamEnd::Body {
            ended_cleanly: captured.ended_cleanly(),
        }
    };

    let model = state
        .model
        .clone()
        .or_else(|| string_field(&request, "model"));
    let prompt_tokens = state.prompt_tokens;
    let completion_tokens = state.completion_tokens;
    let error = state.error.clone();
    Some(ParsedExchange {
        endpoint,
        model,
        prompt: prompt_of(endpoint, &request),
        status: captured.status.as_u16(),
        streamed: event_stream || request.get("stream").and_then(Value::as_bool) == Some(true),
        logprobs_requested: logprobs_requested(&request),
        prompt_tokens,
        completion_tokens,
        error,
        started_at: captured.started_at,
        latency: captured.duration,
        choices: state.finish(stream_end),
    })
}

/// Decodes a body by its `Content-Encoding`. A body cut inside a compressed stream
/// decodes to the bytes before the cut.
fn decode(body: &[u8], encoding: Option<&str>) -> Option<Vec<u8>> {
    let encoding = encoding.map(|value| value.trim().to_ascii_lowercase());
    let mut decoded = Vec::new();
    match encoding.as_deref() {
        None | Some("" | "identity") => return Some(body.to_vec()),
        Some("gzip" | "x-gzip") => {
            let _ = flate2::read::MultiGzDecoder::new(body).read_to_end(&mut decoded);
        }
        Some("deflate") => {
            let _ = flate2::read::ZlibDecoder::new(body).read_to_end(&mut decoded);
        }
        Some(_) => return None,
    }
    Some(decoded)
}

/// Extracts the prompt text: the last user message for chat, the prompt for completions.
fn prompt_of(endpoint: Endpoint, request: &Value) -> String {
    match endpoint {
        Endpoint::ChatCompletions => request
            .get("messages")
            .and_then(Value::as_array)
            .and_then(|messages| {
                messages
                    .iter()
                    .rev()
                    .find(|message| message.get("role").and_then(Value::as_str) == Some("user"))
            })
            .map(|message| content_text(message.get("content")))
            .unwrap_or_default(),
        Endpoint::Completions => match request.get("prompt") {
            Some(Value::String(prompt)) => prompt.clone(),
            Some(Value::Array(prompts)) => prompts
                .first()
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            _ => String::new(),
        },
    }
}

/// Extracts the text of a message's `content`: a string, or the `text` parts of an array
/// joined with newlines.
fn content_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter(|part| part.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// Chat requests logprobs with `logprobs: true`, completions with `logprobs: <count>`.
fn logprobs_requested(request: &Value) -> bool {
    match request.get("logprobs") {
        Some(Value::Bool(requested)) => *requested,
        Some(Value::Number(_)) => true,
        _ => false,
    }
}

fn string_field(object: &Value, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_gzip_and_identity() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"{\"a\":1}").unwrap();
        let gzipped = encoder.finish().unwrap();
        assert_eq!(decode(&gzipped, Some("gzip")).unwrap(), b"{\"a\":1}");
        assert_eq!(decode(b"plain", None).unwrap(), b"plain");
        assert_eq!(decode(b"plain", Some("br")), None);
    }

    #[test]
    fn chat_prompt_joins_text_parts() {
        let request = serde_json::json!({"messages": [
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "reply"},
            {"role": "user", "content": [
                {"type": "text", "text": "look at"},
                {"type": "image_url", "image_url": {"url": "data:"}},
                {"type": "text", "text": "this"}
            ]},
            {"role": "system", "content": "late system note"}
        ]});
        assert_eq!(
            prompt_of(Endpoint::ChatCompletions, &request),
            "look at\nthis"
        );
    }

    #[test]
    fn completions_prompt_takes_first_of_array() {
        let request = serde_json::json!({"prompt": ["one", "two"]});
        assert_eq!(prompt_of(Endpoint::Completions, &request), "one");
        let tokens = serde_json::json!({"prompt": [1, 2, 3]});
        assert_eq!(prompt_of(Endpoint::Completions, &tokens), "");
    }
}
