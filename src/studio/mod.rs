//! `ccfgen studio`: a local web app that shows a connector page the way the Microsoft
//! Sentinel portal renders it, live as the spec or definition changes, with the findings of
//! `ccfgen check` inline; a form for the push client's connection values that saves the same
//! `connector_config.json` the CLI reads and tests it with the `doctor` checks; sample
//! records pushed through the push client; the local emulator one click away; and a transform
//! preview (records in, the rows the table stores out, through [`crate::preview`]).
//!
//! * [`page`] reads a `connectorUiConfig` into a page model (tolerant: every gap is a note);
//! * [`render`] lays the page out as HTML, [`html`] escapes text and renders markdown safely;
//! * [`project`] reads what the studio was pointed at (a spec, solution folders, one file);
//! * `transform` runs the transform preview through [`crate::preview`];
//! * `shared` holds the session's state and the response builders the handlers use;
//! * [`server`] serves the embedded page ([`assets`]) on 127.0.0.1 with a session token.

mod actions;
pub mod assets;
pub mod config;
pub mod emulator;
pub mod html;
pub mod page;
pub mod project;
pub mod render;
pub mod server;
mod shared;
mod transform;

pub use project::{Snapshot, Target, TargetError};
pub use server::{Options, Studio, start};

/// Why the studio cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StudioError {
    /// What it was pointed at cannot be shown.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The port cannot be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for (0: any).
        port: u16,
        /// The I/O error.
        source: std::io::Error,
    },
}
