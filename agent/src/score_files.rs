//! The `score` command: scores recorded interactions without a collector and prints one
//! line per record, or, with `evaluate`, the agreement of the refusal verdicts with the
//! records' `label` fields per file.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::evaluate::{parse_label, Agreement, ConfusionMap};
use crate::input::{Expect, Record, RecordReader};
use crate::score::answer;
use crate::score::{Scorer, Scores};

/// How `score` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON object per line.
    Jsonl,
    /// Aligned columns for reading in a terminal.
    Table,
}

/// Settings of one `score` run.
#[derive(Debug, Clone)]
pub struct ScoreConfig {
    pub files: Vec<PathBuf>,
    pub format: OutputFormat,
    /// Print agreement with the records' labels instead of one line per record.
    pub evaluate: bool,
    /// Largest record accepted, in bytes.
    pub max_record_bytes: usize,
}

/// Formats the error line for a file that could not be opened, or whose records show that
/// the rest of it cannot be read (see [`crate::input::RecordProblem::spoils_file`]).
fn file_error(path: &Path, error: &io::Error) -> String {
    if error.kind() == io::ErrorKind::InvalidData {
        format!("error: {error}")
    } else {
        format!("error: cannot open {}: {error}", path.display())
    }
}

/// Counts over all files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScoreReport {
    pub read: u64,
    pub skipped: u64,
    pub unreadable_files: u64,
}

/// The evaluation of one file.
#[derive(Debug, Clone, Default)]
pub struct FileEvaluation {
    pub path: PathBuf,
    pub agreement: Agreement,
    /// Labelled records whose response got no refusal verdict (no text to score).
    pub unscored: u64,
    /// Records whose `label` is not `none`, `partial` or `full`.
    pub invalid_labels: u64,
    /// Records skipped as invalid (bad JSON or CSV, missing fields, too large).
    pub skipped: u64,
}

/// Reads and scores every record of `path`, adding each labelled one to an evaluation.
/// Invalid records are passed to `on_invalid` and skipped. A file that cannot be read at
/// all, including a CSV file without a usable header, is an error.
pub fn evaluate_file(
    path: &Path,
    max_record_bytes: usize,
    mut on_invalid: impl FnMut(&str),
) -> io::Result<FileEvaluation> {
    let mut evaluation = FileEvaluation {
        path: path.to_path_buf(),
        ..FileEvaluation::default()
    };
    let mut scorer = Scorer::new();
    for item in RecordReader::open(path, max_record_bytes)? {
        let record = match item? {
            Ok(record) => record,
            Err(invalid) if invalid.problem.spoils_file() => {
                return Err(io::Error::new(io::ErrorKind::InvalidData, invalid));
            }
            Err(invalid) => {
                evaluation.skipped += 1;
                on_invalid(&invalid.to_string());
                continue;
            }
        };
        let Some(label) = record.label.as_deref() else {
            continue;
        };
        let Some(label) = parse_label(label) else {
            evaluation.invalid_labels += 1;
            on_invalid(&format!(
                "{}:{}: invalid label {label:?}: use none, partial or full",
                path.display(),
                record.line
            ));
            continue;
        };
        match scorer.score_exchange(&record.exchange()).refusal {
            Some((verdict, _)) => evaluation.agreement.add(label, verdict.class),
            None => evaluation.unscored += 1,
        }
    }
    Ok(evaluation)
}

