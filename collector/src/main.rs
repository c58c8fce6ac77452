//! The `candor-collector` binary: parses the command line, installs logging and runs the
//! chosen command from the library.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
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
    Serve(ServeArgs),
    /// Print one row per deployment with its refusal rates.
    Summary(SummaryArgs),
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
            runtime.block_on(serve(args))
        }
        Command::Summary(args) => {
            let rows = candor_collector::read_summary(&args.db)?;
            match args.format {
                Format::Table => print!(
                    "{}{}",
                    summary::to_table(&rows),
                    summary::probe_table(&rows)
                ),
                Format::Json => println!("{}", summary::to_json(&rows)),
            }
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
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
