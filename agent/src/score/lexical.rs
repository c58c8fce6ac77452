//! Lexical signals of a response: word count, Shannon entropy of the word distribution,
//! the distinct-2 ratio and 4-gram repetition.
//!
//! A word is a maximal run of ASCII letters and digits or non-ASCII bytes, compared
//! without ASCII case. Counting works on 64-bit hashes of words in maps that the scorer
//! keeps between calls, so scoring allocates only while a response is longer than every
//! earlier one, and memory stays bounded by the longest response.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Lexical signals of one response.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LexicalSignals {
    /// Number of words.
    pub words: u32,
    /// Shannon entropy of the word distribution, in bits per word; 0 for fewer than two words.
    pub word_entropy_bits: f64,
    /// Distinct word bigrams over all word bigrams, in [0, 1]; 0 with no bigram.
    pub distinct_2: f64,
    /// Share of word 4-grams that repeat an earlier 4-gram of the same response, in [0, 1].
    pub repetition: f64,
}

/// Computes [`LexicalSignals`], reusing its hash tables from one call to the next.
#[derive(Debug, Default)]
pub struct LexicalScorer {
    word_counts: HashMap<u64, u32, BuildPrehashed>,
    bigrams: HashSet<u64, BuildPrehashed>,
    fourgrams: HashSet<u64, BuildPrehashed>,
}

impl LexicalScorer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Scores `text` in one pass over its bytes.
    pub fn score(&mut self, text: &str) -> LexicalSignals {
        self.word_counts.clear();
        self.bigrams.clear();
        self.fourgrams.clear();

        // The last three word hashes, newest first, to form bigrams and 4-grams.
        let mut recent = [0u64; 3];
        let mut words: u32 = 0;
        let mut bigram_total: u32 = 0;
        let mut fourgram_total: u32 = 0;
        let mut fourgram_repeats: u32 = 0;

        for word in WordHashes::new(text.as_bytes()) {
            *self.word_counts.entry(word).or_insert(0) += 1;
            if words >= 1 {
                bigram_total += 1;
                self.bigrams.insert(combine(recent[0], word));
            }
            if words >= 3 {
                fourgram_total += 1;
                let gram = combine(combine(combine(recent[2], recent[1]), recent[0]), word);
                if !self.fourgrams.insert(gram) {
                    fourgram_repeats += 1;
                }
            }
            recent = [word, recent[0], recent[1]];
            words = words.saturating_add(1);
        }

        LexicalSignals {
            words,
            word_entropy_bits: entropy_bits(words, self.word_counts.values().copied()),
            distinct_2: ratio(self.bigrams.len() as u32, bigram_total),
            repetition: ratio(fourgram_repeats, fourgram_total),
        }
    }
}

/// Shannon entropy in bits of the distribution given by `counts`, which sum to `total`:
/// `log2(N) - (1/N) * sum(c * log2(c))`.
fn entropy_bits(total: u32, counts: impl Iterator<Item = u32>) -> f64 {
    if total < 2 {
        return 0.0;
    }
    let n = f64::from(total);
    let weighted: f64 = counts
        .filter(|&c| c > 1)
        .map(|c| {
            let c = f64::from(c);
            c * c.log2()
        })
        .sum();
    (n.log2() - weighted / n).max(0.0)
}

fn ratio(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

/// Hashes of the words of `text`, in order, as [`LexicalScorer`] counts them.
pub(crate) fn word_hashes(text: &str) -> impl Iterator<Item = u64> + '_ {
    WordHashes::new(text.as_bytes())
}

/// Mixes two word hashes into the hash of the pair, order-sensitively.
pub(crate) fn combine(first: u64, second: u64) -> u64 {
    (first.rotate_left(23) ^ second).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Iterates over the words of a byte string, yielding a 64-bit hash of each word
/// with ASCII letters lowercased (FNV-1a, then a final multiply to spread the bits).
struct WordHashes<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> WordHashes<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, position: 0 }
    }
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte >= 0x80
}

impl Iterator for WordHashes<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let bytes = self.bytes;
        let mut i = self.position;
        while i < bytes.len() && !is_word_byte(bytes[i]) {
            i += 1;
        }
        if i == bytes.len() {
            self.position = i;
            return None;
        }
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        while i < bytes.len() && is_word_byte(bytes[i]) {
            hash ^= u64::from(bytes[i].to_ascii_lowercase());
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            i += 1;
        }
        self.position = i;
        Some(hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (hash >> 29))
    }
}

/// A hasher for keys that are already well-mixed 64-bit hashes: it passes them through.
#[derive(Debug, Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8) | u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

type BuildPrehashed = BuildHasherDefault<Prehashed>;

#[cfg(test)]
mod tests {
    use super::*;

    fn score(text: &str) -> LexicalSignals {
        LexicalScorer::new().score(text)
    }

    #[test]
    fn empty_text_scores_zero() {
        assert_eq!(score(""), LexicalSignals::default());
        assert_eq!(score("  ... !!"), LexicalSignals::default());
    }

    #[test]
    fn entropy_of_distinct_words_is_log2_count() {
        let signals = score("alpha beta gamma delta");
        assert_eq!(signals.words, 4);
        assert!((signals.word_entropy_bits - 2.0).abs() < 1e-12);
        assert_eq!(signals.distinct_2, 1.0);
        assert_eq!(signals.repetition, 0.0);
    }

    #[test]
    fn words_compare_without_ascii_case() {
        let signals = score("Word word WORD, word.");
        assert_eq!(signals.words, 4);
        assert_eq!(signals.word_entropy_bits, 0.0);
    }

    #[test]
    fn looping_text_scores_high_repetition() {
        let sentence = "I am going to say this again. ";
        let looped = sentence.repeat(30);
        let signals = score(&looped);
        assert_eq!(signals.words, 7 * 30);
        assert!(
            signals.repetition > 0.9,
            "repetition {}",
            signals.repetition
        );
        assert!(
            signals.distinct_2 < 0.05,
            "distinct_2 {}",
            signals.distinct_2
        );
    }

    #[test]
    fn scorer_state_does_not_leak_between_calls() {
        let mut scorer = LexicalScorer::new();
        scorer.score(&"one two three four ".repeat(10));
        let fresh = scorer.score("one two three four");
        assert_eq!(fresh.repetition, 0.0);
        assert_eq!(fresh, score("one two three four"));
    }

    #[test]
    fn non_ascii_words_are_counted() {
        let signals = score("café naïve café");
        assert_eq!(signals.words, 3);
        assert!(signals.word_entropy_bits > 0.9 && signals.word_entropy_bits < 0.92);
    }
}
