//! The `candor-agent` binary: parses the command line, installs logging and runs the
//! chosen command from the library.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use anyhow::{bail, Context};
use candor_agent::config::AgentConfig;
use candor_agent::input::DEFAULT_MAX_RECORD_BYTES;
use candor_agent::replay::{self, ReplayConfig};
use candor_agent::score_files::{self, OutputFormat, ScoreConfig};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "candor-agent",
    version,
    about = "Scores model responses and streams them to a candor collector"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score recorded interactions from JSONL or CSV files and send them to a collector.
    Replay(ReplayArgs),
    /// Score recorded interactions and print the scores, without a collector.
    ///
    /// Each record needs `prompt` and `response` (in CSV, `response` or `completion`).
    /// Optional fields: `id`, `category`, `expect` (comply, refuse or answer), `label`
    /// (none, partial or full, read by --evaluate), `answer`, `refusal` and
    /// `finish_reason`.
    Score(ScoreArgs),
    /// Run probe suites once against a model server and print per-category pass rates.
    Probe(ProbeArgs),
    /// Run the agent from a configuration file until SIGINT or SIGTERM.
    Run(ConfigArgs),
    /// Validate a configuration file and exit.
    Check(ConfigArgs),
}

#[derive(clap::Args)]
struct ProbeArgs {
    /// Base URL of the OpenAI-compatible server, such as http://127.0.0.1:8000.
    #[arg(long, value_name = "URL")]
    endpoint: String,
    /// Model name to send in the requests.
    #[arg(long)]
    model: String,
    /// Suite to run: a built-in name (over-refusal, harmful, math, facts, style,
    /// creative) or a suite file; repeat for more [default: every built-in suite].
    #[arg(long = "suite", value_name = "FILE|NAME")]
    suites: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,
    /// Exit with status 1 when the share of failed samples among judged ones (errors
    /// count as neither) in any category is over this rate, from 0 to 1.
    #[arg(long, value_name = "RATE", allow_negative_numbers = true)]
    fail_over: Option<f64>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    concurrency: u32,
    /// Time allowed for one request, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    timeout: u64,
    /// Environment variable holding an API key, sent as a bearer token.
    #[arg(long, value_name = "VARIABLE")]
    api_key_env: Option<String>,
}

#[derive(clap::Args)]
struct ConfigArgs {
    /// Agent configuration file (TOML); see deploy/agent.toml for an example.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
}

#[derive(clap::Args)]
struct ScoreArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,
    /// Print, per file, the agreement of the refusal verdicts with the records'
    /// `label` field (none, partial or full) and the confusion matrix.
    #[arg(long)]
    evaluate: bool,
    /// Largest record (a JSONL line or a CSV row) to accept, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_RECORD_BYTES, value_name = "BYTES", value_parser = record_bytes)]
    max_record_bytes: usize,
    /// Exit with status 1 when any record or label was invalid.
    #[arg(long)]
    strict: bool,
    /// Files to score: `.csv` files are read as CSV, all others as JSONL.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    /// JSON: one object per line (for `probe`, one object in all).
    #[value(alias = "json")]
    Jsonl,
    Table,
}

#[derive(clap::Args)]
struct ReplayArgs {
    /// Collector gRPC URL.
    #[arg(long, value_name = "URL")]
    collector: String,
    /// Model name of the deployment the records belong to.
    #[arg(long)]
    model: String,
    /// Model version of the deployment the records belong to.
    #[arg(long)]
    version: String,
    /// Extra deployment label, as KEY=VALUE; repeat for more.
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_label)]
    labels: Vec<(String, String)>,
    /// Version of the same model to compare this one with [default: the previous
    /// version, in order of first appearance at the collector].
    #[arg(long, value_name = "VERSION")]
    baseline_version: Option<String>,
    /// Name of this agent in the collector's records [default: the host name].
    #[arg(long)]
    agent_id: Option<String>,
    /// Exit with status 1 when any record was invalid.
    #[arg(long)]
    strict: bool,
    /// Largest record (a JSONL line or a CSV row) to accept, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_RECORD_BYTES, value_name = "BYTES", value_parser = record_bytes)]
    max_record_bytes: usize,
    /// Observations per message sent to the collector.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    batch_size: u32,
    /// Give up when the collector has been unreachable for this many seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    give_up_after: u64,
    /// Never draw a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Files to replay: `.csv` files are read as CSV, all others as JSONL.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

