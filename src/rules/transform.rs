//! A DCR transformation against its input stream and its destination table, with the KQL
//! analyser ([`ccfgen_kql`]): syntax and semantic errors, the documented transformation
//! subset (an unsupported tabular operator is an error, an unlisted function a warning), and
//! the inferred output schema compared with the table (a column the table lacks, a column
//! whose name differs only in case or whose type differs, `TimeGenerated` not produced, and
//! table columns the transform never fills).
//!
//! Findings inside the transform carry the byte range in the KQL text; findings about table
//! columns carry the table column's index. The caller turns both into locations.

use std::ops::Range;

use ccfgen_kql::{Column, ColumnMismatch, DestinationTable, Options, ScalarType, StreamType};

use crate::diagnostic::{Diagnostic, Severity};

/// A transformation to check.
#[derive(Debug, Clone, Copy)]
pub struct Transform<'a> {
    /// The `transformKql` text.
    pub kql: &'a str,
    /// The input stream's columns ([`input_columns`] of the stream declaration).
    pub input: &'a [Column],
    /// The destination table, when it is known: its name and columns with Tables API types
    /// as written (prepared once for all the flows that write it). `None` for a built-in
    /// table whose schema ccfgen does not know.
    pub table: Option<(&'a str, &'a DestinationTable)>,
    /// The table is a built-in one: its columns are optional, so those the transform leaves
    /// out are no finding, and the output columns it lacks are listed in
    /// [`TransformFindings::lacking`] (the service drops them; the caller reports them as
    /// one finding) instead of one `transform-column-missing` each.
    pub builtin: bool,
}

/// What [`check`] found.
#[derive(Debug, Clone, Default)]
pub struct TransformFindings {
    /// Findings about the transform, with the byte range in the KQL text when known.
    pub in_transform: Vec<(Diagnostic, Option<Range<usize>>)>,
    /// Findings about table columns: the column's index in the table and the finding (none
    /// for a built-in table).
    pub in_table: Vec<(usize, Diagnostic)>,
    /// Into a built-in table: the first output columns the table does not have (at most
    /// [`LACKING_SHOWN`]), in output order; [`TransformFindings::lacking_count`] counts them all.
    pub lacking: Vec<String>,
    /// Into a built-in table: how many output columns the table does not have.
    pub lacking_count: usize,
    /// The inferred output columns, when the result is a table.
    pub output: Option<Vec<Column>>,
}

/// How many of the output columns a built-in table lacks are named in findings
/// ([`TransformFindings::lacking`]).
pub const LACKING_SHOWN: usize = 5;

/// The analyser's input columns for a stream declaration ([`input_column`] of each).
pub fn input_columns(stream: &[(String, String)]) -> Vec<Column> {
    stream
        .iter()
        .map(|(name, ty)| input_column(name, ty))
        .collect()
}

/// The analyser's input column for a column of a stream declaration (its type name as
/// written; an unknown name becomes `dynamic`, which the stream type rule reports separately).
pub fn input_column(name: &str, ty: &str) -> Column {
    Column::new(name, StreamType::parse(ty).scalar())
}

