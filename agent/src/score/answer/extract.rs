//! Location of the final answer in a cleaned response: explicit markers (`\boxed{}`, `####`,
//! `A:`, `Answer:`, "the answer is"), and the number of the last sentence that states one
//! when no marker exists.

use std::sync::LazyLock;

use memchr::memmem;
use regex::Regex;

use super::number::{last_number_in, numbers_in, NumberToken};

/// The text after an answer marker, up to the end of its sentence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Marked {
    pub start: usize,
    pub end: usize,
    pub rule: &'static str,
}

/// "Answer:", "The final answer is", "answer (in dollars) =", and the like, anywhere in a
/// line. The connector decides the rule name. Word boundaries are ASCII so that the lazy DFA
/// also runs on text with non-ASCII characters.
static ANSWER_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)answer(?-u:\b)[ \t*_]*(?:\([^)\n]{0,40}\)[ \t*_]*)?(:|=|(?:is|would be|will be|should be|comes to|equals)(?-u:\b))[ \t*_:]*",
    )
    .expect("answer phrase pattern is valid")
});

/// Returns the spans after explicit answer markers, most trusted first: the last
/// `\boxed{}`, then every other marker from the last one in the text back to the first.
/// Models that correct themselves restate the answer later, so the last marker wins.
pub(super) fn marked_spans(text: &str) -> Vec<Marked> {
    let mut spans = Vec::new();
    if let Some(boxed) = last_boxed(text) {
        spans.push(boxed);
    }

    let mut others = Vec::new();
    for found in ANSWER_PHRASE.captures_iter(text) {
        let whole = found.get(0).expect("group 0 always matches");
        let rule = if &found[1] == ":" {
            "answer-label"
        } else {
            "answer-is"
        };
        others.push(span_after(text, whole.end(), rule));
    }
    push_line_markers(text, &mut others);
    for at in memmem::find_iter(text.as_bytes(), b"####") {
        let after_hashes = at + text[at..].bytes().take_while(|&b| b == b'#').count();
        let line_start = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
        // A markdown heading (`#### Step 2`) is not the GSM8K `#### 18` marker.
        let opens_line = text[line_start..at].trim().is_empty();
        let next_is_text = text[after_hashes..]
            .trim_start_matches([' ', '\t'])
            .starts_with(|c: char| c.is_alphabetic());
        if opens_line && !next_is_text {
            others.push(span_after(text, after_hashes, "hash-marker"));
        }
    }

    others.sort_by_key(|span| std::cmp::Reverse(span.start));
    others.dedup_by_key(|span| span.start);
    spans.extend(others);
    spans
}

/// Adds the markers that must open a line: `A:` or `Ans:` (the GSM8K convention), and a
/// heading that contains only "Answer" or "Final Answer", with the answer on the next line.
/// Leading markdown (`>`, `*`, `_`, `#`, `-`) is skipped.
fn push_line_markers(text: &str, spans: &mut Vec<Marked>) {
    let mut line_start = 0;
    for line in text.split('\n') {
        let line_end = line_start + line.len();
        let rest = line.trim_start_matches([' ', '\t', '>', '*', '_', '#', '-']);

        let label_end = ["Ans", "ANS", "A"].iter().find_map(|label| {
            let after = rest.strip_prefix(label)?;
            let after = after
                .trim_start_matches([' ', '\t'])
                .trim_start_matches(['*', '_']);
            let after = after.strip_prefix(':')?;
            Some(after.trim_start_matches([' ', '\t', '*', '_']))
        });
        if let Some(after) = label_end {
            spans.push(span_after(text, line_end - after.len(), "answer-label"));
        } else if is_answer_heading(rest) {
            spans.push(span_after(text, line_end, "answer-heading"));
        }
        line_start = line_end + 1;
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Tells whether a line (leading markdown removed) is "Answer", "Final Answer" or "The
/// final answer", with only markup or a colon after it.
fn is_answer_heading(line: &str) -> bool {
    let mut rest = line;
    for optional in ["the", "final"] {
        if let Some(after) = strip_prefix_ignore_case(rest, optional) {
            if after.starts_with([' ', '\t']) {
                rest = after.trim_start_matches([' ', '\t']);
            }
        }
    }
    strip_prefix_ignore_case(rest, "answer")
        .is_some_and(|after| after.chars().all(|c| " \t*_:#".contains(c)))
}

/// Returns the span from `from` to the end of its sentence. When nothing but markup follows
/// the marker on its line ("Final answer:" alone), the span is the next non-empty line.
fn span_after(text: &str, from: usize, rule: &'static str) -> Marked {
    let line_end = text[from..].find('\n').map_or(text.len(), |at| from + at);
    let rest_of_line =
        text[from..line_end].trim_matches(|c: char| c.is_whitespace() || "*_:#$".contains(c));
    let start = if rest_of_line.is_empty() {
        next_non_empty_line(text, line_end).unwrap_or(from)
    } else {
        from
    };
    Marked {
        start,
        end: sentence_end(text, start),
        rule,
    }
}

fn next_non_empty_line(text: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while at < text.len() {
        let line_end = text[at..]
            .find('\n')
            .map_or(text.len(), |offset| at + offset);
        if !text[at..line_end].trim().is_empty() {
            return Some(at);
        }
        at = line_end + 1;
    }
    None
}

/// Returns the span inside the last `\boxed{...}` (or `\fbox{...}`), braces balanced.
fn last_boxed(text: &str) -> Option<Marked> {
    let bytes = text.as_bytes();
    let open = [&b"\\boxed{"[..], &b"\\fbox{"[..]]
        .iter()
        .filter_map(|command| memmem::rfind(bytes, command).map(|at| at + command.len()))
        .max()?;
    let mut depth = 1usize;
    for (offset, byte) in bytes[open..].iter().enumerate() {
        match byte {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(Marked {
                        start: open,
                        end: open + offset,
                        rule: "boxed",
                    });
                }
            }
            _ => {}
        }
    }
    None
}

