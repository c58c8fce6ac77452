//! The CSV reader: a header row naming the columns, then one record per row. Rows are
//! read as bytes so that invalid UTF-8 in one row is reported for that row only.
//!
//! The csv crate reports a record's start at the line terminator or blank lines before
//! it, so [`LineTracker`] keeps the offsets of the line-end bytes it has passed, and the
//! line number of a record is computed from its first byte that is not a line end.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// Offsets of `\r` and `\n` bytes read but not yet behind the current record, and how
/// many `\n` bytes came before them.
#[derive(Default)]
struct LineEnds {
    /// Offsets of line-end bytes, in order, each with whether it is `\n`.
    pending: VecDeque<(u64, bool)>,
    newlines_before: u64,
    read: u64,
    /// Quoting state of the bytes read so far, so that a quote left open at the end of
    /// the file can be reported where it opened.
    quoting: Quoting,
    newlines_read: u64,
    /// Offset and line of the quote that opened the current quoted field.
    open_quote: (u64, u64),
    at_end: bool,
}

/// Position of the byte stream relative to CSV quoting, with `,` as the delimiter.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    #[default]
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field. The next byte decides whether it was escaped (`""`).
    QuoteInQuoted,
}

impl LineEnds {
    fn track_quotes(&mut self, offset: u64, byte: u8) {
        let ends_field = matches!(byte, b',' | b'\n' | b'\r');
        self.quoting = match (self.quoting, byte) {
            (Quoting::FieldStart, b'"') => {
                self.open_quote = (offset, self.newlines_read + 1);
                Quoting::Quoted
            }
            (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
            (Quoting::Quoted, _) => Quoting::Quoted,
            (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
            (_, _) if ends_field => Quoting::FieldStart,
            (_, _) => Quoting::Unquoted,
        };
        self.newlines_read += u64::from(byte == b'\n');
    }

    /// Returns the offset and line of a quote that is still open at the end of the file.
    fn unclosed_quote(&self) -> Option<(u64, u64)> {
        (self.at_end && self.quoting == Quoting::Quoted).then_some(self.open_quote)
    }
}

/// A reader that records where line ends are, for line numbers.
struct LineTracker<R> {
    inner: R,
    ends: Arc<Mutex<LineEnds>>,
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        let mut ends = self.ends.lock().expect("line tracker lock");
        let base = ends.read;
        for (index, &byte) in buffer[..count].iter().enumerate() {
            let offset = base + index as u64;
            if byte == b'\n' || byte == b'\r' {
                ends.pending.push_back((offset, byte == b'\n'));
            }
            ends.track_quotes(offset, byte);
        }
        ends.read += count as u64;
        ends.at_end |= count == 0 && !buffer.is_empty();
        Ok(count)
    }
}

impl LineEnds {
    /// The 1-based line of a record whose reported start is byte `start`.
    fn line_of(&mut self, start: u64) -> u64 {
        while let Some(&(offset, is_newline)) = self.pending.front() {
            if offset >= start {
                break;
            }
            self.newlines_before += u64::from(is_newline);
            self.pending.pop_front();
        }
        // Skip the terminator and blank lines that the reported start points at.
        let mut first = start;
        while let Some(&(offset, is_newline)) = self.pending.front() {
            if offset != first {
                break;
            }
            self.newlines_before += u64::from(is_newline);
            self.pending.pop_front();
            first += 1;
        }
        self.newlines_before + 1
    }
}

use super::{DisplayPath, RawRecord, Record, RecordError, RecordProblem};

/// Positions of the recognised columns in the header row.
struct Columns {
    /// Number of columns the header names.
    fields: usize,
    id: Option<usize>,
    prompt: usize,
    response: usize,
    category: Option<usize>,
    expect: Option<usize>,
    label: Option<usize>,
    answer: Option<usize>,
    refusal: Option<usize>,
    finish_reason: Option<usize>,
}

pub(super) struct CsvRecords<R> {
    reader: csv::Reader<LineTracker<R>>,
    line_ends: Arc<Mutex<LineEnds>>,
    path: DisplayPath,
    max_record_bytes: usize,
    /// `None` until the header is read; `Some(Err)` when the header is unusable.
    columns: Option<Result<Columns, ()>>,
    row: csv::ByteRecord,
}

impl<R: Read> CsvRecords<R> {
    pub(super) fn new(reader: R, path: DisplayPath, max_record_bytes: usize) -> Self {
        let line_ends = Arc::new(Mutex::new(LineEnds::default()));
        let reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(LineTracker {
                inner: reader,
                ends: line_ends.clone(),
            });
        Self {
            reader,
            line_ends,
            path,
            max_record_bytes,
            columns: None,
            row: csv::ByteRecord::new(),
        }
    }

