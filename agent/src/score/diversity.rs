//! Diversity across several samples of the same prompt: a model narrowed by tuning
//! gives nearly the same answer every time. Two measures, both in [0, 1] and higher
//! for more varied samples:
//! - pooled distinct-2: distinct word bigrams over all word bigrams of all samples;
//! - mean pairwise dissimilarity: the mean over pairs of samples of 1 − Jaccard
//!   similarity of their word sets.

use std::collections::HashSet;

use super::lexical::{combine, word_hashes};

/// Diversity of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diversity {
    pub distinct_2: f64,
    pub mean_pairwise_dissimilarity: f64,
    /// Samples compared.
    pub samples: u32,
}

/// Measures the diversity of `samples`; `None` with fewer than two samples.
pub fn diversity<S: AsRef<str>>(samples: &[S]) -> Option<Diversity> {
    if samples.len() < 2 {
        return None;
    }
    let mut bigrams = HashSet::new();
    let mut bigram_total = 0u64;
    let mut word_sets: Vec<HashSet<u64>> = Vec::with_capacity(samples.len());
    for sample in samples {
        let words: Vec<u64> = word_hashes(sample.as_ref()).collect();
        for pair in words.windows(2) {
            bigrams.insert(combine(pair[0], pair[1]));
            bigram_total += 1;
        }
        word_sets.push(words.into_iter().collect());
    }
    let mut dissimilarity_sum = 0.0;
    let mut pairs = 0u32;
    for (index, first) in word_sets.iter().enumerate() {
        for second in &word_sets[index + 1..] {
            let union = first.union(second).count();
            let similarity = if union == 0 {
                1.0
            } else {
                first.intersection(second).count() as f64 / union as f64
            };
            dissimilarity_sum += 1.0 - similarity;
            pairs += 1;
        }
    }
    Some(Diversity {
        distinct_2: if bigram_total == 0 {
            0.0
        } else {
            bigrams.len() as f64 / bigram_total as f64
        },
        mean_pairwise_dissimilarity: dissimilarity_sum / f64::from(pairs),
        samples: samples.len() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_have_no_dissimilarity() {
        let same = ["the cat sat on the mat"; 4];
        let measured = diversity(&same).unwrap();
        assert_eq!(measured.mean_pairwise_dissimilarity, 0.0);
        assert!((measured.distinct_2 - 0.25).abs() < 1e-12);
        assert_eq!(measured.samples, 4);
    }

    #[test]
    fn disjoint_samples_are_fully_dissimilar() {
        let measured = diversity(&["red green blue", "one two three"]).unwrap();
        assert_eq!(measured.mean_pairwise_dissimilarity, 1.0);
        assert_eq!(measured.distinct_2, 1.0);
    }

    #[test]
    fn one_sample_has_no_diversity() {
        assert_eq!(diversity(&["alone"]), None);
    }
}
