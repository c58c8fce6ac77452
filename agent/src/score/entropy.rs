//! Token entropy from the `top_logprobs` alternatives that OpenAI-compatible servers
//! return with each generated token.
//!
//! Per token, the entropy of the next-token distribution is estimated from the k
//! returned alternatives, with p = exp(logprob). The probability mass outside the top k,
//! `1 - sum(p)`, is counted as one lumped outcome. Lumping the tail gives a lower bound
//! of the true entropy, so the estimate is marked as truncated at k and is only
//! comparable between runs that ask for the same k from the same server. A response with
//! no usable alternatives has unknown entropy (`None`), never 0.

/// Mean token entropy of one response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenEntropy {
    /// Mean over counted tokens of the per-token entropy, in bits.
    pub mean_bits: f64,
    /// Tokens that had usable alternatives.
    pub tokens: u32,
    /// Largest number of alternatives seen for one token (the k of top-k).
    pub top_k: u32,
}

/// Accumulates per-token entropies of one response.
#[derive(Debug, Clone, Default)]
pub struct EntropyAccumulator {
    sum_bits: f64,
    tokens: u32,
    top_k: u32,
}

impl EntropyAccumulator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one token given the log-probabilities (natural log) of its alternatives.
    /// Non-finite values (`-inf` for zero probability, NaN) carry no mass and are
    /// skipped; a token with no finite alternative is not counted.
    pub fn add_token(&mut self, logprobs: impl IntoIterator<Item = f64>) {
        let mut mass = 0.0;
        let mut bits = 0.0;
        let mut alternatives = 0u32;
        let mut usable = 0u32;
        for logprob in logprobs {
            alternatives += 1;
            if !logprob.is_finite() {
                continue;
            }
            let p = logprob.min(0.0).exp();
            if p <= 0.0 {
                continue;
            }
            usable += 1;
            mass += p;
            bits -= p * p.log2();
        }
        if usable == 0 {
            return;
        }
        // Rounding in the server can make the top k sum slightly above 1.
        let rest = (1.0 - mass).max(0.0);
        if rest > 0.0 {
            bits -= rest * rest.log2();
        }
        self.sum_bits += bits.max(0.0);
        self.tokens += 1;
        self.top_k = self.top_k.max(alternatives);
    }

    /// The mean over counted tokens, or `None` when no token had usable alternatives.
    pub fn finish(&self) -> Option<TokenEntropy> {
        (self.tokens > 0).then(|| TokenEntropy {
            mean_bits: self.sum_bits / f64::from(self.tokens),
            tokens: self.tokens,
            top_k: self.top_k,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_alternatives_give_log2_k() {
        let mut accumulator = EntropyAccumulator::new();
        accumulator.add_token([0.25f64.ln(); 4]);
        let entropy = accumulator.finish().unwrap();
        assert!((entropy.mean_bits - 2.0).abs() < 1e-9);
        assert_eq!(entropy.tokens, 1);
        assert_eq!(entropy.top_k, 4);
    }

    #[test]
    fn missing_mass_is_one_lumped_outcome() {
        let mut accumulator = EntropyAccumulator::new();
        // One alternative with p = 0.5 and 0.5 outside the top k: two outcomes of 0.5.
        accumulator.add_token([0.5f64.ln()]);
        assert!((accumulator.finish().unwrap().mean_bits - 1.0).abs() < 1e-9);
    }

    #[test]
    fn certain_token_has_zero_entropy() {
        let mut accumulator = EntropyAccumulator::new();
        accumulator.add_token([0.0, f64::NEG_INFINITY]);
        let entropy = accumulator.finish().unwrap();
        assert_eq!(entropy.mean_bits, 0.0);
        assert_eq!(entropy.top_k, 2);
    }

    #[test]
    fn no_usable_alternatives_is_unknown() {
        let mut accumulator = EntropyAccumulator::new();
        accumulator.add_token([]);
        accumulator.add_token([f64::NEG_INFINITY, f64::NAN]);
        assert_eq!(accumulator.finish(), None);
    }

    #[test]
    fn mean_over_tokens() {
        let mut accumulator = EntropyAccumulator::new();
        accumulator.add_token([0.0]);
        accumulator.add_token([0.5f64.ln(), 0.5f64.ln()]);
        let entropy = accumulator.finish().unwrap();
        assert!((entropy.mean_bits - 0.5).abs() < 1e-9);
        assert_eq!(entropy.tokens, 2);
    }
}
