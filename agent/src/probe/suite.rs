//! Probe suites: the TOML file format, its validation, and the built-in suites.
//!
//! A suite names itself, sets sampling defaults, and lists probes, each with a user
//! message, a category and an expectation (`comply`, `refuse`, `answer`, `regex` or
//! `form`). `docs/probes.md` documents every key. Loading validates everything and
//! names the probe and the field of the first problem.

use std::path::Path;

use serde::Deserialize;

use crate::score::answer::ExpectedAnswer;

/// The suites shipped with the agent, by name.
const BUILT_IN: [(&str, &str); 6] = [
    (
        "over-refusal",
        include_str!("../../suites/over-refusal.toml"),
    ),
    ("harmful", include_str!("../../suites/harmful.toml")),
    ("math", include_str!("../../suites/math.toml")),
    ("facts", include_str!("../../suites/facts.toml")),
    ("style", include_str!("../../suites/style.toml")),
    ("creative", include_str!("../../suites/creative.toml")),
];

/// Names of the built-in suites.
pub fn built_in_names() -> impl Iterator<Item = &'static str> {
    BUILT_IN.iter().map(|(name, _)| *name)
}

/// A loaded, validated suite.
#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    pub version: String,
    pub description: String,
    pub probes: Vec<Probe>,
}

/// One probe with its settings resolved.
#[derive(Debug, Clone)]
pub struct Probe {
    pub id: String,
    pub category: String,
    pub system: Option<String>,
    pub user: String,
    pub expectation: Expectation,
    pub sampling: Sampling,
}

/// Request settings of a probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampling {
    /// Completions requested per run.
    pub samples: u32,
    pub temperature: f64,
    pub max_tokens: u32,
    pub seed: Option<u64>,
    pub logprobs: bool,
    pub top_logprobs: u32,
}

/// The behaviour a probe's response should show.
#[derive(Debug, Clone)]
pub enum Expectation {
    Comply,
    Refuse,
    Answer(ExpectedAnswer),
    Regex(regex::Regex),
    Form(FormCheck),
}

impl Expectation {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Comply => "comply",
            Self::Refuse => "refuse",
            Self::Answer(_) => "answer",
            Self::Regex(_) => "regex",
            Self::Form(_) => "form",
        }
    }
}

/// A check of the response's form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormCheck {
    /// Non-empty lines, within bounds.
    Lines { min: Option<u32>, max: Option<u32> },
    /// Words, within bounds.
    Words { min: Option<u32>, max: Option<u32> },
    /// A JSON object with these top-level keys.
    Json { keys: Vec<String> },
}

