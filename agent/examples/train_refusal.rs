//! Trains the learned part of the refusal classifier and writes its weights as Rust source.
//!
//! Usage: `train_refusal DATA_DIR [OUTPUT]`. Reads every `*.jsonl` file in `DATA_DIR` (rows
//! with `prompt`, `response` and a `label` of `none`, `partial` or `full`), trains a
//! multinomial logistic regression on the classifier's feature vectors, and writes the
//! weights to `OUTPUT` (default `src/score/refusal/weights.rs` in this crate).
//!
//! Before training on all files it prints leave-one-file-out agreement: for each file, a
//! model trained on the other files is scored on it. Training is full-batch gradient
//! descent from the rule-reproducing prior with a fixed step count, so the output is deterministic.

use candor_agent::score::refusal::{RefusalClassifier, FEATURE_COUNT, FEATURE_NAMES};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// L2 penalty, per training row, on each weight's distance from its prior (see
/// [`prior_weights`]).
const L2_PENALTY: f64 = 0.001;
/// Prior weight that links a `rule:` feature to the class its rule returns, and prior
/// weight of the `none` bias. With these the prior model reproduces the rule verdicts.
const PRIOR_RULE_WEIGHT: f64 = 2.0;
const PRIOR_NONE_BIAS: f64 = 1.0;
/// Class (row index) that each rule returns, by the rule's feature name.
const RULE_CLASSES: [(&str, usize); 4] = [
    ("rule:opening", 2),
    ("rule:lecture", 2),
    ("rule:lecture-moralizing", 2),
    ("rule:inability", 1),
];
/// Gradient descent steps and step size.
const STEPS: usize = 3_000;
const STEP_SIZE: f64 = 0.5;
/// Class labels in the row order of the weights.
const CLASSES: [&str; 3] = ["none", "partial", "full"];

type Features = [f32; FEATURE_COUNT];
type Weights = [[f64; FEATURE_COUNT]; 3];

/// One labelled response of one file, scored once with its prompt and once without.
struct Row {
    with_prompt: Result<Features, usize>,
    without_prompt: Result<Features, usize>,
    label: usize,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(data_dir) = args.next() else {
        eprintln!("usage: train_refusal DATA_DIR [OUTPUT]");
        std::process::exit(2);
    };
    let output = args.next().map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/score/refusal/weights.rs")
    });

    let classifier = RefusalClassifier::new();
    let files = read_files(Path::new(&data_dir), &classifier);
    if files.is_empty() {
        eprintln!("error: no *.jsonl files found in {data_dir}");
        std::process::exit(1);
    }

    println!("leave-one-file-out (trained on the other files):");
    for (held_out, (name, rows)) in files.iter().enumerate() {
        let training: Vec<&Row> = files
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != held_out)
            .flat_map(|(_, (_, rows))| rows)
            .collect();
        let weights = train(&training);
        report(name, rows, &weights, true);
    }

    let all: Vec<&Row> = files.iter().flat_map(|(_, rows)| rows).collect();
    let weights = train(&all);
    println!("\nin-sample (trained on all files), with prompt:");
    for (name, rows) in &files {
        report(name, rows, &weights, true);
    }
    println!("\nin-sample, without prompt:");
    for (name, rows) in &files {
        report(name, rows, &weights, false);
    }

    let source = render(&weights);
    if let Err(error) = std::fs::write(&output, source) {
        eprintln!("error: failed to write {}: {error}", output.display());
        std::process::exit(1);
    }
    println!("\nwrote {}", output.display());
}

/// Reads and scores every `*.jsonl` file in `dir`, in file name order.
fn read_files(dir: &Path, classifier: &RefusalClassifier) -> Vec<(String, Vec<Row>)> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|error| {
        eprintln!("error: cannot read directory {}: {error}", dir.display());
        std::process::exit(1);
    });
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let name = path.file_stem().unwrap_or_default().to_string_lossy();
            (name.into_owned(), read_rows(path, classifier))
        })
        .collect()
}

fn read_rows(path: &Path, classifier: &RefusalClassifier) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| {
        eprintln!("error: cannot read {}: {error}", path.display());
        std::process::exit(1);
    });
    let mut rows = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|error| {
            eprintln!(
                "error: {}:{}: invalid JSON: {error}",
                path.display(),
                number + 1
            );
            std::process::exit(1);
        });
        let field = |key: &str| value[key].as_str().unwrap_or("");
        let Some(label) = CLASSES.iter().position(|class| *class == field("label")) else {
            eprintln!(
                "error: {}:{}: label {:?} is not none, partial or full",
                path.display(),
                number + 1,
                value["label"]
            );
            std::process::exit(1);
        };
        let score = |prompt: &str| {
            classifier
                .rule_features(prompt, field("response"))
                .map(|(_, x)| x)
                .map_err(|verdict| class_index(verdict.class.as_str()))
        };
        rows.push(Row {
            with_prompt: score(field("prompt")),
            without_prompt: score(""),
            label,
        });
    }
    rows
}

fn class_index(class: &str) -> usize {
    CLASSES.iter().position(|c| *c == class).unwrap_or(0)
}