/// Runs `score`, writing results to `out` and problems with the input to `errors`.
pub fn run(
    config: &ScoreConfig,
    out: &mut dyn Write,
    errors: &mut dyn Write,
) -> io::Result<ScoreReport> {
    let mut report = ScoreReport::default();
    if config.evaluate {
        for path in &config.files {
            let evaluation = evaluate_file(path, config.max_record_bytes, |problem| {
                let _ = writeln!(errors, "warning: skipped {problem}");
            });
            match evaluation {
                Ok(evaluation) => {
                    report.skipped += evaluation.skipped + evaluation.invalid_labels;
                    write_evaluation(&evaluation, config.format, out)?;
                }
                Err(error) => {
                    report.unreadable_files += 1;
                    writeln!(errors, "{}", file_error(path, &error))?;
                }
            }
        }
        return Ok(report);
    }

    let mut scorer = Scorer::new();
    // The table header waits for the first readable file, so that a run whose files all
    // fail prints only errors.
    let mut header_pending = config.format == OutputFormat::Table;
    for path in &config.files {
        let reader = match RecordReader::open(path, config.max_record_bytes) {
            Ok(reader) => reader,
            Err(error) => {
                report.unreadable_files += 1;
                writeln!(errors, "{}", file_error(path, &error))?;
                continue;
            }
        };
        if header_pending {
            write_table_header(out)?;
            header_pending = false;
        }
        if config.format == OutputFormat::Table && config.files.len() > 1 {
            writeln!(out, "# {}", path.display())?;
        }
        for item in reader {
            let record = match item {
                Ok(Ok(record)) => record,
                Ok(Err(invalid)) if invalid.problem.spoils_file() => {
                    report.unreadable_files += 1;
                    writeln!(errors, "error: {invalid}")?;
                    break;
                }
                Ok(Err(invalid)) => {
                    report.read += 1;
                    report.skipped += 1;
                    writeln!(errors, "warning: skipped {invalid}")?;
                    continue;
                }
                Err(error) => {
                    report.unreadable_files += 1;
                    writeln!(errors, "error: reading {} failed: {error}", path.display())?;
                    break;
                }
            };
            report.read += 1;
            let scores = scorer.score_exchange(&record.exchange());
            write_record(path, &record, &scores, config.format, out)?;
        }
    }
    Ok(report)
}

/// Writes the column names of `score --format table`.
fn write_table_header(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{:<width$} {:<9} {:<7} {:<36} {:>6} {:>7} {:>6} {:>6} {:>12} {:<7}",
        "RECORD",
        "OUTCOME",
        "REFUSAL",
        "CUE",
        "WORDS",
        "ENTROPY",
        "DIST-2",
        "REPEAT",
        "ANSWER",
        "VERDICT",
        width = ID_COLUMN_CHARS,
    )
}

/// One record's scores as printed by `score --format jsonl`.
#[derive(Serialize)]
struct RecordLine<'a> {
    file: String,
    line: u64,
    id: Option<&'a str>,
    outcome: &'static str,
    refusal: Option<&'static str>,
    refusal_source: Option<&'static str>,
    cue: Option<&'static str>,
    words: Option<u32>,
    word_entropy_bits: Option<f64>,
    distinct_2: Option<f64>,
    repetition: Option<f64>,
    /// For records with `expect` = `answer`: the final answer found in the response.
    extracted_answer: Option<String>,
    /// For records with `expect` = `answer`: `pass` or `fail`.
    verdict: Option<&'static str>,
}

/// Judges a record that expects an answer: the extracted answer and the verdict.
fn judge_answer(record: &Record) -> Option<(Option<String>, &'static str)> {
    if record.expect != Some(Expect::Answer) {
        return None;
    }
    let expected = answer::ExpectedAnswer::parse(record.answer.as_deref()?);
    let verdict = answer::judge(&record.response, &expected);
    Some((
        verdict.extracted,
        if verdict.pass { "pass" } else { "fail" },
    ))
}

