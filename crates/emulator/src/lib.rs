//! A faithful local stand-in for Microsoft Entra (client-credentials token endpoint,
//! optional IMDS) and the Azure Monitor Logs Ingestion API, for offline tests of push
//! connectors.
//!
//! Start it in-process on the current tokio runtime, point a client at
//! [`Emulator::base_url`] (both the authority host and the DCE endpoint), trust
//! [`Emulator::ca_pem`], and read back what was stored:
//!
//! ```no_run
//! # async fn demo() -> Result<(), ccfgen_emulator::Error> {
//! use ccfgen_emulator::{Config, StreamColumn, StreamDecl};
//! let stream = StreamDecl::new(
//!     "Custom-Demo",
//!     vec![StreamColumn::new("TimeGenerated", "datetime"), StreamColumn::new("Message", "string")],
//! );
//! let emulator = ccfgen_emulator::start(Config::single_stream(stream)).await?;
//! let connection = emulator.connection(); // tenant, client id/secret, DCE, DCR id, stream
//! // ... push records with any client ...
//! let rows = emulator.rows("Custom-Demo");
//! # let _ = (connection, rows);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Requests are checked in the order of the real service (see `push-client.md` §1.7),
//! errors carry the service's shapes, accepted rows are committed to SQLite before the
//! 204, and faults (failures, latency, lost acknowledgements, resets, stalls) can be
//! injected through [`Emulator::inject`] or `POST /_emulator/faults`.
#![deny(missing_docs)]

mod cloud;
mod config;
mod connection;
mod control;
mod emulator;
mod error;
mod fault;
mod http;
pub mod ids;
mod ingest;
mod introspect;
mod rate;
mod schema;
mod server;
mod state;
mod store;
mod tls;
mod token;

pub use cloud::Cloud;
pub use config::{
    Behaviour, ClientApp, Config, DcrConfig, Limits, RateLimit, RbacPropagation, StreamColumn,
    StreamDecl,
};
pub use connection::ConnectionValues;
pub use emulator::{Emulator, start};
pub use error::Error;
pub use fault::{Fault, FaultAction, FaultTarget};
pub use introspect::{
    Counters, DiagnosticKind, RequestKind, RequestLog, SilentDiagnostic, TokenCounters,
};