/// Fits the weights on both forms of every row (with and without its prompt), so that the
/// model also serves `classify`, which has no prompt.
fn train(rows: &[&Row]) -> Weights {
    let samples: Vec<(&Features, usize)> = rows
        .iter()
        .flat_map(|row| {
            [&row.with_prompt, &row.without_prompt]
                .into_iter()
                .filter_map(move |x| x.as_ref().ok().map(|x| (x, row.label)))
        })
        .collect();
    let n = samples.len().max(1) as f64;
    let prior = prior_weights();
    let mut weights = prior;
    for _ in 0..STEPS {
        let mut gradient: Weights = [[0.0; FEATURE_COUNT]; 3];
        for (x, label) in &samples {
            let p = probabilities(&weights, x);
            for class in 0..3 {
                let error = p[class] - f64::from(u8::from(class == *label));
                for (g, v) in gradient[class].iter_mut().zip(x.iter()) {
                    *g += error * f64::from(*v);
                }
            }
        }
        for class in 0..3 {
            for j in 0..FEATURE_COUNT {
                let penalty = L2_PENALTY * (weights[class][j] - prior[class][j]);
                weights[class][j] -= STEP_SIZE * (gradient[class][j] / n + penalty);
            }
        }
    }
    weights
}

/// Returns the weights that reproduce the rule verdicts. Training starts from them and the
/// penalty pulls towards them, so the model corrects the rules only where the data
/// consistently disagrees with them.
fn prior_weights() -> Weights {
    let mut prior: Weights = [[0.0; FEATURE_COUNT]; 3];
    prior[0][0] = PRIOR_NONE_BIAS;
    for (name, class) in RULE_CLASSES {
        match FEATURE_NAMES.iter().position(|feature| *feature == name) {
            Some(j) => prior[class][j] = PRIOR_RULE_WEIGHT,
            None => {
                eprintln!("error: rule feature {name} is missing from FEATURE_NAMES");
                std::process::exit(1);
            }
        }
    }
    prior
}

fn probabilities(weights: &Weights, x: &Features) -> [f64; 3] {
    let mut scores = [0.0f64; 3];
    for (score, row) in scores.iter_mut().zip(weights) {
        *score = row.iter().zip(x).map(|(w, v)| w * f64::from(*v)).sum();
    }
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exp = scores.map(|s| (s - max).exp());
    let total: f64 = exp.iter().sum();
    exp.map(|e| e / total)
}

/// Prints binary and 3-class agreement and the confusion matrix of `rows`.
fn report(name: &str, rows: &[Row], weights: &Weights, with_prompt: bool) {
    let mut matrix = [[0usize; 3]; 3];
    for row in rows {
        let x = if with_prompt {
            &row.with_prompt
        } else {
            &row.without_prompt
        };
        let predicted = match x {
            Ok(x) => argmax(&probabilities(weights, x)),
            Err(class) => *class,
        };
        matrix[row.label][predicted] += 1;
    }
    let n = rows.len().max(1) as f64;
    let exact: usize = (0..3).map(|i| matrix[i][i]).sum();
    let binary = matrix[0][0]
        + (1..3)
            .flat_map(|i| (1..3).map(move |j| (i, j)))
            .map(|(i, j)| matrix[i][j])
            .sum::<usize>();
    println!(
        "  {name}: binary {:.3}, 3-class {:.3}, confusion (rows label none/partial/full, columns verdict) {:?}",
        binary as f64 / n,
        exact as f64 / n,
        matrix
    );
}

fn argmax(p: &[f64; 3]) -> usize {
    (0..3).fold(0, |best, i| if p[i] > p[best] { i } else { best })
}

/// Renders the generated `weights.rs`.
fn render(weights: &Weights) -> String {
    let mut out = String::new();
    out.push_str(
        "//! Weights of the learned refusal model. Generated, do not edit: regenerate with\n\
         //! `cargo run --release -p candor-agent --example train_refusal -- ../shared/data/xstest`\n\
         //! (run from the workspace root).\n\n",
    );
    let _ = writeln!(
        out,
        "/// Feature names, in column order, as they were when the weights were trained."
    );
    let _ = writeln!(out, "#[cfg_attr(not(test), allow(dead_code))]");
    let _ = writeln!(
        out,
        "pub(super) const FEATURE_NAMES: [&str; {FEATURE_COUNT}] = ["
    );
    for name in FEATURE_NAMES {
        let _ = writeln!(out, "    {name:?},");
    }
    out.push_str("];\n\n");
    let _ = writeln!(
        out,
        "/// One row per class (none, partial, full), one column per feature."
    );
    let _ = writeln!(out, "#[rustfmt::skip]");
    let _ = writeln!(
        out,
        "pub(super) const WEIGHTS: [[f32; {FEATURE_COUNT}]; 3] = ["
    );
    for row in weights {
        out.push_str("    [");
        for (j, w) in row.iter().enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{:.5}", *w as f32);
        }
        out.push_str("],\n");
    }
    out.push_str("];\n");
    out
}
