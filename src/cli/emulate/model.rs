//! What `ccfgen emulate` emulates: the DCRs and stream declarations of a spec (one DCR per
//! connector, one stream per table) or of a solution directory (every
//! `Microsoft.Insights/dataCollectionRules` resource found in the JSON files under
//! `Data Connectors/`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use ccfgen::solution::{Solution, TablePlan};
use ccfgen_base::ColumnType;
use ccfgen_emulator::{StreamColumn, StreamDecl};
use serde_json::Value;

/// The ARM resource type of a data collection rule (compared case-insensitively).
const DCR_TYPE: &str = "Microsoft.Insights/dataCollectionRules";
/// The folder of a solution that holds the connector files.
const CONNECTORS_DIR: &str = "Data Connectors";

/// A DCR to emulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Dcr {
    /// A stable name: the DCR resource name (keys the persisted immutable id).
    pub name: String,
    /// Its stream declarations, with the first data flow of each.
    pub streams: Vec<StreamDecl>,
    /// Whether it feeds an Auxiliary table (the 30-minute `TimeGenerated` rule applies).
    pub auxiliary: bool,
}

/// Everything to emulate, and notes for the user about what was simplified.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Solution name (names the default state directory).
    pub solution: String,
    /// The DCRs in a stable order.
    pub dcrs: Vec<Dcr>,
    /// Things the user should know (e.g. extra data flows that are not emulated).
    pub notes: Vec<String>,
}

/// One DCR per connector of a resolved spec; each table's stream with its columns,
/// `transformKql` and output table.
pub fn from_solution(solution: &Solution) -> Model {
    let dcrs = solution
        .connectors
        .iter()
        .map(|connector| Dcr {
            name: connector.dcr_name.clone(),
            streams: connector
                .tables
                .iter()
                .map(|table| StreamDecl {
                    name: table.stream.clone(),
                    columns: table
                        .stream_columns()
                        .map(|(c, ty)| StreamColumn::new(c.name.clone(), ty.as_str()))
                        .collect(),
                    transform_kql: Some(table.transform.kql.clone()),
                    output_table: Some(format!("Custom-{}", table.name)),
                })
                .collect(),
            auxiliary: connector
                .tables
                .iter()
                .any(|t| t.plan == TablePlan::Auxiliary),
        })
        .collect();
    Model {
        solution: solution.name.clone(),
        dcrs,
        notes: Vec::new(),
    }
}

/// Reads the DCR resources of a solution directory (`<dir>/Data Connectors/**/*.json`, or
/// every JSON file below `dir` when it has no such folder) or of one JSON file.
pub fn from_files(path: &Path) -> anyhow::Result<Model> {
    let files = json_files(path)?;
    let mut model = Model {
        solution: solution_name(path),
        dcrs: Vec::new(),
        notes: Vec::new(),
    };
    for file in &files {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let value: Value = match serde_json::from_str(text.trim_start_matches('\u{feff}')) {
            Ok(v) => v,
            Err(e) => {
                model
                    .notes
                    .push(format!("skipped {} (not JSON: {e})", file.display()));
                continue;
            }
        };
        let mut found = Vec::new();
        collect_dcrs(&value, &mut found);
        for resource in found {
            let index = model.dcrs.len();
            let dcr = read_dcr(resource, file, index, &mut model.notes)?;
            model.dcrs.push(dcr);
        }
    }
    if model.dcrs.is_empty() {
        bail!(
            "no {DCR_TYPE} resource with streamDeclarations found in {}; give a ccfgen.toml, a directory holding one, or a solution directory with `{CONNECTORS_DIR}/`",
            path.display()
        );
    }
    Ok(model)
}

/// The JSON files to scan, in sorted order.
fn json_files(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let connectors = path.join(CONNECTORS_DIR);
    let root = if connectors.is_dir() {
        connectors
    } else {
        path.to_owned()
    };
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.with_context(|| format!("listing {}", root.display()))?;
        let is_json = entry
            .path()
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if entry.file_type().is_file() && is_json {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

fn solution_name(path: &Path) -> String {
    let dir = if path.is_file() {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    std::path::absolute(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "solution".into())
}

/// Every object below `value` that is a DCR resource with stream declarations.
fn collect_dcrs<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            let is_dcr = map
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(DCR_TYPE));
            if is_dcr && value.pointer("/properties/streamDeclarations").is_some() {
                out.push(value);
                return;
            }
            map.values().for_each(|v| collect_dcrs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_dcrs(v, out)),
        _ => {}
    }
}

