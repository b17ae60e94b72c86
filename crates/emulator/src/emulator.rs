//! Starting the emulator and the handle tests hold: addresses, connection values,
//! fault injection and introspection (the Rust mirror of the control API), shutdown.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::config::{Config, StreamColumn};
use crate::connection::{ConnectionValues, write_private};
use crate::error::Error;
use crate::fault::Fault;
use crate::introspect::{Counters, RequestLog, SilentDiagnostic};
use crate::schema::Schema;
use crate::server;
use crate::state::Shared;
use crate::store::{RESERVED_PREFIX, Store, StreamRecord, temp_state};
use crate::tls;
use crate::transform::{TransformError, Transforms};

/// A running emulator. Dropping it stops the server; [`Emulator::shutdown`] also waits
/// for open connections to end.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    state_path: PathBuf,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    _temp_dir: Option<tempfile::TempDir>,
}

// The handle moves freely between tasks and threads.
const _: fn() = || {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Emulator>();
};

/// Binds the listener, opens the state file and serves on the current tokio runtime
/// (which needs its IO and time drivers, as `#[tokio::test]` and `#[tokio::main]` have).
/// Requests are served until [`Emulator::shutdown`] or until the handle is dropped.
pub async fn start(config: Config) -> Result<Emulator, Error> {
    let streams = validate(&config)?;
    let schemas: Vec<Schema> = streams.iter().map(|s| s.schema.clone()).collect();
    let transforms = Transforms::compile(&config, &schemas).map_err(Error::Config)?;
    check_table_names(&transforms, &schemas)?;
    let (temp_dir, state_path) = match &config.state_path {
        Some(path) => (None, path.clone()),
        None => {
            let (dir, path) = temp_state()?;
            (Some(dir), path)
        }
    };
    let (store, transforms) = {
        let path = state_path.clone();
        let transforms = Arc::new(transforms);
        let opened = Arc::clone(&transforms);
        let store = tokio::task::spawn_blocking(move || Store::open(&path, &streams, &opened))
            .await
            .map_err(|e| Error::Config(format!("opening the state file panicked: {e}")))??;
        (store, transforms)
    };
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| Error::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind {
        addr: config.bind,
        source,
    })?;
    let (acceptor, ca_pem) = if config.tls {
        let generated = tls::generate(Some(addr.ip()))?;
        if let Some(path) = &config.ca_path {
            write_private(path, generated.ca_pem.as_bytes())?;
        }
        (
            Some(TlsAcceptor::from(generated.config)),
            Some(generated.ca_pem),
        )
    } else {
        (None, None)
    };
    let scheme = if config.tls { "https" } else { "http" };
    let host = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let base_url = format!("{scheme}://{}", SocketAddr::new(host, addr.port()));
    log_transforms(&transforms);
    let shared = Shared::new(config, store, transforms, ca_pem).map_err(|source| Error::State {
        path: state_path.clone(),
        source,
    })?;
    let shared = Arc::new(shared);
    let (shutdown, shutdown_rx) = watch::channel(false);
    let server = server::spawn(listener, acceptor, Arc::clone(&shared), shutdown_rx);
    tracing::info!(%base_url, state = %state_path.display(), "ccfgen emulator listening");
    Ok(Emulator {
        shared,
        addr,
        base_url,
        state_path,
        shutdown,
        server: Some(server),
        _temp_dir: temp_dir,
    })
}

/// The startup notices: the tables the data flows write, and each transformation the
/// evaluator cannot run.
fn log_transforms(transforms: &Transforms) {
    let tables: Vec<&str> = transforms.tables.iter().map(|t| t.name.as_str()).collect();
    tracing::info!(
        ?tables,
        "ccfgen emulator runs each data flow's transformKql and stores the table rows"
    );
    for error in &transforms.errors {
        tracing::warn!(stream = %error.stream, table = %error.table, "{error}");
    }
}

