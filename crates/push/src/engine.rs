//! The delivery engine: a producer packs records into batches, a fixed pool of workers sends
//! them concurrently over one HTTP client, retries, splits, bisects and dead-letters, and
//! progress is committed to the checkpoint store only once a batch is fully resolved.
//!
//! # A batch's states
//!
//! ```text
//! packed ──► queued ──► begun (recorded in flight in the store)
//!                         │
//!                         ▼
//!                      sending ──204──────────────────► delivered ─┐
//!                       │  ▲ 408/429/5xx/network: wait, resend      │
//!                       │  └─ (within --max-retry-time)            ├─► committed (done
//!                       ├─413/400──► split / bisect into halves ───┤    ranges + batch
//!                       │            (a single record: dead letter)┘    finished, one
//!                       │                                                transaction)
//!                       └─ stop (certificate/DNS/auth/403/404, retry time out, interrupt)
//!                             ├─ nothing ambiguous sent ─► forgotten: records pending
//!                             └─ a send may have landed ─► left in flight: the next run
//!                                                          resends, counts duplicates
//! ```
//!
//! Records the producer dead-letters itself (invalid, unparseable, too large) ride along with
//! the next batch and are committed with it. A record counts as done only after its outcome
//! is durable: the dead-letter file is fsynced before the store's transaction that marks it.
//!
//! # Threads and locks
//!
//! Workers are async tasks; every fsync and SQLite transaction (`begin`, `commit`,
//! `forget_batch`) runs on Tokio's blocking pool (`Run::blocking`), never on a worker
//! thread. The locks are `std` mutexes held for short, non-async sections, and are taken in
//! one order: **dead-letter → sources → store** (each may be skipped; none is taken while a
//! later one is held). `commit` syncs the dead-letter file and releases it before locking
//! the sources and then the store; `open_source` locks the store, releases it, then the
//! sources. The stop slot and the throttle gate are leaf locks (nothing is locked inside).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};
use url::Url;
use uuid::Uuid;

use crate::batch::{Batch, Batcher, Limits, RecordRef, SERVICE_MAX_BODY};
use crate::dead_letter::{DeadLetterWriter, Entry, Reason};
use crate::error::{Incomplete, PushError};
use crate::ingest::{self, Reply};
use crate::ranges::RangeSet;
use crate::record::Column;
use crate::retry::{Disposition, ROLE_GRACE_POLL, RetryPolicy, classify, fatal_hint};
use crate::store::CheckpointStore;
use crate::summary::{Progress, Summary};
use crate::token_cache::TokenCache;
use crate::validate::{ValidationOptions, oversized, validate};

