//! Solution content authored as files, in the Azure-Sentinel solution layout and formats:
//! `Analytic Rules/*.yaml` (Scheduled and NRT rules), `Hunting Queries/*.yaml`,
//! `Workbooks/*.json` with their metadata in `Workbooks/WorkbooksMetadata.json` (the repo's
//! `WorkbooksMetadata.json` format), `Parsers/*.yaml` (KQL functions) and `Watchlists/*.json`
//! (the repo's watchlist ARM templates, CSV items in `rawContent`), beside `ccfgen.toml`.
//!
//! The model keeps what the official packager (`createSolutionV3.ps1`, `commonFunctions.ps1`)
//! reads from each file, typed, plus the members it copies verbatim (entity mappings, custom
//! details, …) as JSON in their written order. [`load`] finds the files ([`discover`]), reads
//! YAML through [`crate::yaml_spans`] and JSON with `serde_json`, and converts each into its
//! model; `crate::package::content` packages the result.

mod load;
mod model;

/// The rule id of a content file that cannot be read or lacks a member the packager needs.
pub const RULE: &str = "content-file";

pub use load::{ContentProblem, WORKBOOKS_METADATA, discover, from_texts, load};
pub use model::{
    AnalyticRule, Content, ContentError, HuntingQuery, Parser, ParserParam, RULE_VERBATIM_MEMBERS,
    Section, Watchlist, Workbook, file_key, kind_name, leaf_base, metadata_matches, ps_object_text,
    ps_text,
};
