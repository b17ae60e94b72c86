//! The DCR stream declarations of a solution and their data flows — what `ccfgen emulate`
//! serves: from a resolved spec (one DCR per connector, its streams and data flows) or from files
//! (every `Microsoft.Insights/dataCollectionRules` resource with `streamDeclarations` in the
//! JSON files under `Data Connectors/`, or under the folder when it has none, or in one file;
//! the destination tables' columns from the `workspaces/tables` resources of the same files).

use std::path::Path;

use ccfgen_base::ColumnType;
use serde_json::Value;

use super::kind::{Kind, resources};
use super::walk::{Filter, walk};
use super::{DATA_CONNECTORS, JsonFile};
use crate::solution::{Solution, TablePlan};

/// One input stream of a DCR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// Stream name, e.g. `Custom-MyTable`.
    pub name: String,
    /// Declared columns with their stream types.
    pub columns: Vec<(String, ColumnType)>,
    /// The data flows reading the stream, in DCR order.
    pub flows: Vec<Flow>,
}

/// One data flow of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Its `transformKql` (`source` when the DCR has none).
    pub transform_kql: String,
    /// Its `outputStream`, e.g. `Custom-MyTable_CL` or `Microsoft-Syslog`.
    pub output_stream: String,
    /// The destination table's columns with their types, when its definition was found
    /// (`None` for a built-in table, or a table defined elsewhere).
    pub table_columns: Option<Vec<(String, ColumnType)>>,
}

/// A DCR and its streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dcr {
    /// A stable name: the DCR resource name.
    pub name: String,
    /// Its stream declarations, with the first data flow of each.
    pub streams: Vec<Stream>,
    /// Whether it feeds an Auxiliary table (the 30-minute `TimeGenerated` rule applies).
    pub auxiliary: bool,
}

/// The DCRs of a solution, and notes about what was simplified or skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streams {
    /// Solution name (the spec's, or the folder's).
    pub solution: String,
    /// The DCRs in a stable order.
    pub dcrs: Vec<Dcr>,
    /// Things the user should know (files skipped, extra data flows not emulated).
    pub notes: Vec<String>,
}

/// Why the streams of files could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StreamsError {
    /// The path itself cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A DCR's stream declarations are malformed.
    #[error("{file} (DCR {dcr}): {message}")]
    Invalid {
        /// The file.
        file: String,
        /// The DCR name.
        dcr: String,
        /// What is wrong.
        message: String,
    },
    /// No DCR with stream declarations was found.
    #[error(
        "no {} resource with streamDeclarations found in {}; give a ccfgen.toml, a directory holding one, or a solution directory with `{DATA_CONNECTORS}/`",
        "Microsoft.Insights/dataCollectionRules",
        .0.display()
    )]
    NoDcr(std::path::PathBuf),
}

/// One DCR per connector of a resolved spec; each input stream with its declared columns and
/// its data flows (`transformKql` and output table: custom, or built-in with the catalogue's
/// columns).
pub fn from_solution(solution: &Solution) -> Streams {
    let dcrs = solution
        .connectors
        .iter()
        .map(|connector| Dcr {
            name: connector.dcr_name.clone(),
            streams: connector
                .streams()
                .into_iter()
                .map(|stream| Stream {
                    name: stream.to_string(),
                    columns: connector
                        .stream_declaration(stream)
                        .into_iter()
                        .map(|(c, ty)| (c.name.clone(), ty))
                        .collect(),
                    flows: connector
                        .flow_tables()
                        .filter(|t| t.stream == stream)
                        .map(|table| Flow {
                            transform_kql: table.transform.kql.clone(),
                            output_stream: table.output_stream(),
                            // A built-in table the catalogue lacks has no known schema.
                            table_columns: (!table.is_builtin() || table.builtin_schema_known())
                                .then(|| {
                                    table
                                        .table_columns()
                                        .map(|(c, ty)| (c.name.clone(), ty))
                                        .collect()
                                }),
                        })
                        .collect(),
                })
                .collect(),
            auxiliary: connector
                .tables
                .iter()
                .any(|t| t.settings.plan == TablePlan::Auxiliary),
        })
        .collect();
    Streams {
        solution: solution.name.clone(),
        dcrs,
        notes: Vec::new(),
    }
}