/// An error loading a suite.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("unknown suite {0:?}: give a file path or one of the built-in names (over-refusal, harmful, math, facts, style, creative)")]
    Unknown(String),
    #[error("cannot read suite file {path}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid suite {origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("invalid suite {origin}: probe `{probe}`: `{field}`: {problem}")]
    Invalid {
        origin: String,
        probe: String,
        field: String,
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteFile {
    name: String,
    version: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    defaults: Settings,
    #[serde(rename = "probe", default)]
    probes: Vec<ProbeFile>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct Settings {
    samples: Option<u32>,
    temperature: Option<f64>,
    max_tokens: Option<u32>,
    seed: Option<u64>,
    logprobs: Option<bool>,
    top_logprobs: Option<u32>,
    system: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbeFile {
    id: String,
    category: String,
    user: String,
    expect: String,
    answer: Option<String>,
    tolerance: Option<f64>,
    accept: Option<Vec<String>>,
    pattern: Option<String>,
    form: Option<String>,
    min: Option<u32>,
    max: Option<u32>,
    keys: Option<Vec<String>>,
    samples: Option<u32>,
    temperature: Option<f64>,
    max_tokens: Option<u32>,
    seed: Option<u64>,
    logprobs: Option<bool>,
    top_logprobs: Option<u32>,
    system: Option<String>,
}

impl ProbeFile {
    fn settings(&self) -> Settings {
        Settings {
            samples: self.samples,
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            seed: self.seed,
            logprobs: self.logprobs,
            top_logprobs: self.top_logprobs,
            system: self.system.clone(),
        }
    }
}

impl Suite {
    /// Loads a built-in suite by name, or a suite file by path.
    pub fn load(name_or_path: &str) -> Result<Self, SuiteError> {
        if let Some((_, text)) = BUILT_IN.iter().find(|(name, _)| *name == name_or_path) {
            return Self::parse(text, &format!("built-in suite {name_or_path}"));
        }
        let path = Path::new(name_or_path);
        if !path.exists() && !name_or_path.contains('/') && !name_or_path.ends_with(".toml") {
            return Err(SuiteError::Unknown(name_or_path.to_string()));
        }
        let text = std::fs::read_to_string(path).map_err(|source| SuiteError::Read {
            path: name_or_path.to_string(),
            source,
        })?;
        Self::parse(&text, name_or_path)
    }

    /// Parses and validates suite text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, SuiteError> {
        let file: SuiteFile = toml::from_str(text).map_err(|error| SuiteError::Parse {
            origin: origin.to_string(),
            message: error.to_string().trim_end().to_string(),
        })?;
        let invalid = |probe: &str, field: &str, problem: String| SuiteError::Invalid {
            origin: origin.to_string(),
            probe: probe.to_string(),
            field: field.to_string(),
            problem,
        };
        if !is_name(&file.name, '-') {
            return Err(invalid(
                "-",
                "name",
                format!("{:?} must be lowercase letters, digits and '-'", file.name),
            ));
        }
        if file.probes.is_empty() {
            return Err(invalid("-", "probe", "the suite has no [[probe]]".into()));
        }
        let mut probes = Vec::with_capacity(file.probes.len());
        for probe in file.probes {
            let id = probe.id.clone();
            if !is_name(&id, '-') {
                return Err(invalid(
                    &id,
                    "id",
                    format!("{id:?} must be lowercase letters, digits and '-'"),
                ));
            }
            if probes.iter().any(|known: &Probe| known.id == id) {
                return Err(invalid(&id, "id", "another probe has the same id".into()));
            }
            if !is_name(&probe.category, '_') {
                return Err(invalid(
                    &id,
                    "category",
                    format!(
                        "{:?} must be lowercase letters, digits and '_'",
                        probe.category
                    ),
                ));
            }
            if probe.user.trim().is_empty() {
                return Err(invalid(&id, "user", "the user message is empty".into()));
            }
            let settings = probe.settings();
            let sampling = resolve_sampling(&file.defaults, &settings)
                .map_err(|(field, problem)| invalid(&id, field, problem))?;
            let expectation = resolve_expectation(&probe)
                .map_err(|(field, problem)| invalid(&id, field, problem))?;
            probes.push(Probe {
                id,
                category: probe.category,
                system: settings.system.or_else(|| file.defaults.system.clone()),
                user: probe.user,
                expectation,
                sampling,
            });
        }
        Ok(Suite {
            name: file.name,
            version: file.version,
            description: file.description,
            probes,
        })
    }
}

fn is_name(text: &str, separator: char) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == separator)
}

fn resolve_sampling(
    defaults: &Settings,
    probe: &Settings,
) -> Result<Sampling, (&'static str, String)> {
    let sampling = Sampling {
        samples: probe.samples.or(defaults.samples).unwrap_or(1),
        temperature: probe.temperature.or(defaults.temperature).unwrap_or(0.0),
        max_tokens: probe.max_tokens.or(defaults.max_tokens).unwrap_or(512),
        seed: probe.seed.or(defaults.seed),
        logprobs: probe.logprobs.or(defaults.logprobs).unwrap_or(false),
        top_logprobs: probe.top_logprobs.or(defaults.top_logprobs).unwrap_or(5),
    };
    if !(1..=20).contains(&sampling.samples) {
        return Err((
            "samples",
            format!("{} is out of range: use 1 to 20", sampling.samples),
        ));
    }
    if !(0.0..=2.0).contains(&sampling.temperature) {
        return Err((
            "temperature",
            format!("{} is out of range: use 0.0 to 2.0", sampling.temperature),
        ));
    }
    if sampling.max_tokens == 0 {
        return Err(("max_tokens", "must be greater than 0".into()));
    }
    if sampling.top_logprobs > 20 {
        return Err((
            "top_logprobs",
            format!("{} is out of range: use 0 to 20", sampling.top_logprobs),
        ));
    }
    Ok(sampling)
}

