//! Errors from starting the emulator and writing its files.

use std::path::PathBuf;

/// Why the emulator could not start or write a file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is inconsistent.
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    /// Binding the listen address failed.
    #[error("cannot listen on {addr}")]
    Bind {
        /// Requested address.
        addr: std::net::SocketAddr,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Generating the CA or server certificate failed.
    #[error("cannot generate TLS certificates")]
    Certificate(#[from] rcgen::Error),
    /// Building the TLS server configuration failed.
    #[error("cannot configure TLS")]
    Tls(#[from] rustls::Error),
    /// Opening or preparing the SQLite state file failed.
    #[error("state database {path}")]
    State {
        /// State file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: rusqlite::Error,
    },
    /// Reading a file failed.
    #[error("cannot read {path}")]
    Read {
        /// File involved.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The identity file ([`crate::Identity`]) holds something else.
    #[error(
        "{path} is not an emulator identity file; delete it (and the state database beside it) to start over"
    )]
    NotIdentity {
        /// File involved.
        path: PathBuf,
        /// Cause.
        #[source]
        source: serde_json::Error,
    },
    /// Writing a file failed.
    #[error("cannot write {path}")]
    Io {
        /// File involved.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}
