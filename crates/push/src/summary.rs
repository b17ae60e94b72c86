//! The outcome of a push (counts of every kind) and the progress callback the caller's UI
//! implements; the library itself never prints.

use std::path::PathBuf;
use std::time::Duration;

/// What a push did. Every record read is exactly one of: skipped (done in an earlier run),
/// delivered, dead-lettered, or (only when the push stopped early) left for the next run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read from the inputs (including skipped ones).
    pub records_read: u64,
    /// Records resolved by an earlier run and not sent again.
    pub skipped: u64,
    /// Records accepted by the service (HTTP 204).
    pub delivered: u64,
    /// Records that failed validation (dead-lettered, never sent).
    pub invalid: u64,
    /// Input lines or array elements that are not JSON (dead-lettered, never sent).
    pub unparseable: u64,
    /// Records too large for any request (dead-lettered, never sent).
    pub too_large: u64,
    /// Records the service refused, isolated by bisecting (dead-lettered).
    pub rejected: u64,
    /// String values over the service's per-value limit in records that were sent (with a
    /// column list to check against): the service stores them truncated. Each is logged as a
    /// warning with its source and position.
    pub oversized_values: u64,
    /// Entries that were already in the dead-letter file when the run started: records of
    /// earlier runs still undelivered (`ccfgen push --replay` sends them again).
    pub earlier_dead_letters: u64,
    /// Ingestion requests sent (all attempts).
    pub requests: u64,
    /// Of those, resends after a retryable failure or a 401.
    pub retried_requests: u64,
    /// Batches split because of 413 or bisected because of 400.
    pub splits: u64,
    /// Records that may have been delivered twice: the batches in flight when an earlier run
    /// was interrupted, plus any batch resent after an ambiguous failure in this run.
    pub duplicates_possible: u64,
    /// Inflated JSON bytes of delivered requests.
    pub bytes_raw: u64,
    /// Compressed bytes sent (all attempts).
    pub bytes_wire: u64,
    /// Token requests made.
    pub token_requests: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// The dead-letter file.
    pub dead_letter_file: Option<PathBuf>,
}

impl Summary {
    /// Records written to the dead-letter file.
    pub fn dead_lettered(&self) -> u64 {
        self.invalid + self.unparseable + self.too_large + self.rejected
    }

    /// Records in the dead-letter file, this run's and earlier runs': non-zero means the data
    /// is not all in the workspace (`ccfgen push` exits 1).
    pub fn undelivered(&self) -> u64 {
        self.dead_lettered() + self.earlier_dead_letters
    }

    /// Records left for a later run (non-zero only when the push stopped early).
    pub fn pending(&self) -> u64 {
        self.records_read
            .saturating_sub(self.skipped + self.delivered + self.dead_lettered())
    }

    /// The summary as labelled rows, the way every front end shows it (`ccfgen push`'s text,
    /// the studio's table). `stopped`: the push stopped early (pending records are shown).
    pub fn rows(&self, stopped: bool) -> Vec<(&'static str, String)> {
        let secs = self.elapsed.as_secs_f64();
        let mut rows = vec![("delivered", self.delivered.to_string())];
        let dead = self.dead_lettered();
        let mut dead_text = format!(
            "{dead} (invalid {}, unparseable {}, too large {}, refused {})",
            self.invalid, self.unparseable, self.too_large, self.rejected
        );
        if let (true, Some(file)) = (dead > 0, &self.dead_letter_file) {
            dead_text.push_str(&format!(" → {}", file.display()));
        }
        rows.push(("dead-lettered", dead_text));
        if self.oversized_values > 0 {
            rows.push((
                "truncated values",
                format!(
                    "{} string values over the service's 64 KiB per-value limit were sent: the service keeps only their first 64 KiB (the warnings say which records)",
                    self.oversized_values
                ),
            ));
        }
        if self.earlier_dead_letters > 0 {
            let file = self
                .dead_letter_file
                .as_ref()
                .map(|f| format!(" in {}", f.display()))
                .unwrap_or_default();
            rows.push((
                "earlier dead letters",
                format!(
                    "{}{file} from earlier runs, still undelivered (fix the cause, then `ccfgen push --replay` sends them)",
                    self.earlier_dead_letters
                ),
            ));
        }
        if self.skipped > 0 {
            rows.push((
                "skipped",
                format!("{} (resolved by an earlier run)", self.skipped),
            ));
        }
        if stopped {
            rows.push((
                "pending",
                format!(
                    "{} read but not sent, plus any input not read yet (fix the cause and run again to resume)",
                    self.pending()
                ),
            ));
        }
        rows.push((
            "requests",
            format!(
                "{} ({} retried, {} splits); {:.2} MB sent for {:.2} MB of JSON",
                self.requests,
                self.retried_requests,
                self.splits,
                self.bytes_wire as f64 / 1e6,
                self.bytes_raw as f64 / 1e6
            ),
        ));
        rows.push((
            "duplicates possible",
            if self.duplicates_possible == 0 {
                "0".into()
            } else {
                format!(
                    "{} (records of requests whose outcome was unknown — interrupted run, lost answer — sent again)",
                    self.duplicates_possible
                )
            },
        ));
        rows.push((
            "time",
            format!(
                "{secs:.1} s, {:.0} records/s",
                (self.delivered + dead) as f64 / secs.max(0.001)
            ),
        ));
        rows
    }
}

/// Progress events for a UI (progress bar, logs). All methods default to doing nothing and
/// are called from the push's own threads, so they must be cheap.
pub trait Progress: Send + Sync {
    /// A source is about to be read; `bytes` is its size when known.
    fn source_started(&self, _label: &str, _bytes: Option<u64>) {}
    /// `n` more input bytes were consumed.
    fn bytes_read(&self, _n: u64) {}
    /// `n` more records were read for this run (records an earlier run delivered, skipped on
    /// resume, are not counted); reported before they can be resolved.
    fn records_read(&self, _n: u64) {}
    /// A record read was dead-lettered before sending (invalid, unparseable, too large).
    fn record_refused(&self) {}
    /// A batch was resolved: records delivered and records dead-lettered.
    fn batch_resolved(&self, _delivered: u64, _dead_lettered: u64, _wire_bytes: u64) {}
    /// A request will be retried after `wait` (`status` is `None` for network errors).
    fn retrying(&self, _status: Option<u16>, _wait: Duration) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}
