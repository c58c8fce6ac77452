//! Reading recorded interactions from files: JSONL (one JSON object per line) and CSV
//! with a header row. Both yield [`Record`]s; a record that cannot be used becomes a
//! [`RecordError`] naming its file and line, and reading goes on with the next one.
//!
//! Recognised fields: `prompt` and `response` (required; `completion` is taken for
//! `response`), and the optional `id`, `category`, `expect`, `label`, `answer`,
//! `refusal` (the API's own refusal message) and `finish_reason`. Unknown fields are
//! ignored.

mod csv;
mod jsonl;

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Largest record accepted by default, in bytes: one JSONL line or one CSV row.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;

/// The behaviour a response to its prompt should show, as declared by the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expect {
    /// A benign prompt that should be answered.
    Comply,
    /// A harmful prompt that should be declined.
    Refuse,
    /// A prompt with one correct answer, given in the record's `answer` field.
    Answer,
}

impl Expect {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "comply" => Some(Self::Comply),
            "refuse" => Some(Self::Refuse),
            "answer" => Some(Self::Answer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Comply => "comply",
            Self::Refuse => "refuse",
            Self::Answer => "answer",
        }
    }
}

/// One recorded interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Line of the file where the record starts, counting from 1.
    pub line: u64,
    pub id: Option<String>,
    pub prompt: String,
    pub response: String,
    pub category: Option<String>,
    pub expect: Option<Expect>,
    /// A human or dataset refusal label (`none`, `partial` or `full`), kept as written.
    pub label: Option<String>,
    /// The correct answer, for records with `expect` = `answer`.
    pub answer: Option<String>,
    /// The API's own refusal message (`message.refusal`), when the log kept it.
    pub api_refusal: Option<String>,
    /// The API's `finish_reason`, when the log kept it.
    pub finish_reason: Option<String>,
}

impl Record {
    /// The record as the scorer sees it.
    pub fn exchange(&self) -> crate::score::Exchange<'_> {
        crate::score::Exchange {
            prompt: Some(&self.prompt),
            response: &self.response,
            api_refusal: self.api_refusal.as_deref(),
            finish_reason: self.finish_reason.as_deref(),
            token_entropy: None,
            transport_outcome: None,
        }
    }
}

/// Why a record was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("invalid CSV: {0}")]
    InvalidCsv(String),
    #[error("not valid UTF-8")]
    InvalidUtf8,
    #[error("record is {size} bytes, over the limit of {limit} bytes (raise --max-record-bytes)")]
    TooLarge { size: usize, limit: usize },
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    #[error("field `{field}` must be {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    #[error("invalid `expect` value {0:?}: use `comply`, `refuse` or `answer`")]
    InvalidExpect(String),
    #[error("invalid JSON: each line must be one JSON object, such as {{\"prompt\": \"…\", \"response\": \"…\"}}")]
    NotAnObject,
    #[error("CSV header has no `{missing}` column (found: {found}); {fix}")]
    MissingColumn {
        missing: &'static str,
        found: String,
        fix: &'static str,
    },
    #[error("file is empty: a CSV file starts with a header row naming at least the `prompt` and `response` columns")]
    EmptyCsv,
    #[error("the quoted field that opens on line {opened} is never closed, so the rest of the file reads as one field: close it with `\"` and write quotes inside it as `\"\"`")]
    UnclosedQuote { opened: u64 },
    #[error(
        "row has {found} fields but the header names {expected}: quote fields that contain a comma"
    )]
    ExtraFields { found: usize, expected: usize },
}

impl RecordProblem {
    /// Reports whether the problem makes the whole file, or the rest of it, unusable
    /// rather than one record: a CSV header without a required column, an empty CSV
    /// file, or a quote left open to the end of the file.
    pub fn spoils_file(&self) -> bool {
        matches!(
            self,
            Self::MissingColumn { .. } | Self::EmptyCsv | Self::UnclosedQuote { .. }
        )
    }
}

/// A record that was skipped, with where it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {problem}")]
pub struct RecordError {
    pub path: DisplayPath,
    pub line: u64,
    pub problem: RecordProblem,
}

/// A file path that prints as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayPath(pub PathBuf);

impl fmt::Display for DisplayPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.display().fmt(f)
    }
}

/// The file formats that [`RecordReader`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

impl Format {
    /// Picks the format from the file name: `.csv` is CSV, anything else JSONL.
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|ext| ext.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("csv") => Self::Csv,
            _ => Self::Jsonl,
        }
    }
}

/// Iterates over the records of one file.
pub struct RecordReader {
    inner: Inner,
}

enum Inner {
    Jsonl(jsonl::JsonlRecords<BufReader<File>>),
    Csv(Box<csv::CsvRecords<File>>),
}

impl RecordReader {
    /// Opens `path`, choosing the format from its extension.
    pub fn open(path: &Path, max_record_bytes: usize) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let display = DisplayPath(path.to_path_buf());
        let inner = match Format::from_path(path) {
            Format::Jsonl => Inner::Jsonl(jsonl::JsonlRecords::new(
                BufReader::with_capacity(64 * 1024, file),
                display,
                max_record_bytes,
            )),
            Format::Csv => Inner::Csv(Box::new(csv::CsvRecords::new(
                file,
                display,
                max_record_bytes,
            ))),
        };
        Ok(Self { inner })
    }
}

impl Iterator for RecordReader {
    /// An I/O error ends the file; a [`RecordError`] skips one record.
    type Item = std::io::Result<Result<Record, RecordError>>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Jsonl(records) => records.next(),
            Inner::Csv(records) => records.next(),
        }
    }
}

/// Fields of a record before validation, shared by both formats.
#[derive(Debug, Default)]
struct RawRecord {
    id: Option<String>,
    prompt: Option<String>,
    response: Option<String>,
    category: Option<String>,
    expect: Option<String>,
    label: Option<String>,
    answer: Option<String>,
    api_refusal: Option<String>,
    finish_reason: Option<String>,
}

impl RawRecord {
    fn validate(self, line: u64) -> Result<Record, RecordProblem> {
        let prompt = self.prompt.ok_or(RecordProblem::MissingField("prompt"))?;
        let response = self
            .response
            .ok_or(RecordProblem::MissingField("response"))?;
        let expect = match self.expect.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(value) => Some(
                Expect::parse(value).ok_or_else(|| RecordProblem::InvalidExpect(value.into()))?,
            ),
        };
        Ok(Record {
            line,
            id: self.id.filter(|id| !id.is_empty()),
            prompt,
            response,
            category: self.category.filter(|category| !category.is_empty()),
            expect,
            label: self.label.filter(|label| !label.is_empty()),
            answer: self.answer.filter(|answer| !answer.is_empty()),
            api_refusal: self.api_refusal.filter(|refusal| !refusal.is_empty()),
            finish_reason: self.finish_reason.filter(|reason| !reason.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests;
