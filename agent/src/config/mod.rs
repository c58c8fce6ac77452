//! The agent's configuration file (`agent.toml`) for `candor-agent run` and `check`.
//!
//! Every struct here is the manual for its section: each field states what it sets, its
//! unit and its default. Unknown keys are rejected. [`AgentConfig::load`] parses and
//! then validates everything, so a bad file stops start-up with a message that names
//! the key and the value.

mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Name of this agent in the collector's records. Default: the host name.
    pub agent_id: Option<String>,
    pub collector: CollectorConfig,
    pub deployment: DeploymentConfig,
    /// The agent's own `/metrics` and `/healthz`. Default: off.
    pub metrics: Option<MetricsConfig>,
    /// Sources of observations. A config needs at least one source or probe suite.
    #[serde(rename = "source", default)]
    pub sources: Vec<SourceConfig>,
    /// Canary probe suites run on a schedule. Default: none.
    #[serde(rename = "probe_suite", default)]
    pub probe_suites: Vec<ProbeSuiteConfig>,
}

/// A probe suite run on a schedule against a model server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeSuiteConfig {
    /// A built-in suite name (`over-refusal`, `harmful`, `math`, `facts`, `style`,
    /// `creative`) or the path of a suite file.
    pub suite: String,
    /// Base URL of the OpenAI-compatible model server, such as `http://127.0.0.1:8000`.
    pub endpoint: String,
    /// Model name sent in the requests. Default: `deployment.model`.
    pub model: Option<String>,
    /// Name of an environment variable holding an API key, sent as a bearer token.
    /// Default: none.
    pub api_key_env: Option<String>,
    /// Seconds from the start of one run to the start of the next. Default: 3600.
    #[serde(default = "default_interval_s")]
    pub interval_s: u64,
    /// Largest random delay added to each start, in seconds, so agents do not probe in
    /// step. Default: 60.
    #[serde(default = "default_jitter_s")]
    pub jitter_s: u64,
    /// Probe requests in flight at once. Default: 2.
    #[serde(default = "default_probe_concurrency")]
    pub concurrency: usize,
    /// Most probe requests started per second, which caps the share of the model's
    /// capacity that probing takes. Default: 2.
    #[serde(default = "default_max_requests_per_second")]
    pub max_requests_per_second: f64,
    /// Time allowed for one probe request, in milliseconds. Default: 60000.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
}

fn default_interval_s() -> u64 {
    3600
}
fn default_jitter_s() -> u64 {
    60
}
fn default_probe_concurrency() -> usize {
    2
}
fn default_max_requests_per_second() -> f64 {
    2.0
}
fn default_request_timeout_ms() -> u64 {
    60_000
}

/// Delivery of observations to the collector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectorConfig {
    /// Collector gRPC URL, such as `http://127.0.0.1:4770`.
    pub url: String,
    /// Batches held in memory while the collector is slow or away. Default: 64.
    #[serde(default = "default_queue_batches")]
    pub queue_batches: usize,
    /// Batches sent and not yet acknowledged. Default: 32.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// Maximum observations in one batch. Default: 256.
    #[serde(default = "default_batch_max_observations")]
    pub batch_max_observations: usize,
    /// Maximum time an observation waits for its batch to fill, in milliseconds.
    /// Default: 1000.
    #[serde(default = "default_batch_max_delay_ms")]
    pub batch_max_delay_ms: u64,
    /// Folder for batches that do not fit in memory while the collector is away.
    /// Default: none, so such batches are dropped and counted.
    pub spool_dir: Option<PathBuf>,
    /// Largest total size of the spool folder, in bytes. Default: 100 MiB.
    #[serde(default = "default_spool_max_bytes")]
    pub spool_max_bytes: u64,
    /// Time allowed at shutdown for queued batches to be acknowledged, in milliseconds;
    /// batches still unacknowledged then go to the spool. Default: 10000.
    #[serde(default = "default_shutdown_grace_ms")]
    pub shutdown_grace_ms: u64,
    /// Seconds between heartbeats (empty batches) while the agent has nothing to send,
    /// so the collector can tell an idle agent from a stopped one. Default: 30.
    #[serde(default = "default_heartbeat_s")]
    pub heartbeat_s: u64,
}

