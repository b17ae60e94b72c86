//! The progress bar of `ccfgen push` (terminal only): share of the input read, MB/s, records
//! resolved and their rate, retries and dead letters.

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use ccfgen_push::Progress;

/// When to draw the bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// On a terminal, unless `CI` is set or logs are JSON.
    Auto,
    /// Always (on stderr).
    Always,
    /// Never.
    Never,
}

impl ProgressMode {
    /// Whether to draw, given the log format.
    pub fn enabled(self, json_logs: bool) -> bool {
        match self {
            ProgressMode::Always => true,
            ProgressMode::Never => false,
            ProgressMode::Auto => {
                !json_logs && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
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
