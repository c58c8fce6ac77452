//! Conversions from the agent's scoring types to `candor.v1` protocol messages.

use candor_proto::v1 as pb;

use crate::input::Expect;
use crate::score::{LexicalSignals, Outcome, RefusalClass, RefusalSource, Scores};

pub fn expectation(expect: Option<Expect>) -> pb::Expectation {
    match expect {
        None => pb::Expectation::Unspecified,
        Some(Expect::Comply) => pb::Expectation::Comply,
        Some(Expect::Refuse) => pb::Expectation::Refuse,
        Some(Expect::Answer) => pb::Expectation::Answer,
    }
}

pub fn outcome(outcome: Outcome) -> pb::Outcome {
    match outcome {
        Outcome::Complete => pb::Outcome::Complete,
        Outcome::Length => pb::Outcome::Length,
        Outcome::Truncated => pb::Outcome::Truncated,
        Outcome::Error => pb::Outcome::Error,
        Outcome::Filtered => pb::Outcome::Filtered,
        Outcome::ToolCall => pb::Outcome::ToolCall,
        Outcome::Empty => pb::Outcome::Empty,
    }
}

pub fn refusal_class(class: RefusalClass) -> pb::RefusalClass {
    match class {
        RefusalClass::None => pb::RefusalClass::None,
        RefusalClass::Partial => pb::RefusalClass::Partial,
        RefusalClass::Full => pb::RefusalClass::Full,
    }
}

pub fn lexical(signals: LexicalSignals) -> pb::LexicalSignals {
    pb::LexicalSignals {
        words: signals.words,
        word_entropy_bits: signals.word_entropy_bits,
        distinct_2: signals.distinct_2,
        repetition: signals.repetition,
    }
}

/// Copies the scores of one response into `observation`.
pub fn fill_scores(observation: &mut pb::Observation, scores: &Scores) {
    observation.outcome = outcome(scores.outcome).into();
    observation.refusal = scores.refusal.map(|(verdict, source)| pb::Refusal {
        class: refusal_class(verdict.class).into(),
        source: match source {
            RefusalSource::Api => pb::RefusalSource::Api,
            RefusalSource::Text => pb::RefusalSource::Text,
        }
        .into(),
        cue: verdict.cue.to_string(),
    });
    observation.lexical = scores.lexical.map(lexical);
    observation.token_entropy = scores.token_entropy.map(|entropy| pb::TokenEntropy {
        mean_bits: entropy.mean_bits,
        tokens: entropy.tokens,
        top_k: entropy.top_k,
    });
}

/// Longest free-form text (record id, category) sent in an observation, in bytes.
/// The collector keeps no more than this either.
pub const MAX_TEXT_BYTES: usize = 256;

/// Cuts `text` to [`MAX_TEXT_BYTES`] at a character boundary.
pub fn clamp_text(text: &str) -> String {
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Milliseconds since the Unix epoch, now.
pub fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}
