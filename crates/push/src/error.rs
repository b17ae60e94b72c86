//! Errors of the push runtime; each fatal one says what to change.

use crate::auth::AuthError;
use crate::retry::TransportFault;
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
    /// A host could not be reached for a reason retrying cannot heal (certificate not
    /// trusted, name does not resolve): a configuration fault.
    #[error("cannot reach {what}: {error} — {hint}", hint = error.fault.hint())]
    Connection {
        /// What was being reached (`the ingestion endpoint host`, `the token endpoint`).
        what: String,
        /// The classified transport failure.
        error: crate::retry::TransportError,
    },
    /// A request kept failing with errors that may heal (5xx, 429, network) for the whole
    /// `--max-retry-time`: the run stops and its records stay pending for the next run.
    #[error("the endpoint kept failing for {budget_s:.0} s (the retry time), last: {last}; the service or the network may be down — run again later")]
    RetryTimeExhausted {
        /// The retry budget in seconds.
        budget_s: f64,
        /// The last failure.
        last: String,
    },
    /// The push was interrupted (Ctrl-C, SIGTERM): requests in flight were settled, nothing
    /// else was sent.
    #[error("interrupted")]
    Interrupted,
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

impl PushError {
    /// An authentication failure; a certificate or DNS failure reaching the token endpoint is
    /// reported as the connection fault it is.
    pub fn from_auth(e: AuthError) -> PushError {
        match e {
            AuthError::Transport(error) if error.fault != TransportFault::Transient => {
                PushError::Connection {
                    what: "the token endpoint (authority_host)".into(),
                    error,
                }
            }
            e => PushError::Auth(e),
        }
    }
}
