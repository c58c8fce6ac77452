//! Unit tests for the sequential tests: closed forms against numerical integration, hand
//! computed values and edge cases. The simulations are in `sequential_simulation_tests.rs`.

use super::*;

fn config(direction: Direction) -> SequentialConfig {
    SequentialConfig {
        direction,
        ..SequentialConfig::default()
    }
}

fn assert_close(actual: f64, expected: f64, relative: f64) {
    let tolerance = relative * expected.abs().max(1e-300);
    assert!(
        (actual - expected).abs() <= tolerance,
        "actual {actual}, expected {expected}"
    );
}

/// Mixture ratio by Simpson's rule: the integral over the true difference `theta` of the
/// normal likelihood ratio `exp((theta d - theta^2 / 2) / v)` for `theta >= lower`, weighted by
/// the N(0, tau^2) density and scaled by `weight`.
fn mixture_by_quadrature(d: f64, v: f64, tau2: f64, lower: f64, weight: f64) -> f64 {
    let tau = tau2.sqrt();
    let (a, b) = (lower.max(-12.0 * tau), 12.0 * tau);
    let steps = 20_000;
    let h = (b - a) / steps as f64;
    let f = |theta: f64| {
        let density = (-theta * theta / (2.0 * tau2)).exp() / (2.0 * PI * tau2).sqrt();
        ((theta * d - theta * theta / 2.0) / v).exp() * density
    };
    let mut sum = f(a) + f(b);
    for i in 1..steps {
        let coefficient = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += coefficient * f(a + i as f64 * h);
    }
    weight * sum * h / 3.0
}

#[test]
fn normal_cdf_known_values() {
    assert_close(log_normal_cdf(0.0).exp(), 0.5, 1e-14);
    assert_close(log_normal_cdf(1.959_963_984_540_054).exp(), 0.975, 1e-12);
    assert_close(
        log_normal_cdf(-3.0).exp(),
        0.001_349_898_031_630_095_7,
        1e-10,
    );
    assert_close(log_normal_cdf(-10.0), -53.231_285_150_512_46, 1e-10);
    // Asymptotic series of the lower tail: ln Phi(-40) = -800 - ln(40 sqrt(2 pi)) - ln(1 + 1/1600 ...).
    let asymptotic = -800.0 - (40.0 * (2.0 * PI).sqrt()).ln() - 1.0 / 1600.0;
    assert_close(log_normal_cdf(-40.0), asymptotic, 1e-8);
    // Reference values from CPython's math.erfc, on both sides of the switch from the series
    // to the continued fraction at x = -1.5 sqrt(2).
    let references = [
        (-2.1, 0.017_864_420_562_816_563),
        (-2.121, 0.016_960_901_212_192_45),
        (-2.122, 0.016_918_869_021_631_568),
        (-3.5, 0.000_232_629_079_035_525_04),
        (-3.6, 0.000_159_108_590_157_534),
        (-5.0, 2.866_515_718_791_946e-7),
        (-8.0, 6.220_960_574_271_819e-16),
        (2.0, 0.977_249_868_051_820_8),
    ];
    for (x, expected) in references {
        assert_close(log_normal_cdf(x).exp(), expected, 1e-12);
    }
    assert!(log_normal_cdf(40.0) <= 0.0);
    assert!(log_normal_cdf(-1e200).is_infinite());
}

#[test]
fn mixture_ratio_matches_quadrature() {
    let (v, tau2) = (4e-4, 0.0025);
    for d in [-0.06, -0.02, 0.0, 0.01, 0.045] {
        for min_effect in [0.0, 0.01] {
            let both = mixture_by_quadrature(d - min_effect, v, tau2, 0.0, 1.0)
                + mixture_by_quadrature(-(d + min_effect), v, tau2, 0.0, 1.0);
            let cases = [
                (
                    Direction::Increase,
                    mixture_by_quadrature(d - min_effect, v, tau2, 0.0, 2.0),
                ),
                (
                    Direction::Decrease,
                    mixture_by_quadrature(-(d + min_effect), v, tau2, 0.0, 2.0),
                ),
                (Direction::Either, both),
            ];
            for (direction, expected) in cases {
                let log_ratio = log_mixture_ratio(d, v, tau2, direction, min_effect);
                assert_close(log_ratio.exp(), expected, 1e-6);
            }
        }
        let symmetric = mixture_by_quadrature(d, v, tau2, f64::NEG_INFINITY, 1.0);
        assert_close(
            log_mixture_ratio(d, v, tau2, Direction::Either, 0.0).exp(),
            symmetric,
            1e-6,
        );
    }
}