/// Destination tables are views of the state file beside the streams': their names must
/// differ from every stream's (SQLite names ignore ASCII case), and their columns must not use
/// the reserved prefix.
fn check_table_names(transforms: &Transforms, streams: &[Schema]) -> Result<(), Error> {
    let mut names: HashMap<String, &str> = streams
        .iter()
        .map(|s| (s.name.to_ascii_lowercase(), "stream"))
        .collect();
    for table in &transforms.tables {
        let name = &table.name;
        if name.is_empty() || name.starts_with(RESERVED_PREFIX) || name.starts_with("sqlite_") {
            return Err(Error::Config(format!(
                "table name {name:?} is empty or reserved"
            )));
        }
        if let Some(kind) = names.insert(name.to_ascii_lowercase(), "table") {
            return Err(Error::Config(format!(
                "table {name} has the name of a {kind} (names are compared ignoring case)"
            )));
        }
        let mut columns: HashMap<String, ()> = HashMap::new();
        for column in &table.columns {
            if column.name.starts_with(RESERVED_PREFIX) {
                return Err(Error::Config(format!(
                    "table {name}: column {} uses the reserved prefix",
                    column.name
                )));
            }
            if columns
                .insert(column.name.to_ascii_lowercase(), ())
                .is_some()
            {
                return Err(Error::Config(format!(
                    "table {name}: column {} is declared twice",
                    column.name
                )));
            }
        }
    }
    Ok(())
}

/// Checks the configuration and resolves one table per stream name.
fn validate(config: &Config) -> Result<Vec<StreamRecord>, Error> {
    let fail = |message: String| Err(Error::Config(message));
    if config.tenant_id.trim().is_empty() {
        return fail("tenant_id is empty".into());
    }
    if config.clients.is_empty() {
        return fail("at least one client app is needed".into());
    }
    let Some(first) = config.dcrs.first() else {
        return fail("at least one DCR is needed".into());
    };
    if first.streams.is_empty() {
        return fail(format!("DCR {} declares no stream", first.immutable_id));
    }
    if config.rate_limit.window.is_zero() {
        return fail("the rate-limit window is zero".into());
    }
    let behaviour = &config.behaviour;
    let statuses = [
        behaviour.unknown_stream_status,
        behaviour.payload_too_large_status,
        behaviour.unsupported_encoding_status,
    ];
    let configured = statuses
        .into_iter()
        .chain(behaviour.content_type_status)
        .chain(config.rbac_propagation.map(|p| p.status));
    if let Some(bad) = configured.into_iter().find(|s| !(400..=599).contains(s)) {
        return fail(format!(
            "configured error status {bad} is not a 4xx/5xx status"
        ));
    }
    let mut dcr_ids = HashMap::new();
    let mut streams: Vec<StreamRecord> = Vec::new();
    let mut declared: HashMap<String, &Vec<StreamColumn>> = HashMap::new();
    for dcr in &config.dcrs {
        if dcr_ids
            .insert(dcr.immutable_id.to_ascii_lowercase(), ())
            .is_some()
        {
            return fail(format!("DCR {} is declared twice", dcr.immutable_id));
        }
        for stream in &dcr.streams {
            let name = &stream.name;
            if name.is_empty() || name.starts_with(RESERVED_PREFIX) || name.starts_with("sqlite_") {
                return fail(format!("stream name {name:?} is empty or reserved"));
            }
            if let Some(column) = stream
                .columns
                .iter()
                .find(|c| c.name.starts_with(RESERVED_PREFIX))
            {
                return fail(format!(
                    "stream {name}: column {} uses the reserved prefix",
                    column.name
                ));
            }
            match declared.get(name) {
                Some(columns) if *columns == &stream.columns => continue,
                Some(_) => {
                    return fail(format!(
                        "stream {name} is declared with different columns in two DCRs"
                    ));
                }
                None => {
                    declared.insert(name.clone(), &stream.columns);
                }
            }
            let first = stream.flows.first();
            streams.push(StreamRecord {
                schema: Schema::new(stream).map_err(Error::Config)?,
                transform_kql: first.map(|f| f.transform_kql.clone()),
                output_table: first.map(|f| f.output_stream.clone()),
            });
        }
    }
    Ok(streams)
}

