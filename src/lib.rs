//! ccfgen: one spec (`ccfgen.toml`) to every Microsoft Sentinel CCF Push connector artifact.
//!
//! The pipeline: [`spec::load`] reads the file with spans, [`spec::resolve`] fills defaults
//! into a [`solution::Solution`], [`validate`] applies the platform [`rules`], and the
//! renderers turn the solution into artifacts.
#![deny(missing_docs)]

pub mod codegen;
pub mod diagnostic;
pub mod rules;
pub mod schema;
pub mod solution;
pub mod source;
pub mod spec;
pub mod transform;
pub mod validate;
