//! Refusal classifier: decides whether a model response refuses its request, fully or in
//! part, from the response text alone.
//!
//! One Aho-Corasick automaton (ASCII case-insensitive, leftmost-longest) finds every cue in a
//! bounded head and tail of the answer. Position logic then decides: a refusal or a lecture in
//! the opening sentences, followed or not by answer content (a pivot such as "that said", or
//! a list), a refusal after a preamble, or a deflection to a professional. See
//! `docs/refusal-classifier.md` for the rules and their limits.

mod cues;
mod cues_intl;
mod decide;
#[cfg(test)]
mod tests;
mod text;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use cues::{Cue, CueRow, Kind};
use decide::{Findings, Hit};
use text::Answer;

/// Every cue table, English first.
const ALL_TABLES: &[&[CueRow]] = &[
    cues::EN_STEMS,
    cues::EN_DECLINES,
    cues::EN_APOLOGIES,
    cues::EN_LECTURES,
    cues::EN_INABILITY,
    cues::EN_CLARIFY,
    cues::EN_MORAL,
    cues::EN_REDIRECTS,
    cues::EN_PIVOTS,
    cues::LIST_ITEMS,
    cues::EN_NEUTRAL,
    cues::SENTENCE_ENDS,
    cues_intl::ES,
    cues_intl::FR,
    cues_intl::DE,
    cues_intl::IT,
    cues_intl::PT,
    cues_intl::ZH,
    cues_intl::JA,
    cues_intl::RU,
];

/// Bytes of the answer's head that the automaton scans.
const SCAN_HEAD_BYTES: usize = 8 * 1024;
/// Bytes of the answer's tail that the automaton scans when the answer is longer than the head.
const SCAN_TAIL_BYTES: usize = 4 * 1024;

/// Refusal class of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalClass {
    /// The response complies.
    None,
    /// The response declines part of the request, answers only after refusing, or answers
    /// only a harmless reading of it.
    Partial,
    /// The response declines, deflects or lectures without answering.
    Full,
}

impl RefusalClass {
    /// Returns the label used in observations and metrics: `none`, `partial` or `full`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalClass::None => "none",
            RefusalClass::Partial => "partial",
            RefusalClass::Full => "full",
        }
    }
}

/// Class of a response and the rule that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefusalVerdict {
    pub class: RefusalClass,
    /// `"<rule>:<cue>"` such as `"opening:i-cannot"` or `"lecture-then-answer:not-ethical"`,
    /// or `"none"`, `"empty"` or `"reasoning-only"` when no cue decided.
    pub cue: &'static str,
}

impl RefusalVerdict {
    pub(super) const fn new(class: RefusalClass, cue: &'static str) -> Self {
        RefusalVerdict { class, cue }
    }
}

/// Text refusal classifier. Build it once and share it: `classify` takes `&self` and does
/// not allocate, and the type is `Send + Sync`.
pub struct RefusalClassifier {
    automaton: AhoCorasick,
    /// Cue of each automaton pattern, indexed by pattern id.
    cues: Vec<Cue>,
}

impl Default for RefusalClassifier {
    fn default() -> Self {
        Self::new()
    }
}

impl RefusalClassifier {
    /// Compiles the cue tables of every language into one automaton.
    pub fn new() -> Self {
        let mut patterns: Vec<String> = Vec::new();
        let mut cues = Vec::new();
        for table in ALL_TABLES {
            for (cue, phrases) in table.iter() {
                for phrase in phrases.iter() {
                    patterns.push((*phrase).to_owned());
                    cues.push(*cue);
                    // Model output often uses the typographic apostrophe (U+2019).
                    if phrase.contains('\'') {
                        patterns.push(phrase.replace('\'', "\u{2019}"));
                        cues.push(*cue);
                    }
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .expect("refusal cue tables compile into an Aho-Corasick automaton");
        RefusalClassifier { automaton, cues }
    }

    /// Classifies one response. Reasoning in a leading `<think>` block is ignored.
    pub fn classify(&self, response: &str) -> RefusalVerdict {
        let answer = match text::answer_text(response) {
            Answer::Text(answer) => answer,
            Answer::ReasoningOnly => {
                return RefusalVerdict::new(RefusalClass::None, "reasoning-only");
            }
        };
        if answer.is_empty() {
            return RefusalVerdict::new(RefusalClass::None, "empty");
        }
        let mut findings = Findings::default();
        let len = answer.len();
        if len <= SCAN_HEAD_BYTES + SCAN_TAIL_BYTES {
            self.scan(answer, 0..len, &mut findings);
        } else {
            self.scan(answer, 0..SCAN_HEAD_BYTES, &mut findings);
            self.scan(answer, len - SCAN_TAIL_BYTES..len, &mut findings);
        }
        decide::decide(&findings, answer)
    }

    /// Runs the automaton over `range` of `answer` and records every cue it finds.
    fn scan(&self, answer: &str, range: std::ops::Range<usize>, findings: &mut Findings) {
        let input = aho_corasick::Input::new(answer.as_bytes()).range(range);
        for m in self.automaton.find_iter(input) {
            let cue = self.cues[m.pattern().as_usize()];
            let punctuation = matches!(cue.kind, Kind::ListItem | Kind::SentenceEnd);
            if !punctuation && !text::at_word_start(answer, m.start()) {
                continue;
            }
            findings.record(Hit::new(m.start(), cue, findings), m.end(), answer);
        }
    }
}
