//! The `candor-collector` binary: parses the command line, installs logging and runs the
//! chosen command from the library.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use candor_collector::detect::evaluator::EvaluatorConfig;
use candor_collector::ingest::IngestLimits;
use candor_collector::serve::{Collector, ServeConfig};
use candor_collector::summary;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "candor-collector",
    version,
    about = "Receives, stores and exports candor observations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the collector: gRPC ingest, SQLite storage and the HTTP metrics endpoint.
    Serve(Box<ServeArgs>),
    /// Print one row per deployment with its refusal rates.
    Summary(SummaryArgs),
    /// Print the alerts: pending, firing and resolved.
    Alerts(SummaryArgs),
    /// Declare which version a deployment is compared with.
    Baseline(BaselineArgs),
}

#[derive(clap::Args)]
struct BaselineArgs {
    /// SQLite database file written by `serve`.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// Model of the deployment.
    #[arg(long)]
    model: String,
    /// Version of the deployment.
    #[arg(long)]
    version: String,
    /// Version to compare it with, such as an untuned base model served in parallel.
    #[arg(
        long,
        value_name = "VERSION",
        conflicts_with = "previous",
        required_unless_present = "previous"
    )]
    against: Option<String>,
    /// Compare it with the previous version again (the default).
    #[arg(long)]
    previous: bool,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// SQLite database file; created and migrated when missing.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// gRPC listen address for agents (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:4770", value_name = "ADDR")]
    grpc_addr: SocketAddr,
    /// HTTP listen address for /metrics and /healthz (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:9770", value_name = "ADDR")]
    http_addr: SocketAddr,
    /// Largest gRPC message accepted from an agent, in bytes.
    #[arg(long, default_value_t = 4 * 1024 * 1024, value_name = "BYTES",
          value_parser = clap::value_parser!(u32).range(1024..=256 * 1024 * 1024))]
    max_message_bytes: u32,
    /// Most observations accepted in one batch.
    #[arg(long, default_value_t = 10_000, value_name = "COUNT",
          value_parser = clap::value_parser!(u32).range(1..))]
    max_batch_observations: u32,
    /// Seconds allowed for a clean shutdown before open streams are dropped.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    shutdown_grace: u64,
    /// Milliseconds between evaluations of every deployment against its baseline.
    #[arg(long, default_value_t = 5000, value_name = "MILLISECONDS",
          value_parser = clap::value_parser!(u64).range(10..))]
    evaluate_interval_ms: u64,
    /// Seconds a condition must hold before its alert fires (0 fires at once).
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    alert_hold: u64,
    /// False-alarm bound of each sequential test, from 0 to 1.
    #[arg(long, default_value_t = 0.01, value_name = "ALPHA")]
    alert_alpha: f64,
    /// Samples each side needs before a rate comparison may decide.
    #[arg(long, default_value_t = 200, value_name = "COUNT")]
    alert_min_samples: u64,
    /// Receiver of Alertmanager-format webhooks (payload version 4); repeat for more.
    #[arg(long = "webhook-url", value_name = "URL")]
    webhook_urls: Vec<String>,
    /// Alertmanager to push alerts to (its base URL); repeat for more.
    #[arg(long = "alertmanager-url", value_name = "URL")]
    alertmanager_urls: Vec<String>,
    /// Seconds between pushes of a still-firing alert to the Alertmanagers.
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    alertmanager_resend: u64,
    /// Rollback hook: POSTed once when an alert named in --rollback-alerts fires.
    #[arg(long, value_name = "URL")]
    rollback_url: Option<String>,
    /// Environment variable holding the HMAC-SHA256 key that signs rollback requests.
    #[arg(long, value_name = "VARIABLE")]
    rollback_secret_env: Option<String>,
    /// Alerts that ask for a rollback, comma-separated.
    #[arg(
        long,
        default_value = "LearnedHelplessness,SafetyRegression,CoherenceLoss",
        value_delimiter = ','
    )]
    rollback_alerts: Vec<String>,
    /// Seconds after a rollback during which a deployment gets no other.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    rollback_cooldown: u64,
    /// Seconds without a report after which a long-running agent raises AgentSilent.
    #[arg(long, default_value_t = 300, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    agent_silent_after: u64,
    /// Milliseconds allowed for one notification request.
    #[arg(long, default_value_t = 5000, value_name = "MILLISECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    notify_timeout_ms: u64,
}

