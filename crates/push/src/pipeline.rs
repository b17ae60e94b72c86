//! `push_sources`: the entry point the `ccfgen push` command calls. Files, directories (stable
//! sorted order), stdin or any reader are streamed on a blocking thread — parsed, validated
//! against the stream's columns, packed — while the async workers upload.

use std::fs::File;
use std::hash::Hasher;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::batch::Limits;
use crate::client::Client;
use crate::config::Config;
use crate::dead_letter::Reason;
use crate::engine::{Producer, Run, SourceHandle, Workers};
use crate::error::{Incomplete, PushError};
use crate::reader::{Item, ReadError, for_each_record};
use crate::record::Column;
use crate::retry::RetryPolicy;
use crate::summary::{NoProgress, Progress, Summary};
use crate::validate::{ValidationOptions, is_valid_text};

/// File extensions read from a directory (case-insensitive).
pub const INPUT_EXTENSIONS: &[&str] = &["json", "ndjson", "jsonl"];

/// One input.
pub enum Source {
    /// A JSON array or NDJSON file.
    File(PathBuf),
    /// Every `*.json`, `*.ndjson`, `*.jsonl` file below a directory, in sorted path order
    /// (hidden files and directories skipped).
    Dir(PathBuf),
    /// Standard input; `id` names it in the checkpoint store.
    Stdin {
        /// Stable name of the stream of records.
        id: String,
    },
    /// Any reader; `id` names it in the checkpoint store.
    Reader {
        /// Stable name of the stream of records.
        id: String,
        /// The data.
        reader: Box<dyn Read + Send>,
    },
}

/// Options of [`push_sources`].
pub struct PushOptions {
    /// Directory of the checkpoint store and dead-letter file.
    pub state_dir: PathBuf,
    /// Overrides `<state_dir>/dead-letter.ndjson`.
    pub dead_letter_file: Option<PathBuf>,
    /// Request limits.
    pub limits: Limits,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Requests in flight.
    pub concurrency: usize,
    /// Validation settings.
    pub validation: ValidationOptions,
    /// Progress receiver.
    pub progress: Arc<dyn Progress>,
}

impl PushOptions {
    /// Defaults with the given state directory.
    pub fn new(state_dir: impl Into<PathBuf>) -> PushOptions {
        PushOptions {
            state_dir: state_dir.into(),
            dead_letter_file: None,
            limits: Limits::default(),
            retry: RetryPolicy::default(),
            concurrency: 4,
            validation: ValidationOptions::default(),
            progress: Arc::new(NoProgress),
        }
    }
}

/// Pushes every record of `sources` to the configured stream, validating against `columns`.
/// Returns the summary when every record was delivered or dead-lettered; otherwise the cause
/// and what was done (the rest is sent by the next run with the same state directory).
pub async fn push_sources(
    config: Config,
    columns: &[Column],
    sources: Vec<Source>,
    options: PushOptions,
) -> Result<Summary, Box<Incomplete>> {
    let mut builder = Client::builder(config, &options.state_dir)
        .limits(options.limits)
        .retry(options.retry)
        .concurrency(options.concurrency)
        .progress(options.progress);
    if let Some(p) = options.dead_letter_file {
        builder = builder.dead_letter_file(p);
    }
    let client = builder.build().map_err(Incomplete::before_start)?;
    client
        .push_sources(columns, sources, options.validation)
        .await
}

impl Client {
    /// Pushes `sources` with this client (see [`push_sources`]).
    pub async fn push_sources(
        &self,
        columns: &[Column],
        sources: Vec<Source>,
        validation: ValidationOptions,
    ) -> Result<Summary, Box<Incomplete>> {
        let run = Run::new(self.core().clone());
        let workers = Workers::start(&run);
        let tx = workers.sender();
        let columns = columns.to_vec();
        let progress = self.core().progress.clone();
        let mut producer = Producer::new(run.clone());
        let reading = tokio::task::spawn_blocking(move || {
            let mut errors = Vec::new();
            for input in expand(sources, &mut errors) {
                if producer.run().is_stopped() {
                    break;
                }
                let mut feed = |producer: &mut Producer, src: &SourceHandle, item: Item<'_>| {
                    feed_item(producer, src, item, &columns, validation, &tx, &*progress)
                };
                if let Err(e) = read_input(&mut producer, input, &*progress, &mut feed) {
                    errors.push(e);
                }
            }
            (producer, errors)
        });
        let (mut producer, errors) = match reading.await {
            Ok(r) => r,
            Err(e) => {
                run.fail(PushError::Io {
                    context: "the input reader panicked".into(),
                    source: std::io::Error::other(e.to_string()),
                });
                return workers.finish(&run, Vec::new()).await;
            }
        };
        let mut errors = errors.into_iter();
        if let Some(first) = errors.next() {
            for other in errors {
                tracing::error!(error = %other, "input error");
            }
            run.fail(first);
        }
        let last = producer.seal();
        workers.finish(&run, last).await
    }
}

