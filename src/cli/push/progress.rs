//! The progress of `ccfgen push` on stderr: on a terminal an indicatif bar (share of the input
//! read, MB/s, records resolved and their rate, retries and dead letters); elsewhere, with
//! `--progress always`, a plain-text line every second (records read, delivered,
//! dead-lettered, pending, rate, retries, bytes read), which logs and CI captures keep.

use std::io::{IsTerminal as _, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use ccfgen_push::Progress;

/// When to show progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal, unless `CI` is set or logs are JSON; nothing elsewhere.
    Auto,
    /// Always on stderr: a bar on a terminal, a plain-text line every second elsewhere.
    Always,
    /// Never.
    Never,
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// An indicatif bar redrawn in place (stderr is a terminal).
    Bar,
    /// Plain-text lines at an interval (stderr is a file or a pipe).
    Lines,
}

impl ProgressMode {
    /// How to show progress, given the log format; `None` for not at all.
    pub fn display(self, json_logs: bool) -> Option<Display> {
        let terminal = std::io::stderr().is_terminal();
        match self {
            ProgressMode::Never => None,
            ProgressMode::Always if terminal => Some(Display::Bar),
            ProgressMode::Always => Some(Display::Lines),
            ProgressMode::Auto => {
                (!json_logs && terminal && std::env::var_os("CI").is_none()).then_some(Display::Bar)
            }
        }
    }
}

/// A [`Progress`] drawing an indicatif bar.
pub struct Bar {
    bar: ProgressBar,
    records: AtomicU64,
    dead: AtomicU64,
    retries: AtomicU64,
    started: Instant,
}

impl Bar {
    /// A bar sized by input bytes (the total grows as sources start; unknown for stdin).
    pub fn new(known_total: bool) -> Bar {
        // Short enough for an 80-column terminal.
        let template = if known_total {
            "{spinner} {bar:20} {percent:>3}% {binary_bytes_per_sec:>11} {msg}"
        } else {
            "{spinner} {binary_bytes:>10} read {binary_bytes_per_sec:>11} {msg}"
        };
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar {
            bar,
            records: AtomicU64::new(0),
            dead: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// The bar itself (logs suspend it while writing).
    pub fn handle(&self) -> ProgressBar {
        self.bar.clone()
    }

    fn refresh(&self) {
        let records = self.records.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        self.bar.set_message(format!(
            "{records} rec {:.0}/s, {} retries, {} dead",
            records as f64 / secs,
            self.retries.load(Ordering::Relaxed),
            self.dead.load(Ordering::Relaxed),
        ));
    }
}

impl Progress for Bar {
    fn source_started(&self, _label: &str, bytes: Option<u64>) {
        if let Some(n) = bytes {
            self.bar.inc_length(n);
        }
    }

    fn bytes_read(&self, n: u64) {
        self.bar.inc(n);
    }

    fn batch_resolved(&self, delivered: u64, dead_lettered: u64, _wire_bytes: u64) {
        self.records
            .fetch_add(delivered + dead_lettered, Ordering::Relaxed);
        self.dead.fetch_add(dead_lettered, Ordering::Relaxed);
        self.refresh();
    }

    fn retrying(&self, _status: Option<u16>, _wait: std::time::Duration) {
        self.retries.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }
}

/// The counts a [`Lines`] reporter prints.
#[derive(Default)]
struct Counts {
    read: AtomicU64,
    refused: AtomicU64,
    delivered: AtomicU64,
    dead: AtomicU64,
    retries: AtomicU64,
    bytes: AtomicU64,
}

impl Counts {
    /// One progress line: records read, delivered, dead-lettered (refused before sending or
    /// by the service), pending (read, not yet resolved), the resolution rate since the start,
    /// retries and input bytes read.
    fn line(&self, elapsed: Duration) -> String {
        let read = self.read.load(Ordering::Relaxed);
        let delivered = self.delivered.load(Ordering::Relaxed);
        let dead = self.dead.load(Ordering::Relaxed) + self.refused.load(Ordering::Relaxed);
        let pending = read.saturating_sub(delivered + dead);
        let secs = elapsed.as_secs_f64().max(0.001);
        format!(
            "progress: {:.0} s, {read} records read, {delivered} delivered, {dead} dead-lettered, \
             {pending} pending, {:.0} records/s, {} retries, {:.1} MiB read",
            elapsed.as_secs_f64(),
            (delivered + dead) as f64 / secs,
            self.retries.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0),
        )
    }

    /// A value that changes whenever a count does.
    fn stamp(&self) -> [u64; 6] {
        [
            &self.read,
            &self.refused,
            &self.delivered,
            &self.dead,
            &self.retries,
            &self.bytes,
        ]
        .map(|c| c.load(Ordering::Relaxed))
    }
}

/// A [`Progress`] writing a plain-text line to stderr every `interval` while the counts
/// change (a bar drawn in place is unreadable in a file or a CI log), and a last one when
/// finished.
pub struct Lines {
    counts: Arc<Counts>,
    /// Dropping the sender stops the writer.
    stop: Mutex<Option<mpsc::Sender<()>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    started: Instant,
}

impl Lines {
    /// Starts the writer thread.
    pub fn start(interval: Duration) -> Lines {
        let counts = Arc::new(Counts::default());
        let started = Instant::now();
        let (stop, stopped) = mpsc::channel::<()>();
        let shared = counts.clone();
        let writer = std::thread::spawn(move || {
            let mut last = shared.stamp();
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                let now = shared.stamp();
                if now != last {
                    last = now;
                    // One write per line, so log lines from other threads never cut into it.
                    let line = format!("{}\n", shared.line(started.elapsed()));
                    let _ = std::io::stderr().lock().write_all(line.as_bytes());
                }
            }
        });
        Lines {
            counts,
            stop: Mutex::new(Some(stop)),
            writer: Mutex::new(Some(writer)),
            started,
        }
    }