/// A client configuration file written for one stream ([`Emulator::write_connection_files`]).
#[derive(Debug, Clone)]
pub struct ConnectionFile {
    /// The DCR's position in [`Config::dcrs`].
    pub dcr_index: usize,
    /// The values the file holds.
    pub values: ConnectionValues,
    /// Where it was written.
    pub path: PathBuf,
}

impl Emulator {
    /// `https://127.0.0.1:PORT` (or `http://` in plain mode): the authority host and
    /// the DCE endpoint at once.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The CA certificate (PEM) clients must trust; `None` in plain HTTP mode.
    pub fn ca_pem(&self) -> Option<&str> {
        self.shared.ca_pem.as_deref()
    }

    /// The SQLite state file.
    pub fn state_path(&self) -> &Path {
        &self.state_path
    }

    /// The configuration the emulator runs with.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The connector-page values for the first client, first DCR and its first stream.
    pub fn connection(&self) -> ConnectionValues {
        let config = &self.shared.config;
        let client = &config.clients[0];
        let dcr = &config.dcrs[0];
        ConnectionValues {
            tenant_id: config.tenant_id.clone(),
            client_id: client.client_id.clone(),
            client_secret: client.secret.clone(),
            dce_uri: self.base_url.clone(),
            dcr_immutable_id: dcr.immutable_id.clone(),
            stream_name: dcr.streams[0].name.clone(),
            authority_host: self.base_url.clone(),
            scope: config.cloud.scope().to_string(),
        }
    }

    /// Writes the CA certificate (PEM) to `path`; plain HTTP mode has none and fails.
    pub fn write_ca_file(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let pem = self
            .ca_pem()
            .ok_or_else(|| Error::Config("plain HTTP mode has no CA certificate".into()))?;
        write_private(path.as_ref(), pem.as_bytes())
    }

    /// Writes a ready client configuration (see [`ConnectionValues::to_json`]) for the first
    /// stream to `path`, owner-readable only. In TLS mode the CA goes to the configured
    /// `ca_path`, or else next to `path` with the extension `ca.pem`; in plain HTTP mode the
    /// file allows plain HTTP to this loopback emulator (`allow_http_loopback`).
    pub fn write_connection_file(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let ca_file = self.ca_file_beside(path)?;
        self.write_values(path, &self.connection(), ca_file.as_deref())
    }

    /// Writes one client configuration per declared stream, as [`Self::write_connection_file`]
    /// does for the first: the first stream's at `path`, every other's beside it as
    /// `<stem>.<stream>.json`. Returns them in declaration order.
    pub fn write_connection_files(
        &self,
        path: impl AsRef<Path>,
    ) -> Result<Vec<ConnectionFile>, Error> {
        let path = path.as_ref();
        let ca_file = self.ca_file_beside(path)?;
        let first = self.connection();
        let stem = path
            .file_stem()
            .map_or_else(|| "connector_config".into(), |s| s.to_string_lossy());
        let mut files: Vec<ConnectionFile> = Vec::new();
        for (dcr_index, dcr) in self.shared.config.dcrs.iter().enumerate() {
            for stream in &dcr.streams {
                let file = if files.is_empty() {
                    path.to_owned()
                } else {
                    path.with_file_name(format!("{stem}.{}.json", stream.name))
                };
                let values = ConnectionValues {
                    dcr_immutable_id: dcr.immutable_id.clone(),
                    stream_name: stream.name.clone(),
                    ..first.clone()
                };
                self.write_values(&file, &values, ca_file.as_deref())?;
                files.push(ConnectionFile {
                    dcr_index,
                    values,
                    path: file,
                });
            }
        }
        Ok(files)
    }

    /// The CA file a connection file beside `path` names (absolute): the configured
    /// `ca_path`, or `<path>.ca.pem` written now; none in plain HTTP mode.
    fn ca_file_beside(&self, path: &Path) -> Result<Option<PathBuf>, Error> {
        let ca_file = match (self.ca_pem(), &self.shared.config.ca_path) {
            (None, _) => None,
            (Some(_), Some(configured)) => Some(configured.clone()),
            (Some(_), None) => {
                let ca = path.with_extension("ca.pem");
                self.write_ca_file(&ca)?;
                Some(ca)
            }
        };
        Ok(ca_file.map(|p| std::path::absolute(&p).unwrap_or(p)))
    }

