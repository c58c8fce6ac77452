//! Turning one log line into an exchange: the configured JSON pointers pick the prompt,
//! the response and, optionally, the model name.

use serde_json::Value;

/// Locations of the fields of a log line.
#[derive(Debug, Clone)]
pub struct Pointers {
    pub prompt: String,
    pub response: String,
    pub model: Option<String>,
}

/// The fields of one log line.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    pub prompt: String,
    pub response: String,
    pub model: Option<String>,
}

/// The reason a line was skipped, as a bounded metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    InvalidJson,
    NoResponse,
    TooLong,
    OtherModel,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::NoResponse => "no_response",
            Self::TooLong => "too_long",
            Self::OtherModel => "other_model",
        }
    }
}

/// Extracts the fields of `line`. A prompt that is a list of chat messages becomes the
/// text of its last user message; a missing prompt is empty.
pub fn parse_line(line: &[u8], pointers: &Pointers) -> Result<LogRecord, SkipReason> {
    let value: Value = serde_json::from_slice(line).map_err(|_| SkipReason::InvalidJson)?;
    let response = match value.pointer(&pointers.response) {
        Some(Value::String(text)) => text.clone(),
        _ => return Err(SkipReason::NoResponse),
    };
    let prompt = value
        .pointer(&pointers.prompt)
        .map(prompt_text)
        .unwrap_or_default();
    let model = pointers
        .model
        .as_deref()
        .and_then(|pointer| value.pointer(pointer))
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(LogRecord {
        prompt,
        response,
        model,
    })
}

fn prompt_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(messages) => messages
            .iter()
            .rev()
            .find(|message| message.get("role").and_then(Value::as_str) == Some("user"))
            .and_then(|message| message.get("content"))
            .map(content_text)
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

/// Text of a chat message's content: a string, or the text parts of a list.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointers() -> Pointers {
        Pointers {
            prompt: "/request/messages".into(),
            response: "/response/choices/0/message/content".into(),
            model: Some("/response/model".into()),
        }
    }

    #[test]
    fn chat_log_line_is_parsed() {
        let line = br#"{"request": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Name a color."}]}]}, "response": {"model": "m1", "choices": [{"message": {"content": "Teal."}}]}}"#;
        let record = parse_line(line, &pointers()).unwrap();
        assert_eq!(record.prompt, "Name a color.");
        assert_eq!(record.response, "Teal.");
        assert_eq!(record.model.as_deref(), Some("m1"));
    }

    #[test]
    fn bad_lines_give_reasons() {
        assert_eq!(
            parse_line(b"{oops", &pointers()),
            Err(SkipReason::InvalidJson)
        );
        assert_eq!(
            parse_line(br#"{"response": {}}"#, &pointers()),
            Err(SkipReason::NoResponse)
        );
    }
}
