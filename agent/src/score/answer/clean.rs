//! Preprocessing of a response before answer extraction: drops the reasoning block,
//! GSM8K calculator annotations and LaTeX spacing commands, rewrites `\frac{a}{b}` as `a/b`,
//! and maps typographic minus signs, quotes and spaces to ASCII.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem;

/// A response ready for extraction.
pub(super) enum Prepared {
    /// The text after any closed reasoning block, cleaned.
    Text(String),
    /// The response opens a `<think>` block and never closes it, so it holds no answer.
    UnclosedThink,
}

/// Cleans `response` for extraction. Only the text after the last `</think>` (or
/// `</thinking>`) counts. Some chat templates put the opening tag in the prompt, so a closing
/// tag alone is enough.
pub(super) fn prepare(response: &str) -> Prepared {
    let body = match after_reasoning(response) {
        Some(body) => body,
        None => return Prepared::UnclosedThink,
    };
    Prepared::Text(clean(body))
}

// Forward searches: memchr's forward `memmem` is vectorised, its reverse search is not.
static CLOSE_TAG: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"</think"));
static OPEN_TAG: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"<think"));

/// Returns the text after a `<think>` or `<thinking>` tag (or the closing forms) that
/// `finder` finds. With `last` set it takes the last such tag, else the first.
fn find_tag<'a>(text: &'a str, finder: &memmem::Finder<'_>, last: bool) -> Option<&'a str> {
    let mut found = None;
    for at in finder.find_iter(text.as_bytes()) {
        let after_name = &text[at + finder.needle().len()..];
        let body = [">", "ing>"]
            .iter()
            .find_map(|suffix| after_name.strip_prefix(suffix));
        if body.is_some() {
            found = body;
            if !last {
                break;
            }
        }
    }
    found
}

fn after_reasoning(response: &str) -> Option<&str> {
    if let Some(body) = find_tag(response, &CLOSE_TAG, true) {
        return Some(body);
    }
    match find_tag(response, &OPEN_TAG, false) {
        Some(_) => None,
        None => Some(response),
    }
}

/// Bytes that may start something `clean` rewrites: `<<`, a backslash, `{,}`, a carriage
/// return, and the lead bytes of the Unicode characters in `unicode_replacement`.
static REWRITE_START: [bool; 256] = {
    let mut table = [false; 256];
    table[b'<' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'{' as usize] = true;
    table[b'\r' as usize] = true;
    table[0xC2] = true;
    table[0xE2] = true;
    table
};

/// LaTeX commands that only set spacing or bracket size, replaced by a space.
const LATEX_DROPPED: &[&str] = &["\\left", "\\right", "\\!", "\\;", "\\:", "\\ "];

fn clean(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut run_start = 0;
    let mut at = 0;

    while at < bytes.len() {
        if !REWRITE_START[bytes[at] as usize] {
            at += 1;
            continue;
        }
        match rewrite_at(text, at) {
            Some((replacement, consumed)) => {
                out.push_str(&text[run_start..at]);
                out.push_str(&replacement);
                at += consumed;
                run_start = at;
            }
            None => at += 1,
        }
    }
    out.push_str(&text[run_start..]);
    out
}

/// Returns the replacement for the text at `at` and the bytes it replaces, or `None` to
/// keep the byte at `at`.
fn rewrite_at(text: &str, at: usize) -> Option<(Cow<'_, str>, usize)> {
    let rest = &text[at..];
    let bytes = text.as_bytes();
    if rest.starts_with("<<") {
        // A calculator annotation `<<16-3=13>>` precedes the result it computed. An
        // unclosed one (a truncated response) runs to the end of its line.
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let close = rest[..line_end]
            .find(">>")
            .map_or(line_end, |close| close + 2);
        return Some((Cow::Borrowed(""), close));
    }
    if rest.starts_with('\r') {
        return Some((Cow::Borrowed(""), 1));
    }
    if rest.starts_with("{,}") {
        return Some((Cow::Borrowed(","), 3));
    }
    if rest.starts_with('\\') {
        return latex_replacement(rest, bytes, at);
    }
    unicode_replacement(rest, bytes, at)
        .map(|(replacement, consumed)| (Cow::Borrowed(replacement), consumed))
}

fn latex_replacement<'a>(rest: &'a str, bytes: &[u8], at: usize) -> Option<(Cow<'a, str>, usize)> {
    if rest.starts_with("\\$") {
        return Some((Cow::Borrowed("$"), 2));
    }
    if rest.starts_with("\\%") {
        return Some((Cow::Borrowed("%"), 2));
    }
    if rest.starts_with("\\,") {
        // A thin space: between digits (`1\,000`) it separates thousands.
        let between_digits = at > 0
            && bytes[at - 1].is_ascii_digit()
            && bytes.get(at + 2).is_some_and(u8::is_ascii_digit);
        let replacement = if between_digits { "" } else { " " };
        return Some((Cow::Borrowed(replacement), 2));
    }
    for command in ["\\dfrac", "\\tfrac", "\\frac"] {
        if let Some(after) = rest.strip_prefix(command) {
            let (numerator, denominator, used) = two_brace_groups(after)?;
            let fraction = format!("{}/{}", numerator.trim(), denominator.trim());
            return Some((Cow::Owned(fraction), command.len() + used));
        }
    }
    LATEX_DROPPED
        .iter()
        .find(|command| rest.starts_with(**command))
        .map(|command| (Cow::Borrowed(" "), command.len()))
}

/// Parses `{a}{b}` with no nested braces, and returns both contents and the bytes used.
fn two_brace_groups(text: &str) -> Option<(&str, &str, usize)> {
    let first = text.strip_prefix('{')?;
    let first_end = first
        .find(['{', '}'])
        .filter(|&at| first.as_bytes()[at] == b'}')?;
    let second = first[first_end + 1..].strip_prefix('{')?;
    let second_end = second
        .find(['{', '}'])
        .filter(|&at| second.as_bytes()[at] == b'}')?;
    let used = 1 + first_end + 1 + 1 + second_end + 1;
    Some((&first[..first_end], &second[..second_end], used))
}

/// Maps typographic characters to ASCII: the minus sign U+2212 to `-`, curly quotes to
/// straight ones, and no-break or thin spaces to a space (or to nothing between digits,
/// where they separate thousands).
fn unicode_replacement(rest: &str, bytes: &[u8], at: usize) -> Option<(&'static str, usize)> {
    let character = rest.chars().next()?;
    let replacement = match character {
        '\u{2212}' => "-",
        '\u{2018}' | '\u{2019}' => "'",
        '\u{201C}' | '\u{201D}' => "\"",
        '\u{00A0}' | '\u{2009}' | '\u{202F}' => {
            let width = character.len_utf8();
            let between_digits = at > 0
                && bytes[at - 1].is_ascii_digit()
                && bytes.get(at + width).is_some_and(u8::is_ascii_digit);
            if between_digits {
                ""
            } else {
                " "
            }
        }
        _ => return None,
    };
    Some((replacement, character.len_utf8()))
}
