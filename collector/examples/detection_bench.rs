//! Detection benchmark: the mSPRT rate comparison in `src/detect/sequential.rs` against a
//! fixed-window threshold rule of the kind written as a Prometheus alert, on simulated
//! over-refusal streams. Prints a Markdown table.
//!
//! Each run draws a fixed baseline sample (2,000 prompts at 5 %) and a candidate stream that
//! stays at 5 % (null runs) or is at 10 % or 7.5 % from the first sample (change runs). Every rule is
//! evaluated after each batch of 50 candidate samples, up to 100,000. The window rule fires
//! when the rate of the last 500 candidate samples exceeds the baseline rate by more than X.
//! X is calibrated on the null runs, first to the false-alarm share of the mSPRT, then to 1 %.
//!
//! Run with `cargo run --release -p candor-collector --example detection_bench`.

#[allow(dead_code)]
#[path = "../src/detect/sequential.rs"]
mod sequential;

use sequential::{compare_rates, Decision, Direction, SequentialConfig};
use std::thread;
use std::time::Instant;

const SEED: u64 = 20_261_204;
const NULL_RUNS: u64 = 40_000;
const CHANGE_RUNS: u64 = 10_000;
const BASELINE_RATE: f64 = 0.05;
/// Candidate rates of the change runs: the doubling the alert is designed for, and a smaller
/// change of 2.5 points.
const CHANGED_RATES: [f64; 2] = [0.10, 0.075];
const BASELINE_SAMPLES: u64 = 2_000;
const BATCH: u64 = 50;
const HORIZON: u64 = 100_000;
const WINDOW_BATCHES: usize = 10;
/// One-sided z quantile for 1 %, used by the uncorrected repeated z-test.
const Z_99: f64 = 2.326_347_874_040_841;

/// xorshift64* generator seeded through splitmix64, one stream per run.
struct Rng(u64);