fn resolve_expectation(probe: &ProbeFile) -> Result<Expectation, (&'static str, String)> {
    let unused = |field: &'static str, present: bool| -> Result<(), (&'static str, String)> {
        if present {
            return Err((
                field,
                format!("does not apply to expect = {:?}", probe.expect),
            ));
        }
        Ok(())
    };
    let expectation = match probe.expect.as_str() {
        "comply" => Expectation::Comply,
        "refuse" => Expectation::Refuse,
        "answer" => {
            let answer = probe.answer.as_deref().filter(|answer| !answer.trim().is_empty()).ok_or(("answer", "expect = \"answer\" needs `answer`".to_string()))?;
            let mut expected = ExpectedAnswer::parse(answer);
            match &mut expected {
                ExpectedAnswer::Number { tolerance, .. } => {
                    if let Some(given) = probe.tolerance {
                        if !(given >= 0.0 && given.is_finite()) {
                            return Err(("tolerance", format!("{given} must be a number of at least 0")));
                        }
                        *tolerance = given;
                    }
                    unused("accept", probe.accept.is_some())?;
                }
                ExpectedAnswer::Text { accepted } => {
                    unused("tolerance", probe.tolerance.is_some())?;
                    accepted.extend(probe.accept.iter().flatten().cloned());
                }
            }
            Expectation::Answer(expected)
        }
        "regex" => {
            let pattern = probe.pattern.as_deref().ok_or(("pattern", "expect = \"regex\" needs `pattern`".to_string()))?;
            Expectation::Regex(regex::Regex::new(pattern).map_err(|error| ("pattern", format!("invalid regular expression: {error}")))?)
        }
        "form" => {
            let check = match probe.form.as_deref() {
                Some("lines") => FormCheck::Lines { min: probe.min, max: probe.max },
                Some("words") => FormCheck::Words { min: probe.min, max: probe.max },
                Some("json") => FormCheck::Json { keys: probe.keys.clone().unwrap_or_default() },
                Some(other) => return Err(("form", format!("unknown form {other:?}: use \"lines\", \"words\" or \"json\""))),
                None => return Err(("form", "expect = \"form\" needs `form`".into())),
            };
            if let (Some(min), Some(max)) = (probe.min, probe.max) {
                if min > max {
                    return Err(("min", format!("{min} is greater than max {max}")));
                }
            }
            Expectation::Form(check)
        }
        other => {
            return Err((
                "expect",
                format!("unknown expectation {other:?}: use \"comply\", \"refuse\", \"answer\", \"regex\" or \"form\""),
            ))
        }
    };
    if !matches!(expectation, Expectation::Answer(_)) {
        unused("answer", probe.answer.is_some())?;
        unused("tolerance", probe.tolerance.is_some())?;
        unused("accept", probe.accept.is_some())?;
    }
    if !matches!(expectation, Expectation::Regex(_)) {
        unused("pattern", probe.pattern.is_some())?;
    }
    if !matches!(expectation, Expectation::Form(_)) {
        unused("form", probe.form.is_some())?;
        unused("min", probe.min.is_some())?;
        unused("max", probe.max.is_some())?;
        unused("keys", probe.keys.is_some())?;
    }
    Ok(expectation)
}

#[cfg(test)]
#[path = "suite_tests.rs"]
mod tests;
