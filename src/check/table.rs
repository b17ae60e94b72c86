//! Rules for a custom table file (`Microsoft.OperationalInsights/workspaces/tables`): the
//! table name, `schema.name`, every column name and type, duplicates, the column limit and
//! `TimeGenerated`.

use serde_json::Value;

use super::Ctx;
use super::findings::Sink;
use crate::diagnostic::{Diagnostic, Severity};
use crate::json_get::get;
use crate::json_spans::JsonPath;
use crate::rules;
use ccfgen_base::ColumnType;

/// A member of a column object (`name`, `type`): found by comparing the few keys such an
/// object has instead of hashing the key; a large object is looked up as usual. Keys of a
/// parsed object are unique, so this is `Value::get`.
pub(super) fn member<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let map = v.as_object()?;
    if map.len() > 8 {
        return map.get(key);
    }
    map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
}

/// The `(name, type as written)` columns of a table resource, in order.
pub fn columns(table: &Value) -> Vec<(String, String)> {
    get(table, &["properties", "schema", "columns"])
        .and_then(Value::as_array)
        .map(|cols| {
            cols.iter()
                .map(|c| {
                    let s = |k: &str| {
                        member(c, k)
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    };
                    (s("name"), s("type"))
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn check(cx: &Ctx<'_>, i: usize, sink: &mut Sink) {
    let r = &cx.m.resources[i];
    let doc = r.doc;
    let Some(name) = r.value.get("name").and_then(Value::as_str) else {
        sink.at(
            doc,
            &r.path,
            Diagnostic::error("resource-shape", "the table has no `name`")
                .with_hint("add `\"name\": \"<Table>_CL\"`"),
        );
        return;
    };
    sink.all_at(doc, &r.path.key("name"), rules::naming::table_name(name));
    let schema = r.prop_path(&["schema"]);
    match get(r.properties(), &["schema", "name"]).and_then(Value::as_str) {
        Some(s) if s != name => sink.at(
            doc,
            &schema.key("name"),
            Diagnostic::error(
                "table-schema-name",
                format!("`schema.name` is `{s}` but the table is named `{name}`"),
            )
            .with_hint(format!(
                "both must be the table name: set `schema.name` to `{name}`"
            )),
        ),
        Some(_) => {}
        None => sink.at(
            doc,
            &schema,
            Diagnostic::error(
                "resource-shape",
                "the table has no `properties.schema.name`",
            )
            .with_hint(format!("add `\"name\": \"{name}\"` to the schema")),
        ),
    }
    let Some(cols) = get(r.properties(), &["schema", "columns"]).and_then(Value::as_array) else {
        sink.at(
            doc,
            &schema,
            Diagnostic::error("resource-shape", format!("table `{name}` has no `schema.columns`"))
                .with_hint("list the columns: `\"columns\": [{\"name\": \"TimeGenerated\", \"type\": \"datetime\"}, …]`"),
        );
        return;
    };
    let cols_path = schema.key("columns");
    sink.all_at(doc, &cols_path, rules::limits::table_columns(cols.len()));
    let mut names = Vec::with_capacity(cols.len());
    for (ci, c) in cols.iter().enumerate() {
        let cname = member(c, "name").and_then(Value::as_str).unwrap_or("");
        names.push(cname);
        for d in rules::naming::column_name(cname) {
            sink.at(doc, &cols_path.index(ci).key("name"), d);
        }
        column_type(
            sink,
            doc,
            &cols_path,
            ci,
            cname,
            member(c, "type").and_then(Value::as_str),
        );
    }
    for (first, dup) in rules::naming::duplicates(names.iter().copied()) {
        let how = if names[first] == names[dup] {
            "twice"
        } else {
            "twice (names differ only in case)"
        };
        sink.at(
            doc,
            &cols_path.index(dup).key("name"),
            Diagnostic::error(
                "column-duplicate",
                format!("column `{}` appears in table `{name}` {how}", names[dup]),
            )
            .with_hint(format!(
                "the first is column {} (`{}`); column names must be unique ignoring case",
                first + 1,
                names[first]
            )),
        );
    }
    time_generated(sink, doc, &cols_path, name, cols);
    if !cx.g.writers.contains_key(&i) {
        sink.at(
            doc,
            &r.path.key("name"),
            Diagnostic::new(Severity::Note, "table-unused", format!("no data flow in this solution writes table `{name}`"))
                .with_hint("a DCR data flow writes it with `\"outputStream\": \"Custom-<table>\"`; the official packager still bundles unused tables into the first connector"),
        );
    }
}

fn column_type(
    sink: &mut Sink,
    doc: usize,
    cols_path: &JsonPath,
    ci: usize,
    cname: &str,
    ty: Option<&str>,
) {
    let p = || cols_path.index(ci);
    match ty {
        Some(t) if ColumnType::is_usual_spelling(t) => {}
        Some(t) if ColumnType::parse_table(t).is_some() => sink.at(
            doc,
            &p().key("type"),
            Diagnostic::new(
                Severity::Note,
                "column-type-spelling",
                format!("column `{cname}` has type `{t}`, accepted ignoring case"),
            )
            .with_hint(format!(
                "write `{}` as the Tables API and existing packages do",
                ColumnType::parse_table(t).map_or("", ColumnType::as_str)
            )),
        ),
        Some(t) => sink.at(
            doc,
            &p().key("type"),
            Diagnostic::error(
                "column-type",
                format!("column `{cname}` has type `{t}`, which the Tables API does not know"),
            )
            .with_hint(format!(
                "use one of: {}",
                ColumnType::list(&ColumnType::ALL, ", ")
            )),
        ),
        None => sink.at(
            doc,
            &p(),
            Diagnostic::error("column-type", format!("column `{cname}` has no type")).with_hint(
                format!(
                    "add `\"type\"`: {}",
                    ColumnType::list(&ColumnType::ALL, " or ")
                ),
            ),
        ),
    }
}

fn time_generated(sink: &mut Sink, doc: usize, cols_path: &JsonPath, table: &str, cols: &[Value]) {
    let name_of = |c: &'_ Value| -> String {
        c.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    match cols.iter().position(|c| name_of(c) == "TimeGenerated") {
        Some(ci) => {
            let ty = cols[ci].get("type").and_then(Value::as_str).unwrap_or("");
            if ColumnType::parse_table(ty).is_some_and(|t| t != ColumnType::DateTime) {
                sink.at(
                    doc,
                    &cols_path.index(ci).key("type"),
                    Diagnostic::error("time-generated", format!("`TimeGenerated` is `{ty}`; it must be `datetime`"))
                        .with_hint("set `\"type\": \"datetime\"` and convert the value in the transform (`todatetime(...)`)"),
                );
            }
        }
        None => {
            let near = cols
                .iter()
                .position(|c| name_of(c).eq_ignore_ascii_case("TimeGenerated"));
            let (path, hint) = match near {
                Some(ci) => (cols_path.index(ci).key("name"), "the name is case-sensitive: `TimeGenerated`".to_string()),
                None => (cols_path.clone(), "add `{\"name\": \"TimeGenerated\", \"type\": \"datetime\"}`; every table needs it".to_string()),
            };
            sink.at(
                doc,
                &path,
                Diagnostic::error(
                    "time-generated",
                    format!("table `{table}` has no `TimeGenerated` column"),
                )
                .with_hint(hint),
            );
        }
    }
}
