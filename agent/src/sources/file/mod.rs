//! The `file` source: tails JSONL response logs matched by a path or glob, scores each
//! line and delivers it, surviving log rotation and agent restarts.
//!
//! The tailer runs on its own thread and polls. Each poll it lists the matching files,
//! reads the complete lines that appeared since the last poll, and notices:
//! - rotation by rename: the path now names another file. The old file is still read
//!   through its open handle for [`ROTATED_GRACE`], for lines written just before the
//!   writer switched files, and then closed.
//! - rotation by copytruncate: the file is shorter than the read position, or its first
//!   line changed. Reading starts over at offset 0.
//!
//! Delivery is at least once and storage exactly once: each observation carries a dedupe
//! key (file fingerprint and line offset), and the checkpoint moves only when the
//! collector has acknowledged the records before it. After a restart, reading resumes
//! at the checkpoint and any record re-sent from before it is discarded by the collector.

mod checkpoint;
mod record;
mod tail;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use candor_proto::v1 as pb;
use tokio::sync::mpsc;

pub use checkpoint::{Checkpoint, FileCheckpoint};
use record::{parse_line, Pointers, SkipReason};
use tail::{ReadItem, Tracked};

use crate::config::FileSourceConfig;
use crate::deliver::batcher::Item;
use crate::score::{Exchange, RefusalClassifier, Scorer};
use crate::wire;

/// How long a file that was rotated away is still read.
const ROTATED_GRACE: Duration = Duration::from_secs(5);
/// Most lines read from one file per poll, so one busy file cannot starve the others.
const MAX_LINES_PER_POLL: usize = 10_000;

/// Counters the file source reports; all are cumulative.
#[derive(Debug, Default)]
pub struct FileSourceStats {
    pub lines_scored: std::sync::atomic::AtomicU64,
    pub lines_skipped: std::sync::atomic::AtomicU64,
}

/// Acknowledged positions, shared between the tailer and the delivery task.
struct AckState {
    checkpoint: Checkpoint,
    /// Records sent and not yet acknowledged, by fingerprint.
    in_flight: HashMap<String, u64>,
    dirty: bool,
}

/// The checkpoint as the collector's acknowledgements move it.
pub struct Acknowledged {
    path: PathBuf,
    state: Mutex<AckState>,
}

impl Acknowledged {
    fn load(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            path: path.to_path_buf(),
            state: Mutex::new(AckState {
                checkpoint: Checkpoint::load(path)?,
                in_flight: HashMap::new(),
                dirty: false,
            }),
        })
    }

    fn offset(&self, fingerprint: &str) -> Option<u64> {
        let state = self.state.lock().expect("checkpoint lock");
        state
            .checkpoint
            .files
            .get(fingerprint)
            .map(|file| file.offset)
    }

    fn sent(&self, fingerprint: &str) {
        let mut state = self.state.lock().expect("checkpoint lock");
        *state.in_flight.entry(fingerprint.to_string()).or_default() += 1;
    }

    /// Moves a file's offset forward to `offset`; never backward.
    fn advance(&self, fingerprint: &str, path: &Path, offset: u64, acknowledged_record: bool) {
        let mut state = self.state.lock().expect("checkpoint lock");
        if acknowledged_record {
            if let Some(count) = state.in_flight.get_mut(fingerprint) {
                *count = count.saturating_sub(1);
            }
        }
        let entry = state
            .checkpoint
            .files
            .entry(fingerprint.to_string())
            .or_insert_with(|| FileCheckpoint {
                path: path.to_path_buf(),
                offset: 0,
            });
        if offset > entry.offset {
            entry.offset = offset;
            entry.path = path.to_path_buf();
            state.dirty = true;
        }
    }

    /// Moves a file's offset to `offset` if no record of it is waiting for an
    /// acknowledgement, which covers skipped lines after the last record.
    fn advance_if_idle(&self, fingerprint: &str, path: &Path, offset: u64) {
        let idle = {
            let state = self.state.lock().expect("checkpoint lock");
            state.in_flight.get(fingerprint).copied().unwrap_or(0) == 0
        };
        if idle {
            self.advance(fingerprint, path, offset, false);
        }
    }

    /// Writes the checkpoint if it changed since the last save.
    pub fn save(&self) {
        let snapshot = {
            let mut state = self.state.lock().expect("checkpoint lock");
            if !state.dirty {
                return;
            }
            state.dirty = false;
            state.checkpoint.clone()
        };
        if let Err(error) = snapshot.save(&self.path) {
            tracing::error!(%error, path = %self.path.display(), "Saving the file source checkpoint failed; records after the last saved position will be re-read after a restart");
            self.state.lock().expect("checkpoint lock").dirty = true;
        }
    }
}

