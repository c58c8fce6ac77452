//! Scoring of one response: its outcome, its refusal verdict and its lexical signals.
//! Scoring is pure computation on the exchange, with no I/O, so the same code serves
//! replay, the proxy, log tailing and probes.
//!
//! Precedence: a platform content filter (`finish_reason: content_filter`) is its own
//! outcome and never a model refusal. Otherwise the API's own `refusal` field, when
//! present and not blank, decides the refusal class (`full`) over the text classifier.
//! Only `complete` and `length` responses get text scores.

pub mod answer;
pub mod diversity;
pub mod entropy;
pub mod lexical;
pub mod refusal;

use std::sync::Arc;

pub use entropy::{EntropyAccumulator, TokenEntropy};
pub use lexical::{LexicalScorer, LexicalSignals};
pub use refusal::{RefusalClass, RefusalClassifier, RefusalVerdict};

/// One request and response, as input to the scorer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exchange<'a> {
    /// The user's request, when known.
    pub prompt: Option<&'a str>,
    /// The response text.
    pub response: &'a str,
    /// The API's own `refusal` field (`message.refusal`), when present.
    pub api_refusal: Option<&'a str>,
    /// The API's `finish_reason`, when known.
    pub finish_reason: Option<&'a str>,
    /// Token entropy computed from the response's logprobs, when it had any.
    pub token_entropy: Option<TokenEntropy>,
    /// How the transport ended when it decides the outcome (an error object, a stream
    /// without a finish reason); `None` when the response arrived whole.
    pub transport_outcome: Option<Outcome>,
}

/// The way a response ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Complete,
    /// Cut off by the maximum token count.
    Length,
    /// The stream ended without a finish reason.
    Truncated,
    /// The server returned an error.
    Error,
    /// A platform content filter cut the response.
    Filtered,
    /// The model returned tool calls instead of text.
    ToolCall,
    /// No text.
    Empty,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Length => "length",
            Self::Truncated => "truncated",
            Self::Error => "error",
            Self::Filtered => "filtered",
            Self::ToolCall => "tool_call",
            Self::Empty => "empty",
        }
    }

    /// Returns whether responses with this outcome get text scores.
    pub fn has_text_scores(self) -> bool {
        matches!(self, Self::Complete | Self::Length)
    }
}

/// The source of a refusal verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalSource {
    /// The API's own `refusal` field.
    Api,
    /// The text classifier.
    Text,
}

impl RefusalSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Text => "text",
        }
    }
}

/// Scores of one response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub outcome: Outcome,
    /// The refusal verdict and its source; `None` for outcomes without text scores,
    /// unless the API declared a refusal.
    pub refusal: Option<(RefusalVerdict, RefusalSource)>,
    /// `None` for outcomes without text scores.
    pub lexical: Option<LexicalSignals>,
    /// Passed through from the exchange.
    pub token_entropy: Option<TokenEntropy>,
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

    /// Creates a scorer that shares `classifier` with others.
    pub fn with_classifier(classifier: Arc<RefusalClassifier>) -> Self {
        Self {
            classifier,
            lexical: LexicalScorer::new(),
        }
    }

    /// Scores a plain response text that ended normally.
    pub fn score(&mut self, response: &str) -> Scores {
        self.score_exchange(&Exchange {
            response,
            ..Exchange::default()
        })
    }

    /// Scores one exchange, following the precedence in the module documentation.
    pub fn score_exchange(&mut self, exchange: &Exchange<'_>) -> Scores {
        let outcome = outcome_of(exchange);
        let declared = exchange
            .api_refusal
            .filter(|refusal| !refusal.trim().is_empty());
        let refusal = match declared {
            Some(_) if outcome != Outcome::Filtered => Some((
                RefusalVerdict {
                    class: RefusalClass::Full,
                    cue: "api:refusal-field",
                },
                RefusalSource::Api,
            )),
            _ if outcome.has_text_scores() => Some((self.classify(exchange), RefusalSource::Text)),
            _ => None,
        };
        let lexical = outcome
            .has_text_scores()
            .then(|| self.lexical.score(exchange.response));
        Scores {
            outcome,
            refusal,
            lexical,
            token_entropy: exchange.token_entropy,
        }
    }

    fn classify(&self, exchange: &Exchange<'_>) -> RefusalVerdict {
        match exchange.prompt {
            Some(prompt) => self
                .classifier
                .classify_with_prompt(prompt, exchange.response),
            None => self.classifier.classify(exchange.response),
        }
    }
}

/// Returns the outcome of an exchange whose transport finished, from the finish reason
/// and whether there is any text.
fn outcome_of(exchange: &Exchange<'_>) -> Outcome {
    if let Some(outcome) = exchange.transport_outcome {
        return outcome;
    }
    match exchange.finish_reason.map(str::trim) {
        Some("content_filter") => return Outcome::Filtered,
        Some("tool_calls" | "function_call") if exchange.response.trim().is_empty() => {
            return Outcome::ToolCall
        }
        _ => {}
    }
    if exchange.response.trim().is_empty() {
        if exchange
            .api_refusal
            .is_some_and(|refusal| !refusal.trim().is_empty())
        {
            return Outcome::Complete;
        }
        return Outcome::Empty;
    }
    match exchange.finish_reason.map(str::trim) {
        Some("length") => Outcome::Length,
        _ => Outcome::Complete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_filter_is_not_a_refusal() {
        let scores = Scorer::new().score_exchange(&Exchange {
            response: "I can't help with that.",
            finish_reason: Some("content_filter"),
            ..Exchange::default()
        });
        assert_eq!(scores.outcome, Outcome::Filtered);
        assert_eq!(scores.refusal, None);
        assert_eq!(scores.lexical, None);
    }

    #[test]
    fn api_refusal_field_overrides_text() {
        let scores = Scorer::new().score_exchange(&Exchange {
            response: "Here is a cake recipe: flour, eggs, sugar.",
            api_refusal: Some("I can't assist with that."),
            ..Exchange::default()
        });
        let (verdict, source) = scores.refusal.unwrap();
        assert_eq!(verdict.class, RefusalClass::Full);
        assert_eq!(source, RefusalSource::Api);
    }

    #[test]
    fn api_refusal_without_text_is_scored() {
        let scores = Scorer::new().score_exchange(&Exchange {
            response: "",
            api_refusal: Some("I can't assist with that."),
            ..Exchange::default()
        });
        assert_eq!(scores.outcome, Outcome::Complete);
        assert_eq!(scores.refusal.unwrap().1, RefusalSource::Api);
    }

    #[test]
    fn blank_response_is_empty_outcome() {
        let scores = Scorer::new().score("  \n ");
        assert_eq!(scores.outcome, Outcome::Empty);
        assert_eq!(scores.refusal, None);
        assert_eq!(scores.lexical, None);
    }

    #[test]
    fn length_cut_response_gets_text_scores() {
        let scores = Scorer::new().score_exchange(&Exchange {
            response: "The first three steps are",
            finish_reason: Some("length"),
            ..Exchange::default()
        });
        assert_eq!(scores.outcome, Outcome::Length);
        assert_eq!(scores.refusal.unwrap().0.class, RefusalClass::None);
        assert_eq!(scores.lexical.unwrap().words, 5);
    }

    #[test]
    fn tool_call_without_text() {
        let scores = Scorer::new().score_exchange(&Exchange {
            response: "",
            finish_reason: Some("tool_calls"),
            ..Exchange::default()
        });
        assert_eq!(scores.outcome, Outcome::ToolCall);
        assert_eq!(scores.refusal, None);
    }
}