/// Reads the DCRs of a solution folder (`<dir>/Data Connectors/**/*.json`, or every JSON file
/// below `dir` when it has no such folder) or of one JSON file. Files that cannot be read or
/// are not JSON, and entries the walk skipped, become notes.
pub fn read(path: &Path) -> Result<Streams, StreamsError> {
    let connectors = path.join(DATA_CONNECTORS);
    let root = if connectors.is_dir() {
        connectors
    } else {
        path.to_owned()
    };
    let found = walk(&root, Filter::JSON).map_err(|source| StreamsError::Io {
        path: root.clone(),
        source,
    })?;
    let mut streams = Streams {
        solution: solution_name(path),
        dcrs: Vec::new(),
        notes: Vec::new(),
    };
    for s in &found.skipped {
        streams.notes.push(format!(
            "skipped {}: this entry {}",
            s.path.display(),
            s.reason
        ));
    }
    let mut tables: Vec<(String, Vec<(String, ColumnType)>)> = Vec::new();
    for entry in &found.files {
        let file = JsonFile::read(&entry.path, &entry.rel);
        let value = match &file.json {
            Ok(v) => v,
            Err(e) => {
                streams
                    .notes
                    .push(format!("skipped {} ({e})", entry.path.display()));
                continue;
            }
        };
        for (_, found) in resources(value) {
            if found.kind == Kind::Table {
                if let Some(table) = read_table(found.value) {
                    tables.push(table);
                }
                continue;
            }
            if found.kind != Kind::Dcr
                || found
                    .value
                    .pointer("/properties/streamDeclarations")
                    .is_none()
            {
                continue;
            }
            let index = streams.dcrs.len();
            let dcr = read_dcr(found.value, &entry.path, index, &mut streams.notes)?;
            streams.dcrs.push(dcr);
        }
    }
    if streams.dcrs.is_empty() {
        return Err(StreamsError::NoDcr(path.to_path_buf()));
    }
    // Each data flow's table definition, by name (exactly, else ignoring case).
    for flow in streams
        .dcrs
        .iter_mut()
        .flat_map(|d| d.streams.iter_mut())
        .flat_map(|s| s.flows.iter_mut())
    {
        let Some(name) = flow.output_stream.strip_prefix("Custom-") else {
            continue;
        };
        let found = tables
            .iter()
            .find(|(t, _)| t == name)
            .or_else(|| tables.iter().find(|(t, _)| t.eq_ignore_ascii_case(name)));
        flow.table_columns = found.map(|(_, columns)| columns.clone());
    }
    Ok(streams)
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

fn read_dcr(
    resource: &Value,
    file: &Path,
    index: usize,
    notes: &mut Vec<String>,
) -> Result<Dcr, StreamsError> {
    let name = resource
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("dcr{index}"));
    let invalid = |message: String| StreamsError::Invalid {
        file: file.display().to_string(),
        dcr: name.clone(),
        message,
    };
    let declarations = resource
        .pointer("/properties/streamDeclarations")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("streamDeclarations is not an object".into()))?;
    let flows: &[Value] = resource
        .pointer("/properties/dataFlows")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let mut streams = Vec::new();
    for (stream, declaration) in declarations {
        let columns = declaration
            .get("columns")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(format!("stream {stream} has no columns array")))?;
        let columns = columns
            .iter()
            .map(|c| read_column(c).map_err(|m| invalid(format!("stream {stream}: {m}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let own_flows = flows.iter().filter(|f| {
            f.get("streams")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(stream.as_str())))
        });
        let mut stream_flows = Vec::new();
        for flow in own_flows {
            let text = |key: &str| flow.get(key).and_then(Value::as_str);
            // Without outputStream, a stream named after its table (`Custom-X_CL`) writes it.
            let output = text("outputStream").map(str::to_owned).or_else(|| {
                stream
                    .strip_prefix("Custom-")
                    .filter(|t| t.ends_with("_CL"))
                    .map(|_| stream.clone())
            });
            let Some(output_stream) = output else {
                notes.push(format!(
                    "a data flow of stream {stream} in {} (DCR {name}) has no outputStream; it is not emulated",
                    file.display()
                ));
                continue;
            };
            stream_flows.push(Flow {
                transform_kql: text("transformKql").unwrap_or("source").to_owned(),
                output_stream,
                table_columns: None,
            });
        }
        streams.push(Stream {
            name: stream.clone(),
            columns,
            flows: stream_flows,
        });
    }
    Ok(Dcr {
        name,
        streams,
        auxiliary: false,
    })
}

