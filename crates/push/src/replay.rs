//! Replaying a dead-letter file (`ccfgen push --replay`): its records are written to a replay
//! input beside the checkpoint store and pushed like any input (validated again, checkpointed,
//! so an interrupted replay resumes), with the new dead letters going to a file of their own.
//! When the replay finishes, the dead-letter file is rewritten atomically: the records
//! delivered are gone, the others stay with their new reason, and entries whose text still
//! does not parse as JSON stay as they were.
//!
//! The replay files are named after a hash of the dead-letter file's content, so running the
//! same replay again after an interruption finds its checkpoint; editing the dead-letter file
//! (fixing records in place is one way to fix the cause) starts a new replay.

use std::hash::Hasher as _;
use std::io::{BufRead as _, BufWriter, Write as _};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Why a replay could not be prepared or finished.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// A line of the dead-letter file is not a dead-letter entry.
    #[error("{file}:{line}: not a dead-letter entry ({message}); a replay reads the file `ccfgen push` wrote")]
    NotAnEntry {
        /// The dead-letter file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// A dead-letter file turned into a replay input.
#[derive(Debug)]
pub struct Prepared {
    /// The dead-letter file being replayed.
    pub dead_letter: PathBuf,
    /// Records to push, one per line (NDJSON).
    pub input: PathBuf,
    /// Where the replay's own dead letters go.
    pub new_dead_letter: PathBuf,
    /// Every entry of the dead-letter file, in order.
    entries: Vec<Value>,
    /// Entry index of each line of `input`.
    lines: Vec<usize>,
}

impl Prepared {
    /// Entries in the dead-letter file.
    pub fn entries(&self) -> usize {
        self.entries.len()
    }

    /// Records that will be pushed.
    pub fn records(&self) -> usize {
        self.lines.len()
    }

    /// Entries that cannot be replayed (their text still does not parse as JSON); they stay.
    pub fn unreplayable(&self) -> usize {
        self.entries.len() - self.lines.len()
    }
}

/// The record an entry holds: `record`, or `record_text` when it now parses as JSON.
fn record_of(entry: &Value) -> Option<Value> {
    if let Some(r) = entry.get("record") {
        return Some(r.clone());
    }
    let text = entry.get("record_text")?.as_str()?;
    serde_json::from_str(text).ok()
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> ReplayError {
    move |source| ReplayError::Io { context, source }
}

/// Reads `dead_letter` and writes the replay input into `work_dir`.
pub fn prepare(dead_letter: &Path, work_dir: &Path) -> Result<Prepared, ReplayError> {
    let file = std::fs::File::open(dead_letter)
        .map_err(io(format!("reading the dead-letter file {}", dead_letter.display())))?;
    let mut hash = crate::pipeline::Fnv64::default();
    let mut entries = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io(format!("reading {}", dead_letter.display())))?;
        hash.write(line.as_bytes());
        hash.write(b"\n");
        if line.trim().is_empty() {
            continue;
        }
        let not_entry = |message: String| ReplayError::NotAnEntry {
            file: dead_letter.to_owned(),
            line: i + 1,
            message,
        };
        let entry: Value = serde_json::from_str(&line).map_err(|e| not_entry(e.to_string()))?;
        if !entry.is_object() || entry.get("reason").is_none() {
            return Err(not_entry("no `reason`".into()));
        }
        if entry.get("record").is_none() && entry.get("record_text").is_none() {
            return Err(not_entry("no `record` or `record_text`".into()));
        }
        entries.push(entry);
    }
    std::fs::create_dir_all(work_dir).map_err(io(format!("creating {}", work_dir.display())))?;
    let tag = format!("{:016x}", hash.finish());
    let input = work_dir.join(format!("replay-{tag}.ndjson"));
    let new_dead_letter = work_dir.join(format!("replay-{tag}.dead-letter.ndjson"));
    let mut lines = Vec::new();
    let mut out = BufWriter::new(
        std::fs::File::create(&input).map_err(io(format!("writing {}", input.display())))?,
    );
    for (i, entry) in entries.iter().enumerate() {
        if let Some(record) = record_of(entry) {
            serde_json::to_writer(&mut out, &record)
                .map_err(|e| io(format!("writing {}", input.display()))(e.into()))?;
            out.write_all(b"\n")
                .map_err(io(format!("writing {}", input.display())))?;
            lines.push(i);
        }
    }
    out.flush()
        .map_err(io(format!("writing {}", input.display())))?;
    Ok(Prepared {
        dead_letter: dead_letter.to_owned(),
        input,
        new_dead_letter,
        entries,
        lines,
    })
}

