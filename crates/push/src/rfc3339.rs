//! Serde helpers for `datetime` columns: UTC timestamps written as RFC 3339 strings.
//!
//! Generated code uses `#[serde(with = "ccfgen_push::rfc3339")]` for required datetime
//! columns and `#[serde(with = "ccfgen_push::rfc3339::option")]` for optional ones.

pub use time::serde::rfc3339::{deserialize, serialize};

/// The same for `Option<OffsetDateTime>`.
pub mod option {
    pub use time::serde::rfc3339::option::{deserialize, serialize};
}
