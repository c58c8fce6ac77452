//! Number tokens in response text: integers with thousands commas, decimals, fractions
//! (`3/4`, `2 1/2`), a leading minus sign or currency symbol, a trailing `%` and a scale word
//! (`1.5 million`).

/// One number found in a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct NumberToken {
    /// Byte offset of the token, including a minus sign or currency symbol before it.
    pub start: usize,
    /// Byte offset of the first digit (or of the decimal point in `.5`).
    pub digits_start: usize,
    /// Byte offset just past the number and its scale word, before any `%`.
    pub digits_end: usize,
    /// Byte offset just past the whole token, `%` included.
    pub end: usize,
    pub negative: bool,
    pub value: f64,
}

impl NumberToken {
    /// Returns the number as written, with its minus sign but without currency or `%`,
    /// for example `-1,234.5` or `3/4`.
    pub fn display(&self, text: &str) -> String {
        let digits = &text[self.digits_start..self.digits_end];
        if self.negative {
            format!("-{digits}")
        } else {
            digits.to_owned()
        }
    }
}

/// Returns every number token in `text[from..to]`, in order.
pub(super) fn numbers_in(text: &str, from: usize, to: usize) -> Vec<NumberToken> {
    let mut tokens = Vec::new();
    let mut at = from;
    while let Some(start) = next_candidate(text, at, to) {
        let (token, next) = parse_at(text, start, to);
        tokens.extend(token);
        at = next;
    }
    tokens
}

/// Returns the last number token in `text[from..to]`.
pub(super) fn last_number_in(text: &str, from: usize, to: usize) -> Option<NumberToken> {
    let mut last = None;
    let mut at = from;
    while let Some(start) = next_candidate(text, at, to) {
        let (token, next) = parse_at(text, start, to);
        if token.is_some() {
            last = token;
        }
        at = next;
    }
    last
}

/// Parses `text` when all of it is one number, such as `-3.5`, `$1,234`, `3/4` or `45%`.
pub(super) fn parse_whole(text: &str) -> Option<f64> {
    let tokens = numbers_in(text, 0, text.len());
    match tokens.as_slice() {
        [token] if token.start == 0 && token.end == text.len() => Some(token.value),
        _ => None,
    }
}

fn next_candidate(text: &str, from: usize, to: usize) -> Option<usize> {
    let bytes = &text.as_bytes()[..to];
    let mut at = from;
    while at < to {
        let byte = bytes[at];
        if byte.is_ascii_digit() {
            return Some(at);
        }
        let starts_decimal = byte == b'.'
            && bytes.get(at + 1).is_some_and(u8::is_ascii_digit)
            && (at == 0 || !bytes[at - 1].is_ascii_alphanumeric());
        if starts_decimal {
            return Some(at);
        }
        at += 1;
    }
    None
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn digits_end(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while at < bytes.len() && bytes[at].is_ascii_digit() {
        at += 1;
    }
    at
}

/// Scale words that multiply the number before them.
const SCALES: &[(&str, f64)] = &[
    ("thousand", 1e3),
    ("million", 1e6),
    ("billion", 1e9),
    ("trillion", 1e12),
];

/// Parses the token that starts at `start` (a digit, or `.` before a digit). Returns the
/// token, or `None` when the digits belong to a word (`x2`, `3rd`), and where to continue.
fn parse_at(text: &str, start: usize, to: usize) -> (Option<NumberToken>, usize) {
    let bytes = &text.as_bytes()[..to];

    let glued_to_word = start > 0 && is_word_byte(bytes[start - 1]);
    if glued_to_word {
        let mut at = start;
        while at < bytes.len() && (bytes[at].is_ascii_digit() || matches!(bytes[at], b'.' | b',')) {
            at += 1;
        }
        return (None, at);
    }

    let mut at = digits_end(bytes, start);
    let integer_end = at;
    let mut has_commas = false;
    let mut has_decimal = false;

    // Thousands groups: a comma followed by exactly three digits.
    while at < bytes.len() && bytes[at] == b',' && integer_end > start {
        let group_end = digits_end(bytes, at + 1);
        if group_end - (at + 1) != 3 {
            break;
        }
        has_commas = true;
        at = group_end;
    }
    if at < bytes.len() && bytes[at] == b'.' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
        has_decimal = true;
        at = digits_end(bytes, at + 1);
    }

    let mut value = if has_commas {
        let plain: String = text[start..at].chars().filter(|&c| c != ',').collect();
        plain.parse::<f64>().ok()
    } else {
        text[start..at].parse::<f64>().ok()
    };

    let is_integer = !has_commas && !has_decimal && integer_end > start;
    if is_integer {
        let slash_follows = bytes.get(at) == Some(&b'/');
        if let Some((fraction, fraction_end)) =
            fraction_digits_at(bytes, start).filter(|_| slash_follows)
        {
            value = Some(fraction);
            at = fraction_end;
        } else if bytes.get(at) == Some(&b' ') {
            // A mixed number `2 1/2`: one space, then a fraction below one.
            if let Some((fraction, fraction_end)) = fraction_digits_at(bytes, at + 1) {
                if fraction < 1.0 {
                    value = value.map(|whole| whole + fraction);
                    at = fraction_end;
                }
            }
        }
    }
    let Some(mut value) = value else {
        return (None, at.max(start + 1));
    };

    if is_ordinal_suffix(bytes, at) {
        return (None, at + 2);
    }

    let mut digits_stop = at;
    if bytes.get(at) == Some(&b' ') {
        for (word, scale) in SCALES {
            let word_end = at + 1 + word.len();
            let matches = bytes.len() >= word_end
                && bytes[at + 1..word_end].eq_ignore_ascii_case(word.as_bytes())
                && !bytes.get(word_end).is_some_and(u8::is_ascii_alphabetic);
            if matches {
                value *= scale;
                digits_stop = word_end;
                break;
            }
        }
    }
    let end = if bytes.get(digits_stop) == Some(&b'%') {
        digits_stop + 1
    } else {
        digits_stop
    };

    let (token_start, negative) = sign_and_currency_before(text, start);
    if negative {
        value = -value;
    }
    let token = NumberToken {
        start: token_start,
        digits_start: start,
        digits_end: digits_stop,
        end,
        negative,
        value,
    };
    (Some(token), end)
}

