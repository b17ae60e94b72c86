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
//!
//! # Choices where the real service is undocumented
//!
//! | Case | Answer (configurable where noted) |
//! |---|---|
//! | `api-version` missing / not allowed | 400 `MissingApiVersionParameter` / `InvalidApiVersionParameter` ([`Behaviour::api_versions`]) |
//! | token missing, unknown / expired | 401 `InvalidAuthenticationToken` / `ExpiredAuthenticationToken` |
//! | `Authorization` scheme other than `Bearer` | 401 `UnsupportedAccessTokenType` (S2S17001 message) |
//! | rate limit | 429 `TooManyRequests` with `Retry-After` ([`RateLimit`]) |
//! | corrupt gzip | 400 `InvalidContentEncoding` |
//! | inflated body over 50 MiB | 413 `PayloadSizeLimitExceeded` ([`Behaviour::payload_too_large_status`]) |
//! | other `Content-Encoding` | 501 `UnsupportedContentEncoding` ([`Behaviour::unsupported_encoding_status`]) |
//! | `Content-Type` not JSON | 415 `UnsupportedMediaType` ([`Behaviour::content_type_status`], `None` accepts any) |
//! | not a JSON array of objects | 400 `InvalidPayload` (a single object is accepted: [`Behaviour::accept_single_object`]) |
//! | stream not in the DCR | 404 `InvalidStream` ([`Behaviour::unknown_stream_status`]) |
//! | Auxiliary `TimeGenerated` spread of 30 minutes or more | 400 `RecordsTimeRangeIsMoreThan30Minutes` |
//! | silent type coercion | a value whose JSON type does not match the column (e.g. a number for a `string`, a string for an `int`, an `int` outside 32 bits, a `datetime` that is not RFC 3339) is stored as null |
//!
//! # Storage
//!
//! One SQLite file (WAL, `synchronous=NORMAL`): a table per stream named exactly like
//! the stream (`SELECT * FROM "Custom-Name"` in the `sqlite3` shell), typed columns
//! (`string`/`datetime`/`dynamic` as TEXT, `int`/`long`/`boolean` as INTEGER, `real` as
//! REAL; datetimes normalised to RFC 3339 UTC, dynamic values as JSON text), plus
//! `_ccfgen_dcr_id`, `_ccfgen_request_id`, `_ccfgen_client_request_id`,
//! `_ccfgen_attempt`, `_ccfgen_received_at` and `_ccfgen_seq`: the rows as the stream
//! received them. Each stream's data flows ([`DataFlow`]) run too: the `transformKql` by
//! the `ccfgen-kql` evaluator, then the service's storage rules (output columns the table
//! lacks dropped, values of another type nulled, values over 64 KB truncated,
//! `TimeGenerated` missing, null or out of its window replaced by the received time — the
//! code `ccfgen preview` runs), and the rows are stored per destination table in a view
//! named after the table ([`Emulator::table_rows`], `/_emulator/tables/{table}/rows`). A
//! transformation the evaluator cannot run is reported at start
//! ([`Emulator::transform_errors`]) and stores no table rows. `_ccfgen_requests` and
//! `_ccfgen_diagnostics` hold the request log and the silent-behaviour diagnostics. Each
//! accepted batch (stream rows and table rows) is committed before its 204, so a killed
//! emulator loses nothing it acknowledged.
#![deny(missing_docs)]

mod arrival;
mod cloud;
mod config;
mod conn;
mod connection;
mod control;
mod emulator;
mod error;
mod fault;
mod http;
mod identity;
pub mod ids;
mod ingest;
mod introspect;
mod pool;
mod rate;
mod schema;
mod server;
mod state;
mod store;
mod swar;
mod tls;
mod token;
mod token_store;
mod transform;

pub use cloud::Cloud;
pub use config::{
    Behaviour, ClientApp, Config, DataFlow, DcrConfig, Limits, RateLimit, RbacPropagation,
    StreamColumn, StreamDecl,
};
pub use connection::ConnectionValues;
pub use emulator::{ConnectionFile, Emulator, start};
pub use error::Error;
pub use fault::{Fault, FaultAction, FaultTarget};
pub use identity::Identity;
pub use introspect::{
    Counters, DiagnosticKind, RequestKind, RequestLog, SilentDiagnostic, TokenCounters,
};
pub use transform::TransformError;
