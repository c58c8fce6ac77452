//! Fixed-seed simulations of continuous monitoring: false alarms under the null hypothesis
//! stay at or below alpha, peeking with a fixed-sample test does not, and a 5 % to 10 % change
//! is detected.

use super::*;

/// xorshift64* generator, so the simulations are reproducible without extra crates.
struct XorShift(u64);

impl XorShift {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Returns a uniform draw on [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal draw by the Box-Muller transform.
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * PI * v).cos()
    }
}

fn config(direction: Direction) -> SequentialConfig {
    SequentialConfig {
        direction,
        ..SequentialConfig::default()
    }
}

/// Share of null streams in which the test ever reports `Changed`, when a baseline of
/// `baseline_samples` and a growing candidate stream with the same rate are compared after
/// every 50 candidate samples up to 10,000. With `baseline_grows`, the baseline gains 50 samples
/// at every evaluation too.
fn rate_false_alarm_share(
    rate: f64,
    baseline_samples: u64,
    baseline_grows: bool,
    config: &SequentialConfig,
    seed: u64,
) -> f64 {
    let mut rng = XorShift(seed);
    let streams = 400;
    let mut alarms = 0;
    for _ in 0..streams {
        let mut baseline = (0u64, 0u64);
        for _ in 0..baseline_samples {
            baseline.0 += u64::from(rng.bernoulli(rate));
            baseline.1 += 1;
        }
        let mut candidate = (0u64, 0u64);
        for _ in 0..200 {
            for _ in 0..50 {
                candidate.0 += u64::from(rng.bernoulli(rate));
                candidate.1 += 1;
                if baseline_grows {
                    baseline.0 += u64::from(rng.bernoulli(rate));
                    baseline.1 += 1;
                }
            }
            if compare_rates(baseline, candidate, config).decision == Decision::Changed {
                alarms += 1;
                break;
            }
        }
    }
    alarms as f64 / streams as f64
}

#[test]
fn rates_null_false_alarms_bounded() {
    for alpha in [0.01, 0.05] {
        let config = SequentialConfig {
            alpha,
            ..config(Direction::Either)
        };
        let cases = [
            (0.05, 2000, false),
            (0.05, 200, true),
            (0.5, 2000, false),
            (0.01, 2000, false),
        ];
        for (seed, (rate, baseline_samples, grows)) in cases.into_iter().enumerate() {
            let share =
                rate_false_alarm_share(rate, baseline_samples, grows, &config, 17 + seed as u64);
            assert!(
                share <= alpha,
                "rate {rate}, baseline {baseline_samples}, grows {grows}: {share} > {alpha}"
            );
        }
    }
}

#[test]
fn rates_min_effect_bounds_small_changes() {
    // The true increase equals min_effect, which the shifted null hypothesis still covers.
    let alpha = 0.05;
    let config = SequentialConfig {
        alpha,
        min_effect: 0.02,
        ..config(Direction::Increase)
    };
    let mut rng = XorShift(31);
    let streams = 400;
    let mut alarms = 0;
    for _ in 0..streams {
        let baseline = (
            (0..2000).filter(|_| rng.bernoulli(0.05)).count() as u64,
            2000,
        );
        let mut candidate = (0u64, 0u64);
        for _ in 0..200 {
            candidate.0 += (0..50).filter(|_| rng.bernoulli(0.07)).count() as u64;
            candidate.1 += 50;
            if compare_rates(baseline, candidate, &config).decision == Decision::Changed {
                alarms += 1;
                break;
            }
        }
    }
    let share = alarms as f64 / streams as f64;
    assert!(
        share <= alpha,
        "alarm share {share} at a change equal to min_effect"
    );
}

#[test]
fn repeated_fixed_sample_test_inflates_false_alarms() {
    // A z-test at 5 % checked after every batch: the peeking problem the mSPRT avoids.
    let mut rng = XorShift(5);
    let streams = 400;
    let mut alarms = 0;
    for _ in 0..streams {
        let (mut x0, mut x1, mut n) = (0u64, 0u64, 0u64);
        for _ in 0..200 {
            for _ in 0..50 {
                x0 += u64::from(rng.bernoulli(0.05));
                x1 += u64::from(rng.bernoulli(0.05));
                n += 1;
            }
            let pooled = (x0 + x1) as f64 / (2 * n) as f64;
            let z = (x1 as f64 - x0 as f64)
                / n as f64
                / (pooled * (1.0 - pooled) * 2.0 / n as f64).sqrt();
            if z.abs() > 1.96 {
                alarms += 1;
                break;
            }
        }
    }
    let share = alarms as f64 / streams as f64;
    assert!(share > 0.15, "peeking share {share}");
}

#[test]
fn rates_detect_five_to_ten_percent() {
    let config = config(Direction::Increase);
    let mut rng = XorShift(99);
    let streams = 400;
    let mut delays = Vec::new();
    for _ in 0..streams {
        let mut baseline = (0u64, 2000u64);
        for _ in 0..2000 {
            baseline.0 += u64::from(rng.bernoulli(0.05));
        }
        let mut candidate = (0u64, 0u64);
        for _ in 0..200 {
            for _ in 0..50 {
                candidate.0 += u64::from(rng.bernoulli(0.10));
                candidate.1 += 1;
            }
            if compare_rates(baseline, candidate, &config).decision == Decision::Changed {
                delays.push(candidate.1);
                break;
            }
        }
    }
    assert_eq!(
        delays.len(),
        streams,
        "every stream detects the change within 10,000 samples"
    );
    delays.sort_unstable();
    let median = delays[streams / 2];
    assert!(median <= 2000, "median delay {median}");
}

#[test]
fn means_null_false_alarms_bounded() {
    let alpha = 0.05;
    let config = SequentialConfig {
        alpha,
        mixing_variance: 0.01,
        min_samples: 100,
        ..config(Direction::Either)
    };
    let mut rng = XorShift(2024);
    let streams = 400;
    let mut alarms = 0;
    let summarize = |values: &[f64]| {
        let count = values.len() as f64;
        let mean = values.iter().sum::<f64>() / count;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (count - 1.0);
        MeanSummary {
            count: values.len() as u64,
            mean,
            variance,
        }
    };
    for _ in 0..streams {
        // Baseline and candidate have the same mean but different spread.
        let baseline_values: Vec<f64> = (0..1000).map(|_| 3.0 + rng.normal()).collect();
        let baseline = summarize(&baseline_values);
        let mut candidate_values = Vec::new();
        for _ in 0..100 {
            candidate_values.extend((0..50).map(|_| 3.0 + 2.0 * rng.normal()));
            if compare_means(&baseline, &summarize(&candidate_values), &config).decision
                == Decision::Changed
            {
                alarms += 1;
                break;
            }
        }
    }
    let share = alarms as f64 / streams as f64;
    assert!(share <= alpha, "false alarm share {share}");
}