/// A concrete input after directory expansion.
enum Input {
    File(PathBuf),
    Stream {
        id: String,
        label: String,
        reader: Box<dyn Read + Send>,
    },
}

fn expand(sources: Vec<Source>, errors: &mut Vec<PushError>) -> Vec<Input> {
    let mut out = Vec::new();
    for s in sources {
        match s {
            Source::File(p) => out.push(Input::File(p)),
            Source::Dir(dir) => {
                let walk = walkdir::WalkDir::new(&dir)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_entry(|e| {
                        e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                    });
                for entry in walk {
                    match entry {
                        Ok(e) if e.file_type().is_file() && has_input_extension(e.path()) => {
                            out.push(Input::File(e.into_path()));
                        }
                        Ok(_) => {}
                        Err(e) => errors.push(PushError::Input {
                            source_label: dir.display().to_string(),
                            message: e.to_string(),
                        }),
                    }
                }
            }
            Source::Stdin { id } => out.push(Input::Stream {
                id,
                label: "stdin".into(),
                reader: Box::new(std::io::stdin()),
            }),
            Source::Reader { id, reader } => out.push(Input::Stream {
                label: id.clone(),
                id,
                reader,
            }),
        }
    }
    out
}

fn has_input_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| INPUT_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// A stable identity for a file: canonical path, size, and a hash of its first and last MiB.
/// A file that changes gets a new identity (and is sent as a new source).
pub fn file_key(path: &Path) -> std::io::Result<String> {
    let canonical = std::fs::canonicalize(path)?;
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    let mut h = Fnv64::default();
    let mut buf = vec![0u8; 1 << 20];
    let n = read_full(&mut f, &mut buf)?;
    h.write(&buf[..n]);
    if len > (2 << 20) {
        f.seek(SeekFrom::End(-(1 << 20)))?;
        let n = read_full(&mut f, &mut buf)?;
        h.write(&buf[..n]);
    }
    Ok(format!(
        "file:{}|{len}|{:016x}",
        canonical.display(),
        h.finish()
    ))
}

