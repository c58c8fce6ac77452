//! Final-answer extraction and pass/fail judgement for questions with one correct answer
//! (math word problems such as GSM8K, and short factual answers), used by canary probes and
//! `candor-agent score`.
//!
//! Extraction of a numeric answer, first hit wins:
//! 1. Reasoning in `<think>…</think>` is dropped. An unclosed `<think>` means no answer.
//! 2. Explicit markers, tried in this order: the last `\boxed{}`, then `#### 18`, `A: 18`,
//!    `Answer: 18`, "the answer is 18" and "Answer" headings from the last one back. In a
//!    marked span (to the end of its sentence) the first number after the last `=` wins,
//!    else the first number, else a number word ("eighteen"). When markers exist but no
//!    span holds a number, there is no answer, so numbers from the reasoning or from a
//!    restated question are never taken in its place.
//! 3. A refusal phrase in the opening of the response means no answer.
//! 4. The last sentence that holds a number: a bold number, else the first number after the
//!    last `=`, else the last number outside brackets.
//!
//! A text answer is the first non-empty marked span in the same order, else the last
//! non-empty line.

mod clean;
mod extract;
mod number;
#[cfg(test)]
mod tests;
mod text;

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use clean::Prepared;
use extract::Marked;
use number::NumberToken;

/// How an expected answer is compared.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectedAnswer {
    /// A number; passes when |extracted - value| <= tolerance (absolute).
    Number { value: f64, tolerance: f64 },
    /// A string; passes when the normalised final answer equals one of the accepted strings
    /// (case-insensitive, trimmed, surrounding punctuation/quotes/markdown removed, articles
    /// "a/an/the" ignored at the start), or when the response's final answer contains it as a
    /// whole word sequence.
    Text { accepted: Vec<String> },
}

/// Relative tolerance of numbers parsed by [`ExpectedAnswer::parse`]: the absolute
/// tolerance is this times `max(1, |value|)`, so `18.00` and `18.0000001` pass for `18`, and
/// `0.33` fails for `1/3`.
pub const RELATIVE_TOLERANCE: f64 = 1e-6;

