//! Accumulates the choices of one response from a whole JSON body or from the chunks of
//! an event stream, and decides each choice's outcome when the response has ended.
//!
//! Chunks are read leniently. `choices` may be missing, null or empty (usage-only and
//! filter-annotation chunks), a choice may have no `delta`, and `content` may be null
//! next to `tool_calls`. Logprobs may be null, lack `top_logprobs`, or carry `-inf` as a
//! string or as a very negative number.

use std::collections::BTreeMap;

use serde_json::Value;

use super::parse::{Endpoint, ParsedChoice};
use super::sse::SseEvent;
use crate::score::{EntropyAccumulator, Outcome};

/// How the response body ended, in the terms the outcome rules need.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StreamEnd {
    /// An event stream; it is complete only with `data: [DONE]`.
    Stream { ended_cleanly: bool },
    /// One JSON body.
    Body { ended_cleanly: bool },
}

/// What has been read of one response so far.
#[derive(Debug)]
pub(crate) struct ResponseState {
    endpoint: Endpoint,
    pub(crate) model: Option<String>,
    pub(crate) prompt_tokens: Option<u32>,
    pub(crate) completion_tokens: Option<u32>,
    /// Set by an error status, an error object or an `error` event.
    pub(crate) error: Option<String>,
    /// `data: [DONE]` was seen.
    done: bool,
    choices: BTreeMap<u64, ChoiceState>,
}

#[derive(Debug, Default)]
struct ChoiceState {
    text: String,
    refusal: Option<String>,
    finish_reason: Option<String>,
    tool_calls: bool,
    entropy: EntropyAccumulator,
}

impl ResponseState {
    pub(crate) fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
            error: None,
            done: false,
            choices: BTreeMap::new(),
        }
    }

    pub(crate) fn set_error(&mut self, message: String) {
        self.error = Some(message);
    }

    /// Applies one event of a stream.
    pub(crate) fn apply_event(&mut self, event: &SseEvent) {
        let data = event.data.trim();
        if data == "[DONE]" {
            self.done = true;
            return;
        }
        let parsed = serde_json::from_str::<Value>(data);
        if event.event.as_deref() == Some("error") {
            let message = parsed
                .as_ref()
                .ok()
                .and_then(error_message)
                .unwrap_or_else(|| data.to_string());
            self.set_error(message);
            return;
        }
        // A chunk that is not JSON (a cut last chunk) adds nothing; the stream's end
        // decides whether the choices are complete.
        if let Ok(chunk) = parsed {
            self.apply_object(&chunk);
        }
    }

    /// Applies a whole response body or one chunk of a stream.
    pub(crate) fn apply_object(&mut self, object: &Value) {
        if let Some(message) = error_message(object) {
            self.set_error(message);
            return;
        }
        if let Some(model) = object.get("model").and_then(Value::as_str) {
            self.model = Some(model.to_string());
        }
        if let Some(usage) = object.get("usage").filter(|usage| usage.is_object()) {
            self.prompt_tokens = token_count(usage, "prompt_tokens").or(self.prompt_tokens);
            self.completion_tokens =
                token_count(usage, "completion_tokens").or(self.completion_tokens);
        }
        let Some(choices) = object.get("choices").and_then(Value::as_array) else {
            return;
        };
        for (position, choice) in choices.iter().enumerate() {
            let index = choice
                .get("index")
                .and_then(Value::as_u64)
                .unwrap_or(position as u64);
            let state = self.choices.entry(index).or_default();
            state.apply(self.endpoint, choice);
        }
    }

    /// Decides the outcome of each choice. Returns at least one choice, so an error or
    /// an empty response is still reported.
    pub(crate) fn finish(mut self, end: StreamEnd) -> Vec<ParsedChoice> {
        if self.choices.is_empty() {
            self.choices.insert(0, ChoiceState::default());
        }
        let cut = match end {
            StreamEnd::Stream { ended_cleanly } => !self.done || !ended_cleanly,
            StreamEnd::Body { ended_cleanly } => !ended_cleanly,
        };
        let error = self.error.is_some();
        self.choices
            .into_values()
            .map(|choice| {
                let outcome = choice.outcome(error, cut);
                ParsedChoice {
                    text: choice.text,
                    api_refusal: choice.refusal,
                    finish_reason: choice.finish_reason,
                    outcome,
                    token_entropy: choice.entropy.finish(),
                }
            })
            .collect()
    }
}

