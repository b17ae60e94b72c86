//! Handlebars templates for human-facing text (release notes, connector page markdown, the
//! starter spec). Templates live in `templates/` and are embedded in the binary; rendering is
//! strict, so a missing value is an error rather than empty text.

use std::sync::OnceLock;

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason,
};
use serde::Serialize;

/// Every template: (name, file under `templates/`, text).
pub const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "release_notes",
        "ReleaseNotes.md.hbs",
        include_str!("../templates/ReleaseNotes.md.hbs"),
    ),
    (
        "connector/deploy",
        "connector/deploy.md.hbs",
        include_str!("../templates/connector/deploy.md.hbs"),
    ),
    (
        "connector/configure",
        "connector/configure.md.hbs",
        include_str!("../templates/connector/configure.md.hbs"),
    ),
    (
        "package/description",
        "package/description.md.hbs",
        include_str!("../templates/package/description.md.hbs"),
    ),
    (
        "package/connector_step",
        "package/connector_step.md.hbs",
        include_str!("../templates/package/connector_step.md.hbs"),
    ),
    (
        "init/spec",
        "init/ccfgen.toml.hbs",
        include_str!("../templates/init/ccfgen.toml.hbs"),
    ),
    (
        "scaffold/rule",
        "scaffold/rule.yaml.hbs",
        include_str!("../templates/scaffold/rule.yaml.hbs"),
    ),
    (
        "scaffold/hunting",
        "scaffold/hunting.yaml.hbs",
        include_str!("../templates/scaffold/hunting.yaml.hbs"),
    ),
    (
        "scaffold/parser",
        "scaffold/parser.yaml.hbs",
        include_str!("../templates/scaffold/parser.yaml.hbs"),
    ),
    (
        "scaffold/workbook",
        "scaffold/workbook.json.hbs",
        include_str!("../templates/scaffold/workbook.json.hbs"),
    ),
    (
        "scaffold/workbook_metadata",
        "scaffold/workbook-metadata.json.hbs",
        include_str!("../templates/scaffold/workbook-metadata.json.hbs"),
    ),
    (
        "scaffold/watchlist",
        "scaffold/watchlist.json.hbs",
        include_str!("../templates/scaffold/watchlist.json.hbs"),
    ),
];

/// A template failed to render (a bug in ccfgen or in a template).
#[derive(Debug, thiserror::Error)]
#[error("template `{name}` failed to render: {message}")]
pub struct TemplateError {
    /// The template name.
    pub name: String,
    /// What went wrong (with the template line/column when known).
    pub message: String,
}

fn registry() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        hb.register_helper("md_cell", Box::new(md_cell));
        hb.register_helper("toml", Box::new(toml_string));
        for (name, _, text) in TEMPLATES {
            hb.register_template_string(name, *text)
                .unwrap_or_else(|e| panic!("template {name} does not parse: {e}"));
        }
        hb
    })
}

/// Renders template `name` with `data`.
pub fn render(name: &str, data: &impl Serialize) -> Result<String, TemplateError> {
    registry().render(name, data).map_err(|e| TemplateError {
        name: name.to_string(),
        message: e.to_string(),
    })
}

/// `{{md_cell text}}`: text safe inside a markdown table cell (pipes escaped, one line).
fn md_cell(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = param_str(h, "md_cell")?;
    let cell = text.replace('|', "\\|").replace(['\r', '\n'], " ");
    out.write(&cell)?;
    Ok(())
}

/// `{{toml text}}`: the inside of a TOML basic string (quotes, backslashes, controls escaped).
fn toml_string(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    out.write(&toml_basic_string_body(param_str(h, "toml")?))?;
    Ok(())
}

/// The body of a TOML basic string (`"…"`) holding `text`.
pub fn toml_basic_string_body(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn param_str<'a>(h: &'a Helper<'_>, helper: &'static str) -> Result<&'a str, RenderErrorReason> {
    h.param(0)
        .and_then(|p| p.value().as_str())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Renders every template with representative data; a template that uses a value the
    /// data lacks fails here (strict mode).
    #[test]
    fn every_template_renders() {
        let data = json!({
            "notes": [{"version": "3.0.0", "date": "06-11-2025", "change": "a | b\nc"}],
            "multiple_tables": false,
            "application": "the cveBuster scanner",
            "stream": "Custom-X",
            "name": "Contoso \"Alerts\"",
            "publisher_id": "contoso",
            "offer_id": "contoso-push",
            "date": "2025-11-06",
            "id": "ContosoPush",
            "table": "ContosoEvents_CL",
            "stream_base": "ContosoEvents",
            "solution_path": "Contoso%20Alerts",
            "description": "Pushes alerts.",
            "counts": "**Data Connectors:** 1",
            "title": "Contoso (Push)",
            "connector": "ContosoPush",
            "query": "  ContosoEvents_CL",
            "function": "ContosoEvents",
            "heading": "\"## Contoso\"",
            "timechart": "\"ContosoEvents_CL\"",
            "timechart_title": "\"Events\"",
            "top": "\"ContosoEvents_CL\"",
            "top_title": "\"Top\"",
            "template_id": "\"sentinel-Contoso\"",
            "key": "\"Contoso\"",
            "file": "\"Contoso.json\"",
            "provider": "\"Contoso\"",
            "resource_name": "\"[concat(parameters('workspaceName'), '/Microsoft.SecurityInsights/Contoso')]\"",
            "display_name": "\"Contoso hosts\"",
            "source": "\"Contoso.csv\"",
            "items": "\"Host,Note\\r\\nsrv01,x\\r\\n\"",
            "alias": "\"Contoso\"",
        });
        for (name, file, _) in TEMPLATES {
            let text = render(name, &data).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(!text.trim().is_empty(), "{file} rendered nothing");
        }
        let notes = render("release_notes", &data).unwrap();
        assert!(
            notes.contains("| 3.0.0 | 06-11-2025 | a \\| b c |"),
            "{notes}"
        );
        let spec = render("init/spec", &data).unwrap();
        assert!(spec.contains(r#"name = "Contoso \"Alerts\"""#), "{spec}");
    }

    #[test]
    fn strict_mode_rejects_missing_values() {
        let err = render("connector/configure", &json!({"application": "x"})).unwrap_err();
        assert!(err.message.contains("stream"), "{err}");
    }
}
