//! Weights of the learned refusal model. Generated, do not edit: regenerate with
//! `cargo run --release -p candor-agent --example train_refusal -- ../shared/data/xstest`
//! (run from the workspace root).

/// Feature names, in column order, as they were when the weights were trained.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) const FEATURE_NAMES: [&str; 36] = [
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
pub(super) const WEIGHTS: [[f32; 36]; 3] = [
    [2.19318, -1.43073, -1.01952, 0.14303, -0.85508, -1.43073, -1.04888, -1.12838, -0.26432, -0.49302, 1.04831, -0.04841, -0.05660, -0.90348, 1.25128, -1.06700, 0.86290, 0.31728, -0.52614, -0.22243, 0.92999, 0.80787, -0.85116, -0.06403, -0.43001, -0.71244, 1.00884, -0.19751, -0.20248, -0.22473, -0.07588, -0.18441, -0.28361, 0.63872, -0.38024, -0.05991],
    [-0.74553, 0.33731, 0.80511, 0.22377, 2.37819, 0.33731, 0.08057, 0.20097, -0.31286, 0.67073, -0.00096, 0.84846, 0.57491, -0.66175, 0.36864, 1.14666, 0.00701, -0.89286, 0.32024, 1.42438, -0.13690, 0.23794, 0.33038, -0.01783, 0.09280, 0.45293, -0.87280, 0.31257, 0.34438, 0.52943, -0.28049, -0.08295, 0.19509, 0.30667, 0.19742, -0.49920],
    [-0.44765, 3.09342, 2.21441, 1.63320, 0.47689, 1.09342, 0.96831, 0.92741, 0.57718, -0.17771, -1.04735, -0.80004, -0.51831, 1.56523, -1.61992, -0.07965, -0.86991, 0.57558, 0.20589, -1.20195, -0.79308, -1.04581, 0.52078, 0.08186, 0.33720, 0.25951, -0.13604, -0.11506, -0.14190, -0.30470, 0.35637, 0.26736, 0.08852, -0.94539, 0.18283, 0.55911],
];