fn parse_label(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("invalid label {text:?}: write it as KEY=VALUE")),
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    // One worker thread: the agent shares its host with a model server, and fewer
    // threads waking each other per request keeps the proxy's added latency low.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("failed to start the async runtime");
    let result = match cli.command {
        Command::Replay(args) => runtime.block_on(run_replay(args)),
        Command::Score(args) => run_score(args),
        // Invalid input to `probe` exits 2, apart from a failed gate (1).
        Command::Probe(args) => runtime.block_on(run_probe(args)).or_else(|error| {
            eprintln!("error: {error:#}");
            Ok(ExitCode::from(2))
        }),
        Command::Run(args) => runtime.block_on(run_agent(args)),
        Command::Check(args) => check_config(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_replay(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let mut labels = BTreeMap::new();
    for (key, value) in args.labels {
        if labels.insert(key.clone(), value).is_some() {
            bail!("label {key:?} is given twice: give each --label key once");
        }
    }
    let config = ReplayConfig {
        collector: args.collector,
        agent_id: args.agent_id.unwrap_or_else(default_agent_id),
        model: args.model,
        version: args.version,
        labels,
        baseline_version: args.baseline_version,
        files: args.files,
        max_record_bytes: args.max_record_bytes,
        batch_size: args.batch_size as usize,
        max_reported_errors: 50,
        give_up_after: Duration::from_secs(args.give_up_after),
        progress_bar: !args.no_progress && std::io::stderr().is_terminal(),
    };
    let report = replay::run(config, shutdown_signal())
        .await
        .context("replay failed")?;

    println!(
        "read {} records: {} valid, {} skipped as invalid; {} acknowledged by the collector",
        report.read,
        report.valid(),
        report.skipped,
        report.delivered.observations
    );
    if let Some(failure) = &report.failure {
        eprintln!("error: replay failed: {failure}");
        return Ok(ExitCode::FAILURE);
    }
    if let Some(signal) = report
        .interrupted
        .then(|| INTERRUPTED_BY.load(Ordering::Relaxed))
    {
        eprintln!("error: interrupted before every record was read");
        // The shell convention for a process ended by a signal.
        return Ok(ExitCode::from(128 + signal));
    }
    if report.valid() == 0 {
        eprintln!("error: no valid record to replay");
        return Ok(ExitCode::FAILURE);
    }
    if args.strict && (report.skipped > 0 || report.unreadable_files > 0) {
        eprintln!("error: invalid input with --strict");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_probe(args: ProbeArgs) -> anyhow::Result<ExitCode> {
    use candor_agent::probe::{client::ProbeClient, report, runner, suite::Suite};

    if let Some(rate) = args.fail_over {
        if !(0.0..=1.0).contains(&rate) {
            bail!("invalid --fail-over {rate}: give a rate from 0 to 1, such as 0.1");
        }
    }
    let names: Vec<String> = if args.suites.is_empty() {
        candor_agent::probe::suite::built_in_names()
            .map(str::to_string)
            .collect()
    } else {
        args.suites.clone()
    };
    let suites = names
        .iter()
        .map(|name| Suite::load(name))
        .collect::<Result<Vec<_>, _>>()?;
    let api_key = match &args.api_key_env {
        Some(variable) => Some(std::env::var(variable).with_context(|| {
            format!("environment variable {variable} given by --api-key-env is not set")
        })?),
        None => None,
    };
    let client = ProbeClient::new(
        &args.endpoint,
        &args.model,
        api_key,
        Duration::from_secs(args.timeout),
    )?;
    let classifier = std::sync::Arc::new(candor_agent::score::RefusalClassifier::new());
    let limits = runner::RunLimits {
        concurrency: args.concurrency as usize,
        max_requests_per_second: None,
    };

    let mut failing = Vec::new();
    let mut all_errors = true;
    let mut json_suites = Vec::new();
    for suite in suites {
        let run = runner::run_suite(
            std::sync::Arc::new(suite),
            client.clone(),
            classifier.clone(),
            limits,
        )
        .await;
        let categories = report::categories(&run);
        all_errors &= categories
            .iter()
            .all(|category| category.error == category.samples);
        if let Some(limit) = args.fail_over {
            for category in report::over_limit(&categories, limit) {
                failing.push(format!(
                    "{}/{} ({:.1}% failed)",
                    run.suite.name,
                    category.category,
                    category.failure_rate.unwrap_or_default() * 100.0
                ));
            }
        }
        match args.format {
            FormatArg::Table => println!("{}", report::to_table(&run.suite.name, &categories)),
            FormatArg::Jsonl => json_suites.push(serde_json::json!({
                "suite": run.suite.name,
                "version": run.suite.version,
                "run_id": run.run_id,
                "categories": categories,
            })),
        }
    }
    if args.format == FormatArg::Jsonl {
        println!(
            "{}",
            serde_json::json!({"suites": json_suites, "failing_categories": failing})
        );
    }
    if all_errors {
        eprintln!(
            "error: every probe request failed; check --endpoint {} and that the server is up",
            args.endpoint
        );
        return Ok(ExitCode::from(3));
    }
    if !failing.is_empty() {
        eprintln!(
            "error: failure rate over {} in: {}",
            args.fail_over.unwrap_or_default(),
            failing.join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn check_config(args: ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = AgentConfig::load(&args.config)?;
    println!(
        "{}: valid; deployment {} {}, {} source(s), {} probe suite(s), collector {}",
        args.config.display(),
        config.deployment.model,
        config.deployment.version,
        config.sources.len(),
        config.probe_suites.len(),
        config.collector.url
    );
    Ok(ExitCode::SUCCESS)
}

async fn run_agent(args: ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = AgentConfig::load(&args.config)?;
    let agent_id = config.agent_id.clone().unwrap_or_else(default_agent_id);
    candor_agent::run::run(config, agent_id, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

fn run_score(args: ScoreArgs) -> anyhow::Result<ExitCode> {
    let config = ScoreConfig {
        files: args.files,
        format: match args.format {
            FormatArg::Jsonl => OutputFormat::Jsonl,
            FormatArg::Table => OutputFormat::Table,
        },
        evaluate: args.evaluate,
        max_record_bytes: args.max_record_bytes,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = score_files::run(&config, &mut out, &mut std::io::stderr())
        .and_then(|report| out.flush().map(|()| report));
    let report = match result {
        Ok(report) => report,
        // The reader of the output went away (`score … | head`): stop quietly.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => return Err(error.into()),
    };
    if report.skipped > 0 {
        eprintln!(
            "warning: skipped {} invalid records or labels (see above){}",
            report.skipped,
            if args.strict {
                ""
            } else {
                "; --strict makes this an error"
            }
        );
    }
    if report.unreadable_files > 0 || (args.strict && report.skipped > 0) {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses `--max-record-bytes`: a size in bytes above 0.
fn record_bytes(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("give a size in bytes above 0".to_string()),
        Ok(bytes) => Ok(bytes),
        Err(_) => Err(format!(
            "{value:?} is not a size in bytes; give a whole number such as 4194304"
        )),
    }
}

fn default_agent_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "candor-agent".to_string())
}

/// Completes on SIGINT or SIGTERM.
/// The number of the signal that started shutdown: 2 for SIGINT, 15 for SIGTERM.
static INTERRUPTED_BY: AtomicU8 = AtomicU8::new(2);

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("failed to install the SIGTERM handler");
        tokio::select! {
            _ = interrupt => INTERRUPTED_BY.store(2, Ordering::Relaxed),
            _ = terminate.recv() => INTERRUPTED_BY.store(15, Ordering::Relaxed),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
