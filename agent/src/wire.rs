//! Conversions from the agent's scoring types to `candor.v1` protocol messages.

use candor_proto::v1 as pb;

use crate::input::Expect;
use crate::score::{LexicalSignals, RefusalClass, RefusalVerdict};

pub fn expectation(expect: Option<Expect>) -> pb::Expectation {
    match expect {
        None => pb::Expectation::Unspecified,
        Some(Expect::Comply) => pb::Expectation::Comply,
        Some(Expect::Refuse) => pb::Expectation::Refuse,
        Some(Expect::Answer) => pb::Expectation::Answer,
    }
}

pub fn refusal_class(class: RefusalClass) -> pb::RefusalClass {
    match class {
        RefusalClass::None => pb::RefusalClass::None,
        RefusalClass::Partial => pb::RefusalClass::Partial,
        RefusalClass::Full => pb::RefusalClass::Full,
    }
}

/// A refusal verdict that the text classifier reached.
pub fn text_refusal(verdict: RefusalVerdict) -> pb::Refusal {
    pb::Refusal {
        class: refusal_class(verdict.class).into(),
        source: pb::RefusalSource::Text.into(),
        cue: verdict.cue.to_string(),
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

/// Milliseconds since the Unix epoch, now.
pub fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}
