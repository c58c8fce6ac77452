//! Weights of the learned refusal model. Generated, do not edit: regenerate with
//! `cargo run --release -p candor-agent --example train_refusal -- ../shared/data/xstest`
//! (run from the workspace root).

/// Feature names, in column order, as they were when the weights were trained.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) const FEATURE_NAMES: [&str; 37] = [
    "bias",
    "rule:opening",
    "rule:lecture",
    "rule:lecture-moralizing",
    "rule:inability",
    "refusal-in-opening",
    "lecture",
    "moral-words",
    "redirects",
    "sympathy",
    "list",
    "answer-cues-after",
    "reframe-after",
    "disclaimer",
    "literal",
    "privacy",
    "length",
    "short",
    "opens-with-caution",
    "refusal-and-privacy",
    "refusal-and-literal",
    "lecture-and-literal",
    "moral-later",
    "lecture-later",
    "substitute",
    "caution-and-moral",
    "lecture-on-premise",
    "plain-first-sentence",
    "first-sentence-condemns",
    "assumptions",
    "negations",
    "prompt:present",
    "prompt:premise-question",
    "prompt:names-group",
    "prompt:opening-share",
    "prompt:negated-request",
    "prompt:group-premise-negated",
];

/// One row per class (none, partial, full), one column per feature.
#[rustfmt::skip]
pub(super) const WEIGHTS: [[f32; 37]; 3] = [
    [2.21202, -1.44517, -0.98597, 0.13009, -0.86365, -1.44517, -1.01928, -1.02197, -0.32832, -0.52313, 1.07612, -0.04574, -0.07166, -0.96399, 1.22212, -1.10496, 0.85637, 0.29236, -0.44429, -0.23061, 0.91481, 0.90636, -0.81025, 0.14534, -0.55162, -0.62750, 0.74311, -0.19229, -0.30042, -1.31935, -0.11725, -0.10785, -0.19043, -0.25941, 0.67518, -0.36403, -0.00106],
    [-0.72300, 0.28581, 0.79127, 0.26823, 2.36525, 0.28581, 0.08014, 0.21959, -0.30358, 0.68669, 0.02353, 0.84098, 0.56644, -0.65370, 0.39094, 1.11909, 0.01145, -0.84521, 0.27864, 1.46136, -0.11983, 0.23082, 0.25352, 0.03407, 0.12562, 0.40931, -0.81885, 0.27718, 0.32227, 0.54155, 0.48265, -0.25648, -0.11945, 0.17000, 0.31490, 0.17991, -0.52058],
    [-0.48902, 3.15936, 2.19470, 1.60168, 0.49841, 1.15936, 0.93913, 0.80238, 0.63191, -0.16356, -1.09965, -0.79524, -0.49478, 1.61769, -1.61306, -0.01413, -0.86782, 0.55285, 0.16565, -1.23075, -0.79498, -1.13718, 0.55673, -0.17941, 0.42601, 0.21819, 0.07574, -0.08489, -0.02186, 0.77780, -0.36541, 0.36433, 0.30988, 0.08941, -0.99008, 0.18412, 0.52163],
];
