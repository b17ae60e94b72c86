//! Errors of the push runtime; each fatal one says what to change.

use crate::auth::AuthError;
use crate::config::ConfigError;
use crate::store::StoreError;
use crate::summary::Summary;

/// Why a push could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The connection settings are wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The checkpoint store cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A local file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// No token can be obtained (wrong secret, unknown app or tenant, …).
    #[error("authentication failed: {0}")]
    Auth(AuthError),
    /// The ingestion endpoint refused the requests for a reason retries cannot fix.
    #[error("ingestion refused (HTTP {status}{code}{request}): {hint}{message}",
        code = error_code.as_deref().map(|c| format!(", {c}")).unwrap_or_default(),
        request = server_request_id.as_deref().map(|r| format!(", x-ms-request-id {r}")).unwrap_or_default(),
        message = message.as_deref().map(|m| format!(" — server said: {m}")).unwrap_or_default())]
    Refused {
        /// HTTP status.
        status: u16,
        /// `x-ms-error-code`.
        error_code: Option<String>,
        /// `x-ms-request-id`.
        server_request_id: Option<String>,
        /// The server's message.
        message: Option<String>,
        /// What to change.
        hint: &'static str,
    },
    /// An input could not be read to the end (e.g. a malformed JSON array).
    #[error("input {source_label}: {message}")]
    Input {
        /// The input.
        source_label: String,
        /// What went wrong.
        message: String,
    },
    /// The push has stopped; `finish` returns the cause.
    #[error("the push has stopped; finish() returns the cause")]
    Stopped,
    /// The sink is for another stream than the one configured.
    #[error("record type is for stream {record} but the configuration targets {configured}")]
    StreamMismatch {
        /// `Record::STREAM`.
        record: &'static str,
        /// `stream_name` of the config.
        configured: String,
    },
}

/// A push that did not deliver or dead-letter every record: the cause and what was done.
/// Records neither delivered nor dead-lettered are still pending in the checkpoint store and
/// are sent by the next run.
#[derive(Debug, thiserror::Error)]
#[error("{error} ({pending} records pending for the next run)", pending = summary.pending())]
pub struct Incomplete {
    /// The cause.
    pub error: PushError,
    /// What was done before stopping.
    pub summary: Summary,
}