impl ExpectedAnswer {
    /// Parses a dataset/probe answer field: a number ("18", "1,234", "-3.5", "3/4", "$12.50",
    /// "45%") becomes `Number` with tolerance `RELATIVE_TOLERANCE * max(1, |value|)`;
    /// anything else becomes `Text` with the trimmed field as its only accepted string.
    /// A percentage keeps its number: "45%" expects 45.
    pub fn parse(answer: &str) -> ExpectedAnswer {
        let trimmed = answer.trim();
        match number::parse_whole(trimmed) {
            Some(value) => ExpectedAnswer::Number {
                value,
                tolerance: RELATIVE_TOLERANCE * value.abs().max(1.0),
            },
            None => ExpectedAnswer::Text {
                accepted: vec![trimmed.to_owned()],
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnswerVerdict {
    /// The final answer as extracted, e.g. "18" or "Paris"; None when nothing was found.
    pub extracted: Option<String>,
    pub pass: bool,
    /// Short name of the rule that found the answer: "boxed", "hash-marker", "answer-label",
    /// "answer-is", "answer-heading", "bold", "equals", "last-number" or (text answers)
    /// "last-line". With no answer it names the reason: "none", "refusal" or
    /// "unclosed-think".
    pub rule: &'static str,
}

/// Rule name when no answer was found.
const RULE_NONE: &str = "none";
/// Rule name when the response refuses.
const RULE_REFUSAL: &str = "refusal";
/// Rule name when the response is cut off inside its reasoning block.
const RULE_UNCLOSED_THINK: &str = "unclosed-think";

/// Extracts the final answer of `response` and compares it with `expected`.
pub fn judge(response: &str, expected: &ExpectedAnswer) -> AnswerVerdict {
    let text = match clean::prepare(response) {
        Prepared::Text(text) => text,
        Prepared::UnclosedThink => return no_answer(RULE_UNCLOSED_THINK),
    };
    match expected {
        ExpectedAnswer::Number { value, tolerance } => match find_number(&text) {
            Ok((token, rule)) => AnswerVerdict {
                extracted: Some(token.display(&text)),
                pass: (token.value - value).abs() <= *tolerance,
                rule,
            },
            Err(rule) => no_answer(rule),
        },
        ExpectedAnswer::Text { accepted } => match find_text(&text) {
            Ok((answer, rule)) => AnswerVerdict {
                pass: text::matches_any(&answer, accepted),
                extracted: Some(answer),
                rule,
            },
            Err(rule) => no_answer(rule),
        },
    }
}

/// Extracts the final numeric answer of a response, when there is one.
pub fn extract_number(response: &str) -> Option<(f64, &'static str)> {
    match clean::prepare(response) {
        Prepared::Text(text) => find_number(&text)
            .ok()
            .map(|(token, rule)| (token.value, rule)),
        Prepared::UnclosedThink => None,
    }
}

fn no_answer(rule: &'static str) -> AnswerVerdict {
    AnswerVerdict {
        extracted: None,
        pass: false,
        rule,
    }
}

/// Finds the numeric answer in cleaned text, or the rule name that explains its absence.
fn find_number(text: &str) -> Result<(NumberToken, &'static str), &'static str> {
    let spans = extract::marked_spans(text);
    if !spans.is_empty() {
        let marked = spans.iter().find_map(|span| {
            let token = extract::number_in_span(text, span)
                .or_else(|| number::number_word_in(text, span.start, span.end))?;
            Some((token, span.rule))
        });
        return marked.ok_or(RULE_NONE);
    }
    if opens_with_refusal(text) {
        return Err(RULE_REFUSAL);
    }
    extract::number_in_last_sentence(text).ok_or(RULE_NONE)
}

/// Finds the text answer in cleaned text: the first non-empty marked span, else the last
/// non-empty line.
fn find_text(text: &str) -> Result<(String, &'static str), &'static str> {
    let spans = extract::marked_spans(text);
    let marked = spans.iter().find_map(|span| {
        let answer = marked_text(text, span);
        (!answer.is_empty()).then_some((answer, span.rule))
    });
    if let Some(found) = marked {
        return Ok(found);
    }
    if !spans.is_empty() {
        return Err(RULE_NONE);
    }
    if opens_with_refusal(text) {
        return Err(RULE_REFUSAL);
    }
    let last_line = text
        .lines()
        .rev()
        .map(trim_answer)
        .find(|line| !line.is_empty());
    last_line
        .map(|line| (line.to_owned(), "last-line"))
        .ok_or(RULE_NONE)
}

fn marked_text(text: &str, span: &Marked) -> String {
    let raw = &text[span.start..span.end];
    if span.rule == "boxed" {
        trim_answer(&text::strip_latex_text(raw)).to_owned()
    } else {
        trim_answer(raw).to_owned()
    }
}

/// Trims whitespace, markdown emphasis, quotes and a final period from an answer.
fn trim_answer(answer: &str) -> &str {
    answer.trim_matches(|c: char| c.is_whitespace() || "*_`\"'.:".contains(c))
}

/// How far into the response a refusal phrase counts: refusals open the response, while the
/// same phrase later is usually part of a solution ("I can't divide evenly, so...").
const REFUSAL_WINDOW_BYTES: usize = 300;

/// First-person phrases that decline the request.
const REFUSAL_PHRASES: &[&str] = &[
    "i can't help",
    "i cannot help",
    "i can't assist",
    "i cannot assist",
    "i can't answer",
    "i cannot answer",
    "i can't provide",
    "i cannot provide",
    "i can't solve",
    "i cannot solve",
    "i can't comply",
    "i cannot comply",
    "i can't do that",
    "i cannot do that",
    "i won't",
    "i will not",
    "i'm unable to",
    "i am unable to",
    "i'm not able to",
    "i am not able to",
    "i must decline",
    "i'm sorry, but i",
    "i apologize, but i",
];

static REFUSALS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(REFUSAL_PHRASES)
        .expect("refusal phrases build an automaton")
});

// NOTE: this is a phrase check only, for responses that hold no answer marker. Callers that
// need a refusal verdict should use `score::refusal::RefusalClassifier`.
fn opens_with_refusal(text: &str) -> bool {
    let mut window = text.len().min(REFUSAL_WINDOW_BYTES);
    while !text.is_char_boundary(window) {
        window -= 1;
    }
    REFUSALS.is_match(&text[..window])
}