fn read_full(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// FNV-1a, 64-bit: stable across Rust versions (unlike `DefaultHasher`).
pub(crate) struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Fnv64 {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv64 {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A stream read on a thread of its own, so that a stop of the run ends the reading at once
/// even while the stream blocks (stdin from a pipe nobody closes): [`Read::read`] waits for
/// the next chunk in short slices and, once the run is stopped, fails instead of waiting on.
/// The thread, left blocked in its read, ends with the stream or the process.
struct StopAware {
    chunks: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
    run: Arc<Run>,
}

impl StopAware {
    /// How long a read waits before looking at the run again.
    const POLL: std::time::Duration = std::time::Duration::from_millis(50);

    fn new(mut inner: Box<dyn Read + Send>, run: Arc<Run>) -> StopAware {
        // Two chunks in the channel: the reading thread stays at most that far ahead.
        let (tx, chunks) = std::sync::mpsc::sync_channel(2);
        std::thread::spawn(move || {
            loop {
                let mut buf = vec![0u8; 256 * 1024];
                let read = loop {
                    match inner.read(&mut buf) {
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        other => break other,
                    }
                };
                let last = !matches!(read, Ok(n) if n > 0);
                let sent = tx.send(read.map(|n| {
                    buf.truncate(n);
                    buf
                }));
                if last || sent.is_err() {
                    return;
                }
            }
        });
        StopAware {
            chunks,
            chunk: Vec::new(),
            at: 0,
            run,
        }
    }
}

impl Read for StopAware {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::sync::mpsc::RecvTimeoutError;
        while self.at == self.chunk.len() {
            match self.chunks.recv_timeout(Self::POLL) {
                Ok(Ok(chunk)) if chunk.is_empty() => return Ok(0),
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(RecvTimeoutError::Disconnected) => return Ok(0),
                Err(RecvTimeoutError::Timeout) if self.run.is_stopped() => {
                    return Err(std::io::Error::other("the push was stopped"));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Counts bytes for the progress callback.
struct Counting<'p, R> {
    inner: R,
    progress: &'p dyn Progress,
    pending: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pending += n as u64;
        if self.pending >= 256 * 1024 || n == 0 {
            self.progress.bytes_read(self.pending);
            self.pending = 0;
        }
        Ok(n)
    }
}

type Feed<'a> = dyn FnMut(&mut Producer, &SourceHandle, Item<'_>) -> Result<(), PushError> + 'a;

fn read_input(
    producer: &mut Producer,
    input: Input,
    progress: &dyn Progress,
    feed: &mut Feed<'_>,
) -> Result<(), PushError> {
    let io = |label: &str| {
        let label = label.to_owned();
        move |source| PushError::Io {
            context: format!("reading {label}"),
            source,
        }
    };
    let (key, label, size, reader): (String, String, Option<u64>, Box<dyn Read + Send>) =
        match input {
            Input::File(path) => {
                let label = path.display().to_string();
                let key = file_key(&path).map_err(io(&label))?;
                let file = File::open(&path).map_err(io(&label))?;
                let size = file.metadata().ok().map(|m| m.len());
                (key, label, size, Box::new(file))
            }
            Input::Stream { id, label, reader } => {
                // A pipe may stay open and silent (a producer that never closes it): read on a
                // thread of its own, so a stop (Ctrl-C) ends the reading at once.
                let reader = Box::new(StopAware::new(reader, producer.run().clone()));
                (format!("stream:{id}"), label, None, reader)
            }
        };
    let src = producer.open_source(&key, &label)?;
    if src.complete() {
        tracing::info!(source = %label, records = src.total.unwrap_or(0), "already delivered by an earlier run; skipped");
        producer.skip_source(&src);
        return Ok(());
    }
    progress.source_started(&label, size);
    let counting = Counting {
        inner: reader,
        progress,
        pending: 0,
    };
    let mut count = 0u64;
    let result = for_each_record(BufReader::with_capacity(256 * 1024, counting), |item| {
        count += 1;
        feed(producer, &src, item)
    });
    match result {
        Ok(_) => {
            producer.end_source(&src, count);
            Ok(())
        }
        Err(ReadError::Stopped(e)) => Err(e),
        // A stream whose reading the stop ended (see `StopAware`).
        Err(ReadError::Io(_)) if producer.run().is_stopped() => Err(PushError::Stopped),
        Err(ReadError::Io(e)) => Err(io(&label)(e)),
        Err(e @ ReadError::Syntax { .. }) => Err(PushError::Input {
            source_label: label,
            message: e.to_string(),
        }),
    }
}

/// Feeds one input item to the producer and sends the batches it completes. A record
/// admitted (not delivered by an earlier run) is counted as read before it can be sent or
/// dead-lettered, so progress never shows more resolved than read.
fn feed_item(
    producer: &mut Producer,
    src: &SourceHandle,
    item: Item<'_>,
    columns: &[Column],
    validation: ValidationOptions,
    tx: &tokio::sync::mpsc::Sender<crate::engine::Work>,
    progress: &dyn Progress,
) -> Result<(), PushError> {
    if producer.run().is_stopped() {
        return Err(PushError::Stopped);
    }
    match item {
        Item::Line { ordinal, text } => {
            if producer.admit(src, ordinal) {
                progress.records_read(1);
                if is_valid_text(text, columns, validation) {
                    // Valid as written: sent as is, without a parse-serialize round trip.
                    producer.add_json(src, ordinal, text)?;
                } else {
                    match serde_json::from_slice::<serde_json::Value>(text) {
                        Ok(value) => {
                            producer.add_value(src, ordinal, &value, columns, validation)?;
                        }
                        Err(e) => {
                            let shown = &text[..text.len().min(64 * 1024)];
                            let error = e.to_string();
                            producer.add_invalid(
                                src,
                                ordinal,
                                Reason::Unparseable,
                                &error,
                                shown,
                            )?;
                        }
                    }
                }
            }
        }
        Item::Unparseable {
            ordinal,
            text,
            error,
        } => {
            if producer.admit(src, ordinal) {
                progress.records_read(1);
                producer.add_invalid(src, ordinal, Reason::Unparseable, &error, &text)?;
            }
        }
    }
    while let Some(work) = producer.next_work() {
        tx.blocking_send(work).map_err(|_| PushError::Stopped)?;
    }
    Ok(())
}