    /// Stops the writer and prints the last line (before the summary); once.
    pub fn finish(&self) {
        if self.halt() {
            let line = format!("{}\n", self.counts.line(self.started.elapsed()));
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }

    /// Stops the writer thread; whether it was running.
    fn halt(&self) -> bool {
        let stop = self.stop.lock().unwrap_or_else(|e| e.into_inner()).take();
        let running = stop.is_some();
        drop(stop);
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        running
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        self.halt();
    }
}

impl Progress for Lines {
    fn bytes_read(&self, n: u64) {
        self.counts.bytes.fetch_add(n, Ordering::Relaxed);
    }

    fn records_read(&self, n: u64) {
        self.counts.read.fetch_add(n, Ordering::Relaxed);
    }

    fn record_refused(&self) {
        self.counts.refused.fetch_add(1, Ordering::Relaxed);
    }

    fn batch_resolved(&self, delivered: u64, dead_lettered: u64, _wire_bytes: u64) {
        self.counts
            .delivered
            .fetch_add(delivered, Ordering::Relaxed);
        self.counts.dead.fetch_add(dead_lettered, Ordering::Relaxed);
    }

    fn retrying(&self, _status: Option<u16>, _wait: Duration) {
        self.counts.retries.fetch_add(1, Ordering::Relaxed);
    }
}

/// The progress display of one run.
pub enum Shown {
    /// A bar on a terminal.
    Bar(Arc<Bar>),
    /// Plain-text lines.
    Lines(Arc<Lines>),
}

impl Shown {
    /// Starts showing progress as `display` says.
    pub fn start(display: Display, known_total: bool) -> Shown {
        match display {
            Display::Bar => Shown::Bar(Arc::new(Bar::new(known_total))),
            Display::Lines => Shown::Lines(Arc::new(Lines::start(Duration::from_secs(1)))),
        }
    }

    /// The bar, which log lines suspend while they are written.
    pub fn bar(&self) -> Option<ProgressBar> {
        match self {
            Shown::Bar(bar) => Some(bar.handle()),
            Shown::Lines(_) => None,
        }
    }

    /// The receiver of the push's progress events.
    pub fn progress(&self) -> Arc<dyn Progress> {
        match self {
            Shown::Bar(bar) => bar.clone(),
            Shown::Lines(lines) => lines.clone(),
        }
    }

    /// Clears the bar, or prints the last line, before the summary.
    pub fn finish(&self) {
        match self {
            Shown::Bar(bar) => bar.handle().finish_and_clear(),
            Shown::Lines(lines) => lines.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_what_is_pending() {
        let counts = Counts::default();
        counts.read.store(1000, Ordering::Relaxed);
        counts.delivered.store(700, Ordering::Relaxed);
        counts.dead.store(20, Ordering::Relaxed);
        counts.refused.store(30, Ordering::Relaxed);
        counts.retries.store(2, Ordering::Relaxed);
        counts.bytes.store(3 * 1024 * 1024, Ordering::Relaxed);
        assert_eq!(
            counts.line(Duration::from_secs(2)),
            "progress: 2 s, 1000 records read, 700 delivered, 50 dead-lettered, 250 pending, \
             375 records/s, 2 retries, 3.0 MiB read"
        );
    }
}
