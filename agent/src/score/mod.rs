//! Scoring of one response: its refusal verdict and its lexical signals. Scoring is
//! pure computation on the response text, with no I/O, so the same code serves replay,
//! the proxy, log tailing and probes.

pub mod lexical;
pub mod refusal;

use std::sync::Arc;

pub use lexical::{LexicalScorer, LexicalSignals};
pub use refusal::{RefusalClass, RefusalClassifier, RefusalVerdict};

/// Scores of one response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub refusal: RefusalVerdict,
    pub lexical: LexicalSignals,
}

/// Scores responses. The compiled refusal classifier is shared between scorers, while
/// each scorer keeps its own scratch tables, so use one scorer per thread.
#[derive(Default)]
pub struct Scorer {
    classifier: Arc<RefusalClassifier>,
    lexical: LexicalScorer,
}

impl Scorer {
    pub fn new() -> Self {
        Self::default()
    }

    /// A scorer that shares `classifier` with others.
    pub fn with_classifier(classifier: Arc<RefusalClassifier>) -> Self {
        Self {
            classifier,
            lexical: LexicalScorer::new(),
        }
    }

    pub fn score(&mut self, response: &str) -> Scores {
        Scores {
            refusal: self.classifier.classify(response),
            lexical: self.lexical.score(response),
        }
    }
}
