//! What the emulator emulates: tenant, app registrations, DCRs with their stream
//! declarations, limits, and the switches for behaviours the real service does not document.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::cloud::Cloud;
use crate::ids;

/// One column of a DCR stream declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamColumn {
    /// Column name exactly as declared (the JSON property name on the wire).
    pub name: String,
    /// DCR stream type: `string`, `int`, `long`, `real`, `boolean`, `datetime` or `dynamic`.
    pub type_name: String,
}

impl StreamColumn {
    /// A column with the given name and stream type name.
    pub fn new(name: impl Into<String>, type_name: impl Into<String>) -> StreamColumn {
        StreamColumn {
            name: name.into(),
            type_name: type_name.into(),
        }
    }
}

/// A stream declared in a DCR (`streamDeclarations` entry) with the data flows that read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDecl {
    /// Stream name, e.g. `Custom-MyTable`.
    pub name: String,
    /// Declared input columns.
    pub columns: Vec<StreamColumn>,
    /// The DCR's data flows that read this stream, in DCR order: each record the stream
    /// accepts runs through every one of them. None: the stream's rows are stored, no table's.
    pub flows: Vec<DataFlow>,
}

impl StreamDecl {
    /// A stream without data flows.
    pub fn new(name: impl Into<String>, columns: Vec<StreamColumn>) -> StreamDecl {
        StreamDecl {
            name: name.into(),
            columns,
            flows: Vec::new(),
        }
    }

    /// The stream with one more data flow.
    pub fn with_flow(mut self, flow: DataFlow) -> StreamDecl {
        self.flows.push(flow);
        self
    }
}

/// One data flow of a DCR: its `transformKql` runs on each record of the stream, and the
/// resulting row is stored in its destination table (with the service's rules: output
/// columns the table lacks dropped, values of another type nulled, values over 64 KB
/// truncated, `TimeGenerated` missing, null or out of its window replaced by the received
/// time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFlow {
    /// The data flow's `transformKql` (`source` when the DCR has none).
    pub transform_kql: String,
    /// Its `outputStream`: `Custom-MyTable_CL`, or `Microsoft-<Table>` for a built-in table.
    /// The table is named without the prefix (`MyTable_CL`).
    pub output_stream: String,
    /// The destination table's columns with their Tables API types (`string`, `int`, `long`,
    /// `real`, `boolean`, `dateTime`, `guid`, `dynamic`); `None` when the table's definition is
    /// not known (a built-in table): rows are then stored as the transformation outputs them.
    pub table_columns: Option<Vec<StreamColumn>>,
}

impl DataFlow {
    /// A data flow into `output_stream` whose table has `table_columns`.
    pub fn new(
        transform_kql: impl Into<String>,
        output_stream: impl Into<String>,
        table_columns: Option<Vec<StreamColumn>>,
    ) -> DataFlow {
        DataFlow {
            transform_kql: transform_kql.into(),
            output_stream: output_stream.into(),
            table_columns,
        }
    }

    /// The destination table's name: the output stream without `Custom-` or `Microsoft-`.
    pub fn table(&self) -> &str {
        let out = self.output_stream.as_str();
        out.strip_prefix("Custom-")
            .or_else(|| out.strip_prefix("Microsoft-"))
            .unwrap_or(out)
    }
}

/// A data collection rule the ingestion endpoint knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcrConfig {
    /// Immutable id, `dcr-` followed by 32 hex digits.
    pub immutable_id: String,
    /// Declared streams.
    pub streams: Vec<StreamDecl>,
    /// Client ids holding Monitoring Metrics Publisher on this DCR.
    pub publishers: Vec<String>,
    /// Whether the destination is an Auxiliary table (enables the 30-minute rule).
    pub auxiliary: bool,
}

/// An Entra app registration with one client secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientApp {
    /// Application (client) id.
    pub client_id: String,
    /// Client secret value.
    pub secret: String,
    /// Whether the secret has expired (token requests fail with AADSTS7000222).
    pub secret_expired: bool,
}

/// Per-DCR sliding-window limits (the real service: 12,000 requests and 2 GB per minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u64,
    /// Wire bytes allowed per window.
    pub bytes: u64,
    /// Window length.
    pub window: Duration,
}

impl Default for RateLimit {
    fn default() -> RateLimit {
        RateLimit {
            requests: 12_000,
            bytes: 2 * 1024 * 1024 * 1024,
            window: Duration::from_secs(60),
        }
    }
}