impl ChoiceState {
    fn apply(&mut self, endpoint: Endpoint, choice: &Value) {
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            if !reason.is_empty() {
                self.finish_reason = Some(reason.to_string());
            }
        }
        match endpoint {
            Endpoint::ChatCompletions => {
                let message = choice.get("delta").or_else(|| choice.get("message"));
                if let Some(message) = message {
                    self.apply_message(message);
                }
            }
            Endpoint::Completions => {
                if let Some(text) = choice.get("text").and_then(Value::as_str) {
                    self.text.push_str(text);
                }
            }
        }
        if let Some(logprobs) = choice.get("logprobs").filter(|value| value.is_object()) {
            self.apply_logprobs(endpoint, logprobs);
        }
    }

    fn apply_message(&mut self, message: &Value) {
        if let Some(content) = message.get("content").and_then(Value::as_str) {
            self.text.push_str(content);
        }
        if let Some(refusal) = message.get("refusal").and_then(Value::as_str) {
            self.refusal
                .get_or_insert_with(String::new)
                .push_str(refusal);
        }
        let tool_calls = message
            .get("tool_calls")
            .and_then(Value::as_array)
            .is_some_and(|calls| !calls.is_empty());
        let function_call = message.get("function_call").is_some_and(Value::is_object);
        if tool_calls || function_call {
            self.tool_calls = true;
        }
    }

    /// Adds one token per entry that has alternatives. Chat puts them in
    /// `content[].top_logprobs[].logprob`, completions in `top_logprobs[]` as objects
    /// from token to logprob.
    fn apply_logprobs(&mut self, endpoint: Endpoint, logprobs: &Value) {
        match endpoint {
            Endpoint::ChatCompletions => {
                let tokens = logprobs.get("content").and_then(Value::as_array);
                for token in tokens.into_iter().flatten() {
                    let alternatives = token.get("top_logprobs").and_then(Value::as_array);
                    if let Some(alternatives) = alternatives.filter(|list| !list.is_empty()) {
                        self.entropy.add_token(
                            alternatives
                                .iter()
                                .map(|alternative| logprob_value(alternative.get("logprob"))),
                        );
                    }
                }
            }
            Endpoint::Completions => {
                let tokens = logprobs.get("top_logprobs").and_then(Value::as_array);
                for token in tokens.into_iter().flatten() {
                    if let Some(alternatives) = token.as_object().filter(|map| !map.is_empty()) {
                        self.entropy.add_token(
                            alternatives
                                .values()
                                .map(|value| logprob_value(Some(value))),
                        );
                    }
                }
            }
        }
    }

    /// Decides the outcome by these rules, in order: an error, a cut stream without a finish reason, the
    /// finish reason, tool calls without text, no text at all, else complete.
    fn outcome(&self, error: bool, cut: bool) -> Outcome {
        if error {
            return Outcome::Error;
        }
        if cut && self.finish_reason.is_none() {
            return Outcome::Truncated;
        }
        let has_text = !self.text.trim().is_empty();
        match self.finish_reason.as_deref() {
            Some("content_filter") => return Outcome::Filtered,
            Some("length") => return Outcome::Length,
            Some("tool_calls" | "function_call") if !has_text => return Outcome::ToolCall,
            _ => {}
        }
        if self.tool_calls && !has_text {
            return Outcome::ToolCall;
        }
        let has_refusal = self
            .refusal
            .as_deref()
            .is_some_and(|refusal| !refusal.trim().is_empty());
        if !has_text && !has_refusal {
            return Outcome::Empty;
        }
        Outcome::Complete
    }
}

/// Extracts the message of an error object: `{"error": {...}}`, `{"error": "..."}` (TGI) or
/// `{"object": "error", "message": "..."}` (vLLM).
fn error_message(object: &Value) -> Option<String> {
    match object.get("error") {
        Some(Value::Object(error)) => {
            let message = error.get("message").and_then(Value::as_str);
            return Some(
                message
                    .unwrap_or("error object without a message")
                    .to_string(),
            );
        }
        Some(Value::String(message)) => return Some(message.clone()),
        _ => {}
    }
    if object.get("object").and_then(Value::as_str) == Some("error") {
        let message = object.get("message").and_then(Value::as_str);
        return Some(
            message
                .unwrap_or("error object without a message")
                .to_string(),
        );
    }
    None
}

fn token_count(usage: &Value, key: &str) -> Option<u32> {
    usage
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|count| u32::try_from(count).ok())
}

/// Reads a logprob in any form JSON can carry it: a number, or a string such as "-inf" or "-Infinity"
/// (JSON has no literal for infinity). Anything else is NaN, which carries no mass.
fn logprob_value(value: Option<&Value>) -> f64 {
    match value {
        Some(Value::Number(number)) => number.as_f64().unwrap_or(f64::NAN),
        Some(Value::String(text)) => text.trim().parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}
