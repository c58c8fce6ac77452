//! The JSONL reader: one JSON object per line, blank lines ignored. Lines are framed at
//! the byte level so that a line over the size limit is skipped without being held in
//! memory, and invalid UTF-8 is reported for its own line only.

use std::io::{self, BufRead};

use serde::Deserialize;
use serde_json::Value;

use super::{DisplayPath, RawRecord, Record, RecordError, RecordProblem};

pub(super) struct JsonlRecords<R> {
    reader: R,
    path: DisplayPath,
    max_record_bytes: usize,
    line: u64,
    buffer: Vec<u8>,
}

impl<R: BufRead> JsonlRecords<R> {
    pub(super) fn new(reader: R, path: DisplayPath, max_record_bytes: usize) -> Self {
        Self {
            reader,
            path,
            max_record_bytes,
            line: 0,
            buffer: Vec::new(),
        }
    }

    /// Reads the next line into `self.buffer` without its line ending. Returns the
    /// line's full length, which exceeds the buffer's when the line was over the limit,
    /// or `None` at the end of the input.
    fn read_line(&mut self) -> io::Result<Option<usize>> {
        self.buffer.clear();
        let mut length = 0usize;
        let mut saw_any = false;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                break;
            }
            saw_any = true;
            let (chunk, found_newline) = match memchr::memchr(b'\n', available) {
                Some(end) => (&available[..end], true),
                None => (available, false),
            };
            length += chunk.len();
            if self.buffer.len() + chunk.len() <= self.max_record_bytes {
                self.buffer.extend_from_slice(chunk);
            }
            let consumed = chunk.len() + usize::from(found_newline);
            self.reader.consume(consumed);
            if found_newline {
                break;
            }
        }
        if !saw_any {
            return Ok(None);
        }
        if self.buffer.last() == Some(&b'\r') && length <= self.max_record_bytes {
            self.buffer.pop();
            length -= 1;
        }
        Ok(Some(length))
    }

    fn parse(&self) -> Result<Record, RecordProblem> {
        let mut bytes = self.buffer.as_slice();
        if self.line == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| RecordProblem::InvalidUtf8)?;
        let first = text.trim_start().chars().next();
        if first.is_some_and(|first| first != '{') {
            return Err(RecordProblem::NotAnObject);
        }
        let object: JsonObject = serde_json::from_str(text)
            .map_err(|error| RecordProblem::InvalidJson(error.to_string()))?;
        object.into_raw()?.validate(self.line)
    }
}

impl<R: BufRead> Iterator for JsonlRecords<R> {
    type Item = io::Result<Result<Record, RecordError>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let length = match self.read_line() {
                Ok(Some(length)) => length,
                Ok(None) => return None,
                Err(error) => return Some(Err(error)),
            };
            self.line += 1;
            if length > self.max_record_bytes {
                return Some(Ok(Err(self.error(RecordProblem::TooLarge {
                    size: length,
                    limit: self.max_record_bytes,
                }))));
            }
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(Ok(self.parse().map_err(|problem| self.error(problem))));
        }
    }
}

impl<R> JsonlRecords<R> {
    fn error(&self, problem: RecordProblem) -> RecordError {
        RecordError {
            path: self.path.clone(),
            line: self.line,
            problem,
        }
    }
}

/// The fields we read from one JSON object; others are ignored.
#[derive(Deserialize)]
struct JsonObject {
    id: Option<Value>,
    prompt: Option<Value>,
    response: Option<Value>,
    completion: Option<Value>,
    category: Option<Value>,
    expect: Option<Value>,
    label: Option<Value>,
    answer: Option<Value>,
    refusal: Option<Value>,
    finish_reason: Option<Value>,
}

impl JsonObject {
    fn into_raw(self) -> Result<RawRecord, RecordProblem> {
        Ok(RawRecord {
            id: scalar(self.id, "id")?,
            prompt: text(self.prompt, "prompt")?,
            response: text(self.response.or(self.completion), "response")?,
            category: text(self.category, "category")?,
            expect: text(self.expect, "expect")?,
            label: text(self.label, "label")?,
            answer: scalar(self.answer, "answer")?,
            api_refusal: text(self.refusal, "refusal")?,
            finish_reason: text(self.finish_reason, "finish_reason")?,
        })
    }
}

/// A string field; JSON `null` counts as absent.
fn text(value: Option<Value>, field: &'static str) -> Result<Option<String>, RecordProblem> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(RecordProblem::WrongType {
            field,
            expected: "a string",
        }),
    }
}

/// A string or number field, kept as text.
fn scalar(value: Option<Value>, field: &'static str) -> Result<Option<String>, RecordProblem> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(_) => Err(RecordProblem::WrongType {
            field,
            expected: "a string or a number",
        }),
    }
}