/// State shared by every run of one client.
pub(crate) struct Core {
    pub http: reqwest::Client,
    pub url: Url,
    pub tokens: TokenCache,
    pub policy: RetryPolicy,
    /// Until when a 403 is retried instead of stopping the run ([`RetryPolicy::role_grace`]).
    pub role_grace_until: Instant,
    pub limits: Limits,
    pub concurrency: usize,
    pub progress: Arc<dyn Progress>,
    pub store: Mutex<CheckpointStore>,
    pub dead: Mutex<DeadLetterWriter>,
    /// Records in flight when an earlier run was interrupted (reported by the next run).
    pub inherited_duplicates: AtomicU64,
    /// Set by [`crate::client::Interrupter::interrupt`]: every run stops sending.
    pub interrupt: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Core {
    fn dead_letter(&self, entry: &Entry<'_>) -> Result<(), PushError> {
        self.dead
            .lock()
            .expect("dead-letter lock")
            .write(entry)
            .map_err(|source| PushError::Io {
                context: "writing the dead-letter file".into(),
                source,
            })
    }
}

#[derive(Default)]
struct Counters {
    read: AtomicU64,
    skipped: AtomicU64,
    delivered: AtomicU64,
    invalid: AtomicU64,
    too_large: AtomicU64,
    rejected: AtomicU64,
    unparseable: AtomicU64,
    oversized: AtomicU64,
    requests: AtomicU64,
    retried: AtomicU64,
    splits: AtomicU64,
    duplicates: AtomicU64,
    bytes_raw: AtomicU64,
    bytes_wire: AtomicU64,
}

fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

struct TrackedSource {
    db_id: i64,
    label: Arc<str>,
    done: RangeSet,
    total: Option<u64>,
    dirty: bool,
}

/// A sealed batch plus records already dead-lettered by the producer, whose progress is
/// committed together with the batch.
pub(crate) struct Work {
    batch: Option<Batch>,
    settled: Vec<RecordRef>,
}

/// One push run: counters, sources, and the stop switch.
pub(crate) struct Run {
    core: Arc<Core>,
    sources: Mutex<Vec<TrackedSource>>,
    counters: Counters,
    stop: Mutex<Option<PushError>>,
    stopped: AtomicBool,
    /// Set with `stopped`, for waits to wake on.
    halt: tokio::sync::watch::Sender<bool>,
    not_before: Mutex<Option<Instant>>,
    started: Instant,
    token_fetches_at_start: u64,
    /// Entries of the dead-letter file when the run started (earlier runs' records).
    dead_letters_at_start: u64,
}

enum Outcome {
    Delivered,
    Split(Option<Reply>),
    Bisect(Option<Reply>),
    Stopped,
}

/// The last failure of a batch, for the dead-letter entry.
#[derive(Default)]
struct Last {
    status: Option<u16>,
    error_code: Option<String>,
    message: String,
    request_id: Option<String>,
}

impl Last {
    fn from_reply(r: &Reply) -> Last {
        Last {
            status: Some(r.status),
            error_code: r.error_code.clone(),
            message: r
                .message
                .clone()
                .unwrap_or_else(|| format!("HTTP {}", r.status)),
            request_id: r.request_id.clone(),
        }
    }
}

impl Run {
    pub(crate) fn new(core: Arc<Core>) -> Arc<Run> {
        let token_fetches_at_start = core.tokens.fetches();
        let dead_letters_at_start = core.dead.lock().expect("dead-letter lock").entries();
        Arc::new(Run {
            core,
            sources: Mutex::new(Vec::new()),
            counters: Counters::default(),
            stop: Mutex::new(None),
            stopped: AtomicBool::new(false),
            halt: tokio::sync::watch::Sender::new(false),
            not_before: Mutex::new(None),
            started: Instant::now(),
            token_fetches_at_start,
            dead_letters_at_start,
        })
    }

    /// Whether the run has stopped (an error, or the client was interrupted).
    pub(crate) fn is_stopped(&self) -> bool {
        if self.stopped.load(Ordering::Acquire) {
            return true;
        }
        if *self.core.interrupt.borrow() {
            self.fail(PushError::Interrupted);
            return true;
        }
        false
    }

    /// Stops the run (first cause wins) and wakes every wait.
    pub(crate) fn fail(&self, error: PushError) {
        let mut slot = self.stop.lock().expect("stop lock");
        if slot.is_none() {
            warn!(error = %error, "push stopped");
            *slot = Some(error);
        }
        self.stopped.store(true, Ordering::Release);
        drop(slot);
        self.halt.send_replace(true);
    }

    /// Resolves once the run stops or the client is interrupted.
    async fn halted(&self) {
        let mut halt = self.halt.subscribe();
        let mut interrupt = self.core.interrupt.subscribe();
        tokio::select! {
            _ = halt.wait_for(|h| *h) => {}
            _ = interrupt.wait_for(|i| *i) => {}
        }
    }

    /// Sleeps for `wait`, or less when the run stops meanwhile.
    async fn sleep(&self, wait: Duration) {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = self.halted() => {}
        }
    }