fn read_dcr(
    resource: &Value,
    file: &Path,
    index: usize,
    notes: &mut Vec<String>,
) -> anyhow::Result<Dcr> {
    let name = resource
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("dcr{index}"));
    let where_ = || format!("{} (DCR {name})", file.display());
    let declarations = resource
        .pointer("/properties/streamDeclarations")
        .and_then(Value::as_object)
        .with_context(|| format!("{}: streamDeclarations is not an object", where_()))?;
    let flows: &[Value] = resource
        .pointer("/properties/dataFlows")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let mut streams = Vec::new();
    for (stream, declaration) in declarations {
        let columns = declaration
            .get("columns")
            .and_then(Value::as_array)
            .with_context(|| format!("{}: stream {stream} has no columns array", where_()))?;
        let columns = columns
            .iter()
            .map(|c| read_column(c).with_context(|| format!("{}: stream {stream}", where_())))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut own_flows = flows.iter().filter(|f| {
            f.get("streams")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(stream.as_str())))
        });
        let first = own_flows.next();
        let extra = own_flows.count();
        if extra > 0 {
            notes.push(format!(
                "stream {stream} of {} has {} data flows; the emulator records the first one's transform and output",
                where_(),
                extra + 1
            ));
        }
        let text = |key: &str| first.and_then(|f| f.get(key)).and_then(Value::as_str);
        streams.push(StreamDecl {
            name: stream.clone(),
            columns,
            transform_kql: text("transformKql").map(str::to_owned),
            output_table: text("outputStream").map(str::to_owned),
        });
    }
    Ok(Dcr {
        name,
        streams,
        auxiliary: false,
    })
}

fn read_column(column: &Value) -> anyhow::Result<StreamColumn> {
    let name = column
        .get("name")
        .and_then(Value::as_str)
        .context("a column has no name")?;
    let type_name = column
        .get("type")
        .and_then(Value::as_str)
        .with_context(|| format!("column {name} has no type"))?;
    let ty = ColumnType::parse_stream(type_name)
        .with_context(|| format!("column {name} has the unknown stream type {type_name:?}"))?;
    Ok(StreamColumn::new(name, ty.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dcr_resources_are_found_in_arrays_and_templates() {
        let value = serde_json::json!([
            {"type": "Microsoft.OperationalInsights/workspaces/tables", "name": "T_CL"},
            {"resources": [{
                "type": "microsoft.insights/dataCollectionRules",
                "name": "MyDCR",
                "properties": {
                    "streamDeclarations": {
                        "Custom-A": {"columns": [
                            {"name": "TimeGenerated", "type": "dateTime"},
                            {"name": "N", "type": "int"}
                        ]}
                    },
                    "dataFlows": [
                        {"streams": ["Custom-A"], "transformKql": "source", "outputStream": "Custom-A_CL"},
                        {"streams": ["Custom-A"], "transformKql": "source | where N > 1", "outputStream": "Custom-B_CL"}
                    ]
                }
            }]}
        ]);
        let mut found = Vec::new();
        collect_dcrs(&value, &mut found);
        assert_eq!(found.len(), 1);
        let mut notes = Vec::new();
        let dcr = read_dcr(found[0], Path::new("x.json"), 0, &mut notes).unwrap();
        assert_eq!(dcr.name, "MyDCR");
        let stream = &dcr.streams[0];
        assert_eq!(stream.name, "Custom-A");
        assert_eq!(
            stream.columns[0],
            StreamColumn::new("TimeGenerated", "datetime")
        );
        assert_eq!(stream.transform_kql.as_deref(), Some("source"));
        assert_eq!(stream.output_table.as_deref(), Some("Custom-A_CL"));
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn unknown_types_are_errors() {
        let err = read_column(&serde_json::json!({"name": "X", "type": "guid"})).unwrap_err();
        assert!(err.to_string().contains("unknown stream type"), "{err}");
    }
}
