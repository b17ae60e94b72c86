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

/// Why `--explain` has nothing to explain in a file.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// The file could not be read or its folder walked.
    #[error(transparent)]
    Check(#[from] CheckError),
    /// The file is not JSON.
    #[error("{} is not JSON ({message} at line {line}, column {column}); --explain takes a DCR file such as DCR.json", path.display())]
    NotJson {
        /// The file.
        path: std::path::PathBuf,
        /// What the parser said.
        message: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
    },
    /// The file holds no data collection rule.
    #[error("{} holds no data collection rule (a `Microsoft.Insights/dataCollectionRules` resource with `dataFlows`); --explain takes a DCR file such as DCR.json", .0.display())]
    NoDcr(std::path::PathBuf),
}

/// Reads the JSON files of `root` and finds `file` among them (adding it when it lies
/// outside): the documents and the index of `file`'s.
pub(crate) fn read_around(
    file: &Path,
    root: &Path,
    threads: usize,
) -> Result<(Vec<Doc>, usize), CheckError> {
    let text = crate::input::read_to_string(file, crate::input::MAX_JSON_BYTES, "a JSON file")
        .map_err(|source| CheckError::Io {
            path: file.to_path_buf(),
            source,
        })?;
    let mut docs = files::read_tree(root, threads).map_err(|source| CheckError::Io {
        path: root.to_path_buf(),
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
    Ok((docs, index))
}

/// Explains every data flow of the DCRs in `file`. The folder holding the file is read to
/// find the tables (its solution's `Data Connectors` folder when it has one).
pub fn explain(file: &Path, threads: usize) -> Result<Value, ExplainError> {
    let root = search_root(file);
    let (docs, index) = read_around(file, &root, threads)?;
    if let Err(files::DocError::Invalid { message, offset }) = &docs[index].json {
        let text = docs[index].text();
        let source = crate::source::SourceFile::new(file, text.into_owned());
        let (line, column) = source.line_col(*offset);
        return Err(ExplainError::NotJson {
            path: file.to_path_buf(),
            message: message.clone(),
            line,
            column,
        });
    }
    let model = Model::build(&docs);
    let graph = Graph::build(&model);
    if !model
        .of_kind(Kind::Dcr)
        .any(|(_, r)| r.doc == index && r.properties().get("dataFlows").is_some())
    {
        return Err(ExplainError::NoDcr(file.to_path_buf()));
    }
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

/// Where the files linked with `file` are looked for: the solution folder above its
/// `Data Connectors` folder, else the file's folder.
pub(crate) fn search_root(file: &Path) -> std::path::PathBuf {
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