fn is_sentence_stop(bytes: &[u8], at: usize) -> bool {
    matches!(bytes[at], b'.' | b'!' | b'?')
        && bytes.get(at + 1).is_none_or(|b| b.is_ascii_whitespace())
}

/// Returns the byte offset where the sentence around `from` ends: a newline, or `.`, `!` or
/// `?` before whitespace or the end of the text (so the point in `3.5` never ends one).
pub(super) fn sentence_end(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    (from..bytes.len())
        .find(|&at| bytes[at] == b'\n' || is_sentence_stop(bytes, at))
        .unwrap_or(bytes.len())
}

fn sentence_start(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    (0..at)
        .rev()
        .find(|&k| bytes[k] == b'\n' || is_sentence_stop(bytes, k))
        .map_or(0, |k| k + 1)
}

/// Picks the answer among the numbers of a marked span: the first number after the last `=`
/// when one follows it (`9 * 2 = 18`), else the first number. A bracket after the first
/// number opens a justification (`18 (since 24 = 6 + 18)`), so no `=` after it counts.
pub(super) fn number_in_span(text: &str, span: &Marked) -> Option<NumberToken> {
    let tokens = numbers_in(text, span.start, span.end);
    let first = *tokens.first()?;
    let equation_end = text[first.end..span.end]
        .find('(')
        .map_or(span.end, |at| first.end + at);
    if let Some(equals) = text[span.start..equation_end].rfind('=') {
        let after = span.start + equals;
        let result = tokens
            .iter()
            .find(|token| token.start > after && token.start < equation_end);
        if let Some(token) = result {
            return Some(*token);
        }
    }
    Some(first)
}

/// Picks the answer of a response without markers from the last sentence that holds a
/// number. In that sentence a bold number (`**$18**`) wins, then the first number after the
/// last `=`, then the last number outside brackets.
// NOTE: a trailing sentence with another number ("Over 7 days that is $126.") wins over the
// sentence that gave the answer. Only markers avoid that.
pub(super) fn number_in_last_sentence(text: &str) -> Option<(NumberToken, &'static str)> {
    let last = last_number_in(text, 0, text.len())?;
    let start = sentence_start(text, last.start);
    let end = sentence_end(text, last.end);
    let tokens = numbers_in(text, start, end);
    let sentence = &text[start..end];

    if let Some(token) = last_bold_number(sentence, start, &tokens) {
        return Some((token, "bold"));
    }
    if let Some(equals) = sentence.rfind('=') {
        let after = start + equals;
        if let Some(token) = tokens.iter().find(|token| token.start > after) {
            return Some((*token, "equals"));
        }
    }
    let outside_brackets = tokens
        .iter()
        .rev()
        .find(|token| !inside_brackets(sentence, token.start - start));
    Some((*outside_brackets.unwrap_or(&last), "last-number"))
}

/// Returns the last number that opens a bold span (`**18 dollars**`) in a sentence that
/// starts at byte `sentence_start` of the text. Bold labels such as `**Step 2:**` do not
/// count, because their number does not open the span.
fn last_bold_number(
    sentence: &str,
    sentence_start: usize,
    tokens: &[NumberToken],
) -> Option<NumberToken> {
    let mut best = None;
    let mut search_from = 0;
    while let Some(open) = sentence[search_from..]
        .find("**")
        .map(|at| search_from + at + 2)
    {
        let Some(close) = sentence[open..].find("**").map(|at| open + at) else {
            break;
        };
        let content_start =
            open + (sentence[open..close].len() - sentence[open..close].trim_start().len());
        let opening = tokens
            .iter()
            .find(|token| token.start == sentence_start + content_start);
        if let Some(token) = opening {
            best = Some(*token);
        }
        search_from = close + 2;
    }
    best
}

fn inside_brackets(sentence: &str, offset: usize) -> bool {
    let mut depth = 0i32;
    for byte in sentence[..offset].bytes() {
        match byte {
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
    }
    depth > 0
}