/// Parses `a/b` of plain digits at `at`, rejecting `b = 0`, decimals and dates (`1/2/2020`).
fn fraction_digits_at(bytes: &[u8], at: usize) -> Option<(f64, usize)> {
    let numerator_end = digits_end(bytes, at);
    if numerator_end == at || bytes.get(numerator_end) != Some(&b'/') {
        return None;
    }
    let denominator_start = numerator_end + 1;
    let denominator_end = digits_end(bytes, denominator_start);
    if denominator_end == denominator_start {
        return None;
    }
    let continues = match bytes.get(denominator_end) {
        Some(b'/') => true,
        Some(b'.') | Some(b',') => bytes
            .get(denominator_end + 1)
            .is_some_and(u8::is_ascii_digit),
        Some(&next) => next.is_ascii_alphabetic(),
        None => false,
    };
    if continues {
        return None;
    }
    let numerator: f64 = std::str::from_utf8(&bytes[at..numerator_end])
        .ok()?
        .parse()
        .ok()?;
    let denominator: f64 = std::str::from_utf8(&bytes[denominator_start..denominator_end])
        .ok()?
        .parse()
        .ok()?;
    if denominator == 0.0 {
        return None;
    }
    Some((numerator / denominator, denominator_end))
}

fn is_ordinal_suffix(bytes: &[u8], at: usize) -> bool {
    let Some(suffix) = bytes.get(at..at + 2) else {
        return false;
    };
    let is_suffix = [b"st", b"nd", b"rd", b"th"]
        .iter()
        .any(|candidate| suffix.eq_ignore_ascii_case(*candidate));
    is_suffix && !bytes.get(at + 2).is_some_and(u8::is_ascii_alphabetic)
}

/// Currency symbols accepted directly before the digits.
const CURRENCY: &[&str] = &["$", "€", "£", "¥", "₹"];

/// Looks back from the first digit over a currency symbol and a minus sign. A `-` counts as a
/// sign only when a word, a closing bracket or a digit does not precede it, so `16-3` stays a
/// subtraction.
fn sign_and_currency_before(text: &str, digits_start: usize) -> (usize, bool) {
    let before = &text[..digits_start];
    let mut start = digits_start;
    if let Some(symbol) = CURRENCY.iter().find(|symbol| before.ends_with(**symbol)) {
        start -= symbol.len();
    }
    let bytes = text.as_bytes();
    if start > 0 && bytes[start - 1] == b'-' {
        let sign = start - 1;
        let operand_before = sign > 0 && (is_word_byte(bytes[sign - 1]) || bytes[sign - 1] == b')');
        if !operand_before {
            return (sign, true);
        }
    }
    (start, false)
}

/// Number words from zero to nineteen, then the tens.
const UNITS: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: &[&str] = &[
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Reads a number written as a word ("eighteen", "twenty-five") at the first word of
/// `text[from..to]`, for answers such as "The answer is eighteen."
pub(super) fn number_word_in(text: &str, from: usize, to: usize) -> Option<NumberToken> {
    let span = &text[from..to];
    let word_offset = span.find(|c: char| c.is_ascii_alphabetic())?;
    let word_start = from + word_offset;
    let word_len = text[word_start..to]
        .find(|c: char| !(c.is_ascii_alphabetic() || c == '-'))
        .unwrap_or(to - word_start);
    let word = text[word_start..word_start + word_len]
        .trim_end_matches('-')
        .to_ascii_lowercase();
    let (tens_word, unit_word) = match word.split_once('-') {
        Some((tens, unit)) => (Some(tens), Some(unit)),
        None if TENS.contains(&word.as_str()) => (Some(word.as_str()), None),
        None => (None, Some(word.as_str())),
    };
    let tens_value = match tens_word {
        Some(tens) => 20 + 10 * TENS.iter().position(|&t| t == tens)?,
        None => 0,
    };
    let unit_value = match unit_word {
        Some(unit) => {
            let position = UNITS.iter().position(|&u| u == unit)?;
            // "twenty-fifteen" is not a number.
            if tens_word.is_some() && !(1..=9).contains(&position) {
                return None;
            }
            position
        }
        None => 0,
    };
    let digits_end = word_start + word.len();
    Some(NumberToken {
        start: word_start,
        digits_start: word_start,
        digits_end,
        end: digits_end,
        negative: false,
        value: (tens_value + unit_value) as f64,
    })
}
