//! State shared by the server tasks and the [`Emulator`](crate::Emulator) handle:
//! configuration, issued tokens, pending faults, rate windows, counters and the store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::{Config, DcrConfig};
use crate::fault::FaultQueue;
use crate::ids;
use crate::introspect::{Counters, RequestKind, RequestLog};
use crate::rate::RateLimiter;
use crate::store::Store;
use crate::token_store::TokenStore;
use crate::transform::Transforms;

/// Everything the request handlers share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) store: Store,
    pub(crate) transforms: Arc<Transforms>,
    pub(crate) started: Instant,
    pub(crate) ca_pem: Option<String>,
    dcr_index: HashMap<String, usize>,
    tokens: Mutex<TokenStore>,
    faults: Mutex<FaultQueue>,
    rate: Mutex<RateLimiter>,
    counters: Mutex<Counters>,
    attempts: Mutex<HashMap<(RequestKind, String), u32>>,
}

/// Locks a mutex; every critical section leaves its data consistent, so a poisoned lock
/// (a panic elsewhere) is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    pub(crate) fn new(
        config: Config,
        store: Store,
        transforms: Arc<Transforms>,
        ca_pem: Option<String>,
    ) -> rusqlite::Result<Shared> {
        let attempts = store
            .attempt_counts()?
            .into_iter()
            .map(|(id, n)| ((RequestKind::Ingest, id), n))
            .collect();
        let dcr_index = config
            .dcrs
            .iter()
            .enumerate()
            .map(|(i, dcr)| (dcr.immutable_id.to_ascii_lowercase(), i))
            .collect();
        Ok(Shared {
            rate: Mutex::new(RateLimiter::new(config.rate_limit)),
            config,
            store,
            transforms,
            started: Instant::now(),
            ca_pem,
            dcr_index,
            tokens: Mutex::new(TokenStore::default()),
            faults: Mutex::new(FaultQueue::default()),
            counters: Mutex::new(Counters::default()),
            attempts: Mutex::new(attempts),
        })
    }

    pub(crate) fn dcr(&self, immutable_id: &str) -> Option<&DcrConfig> {
        let index = self.dcr_index.get(&immutable_id.to_ascii_lowercase())?;
        self.config.dcrs.get(*index)
    }

    pub(crate) fn tokens(&self) -> MutexGuard<'_, TokenStore> {
        lock(&self.tokens)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultQueue> {
        lock(&self.faults)
    }

    pub(crate) fn rate(&self) -> MutexGuard<'_, RateLimiter> {
        lock(&self.rate)
    }

    pub(crate) fn counters(&self) -> MutexGuard<'_, Counters> {
        lock(&self.counters)
    }

    /// Starts the log entry of a new request (fresh request id, arrival time, attempt
    /// number), held by a [`LogGuard`] until the request is answered.
    pub(crate) fn begin(
        self: &Arc<Self>,
        kind: RequestKind,
        client_request_id: Option<&str>,
    ) -> LogGuard {
        LogGuard {
            shared: Arc::clone(self),
            log: Some(self.new_log(kind, client_request_id)),
        }
    }

    fn new_log(&self, kind: RequestKind, client_request_id: Option<&str>) -> RequestLog {
        let client_request_id = client_request_id.map(str::to_owned);
        let attempt = match &client_request_id {
            Some(id) => {
                let mut attempts = lock(&self.attempts);
                let seen = attempts.entry((kind, id.clone())).or_insert(0);
                *seen += 1;
                *seen
            }
            None => 1,
        };
        RequestLog {
            seq: 0,
            received_at: now_rfc3339(),
            kind,
            request_id: ids::guid(),
            client_request_id,
            attempt,
            client_id: None,
            dcr_id: None,
            stream: None,
            content_encoding: None,
            wire_bytes: 0,
            inflated_bytes: 0,
            records: 0,
            status: None,
            error_code: None,
            fault: None,
        }
    }

    /// Counts an applied fault and appends its name to a request's `applied` list.
    pub(crate) fn note_fault(&self, applied: &mut Option<String>, name: &str) {
        *self
            .counters()
            .faults_applied
            .entry(name.to_owned())
            .or_default() += 1;
        *applied = Some(match applied.take() {
            Some(previous) => format!("{previous},{name}"),
            None => name.to_owned(),
        });
    }

    /// Forgets stored rows, logs, counters, faults, rate windows and attempt counts
    /// (issued tokens stay valid).
    pub(crate) fn reset(&self) -> rusqlite::Result<()> {
        self.store.reset()?;
        *self.counters() = Counters::default();
        self.faults().clear();
        self.rate().clear();
        lock(&self.attempts).clear();
        Ok(())
    }
}

/// The current time, RFC 3339 UTC.
pub(crate) fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

/// Runs store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    shared: &Arc<Shared>,
    work: impl FnOnce(&Shared) -> T + Send + 'static,
) -> Option<T> {
    let shared = Arc::clone(shared);
    tokio::task::spawn_blocking(move || work(&shared))
        .await
        .ok()
}

/// Persists a log entry of a request that stored nothing.
pub(crate) async fn persist_log(shared: &Arc<Shared>, log: RequestLog) {
    let written = blocking(shared, move |s| s.store.log(&log)).await;
    if !matches!(written, Some(Ok(_))) {
        tracing::error!("ccfgen emulator: cannot write the request log to the state file");
    }
}

/// Holds a request's log entry while it is processed. If the request is dropped before
/// it is answered (the client went away, or the connection was torn down), the entry is
/// still written, with no status.
pub(crate) struct LogGuard {
    shared: Arc<Shared>,
    log: Option<RequestLog>,
}

impl LogGuard {
    /// The entry being filled in.
    pub(crate) fn log(&mut self) -> &mut RequestLog {
        // Present until `finish` consumes the guard.
        self.log.as_mut().expect("log entry present until finish")
    }

    /// Takes the entry out: the caller now writes it.
    pub(crate) fn finish(mut self) -> RequestLog {
        self.log.take().expect("log entry present until finish")
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        let Some(mut log) = self.log.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        log.status = None;
        if log.kind == RequestKind::Ingest {
            self.shared.counters().ingest_unanswered += 1;
        }
        let shared = Arc::clone(&self.shared);
        runtime.spawn_blocking(move || {
            if shared.store.log(&log).is_err() {
                tracing::error!("ccfgen emulator: cannot write the request log to the state file");
            }
        });
    }
}