fn write_record(
    path: &Path,
    record: &Record,
    scores: &Scores,
    format: OutputFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    let line = RecordLine {
        file: path.display().to_string(),
        line: record.line,
        id: record.id.as_deref(),
        outcome: scores.outcome.as_str(),
        refusal: scores.refusal.map(|(verdict, _)| verdict.class.as_str()),
        refusal_source: scores.refusal.map(|(_, source)| source.as_str()),
        cue: scores.refusal.map(|(verdict, _)| verdict.cue),
        words: scores.lexical.map(|lexical| lexical.words),
        word_entropy_bits: scores.lexical.map(|lexical| lexical.word_entropy_bits),
        distinct_2: scores.lexical.map(|lexical| lexical.distinct_2),
        repetition: scores.lexical.map(|lexical| lexical.repetition),
        extracted_answer: None,
        verdict: None,
    };
    let mut line = line;
    if let Some((extracted, verdict)) = judge_answer(record) {
        line.extracted_answer = extracted;
        line.verdict = Some(verdict);
    }
    match format {
        OutputFormat::Jsonl => {
            serde_json::to_writer(&mut *out, &line)?;
            writeln!(out)
        }
        OutputFormat::Table => {
            let name = match line.id {
                Some(id) => table_cell(id, ID_COLUMN_CHARS),
                None => format!("{}:{}", line.file, line.line),
            };
            let number =
                |value: Option<f64>| value.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
            writeln!(
                out,
                "{:<width$} {:<9} {:<7} {:<36} {:>6} {:>7} {:>6} {:>6} {:>12} {:<7}",
                name,
                line.outcome,
                line.refusal.unwrap_or("-"),
                line.cue.unwrap_or("-"),
                line.words
                    .map_or_else(|| "-".to_string(), |words| words.to_string()),
                number(line.word_entropy_bits),
                number(line.distinct_2),
                number(line.repetition),
                line.extracted_answer.as_deref().unwrap_or("-"),
                line.verdict.unwrap_or("-"),
                width = ID_COLUMN_CHARS,
            )
        }
    }
}

/// Width of the record column of the table, in characters.
const ID_COLUMN_CHARS: usize = 28;

/// Makes `text` fit one table cell: control characters are escaped and text longer than
/// `width` characters is cut, ending in an ellipsis.
fn table_cell(text: &str, width: usize) -> String {
    let mut cell = String::new();
    for c in text.chars() {
        if c.is_control() {
            cell.extend(c.escape_default());
        } else {
            cell.push(c);
        }
    }
    if cell.chars().count() > width {
        cell = cell.chars().take(width - 1).collect();
        cell.push('\u{2026}');
    }
    cell
}

/// One file's evaluation as printed by `score --evaluate --format jsonl`.
#[derive(Serialize)]
struct EvaluationLine {
    file: String,
    labelled: u64,
    binary_agreement: Option<f64>,
    three_class_agreement: Option<f64>,
    /// Rows are labels, columns verdicts.
    confusion: ConfusionMap,
    unscored: u64,
    invalid_labels: u64,
    skipped: u64,
}

fn write_evaluation(
    evaluation: &FileEvaluation,
    format: OutputFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    let agreement = &evaluation.agreement;
    match format {
        OutputFormat::Jsonl => {
            let line = EvaluationLine {
                file: evaluation.path.display().to_string(),
                labelled: agreement.total(),
                binary_agreement: agreement.binary(),
                three_class_agreement: agreement.three_class(),
                confusion: agreement.confusion_map(),
                unscored: evaluation.unscored,
                invalid_labels: evaluation.invalid_labels,
                skipped: evaluation.skipped,
            };
            serde_json::to_writer(&mut *out, &line)?;
            writeln!(out)
        }
        OutputFormat::Table => {
            let rate =
                |value: Option<f64>| value.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
            writeln!(
                out,
                "{}: {} labelled records",
                evaluation.path.display(),
                agreement.total()
            )?;
            writeln!(
                out,
                "  refusal vs compliance agreement: {}",
                rate(agreement.binary())
            )?;
            writeln!(
                out,
                "  three-class agreement:           {}",
                rate(agreement.three_class())
            )?;
            if evaluation.skipped > 0 || evaluation.invalid_labels > 0 {
                writeln!(
                    out,
                    "  skipped as invalid:              {} records, {} more with an invalid label",
                    evaluation.skipped, evaluation.invalid_labels
                )?;
            }
            if evaluation.unscored > 0 {
                writeln!(
                    out,
                    "  without a verdict (no text):     {}",
                    evaluation.unscored
                )?;
            }
            for row in agreement.confusion_table().lines() {
                writeln!(out, "  {row}")?;
            }
            writeln!(out)
        }
    }
}
