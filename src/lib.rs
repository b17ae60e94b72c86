//! ccfgen: one spec (`ccfgen.toml`) to every Microsoft Sentinel CCF Push connector artifact.
//!
//! The pipeline: [`spec::load`] reads the file with spans, [`resolve`] fills defaults
//! into a [`solution::Solution`], [`validate`] applies the platform [`rules`] ([`load`] does
//! the three), and the renderers turn the solution into artifacts. docs/architecture.md
//! has the map.
#![deny(missing_docs)]

pub mod artifacts;
pub mod build_paths;
pub mod check;
pub mod codegen;
pub mod conformance;
pub mod content;
pub mod diagnostic;
#[cfg(feature = "cli")]
pub mod emulation;
pub mod extra_content;
pub mod import;
pub mod infer;
pub mod init;
pub mod input;
pub mod json_get;
pub mod json_spans;
pub mod load;
pub mod output;
pub mod package;
pub mod preview;
pub mod published_schemas;
pub mod render;
pub mod resolve;
pub mod rules;
pub mod rust_names;
pub mod safe_path;
pub mod sample;
pub mod scan;
pub mod solution;
pub mod source;
pub mod spec;
#[cfg(feature = "cli")]
pub mod studio;
pub mod templates;
pub mod transform;
pub mod validate;
pub mod yaml_spans;