#[test]
fn rates_hand_computed_values() {
    let either = compare_rates((100, 2000), (75, 1000), &config(Direction::Either));
    assert_close(either.difference, 0.025, 1e-12);
    assert_close(either.likelihood_ratio, 4.815_575_566_748_65, 1e-9);
    assert_close(either.interval.0, -0.009_799_416_869_500_713, 1e-9);
    assert_close(either.interval.1, 0.059_799_416_869_500_7, 1e-9);
    assert_close(either.p_value, 1.0 / 4.815_575_566_748_65, 1e-9);
    assert_eq!(either.decision, Decision::NoChange);

    let increase = compare_rates((100, 2000), (75, 1000), &config(Direction::Increase));
    assert_close(increase.likelihood_ratio, 9.578_330_714_753_214, 1e-9);
    let decrease = compare_rates((100, 2000), (75, 1000), &config(Direction::Decrease));
    assert_close(decrease.likelihood_ratio, 0.052_820_418_744_084_7, 1e-9);
}

#[test]
fn means_hand_computed_values() {
    let baseline = MeanSummary {
        count: 500,
        mean: 2.0,
        variance: 1.0,
    };
    let candidate = MeanSummary {
        count: 400,
        mean: 2.3,
        variance: 1.5,
    };
    let config = SequentialConfig {
        mixing_variance: 0.04,
        ..config(Direction::Either)
    };
    let result = compare_means(&baseline, &candidate, &config);
    assert_close(result.difference, 0.3, 1e-12);
    assert_close(result.likelihood_ratio, 332.116_041_580_85, 1e-9);
    assert_close(result.interval.0, 0.027_580_990_567_518_726, 1e-9);
    assert_close(result.interval.1, 0.572_419_009_432_480_9, 1e-9);
    assert_eq!(result.decision, Decision::Changed);
}

#[test]
fn rates_swap_is_symmetric() {
    let forward = compare_rates((130, 2000), (90, 1500), &config(Direction::Either));
    let backward = compare_rates((90, 1500), (130, 2000), &config(Direction::Either));
    assert_close(forward.difference, -backward.difference, 1e-12);
    assert_close(forward.likelihood_ratio, backward.likelihood_ratio, 1e-12);
    assert_close(forward.interval.0, -backward.interval.1, 1e-12);

    let up = compare_rates((130, 2000), (90, 1500), &config(Direction::Increase));
    let down = compare_rates((90, 1500), (130, 2000), &config(Direction::Decrease));
    assert_close(up.likelihood_ratio, down.likelihood_ratio, 1e-12);
}

#[test]
fn rates_direction_gates_decision() {
    let (baseline, candidate) = ((100, 2000), (200, 2000));
    let up = compare_rates(baseline, candidate, &config(Direction::Increase));
    let down = compare_rates(baseline, candidate, &config(Direction::Decrease));
    let either = compare_rates(baseline, candidate, &config(Direction::Either));
    assert_eq!(up.decision, Decision::Changed);
    assert_eq!(down.decision, Decision::NoChange);
    assert_eq!(either.decision, Decision::Changed);
    assert!(up.likelihood_ratio > either.likelihood_ratio);
    assert!(either.interval.0 > 0.0);
}

#[test]
fn rates_min_effect_threshold() {
    // A 3-point increase measured on a million samples per side.
    let (baseline, candidate) = ((50_000, 1_000_000), (80_000, 1_000_000));
    let small = SequentialConfig {
        min_effect: 0.01,
        ..config(Direction::Increase)
    };
    let large = SequentialConfig {
        min_effect: 0.05,
        ..config(Direction::Increase)
    };
    let either_large = SequentialConfig {
        min_effect: 0.05,
        ..config(Direction::Either)
    };
    assert_eq!(
        compare_rates(baseline, candidate, &small).decision,
        Decision::Changed
    );
    assert_eq!(
        compare_rates(baseline, candidate, &large).decision,
        Decision::NoChange
    );
    assert_eq!(
        compare_rates(baseline, candidate, &either_large).decision,
        Decision::NoChange
    );
    let reverse = compare_rates(
        candidate,
        baseline,
        &SequentialConfig {
            min_effect: 0.01,
            ..config(Direction::Either)
        },
    );
    assert_eq!(reverse.decision, Decision::Changed);
}

#[test]
fn rates_insufficient_data() {
    let config = config(Direction::Either);
    let too_few = compare_rates((10, 2000), (150, 199), &config);
    assert_eq!(too_few.decision, Decision::InsufficientData);
    assert!(
        too_few.likelihood_ratio > 1e6,
        "the ratio is still reported"
    );

    let empty = compare_rates((10, 2000), (0, 0), &config);
    assert_eq!(empty.decision, Decision::InsufficientData);
    assert_eq!(empty.interval, (-1.0, 1.0));
    assert_eq!(empty.likelihood_ratio, 1.0);

    let few_events = compare_rates((2, 2000), (2, 2000), &config);
    assert_eq!(few_events.decision, Decision::InsufficientData);
    let few_non_events = compare_rates((1998, 2000), (2000, 2000), &config);
    assert_eq!(few_non_events.decision, Decision::InsufficientData);
    let enough_events = compare_rates((3, 2000), (2, 2000), &config);
    assert_eq!(enough_events.decision, Decision::NoChange);
}

