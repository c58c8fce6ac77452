//! The on-disk spool: batches that do not fit in the in-memory delivery queue while the
//! collector is slow or away wait here, up to a byte limit, and are fed back to
//! delivery when it has room.
//!
//! Each batch is one file, `<id>.batch`, holding a protobuf-encoded `ObservationBatch`
//! (its sequence is assigned at delivery). Files are written to a temporary name and
//! renamed, so a crash never leaves a half-written batch under a final name. A file is
//! deleted only once the collector has acknowledged its batch. Files left by an earlier
//! run are delivered at start-up.
//!
//! NOTE: a batch acknowledged just before a crash, whose file was not yet deleted, is
//! sent again after the restart. Observations with a dedupe key (log records) are
//! stored once all the same; proxy observations carry none and would count twice.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use candor_proto::v1::ObservationBatch;
use prost::Message;
use tokio::sync::Notify;

use super::{AckHook, BatchSender, Outgoing};

#[derive(Default)]
struct State {
    /// Files waiting to be fed to delivery, oldest first, with their sizes.
    waiting: VecDeque<(u64, u64)>,
    /// Bytes of all spool files, including those in delivery and not yet acknowledged.
    bytes: u64,
    next_id: u64,
    /// Acknowledgement hooks of batches spooled by this process.
    hooks: HashMap<u64, AckHook>,
}

/// A bounded folder of batches waiting for delivery.
pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    state: Mutex<State>,
    waiting_changed: Notify,
}

impl Spool {
    /// Opens the spool in `dir`, creating it when missing, and lists the batches an
    /// earlier run left there.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(id) = name
                .to_str()
                .and_then(|name| name.strip_suffix(".batch"))
                .and_then(|stem| stem.parse::<u64>().ok())
            else {
                continue;
            };
            files.push((id, entry.metadata()?.len()));
        }
        files.sort_unstable();
        let state = State {
            bytes: files.iter().map(|&(_, size)| size).sum(),
            next_id: files.last().map_or(1, |&(id, _)| id + 1),
            waiting: files.into(),
            hooks: HashMap::new(),
        };
        if !state.waiting.is_empty() {
            tracing::info!(dir = %dir.display(), batches = state.waiting.len(), bytes = state.bytes, "Spool holds batches from an earlier run");
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            max_bytes,
            state: Mutex::new(state),
            waiting_changed: Notify::new(),
        })
    }

    /// Total size of the spool files, in bytes.
    pub fn bytes(&self) -> u64 {
        self.state.lock().expect("spool lock").bytes
    }

    /// Batches waiting to be fed to delivery.
    pub fn waiting(&self) -> usize {
        self.state.lock().expect("spool lock").waiting.len()
    }

    fn path(&self, id: u64) -> PathBuf {
        self.dir.join(format!("{id:020}.batch"))
    }

    /// Writes a batch to the spool. Returns it unchanged when the spool is full or the
    /// write failed.
    pub fn push(&self, outgoing: Outgoing) -> Result<(), Outgoing> {
        let encoded = ObservationBatch {
            sequence: 0,
            observations: outgoing.observations,
            dropped: Default::default(),
        }
        .encode_to_vec();
        let size = encoded.len() as u64;
        let id = {
            let mut state = self.state.lock().expect("spool lock");
            if state.bytes + size > self.max_bytes {
                return Err(restore(encoded, outgoing.on_ack));
            }
            state.bytes += size;
            let id = state.next_id;
            state.next_id += 1;
            id
        };
        let path = self.path(id);
        let temporary = path.with_extension("tmp");
        let written =
            std::fs::write(&temporary, &encoded).and_then(|()| std::fs::rename(&temporary, &path));
        let mut state = self.state.lock().expect("spool lock");
        if let Err(error) = written {
            tracing::error!(%error, path = %path.display(), "Writing a spool file failed");
            state.bytes -= size;
            let _ = std::fs::remove_file(&temporary);
            return Err(restore(encoded, outgoing.on_ack));
        }
        state.waiting.push_back((id, size));
        if let Some(hook) = outgoing.on_ack {
            state.hooks.insert(id, hook);
        }
        drop(state);
        self.waiting_changed.notify_one();
        Ok(())
    }

    /// Feeds spooled batches to delivery, oldest first, waiting while delivery is full.
    /// Runs until delivery stops.
    pub async fn feed(self: Arc<Self>, sender: BatchSender) {
        loop {
            let next = self.state.lock().expect("spool lock").waiting.pop_front();
            let Some((id, size)) = next else {
                self.waiting_changed.notified().await;
                continue;
            };
            let path = self.path(id);
            let batch = match std::fs::read(&path)
                .map(|bytes| ObservationBatch::decode(bytes.as_slice()))
            {
                Ok(Ok(batch)) => batch,
                Ok(Err(error)) => {
                    tracing::error!(%error, path = %path.display(), "Spool file is corrupt; deleting it");
                    self.remove(id, size);
                    continue;
                }
                Err(error) => {
                    tracing::error!(%error, path = %path.display(), "Reading a spool file failed; skipping it");
                    self.remove(id, size);
                    continue;
                }
            };
            let hook = self.state.lock().expect("spool lock").hooks.remove(&id);
            let spool = self.clone();
            let on_ack: AckHook = Box::new(move || {
                spool.remove(id, size);
                if let Some(hook) = hook {
                    hook();
                }
            });
            let outgoing = Outgoing {
                observations: batch.observations,
                on_ack: Some(on_ack),
            };
            if sender.send(outgoing).await.is_err() {
                return;
            }
        }
    }

    fn remove(&self, id: u64, size: u64) {
        let path = self.path(id);
        if let Err(error) = std::fs::remove_file(&path) {
            if error.kind() != io::ErrorKind::NotFound {
                tracing::warn!(%error, path = %path.display(), "Deleting a delivered spool file failed");
            }
        }
        let mut state = self.state.lock().expect("spool lock");
        state.bytes = state.bytes.saturating_sub(size);
    }
}

/// Rebuilds the outgoing batch that could not be spooled.
fn restore(encoded: Vec<u8>, on_ack: Option<AckHook>) -> Outgoing {
    let batch = ObservationBatch::decode(encoded.as_slice()).expect("just encoded");
    Outgoing {
        observations: batch.observations,
        on_ack,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candor_proto::v1::Observation;

    fn outgoing(records: usize) -> Outgoing {
        let observation = Observation {
            record_id: "spooled".into(),
            ..Default::default()
        };
        vec![observation; records].into()
    }

    #[test]
    fn push_respects_byte_limit() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), 100).unwrap();
        assert!(spool.push(outgoing(5)).is_ok());
        let rejected = spool.push(outgoing(20)).unwrap_err();
        assert_eq!(rejected.observations.len(), 20);
        assert_eq!(spool.waiting(), 1);
        assert!(spool.bytes() > 0 && spool.bytes() <= 100);
    }

    #[test]
    fn reopen_finds_earlier_batches() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), 10_000).unwrap();
        spool.push(outgoing(2)).unwrap();
        spool.push(outgoing(3)).unwrap();
        let bytes = spool.bytes();
        drop(spool);
        std::fs::write(dir.path().join("notes.txt"), b"not a batch").unwrap();

        let reopened = Spool::open(dir.path(), 10_000).unwrap();
        assert_eq!(reopened.waiting(), 2);
        assert_eq!(reopened.bytes(), bytes);
        reopened.push(outgoing(1)).unwrap();
        assert!(dir.path().join(format!("{:020}.batch", 3)).exists());
    }
}