    fn read_header(&mut self) -> Result<Columns, RecordProblem> {
        let header = self
            .reader
            .byte_headers()
            .map_err(|error| RecordProblem::InvalidCsv(error.to_string()))?;
        if header.is_empty() || (header.len() == 1 && header[0].trim_ascii().is_empty()) {
            return Err(RecordProblem::EmptyCsv);
        }
        let find = |name: &str| {
            header
                .iter()
                .position(|column| column.trim_ascii().eq_ignore_ascii_case(name.as_bytes()))
        };
        let missing = |name: &'static str, fix: &'static str| RecordProblem::MissingColumn {
            missing: name,
            found: header
                .iter()
                .map(|column| String::from_utf8_lossy(column.trim_ascii()).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
            fix,
        };
        Ok(Columns {
            fields: header.len(),
            id: find("id"),
            prompt: find("prompt")
                .ok_or_else(|| missing("prompt", "name the column of user messages `prompt`"))?,
            response: find("response")
                .or_else(|| find("completion"))
                .ok_or_else(|| {
                    missing(
                        "response",
                        "name the column of model replies `response` or `completion`",
                    )
                })?,
            category: find("category"),
            expect: find("expect"),
            label: find("label"),
            answer: find("answer"),
            refusal: find("refusal"),
            finish_reason: find("finish_reason"),
        })
    }

    fn error(&self, line: u64, problem: RecordProblem) -> RecordError {
        RecordError {
            path: self.path.clone(),
            line,
            problem,
        }
    }
}

impl<R: Read> Iterator for CsvRecords<R> {
    type Item = io::Result<Result<Record, RecordError>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.columns.is_none() {
            match self.read_header() {
                Ok(columns) => self.columns = Some(Ok(columns)),
                Err(problem) => {
                    // The whole file is unusable: report it once, at the header line.
                    self.columns = Some(Err(()));
                    return Some(Ok(Err(self.error(1, problem))));
                }
            }
        }
        let Some(Ok(columns)) = &self.columns else {
            return None;
        };

        let start = self.reader.position().clone();
        match self.reader.read_byte_record(&mut self.row) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(error) => {
                if let csv::ErrorKind::Io(_) = error.kind() {
                    return Some(Err(error.into()));
                }
                let line = self
                    .line_ends
                    .lock()
                    .expect("line tracker lock")
                    .line_of(start.byte());
                return Some(Ok(Err(
                    self.error(line, RecordProblem::InvalidCsv(error.to_string()))
                )));
            }
        }
        let start_byte = self
            .row
            .position()
            .map_or(start.byte(), csv::Position::byte);
        let (line, unclosed) = {
            let mut ends = self.line_ends.lock().expect("line tracker lock");
            (ends.line_of(start_byte), ends.unclosed_quote())
        };
        if let Some((offset, opened)) = unclosed {
            if start_byte <= offset && self.reader.position().byte() > offset {
                return Some(Ok(Err(
                    self.error(line, RecordProblem::UnclosedQuote { opened })
                )));
            }
        }
        if self.row.len() > columns.fields {
            let problem = RecordProblem::ExtraFields {
                found: self.row.len(),
                expected: columns.fields,
            };
            return Some(Ok(Err(self.error(line, problem))));
        }
        let size = self.row.as_slice().len();
        if size > self.max_record_bytes {
            let problem = RecordProblem::TooLarge {
                size,
                limit: self.max_record_bytes,
            };
            return Some(Ok(Err(self.error(line, problem))));
        }

        let field = |index: Option<usize>| -> Result<Option<String>, RecordProblem> {
            match index.and_then(|index| self.row.get(index)) {
                None => Ok(None),
                Some(bytes) => String::from_utf8(bytes.to_vec())
                    .map(Some)
                    .map_err(|_| RecordProblem::InvalidUtf8),
            }
        };
        let raw = (|| {
            Ok(RawRecord {
                id: field(columns.id)?,
                prompt: field(Some(columns.prompt))?,
                response: field(Some(columns.response))?,
                category: field(columns.category)?,
                expect: field(columns.expect)?,
                label: field(columns.label)?,
                answer: field(columns.answer)?,
                api_refusal: field(columns.refusal)?,
                finish_reason: field(columns.finish_reason)?,
            })
        })();
        let record = raw.and_then(|raw: RawRecord| raw.validate(line));
        Some(Ok(record.map_err(|problem| self.error(line, problem))))
    }
}