/// After a replay that finished: rewrites the dead-letter file with the records still not
/// delivered (new reason, original source and position) and the unreplayable entries, then
/// removes the replay files. Returns the entries left in the dead-letter file.
pub fn finish(prepared: Prepared) -> Result<u64, ReplayError> {
    let Prepared {
        dead_letter,
        input,
        new_dead_letter,
        mut entries,
        lines,
    } = prepared;
    let mut keep: Vec<bool> = vec![true; entries.len()];
    for &i in &lines {
        keep[i] = false;
    }
    let text = match std::fs::read_to_string(&new_dead_letter) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(format!("reading {}", new_dead_letter.display()))(e)),
    };
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut again: Value =
            serde_json::from_str(line).map_err(|e| ReplayError::NotAnEntry {
                file: new_dead_letter.clone(),
                line: n + 1,
                message: e.to_string(),
            })?;
        let Some(&at) = again
            .get("ordinal")
            .and_then(Value::as_u64)
            .and_then(|o| usize::try_from(o).ok())
            .and_then(|o| lines.get(o))
        else {
            continue;
        };
        for key in ["source", "ordinal"] {
            if let Some(v) = entries[at].get(key) {
                again[key] = v.clone();
            }
        }
        entries[at] = again;
        keep[at] = true;
    }
    let tmp = dead_letter.with_extension("ndjson.replay-tmp");
    let mut kept = 0u64;
    {
        let mut out = BufWriter::new(
            std::fs::File::create(&tmp).map_err(io(format!("writing {}", tmp.display())))?,
        );
        for (entry, keep) in entries.iter().zip(&keep) {
            if *keep {
                serde_json::to_writer(&mut out, entry)
                    .map_err(|e| io(format!("writing {}", tmp.display()))(e.into()))?;
                out.write_all(b"\n")
                    .map_err(io(format!("writing {}", tmp.display())))?;
                kept += 1;
            }
        }
        let file = out
            .into_inner()
            .map_err(|e| io(format!("writing {}", tmp.display()))(e.into_error()))?;
        file.sync_all()
            .map_err(io(format!("syncing {}", tmp.display())))?;
    }
    std::fs::rename(&tmp, &dead_letter)
        .map_err(io(format!("replacing {}", dead_letter.display())))?;
    for f in [&input, &new_dead_letter] {
        let _ = std::fs::remove_file(f);
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivered_entries_leave_the_rest_keep_their_place_and_new_reason() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join("dead.ndjson");
        let lines = [
            r#"{"reason":"invalid","source":"a.ndjson","ordinal":3,"message":"bad","record":{"A":1}}"#,
            r#"{"reason":"unparseable","source":"a.ndjson","ordinal":4,"message":"eof","record_text":"{broken"}"#,
            r#"{"reason":"rejected","source":"b.ndjson","ordinal":9,"message":"400","record":{"A":2}}"#,
            r#"{"reason":"invalid","source":"b.ndjson","ordinal":10,"message":"bad","record":{"A":3}}"#,
        ];
        std::fs::write(&dead, lines.join("\n") + "\n").unwrap();
        let p = prepare(&dead, &dir.path().join("work")).unwrap();
        assert_eq!((p.entries(), p.records(), p.unreplayable()), (4, 3, 1));
        let input = std::fs::read_to_string(&p.input).unwrap();
        assert_eq!(input, "{\"A\":1}\n{\"A\":2}\n{\"A\":3}\n");
        // The replay dead-letters its line 1 (the entry of b.ndjson:9) again.
        std::fs::write(
            &p.new_dead_letter,
            r#"{"reason":"invalid","source":"replay","ordinal":1,"message":"still bad","record":{"A":2}}"#
                .to_owned()
                + "\n",
        )
        .unwrap();
        let input_path = p.input.clone();
        assert_eq!(finish(p).unwrap(), 2);
        let left: Vec<Value> = std::fs::read_to_string(&dead)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(left[0]["record_text"], "{broken");
        assert_eq!(left[1]["message"], "still bad");
        assert_eq!(left[1]["source"], "b.ndjson");
        assert_eq!(left[1]["ordinal"], 9);
        assert!(!input_path.exists());
    }

    #[test]
    fn a_file_that_is_not_a_dead_letter_file_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join("records.ndjson");
        std::fs::write(&dead, "{\"reason\":\"invalid\",\"record\":{}}\n{\"A\":1}\n").unwrap();
        let e = prepare(&dead, dir.path()).unwrap_err().to_string();
        assert!(e.contains("records.ndjson:2: not a dead-letter entry"), "{e}");
    }
}
