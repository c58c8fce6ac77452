//! Comparison of a text final answer with the accepted strings of a question.

/// Characters trimmed from both ends of an answer: whitespace, quotes, punctuation and
/// markdown emphasis.
fn is_surrounding(c: char) -> bool {
    c.is_whitespace() || "\"'`*_.,;:!?()[]{}<>".contains(c)
}

/// Normalises an answer for comparison: lower case, markdown `*` and backquotes removed,
/// whitespace runs collapsed to one space, surrounding punctuation and quotes trimmed, and a
/// leading "a", "an" or "the" dropped.
pub(super) fn normalise(answer: &str) -> String {
    let lowered = answer.to_lowercase();
    let mut collapsed = String::with_capacity(lowered.len());
    for word in lowered.split_whitespace() {
        let word = word.replace(['*', '`'], "");
        if word.is_empty() {
            continue;
        }
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(&word);
    }
    let trimmed = collapsed.trim_matches(is_surrounding);
    let without_article = ["a ", "an ", "the "]
        .iter()
        .find_map(|article| trimmed.strip_prefix(article))
        .unwrap_or(trimmed);
    without_article.trim_matches(is_surrounding).to_owned()
}

/// Tells whether `needle` occurs in `haystack` with no letter or digit touching it on
/// either side, so "paris" matches "it is paris" but not "parisian".
pub(super) fn contains_words(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    haystack.match_indices(needle).any(|(at, _)| {
        let before_ok = !haystack[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let after_ok = !haystack[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric);
        before_ok && after_ok
    })
}

/// Tells whether a final answer matches one of the accepted strings, by equality after
/// [`normalise`] or by containing it as a whole word sequence.
pub(super) fn matches_any(final_answer: &str, accepted: &[String]) -> bool {
    let answer = normalise(final_answer);
    accepted.iter().any(|candidate| {
        let candidate = normalise(candidate);
        !candidate.is_empty() && (answer == candidate || contains_words(&answer, &candidate))
    })
}

/// Removes LaTeX text wrappers from a `\boxed{}` content: `\text{Paris}` becomes `Paris`.
pub(super) fn strip_latex_text(content: &str) -> String {
    let mut out = content.to_owned();
    for command in ["\\textbf", "\\text", "\\mathrm", "\\mbox"] {
        out = out.replace(command, "");
    }
    out.replace(['{', '}'], "")
}