/// Checks one transformation.
pub fn check(t: Transform<'_>) -> TransformFindings {
    let mut out = TransformFindings::default();
    let analysis = ccfgen_kql::analyze(t.kql, t.input, &Options::default());
    for d in &analysis.diagnostics {
        let severity = match d.severity {
            ccfgen_kql::Severity::Error => Severity::Error,
            ccfgen_kql::Severity::Warning => Severity::Warning,
        };
        out.in_transform.push((
            Diagnostic::new(
                severity,
                "transform-kql",
                format!("{} ({})", d.message, d.code),
            )
            .with_hint(kql_hint(&d.code)),
            Some(d.span.clone()),
        ));
    }
    for f in &analysis.dcr.errors {
        // the rule also counts `kind=`/`flags=` names; the service limit is about the columns
        if f.extracted
            .is_some_and(|n| n <= ccfgen_kql::MAX_PARSE_COLUMNS)
        {
            continue;
        }
        out.in_transform.push((
            Diagnostic::error(
                "transform-unsupported",
                dcr_message(&f.kind, &f.name, &f.message),
            )
            .with_hint(dcr_hint(&f.kind, &f.name)),
            Some(f.span.clone()),
        ));
    }
    // One warning per unlisted name, at its first use.
    let mut seen: Vec<(&str, &str, usize)> = Vec::new();
    for f in &analysis.dcr.warnings {
        match seen
            .iter_mut()
            .find(|(k, n, _)| *k == f.kind && *n == f.name)
        {
            Some(s) => s.2 += 1,
            None => seen.push((&f.kind, &f.name, 1)),
        }
    }
    for (kind, name, uses) in seen {
        let Some(first) = analysis
            .dcr
            .warnings
            .iter()
            .find(|f| f.kind == kind && f.name == name)
        else {
            continue;
        };
        let mut message = dcr_message(kind, name, &first.message);
        if uses > 1 {
            message.push_str(&format!(" ({uses} uses)"));
        }
        out.in_transform.push((
            Diagnostic::warning("transform-unlisted", message).with_hint(dcr_hint(kind, name)),
            Some(first.span.clone()),
        ));
    }
    let kql_ok = analysis.is_ok();
    out.output = analysis.output;
    let Some((table_name, table)) = t.table else {
        return out;
    };
    if !kql_ok {
        // A query with errors has a guessed schema; comparing it would only add noise.
        return out;
    }
    let Some(output) = out.output.take() else {
        out.in_transform.push((
            Diagnostic::error(
                "transform-kql",
                format!(
                    "the transform does not produce a table ({})",
                    analysis.result_kind
                ),
            )
            .with_hint(
                "a transformation starts with `source` and produces one row per input record",
            ),
            None,
        ));
        return out;
    };
    compare(&mut out, &output, table_name, table, t.builtin);
    out.output = Some(output);
    out
}

fn compare(
    out: &mut TransformFindings,
    output: &[Column],
    table_name: &str,
    table: &DestinationTable,
    builtin: bool,
) {
    let cmp = table.compare_indexed(output);
    let columns = table.columns();
    for &(o, m) in &cmp.mismatch {
        let (name, output_type) = (&output[o].name, output[o].ty);
        let extra = match m {
            ColumnMismatch::MissingInTable => true,
            // The table's spelling is produced too: this one is simply an extra column.
            ColumnMismatch::CaseDiffers { table_column } => {
                let t = &columns[table_column].0;
                output.iter().any(|c| &c.name == t)
            }
            ColumnMismatch::TypeDiffers { .. } => false,
        };
        if extra {
            if builtin {
                if out.lacking.len() < LACKING_SHOWN {
                    out.lacking.push(name.clone());
                }
                out.lacking_count += 1;
            } else {
                out.in_transform
                    .push((missing(name, output_type, table_name), None));
            }
            continue;
        }
        let d = match m {
            ColumnMismatch::MissingInTable => continue, // an extra column, above
            ColumnMismatch::CaseDiffers { table_column } => {
                let t = &columns[table_column].0;
                Diagnostic::error(
                    "transform-column-case",
                    format!("the transform outputs `{name}` but table `{table_name}` has `{t}`: column names are case-sensitive"),
                )
                .with_hint(format!("rename it in the transform (`| project-rename {t} = {}`) or in the table", crate::transform::quote_identifier(name)))
            }
            ColumnMismatch::TypeDiffers { .. } if output_type == ScalarType::Unknown => continue,
            ColumnMismatch::TypeDiffers {
                table_column,
                table_type_as_kusto,
            } => Diagnostic::error(
                "transform-column-type",
                format!(
                    "column `{name}` is {} in the transform output but `{}` in table `{table_name}`",
                    output_type.kusto_name(),
                    columns[table_column].1
                ),
            )
            .with_hint(conversion_hint(name, table_type_as_kusto)),
        };
        out.in_transform.push((d, None));
    }
    let produces_time = output.iter().any(|c| c.name == "TimeGenerated");
    // a built-in table's columns are optional: those not produced are no finding
    let not_in_output = if builtin { &[][..] } else { &cmp.not_in_output };
    for &index in not_in_output {
        let name = &columns[index].0;
        if name == "TimeGenerated" {
            continue;
        }
        out.in_table.push((
            index,
            Diagnostic::warning(
                "table-column-not-produced",
                format!(
                    "table `{table_name}` has column `{name}`, which the transform never produces"
                ),
            )
            .with_hint(format!(
                "produce it in the transform (e.g. `| extend {} = …`) or remove it from the table",
                crate::transform::quote_identifier(name)
            )),
        ));
    }
    let table_has_time = table.has_column("TimeGenerated");
    if table_has_time && !produces_time {
        out.in_transform.push((
            Diagnostic::error(
                "transform-time-generated",
                format!("the transform does not produce `TimeGenerated`, which table `{table_name}` requires"),
            )
            .with_hint("add `| extend TimeGenerated = now()`, or convert the event's own timestamp (`todatetime(...)`)"),
            None,
        ));
    }
}

