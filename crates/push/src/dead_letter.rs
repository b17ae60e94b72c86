//! The dead-letter file: one NDJSON line per record that was not delivered, with the reason,
//! the HTTP status and error code, and the request ids needed to ask Microsoft about it.
//! Nothing secret is ever written (no tokens, no client secret, no request headers).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use uuid::Uuid;

/// Why a record was dead-lettered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// It failed validation against the stream's columns (never sent).
    Invalid,
    /// The input could not be parsed as JSON (never sent).
    Unparseable,
    /// It cannot fit in any request (never sent).
    TooLarge,
    /// The service refused it (isolated by bisecting a 400 response).
    Rejected,
}

impl Reason {
    /// The spelling in the file.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::Invalid => "invalid",
            Reason::Unparseable => "unparseable",
            Reason::TooLarge => "too_large",
            Reason::Rejected => "rejected",
        }
    }
}

/// One dead-letter entry.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Why.
    pub reason: Reason,
    /// Human description of the source (file path or stream id).
    pub source: &'a str,
    /// Position of the record in its source.
    pub ordinal: u64,
    /// Details (validation errors, server message).
    pub message: &'a str,
    /// HTTP status of the last response, if any.
    pub status: Option<u16>,
    /// `x-ms-error-code` / `error.code` of the last response.
    pub error_code: Option<&'a str>,
    /// `x-ms-client-request-id` of the last request carrying the record.
    pub client_request_id: Option<Uuid>,
    /// `x-ms-request-id` of the last response.
    pub server_request_id: Option<&'a str>,
    /// The record: JSON text, or raw input text when it is not JSON.
    pub record: &'a [u8],
}

/// Appends entries to an NDJSON file.
#[derive(Debug)]
pub struct DeadLetterWriter {
    path: PathBuf,
    out: BufWriter<File>,
    existing: u64,
    written: u64,
    dirty: bool,
}

impl DeadLetterWriter {
    /// Opens (creating or appending to) `path`.
    pub fn open(path: &Path) -> std::io::Result<DeadLetterWriter> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let existing = count_entries(path)?;
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(DeadLetterWriter {
            path: path.to_owned(),
            out: BufWriter::new(file),
            existing,
            written: 0,
            dirty: false,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entries written by this writer.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Entries in the file: those found when it was opened plus those written since.
    pub fn entries(&self) -> u64 {
        self.existing + self.written
    }

    /// Appends one entry (buffered; see [`DeadLetterWriter::sync`]).
    pub fn write(&mut self, e: &Entry<'_>) -> std::io::Result<()> {
        let mut m = Map::new();
        m.insert(
            "time".into(),
            Value::String(
                time::OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            ),
        );
        m.insert("reason".into(), e.reason.as_str().into());
        m.insert("source".into(), e.source.into());
        m.insert("ordinal".into(), e.ordinal.into());
        m.insert("message".into(), e.message.into());
        m.insert("status".into(), e.status.map_or(Value::Null, Value::from));
        m.insert(
            "error_code".into(),
            e.error_code.map_or(Value::Null, Value::from),
        );
        m.insert(
            "client_request_id".into(),
            e.client_request_id
                .map_or(Value::Null, |u| Value::String(u.to_string())),
        );
        m.insert(
            "server_request_id".into(),
            e.server_request_id.map_or(Value::Null, Value::from),
        );
        match serde_json::from_slice::<Value>(e.record) {
            Ok(v) => m.insert("record".into(), v),
            Err(_) => m.insert(
                "record_text".into(),
                String::from_utf8_lossy(e.record).into_owned().into(),
            ),
        };
        serde_json::to_writer(&mut self.out, &m)?;
        self.out.write_all(b"\n")?;
        self.written += 1;
        self.dirty = true;
        Ok(())
    }

    /// Flushes and fsyncs, so that progress recorded afterwards never covers a lost entry.
    pub fn sync(&mut self) -> std::io::Result<()> {
        if self.dirty {
            self.out.flush()?;
            self.out.get_ref().sync_data()?;
            self.dirty = false;
        }
        Ok(())
    }
}

/// The entries (non-blank lines) of a dead-letter file; 0 when it does not exist.
pub fn count_entries(path: &Path) -> std::io::Result<u64> {
    use std::io::BufRead as _;
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, file);
    let mut count = 0;
    let mut blank = true;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        for &b in buf {
            if b == b'\n' {
                if !blank {
                    count += 1;
                }
                blank = true;
            } else if !b.is_ascii_whitespace() {
                blank = false;
            }
        }
        let n = buf.len();
        reader.consume(n);
    }
    Ok(count + u64::from(!blank))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_ndjson_with_all_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dead.ndjson");
        let id = Uuid::new_v4();
        {
            let mut w = DeadLetterWriter::open(&path).unwrap();
            w.write(&Entry {
                reason: Reason::Rejected,
                source: "in.ndjson",
                ordinal: 7,
                message: "bad value",
                status: Some(400),
                error_code: Some("InvalidPayload"),
                client_request_id: Some(id),
                server_request_id: Some("srv-1"),
                record: br#"{"a":1}"#,
            })
            .unwrap();
            w.write(&Entry {
                reason: Reason::Unparseable,
                source: "in.ndjson",
                ordinal: 8,
                message: "expected value",
                status: None,
                error_code: None,
                client_request_id: None,
                server_request_id: None,
                record: b"{not json",
            })
            .unwrap();
            w.sync().unwrap();
            assert_eq!(w.written(), 2);
            assert_eq!(w.entries(), 2);
        }
        // Reopening appends, and counts what is there.
        let reopened = DeadLetterWriter::open(&path).unwrap();
        assert_eq!((reopened.entries(), reopened.written()), (2, 0));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["reason"], "rejected");
        assert_eq!(lines[0]["status"], 400);
        assert_eq!(lines[0]["error_code"], "InvalidPayload");
        assert_eq!(lines[0]["client_request_id"], id.to_string());
        assert_eq!(lines[0]["server_request_id"], "srv-1");
        assert_eq!(lines[0]["record"]["a"], 1);
        assert_eq!(lines[1]["record_text"], "{not json");
        assert_eq!(lines[1]["ordinal"], 8);
    }
}