#[derive(clap::Args)]
struct SummaryArgs {
    /// SQLite database file written by `serve`.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            let runtime =
                tokio::runtime::Runtime::new().context("failed to start the async runtime")?;
            runtime.block_on(serve(*args))
        }
        Command::Alerts(args) => {
            let alerts = candor_collector::read_alerts(&args.db)?;
            match args.format {
                Format::Table => emit(&candor_collector::alerts::to_table(&alerts)),
                Format::Json => emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&alerts).expect("alerts serialize")
                )),
            }
        }
        Command::Baseline(args) => {
            let baseline = candor_collector::store::set_baseline(
                &args.db,
                &args.model,
                &args.version,
                args.against.as_deref(),
            )?;
            match baseline {
                Some(version) => println!(
                    "{} {} is now compared with {version}",
                    args.model, args.version
                ),
                None => println!(
                    "{} {} is now compared with its previous version",
                    args.model, args.version
                ),
            }
            Ok(())
        }
        Command::Summary(args) => {
            let rows = candor_collector::read_summary(&args.db)?;
            match args.format {
                Format::Table => emit(&format!(
                    "{}{}",
                    summary::to_table(&rows),
                    summary::probe_table(&rows)
                )),
                Format::Json => emit(&format!("{}\n", summary::to_json(&rows))),
            }
        }
    }
}

/// Writes command output to standard output. A reader that went away early, such as
/// `head`, is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => Ok(result?),
    }
}

fn evaluator_config(args: &ServeArgs) -> anyhow::Result<EvaluatorConfig> {
    if !(args.alert_alpha > 0.0 && args.alert_alpha < 1.0) {
        anyhow::bail!(
            "invalid --alert-alpha {}: give a number between 0 and 1, such as 0.01",
            args.alert_alpha
        );
    }
    let mut config = EvaluatorConfig {
        interval: Duration::from_millis(args.evaluate_interval_ms),
        hold: Duration::from_secs(args.alert_hold),
        ..EvaluatorConfig::default()
    };
    config.detection.rates.alpha = args.alert_alpha;
    config.detection.rates.min_samples = args.alert_min_samples;
    config.agent_silent_after = Duration::from_secs(args.agent_silent_after);
    for url in args
        .webhook_urls
        .iter()
        .chain(&args.alertmanager_urls)
        .chain(&args.rollback_url)
    {
        let valid = url
            .parse::<http::Uri>()
            .is_ok_and(|uri| uri.scheme_str() == Some("http") && uri.authority().is_some());
        if !valid {
            anyhow::bail!("invalid notification URL {url:?}: write it as http://HOST:PORT/PATH (TLS is not supported yet)");
        }
    }
    config.notify.webhooks = args.webhook_urls.clone();
    config.notify.alertmanagers = args.alertmanager_urls.clone();
    config.notify.alertmanager_resend = Duration::from_secs(args.alertmanager_resend);
    config.notify.timeout = Duration::from_millis(args.notify_timeout_ms);
    if args.rollback_url.is_none() && args.rollback_secret_env.is_some() {
        anyhow::bail!("--rollback-secret-env is set without --rollback-url: add the rollback hook URL, or drop the secret");
    }
    let known = candor_collector::detect::evaluator::COMPARISON_ALERTS;
    for name in &args.rollback_alerts {
        if !known.contains(&name.as_str()) && name != "AgentSilent" {
            anyhow::bail!(
                "unknown alert {name:?} in --rollback-alerts: use names from {}",
                known.join(", ")
            );
        }
    }
    if let Some(url) = &args.rollback_url {
        let Some(variable) = &args.rollback_secret_env else {
            anyhow::bail!("--rollback-url needs --rollback-secret-env: name the environment variable that holds the signing key");
        };
        let secret = std::env::var(variable)
            .ok()
            .filter(|secret| !secret.is_empty())
            .ok_or_else(|| anyhow::anyhow!("environment variable {variable} given by --rollback-secret-env is not set or empty"))?;
        config.notify.rollback = Some(candor_collector::notify::RollbackConfig {
            url: url.clone(),
            secret: secret.into_bytes(),
            alertnames: args.rollback_alerts.clone(),
            cooldown: Duration::from_secs(args.rollback_cooldown),
        });
    }
    Ok(config)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let evaluator = evaluator_config(&args)?;
    let config = ServeConfig {
        db: args.db,
        grpc_addr: args.grpc_addr,
        http_addr: args.http_addr,
        limits: IngestLimits {
            max_message_bytes: args.max_message_bytes as usize,
            max_batch_observations: args.max_batch_observations as usize,
            ..IngestLimits::default()
        },
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
        evaluator,
    };
    let collector = Collector::bind(config).await?;
    // Tests and scripts started with port 0 read the bound addresses from this line.
    println!(
        "candor-collector listening grpc={} http={}",
        collector.grpc_addr(),
        collector.http_addr()
    );
    collector.run(shutdown_signal()).await?;
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("failed to install the SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
