//! The public entry point: a [`Client`] built from a [`Config`], and the sinks that take typed
//! [`Record`]s or JSON values and hand back a [`Summary`] once every record is delivered or
//! dead-lettered.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use serde_json::Value;

use crate::auth::Credential;
use crate::batch::{Limits, encode};
use crate::config::Config;
use crate::dead_letter::DeadLetterWriter;
use crate::engine::{Core, Producer, Run, SourceHandle, Workers};
use crate::error::{Incomplete, PushError};
use crate::record::{Column, Record};
use crate::retry::{Disposition, RetryPolicy, classify, fatal_hint};
use crate::store::{CheckpointStore, OpenReport};
use crate::summary::{NoProgress, Progress, Summary};
use crate::token_cache::TokenCache;
use crate::validate::ValidationOptions;

/// File name of the checkpoint store inside the state directory.
pub const CHECKPOINT_FILE: &str = "checkpoint.sqlite";
/// File name of the dead-letter file inside the state directory.
pub const DEAD_LETTER_FILE: &str = "dead-letter.ndjson";

/// Builds a [`Client`].
pub struct ClientBuilder {
    config: Config,
    state_dir: PathBuf,
    checkpoint_file: Option<PathBuf>,
    dead_letter_file: Option<PathBuf>,
    limits: Limits,
    retry: RetryPolicy,
    concurrency: usize,
    connect_timeout: Duration,
    progress: Arc<dyn Progress>,
}

impl ClientBuilder {
    /// Where the checkpoint store is kept (default `<state_dir>/checkpoint.sqlite`).
    pub fn checkpoint_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.checkpoint_file = Some(path.into());
        self
    }

    /// Where undeliverable records go (default `<state_dir>/dead-letter.ndjson`).
    pub fn dead_letter_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.dead_letter_file = Some(path.into());
        self
    }

    /// Request size limits and gzip level.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Backoff, retry budget per batch and per-attempt timeout.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Requests in flight at once (default 4).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// TCP + TLS connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Receives progress events.
    pub fn progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// Validates the configuration, opens the checkpoint store (integrity check) and the
    /// dead-letter file. No network traffic happens until records are pushed.
    pub fn build(self) -> Result<Client, PushError> {
        let endpoints = self.config.validate()?;
        let credential = Credential::from_config(&self.config, &endpoints)?;
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // ring keeps the build free of C toolchains beyond a compiler; an application that
            // installed its own provider keeps it (losing this race to another thread is fine).
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let mut http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(self.concurrency.max(1) * 2)
            .tcp_nodelay(true)
            .user_agent(concat!("ccfgen-push/", env!("CARGO_PKG_VERSION")));
        for pem in self.config.ca_pem()? {
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                crate::config::ConfigError::CaCert {
                    path: self
                        .config
                        .ca_cert_file
                        .clone()
                        .unwrap_or_else(|| PathBuf::from("<inline>")),
                    message: e.to_string(),
                }
            })?;
            http = http.tls_certs_merge(certs);
        }
        let http = http.build().map_err(|e| PushError::Io {
            context: "building the HTTP client".into(),
            source: std::io::Error::other(crate::auth::transport_message(&e)),
        })?;
        let checkpoint = self
            .checkpoint_file
            .unwrap_or_else(|| self.state_dir.join(CHECKPOINT_FILE));
        let dead_path = self
            .dead_letter_file
            .unwrap_or_else(|| self.state_dir.join(DEAD_LETTER_FILE));
        let (store, report) = CheckpointStore::open(&checkpoint)?;
        let dead = DeadLetterWriter::open(&dead_path).map_err(|source| PushError::Io {
            context: format!("opening the dead-letter file {}", dead_path.display()),
            source,
        })?;
        let tokens = TokenCache::new(credential, endpoints.scope.clone(), http.clone());
        let core = Core {
            http,
            url: endpoints.ingest,
            tokens,
            role_grace_until: std::time::Instant::now() + self.retry.role_grace,
            policy: self.retry,
            limits: self.limits,
            concurrency: self.concurrency,
            progress: self.progress,
            store: std::sync::Mutex::new(store),
            dead: std::sync::Mutex::new(dead),
            inherited_duplicates: AtomicU64::new(report.duplicates_possible),
            interrupt: Arc::new(tokio::sync::watch::Sender::new(false)),
        };
        Ok(Client {
            core: Arc::new(core),
            report,
            stream: self.config.stream_name.clone().unwrap_or_default(),
        })
    }
}

/// Interrupts the pushes of a [`Client`]; see [`Client::interrupter`].
#[derive(Clone)]
pub struct Interrupter(Arc<tokio::sync::watch::Sender<bool>>);

impl Interrupter {
    /// Stops sending; the pushes settle what is in flight and return.
    pub fn interrupt(&self) {
        self.0.send_replace(true);
    }