/// A running file source.
pub struct FileSource {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
    acknowledged: Arc<Acknowledged>,
    pub stats: Arc<FileSourceStats>,
}

impl FileSource {
    /// Loads the checkpoint and starts tailing on a new thread. Scored records go to
    /// `items`; the tailer waits while that queue is full.
    pub fn start(
        config: FileSourceConfig,
        deployment_model: String,
        items: mpsc::Sender<Item>,
        classifier: Arc<RefusalClassifier>,
    ) -> std::io::Result<Self> {
        let acknowledged = Arc::new(Acknowledged::load(&config.checkpoint)?);
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(FileSourceStats::default());
        let tailer = Tailer {
            pattern: config.path.clone(),
            pointers: Pointers {
                prompt: config.prompt_pointer.clone(),
                response: config.response_pointer.clone(),
                model: config.model_pointer.clone(),
            },
            deployment_model,
            config,
            items,
            acknowledged: acknowledged.clone(),
            stats: stats.clone(),
            scorer: Scorer::with_classifier(classifier),
            tracked: Vec::new(),
            rotated: Vec::new(),
        };
        let thread_stop = stop.clone();
        let thread = std::thread::Builder::new()
            .name("candor-file-source".into())
            .spawn(move || tailer.run(&thread_stop))?;
        Ok(Self {
            stop,
            thread,
            acknowledged,
            stats,
        })
    }

    /// Stops tailing after the current poll and waits for the thread. Call
    /// [`Acknowledged::save`] on [`FileSource::acknowledged`] once delivery has finished.
    pub fn stop(self) -> Arc<Acknowledged> {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        self.acknowledged
    }

    pub fn acknowledged(&self) -> Arc<Acknowledged> {
        self.acknowledged.clone()
    }
}

struct Tailer {
    pattern: String,
    pointers: Pointers,
    deployment_model: String,
    config: FileSourceConfig,
    items: mpsc::Sender<Item>,
    acknowledged: Arc<Acknowledged>,
    stats: Arc<FileSourceStats>,
    scorer: Scorer,
    tracked: Vec<Tracked>,
    /// Files rotated away, with when that was noticed.
    rotated: Vec<(Tracked, Instant)>,
}

