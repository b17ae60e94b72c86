//! A full KQL query — a connector page's graph, sample, last-data and connectivity queries,
//! an analytic rule, a hunting query, a workbook query, a parser body — compiled with the KQL
//! analyser ([`ccfgen_kql::analyze_query`]) against what it can see: the solution's tables
//! and parser functions plus the bundled catalogue of built-in tables and ASIM functions.
//!
//! Every problem is a finding with the byte range in the query text: a query that does not
//! compile (syntax, unknown column, types) is an error, and so is a table or function name the
//! solution and the catalogue do not know. A construct the analyser does not model is a note
//! that names it: such a query is never reported as passing.
//!
//! Callers choose the rule ids ([`QueryRules`]), so that connector pages and content files
//! report under their own names. `{{placeholder}}`s (the definition's
//! `{{graphQueriesTableName}}`) are substituted before the analysis and findings map back to
//! the written text ([`Substituted`]).

use std::ops::Range;

use ccfgen_kql::{Column, Database, Options, ScalarType, StoredFunction, codes};

use crate::diagnostic::{Diagnostic, Severity};

/// The rule ids a family of queries reports under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryRules {
    /// The query does not compile (error).
    pub kql: &'static str,
    /// A table or function name that is neither the solution's nor built in (error).
    pub unknown: &'static str,
    /// A construct the analyser does not model, named (note).
    pub unmodelled: &'static str,
    /// What the queries are, in messages (`connector page query`).
    pub what: &'static str,
}

/// The connector definition's queries (`graphQueries`, `sampleQueries`,
/// `dataTypes[].lastDataReceivedQuery`, `connectivityCriteria[].value`).
pub const DEFINITION: QueryRules = QueryRules {
    kql: "definition-query",
    unknown: "definition-query-table",
    unmodelled: "definition-query-unmodelled",
    what: "connector page query",
};

/// The database a solution's queries see: its tables (columns with Tables API types as
/// written; an unknown type name becomes `dynamic`, which the table rules report), its parser
/// functions, and the bundled catalogue.
pub fn database<'a>(
    tables: impl IntoIterator<Item = (&'a str, &'a [(String, String)])>,
    functions: impl IntoIterator<Item = StoredFunction>,
) -> Database {
    let mut db = Database::with_catalog();
    for (name, columns) in tables {
        let cols = columns
            .iter()
            .map(|(n, t)| {
                let ty = ScalarType::from_table_api_name(t)
                    .or_else(|| ScalarType::from_kusto_name(&t.to_ascii_lowercase()))
                    .unwrap_or(ScalarType::Dynamic);
                Column::new(n.clone(), ty)
            })
            .collect();
        db.add_table(name, cols);
    }
    for f in functions {
        db.add_function(f);
    }
    db
}

/// Compiles one query; every finding carries the byte range in `kql` when it has one.
pub fn check(
    kql: &str,
    db: &Database,
    rules: &QueryRules,
) -> Vec<(Diagnostic, Option<Range<usize>>)> {
    let analysis = ccfgen_kql::analyze_query(kql, db, &Options::query());
    let mut out = Vec::new();
    for d in &analysis.diagnostics {
        let finding = match d.code.as_str() {
            codes::UNSUPPORTED => Diagnostic::new(
                Severity::Note,
                rules.unmodelled,
                format!(
                    "this {} is not fully checked: {} ({})",
                    rules.what, d.message, d.code
                ),
            )
            .with_hint(
                "ccfgen's analyser does not model this construct; check the query in Log Analytics",
            ),
            codes::UNKNOWN_TABLE | codes::UNKNOWN_FUNCTION => {
                // a custom table must be the solution's; another name may be a built-in
                // table newer than the catalogue
                let name = kql.get(d.span.clone()).unwrap_or("");
                let severity = if name.ends_with("_CL") || d.code == codes::UNKNOWN_FUNCTION {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                Diagnostic::new(
                    severity,
                    rules.unknown,
                    format!("{} ({})", d.message, d.code),
                )
                .with_hint(unknown_hint(kql, &d.span))
            }
            _ => {
                let severity = match d.severity {
                    ccfgen_kql::Severity::Error => Severity::Error,
                    ccfgen_kql::Severity::Warning => Severity::Warning,
                };
                Diagnostic::new(severity, rules.kql, format!("{} ({})", d.message, d.code))
                    .with_hint(query_hint(&d.code, rules))
            }
        };
        out.push((finding, Some(d.span.clone())));
    }
    out
}

fn query_hint(code: &str, rules: &QueryRules) -> String {
    match code {
        "KS142" => "check the name against the table's columns (names are case-sensitive; quote odd names as `['name']`)".to_string(),
        "KS228" => "quote the name: `['name']`".to_string(),
        _ => format!("fix the {} so that it compiles: Log Analytics rejects it as written", rules.what),
    }
}

fn unknown_hint(kql: &str, span: &Range<usize>) -> String {
    let name = kql.get(span.clone()).unwrap_or("");
    if name.ends_with("_CL") {
        format!(
            "`{name}` is neither a table of this solution nor a built-in table: add its table resource (…/workspaces/tables) or fix the name"
        )
    } else {
        format!(
            "`{name}` is neither a table or parser function of this solution nor a built-in table or ASIM function in ccfgen's catalogue (version {}): fix the name; a built-in table newer than the catalogue is reported as a warning",
            ccfgen_kql::catalog::builtin().version
        )
    }
}

/// A text with `{{name}}` placeholders replaced, and the way back to the written text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    /// The text to analyse.
    pub text: String,
    /// Each replacement: its range in `text` and the placeholder's range in the written text.
    replaced: Vec<(Range<usize>, Range<usize>)>,
}