    /// Whether [`Interrupter::interrupt`] was called.
    pub fn is_interrupted(&self) -> bool {
        *self.0.borrow()
    }
}

impl std::fmt::Debug for Interrupter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Interrupter")
            .field(&self.is_interrupted())
            .finish()
    }
}

/// A push client for one DCR stream: one HTTP connection pool, one token, one checkpoint store.
///
/// ```no_run
/// # async fn demo(config: ccfgen_push::Config) -> Result<(), Box<dyn std::error::Error>> {
/// use ccfgen_push::{Client, Column, StreamType};
/// let client = Client::builder(config, "./.ccfgen-push").build()?;
/// const COLUMNS: &[Column] = &[Column::new("TimeGenerated", StreamType::DateTime, true)];
/// let mut sink = client.value_sink(COLUMNS, "my-app-events", Default::default())?;
/// sink.push(&serde_json::json!({"TimeGenerated": "2025-01-01T00:00:00Z"})).await?;
/// let summary = sink.finish().await?;
/// println!("{} delivered", summary.delivered);
/// # Ok(()) }
/// ```
pub struct Client {
    core: Arc<Core>,
    report: OpenReport,
    stream: String,
}

impl Client {
    /// Starts building a client; `state_dir` holds the checkpoint store and dead-letter file.
    pub fn builder(config: Config, state_dir: impl AsRef<Path>) -> ClientBuilder {
        ClientBuilder {
            config,
            state_dir: state_dir.as_ref().to_owned(),
            checkpoint_file: None,
            dead_letter_file: None,
            limits: Limits::default(),
            retry: RetryPolicy::default(),
            concurrency: 4,
            connect_timeout: Duration::from_secs(10),
            progress: Arc::new(NoProgress),
        }
    }

    /// What opening the checkpoint store found (e.g. batches interrupted by a kill).
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// The checkpoint store's path.
    pub fn checkpoint_path(&self) -> PathBuf {
        self.core
            .store
            .lock()
            .expect("store lock")
            .path()
            .to_owned()
    }

    /// The dead-letter file's path.
    pub fn dead_letter_path(&self) -> PathBuf {
        self.core
            .dead
            .lock()
            .expect("dead-letter lock")
            .path()
            .to_owned()
    }

    /// A handle that interrupts this client's pushes from anywhere (a signal handler): no
    /// new request is sent, retry waits end, requests in flight are settled (their outcome
    /// committed), and the push returns [`PushError::Interrupted`] with what was done. The
    /// records not delivered stay pending for the next run.
    pub fn interrupter(&self) -> Interrupter {
        Interrupter(self.core.interrupt.clone())
    }

    pub(crate) fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// Obtains a token now (for a `doctor` check); maps Entra errors to what to change.
    pub async fn check_token(&self) -> Result<(), PushError> {
        self.core
            .tokens
            .token()
            .await
            .map(drop)
            .map_err(PushError::from_auth)
    }

    /// Sends an empty array (`[]`): proves the token, the role assignment, the DCR id and the
    /// stream without ingesting anything (a `doctor` check).
    pub async fn probe(&self) -> Result<(), PushError> {
        let token = self
            .core
            .tokens
            .token()
            .await
            .map_err(PushError::from_auth)?;
        let empty = encode(&[], &[], self.core.limits.level).map_err(|source| PushError::Io {
            context: "compressing the probe".into(),
            source,
        })?;
        let reply = crate::ingest::post(
            &self.core.http,
            &self.core.url,
            &token.token,
            empty.id,
            empty.body,
            self.core.policy.attempt_timeout,
        )
        .await
        .map_err(|error| PushError::Connection {
            what: self
                .core
                .url
                .host_str()
                .unwrap_or("the ingestion endpoint")
                .to_owned(),
            error,
        })?;
        if classify(reply.status, reply.error_code.as_deref()) == Disposition::Delivered {
            return Ok(());
        }
        Err(PushError::Refused {
            status: reply.status,
            hint: fatal_hint(reply.status, reply.error_code.as_deref()),
            error_code: reply.error_code,
            server_request_id: reply.request_id,
            message: reply.message,
        })
    }

    /// A sink for typed records of one stream. `source_id` names the record sequence in the
    /// checkpoint store: push the same sequence again after an interruption and the records an
    /// earlier run resolved are skipped. Must be called inside a Tokio runtime.
    pub fn sink<R: Record>(&self, source_id: &str) -> Result<Sink<R>, PushError> {
        if !self.stream.is_empty() && self.stream != R::STREAM {
            return Err(PushError::StreamMismatch {
                record: R::STREAM,
                configured: self.stream.clone(),
            });
        }
        Ok(Sink {
            inner: SinkInner::start(self, source_id)?,
            _record: PhantomData,
        })
    }

