//! `ccfgen check --explain DCR.json`: for every data flow of a DCR file, what the KQL
//! analyser infers — output columns, diagnostics, the DCR-subset verdict and the comparison
//! with the destination table — in the JSON format of the project's Kusto.Language oracle
//! (`shared/tools/kql-oracle`), so the two can be diffed. The table is found the way
//! `ccfgen check` links it: among the table files of the DCR's solution.

use std::path::Path;

use ccfgen_kql::{Case, CaseColumn};
use serde_json::{Map, Value, json};

use super::files::{self, Doc};
use super::links::{Graph, Output};
use super::model::{Kind, Model};
use super::{CheckError, dcr, table};

/// Explains every data flow of the DCRs in `file`. The folder holding the file is read to
/// find the tables (its solution's `Data Connectors` folder when it has one).
pub fn explain(file: &Path, threads: usize) -> Result<Value, CheckError> {
    let text = std::fs::read_to_string(file).map_err(|source| CheckError::Io {
        path: file.to_path_buf(),
        source,
    })?;
    let search_root = search_root(file);
    let mut docs = files::read_tree(&search_root, threads).map_err(|source| CheckError::Io {
        path: search_root.clone(),
        source,
    })?;
    let target = std::fs::canonicalize(file).ok();
    let index = docs
        .iter()
        .position(|d| std::fs::canonicalize(&d.path).ok() == target)
        .unwrap_or_else(|| {
            docs.push(Doc::from_text(file, file.to_string_lossy(), text));
            docs.len() - 1
        });
    if let Err(e) = &docs[index].json {
        return Err(CheckError::Io {
            path: file.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{e:?}")),
        });
    }
    let model = Model::build(&docs);
    let graph = Graph::build(&model);
    let mut flows = Vec::new();
    for (ri, r) in model.of_kind(Kind::Dcr).filter(|(_, r)| r.doc == index) {
        let Some(list) = r.properties().get("dataFlows").and_then(Value::as_array) else {
            continue;
        };
        for (fi, flow) in list.iter().enumerate() {
            let streams: Vec<&str> = flow
                .get("streams")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let input = streams
                .first()
                .and_then(|s| dcr::stream_columns(r.value, s))
                .unwrap_or_default();
            let link = graph
                .flows
                .get(&ri)
                .and_then(|f| f.get(fi))
                .map(|f| &f.output);
            let table = match link {
                Some(Output::Table(t)) => Some(&model.resources[*t]),
                _ => None,
            };
            let case = Case {
                input: input
                    .into_iter()
                    .map(|(name, ty)| CaseColumn { name, ty })
                    .collect(),
                query: flow
                    .get("transformKql")
                    .and_then(Value::as_str)
                    .unwrap_or("source")
                    .to_string(),
                table: table.map(|t| {
                    table::columns(t.value)
                        .into_iter()
                        .map(|(name, ty)| CaseColumn { name, ty })
                        .collect()
                }),
                ..Case::default()
            };
            let mut context = Map::new();
            context.insert("dcr".into(), json!(r.name()));
            context.insert("index".into(), json!(fi));
            context.insert("streams".into(), json!(streams));
            context.insert(
                "outputStream".into(),
                flow.get("outputStream").cloned().unwrap_or(Value::Null),
            );
            context.insert(
                "tableFile".into(),
                table.map_or(Value::Null, |t| json!(docs[t.doc].path.to_string_lossy())),
            );
            let mut answer = ccfgen_kql::analyze_case(&case);
            if let Some(o) = answer.as_object_mut() {
                o.insert("dataFlow".into(), Value::Object(context));
            }
            flows.push(answer);
        }
    }
    Ok(Value::Array(flows))
}

/// The solution folder above `Data Connectors`, else the file's folder.
fn search_root(file: &Path) -> std::path::PathBuf {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.ancestors()
        .find(|a| {
            a.file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case(crate::scan::DATA_CONNECTORS))
        })
        .unwrap_or(dir)
        .to_path_buf()
}