#[test]
fn rates_extreme_counts() {
    let config = config(Direction::Either);
    let none = compare_rates((0, 5000), (0, 5000), &config);
    assert_eq!(none.decision, Decision::InsufficientData);
    assert_eq!(none.difference, 0.0);
    let all = compare_rates((5000, 5000), (5000, 5000), &config);
    assert_eq!(all.decision, Decision::InsufficientData);

    let opposite = compare_rates((0, 5000), (5000, 5000), &config);
    assert_eq!(opposite.decision, Decision::Changed);
    assert_eq!(opposite.difference, 1.0);
    assert!(opposite.interval.1 <= 1.0);
    assert!(opposite.likelihood_ratio.is_finite());

    let jump = compare_rates((0, 2000), (40, 200), &config);
    assert_eq!(jump.decision, Decision::Changed);

    let overcounted = compare_rates((300, 200), (10, 200), &config);
    assert_eq!(overcounted.baseline_rate, 1.0);
}

#[test]
fn rates_outputs_always_finite() {
    let sizes = [0u64, 1, 2, 7, 199, 200, 1000, 1_000_000, u64::MAX / 4];
    let configs = [
        config(Direction::Either),
        config(Direction::Increase),
        SequentialConfig {
            min_effect: 0.2,
            ..config(Direction::Decrease)
        },
        SequentialConfig {
            alpha: 0.0,
            mixing_variance: 0.0,
            ..config(Direction::Either)
        },
        SequentialConfig {
            alpha: f64::NAN,
            mixing_variance: f64::INFINITY,
            min_effect: f64::NAN,
            ..config(Direction::Either)
        },
    ];
    for &n0 in &sizes {
        for &n1 in &sizes {
            for (x0, x1) in [
                (0, 0),
                (0, n1),
                (n0, 0),
                (n0 / 2, n1 / 3),
                (n0, n1),
                (1, n1.saturating_sub(1)),
            ] {
                for config in &configs {
                    let result = compare_rates((x0, n0), (x1, n1), config);
                    let values = [
                        result.baseline_rate,
                        result.candidate_rate,
                        result.difference,
                        result.interval.0,
                        result.interval.1,
                        result.likelihood_ratio,
                        result.p_value,
                    ];
                    assert!(
                        values.iter().all(|v| v.is_finite()),
                        "{x0}/{n0} vs {x1}/{n1}: {result:?}"
                    );
                    assert!(result.interval.0 <= result.interval.1);
                }
            }
        }
    }
}

#[test]
fn means_edge_cases() {
    let config = SequentialConfig {
        mixing_variance: 0.04,
        ..config(Direction::Either)
    };
    let constant = MeanSummary {
        count: 300,
        mean: 1.0,
        variance: 0.0,
    };
    let same = compare_means(&constant, &constant, &config);
    assert_eq!(same.decision, Decision::NoChange);
    assert_eq!(same.interval, (0.0, 0.0));
    assert_eq!(same.likelihood_ratio, 0.0);

    let shifted = MeanSummary {
        mean: 1.5,
        ..constant
    };
    let moved = compare_means(&constant, &shifted, &config);
    assert_eq!(moved.decision, Decision::Changed);
    assert_eq!(moved.likelihood_ratio, f64::MAX);
    let down = SequentialConfig {
        direction: Direction::Decrease,
        ..config.clone()
    };
    assert_eq!(
        compare_means(&constant, &shifted, &down).decision,
        Decision::NoChange
    );

    let few = MeanSummary {
        count: 10,
        mean: 9.0,
        variance: 1.0,
    };
    assert_eq!(
        compare_means(&constant, &few, &config).decision,
        Decision::InsufficientData
    );

    let broken = MeanSummary {
        count: 500,
        mean: f64::NAN,
        variance: f64::INFINITY,
    };
    let result = compare_means(&constant, &broken, &config);
    assert_eq!(result.decision, Decision::InsufficientData);
    assert!(result.candidate_mean.is_finite());

    let huge = MeanSummary {
        count: 500,
        mean: f64::MAX,
        variance: f64::MAX,
    };
    let tiny = MeanSummary {
        count: 500,
        mean: -f64::MAX,
        variance: 0.0,
    };
    for (a, b) in [(huge, tiny), (tiny, huge), (tiny, constant), (huge, huge)] {
        let result = compare_means(&a, &b, &config);
        let values = [
            result.difference,
            result.interval.0,
            result.interval.1,
            result.likelihood_ratio,
            result.p_value,
        ];
        assert!(values.iter().all(|v| v.is_finite()), "{result:?}");
    }
}
