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
        // Sum over distinct words of c * log2(c), kept up to date as counts grow.
        let mut weighted = 0.0;

        for word in WordHashes::new(text.as_bytes()) {
            let count = self.word_counts.entry(word).or_insert(0);
            *count += 1;
            weighted += count_log_count(*count) - count_log_count(*count - 1);
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
            word_entropy_bits: entropy_bits(words, weighted),
            distinct_2: ratio(self.bigrams.len() as u32, bigram_total),
            repetition: ratio(fourgram_repeats, fourgram_total),
        }
    }
}

/// Shannon entropy in bits of a distribution of `total` items whose counts `c` give
/// `weighted` = sum(c * log2(c)): `log2(N) - weighted / N`.
fn entropy_bits(total: u32, weighted: f64) -> f64 {
    if total < 2 {
        return 0.0;
    }
    let n = f64::from(total);
    (n.log2() - weighted / n).max(0.0)
}

/// Counts below this have `c * log2(c)` looked up instead of computed.
const TABLE_COUNTS: usize = 1024;

static COUNT_LOG_COUNT: std::sync::LazyLock<[f64; TABLE_COUNTS]> = std::sync::LazyLock::new(|| {
    let mut table = [0.0; TABLE_COUNTS];
    for (count, value) in table.iter_mut().enumerate().skip(2) {
        let count = count as f64;
        *value = count * count.log2();
    }
    table
});

/// `c * log2(c)`, with 0 for c = 0 and c = 1.
fn count_log_count(count: u32) -> f64 {
    match COUNT_LOG_COUNT.get(count as usize) {
        Some(value) => *value,
        None => {
            let count = f64::from(count);
            count * count.log2()
        }
    }
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

/// Each byte's value in a word: ASCII letters lowercased, digits and non-ASCII bytes as
/// they are, and 0 for every byte that separates words.
static WORD_BYTE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0usize;
    while byte < 256 {
        let value = byte as u8;
        table[byte] = if value.is_ascii_alphanumeric() {
            value.to_ascii_lowercase()
        } else if value >= 0x80 {
            value
        } else {
            0
        };
        byte += 1;
    }
    table
};

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

impl Iterator for WordHashes<'_> {
    type Item = u64;

    /// Hashes eight bytes at a time: bytes are shifted into a word, which is mixed into
    /// the hash with one multiply when full and once more at the end of the word,
    /// together with the word length.
    fn next(&mut self) -> Option<u64> {
        let bytes = self.bytes;
        let mut i = self.position;
        while i < bytes.len() && WORD_BYTE[bytes[i] as usize] == 0 {
            i += 1;
        }
        if i == bytes.len() {
            self.position = i;
            return None;
        }
        let start = i;
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut chunk: u64 = 0;
        let mut filled = 0;
        while i < bytes.len() {
            let value = WORD_BYTE[bytes[i] as usize];
            if value == 0 {
                break;
            }
            chunk = (chunk << 8) | u64::from(value);
            filled += 1;
            if filled == 8 {
                hash = (hash ^ chunk).wrapping_mul(MIX);
                chunk = 0;
                filled = 0;
            }
            i += 1;
        }
        self.position = i;
        let length = (i - start) as u64;
        hash = (hash ^ chunk ^ length.rotate_right(8)).wrapping_mul(MIX);
        Some(hash ^ (hash >> 29))
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