/// The deployment this agent reports for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfig {
    /// Model name, as operators call it. Required.
    pub model: String,
    /// Model version, such as a checkpoint tag. Required.
    pub version: String,
    /// Extra bounded labels, such as `variant = "tuned"`. Names use letters, digits and
    /// underscores. Default: none.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Version of the same model to compare this one with, such as an untuned base
    /// model served in parallel. Default: the previous version, in order of first
    /// appearance at the collector.
    pub baseline_version: Option<String>,
}

/// The agent's own HTTP endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Listen address for `/metrics` and `/healthz`, such as `127.0.0.1:9771`.
    pub listen: String,
}

impl MetricsConfig {
    /// Returns the validated listen address.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen.parse().expect("validated at load")
    }
}

/// One source of observations, chosen by `type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceConfig {
    /// A reverse proxy in front of an OpenAI-compatible server.
    Proxy(ProxySourceConfig),
    /// JSONL response logs tailed from disk.
    File(FileSourceConfig),
}

/// A reverse proxy in front of an OpenAI-compatible server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxySourceConfig {
    /// Address clients connect to, such as `127.0.0.1:8080`.
    pub listen: String,
    /// Base URL of the model server, such as `http://127.0.0.1:8000`.
    pub upstream: String,
    /// Exchanges waiting to be scored; when full, new ones are forwarded but not scored
    /// (counted as `score_queue_full`). Default: 1024.
    #[serde(default = "default_score_queue")]
    pub score_queue: usize,
    /// Largest request or response body copied for scoring, in bytes; larger ones are
    /// forwarded but not scored (counted as `capture_too_large`). Default: 8 MiB.
    #[serde(default = "default_max_capture_bytes")]
    pub max_capture_bytes: usize,
    /// Time allowed to connect to the model server, in milliseconds. Default: 5000.
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
}

impl ProxySourceConfig {
    /// Returns the validated listen address.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen.parse().expect("validated at load")
    }
}

/// JSONL response logs tailed from disk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSourceConfig {
    /// A file path, or a glob such as `/var/log/model/*.jsonl`. Files that appear later
    /// and match are picked up.
    pub path: String,
    /// File that keeps the read positions; it advances only after the collector has
    /// acknowledged the records. Required.
    pub checkpoint: PathBuf,
    /// JSON pointer (RFC 6901) to the prompt text in each line. Default: `/prompt`.
    #[serde(default = "default_prompt_pointer")]
    pub prompt_pointer: String,
    /// JSON pointer to the response text in each line. Default: `/response`.
    #[serde(default = "default_response_pointer")]
    pub response_pointer: String,
    /// JSON pointer to the model name in each line; when set, lines for another model
    /// than `deployment.model` are skipped. Default: none.
    pub model_pointer: Option<String>,
    /// How often to look for new lines and new files, in milliseconds. Default: 250.
    #[serde(default = "default_poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// Largest line accepted, in bytes; longer lines are skipped. Default: 4 MiB.
    #[serde(default = "default_max_line_bytes")]
    pub max_line_bytes: usize,
}

fn default_queue_batches() -> usize {
    64
}
fn default_max_in_flight() -> usize {
    32
}
fn default_batch_max_observations() -> usize {
    256
}
fn default_batch_max_delay_ms() -> u64 {
    1000
}
fn default_spool_max_bytes() -> u64 {
    100 * 1024 * 1024
}
fn default_heartbeat_s() -> u64 {
    30
}
fn default_shutdown_grace_ms() -> u64 {
    10_000
}
fn default_score_queue() -> usize {
    1024
}
fn default_max_capture_bytes() -> usize {
    8 * 1024 * 1024
}
fn default_connect_timeout_ms() -> u64 {
    5000
}
fn default_prompt_pointer() -> String {
    "/prompt".into()
}
fn default_response_pointer() -> String {
    "/response".into()
}
fn default_poll_interval_ms() -> u64 {
    250
}
fn default_max_line_bytes() -> usize {
    4 * 1024 * 1024
}

/// An error that rejected a configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("invalid config file {path}: `{key}` = {value:?}: {problem}")]
    Invalid {
        path: String,
        key: String,
        value: String,
        problem: String,
    },
}

impl AgentConfig {
    /// Reads, parses and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let config: AgentConfig = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: origin.to_string(),
            message: error.to_string().trim_end().to_string(),
        })?;
        config.validate().map_err(|invalid| ConfigError::Invalid {
            path: origin.to_string(),
            key: invalid.key,
            value: invalid.value,
            problem: invalid.problem,
        })?;
        Ok(config)
    }
}