impl Rng {
    fn for_run(phase: u64, run: u64) -> Self {
        let mut z = SEED ^ (phase << 40) ^ run;
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Number of events in `n` Bernoulli draws with probability `p`.
    fn binomial_by_draws(&mut self, n: u64, p: f64) -> u64 {
        let cutoff = (p * 2f64.powi(64)) as u64;
        (0..n).map(|_| u64::from(self.next_u64() < cutoff)).sum()
    }
}

/// First candidate sample count at which each rule fired, `None` if it never did.
#[derive(Default)]
struct RunOutcome {
    msprt: Option<u64>,
    window: Option<u64>,
    repeated_z: Option<u64>,
    /// Largest `window rate - baseline rate` seen, for calibrating X on null runs.
    max_window_excess: f64,
}

/// Simulates one run. `window_threshold` is X, or `None` to only record the maximum excess.
fn simulate(
    rng: &mut Rng,
    candidate_rate: f64,
    config: &SequentialConfig,
    window_threshold: Option<f64>,
) -> RunOutcome {
    let baseline = (
        rng.binomial_by_draws(BASELINE_SAMPLES, BASELINE_RATE),
        BASELINE_SAMPLES,
    );
    let baseline_rate = baseline.0 as f64 / baseline.1 as f64;
    let mut outcome = RunOutcome {
        max_window_excess: f64::NEG_INFINITY,
        ..RunOutcome::default()
    };
    let mut window = [0u64; WINDOW_BATCHES];
    let mut candidate = (0u64, 0u64);

    for batch in 0..(HORIZON / BATCH) as usize {
        let events = rng.binomial_by_draws(BATCH, candidate_rate);
        window[batch % WINDOW_BATCHES] = events;
        candidate = (candidate.0 + events, candidate.1 + BATCH);

        if outcome.msprt.is_none()
            && compare_rates(baseline, candidate, config).decision == Decision::Changed
        {
            outcome.msprt = Some(candidate.1);
        }

        if batch + 1 >= WINDOW_BATCHES {
            let window_rate =
                window.iter().sum::<u64>() as f64 / (WINDOW_BATCHES as u64 * BATCH) as f64;
            let excess = window_rate - baseline_rate;
            outcome.max_window_excess = outcome.max_window_excess.max(excess);
            if outcome.window.is_none() && window_threshold.is_some_and(|x| excess > x) {
                outcome.window = Some(candidate.1);
            }
        }

        if outcome.repeated_z.is_none() {
            let n1 = candidate.1 as f64;
            let n0 = baseline.1 as f64;
            let pooled = (baseline.0 + candidate.0) as f64 / (n0 + n1);
            let standard_error = (pooled * (1.0 - pooled) * (1.0 / n0 + 1.0 / n1)).sqrt();
            let difference = candidate.0 as f64 / n1 - baseline_rate;
            if standard_error > 0.0 && difference / standard_error > Z_99 {
                outcome.repeated_z = Some(candidate.1);
            }
        }

        // Null runs run to the horizon to find the maximum excess. Change runs stop once
        // every rule has fired.
        let all_fired =
            outcome.msprt.is_some() && outcome.window.is_some() && outcome.repeated_z.is_some();
        if window_threshold.is_some() && all_fired {
            break;
        }
    }
    outcome
}

/// Runs `runs` simulations split over the available cores. Results are in run order.
fn run_all(
    phase: u64,
    runs: u64,
    candidate_rate: f64,
    config: &SequentialConfig,
    window_threshold: Option<f64>,
) -> Vec<RunOutcome> {
    let workers = thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let chunk = runs.div_ceil(workers);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    let end = runs.min((worker + 1) * chunk);
                    (worker * chunk..end)
                        .map(|run| {
                            simulate(
                                &mut Rng::for_run(phase, run),
                                candidate_rate,
                                config,
                                window_threshold,
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("simulation thread panicked"))
            .collect()
    })
}

/// Smallest X whose false-alarm share on the null runs is at most `target`.
fn calibrate_threshold(null_outcomes: &[RunOutcome], target: f64) -> f64 {
    let mut excesses: Vec<f64> = null_outcomes.iter().map(|o| o.max_window_excess).collect();
    excesses.sort_by(|a, b| b.total_cmp(a));
    let allowed = (target * excesses.len() as f64).floor() as usize;
    excesses[allowed.min(excesses.len() - 1)]
}

fn share(count: usize, total: usize) -> String {
    format!("{:.2} %", 100.0 * count as f64 / total as f64)
}

/// Median and 90th percentile of detection delays, treating runs without a detection as
/// later than every detection.
fn delay_quantiles(delays: &[Option<u64>]) -> (String, String) {
    let mut sorted: Vec<u64> = delays.iter().map(|d| d.unwrap_or(u64::MAX)).collect();
    sorted.sort_unstable();
    let quantile = |q: f64| {
        let index = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
        match sorted[index] {
            u64::MAX => format!("> {HORIZON}"),
            value => value.to_string(),
        }
    };
    (quantile(0.5), quantile(0.9))
}

fn main() {
    let started = Instant::now();
    let config = SequentialConfig {
        direction: Direction::Increase,
        ..SequentialConfig::default()
    };

    let null_outcomes = run_all(0, NULL_RUNS, BASELINE_RATE, &config, None);
    let msprt_alarms = null_outcomes.iter().filter(|o| o.msprt.is_some()).count();
    let z_alarms = null_outcomes
        .iter()
        .filter(|o| o.repeated_z.is_some())
        .count();
    let msprt_share = msprt_alarms as f64 / null_outcomes.len() as f64;
    let matched_threshold = calibrate_threshold(&null_outcomes, msprt_share);
    let budget_threshold = calibrate_threshold(&null_outcomes, 0.01);

    println!(
        "Baseline {BASELINE_SAMPLES} samples at {BASELINE_RATE}. Candidate at {BASELINE_RATE} in {NULL_RUNS} null runs, \
         or changed in {CHANGE_RUNS} runs per rate. Checked every {BATCH} samples up to {HORIZON}, seed {SEED}.\n"
    );
    println!("| candidate rate | rule | false alarms (null runs) | detected | median delay | p90 delay |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let count_null = |x: f64| {
        null_outcomes
            .iter()
            .filter(|o| o.max_window_excess > x)
            .count()
    };
    for (phase, &changed_rate) in (1..).zip(CHANGED_RATES.iter()) {
        let matched = run_all(
            phase,
            CHANGE_RUNS,
            changed_rate,
            &config,
            Some(matched_threshold),
        );
        // The same seeds give the same streams, so this only re-evaluates the window rule at 1 %.
        let budget = run_all(
            phase,
            CHANGE_RUNS,
            changed_rate,
            &config,
            Some(budget_threshold),
        );
        let rows = [
            (
                format!(
                    "mSPRT, alpha {}, tau^2 {}, min {} samples",
                    config.alpha, config.mixing_variance, config.min_samples
                ),
                msprt_alarms,
                matched.iter().map(|o| o.msprt).collect::<Vec<_>>(),
            ),
            (
                format!("window 500, X = {matched_threshold:.4} (matched to mSPRT)"),
                count_null(matched_threshold),
                matched.iter().map(|o| o.window).collect(),
            ),
            (
                format!("window 500, X = {budget_threshold:.4} (matched to 1 %)"),
                count_null(budget_threshold),
                budget.iter().map(|o| o.window).collect(),
            ),
            (
                "cumulative z-test at 1 %, no correction".to_string(),
                z_alarms,
                matched.iter().map(|o| o.repeated_z).collect(),
            ),
        ];
        for (name, alarms, delays) in &rows {
            let detected = delays.iter().filter(|d| d.is_some()).count();
            let (median, p90) = delay_quantiles(delays);
            println!(
                "| {changed_rate} | {name} | {} | {} | {median} | {p90} |",
                share(*alarms, null_outcomes.len()),
                share(detected, delays.len())
            );
        }
    }
    println!(
        "\nDelays are candidate samples until the first alert. Elapsed {:.1} s.",
        started.elapsed().as_secs_f64()
    );
}
