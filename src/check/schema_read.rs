//! Validation of a package document against Microsoft's published schemas while the
//! reader holds its parsed value (`check::files`), so that a template is not parsed twice;
//! `check::schemas` turns the outcome into findings. Below both in the module graph.

use serde_json::Value;

use crate::published_schemas::{Report, SchemaError, schemas};

/// The file name of an install wizard definition.
pub(super) const UI_DEFINITION: &str = "createUiDefinition.json";

/// A document's validation: the report, or why the schemas could not be used.
pub(crate) type Outcome = Result<Report, &'static SchemaError>;

/// Validates a parsed file if it is one of the documents `check::schemas` picks — a package's
/// `mainTemplate.json` (an ARM template) or a `createUiDefinition.json` — while the reader
/// holds its whole value (`rel` is its path from the root); `None` for any other file.
pub(crate) fn validate(rel: &str, value: &mut Value) -> Option<Outcome> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name.eq_ignore_ascii_case(UI_DEFINITION) {
        Some(schemas().map(|s| s.validate_ui_definition(value)))
    } else if name.eq_ignore_ascii_case(crate::scan::MAIN_TEMPLATE)
        && crate::scan::kind::is_template(value)
    {
        Some(schemas().map(|s| s.validate_template_in_place(value)))
    } else {
        None
    }
}
