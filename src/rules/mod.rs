//! Platform rules, stated once and used everywhere: validating a spec, checking hand-written
//! JSON (`ccfgen check`) and importing. Each rule returns findings without a location; the
//! caller attaches one.
//!
//! Sources: ../shared/reference/kql.md §1–§3 (Azure Monitor naming, reserved columns, types,
//! limits) and packaging.md §10–§11 (Content Hub PR validations).

pub mod branding;
pub mod content;
pub mod limits;
pub mod metadata;
pub mod naming;
pub mod placeholders;
pub mod query;
pub mod transform;

use crate::diagnostic::Diagnostic;

/// Findings of one rule application.
pub type Findings = Vec<Diagnostic>;
