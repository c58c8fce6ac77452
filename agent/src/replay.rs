//! The `replay` command: reads recorded interactions from files, scores each response
//! and streams the observations to a collector, finishing only once the collector has
//! acknowledged every one.
//!
//! Reading and scoring run on a blocking thread that feeds the delivery queue, so a
//! slow collector slows reading down instead of filling memory.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use candor_proto::v1 as pb;
use indicatif::{ProgressBar, ProgressStyle};

use crate::deliver::{
    BatchSender, Delivery, DeliveryConfig, DeliveryError, Progress, MAX_BATCH_BYTES,
};
use crate::input::{Record, RecordReader};
use crate::score::Scorer;
use crate::wire;
use prost::Message;

/// Settings of one replay.
#[derive(Debug, Clone)]
pub struct ReplayConfig {
    /// Collector gRPC URL.
    pub collector: String,
    pub agent_id: String,
    pub model: String,
    pub version: String,
    pub labels: BTreeMap<String, String>,
    /// Version to compare this one with, instead of the previous version.
    pub baseline_version: Option<String>,
    pub files: Vec<PathBuf>,
    /// Largest record accepted, in bytes.
    pub max_record_bytes: usize,
    /// Observations per gRPC message.
    pub batch_size: usize,
    /// How many invalid records to print per file before only counting them.
    pub max_reported_errors: usize,
    /// Give up when the collector has been unreachable for this long.
    pub give_up_after: Duration,
    /// Draw a progress bar on standard error when it is a terminal.
    pub progress_bar: bool,
}

impl ReplayConfig {
    /// Settings with defaults for everything but the collector, deployment and files.
    pub fn new(
        collector: impl Into<String>,
        model: impl Into<String>,
        version: impl Into<String>,
        files: Vec<PathBuf>,
    ) -> Self {
        Self {
            collector: collector.into(),
            agent_id: "candor-agent".into(),
            model: model.into(),
            version: version.into(),
            labels: BTreeMap::new(),
            baseline_version: None,
            files,
            max_record_bytes: crate::input::DEFAULT_MAX_RECORD_BYTES,
            batch_size: 256,
            max_reported_errors: 50,
            give_up_after: Duration::from_secs(300),
            progress_bar: false,
        }
    }
}

/// What a replay did.
#[derive(Debug, Default)]
pub struct ReplayReport {
    /// Records read, valid or not.
    pub read: u64,
    /// Records skipped as invalid.
    pub skipped: u64,
    /// Files that could not be opened or read to the end.
    pub unreadable_files: u64,
    /// Reading was stopped by a shutdown signal before the end of the files.
    pub interrupted: bool,
    /// What the collector acknowledged.
    pub delivered: Progress,
    /// Why delivery stopped before every record was acknowledged.
    pub failure: Option<DeliveryError>,
}

impl ReplayReport {
    pub fn valid(&self) -> u64 {
        self.read - self.skipped
    }
}

/// Why a replay failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error("the reading thread panicked")]
    ReaderPanicked,
}

/// Time allowed, after an interrupt, for queued batches to be acknowledged.
const INTERRUPT_GRACE: Duration = Duration::from_secs(10);

