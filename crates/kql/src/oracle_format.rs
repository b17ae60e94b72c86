//! The kql-oracle's JSON case/answer format (`shared/tools/kql-oracle/README.md`), so our answers
//! can be diffed against Microsoft's Kusto.Language key by key.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::compare::{Mismatch, compare_with_table};
use crate::diag::{LineIndex, Severity};
use crate::types::StreamType;
use crate::{Column, Options, analyze};

/// A column as written in a case: a name and a type name (stream or Tables API vocabulary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseColumn {
    /// Column name.
    pub name: String,
    /// Type name as written (`string`, `dateTime`, `boolean`, `guid` ...).
    #[serde(rename = "type")]
    pub ty: String,
}

/// `options` of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseOptions {
    /// Declare the transformation-only functions (default true).
    #[serde(
        rename = "dcrFunctions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dcr_functions: Option<bool>,
    /// Produce the `dcr` section (default true).
    #[serde(rename = "dcrCheck", default, skip_serializing_if = "Option::is_none")]
    pub dcr_check: Option<bool>,
}

/// A column of a database table in a case: `name`/`type`, or `Name`/`Type` as in
/// Azure-Sentinel's `CustomTables/*.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseTableColumn {
    /// Column name.
    #[serde(alias = "Name")]
    pub name: String,
    /// Type name (Kusto or Tables API spelling, case-insensitive; unknown names become
    /// `dynamic`, as in the oracle).
    #[serde(rename = "type", alias = "Type")]
    pub ty: String,
}

/// A stored function in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFunction {
    /// Function name.
    pub name: String,
    /// Parameter list in Kusto declaration syntax (`()` when absent).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub parameters: String,
    /// Body.
    pub body: String,
}

/// `database` of a case: tables and stored functions for full queries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDatabase {
    /// Table name → columns, in declaration order (the order wildcards match in).
    #[serde(default)]
    pub tables: indexmap::IndexMap<String, Vec<CaseTableColumn>>,
    /// Stored functions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<CaseFunction>,
    /// Also declare the bundled catalogue's tables and functions (the recording script
    /// expands them into `tables`/`functions` for the oracle).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub catalog: bool,
}

impl CaseDatabase {
    /// The analyser's database for this case.
    pub fn to_database(&self) -> crate::Database {
        let mut db = if self.catalog {
            crate::Database::with_catalog()
        } else {
            crate::Database::new()
        };
        for (name, cols) in &self.tables {
            let cols = cols
                .iter()
                .map(|c| Column::new(c.name.clone(), StreamType::parse(&c.ty).scalar()))
                .collect();
            db.add_table(name.clone(), cols);
        }
        for f in &self.functions {
            db.add_function(crate::StoredFunction::new(
                f.name.clone(),
                &f.parameters,
                &f.body,
            ));
        }
        db
    }
}

/// One oracle case: the stream columns, the query and optionally the destination table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The stream declaration's columns (the `source` table).
    #[serde(default)]
    pub input: Vec<CaseColumn>,
    /// The transformation text.
    #[serde(default)]
    pub query: String,
    /// The destination table's columns with Tables API types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<Vec<CaseColumn>>,
    /// Options.
    #[serde(default)]
    pub options: CaseOptions,
    /// Tables and stored functions (full queries). With a database, `source` exists only when
    /// `input` is not empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<CaseDatabase>,
}

