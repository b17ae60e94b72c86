//! What a local emulator serves for a solution, shared by `ccfgen emulate` and
//! `ccfgen studio`: the DCR streams ([`crate::scan::streams`]) in the emulator's terms, where
//! its files go by default (`.ccfgen/emulator/<solution>/`), and its configuration from the
//! persisted identity (tenant, application and one immutable id per DCR kept across starts).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ccfgen_emulator::{ClientApp, DataFlow, DcrConfig, Identity, StreamColumn, StreamDecl};

use crate::scan::streams::{self, Streams, StreamsError};
use crate::solution::Solution;

/// A DCR to emulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Dcr {
    /// A stable name: the DCR resource name (keys the persisted immutable id).
    pub name: String,
    /// Its stream declarations, with their data flows.
    pub streams: Vec<StreamDecl>,
    /// Whether it feeds an Auxiliary table (the 30-minute `TimeGenerated` rule applies).
    pub auxiliary: bool,
}

/// Everything to emulate, and notes for the user about what was simplified.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Solution name (names the default state directory).
    pub solution: String,
    /// The DCRs in a stable order.
    pub dcrs: Vec<Dcr>,
    /// Things the user should know (e.g. extra data flows that are not emulated).
    pub notes: Vec<String>,
}

impl Model {
    /// The DCRs of a resolved spec.
    pub fn from_solution(solution: &Solution) -> Model {
        Model::from_streams(streams::from_solution(solution))
    }

    /// The DCRs of a solution directory or JSON file.
    pub fn from_files(path: &Path) -> Result<Model, StreamsError> {
        Ok(Model::from_streams(streams::read(path)?))
    }

    /// The DCRs of stream declarations already read.
    pub fn from_streams(found: Streams) -> Model {
        Model {
            solution: found.solution,
            dcrs: found
                .dcrs
                .into_iter()
                .map(|d| Dcr {
                    name: d.name,
                    streams: d
                        .streams
                        .into_iter()
                        .map(|s| StreamDecl {
                            name: s.name,
                            columns: columns(s.columns),
                            flows: s
                                .flows
                                .into_iter()
                                .map(|f| DataFlow {
                                    transform_kql: f.transform_kql,
                                    output_stream: f.output_stream,
                                    table_columns: f.table_columns.map(columns),
                                })
                                .collect(),
                        })
                        .collect(),
                    auxiliary: d.auxiliary,
                })
                .collect(),
            notes: found.notes,
        }
    }

    /// The streams with a data flow into `table` (`X_CL`, `Custom-X_CL` or a built-in
    /// `Microsoft-X` output stream).
    pub fn streams_into(&self, table: &str) -> Vec<String> {
        let bare = table.strip_prefix("Custom-").unwrap_or(table);
        self.dcrs
            .iter()
            .flat_map(|d| d.streams.iter())
            .filter(|s| s.flows.iter().any(|f| f.table().eq_ignore_ascii_case(bare)))
            .map(|s| s.name.clone())
            .collect()
    }
}

/// Columns with their types as the emulator takes them.
fn columns(columns: Vec<(String, ccfgen_base::ColumnType)>) -> Vec<StreamColumn> {
    columns
        .into_iter()
        .map(|(name, ty)| StreamColumn::new(name, ty.as_str()))
        .collect()
}

/// Where an emulator's files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The SQLite state file.
    pub state: PathBuf,
    /// The persisted identifiers, beside the state.
    pub identity: PathBuf,
    /// The connector config written at start.
    pub config: PathBuf,
    /// The CA certificate written at start.
    pub ca: PathBuf,
}

impl Paths {
    /// The given paths, or the defaults: `.ccfgen/emulator/<solution>/state.sqlite` (the
    /// solution name with anything but letters, digits and `-_.` replaced by `_`), and
    /// `connector_config.json`, `ca.pem` and `state.identity.json` beside the state.
    pub fn new(
        solution: &str,
        state: Option<PathBuf>,
        config: Option<PathBuf>,
        ca: Option<PathBuf>,
    ) -> Paths {
        let state = state.unwrap_or_else(|| {
            let dir: String = solution
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            // `.` and `..` are no folder of their own (the path rules of crate::safe_path).
            let dir = if crate::safe_path::check_name(&dir).is_ok() {
                dir
            } else {
                "solution".to_string()
            };
            Path::new(".ccfgen/emulator").join(dir).join("state.sqlite")
        });
        let dir = state.parent().unwrap_or(Path::new(".")).to_owned();
        Paths {
            identity: state.with_extension("identity.json"),
            config: config.unwrap_or_else(|| dir.join("connector_config.json")),
            ca: ca.unwrap_or_else(|| dir.join("ca.pem")),
            state,
        }
    }
}

/// How the emulator runs besides what it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Serve plain HTTP instead of HTTPS.
    pub plain_http: bool,
    /// Lifetime of issued access tokens.
    pub token_ttl: Duration,
    /// Refuse the application with 403 for this long after start (role propagation).
    pub role_delay: Option<Duration>,
}

impl Default for Settings {
    /// HTTPS on a free port, 3599 s tokens, no role delay.
    fn default() -> Settings {
        Settings {
            port: 0,
            plain_http: false,
            token_ttl: Duration::from_secs(3599),
            role_delay: None,
        }
    }
}

/// The emulator configuration: one application (the identity's) allowed on every DCR.
pub fn config(
    model: &Model,
    identity: &Identity,
    paths: &Paths,
    settings: &Settings,
) -> ccfgen_emulator::Config {
    let client = ClientApp {
        client_id: identity.client_id.clone(),
        secret: identity.client_secret.clone(),
        secret_expired: false,
    };
    let dcrs = model
        .dcrs
        .iter()
        .map(|dcr| DcrConfig {
            immutable_id: identity
                .dcrs
                .get(&dcr.name)
                .cloned()
                .unwrap_or_else(ccfgen_emulator::ids::dcr_id),
            streams: dcr.streams.clone(),
            publishers: vec![client.client_id.clone()],
            auxiliary: dcr.auxiliary,
        })
        .collect();
    ccfgen_emulator::Config {
        tenant_id: identity.tenant_id.clone(),
        clients: vec![client],
        dcrs,
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, settings.port)),
        tls: !settings.plain_http,
        state_path: Some(paths.state.clone()),
        ca_path: (!settings.plain_http).then(|| paths.ca.clone()),
        token_ttl: settings.token_ttl,
        rbac_propagation: settings
            .role_delay
            .map(|delay| ccfgen_emulator::RbacPropagation { delay, status: 403 }),
        ..ccfgen_emulator::Config::default()
    }
}