    /// A sink for JSON values validated against `columns` (invalid ones are dead-lettered).
    /// Must be called inside a Tokio runtime.
    pub fn value_sink(
        &self,
        columns: &[Column],
        source_id: &str,
        validation: ValidationOptions,
    ) -> Result<ValueSink, PushError> {
        Ok(ValueSink {
            inner: SinkInner::start(self, source_id)?,
            columns: columns.to_vec(),
            validation,
        })
    }

    /// Pushes every record of `records` under `source_id` and waits for the outcome.
    pub async fn send_all<R: Record>(
        &self,
        source_id: &str,
        records: impl IntoIterator<Item = R>,
    ) -> Result<Summary, Box<Incomplete>> {
        let mut sink = self
            .sink::<R>(source_id)
            .map_err(Incomplete::before_start)?;
        for r in records {
            if sink.push(&r).await.is_err() {
                break;
            }
        }
        sink.finish().await
    }
}

impl Incomplete {
    pub(crate) fn before_start(error: PushError) -> Box<Incomplete> {
        Box::new(Incomplete {
            error,
            summary: Summary::default(),
        })
    }
}

struct SinkInner {
    producer: Producer,
    workers: Workers,
    source: SourceHandle,
    next: u64,
}

impl SinkInner {
    fn start(client: &Client, source_id: &str) -> Result<SinkInner, PushError> {
        let run = Run::new(client.core().clone());
        let mut producer = Producer::new(run.clone());
        let source = producer.open_source(&format!("stream:{source_id}"), source_id)?;
        let workers = Workers::start(&run);
        Ok(SinkInner {
            producer,
            workers,
            source,
            next: 0,
        })
    }

    /// Assigns the next ordinal; `None` when an earlier run resolved it.
    fn admit(&mut self) -> Result<Option<u64>, PushError> {
        if self.producer.run().is_stopped() {
            return Err(PushError::Stopped);
        }
        let ordinal = self.next;
        self.next += 1;
        Ok(self
            .producer
            .admit(&self.source, ordinal)
            .then_some(ordinal))
    }

    async fn dispatch(&mut self) -> Result<(), PushError> {
        while let Some(work) = self.producer.next_work() {
            self.workers.send(work).await?;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<Summary, Box<Incomplete>> {
        self.producer.end_source(&self.source, self.next);
        let last = self.producer.seal();
        let run = self.producer.run().clone();
        self.workers.finish(&run, last).await
    }

    fn resume_point(&self) -> u64 {
        self.source
            .prior
            .iter()
            .next()
            .filter(|(s, _)| *s == 0)
            .map_or(0, |(_, e)| e)
    }
}

/// Takes typed records of one stream; see [`Client::sink`].
///
/// Dropping a sink without [`Sink::finish`] abandons the batches in flight; their records are
/// not marked done, so the next run with the same `source_id` sends them again.
pub struct Sink<R: Record> {
    inner: SinkInner,
    _record: PhantomData<fn(&R)>,
}

impl<R: Record> Sink<R> {
    /// How many leading records an earlier run already resolved (a producer that can seek may
    /// start there; pushing them again is harmless, they are skipped).
    pub fn resume_point(&self) -> u64 {
        self.inner.resume_point()
    }

    /// Adds a record; waits when `concurrency` batches are already queued (back-pressure).
    pub async fn push(&mut self, record: &R) -> Result<(), PushError> {
        if let Some(ordinal) = self.inner.admit()? {
            self.inner
                .producer
                .add_serialize(&self.inner.source, ordinal, record)?;
            self.inner.dispatch().await?;
        }
        Ok(())
    }

    /// Sends what is left and waits until every record is delivered or dead-lettered.
    pub async fn finish(self) -> Result<Summary, Box<Incomplete>> {
        self.inner.finish().await
    }
}

/// Takes JSON values validated against a column list; see [`Client::value_sink`].
pub struct ValueSink {
    inner: SinkInner,
    columns: Vec<Column>,
    validation: ValidationOptions,
}

impl ValueSink {
    /// See [`Sink::resume_point`].
    pub fn resume_point(&self) -> u64 {
        self.inner.resume_point()
    }

    /// Validates and adds a record (an invalid one goes to the dead-letter file).
    pub async fn push(&mut self, value: &Value) -> Result<(), PushError> {
        if let Some(ordinal) = self.inner.admit()? {
            self.inner.producer.add_value(
                &self.inner.source,
                ordinal,
                value,
                &self.columns,
                self.validation,
            )?;
            self.inner.dispatch().await?;
        }
        Ok(())
    }

    /// Sends what is left and waits until every record is delivered or dead-lettered.
    pub async fn finish(self) -> Result<Summary, Box<Incomplete>> {
        self.inner.finish().await
    }
}
