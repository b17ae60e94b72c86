//! Solution content in `ccfgen check`: the analytic rules, hunting queries, parsers and
//! workbooks of each solution folder (found by [`content_files`]) are read and validated by
//! [`crate::rules::content`] against the solution's connectors and tables, as the
//! Azure-Sentinel PR pipeline validates them; findings are located in the YAML or JSON file.

use std::path::PathBuf;

use super::Finding;
use super::links::Graph;
use super::model::{Kind, Model};
use crate::diagnostic::Location;
use crate::rules::content::{self, ContentFile, ContentKind, Solution};
use crate::scan::walk::Entry;
use crate::source::SourceFile;

/// The content files among the files of a walk of the whole tree
/// ([`crate::scan::Filter::ALL`]), in its order, each with its kind.
pub fn content_files(files: &[Entry]) -> Vec<(&Entry, ContentKind)> {
    files
        .iter()
        .filter_map(|e| ContentKind::of_path(&e.rel).map(|k| (e, k)))
        .collect()
}

/// The solution folder of a content file: the folder above its content folder.
pub fn scope_key(rel: &str) -> &str {
    let mut cut = 0;
    let mut at = 0;
    for part in rel.split('/') {
        let end = at + part.len();
        if end < rel.len() && ContentKind::of_dir(part).is_some() {
            cut = at.saturating_sub(1);
        }
        at = end + 1;
    }
    &rel[..cut]
}

/// Checks the content files of one solution against its model; located findings and the
/// sources of the files that have some.
pub(crate) fn check(
    files: &[(&Entry, ContentKind)],
    model: &Model<'_>,
    graph: &Graph,
) -> (Vec<Finding>, Vec<SourceFile>) {
    let mut read: Vec<(PathBuf, ContentFile)> = Vec::with_capacity(files.len());
    let mut findings = Vec::new();
    for (e, kind) in files {
        match crate::input::read_to_string(&e.path, crate::input::MAX_JSON_BYTES, "a content file")
        {
            Ok(text) => read.push((e.path.clone(), ContentFile::new(e.rel.clone(), *kind, text))),
            Err(why) => findings.push(Finding {
                diagnostic: crate::diagnostic::Diagnostic::error(
                    "file-unreadable",
                    format!("cannot read the file: {why}"),
                )
                .with_hint("save it as UTF-8 text")
                .at(Location::file(&e.path)),
                json_path: None,
            }),
        }
    }
    let (more, sources) = check_read(read, model, graph);
    findings.extend(more);
    (findings, sources)
}

/// Checks content files already read (each with the path findings name) against the
/// solution `model` describes: the one path of solution folders and specs.
pub(crate) fn check_read(
    files: Vec<(PathBuf, ContentFile)>,
    model: &Model<'_>,
    graph: &Graph,
) -> (Vec<Finding>, Vec<SourceFile>) {
    let (paths, read): (Vec<PathBuf>, Vec<ContentFile>) = files.into_iter().unzip();
    let solution = solution_of(model, graph);
    let results = content::check_solution(&read, &solution);
    let mut findings = Vec::new();
    let mut sources = Vec::new();
    for ((path, file), found) in paths.into_iter().zip(read).zip(results) {
        if found.is_empty() {
            continue;
        }
        let source = SourceFile::new(path, file.text);
        for f in found {
            findings.push(Finding {
                diagnostic: f.diagnostic.at(Location::new(&source, f.span)),
                json_path: None,
            });
        }
        sources.push(source);
    }
    (findings, sources)
}

/// The kind of the files of a `[content]` section of a spec (none for `Data Connectors`).
pub fn kind_of_section(section: crate::content::Section) -> Option<ContentKind> {
    use crate::content::Section;
    match section {
        Section::DataConnectors => None,
        Section::Parsers => Some(ContentKind::Parser),
        Section::Workbooks => Some(ContentKind::Workbook),
        Section::AnalyticRules => Some(ContentKind::AnalyticRule),
        Section::HuntingQueries => Some(ContentKind::HuntingQuery),
        Section::Watchlists => Some(ContentKind::Watchlist),
    }
}

/// What content may refer to: the definitions' ids with the tables their connectors write,
/// and the tables with their columns.
fn solution_of(model: &Model<'_>, graph: &Graph) -> Solution {
    let mut solution = Solution::default();
    for (i, r) in model.of_kind(Kind::Definition) {
        let id = r
            .properties()
            .get("connectorUiConfig")
            .and_then(|u| u.get("id"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_else(|| r.name());
        solution.connectors.push(content::Connector {
            id: id.to_string(),
            tables: graph.tables_of_definition(model, i),
        });
    }
    for (_, r) in model.of_kind(Kind::Table) {
        let name = r
            .name()
            .trim_end_matches(['\'', '"', ')', ']'])
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        solution.tables.push((name, super::table::columns(r.value)));
    }
    solution
}
