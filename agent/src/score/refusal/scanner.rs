//! Cue scanners: Aho-Corasick automata over the cue tables, and the scan that feeds their
//! matches to [`Findings`] in text order.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::cues::{Cue, CueRow, Kind};
use super::decide::{Findings, Hit};
use super::text;

/// One automaton (ASCII case-insensitive, leftmost-longest DFA) and the cue of each of its
/// patterns.
pub(super) struct CueScanner {
    automaton: AhoCorasick,
    /// Cue of each automaton pattern, indexed by pattern id.
    cues: Vec<Cue>,
}

impl CueScanner {
    /// Compiles every phrase of `tables`, plus a typographic-apostrophe (U+2019) variant of
    /// each phrase that contains an apostrophe, into one automaton.
    pub(super) fn new(tables: &[&[CueRow]]) -> Self {
        let mut patterns: Vec<String> = Vec::new();
        let mut cues = Vec::new();
        for table in tables {
            for (cue, phrases) in table.iter() {
                for phrase in phrases.iter() {
                    patterns.push((*phrase).to_owned());
                    cues.push(*cue);
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
        CueScanner { automaton, cues }
    }

    /// Runs the automaton over `range` of `answer` and records every cue it finds.
    pub(super) fn scan(
        &self,
        answer: &str,
        range: std::ops::Range<usize>,
        findings: &mut Findings,
    ) {
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
