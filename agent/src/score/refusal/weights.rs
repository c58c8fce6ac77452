//! Weights of the learned refusal model. Generated, do not edit: regenerate with
//! `cargo run --release -p candor-agent --example train_refusal -- ../shared/data/xstest`
//! (run from the workspace root).

/// Feature names, in column order, as they were when the weights were trained.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) const FEATURE_NAMES: [&str; 34] = [
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
pub(super) const WEIGHTS: [[f32; 34]; 3] = [
    [2.16260, -1.42399, -0.97860, 0.15989, -0.92317, -1.42399, -1.00714, -1.26905, -0.28334, -0.50762, 1.07843, -0.04852, -0.05682, -0.92219, 1.25937, -1.08075, 0.84993, 0.33861, -0.37385, -0.21543, 0.92239, 0.76525, -0.86593, -0.05171, -0.48714, -0.55538, 1.01832, -0.20040, -0.07826, -0.20417, -0.29249, 0.64561, -0.36421, -0.06885],
    [-0.69629, 0.29493, 0.71443, 0.18224, 2.46729, 0.29493, 0.00662, 0.38156, -0.30028, 0.68959, -0.05489, 0.86343, 0.58075, -0.62256, 0.34895, 1.15646, 0.03630, -0.88968, 0.27114, 1.38841, -0.13222, 0.27991, 0.34140, -0.05033, 0.10841, 0.40310, -0.87972, 0.53440, -0.28468, -0.08561, 0.20103, 0.32803, 0.18121, -0.49241],
    [-0.46631, 3.12906, 2.26417, 1.65787, 0.45589, 1.12906, 1.00052, 0.88749, 0.58362, -0.18198, -1.02354, -0.81491, -0.52393, 1.54475, -1.60833, -0.07572, -0.88623, 0.55107, 0.10271, -1.17297, -0.79016, -1.04515, 0.52453, 0.10204, 0.37873, 0.15227, -0.13860, -0.33401, 0.36294, 0.28978, 0.09146, -0.97365, 0.18301, 0.56126],
];
