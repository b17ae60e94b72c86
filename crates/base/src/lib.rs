//! The bottom of the ccfgen workspace: what the spec model, the KQL analyser, the push client
//! and the emulator all need and none of them owns.
//!
//! - [`types`]: the one table of column type names (Tables API, DCR streams, Kusto).
//! - [`datetime`]: the fixed `YYYY-MM-DDThh:mm:ss` head of a datetime, checked without a parser.
//! - [`private_file`]: files that hold secrets, written atomically and readable by their
//!   owner only.
//!
//! It depends on nothing of ccfgen's, so every crate can depend on it without a cycle.

#![deny(missing_docs)]

pub mod datetime;
pub mod private_file;
pub mod types;

pub use types::{ColumnType, ScalarType};