/// Analyses a case and answers in the oracle's output format (the `oracle` stamp names this
/// engine instead of Kusto.Language).
pub fn analyze_case(case: &Case) -> Value {
    let mut input_problems = Vec::new();
    let input: Vec<Column> = case
        .input
        .iter()
        .map(|c| {
            let st = StreamType::parse(&c.ty);
            let message = match &st {
                StreamType::Documented(_) => None,
                StreamType::Undocumented(_) => Some(format!(
                    "type '{}' is not among the documented DCR stream types (string, int, long, real, boolean, dynamic, datetime)",
                    c.ty
                )),
                StreamType::KustoOnly(_) => Some(format!("type '{}' is a Kusto type but not a DCR stream type", c.ty)),
                StreamType::Unknown => Some(format!("unknown type '{}'; column declared as dynamic", c.ty)),
            };
            if let Some(message) = message {
                input_problems.push(json!({ "column": c.name, "type": c.ty, "message": message }));
            }
            Column::new(c.name.clone(), st.scalar())
        })
        .collect();
    let options = Options {
        dcr_functions: case.options.dcr_functions != Some(false),
        dcr_check: case.options.dcr_check != Some(false),
    };
    let analysis = match &case.database {
        None => analyze(&case.query, &input, &options),
        Some(d) => {
            let mut db = d.to_database();
            if !input.is_empty() {
                db.add_table("source", input.clone());
            }
            crate::analyze_query(&case.query, &db, &options)
        }
    };
    let index = LineIndex::new(&case.query);

    let mut out = Map::new();
    out.insert(
        "oracle".into(),
        json!({ "engine": "ccfgen-kql", "version": env!("CARGO_PKG_VERSION") }),
    );
    out.insert("ok".into(), json!(analysis.is_ok()));
    let diagnostics: Vec<Value> = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let start = index.utf16_offset(d.span.start);
            let end = index.utf16_offset(d.span.end);
            json!({
                "severity": match d.severity { Severity::Error => "Error", Severity::Warning => "Warning" },
                "code": d.code,
                "message": d.message,
                "start": start,
                "length": end - start,
                "line": d.line,
                "column": d.column,
            })
        })
        .collect();
    out.insert("diagnostics".into(), Value::Array(diagnostics));
    match &analysis.output {
        Some(cols) => {
            let cols: Vec<Value> = cols
                .iter()
                .map(|c| json!({ "name": c.name, "type": c.ty.kusto_name(), "tableApiType": c.ty.table_api_name() }))
                .collect();
            out.insert("output".into(), Value::Array(cols));
        }
        None => {
            out.insert("output".into(), Value::Null);
            out.insert("resultKind".into(), json!(analysis.result_kind));
        }
    }
    if !input_problems.is_empty() {
        out.insert("inputProblems".into(), Value::Array(input_problems));
    }
    if let Some(table) = &case.table {
        let table: Vec<(String, String)> = table
            .iter()
            .map(|c| (c.name.clone(), c.ty.clone()))
            .collect();
        let cmp = compare_with_table(analysis.output.as_deref().unwrap_or(&[]), &table);
        out.insert(
            "mismatch".into(),
            Value::Array(cmp.mismatch.iter().map(mismatch_json).collect()),
        );
        out.insert(
            "tableColumnsNotInOutput".into(),
            json!(cmp.table_columns_not_in_output),
        );
        if !cmp.table_problems.is_empty() {
            out.insert(
                "tableProblems".into(),
                serde_json::to_value(&cmp.table_problems).unwrap_or(Value::Null),
            );
        }
    }
    if options.dcr_check {
        out.insert("dcr".into(), analysis.dcr.to_json(&case.query));
    }
    Value::Object(out)
}

fn mismatch_json(m: &Mismatch) -> Value {
    match m {
        Mismatch::MissingInTable { name, output_type } => {
            json!({ "name": name, "kind": "missing_in_table", "outputType": output_type.kusto_name() })
        }
        Mismatch::CaseDiffers {
            name,
            output_type,
            table_name,
        } => {
            json!({ "name": name, "kind": "case_differs", "outputType": output_type.kusto_name(), "tableName": table_name })
        }
        Mismatch::TypeDiffers {
            name,
            output_type,
            table_type,
            table_type_as_kusto,
        } => json!({
            "name": name,
            "kind": "type_differs",
            "outputType": output_type.kusto_name(),
            "tableType": table_type,
            "tableTypeAsKusto": table_type_as_kusto.kusto_name(),
        }),
    }
}
