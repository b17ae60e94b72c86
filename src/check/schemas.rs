//! Packages against Microsoft's published schemas (`crate::published_schemas`,
//! docs/schemas.md): every `mainTemplate.json` the model found a package in, and every
//! `createUiDefinition.json`. The checks keep only a pruned copy of a template, so the file
//! is parsed again in full here; a violation the allow-list does not explain is the error
//! `package-schema` at the value, a resource no vendored schema covers the note
//! `package-schema-unchecked` (once per type and API version in a file).

use std::collections::BTreeSet;

use serde_json::Value;

use super::Ctx;
use super::findings::Sink;
use super::schema_read::UI_DEFINITION;
use crate::diagnostic::{Diagnostic, Severity};
use crate::published_schemas::{Report, schemas};

/// The documents of the tree to validate: (doc index, is a createUiDefinition).
pub(super) fn documents(cx: &Ctx<'_>) -> Vec<(usize, bool)> {
    let mut out: Vec<(usize, bool)> = cx.m.packages.iter().map(|p| (p.doc, false)).collect();
    for (i, doc) in cx.m.docs.iter().enumerate() {
        if doc.json.is_ok() && doc.file_name().eq_ignore_ascii_case(UI_DEFINITION) {
            out.push((i, true));
        }
    }
    out.sort_unstable();
    out
}

/// Reports the validation of one document: done as it was read, or done here on its text
/// parsed again.
pub(super) fn check(cx: &Ctx<'_>, doc: usize, ui: bool, sink: &mut Sink) {
    let computed;
    let outcome = match cx.m.docs[doc].schema() {
        Some(outcome) => outcome,
        None => {
            let text = cx.m.docs[doc].text();
            let Ok(mut value) = serde_json::from_str::<Value>(&text) else {
                return;
            };
            computed = schemas().map(|s| {
                if ui {
                    s.validate_ui_definition(&value)
                } else {
                    s.validate_template_in_place(&mut value)
                }
            });
            &computed
        }
    };
    match outcome {
        Ok(report) => report_findings(doc, report, sink),
        // A defect of ccfgen (the vendored files are tested); said once per file.
        Err(e) => sink.at(
            doc,
            &crate::json_spans::JsonPath::root(),
            Diagnostic::new(Severity::Note, "package-schema-unchecked", e.to_string())
                .with_hint("report this: the schemas compiled into ccfgen do not load"),
        ),
    }
}

fn report_findings(doc: usize, report: &Report, sink: &mut Sink) {
    for v in report.unexplained() {
        let within = match &v.resource {
            Some(r) => format!(" ({r})"),
            None => String::new(),
        };
        sink.at(
            doc,
            &v.path,
            Diagnostic::error(
                "package-schema",
                format!("{}{within}, against the published schema", v.message),
            )
            .with_hint(format!(
                "fix the value; the rule is `{}` in Microsoft's published schema (docs/schemas.md says where the schemas lag the service)",
                v.schema
            )),
        );
    }
    let mut seen = BTreeSet::new();
    for u in &report.unchecked {
        if !seen.insert(u.resource.as_str()) {
            continue;
        }
        let count = report
            .unchecked
            .iter()
            .filter(|o| o.resource == u.resource)
            .count();
        let what = if count == 1 {
            "1 resource".to_string()
        } else {
            format!("{count} resources")
        };
        sink.at(
            doc,
            &u.path,
            Diagnostic::new(
                Severity::Note,
                "package-schema-unchecked",
                format!(
                    "{what} of {} not validated against a published schema ({})",
                    u.resource, u.reason
                ),
            )
            .with_hint("only the common resource members are validated for it (docs/schemas.md)"),
        );
    }
}