/// A `workspaces/tables` resource's name (the last path segment) and `schema.columns`;
/// `None` when it has no readable columns (a column of an unknown type makes the whole
/// definition unknown).
fn read_table(resource: &Value) -> Option<(String, Vec<(String, ColumnType)>)> {
    let name = resource.get("name").and_then(Value::as_str)?;
    let name = name
        .rsplit('/')
        .next()
        .unwrap_or(name)
        .trim_end_matches(['\'', ')', ']']);
    let columns = resource
        .pointer("/properties/schema/columns")
        .and_then(Value::as_array)?
        .iter()
        .map(|c| {
            let name = c.get("name").and_then(Value::as_str)?;
            let ty = ColumnType::parse_table(c.get("type").and_then(Value::as_str)?)?;
            Some((name.to_owned(), ty))
        })
        .collect::<Option<Vec<_>>>()?;
    Some((name.to_owned(), columns))
}

fn read_column(column: &Value) -> Result<(String, ColumnType), String> {
    let name = column
        .get("name")
        .and_then(Value::as_str)
        .ok_or("a column has no name")?;
    let type_name = column
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("column {name} has no type"))?;
    let ty = ColumnType::parse_stream(type_name)
        .ok_or_else(|| format!("column {name} has the unknown stream type {type_name:?}"))?;
    Ok((name.to_string(), ty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dcr_resources_are_found_in_arrays_and_packages() {
        let dir = tempfile::tempdir().unwrap();
        let dcr = serde_json::json!({
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
        });
        let table = serde_json::json!({
            "type": "Microsoft.OperationalInsights/workspaces/tables",
            "name": "[concat(parameters('workspace'), '/A_CL')]",
            "properties": {"schema": {"name": "A_CL", "columns": [{"name": "TimeGenerated", "type": "dateTime"}]}}
        });
        let package = serde_json::json!({
            "$schema": "x",
            "resources": [{"type": "Microsoft.OperationalInsights/workspaces/providers/contentTemplates",
                           "properties": {"mainTemplate": {"resources": [dcr, table]}}}]
        });
        let array = serde_json::json!([table, dcr]);
        for value in [package, array] {
            let file = dir.path().join("x.json");
            std::fs::write(&file, value.to_string()).unwrap();
            let found = read(&file).unwrap();
            assert_eq!(found.dcrs.len(), 1);
            let d = &found.dcrs[0];
            assert_eq!(d.name, "MyDCR");
            let stream = &d.streams[0];
            assert_eq!(stream.name, "Custom-A");
            assert_eq!(
                stream.columns[0],
                ("TimeGenerated".to_string(), ColumnType::DateTime)
            );
            assert_eq!(stream.flows.len(), 2);
            assert_eq!(stream.flows[0].transform_kql, "source");
            assert_eq!(stream.flows[0].output_stream, "Custom-A_CL");
            assert_eq!(stream.flows[1].output_stream, "Custom-B_CL");
            assert_eq!(
                stream.flows[0].table_columns,
                Some(vec![("TimeGenerated".to_string(), ColumnType::DateTime)])
            );
            assert_eq!(stream.flows[1].table_columns, None);
            assert!(found.notes.is_empty(), "{:?}", found.notes);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_loop_in_a_solution_folder_is_noted_and_walked_once() {
        let dir = tempfile::tempdir().unwrap();
        let connectors = dir.path().join("S/Data Connectors/x");
        std::fs::create_dir_all(&connectors).unwrap();
        let dcr = serde_json::json!({
            "type": "Microsoft.Insights/dataCollectionRules",
            "name": "D",
            "properties": {"streamDeclarations": {"Custom-A": {"columns": [{"name": "A", "type": "string"}]}}}
        });
        std::fs::write(connectors.join("DCR.json"), dcr.to_string()).unwrap();
        std::os::unix::fs::symlink("..", connectors.join("loop")).unwrap();
        let found = read(&dir.path().join("S")).unwrap();
        assert_eq!(found.solution, "S");
        assert_eq!(found.dcrs.len(), 1);
        assert_eq!(found.notes.len(), 1, "{:?}", found.notes);
        assert!(found.notes[0].contains("loop"), "{:?}", found.notes);
    }

    #[test]
    fn unknown_types_are_errors() {
        let err = read_column(&serde_json::json!({"name": "X", "type": "guid"})).unwrap_err();
        assert!(err.contains("unknown stream type"), "{err}");
    }
}