    /// Runs blocking work (fsync, SQLite) on the blocking pool, off the async workers.
    async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Run) -> Result<T, PushError> + Send + 'static,
    ) -> Result<T, PushError> {
        let run = self.clone();
        tokio::task::spawn_blocking(move || f(&run))
            .await
            .unwrap_or_else(|e| {
                Err(PushError::Io {
                    context: "the checkpoint committer panicked".into(),
                    source: std::io::Error::other(e.to_string()),
                })
            })
    }

    fn label(&self, source: u32) -> Arc<str> {
        self.sources.lock().expect("sources lock")[source as usize]
            .label
            .clone()
    }

    /// Marks records resolved and commits progress (after syncing the dead-letter file).
    fn commit(&self, finished: Option<Uuid>, refs: &[RecordRef]) -> Result<(), PushError> {
        self.core
            .dead
            .lock()
            .expect("dead-letter lock")
            .sync()
            .map_err(|source| PushError::Io {
                context: "syncing the dead-letter file".into(),
                source,
            })?;
        let mut sources = self.sources.lock().expect("sources lock");
        for r in refs {
            let s = &mut sources[r.source as usize];
            s.done.insert(r.ordinal, r.ordinal + 1);
            s.dirty = true;
        }
        let changed: Vec<(i64, &RangeSet, Option<u64>)> = sources
            .iter()
            .filter(|s| s.dirty)
            .map(|s| (s.db_id, &s.done, s.total))
            .collect();
        self.core
            .store
            .lock()
            .expect("store lock")
            .commit(finished, &changed)?;
        for s in sources.iter_mut() {
            s.dirty = false;
        }
        Ok(())
    }

    /// The source ranges of a batch's records, as the store keys them.
    fn batch_ranges(&self, batch: &Batch) -> Vec<(i64, u64, u64)> {
        let sources = self.sources.lock().expect("sources lock");
        let mut ranges: Vec<(i64, u64, u64)> = Vec::new();
        for r in &batch.refs {
            let id = sources[r.source as usize].db_id;
            match ranges.last_mut() {
                Some((sid, _, end)) if *sid == id && *end == r.ordinal => *end += 1,
                _ => ranges.push((id, r.ordinal, r.ordinal + 1)),
            }
        }
        ranges
    }

    /// Records a batch as in flight (blocking: SQLite).
    fn begin(&self, id: Uuid, ranges: &[(i64, u64, u64)], len: u64) -> Result<(), PushError> {
        self.core
            .store
            .lock()
            .expect("store lock")
            .begin_batch(id, ranges, len)?;
        Ok(())
    }

    async fn wait_gate(&self) {
        loop {
            let until = *self.not_before.lock().expect("gate lock");
            match until {
                Some(t) if t > Instant::now() && !self.is_stopped() => {
                    tokio::select! {
                        () = tokio::time::sleep_until(t.into()) => {}
                        () = self.halted() => {}
                    }
                }
                _ => return,
            }
        }
    }

    fn throttle(&self, wait: Duration) {
        let mut gate = self.not_before.lock().expect("gate lock");
        let until = Instant::now() + wait;
        if gate.is_none_or(|g| g < until) {
            *gate = Some(until);
        }
    }

    /// Sends one body until it is delivered, must be split, ran out of time, or the run stops.
    async fn send(&self, b: &Batch, ambiguous: &mut bool) -> Outcome {
        if b.body.len() > SERVICE_MAX_BODY {
            return Outcome::Split(None);
        }
        let core = &self.core;
        let deadline = Instant::now() + core.policy.max_elapsed;
        let mut retry = 0u32;
        let mut reauthenticated = false;
        let mut attempts = 0u32;
        loop {
            if self.is_stopped() {
                return Outcome::Stopped;
            }
            self.wait_gate().await;
            let (disposition, last, hint) = match core.tokens.token().await {
                Err(e) if e.is_transient() => {
                    let hint = match &e {
                        crate::auth::AuthError::Unavailable { retry_after, .. } => *retry_after,
                        _ => None,
                    };
                    let last = Last {
                        message: e.to_string(),
                        ..Last::default()
                    };
                    (Disposition::Retry, last, hint)
                }
                Err(e) => {
                    self.fail(PushError::from_auth(e));
                    return Outcome::Stopped;
                }
                Ok(token) => {
                    add(&self.counters.requests, 1);
                    if attempts > 0 {
                        add(&self.counters.retried, 1);
                    }
                    attempts += 1;
                    add(&self.counters.bytes_wire, b.body.len() as u64);
                    let result = ingest::post(
                        &core.http,
                        &core.url,
                        &token.token,
                        b.id,
                        b.body.clone(),
                        core.policy.attempt_timeout,
                    )
                    .await;
                    match result {
                        Err(error) if !error.fault.is_transient() => {
                            // Nothing reached the service: a configuration fault, not retried.
                            warn!(client_request_id = %b.id, error = %error, records = b.len(), "ingestion endpoint unreachable");
                            self.fail(PushError::Connection {
                                what: core
                                    .url
                                    .host_str()
                                    .unwrap_or("the ingestion endpoint")
                                    .to_owned(),
                                error,
                            });
                            return Outcome::Stopped;
                        }
                        Err(error) => {
                            *ambiguous = true;
                            warn!(client_request_id = %b.id, error = %error, records = b.len(), "ingestion request failed");
                            let last = Last {
                                message: error.message,
                                ..Last::default()
                            };
                            (Disposition::Retry, last, None)
                        }
                        Ok(reply) => {
                            let d = classify(reply.status, reply.error_code.as_deref());
                            if d == Disposition::Delivered {
                                debug!(client_request_id = %b.id, request_id = reply.request_id.as_deref().unwrap_or(""), records = b.len(), wire_bytes = b.body.len(), "batch delivered");
                                return Outcome::Delivered;
                            }
                            warn!(
                                client_request_id = %b.id,
                                status = reply.status,
                                request_id = reply.request_id.as_deref().unwrap_or(""),
                                error_code = reply.error_code.as_deref().unwrap_or(""),
                                message = reply.message.as_deref().unwrap_or(""),
                                records = b.len(),
                                "ingestion request refused"
                            );
                            if d == Disposition::Reauthenticate && !reauthenticated {
                                reauthenticated = true;
                                core.tokens.invalidate(&token);
                                continue;
                            }
                            if matches!(reply.status, 500 | 502 | 504) {
                                *ambiguous = true;
                            }
                            if reply.status == 403 {
                                // A role assignment may still be propagating: wait (the whole
                                // run) and try again while the grace lasts.
                                let left = core
                                    .role_grace_until
                                    .saturating_duration_since(Instant::now());
                                if !left.is_zero() {
                                    let wait = core
                                        .policy
                                        .delay(retry, None)
                                        .min(ROLE_GRACE_POLL)
                                        .min(left);
                                    retry += 1;
                                    warn!(client_request_id = %b.id, wait_s = wait.as_secs_f64(), grace_left_s = left.as_secs_f64(), "403: the role assignment may not have propagated yet; waiting");
                                    self.throttle(wait);
                                    self.core.progress.retrying(Some(403), wait);
                                    continue;
                                }
                            }
                            let hint = reply.retry_after;
                            (d, Last::from_reply(&reply), hint)
                        }
                    }
                }
            };
            match disposition {
                Disposition::Delivered => unreachable!("returned above"),
                Disposition::Split => return Outcome::Split(Some(to_reply(&last))),
                Disposition::Bisect => return Outcome::Bisect(Some(to_reply(&last))),
                Disposition::Reauthenticate | Disposition::Fatal => {
                    let status = last.status.unwrap_or(0);
                    self.fail(PushError::Refused {
                        status,
                        hint: fatal_hint(status, last.error_code.as_deref()),
                        error_code: last.error_code,
                        server_request_id: last.request_id,
                        message: Some(last.message),
                    });
                    return Outcome::Stopped;
                }
                Disposition::Retry => {
                    let wait = core.policy.delay(retry, hint);
                    if last.status == Some(429) && hint.is_some() {
                        self.throttle(wait);
                    }
                    if Instant::now() + wait > deadline {
                        warn!(client_request_id = %b.id, records = b.len(), "retry time exhausted; the records stay pending");
                        let mut message = match last.status {
                            Some(status) => format!("HTTP {status}: {}", last.message),
                            None => last.message,
                        };
                        if last.status == Some(503) {
                            message.push_str(
                                " (503 can also mean the app's role assignment on the DCR has not propagated yet)",
                            );
                        }
                        self.fail(PushError::RetryTimeExhausted {
                            budget_s: core.policy.max_elapsed.as_secs_f64(),
                            last: message,
                        });
                        return Outcome::Stopped;
                    }
                    self.core.progress.retrying(last.status, wait);
                    self.sleep(wait).await;
                    retry += 1;
                }
            }
        }
    }

    /// Resolves one batch completely (delivering, splitting, dead-lettering) and commits.
    async fn handle(self: &Arc<Self>, work: Work) {
        let Work { batch, settled } = work;
        let Some(batch) = batch else {
            if let Err(e) = self.blocking(move |run| run.commit(None, &settled)).await {
                self.fail(e);
            }
            return;
        };
        if self.is_stopped() {
            // Not sent: its records stay pending for the next run.
            if let Err(e) = self.blocking(move |run| run.commit(None, &settled)).await {
                self.fail(e);
            }
            return;
        }
        let ranges = self.batch_ranges(&batch);
        let (id, len) = (batch.id, batch.len() as u64);
        if let Err(e) = self
            .blocking(move |run| run.begin(id, &ranges, len))
            .await
        {
            self.fail(e);
            return;
        }
        let original = batch.id;
        let total = batch.len() as u64;
        let wire = batch.body.len() as u64;
        let mut resolved: Vec<RecordRef> = settled;
        let mut delivered = 0u64;
        let mut dead = 0u64;
        let mut ambiguous = false;
        let mut stack = vec![batch];
        let mut stopped = false;
        while let Some(b) = stack.pop() {
            let outcome = self.send(&b, &mut ambiguous).await;
            let result = match outcome {
                Outcome::Delivered => {
                    delivered += b.len() as u64;
                    add(&self.counters.delivered, b.len() as u64);
                    add(&self.counters.bytes_raw, b.raw_len as u64);
                    resolved.extend_from_slice(&b.refs);
                    Ok(())
                }
                Outcome::Split(_) | Outcome::Bisect(_) if b.len() >= 2 => {
                    add(&self.counters.splits, 1);
                    match b.split(self.core.limits.level) {
                        Ok((l, r)) => {
                            debug!(client_request_id = %b.id, left = %l.id, right = %r.id, "splitting batch");
                            stack.push(r);
                            stack.push(l);
                            Ok(())
                        }
                        Err(source) => Err(PushError::Io {
                            context: "re-reading a batch to split it".into(),
                            source,
                        }),
                    }
                }
                Outcome::Split(reply) => {
                    let mut last = reply.as_ref().map(Last::from_reply).unwrap_or_default();
                    if last.status.is_none() {
                        last.message = format!(
                            "record compresses to {} bytes, over the service limit of {SERVICE_MAX_BODY}",
                            b.body.len()
                        );
                    }
                    self.dead_letter_batch(&b, Reason::TooLarge, &last, &mut dead, &mut resolved)
                }
                Outcome::Bisect(reply) => {
                    let last = reply.as_ref().map(Last::from_reply).unwrap_or_default();
                    self.dead_letter_batch(&b, Reason::Rejected, &last, &mut dead, &mut resolved)
                }
                Outcome::Stopped => {
                    stopped = true;
                    break;
                }
            };
            if let Err(e) = result {
                self.fail(e);
                stopped = true;
                break;
            }
        }
        if ambiguous && !stopped {
            // A request of this batch may have been applied before its failure was seen.
            add(&self.counters.duplicates, total);
        }
        // A stopped batch whose sends may have been applied stays recorded as in flight so
        // the next run reports the possible duplicates.
        let finished = (!stopped || !ambiguous).then_some(original);
        let forget = stopped && !ambiguous;
        let committed = self
            .blocking(move |run| {
                run.commit(finished, &resolved)?;
                if forget {
                    // Nothing sent may have landed: forgetting it is exact.
                    run.core
                        .store
                        .lock()
                        .expect("store lock")
                        .forget_batch(original)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = committed {
            self.fail(e);
            return;
        }
        self.core.progress.batch_resolved(delivered, dead, wire);
    }

    /// Dead-letters every record of `b`, counting them under `reason` and as resolved.
    fn dead_letter_batch(
        &self,
        b: &Batch,
        reason: Reason,
        last: &Last,
        dead: &mut u64,
        resolved: &mut Vec<RecordRef>,
    ) -> Result<(), PushError> {
        let records = b.records().map_err(|source| PushError::Io {
            context: "re-reading a batch to dead-letter it".into(),
            source,
        })?;
        for (rec, r) in records.iter().zip(&b.refs) {
            let label = self.label(r.source);
            self.core.dead_letter(&Entry {
                reason,
                source: &label,
                ordinal: r.ordinal,
                message: &last.message,
                status: last.status,
                error_code: last.error_code.as_deref(),
                client_request_id: Some(b.id),
                server_request_id: last.request_id.as_deref(),
                record: rec,
            })?;
        }
        let counter = match reason {
            Reason::TooLarge => &self.counters.too_large,
            Reason::Rejected => &self.counters.rejected,
            Reason::Unparseable => &self.counters.unparseable,
            Reason::Invalid => &self.counters.invalid,
        };
        add(counter, records.len() as u64);
        *dead += records.len() as u64;
        resolved.extend_from_slice(&b.refs);
        Ok(())
    }

    pub(crate) fn summary(&self) -> Summary {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Summary {
            records_read: get(&c.read),
            skipped: get(&c.skipped),
            delivered: get(&c.delivered),
            invalid: get(&c.invalid),
            too_large: get(&c.too_large),
            rejected: get(&c.rejected),
            unparseable: get(&c.unparseable),
            earlier_dead_letters: self.dead_letters_at_start,
            oversized_values: get(&c.oversized),
            requests: get(&c.requests),
            retried_requests: get(&c.retried),
            splits: get(&c.splits),
            duplicates_possible: get(&c.duplicates),
            bytes_raw: get(&c.bytes_raw),
            bytes_wire: get(&c.bytes_wire),
            token_requests: self.core.tokens.fetches() - self.token_fetches_at_start,
            elapsed: self.started.elapsed(),
            dead_letter_file: Some(
                self.core
                    .dead
                    .lock()
                    .expect("dead-letter lock")
                    .path()
                    .to_owned(),
            ),
        }
    }

    fn take_error(&self) -> Option<PushError> {
        self.stop.lock().expect("stop lock").take()
    }
}

fn to_reply(last: &Last) -> Reply {
    Reply {
        status: last.status.unwrap_or(0),
        request_id: last.request_id.clone(),
        error_code: last.error_code.clone(),
        message: Some(last.message.clone()),
        retry_after: None,
    }
}

/// A source as the producer sees it.
#[derive(Debug, Clone)]
pub(crate) struct SourceHandle {
    pub index: u32,
    pub label: Arc<str>,
    /// Ordinals resolved by earlier runs.
    pub prior: RangeSet,
    /// Record count known from an earlier complete read.
    pub total: Option<u64>,
}

impl SourceHandle {
    pub(crate) fn complete(&self) -> bool {
        self.total.is_some_and(|t| self.prior.covers_prefix(t))
    }
}

/// Packs records into batches on the caller's thread.
pub(crate) struct Producer {
    run: Arc<Run>,
    batcher: Batcher,
    settled: Vec<RecordRef>,
    buf: Vec<u8>,
}

impl Producer {
    pub(crate) fn new(run: Arc<Run>) -> Producer {
        let limits = run.core.limits;
        Producer {
            run,
            batcher: Batcher::new(limits),
            settled: Vec::new(),
            buf: Vec::with_capacity(4096),
        }
    }

    pub(crate) fn run(&self) -> &Arc<Run> {
        &self.run
    }

    /// Registers a source (by a stable key) and loads what earlier runs did with it.
    pub(crate) fn open_source(
        &mut self,
        key: &str,
        label: &str,
    ) -> Result<SourceHandle, PushError> {
        let state = self
            .run
            .core
            .store
            .lock()
            .expect("store lock")
            .source(key, label)?;
        let mut sources = self.run.sources.lock().expect("sources lock");
        let index = sources.len() as u32;
        let label: Arc<str> = Arc::from(label);
        sources.push(TrackedSource {
            db_id: state.id,
            label: label.clone(),
            done: state.done.clone(),
            total: state.total,
            dirty: false,
        });
        Ok(SourceHandle {
            index,
            label,
            prior: state.done,
            total: state.total,
        })
    }

    /// Counts a whole source as skipped (complete in an earlier run).
    pub(crate) fn skip_source(&mut self, src: &SourceHandle) {
        let n = src.total.unwrap_or(0);
        add(&self.run.counters.read, n);
        add(&self.run.counters.skipped, n);
    }

    /// Records the record count of a fully read source.
    pub(crate) fn end_source(&mut self, src: &SourceHandle, total: u64) {
        let mut sources = self.run.sources.lock().expect("sources lock");
        let s = &mut sources[src.index as usize];
        s.total = Some(total);
        s.dirty = true;
    }

    /// Whether the record must be processed (false: an earlier run resolved it).
    pub(crate) fn admit(&mut self, src: &SourceHandle, ordinal: u64) -> bool {
        add(&self.run.counters.read, 1);
        if src.prior.contains(ordinal) {
            add(&self.run.counters.skipped, 1);
            false
        } else {
            true
        }
    }

    /// Adds a serialized record.
    pub(crate) fn add_json(
        &mut self,
        src: &SourceHandle,
        ordinal: u64,
        json: &[u8],
    ) -> Result<(), PushError> {
        let r = RecordRef {
            source: src.index,
            ordinal,
        };
        if let Err(too_large) = self.batcher.push(json, r) {
            self.dead_letter(src, ordinal, Reason::TooLarge, &too_large.to_string(), json)?;
            add(&self.run.counters.too_large, 1);
        }
        Ok(())
    }

    /// Serializes a typed record and adds it.
    pub(crate) fn add_serialize<T: serde::Serialize>(
        &mut self,
        src: &SourceHandle,
        ordinal: u64,
        record: &T,
    ) -> Result<(), PushError> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let result = match serde_json::to_writer(&mut buf, record) {
            Ok(()) => self.add_json(src, ordinal, &buf),
            Err(e) => self.add_invalid(
                src,
                ordinal,
                Reason::Invalid,
                &format!("cannot serialize: {e}"),
                b"",
            ),
        };
        self.buf = buf;
        result
    }

    /// Validates a JSON value against `columns` and adds it, or dead-letters it with the reasons.
    pub(crate) fn add_value(
        &mut self,
        src: &SourceHandle,
        ordinal: u64,
        value: &Value,
        columns: &[Column],
        options: ValidationOptions,
    ) -> Result<(), PushError> {
        let problems = validate(value, columns, options);
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        serde_json::to_writer(&mut buf, value).expect("a Value always serializes");
        let result = if problems.is_empty() {
            for warning in oversized(value, columns) {
                warn!(source = %src.label, ordinal, "{warning}");
                add(&self.run.counters.oversized, 1);
            }
            self.add_json(src, ordinal, &buf)
        } else {
            self.add_invalid(src, ordinal, Reason::Invalid, &problems.join("; "), &buf)
        };
        self.buf = buf;
        result
    }

    /// Dead-letters a record that will not be sent.
    pub(crate) fn add_invalid(
        &mut self,
        src: &SourceHandle,
        ordinal: u64,
        reason: Reason,
        message: &str,
        record: &[u8],
    ) -> Result<(), PushError> {
        self.dead_letter(src, ordinal, reason, message, record)?;
        self.run.core.progress.record_refused();
        let counter = match reason {
            Reason::Unparseable => &self.run.counters.unparseable,
            Reason::TooLarge => &self.run.counters.too_large,
            Reason::Rejected => &self.run.counters.rejected,
            Reason::Invalid => &self.run.counters.invalid,
        };
        add(counter, 1);
        Ok(())
    }

    fn dead_letter(
        &mut self,
        src: &SourceHandle,
        ordinal: u64,
        reason: Reason,
        message: &str,
        record: &[u8],
    ) -> Result<(), PushError> {
        self.run.core.dead_letter(&Entry {
            reason,
            source: &src.label,
            ordinal,
            message,
            status: None,
            error_code: None,
            client_request_id: None,
            server_request_id: None,
            record,
        })?;
        self.settled.push(RecordRef {
            source: src.index,
            ordinal,
        });
        Ok(())
    }

    /// The next batch ready to send.
    pub(crate) fn next_work(&mut self) -> Option<Work> {
        let batch = self.batcher.take_ready()?;
        Some(Work {
            batch: Some(batch),
            settled: std::mem::take(&mut self.settled),
        })
    }

    /// Seals the open batch; afterwards [`Producer::next_work`] drains everything, ending with
    /// a batch-less work item for leftover settled records and source totals.
    pub(crate) fn seal(&mut self) -> Vec<Work> {
        self.batcher.seal();
        let mut out: Vec<Work> = std::iter::from_fn(|| self.next_work()).collect();
        out.push(Work {
            batch: None,
            settled: std::mem::take(&mut self.settled),
        });
        out
    }
}

/// The worker pool of one run.
pub(crate) struct Workers {
    tx: Option<mpsc::Sender<Work>>,
    tasks: tokio::task::JoinSet<()>,
}

impl Workers {
    pub(crate) fn start(run: &Arc<Run>) -> Workers {
        let n = run.core.concurrency.max(1);
        let (tx, rx) = mpsc::channel::<Work>(n);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..n {
            let run = run.clone();
            let rx = rx.clone();
            tasks.spawn(async move {
                loop {
                    let next = rx.lock().await.recv().await;
                    match next {
                        Some(work) => Run::handle(&run, work).await,
                        None => return,
                    }
                }
            });
        }
        Workers {
            tx: Some(tx),
            tasks,
        }
    }

    pub(crate) fn sender(&self) -> mpsc::Sender<Work> {
        self.tx.clone().expect("open until finish")
    }

    pub(crate) async fn send(&self, work: Work) -> Result<(), PushError> {
        self.tx
            .as_ref()
            .expect("open until finish")
            .send(work)
            .await
            .map_err(|_| PushError::Stopped)
    }

    /// Waits for every queued batch to be resolved, then builds the result.
    pub(crate) async fn finish(
        mut self,
        run: &Arc<Run>,
        last: Vec<Work>,
    ) -> Result<Summary, Box<Incomplete>> {
        for work in last {
            // Workers drain the queue even after a stop (committing settled records only).
            let _ = self.send(work).await;
        }
        self.tx = None;
        while let Some(joined) = self.tasks.join_next().await {
            if let Err(e) = joined {
                run.fail(PushError::Io {
                    context: "a push worker panicked".into(),
                    source: std::io::Error::other(e.to_string()),
                });
            }
        }
        let mut summary = run.summary();
        summary.duplicates_possible += run.core.inherited_duplicates.swap(0, Ordering::Relaxed);
        info!(
            delivered = summary.delivered,
            dead_lettered = summary.dead_lettered(),
            skipped = summary.skipped,
            requests = summary.requests,
            duplicates_possible = summary.duplicates_possible,
            "push finished"
        );
        match run.take_error() {
            None => Ok(summary),
            Some(error) => Err(Box::new(Incomplete { error, summary })),
        }
    }
}