/// Replays the configured files. Invalid records are reported on standard error and
/// skipped; the result says how many. When `shutdown` completes first, reading stops
/// after the current record and what was already queued gets [`INTERRUPT_GRACE`] to be
/// acknowledged.
pub async fn run(
    config: ReplayConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<ReplayReport, ReplayError> {
    let deployment = pb::Deployment {
        model: config.model.clone(),
        version: config.version.clone(),
        labels: config.labels.clone().into_iter().collect(),
        baseline_version: config.baseline_version.clone().unwrap_or_default(),
    };
    let mut delivery_config = DeliveryConfig::new(
        config.collector.clone(),
        config.agent_id.clone(),
        deployment,
    );
    delivery_config.give_up_after = config.give_up_after;
    let delivery = Delivery::start(delivery_config)?;

    let bar = progress_bar(config.progress_bar);
    let progress = delivery.progress();
    let mut ack_updates = delivery.progress();
    let bar_for_acks = bar.clone();
    let ack_watcher = tokio::spawn(async move {
        while ack_updates.changed().await.is_ok() {
            let acknowledged = ack_updates.borrow().observations;
            bar_for_acks.set_message(format!("{acknowledged} acknowledged"));
        }
    });

    let counts = Arc::new(ReadCounts::default());
    let sender = delivery.sender();
    let bar_for_reader = bar.clone();
    let reader_counts = counts.clone();
    let reader = tokio::task::spawn_blocking(move || {
        read_and_score(&config, &sender, &bar_for_reader, &reader_counts)
    });

    // Reading and delivery run in one task, so a shutdown signal is seen in either phase.
    let mut work = tokio::spawn(async move {
        let read = reader.await;
        let delivered = delivery.finish().await;
        (read, delivered)
    });
    tokio::pin!(shutdown);
    let (interrupted, finished) = tokio::select! {
        joined = &mut work => (false, Some(joined)),
        () = &mut shutdown => {
            counts.stop.store(true, Ordering::Relaxed);
            bar.suspend(|| eprintln!("interrupted: waiting for queued records to be acknowledged"));
            match tokio::time::timeout(INTERRUPT_GRACE, &mut work).await {
                Ok(joined) => (true, Some(joined)),
                Err(_) => {
                    work.abort();
                    (true, None)
                }
            }
        }
    };
    let mut failure = None;
    let delivered = match finished {
        None => *progress.borrow(),
        Some(Err(_)) => return Err(ReplayError::ReaderPanicked),
        Some(Ok((read, delivered))) => {
            read.map_err(|_| ReplayError::ReaderPanicked)?;
            match delivered {
                Ok(delivered) => delivered,
                // After an interrupt, a delivery that could not finish is reported by counts.
                Err(_) if interrupted => *progress.borrow(),
                Err(error) => {
                    failure = Some(error);
                    *progress.borrow()
                }
            }
        }
    };
    ack_watcher.abort();
    bar.finish_and_clear();

    Ok(ReplayReport {
        read: counts.read.load(Ordering::Relaxed),
        skipped: counts.skipped.load(Ordering::Relaxed),
        unreadable_files: counts.unreadable_files.load(Ordering::Relaxed),
        interrupted,
        delivered,
        failure,
    })
}

/// Counts kept by the reading thread, readable while it runs, and the flag that stops it.
#[derive(Default)]
struct ReadCounts {
    read: AtomicU64,
    skipped: AtomicU64,
    unreadable_files: AtomicU64,
    stop: AtomicBool,
}

fn progress_bar(enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} read {pos} records, {msg}")
            .expect("template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Reads every file, scores valid records and queues them in batches. Stops early only
/// when the delivery task has stopped.
fn read_and_score(
    config: &ReplayConfig,
    sender: &BatchSender,
    bar: &ProgressBar,
    counts: &ReadCounts,
) {
    let mut scorer = Scorer::new();
    let mut batch = Vec::with_capacity(config.batch_size);
    let mut batch_bytes = 0usize;

    'files: for path in &config.files {
        let reader = match RecordReader::open(path, config.max_record_bytes) {
            Ok(reader) => reader,
            Err(error) => {
                bar.suspend(|| eprintln!("error: cannot open {}: {error}", path.display()));
                counts.unreadable_files.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        let mut file_records = 0u64;
        let mut file_errors = 0usize;
        for item in reader {
            if counts.stop.load(Ordering::Relaxed) {
                break 'files;
            }
            let record = match item {
                Ok(Ok(record)) => record,
                Ok(Err(invalid)) if invalid.problem.spoils_file() => {
                    bar.suspend(|| eprintln!("error: {invalid}"));
                    counts.unreadable_files.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Ok(Err(invalid)) => {
                    counts.read.fetch_add(1, Ordering::Relaxed);
                    counts.skipped.fetch_add(1, Ordering::Relaxed);
                    file_records += 1;
                    file_errors += 1;
                    if file_errors <= config.max_reported_errors {
                        bar.suspend(|| eprintln!("warning: skipped {invalid}"));
                    }
                    continue;
                }
                Err(error) => {
                    bar.suspend(|| eprintln!("error: reading {} failed: {error}", path.display()));
                    counts.unreadable_files.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            };
            counts.read.fetch_add(1, Ordering::Relaxed);
            file_records += 1;
            bar.inc(1);
            let observation = observe(&mut scorer, &record);
            batch_bytes += observation.encoded_len();
            batch.push(observation);
            if batch.len() >= config.batch_size || batch_bytes >= MAX_BATCH_BYTES {
                batch_bytes = 0;
                let full = std::mem::replace(&mut batch, Vec::with_capacity(config.batch_size));
                if sender.blocking_send(full).is_err() {
                    return;
                }
            }
        }
        if file_errors > config.max_reported_errors {
            let unprinted = file_errors - config.max_reported_errors;
            bar.suspend(|| {
                eprintln!(
                    "warning: {}: {unprinted} more invalid records not shown",
                    path.display()
                )
            });
        }
        if file_records == 0 {
            bar.suspend(|| eprintln!("warning: {}: file has no records", path.display()));
        }
    }
    if !batch.is_empty() {
        let _ = sender.blocking_send(batch);
    }
}

/// Scores one record into an observation.
fn observe(scorer: &mut Scorer, record: &Record) -> pb::Observation {
    let mut observation = pb::Observation {
        record_id: wire::clamp_text(record.id.as_deref().unwrap_or_default()),
        source: pb::Source::Replay.into(),
        category: wire::clamp_text(record.category.as_deref().unwrap_or_default()),
        expect: wire::expectation(record.expect).into(),
        observed_at_unix_ms: wire::now_unix_ms(),
        ..Default::default()
    };
    wire::fill_scores(&mut observation, &scorer.score_exchange(&record.exchange()));
    observation
}
