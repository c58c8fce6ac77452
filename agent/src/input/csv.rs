//! The CSV reader: a header row naming the columns, then one record per row. Rows are
//! read as bytes so that invalid UTF-8 in one row is reported for that row only.

use std::io::{self, Read};

use super::{DisplayPath, RawRecord, Record, RecordError, RecordProblem};

/// Positions of the recognised columns in the header row.
struct Columns {
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
    reader: csv::Reader<R>,
    path: DisplayPath,
    max_record_bytes: usize,
    /// `None` until the header is read; `Some(Err)` when the header is unusable.
    columns: Option<Result<Columns, ()>>,
    row: csv::ByteRecord,
}

impl<R: Read> CsvRecords<R> {
    pub(super) fn new(reader: R, path: DisplayPath, max_record_bytes: usize) -> Self {
        let reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(reader);
        Self {
            reader,
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
        let find = |name: &str| {
            header
                .iter()
                .position(|column| column.trim_ascii().eq_ignore_ascii_case(name.as_bytes()))
        };
        Ok(Columns {
            id: find("id"),
            prompt: find("prompt").ok_or(RecordProblem::MissingColumn("prompt"))?,
            response: find("response")
                .or_else(|| find("completion"))
                .ok_or(RecordProblem::MissingColumn("response"))?,
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
                let line = error.position().map_or(start.line(), csv::Position::line);
                return Some(Ok(Err(
                    self.error(line, RecordProblem::InvalidCsv(error.to_string()))
                )));
            }
        }
        let line = self
            .row
            .position()
            .map_or(start.line(), csv::Position::line);
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
                response: field(Some(columns.response))?.filter(|text| !text.is_empty()),
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
