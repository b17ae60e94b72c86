//! The starter spec `ccfgen init` writes: a complete, valid, commented `ccfgen.toml`; and
//! [`scaffold`], the starter content files `ccfgen init` and `ccfgen new` write beside it.

pub mod scaffold;

use serde_json::json;

use crate::templates::{self, TemplateError};

/// The starter spec for a solution called `name`, dated `date` (`YYYY-MM-DD`).
pub fn starter_spec(name: &str, date: &str) -> Result<String, TemplateError> {
    let ident: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let lower = ident.to_ascii_lowercase();
    let base = if ident.is_empty() {
        "My".to_string()
    } else {
        ident.clone()
    };
    templates::render(
        "init/spec",
        &json!({
            "name": name,
            "publisher_id": if lower.is_empty() { "publisher".to_string() } else { lower.clone() },
            "offer_id": format!("{}-push-connector", if lower.is_empty() { "solution" } else { &lower }),
            "date": date,
            "id": format!("{base}Push"),
            "table": format!("{base}Events_CL"),
            "stream_base": format!("{base}Events"),
        }),
    )
}