    fn write_values(
        &self,
        path: &Path,
        values: &ConnectionValues,
        ca_file: Option<&Path>,
    ) -> Result<(), Error> {
        let mut file = values.file(ca_file);
        file.allow_http_loopback = !self.shared.config.tls;
        write_private(path, file.to_text().as_bytes())
    }

    /// Queues a fault (same as `POST /_emulator/faults`).
    pub fn inject(&self, fault: Fault) {
        self.shared.faults().push(fault);
    }

    /// Drops every pending fault (same as `DELETE /_emulator/faults`).
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// Expires every issued token now (same as `POST /_emulator/tokens/expire`).
    pub fn expire_tokens(&self) {
        self.shared.tokens().expire_all(Instant::now());
    }

    /// Stored rows of `stream` in acceptance order: declared columns (typed back to JSON,
    /// `null` when absent or nulled) followed by the `_ccfgen_*` metadata columns.
    ///
    /// # Panics
    /// When the state file cannot be read (a broken test environment).
    pub fn rows(&self, stream: &str) -> Vec<serde_json::Value> {
        expect_state(self.shared.store.rows(stream))
    }

    /// Stored rows of destination table `table` (`MyTable_CL`, without `Custom-`) in
    /// acceptance order: what the data flows' transformations made of the records, after the
    /// service's storage rules — the table's columns (typed back to JSON: datetimes in RFC 3339,
    /// dynamic values as JSON) followed by `_ccfgen_stream` and the `_ccfgen_*` metadata
    /// columns.
    ///
    /// # Panics
    /// When the state file cannot be read.
    pub fn table_rows(&self, table: &str) -> Vec<serde_json::Value> {
        expect_state(self.shared.store.table_rows(table))
    }

    /// Number of stored rows of destination table `table`.
    ///
    /// # Panics
    /// When the state file cannot be read.
    pub fn table_row_count(&self, table: &str) -> u64 {
        expect_state(self.shared.store.table_count(table))
    }

    /// The destination tables of the data flows, in configuration order.
    pub fn tables(&self) -> Vec<String> {
        let tables = &self.shared.transforms.tables;
        tables.iter().map(|t| t.name.clone()).collect()
    }

    /// The data flows whose transformation the evaluator cannot run (reported at start; they
    /// store no table rows).
    pub fn transform_errors(&self) -> &[TransformError] {
        &self.shared.transforms.errors
    }

    /// Number of stored rows of `stream`.
    ///
    /// # Panics
    /// When the state file cannot be read.
    pub fn row_count(&self, stream: &str) -> u64 {
        expect_state(self.shared.store.count(stream))
    }

    /// The request log (every token, IMDS and ingestion request) in arrival order.
    ///
    /// # Panics
    /// When the state file cannot be read.
    pub fn requests(&self) -> Vec<RequestLog> {
        expect_state(self.shared.store.requests())
    }

    /// Counters since start or the last reset.
    pub fn counters(&self) -> Counters {
        self.shared.counters().clone()
    }

    /// Silent-behaviour diagnostics (dropped columns, nulled mismatches, truncations).
    ///
    /// # Panics
    /// When the state file cannot be read.
    pub fn diagnostics(&self) -> Vec<SilentDiagnostic> {
        expect_state(self.shared.store.diagnostics())
    }

    /// Forgets stored rows, the request log, diagnostics, counters, pending faults and
    /// rate windows (same as `POST /_emulator/reset`); issued tokens stay valid.
    ///
    /// # Panics
    /// When the state file cannot be written.
    pub fn reset(&self) {
        expect_state(self.shared.reset());
    }

    /// Stops accepting, ends open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

fn expect_state<T>(result: rusqlite::Result<T>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("ccfgen emulator state file failed: {error}"),
    }
}