impl Tailer {
    fn run(mut self, stop: &AtomicBool) {
        tracing::info!(path = %self.pattern, "File source started");
        let interval = Duration::from_millis(self.config.poll_interval_ms);
        while !stop.load(Ordering::Relaxed) {
            if !self.poll() {
                break;
            }
            self.acknowledged.save();
            let deadline = Instant::now() + interval;
            while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20).min(interval));
            }
        }
        self.acknowledged.save();
        tracing::info!(path = %self.pattern, "File source stopped");
    }

    /// One pass over all files. Returns false once delivery has stopped.
    fn poll(&mut self) -> bool {
        self.discover();
        let now = Instant::now();
        let mut files = std::mem::take(&mut self.tracked);
        let mut rotated = std::mem::take(&mut self.rotated);
        let mut running = true;
        for file in files
            .iter_mut()
            .chain(rotated.iter_mut().map(|(file, _)| file))
        {
            if running {
                running = self.read_file(file);
            }
        }
        // Files whose path now names another file (or nothing) were rotated away.
        let (still, moved): (Vec<_>, Vec<_>) = files
            .into_iter()
            .partition(|file| current_inode(&file.path) == Some(file.inode));
        rotated.extend(moved.into_iter().map(|file| (file, now)));
        rotated.retain(|(_, since)| since.elapsed() < ROTATED_GRACE);
        self.tracked = still;
        self.rotated = rotated;
        running
    }

    /// Starts tracking files that match the pattern and are not tracked yet.
    fn discover(&mut self) {
        let paths = match glob::glob(&self.pattern) {
            Ok(paths) => paths,
            Err(error) => {
                tracing::error!(%error, pattern = %self.pattern, "Invalid file source pattern");
                return;
            }
        };
        for path in paths.flatten() {
            let Some(inode) = current_inode(&path) else {
                continue;
            };
            let known = self
                .tracked
                .iter()
                .chain(self.rotated.iter().map(|(file, _)| file))
                .any(|file| file.inode == inode);
            if known || !path.is_file() {
                continue;
            }
            match Tracked::open(&path) {
                Ok(file) => {
                    tracing::info!(path = %path.display(), "Tailing file");
                    self.tracked.push(file);
                }
                Err(error) => {
                    tracing::warn!(%error, path = %path.display(), "Opening a log file failed; retrying next poll")
                }
            }
        }
    }

    /// Reads new lines of one file. Returns false once delivery has stopped.
    fn read_file(&mut self, file: &mut Tracked) -> bool {
        match self.read_file_inner(file) {
            Ok(running) => running,
            Err(error) => {
                tracing::warn!(%error, path = %file.path.display(), "Reading a log file failed; retrying next poll");
                true
            }
        }
    }

    fn read_file_inner(&mut self, file: &mut Tracked) -> std::io::Result<bool> {
        let size = file.size()?;
        let replaced =
            file.fingerprint.is_some() && file.current_fingerprint()? != file.fingerprint;
        if size < file.offset || replaced {
            tracing::info!(path = %file.path.display(), "Log file was truncated; reading it from the start");
            file.reset();
        }
        if file.fingerprint.is_none() {
            if !file.identify()? {
                return Ok(true);
            }
            let fingerprint = file.fingerprint.clone().expect("identified");
            if let Some(offset) = self.acknowledged.offset(&fingerprint) {
                if offset <= size {
                    file.offset = offset;
                }
            }
        }
        let fingerprint = file.fingerprint.clone().expect("identified");
        for item in file.read_lines(self.config.max_line_bytes, MAX_LINES_PER_POLL)? {
            let line = match item {
                ReadItem::Line(line) => line,
                ReadItem::TooLong => {
                    self.skipped(&file.path, SkipReason::TooLong);
                    continue;
                }
            };
            let record = match parse_line(&line.bytes, &self.pointers) {
                Ok(record) => record,
                Err(reason) => {
                    self.skipped(&file.path, reason);
                    continue;
                }
            };
            if record
                .model
                .as_deref()
                .is_some_and(|model| model != self.deployment_model)
            {
                self.skipped(&file.path, SkipReason::OtherModel);
                continue;
            }
            let scores = self.scorer.score_exchange(&Exchange {
                prompt: Some(&record.prompt),
                response: &record.response,
                ..Exchange::default()
            });
            let mut observation = pb::Observation {
                source: pb::Source::Log.into(),
                dedupe_key: format!("log:{fingerprint}:{}", line.start),
                observed_at_unix_ms: wire::now_unix_ms(),
                ..Default::default()
            };
            wire::fill_scores(&mut observation, &scores);

            let acknowledged = self.acknowledged.clone();
            let hook_fingerprint = fingerprint.clone();
            let path = file.path.clone();
            let end = line.end;
            self.acknowledged.sent(&fingerprint);
            let item = Item {
                observation,
                on_ack: Some(Box::new(move || {
                    acknowledged.advance(&hook_fingerprint, &path, end, true)
                })),
            };
            if self.items.blocking_send(item).is_err() {
                return Ok(false);
            }
            self.stats.lines_scored.fetch_add(1, Ordering::Relaxed);
        }
        self.acknowledged
            .advance_if_idle(&fingerprint, &file.path, file.offset);
        Ok(true)
    }

    fn skipped(&self, path: &Path, reason: SkipReason) {
        let total = self.stats.lines_skipped.fetch_add(1, Ordering::Relaxed) + 1;
        // Log the first few and then every thousandth, so a bad file cannot flood the log.
        if total <= 10 || total.is_multiple_of(1000) {
            tracing::warn!(path = %path.display(), reason = reason.as_str(), skipped_total = total, "Skipped a log line");
        }
    }
}

fn current_inode(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .map(|metadata| (metadata.dev(), metadata.ino()))
}