impl Substituted {
    /// Replaces every `{{name}}` whose name `value` knows; the others stay as written.
    pub fn new(written: &str, value: impl Fn(&str) -> Option<String>) -> Substituted {
        let mut text = String::with_capacity(written.len());
        let mut replaced = Vec::new();
        let mut rest = 0;
        while let Some(open) = written[rest..].find("{{").map(|i| rest + i) {
            let Some(close) = written[open..].find("}}").map(|i| open + i) else {
                break;
            };
            let name = written[open + 2..close].trim();
            text.push_str(&written[rest..open]);
            match value(name) {
                Some(v) => {
                    let start = text.len();
                    text.push_str(&v);
                    replaced.push((start..text.len(), open..close + 2));
                }
                None => text.push_str(&written[open..close + 2]),
            }
            rest = close + 2;
        }
        text.push_str(&written[rest..]);
        Substituted { text, replaced }
    }

    /// The written range of a range of the substituted text (inside a replacement: the whole
    /// placeholder).
    pub fn written(&self, range: Range<usize>) -> Range<usize> {
        let map = |offset: usize, end: bool| -> usize {
            let mut delta: isize = 0;
            for (new, old) in &self.replaced {
                if offset < new.start || (!end && offset == new.start && new.is_empty()) {
                    break;
                }
                if offset < new.end || (end && offset == new.end) {
                    return if end { old.end } else { old.start };
                }
                delta += old.len() as isize - new.len() as isize;
            }
            (offset as isize + delta) as usize
        };
        let start = map(range.start, false);
        let end = map(range.end, true).max(start);
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_map_back_to_the_written_text() {
        let written = "{{graphQueriesTableName}} | where x == 1 | project {{col}}, y";
        let s = Substituted::new(written, |n| {
            (n == "graphQueriesTableName").then(|| "Logs_CL".to_string())
        });
        assert_eq!(s.text, "Logs_CL | where x == 1 | project {{col}}, y");
        // inside the replacement: the placeholder
        assert_eq!(s.written(0..7), 0..25);
        // after it: shifted
        let x = s.text.find("x ==").unwrap();
        assert_eq!(&written[s.written(x..x + 1)], "x");
        let y = s.text.rfind('y').unwrap();
        assert_eq!(&written[s.written(y..y + 1)], "y");
    }

    #[test]
    fn unknown_tables_and_unmodelled_constructs_are_findings() {
        let cols = vec![
            ("TimeGenerated".to_string(), "datetime".to_string()),
            ("Msg".to_string(), "string".to_string()),
        ];
        let db = database([("Logs_CL", cols.as_slice())], []);
        assert!(check("Logs_CL | summarize count() by Msg", &db, &DEFINITION).is_empty());
        // built-in tables come from the catalogue
        assert!(check("Syslog | take 10", &db, &DEFINITION).is_empty());
        let f = check("Nope_CL | take 1", &db, &DEFINITION);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0.rule, "definition-query-table");
        assert_eq!(f[0].1, Some(0..7));
        let f = check("Logs_CL | where Nope > 1", &db, &DEFINITION);
        assert_eq!(f[0].0.rule, "definition-query");
        let f = check(
            "Logs_CL | evaluate python(typeof(*), 'x')",
            &db,
            &DEFINITION,
        );
        assert!(
            f.iter()
                .any(|(d, _)| d.rule == "definition-query-unmodelled"
                    && d.severity == Severity::Note
                    && d.message.contains("python")),
            "{f:?}"
        );
    }
}
