//! Content carried into the package verbatim: workbooks, analytic rules, parsers, hunting
//! queries, legacy (non-CCF) connectors. ccfgen does not generate these; `ccfgen import` lifts
//! them out of an existing package so that rebuilding it loses nothing.
//!
//! The file (`[package] extra_content`) holds two blocks, one placed before ccfgen's
//! connectors and one after them (the official packager emits content in the order of the
//! data file's keys, with every CCF connector in one block), plus the createUiDefinition steps
//! of that content:
//!
//! ```json
//! {
//!   "before": { "parameters": {}, "variables": {}, "resources": [], "criteria": [], "uiElements": [] },
//!   "after":  { "parameters": {}, "variables": {}, "resources": [], "criteria": [] },
//!   "uiSteps": []
//! }
//! ```
//!
//! `criteria` are the `contentPackages` dependency entries of the content; their `kind`s give
//! the counts in the description (`**Workbooks:** 1`) and the number of legacy data connectors
//! that come before ccfgen's (which shifts the connector numbering, as in the official tool).
//! `uiElements` are createUiDefinition elements of legacy data connectors (they go first in the
//! `dataconnectors` step); `uiSteps` are the other steps (`workbooks`, `analytics`, …).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The verbatim content of a package, around ccfgen's connectors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExtraContent {
    /// Content that comes before ccfgen's connectors.
    #[serde(default, skip_serializing_if = "ContentBlock::is_empty")]
    pub before: ContentBlock,
    /// Content that comes after ccfgen's connectors.
    #[serde(default, skip_serializing_if = "ContentBlock::is_empty")]
    pub after: ContentBlock,
    /// createUiDefinition steps other than `dataconnectors`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ui_steps: Vec<Value>,
}

/// One block of verbatim content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContentBlock {
    /// Top-level template parameters the content adds, in order.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub parameters: Map<String, Value>,
    /// Top-level template variables the content adds, in order.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub variables: Map<String, Value>,
    /// Top-level resources, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Value>,
    /// `contentPackages` dependency criteria of the content, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<Value>,
    /// createUiDefinition `dataconnectors` step elements of legacy connectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ui_elements: Vec<Value>,
}

impl ContentBlock {
    /// Whether the block holds nothing.
    pub fn is_empty(&self) -> bool {
        *self == ContentBlock::default()
    }

    /// How many criteria of `kind` the block has.
    pub fn count(&self, kind: &str) -> usize {
        self.criteria
            .iter()
            .filter(|c| c.get("kind").and_then(Value::as_str) == Some(kind))
            .count()
    }
}

/// Why an extra-content file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ExtraContentError {
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Io(#[from] std::io::Error),
    /// The file is not the expected JSON.
    #[error("it is not an extra-content file: {0}")]
    Json(#[from] serde_json::Error),
}

impl ExtraContent {
    /// Reads an extra-content file.
    pub fn read(path: &Path) -> Result<ExtraContent, ExtraContentError> {
        let text = crate::input::read_to_string(
            path,
            crate::input::MAX_JSON_BYTES,
            "an extra-content file",
        )?;
        Ok(serde_json::from_str(&text)?)
    }

    /// Whether there is nothing in it.
    pub fn is_empty(&self) -> bool {
        *self == ExtraContent::default()
    }

    /// Legacy data connectors placed before ccfgen's (they take the first connector numbers).
    pub fn connectors_before(&self) -> usize {
        self.before.count("DataConnector")
    }

    /// How many criteria of `kind` both blocks hold.
    pub fn count(&self, kind: &str) -> usize {
        self.before.count(kind) + self.after.count(kind)
    }
}
