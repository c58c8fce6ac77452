//! One tailed log file: its open handle, its identity and its read position.
//!
//! A file is identified by the fingerprint of its first line together with its inode,
//! not by its path: a renamed file keeps its checkpoint, two files that start with the
//! same line are told apart, and a new file that reuses an inode inherits a checkpoint
//! only if it also starts with the same line. Reading consumes only complete lines: a half-written last line stays
//! unread until its newline arrives.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Bytes of the first line that make the fingerprint.
const FINGERPRINT_BYTES: usize = 4096;

/// A file being read.
pub struct Tracked {
    pub path: PathBuf,
    file: File,
    /// Device and inode of the open file.
    pub inode: (u64, u64),
    /// Fingerprint of the first line; `None` until the first line is complete.
    pub fingerprint: Option<String>,
    /// Bytes consumed: the end of the last complete line handed out or skipped.
    pub offset: u64,
    /// A line longer than the limit is being skipped up to its newline.
    skipping: bool,
}

/// A complete line and where it sits in the file.
pub struct Line {
    pub start: u64,
    pub end: u64,
    pub bytes: Vec<u8>,
}

/// One item of a read.
pub enum ReadItem {
    Line(Line),
    /// A line over the limit was skipped.
    TooLong,
}

impl Tracked {
    /// Opens `path` for tailing from offset 0.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            inode: (metadata.dev(), metadata.ino()),
            fingerprint: None,
            offset: 0,
            skipping: false,
        })
    }

    /// Size of the open file now.
    pub fn size(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Computes the fingerprint once the first line is complete (or at least
    /// [`FINGERPRINT_BYTES`] long). Returns whether it is known.
    pub fn identify(&mut self) -> io::Result<bool> {
        if self.fingerprint.is_none() {
            self.fingerprint = self.current_fingerprint()?;
        }
        Ok(self.fingerprint.is_some())
    }

    /// Fingerprint of the first line as the file is now, to notice a file that was
    /// truncated and written again since it was identified.
    pub fn current_fingerprint(&self) -> io::Result<Option<String>> {
        let mut file = &self.file;
        file.seek(SeekFrom::Start(0))?;
        let mut head = Vec::with_capacity(FINGERPRINT_BYTES);
        file.take(FINGERPRINT_BYTES as u64).read_to_end(&mut head)?;
        let first_line = match memchr::memchr(b'\n', &head) {
            Some(end) => &head[..end],
            None if head.len() == FINGERPRINT_BYTES => &head[..],
            None => return Ok(None),
        };
        // The inode tells apart files that start with the same line; a rename keeps it.
        Ok(Some(format!(
            "{}-i{}",
            fingerprint(first_line),
            self.inode.1
        )))
    }

    /// Forgets the identity and position after the file was truncated in place.
    pub fn reset(&mut self) {
        self.fingerprint = None;
        self.offset = 0;
        self.skipping = false;
    }

    /// Reads the complete lines after `offset`, up to `max_lines`, advancing `offset`
    /// past each. Lines longer than `max_line_bytes` are skipped.
    pub fn read_lines(
        &mut self,
        max_line_bytes: usize,
        max_lines: usize,
    ) -> io::Result<Vec<ReadItem>> {
        self.file.seek(SeekFrom::Start(self.offset))?;
        let mut reader = BufReader::with_capacity(64 * 1024, &self.file);
        let mut items = Vec::new();
        let mut buffer = Vec::new();
        while items.len() < max_lines {
            buffer.clear();
            let limit = max_line_bytes as u64 + 1;
            let read = (&mut reader).take(limit).read_until(b'\n', &mut buffer)?;
            if read == 0 {
                break;
            }
            let complete = buffer.last() == Some(&b'\n');
            if !complete {
                if buffer.len() as u64 >= limit {
                    // Over the limit with no newline yet: skip these bytes and the rest
                    // of the line as it arrives.
                    self.offset += read as u64;
                    if !self.skipping {
                        items.push(ReadItem::TooLong);
                    }
                    self.skipping = true;
                    continue;
                }
                // A half-written last line: leave it for a later read.
                break;
            }
            let start = self.offset;
            self.offset += read as u64;
            if self.skipping {
                self.skipping = false;
                continue;
            }
            buffer.pop();
            if buffer.last() == Some(&b'\r') {
                buffer.pop();
            }
            if buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            items.push(ReadItem::Line(Line {
                start,
                end: self.offset,
                bytes: std::mem::take(&mut buffer),
            }));
        }
        Ok(items)
    }
}

/// FNV-1a over the bytes, with the length, as hex.
fn fingerprint(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}-{}", bytes.len())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn lines(items: Vec<ReadItem>) -> Vec<String> {
        items
            .into_iter()
            .map(|item| match item {
                ReadItem::Line(line) => String::from_utf8(line.bytes).unwrap(),
                ReadItem::TooLong => "<too long>".into(),
            })
            .collect()
    }

    #[test]
    fn partial_last_line_waits_for_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let mut writer = File::create(&path).unwrap();
        writer.write_all(b"first\r\nsecond\nthi").unwrap();
        let mut tracked = Tracked::open(&path).unwrap();
        assert!(tracked.identify().unwrap());
        assert_eq!(
            lines(tracked.read_lines(100, 100).unwrap()),
            ["first", "second"]
        );
        assert_eq!(tracked.offset, 14);
        writer.write_all(b"rd\n").unwrap();
        assert_eq!(lines(tracked.read_lines(100, 100).unwrap()), ["third"]);
    }

    #[test]
    fn long_line_is_skipped_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let mut writer = File::create(&path).unwrap();
        writer.write_all(b"ok\n").unwrap();
        writer.write_all(&[b'x'; 50]).unwrap();
        let mut tracked = Tracked::open(&path).unwrap();
        assert_eq!(
            lines(tracked.read_lines(10, 100).unwrap()),
            ["ok", "<too long>"]
        );
        writer.write_all(&[b'x'; 50]).unwrap();
        writer.write_all(b"\nafter\n").unwrap();
        assert_eq!(lines(tracked.read_lines(10, 100).unwrap()), ["after"]);
    }

    #[test]
    fn fingerprint_needs_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let mut writer = File::create(&path).unwrap();
        writer.write_all(b"{\"half").unwrap();
        let mut tracked = Tracked::open(&path).unwrap();
        assert!(!tracked.identify().unwrap());
        writer.write_all(b"\"}\n").unwrap();
        assert!(tracked.identify().unwrap());
        let first = tracked.fingerprint.clone().unwrap();

        let other = dir.path().join("b.jsonl");
        std::fs::write(&other, b"{\"other\"}\n").unwrap();
        let mut second = Tracked::open(&other).unwrap();
        second.identify().unwrap();
        assert_ne!(second.fingerprint.unwrap(), first);
    }
}
