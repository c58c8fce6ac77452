//! The file source's checkpoint: per log file, identified by the fingerprint of its
//! first line, the byte offset up to which every record has been acknowledged by the
//! collector. It is written to a temporary file and renamed, so a crash leaves either
//! the old or the new checkpoint, never a torn one.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Acknowledged offsets by file fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub files: BTreeMap<String, FileCheckpoint>,
}

/// One file's acknowledged position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCheckpoint {
    /// The path where the file was last seen, for people reading the checkpoint.
    pub path: PathBuf,
    /// Bytes from the start of the file whose records are all acknowledged.
    pub offset: u64,
}

impl Checkpoint {
    /// Loads the checkpoint at `path`; a missing file is an empty checkpoint.
    pub fn load(path: &Path) -> io::Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "checkpoint {} is not valid: {error}; move it away to start over",
                        path.display()
                    ),
                )
            }),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Self::default()),
            Err(error) => Err(error),
        }
    }

    /// Writes the checkpoint to `path` atomically.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)?;
        }
        let temporary = path.with_extension("tmp");
        let bytes = serde_json::to_vec_pretty(self).expect("checkpoint serializes");
        std::fs::write(&temporary, bytes)?;
        std::fs::rename(&temporary, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_and_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/checkpoint.json");
        assert_eq!(Checkpoint::load(&path).unwrap(), Checkpoint::default());
        let mut checkpoint = Checkpoint::default();
        checkpoint.files.insert(
            "abc".into(),
            FileCheckpoint {
                path: "/var/log/a.jsonl".into(),
                offset: 42,
            },
        );
        checkpoint.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), checkpoint);
    }

    #[test]
    fn corrupt_checkpoint_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint.json");
        std::fs::write(&path, b"{not json").unwrap();
        let error = Checkpoint::load(&path).unwrap_err();
        assert!(error.to_string().contains("move it away"), "{error}");
    }
}