fn missing(name: &str, output_type: ScalarType, table_name: &str) -> Diagnostic {
    Diagnostic::error(
        "transform-column-missing",
        format!(
            "the transform outputs column `{name}` ({}), which table `{table_name}` does not have",
            output_type.kusto_name()
        ),
    )
    .with_hint(format!(
        "add `{name}` to the table, or drop it in the transform (`| project-away {}`)",
        crate::transform::quote_identifier(name)
    ))
}

fn conversion_hint(name: &str, table_type: ScalarType) -> String {
    let f = match table_type {
        ScalarType::String => "tostring",
        ScalarType::Int => "toint",
        ScalarType::Long => "tolong",
        ScalarType::Real => "toreal",
        ScalarType::Bool => "tobool",
        ScalarType::DateTime => "todatetime",
        ScalarType::Dynamic => "parse_json",
        ScalarType::Guid => "toguid",
        _ => return format!("convert `{name}` in the transform, or change the table column type"),
    };
    let id = crate::transform::quote_identifier(name);
    format!(
        "convert it in the transform (`| extend {id} = {f}({id})`) or change the table column type"
    )
}

fn kql_hint(code: &str) -> String {
    match code {
        "KS142" => "check the column name against the stream declaration (names are case-sensitive; quote odd names as `['name']`)".to_string(),
        "KS228" => "quote the name: `['name']`".to_string(),
        _ => "fix the transformation so that it compiles (Azure rejects the DCR with InvalidTransformQuery)".to_string(),
    }
}

fn dcr_message(kind: &str, name: &str, message: &str) -> String {
    match kind {
        "tabular-operator" => format!("`{name}` is not supported in DCR transformations"),
        "function" => {
            format!("function `{name}` is not in the documented list for DCR transformations")
        }
        "scalar-operator" => {
            format!("operator `{name}` is not in the documented list for DCR transformations")
        }
        _ => message.to_string(),
    }
}

