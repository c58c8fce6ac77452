//! Server-sent events framed at the byte level, following the WHATWG HTML "event stream"
//! parsing rules. Lines end at CR LF, LF or CR, even when a CR and its LF arrive in
//! different reads, and a line is decoded as UTF-8 only once it is whole, so a read that
//! ends inside a multi-byte character loses nothing.
//!
//! `data:` lines of one event are joined with "\n", one space after the colon is
//! optional, comment lines (`: keepalive`) are skipped, and `id:` and `retry:` are read
//! but not kept. A blank line ends an event.

/// One event with at least one `data` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field, when the event had one.
    pub(crate) event: Option<String>,
    pub(crate) data: String,
}

/// Incremental event-stream parser: feed it bytes in reads of any size.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    /// Bytes of the current line, not yet decoded.
    line: Vec<u8>,
    /// The last byte fed was a CR, so an LF at the start of the next read belongs to it.
    after_cr: bool,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Parses `bytes` and appends the events they complete to `events`.
    pub(crate) fn feed(&mut self, mut bytes: &[u8], events: &mut Vec<SseEvent>) {
        if self.after_cr && !bytes.is_empty() {
            self.after_cr = false;
            if bytes[0] == b'\n' {
                bytes = &bytes[1..];
            }
        }
        while let Some(end) = memchr::memchr2(b'\r', b'\n', bytes) {
            self.line.extend_from_slice(&bytes[..end]);
            self.end_line(events);
            let terminator = bytes[end];
            bytes = &bytes[end + 1..];
            if terminator == b'\r' {
                match bytes.first() {
                    Some(b'\n') => bytes = &bytes[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.line.extend_from_slice(bytes);
    }

    /// Ends the stream. Unlike a browser, which drops an event that the stream cut
    /// before its blank line, this keeps it, so that a last chunk sent without the
    /// closing blank line is still read.
    pub(crate) fn finish(&mut self, events: &mut Vec<SseEvent>) {
        if !self.line.is_empty() {
            self.end_line(events);
        }
        self.dispatch(events);
    }

    fn end_line(&mut self, events: &mut Vec<SseEvent>) {
        let bytes = std::mem::take(&mut self.line);
        if bytes.is_empty() {
            self.dispatch(events);
            return;
        }
        let line = String::from_utf8_lossy(&bytes);
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            "event" => self.event = Some(value.to_string()),
            _ => {}
        }
    }

    fn dispatch(&mut self, events: &mut Vec<SseEvent>) {
        let event = self.event.take();
        if let Some(data) = self.data.take() {
            events.push(SseEvent { event, data });
        }
    }
}

/// Parses a whole event stream.
pub(crate) fn parse_all(bytes: &[u8]) -> Vec<SseEvent> {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    parser.feed(bytes, &mut events);
    parser.finish(&mut events);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(text: &str) -> SseEvent {
        SseEvent {
            event: None,
            data: text.to_string(),
        }
    }

    const STREAM: &str = ": keepalive\r\n\r\ndata:{\"a\":\"é日\"}\r\n\r\nevent: delta\rdata: one\rdata:  two\r\rdata: [DONE]\n\n";

    fn expected() -> Vec<SseEvent> {
        vec![
            data("{\"a\":\"é日\"}"),
            SseEvent {
                event: Some("delta".to_string()),
                data: "one\n two".to_string(),
            },
            data("[DONE]"),
        ]
    }

    #[test]
    fn whole_stream_parses() {
        assert_eq!(parse_all(STREAM.as_bytes()), expected());
    }

    // Regression: a stream split at any byte, including inside a
    // UTF-8 character and between CR and LF, must frame the same events.
    #[test]
    fn every_split_into_three_reads_parses_alike() {
        let bytes = STREAM.as_bytes();
        for first in 0..=bytes.len() {
            for second in first..=bytes.len() {
                let mut parser = SseParser::new();
                let mut events = Vec::new();
                parser.feed(&bytes[..first], &mut events);
                parser.feed(&bytes[first..second], &mut events);
                parser.feed(&bytes[second..], &mut events);
                parser.finish(&mut events);
                assert_eq!(events, expected(), "split at {first} and {second}");
            }
        }
    }

    #[test]
    fn event_without_blank_line_at_end_is_kept() {
        assert_eq!(parse_all(b"data: {}\n"), vec![data("{}")]);
        assert_eq!(parse_all(b"data: {}"), vec![data("{}")]);
    }

    #[test]
    fn event_without_data_is_not_dispatched() {
        assert_eq!(parse_all(b"event: ping\n\nid: 3\nretry: 10\n\n"), vec![]);
    }

    #[test]
    fn field_without_colon_has_empty_value() {
        assert_eq!(parse_all(b"data\n\n"), vec![data("")]);
    }
}
