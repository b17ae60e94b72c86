//! Every query of a solution's content compiled by the KQL analyser
//! ([`crate::rules::query`]) against the solution's tables, its parsers (declared as stored
//! functions for the other queries) and the bundled catalogue: analytic rule and hunting
//! query `query`, each workbook KQL step's `query`, each parser's `FunctionQuery` (with its
//! parameters declared). Findings point inside the YAML or JSON string.

use ccfgen_kql::StoredFunction;

use super::{ContentFile, ContentKind, Finding, Solution, note, other};
use crate::rules::query::{self, QueryRules};
use crate::yaml_spans::Node;

/// The rule ids content queries report under.
pub const CONTENT: QueryRules = QueryRules {
    kql: "content-query",
    unknown: "content-query-table",
    unmodelled: "content-query-unmodelled",
    what: "content query",
};

/// Compiles every content query of the solution; findings are appended to `out` (one list
/// per file, in file order).
pub fn check(files: &[ContentFile], solution: &Solution, out: &mut [Vec<Finding>]) {
    let mut functions = Vec::new();
    for f in files.iter().filter(|f| f.kind == ContentKind::Parser) {
        let Ok(doc) = &f.doc else { continue };
        if let Some((name, params, body)) = other::parser_function(&doc.root) {
            functions.push(StoredFunction::new(
                name,
                &params,
                body.as_str().unwrap_or(""),
            ));
        }
    }
    let db = query::database(
        solution
            .tables
            .iter()
            .map(|(n, c)| (n.as_str(), c.as_slice())),
        functions,
    );
    for (i, f) in files.iter().enumerate() {
        let Ok(doc) = &f.doc else { continue };
        let mut targets: Vec<(&Node, String, usize)> = Vec::new();
        match f.kind {
            ContentKind::AnalyticRule | ContentKind::HuntingQuery => {
                if let Some(q) = doc.root.get("query").filter(|q| q.as_str().is_some()) {
                    targets.push((q, q.as_str().unwrap_or("").to_string(), 0));
                }
            }
            ContentKind::Parser => {
                if let Some((_, params, body)) = other::parser_function(&doc.root) {
                    // the parameters are in scope of the body: declared as `let`s before it
                    let (prefix, tabular) = parameter_lets(&params);
                    if tabular {
                        out[i].push(Finding {
                            diagnostic: note(
                                CONTENT.unmodelled,
                                "this parser takes a tabular parameter: its body is not checked",
                            )
                            .with_hint("check the parser in Log Analytics"),
                            span: body.span.clone(),
                        });
                        continue;
                    }
                    let text = format!("{prefix}{}", body.as_str().unwrap_or(""));
                    targets.push((body, text, prefix.len()));
                }
            }
            ContentKind::Workbook => {
                for q in other::workbook_queries(&doc.root) {
                    targets.push((q, q.as_str().unwrap_or("").to_string(), 0));
                }
            }
            ContentKind::Watchlist => {}
        }
        for (node, text, prefix) in targets {
            if text.trim().is_empty() {
                continue;
            }
            if f.kind == ContentKind::Workbook && has_workbook_parameter(&text) {
                out[i].push(Finding {
                    diagnostic: note(
                        CONTENT.unmodelled,
                        "this workbook query holds `{parameter}` references filled in by the workbook: it is not checked",
                    )
                    .with_hint("ccfgen checks workbook queries without parameters; check this one in the workbook editor"),
                    span: node.span.clone(),
                });
                continue;
            }
            for (d, span) in query::check(&text, &db, &CONTENT) {
                let range = span.map_or(0..0, |s| {
                    s.start.saturating_sub(prefix)..s.end.saturating_sub(prefix)
                });
                let start = doc.scalar_offset(node, range.start);
                let end = doc.scalar_offset(node, range.end).max(start);
                out[i].push(Finding {
                    diagnostic: d,
                    span: start..end,
                });
            }
        }
    }
}

/// `let name = default;` for each scalar parameter of a Kusto parameter list; whether a
/// tabular parameter is among them.
fn parameter_lets(params: &str) -> (String, bool) {
    let inner = params.trim().trim_start_matches('(').trim_end_matches(')');
    if inner.contains("(*)") || inner.contains(":(") {
        return (String::new(), true);
    }
    let mut out = String::new();
    for p in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (decl, default) = match p.split_once('=') {
            Some((d, v)) => (d.trim(), Some(v.trim())),
            None => (p, None),
        };
        let Some((name, ty)) = decl.split_once(':') else {
            continue;
        };
        let (name, ty) = (name.trim(), ty.trim());
        let value = match default {
            Some(v) => v.to_string(),
            None if ty == "string" => "\"\"".to_string(),
            None => format!("{ty}(null)"),
        };
        out.push_str(&format!("let {name} = {value};\n"));
    }
    (out, false)
}

/// Whether a workbook query references a workbook parameter (`{TimeRange}`, `{Workspace:id}`).
fn has_workbook_parameter(q: &str) -> bool {
    let b = q.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'{'
            && b.get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_')
            && q[i + 1..].find('}').is_some_and(|e| {
                q[i + 1..i + 1 + e].bytes().all(|x| {
                    x.is_ascii_alphanumeric()
                        || matches!(x, b'_' | b':' | b'.' | b'-' | b' ' | b'$')
                })
            })
    })
}