/// Size limits of the Logs Ingestion API (defaults are the service's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum request body on the wire (`ContentLengthLimitExceeded` above it).
    pub max_body_bytes: u64,
    /// Maximum body after gzip inflation (`PayloadSizeLimitExceeded` above it).
    pub max_inflated_bytes: u64,
    /// Field values longer than this many bytes are truncated silently.
    pub max_field_bytes: usize,
    /// Auxiliary tables: the largest `TimeGenerated` spread accepted in one call
    /// (a spread of this much or more is rejected).
    pub auxiliary_max_span: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 1_048_576,
            max_inflated_bytes: 50 * 1024 * 1024,
            max_field_bytes: 64 * 1024,
            auxiliary_max_span: Duration::from_secs(30 * 60),
        }
    }
}

/// Switches for behaviours of the real service that no source documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behaviour {
    /// Accepted `api-version` values.
    pub api_versions: Vec<String>,
    /// Accept a single JSON object as well as an array of objects.
    pub accept_single_object: bool,
    /// Status for a stream the DCR does not declare (404 by default: a configuration
    /// error, which clients must not try to fix by splitting the batch).
    pub unknown_stream_status: u16,
    /// Status for `PayloadSizeLimitExceeded`.
    pub payload_too_large_status: u16,
    /// Status for a `Content-Encoding` other than identity or gzip.
    pub unsupported_encoding_status: u16,
    /// Status for a `Content-Type` other than `application/json`; `None` accepts any.
    pub content_type_status: Option<u16>,
}

impl Default for Behaviour {
    fn default() -> Behaviour {
        Behaviour {
            api_versions: vec!["2023-01-01".into(), "2021-11-01-preview".into()],
            accept_single_object: true,
            unknown_stream_status: 404,
            payload_too_large_status: 413,
            unsupported_encoding_status: 501,
            content_type_status: Some(415),
        }
    }
}

/// Role assignments that take time to apply: for `delay` after start, granted callers
/// are refused with `status` (403, or 503 as the Learn tutorial warns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RbacPropagation {
    /// How long after start grants are not yet effective.
    pub delay: Duration,
    /// Status answered meanwhile: 403 (`OperationFailed`) or 503.
    pub status: u16,
}

/// The whole emulator configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The one tenant the token endpoint knows.
    pub tenant_id: String,
    /// App registrations.
    pub clients: Vec<ClientApp>,
    /// Data collection rules.
    pub dcrs: Vec<DcrConfig>,
    /// Listen address; default `127.0.0.1:0` (ephemeral port).
    pub bind: SocketAddr,
    /// Serve HTTPS with a generated CA (default). `false` serves plain HTTP.
    pub tls: bool,
    /// SQLite state file; `None` uses a file in a temporary directory removed on drop.
    pub state_path: Option<PathBuf>,
    /// Where to write the CA certificate (PEM) at start; `None` writes nothing.
    pub ca_path: Option<PathBuf>,
    /// Lifetime of issued access tokens (`expires_in`).
    pub token_ttl: Duration,
    /// Per-DCR request and volume limits.
    pub rate_limit: RateLimit,
    /// Which Azure cloud's audiences and authority the emulator answers for.
    pub cloud: Cloud,
    /// Size limits.
    pub limits: Limits,
    /// Undocumented behaviours.
    pub behaviour: Behaviour,
    /// Client id of a managed identity served by the IMDS fake; `None` disables IMDS.
    pub managed_identity: Option<String>,
    /// Optional role-propagation delay after start.
    pub rbac_propagation: Option<RbacPropagation>,
}

impl Default for Config {
    /// A tenant with a generated id, no clients, no DCRs, and every other setting at
    /// its default (HTTPS on `127.0.0.1:0`, temporary state, public cloud, 3599 s tokens).
    fn default() -> Config {
        Config {
            tenant_id: ids::guid(),
            clients: Vec::new(),
            dcrs: Vec::new(),
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tls: true,
            state_path: None,
            ca_path: None,
            token_ttl: Duration::from_secs(3599),
            rate_limit: RateLimit::default(),
            cloud: Cloud::Public,
            limits: Limits::default(),
            behaviour: Behaviour::default(),
            managed_identity: None,
            rbac_propagation: None,
        }
    }
}

impl Config {
    /// One tenant, one app (granted on the DCR) and one DCR holding `stream`, with
    /// generated ids and secret shaped like the real ones.
    pub fn single_stream(stream: StreamDecl) -> Config {
        let client = ClientApp {
            client_id: ids::guid(),
            secret: ids::client_secret(),
            secret_expired: false,
        };
        let dcr = DcrConfig {
            immutable_id: ids::dcr_id(),
            streams: vec![stream],
            publishers: vec![client.client_id.clone()],
            auxiliary: false,
        };
        Config {
            clients: vec![client],
            dcrs: vec![dcr],
            ..Config::default()
        }
    }
}