fn dcr_hint(kind: &str, name: &str) -> String {
    match kind {
        "tabular-operator" => "only extend, project, print, where, parse, project-away, project-rename and datatable run once per record; move the rest into the query that reads the table".to_string(),
        "function" => match name {
            "todynamic" => "use `parse_json`, which is listed".to_string(),
            "column_ifexists" => "use `columnifexists`, the documented spelling".to_string(),
            _ => "the service may reject it; prefer a listed function (see the supported KQL features page)".to_string(),
        },
        "scalar-operator" => "rewrite it with listed operators (`==`, `in`, `has`, `contains`, …)".to_string(),
        "dynamic-literal" => "write dynamic literals as `parse_json('…')`".to_string(),
        "parse-columns" => "split the `parse` into several, each extracting at most 10 columns".to_string(),
        "length" => "shorten the transform".to_string(),
        _ => "see the supported KQL features for transformations".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dest(c: &[(&str, &str)]) -> DestinationTable {
        DestinationTable::new(cols(c))
    }

    fn cols(c: &[(&str, &str)]) -> Vec<(String, String)> {
        c.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn rules(f: &TransformFindings) -> Vec<&'static str> {
        f.in_transform
            .iter()
            .map(|(d, _)| d.rule)
            .chain(f.in_table.iter().map(|(_, d)| d.rule))
            .collect()
    }

    #[test]
    fn output_is_compared_with_the_table() {
        let stream = cols(&[("ts", "string"), ("Code", "string"), ("extra", "dynamic")]);
        let table = dest(&[
            ("TimeGenerated", "datetime"),
            ("Code", "int"),
            ("Never", "string"),
        ]);
        let f = check(Transform {
            kql: "source | extend TimeGenerated = todatetime(ts) | project-away ts",
            input: &input_columns(&stream),
            table: Some(("T_CL", &table)),
            builtin: false,
        });
        assert_eq!(
            rules(&f),
            [
                "transform-column-type",
                "transform-column-missing",
                "table-column-not-produced"
            ]
        );
        assert_eq!(f.in_table[0].0, 2);
        let out: Vec<&str> = f
            .output
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(out, ["Code", "extra", "TimeGenerated"]);
    }

    #[test]
    fn time_generated_case_and_subset() {
        let stream = cols(&[("a", "string")]);
        let table = dest(&[("TimeGenerated", "datetime"), ("A", "string")]);
        let f = check(Transform {
            kql: "source",
            input: &input_columns(&stream),
            table: Some(("T_CL", &table)),
            builtin: false,
        });
        assert_eq!(
            rules(&f),
            ["transform-column-case", "transform-time-generated"]
        );
        let f = check(Transform {
            kql: "source | summarize count() by a",
            input: &input_columns(&stream),
            table: None,
            builtin: false,
        });
        assert!(
            rules(&f).contains(&"transform-unsupported"),
            "{:?}",
            rules(&f)
        );
        let f = check(Transform {
            kql: "source | extend b = todynamic(a)",
            input: &input_columns(&stream),
            table: None,
            builtin: false,
        });
        assert_eq!(rules(&f), ["transform-unlisted"]);
        let (d, span) = &f.in_transform[0];
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(
            &"source | extend b = todynamic(a)"[span.clone().unwrap()],
            "todynamic(a)"
        );
    }

    #[test]
    fn parse_counts_extracted_columns_only() {
        let stream = cols(&[("_raw", "string")]);
        let ten: Vec<String> = (0..10).map(|i| format!("C{i}")).collect();
        let kql = format!(
            "source | parse kind=simple _raw with {} \"}}\" *",
            ten.join(" \" \" ")
        );
        let f = check(Transform {
            kql: &kql,
            input: &input_columns(&stream),
            table: None,
            builtin: false,
        });
        assert!(
            f.in_transform.is_empty(),
            "10 columns are allowed: {:?}",
            f.in_transform
        );
        let eleven = format!("source | parse _raw with {} \" \" C10", ten.join(" \" \" "));
        let f = check(Transform {
            kql: &eleven,
            input: &input_columns(&stream),
            table: None,
            builtin: false,
        });
        assert_eq!(rules(&f), ["transform-unsupported"]);
    }

    #[test]
    fn errors_stop_the_comparison() {
        let stream = cols(&[("a", "string")]);
        let table = dest(&[("TimeGenerated", "datetime")]);
        let f = check(Transform {
            kql: "source | extend x = toint(nope)",
            input: &input_columns(&stream),
            table: Some(("T_CL", &table)),
            builtin: false,
        });
        assert_eq!(rules(&f), ["transform-kql"]);
        assert_eq!(f.in_transform[0].0.severity, Severity::Error);
    }

    #[test]
    fn builtin_table_columns_are_optional_and_extras_listed() {
        let stream = cols(&[("a", "string"), ("b", "string"), ("n", "int")]);
        let table = dest(&[
            ("TimeGenerated", "datetime"),
            ("N", "long"),
            ("n", "string"),
            ("Unused", "string"),
        ]);
        let kql = "source | extend TimeGenerated = now()";
        let builtin = check(Transform {
            kql,
            input: &input_columns(&stream),
            table: Some(("Syslog", &table)),
            builtin: true,
        });
        assert_eq!(builtin.lacking, ["a", "b"]);
        assert_eq!(builtin.lacking_count, 2);
        assert!(builtin.in_table.is_empty(), "{:?}", builtin.in_table);
        assert_eq!(rules(&builtin), ["transform-column-type"]);
        // the same transform into a custom table: one finding per extra column, and the
        // table column never produced
        let custom = check(Transform {
            kql,
            input: &input_columns(&stream),
            table: Some(("T_CL", &table)),
            builtin: false,
        });
        assert!(custom.lacking.is_empty());
        assert_eq!(
            rules(&custom),
            [
                "transform-column-missing",
                "transform-column-missing",
                "transform-column-type",
                "table-column-not-produced",
                "table-column-not-produced"
            ]
        );
    }
}
