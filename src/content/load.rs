//! Finding and reading the content files beside `ccfgen.toml`.
//!
//! Each `[content]` list names files or `*` patterns relative to the spec's folder (`*` matches
//! within one file name; matches are sorted by name). A list that is not written defaults to
//! the section's folder: `Analytic Rules/*.yaml`, `Hunting Queries/*.yaml`,
//! `Workbooks/*.json` (without `WorkbooksMetadata.json`), `Parsers/*.yaml`, `Watchlists/*.json`
//! and `Watchlists/*/*.json` — when the folder exists. `*` may also stand for the last folder of
//! a pattern (`Watchlists/*/*.json`: one folder per watchlist). Every path obeys the path rules
//! ([`crate::safe_path`]): relative, no `..`, no
//! symbolic link out of the folder.

use std::path::Path;

use serde_json::{Map, Value};

use super::model::{
    AnalyticRule, Content, ContentError, HuntingQuery, Parser, Section, Watchlist, Workbook,
    metadata_matches,
};
use crate::spec::model::ContentSpec;
use crate::yaml_spans::{Document, Node, NodeKind};

/// The default workbooks metadata file.
pub const WORKBOOKS_METADATA: &str = "Workbooks/WorkbooksMetadata.json";

/// A problem with a content file or a `[content]` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentProblem {
    /// The `[content]` key at fault (`content.analytic_rules`), when the problem is in the spec.
    pub spec_key: Option<String>,
    /// The file at fault, relative to the spec's folder.
    pub file: Option<String>,
    /// Byte offset, line and column in that file, when known.
    pub at: Option<(usize, u32, u32)>,
    /// What is wrong.
    pub message: String,
}

impl ContentProblem {
    fn spec(key: &str, message: String) -> ContentProblem {
        ContentProblem {
            spec_key: Some(format!("content.{key}")),
            file: None,
            at: None,
            message,
        }
    }

    fn file(file: &str, at: Option<(usize, u32, u32)>, message: String) -> ContentProblem {
        ContentProblem {
            spec_key: None,
            file: Some(file.to_string()),
            at,
            message,
        }
    }
}

/// The spec key of a section's list.
fn spec_key(section: Section) -> &'static str {
    match section {
        Section::AnalyticRules => "analytic_rules",
        Section::HuntingQueries => "hunting_queries",
        Section::Workbooks => "workbooks",
        Section::Parsers => "parsers",
        Section::Watchlists => "watchlists",
        Section::DataConnectors => "order",
    }
}

fn written(spec: &ContentSpec, section: Section) -> Option<&Vec<String>> {
    match section {
        Section::AnalyticRules => spec.analytic_rules.as_ref(),
        Section::HuntingQueries => spec.hunting_queries.as_ref(),
        Section::Workbooks => spec.workbooks.as_ref(),
        Section::Parsers => spec.parsers.as_ref(),
        Section::Watchlists => spec.watchlists.as_ref(),
        Section::DataConnectors => None,
    }
}

/// The content files of each section, relative to `dir`, in packaging order within the
/// section. Problems (an unsafe path, a named file that does not exist) are reported; the
/// other files are still returned.
pub fn discover(
    dir: &Path,
    spec: &ContentSpec,
) -> (Vec<(Section, Vec<String>)>, Vec<ContentProblem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for section in Section::ALL {
        if section == Section::DataConnectors {
            continue;
        }
        let key = spec_key(section);
        let mut files: Vec<String> = Vec::new();
        let patterns: Vec<(String, bool)> = match written(spec, section) {
            Some(list) => list.iter().map(|p| (p.clone(), true)).collect(),
            None if section == Section::Watchlists => vec![
                ("Watchlists/*.json".to_string(), false),
                ("Watchlists/*/*.json".to_string(), false),
            ],
            None => vec![(
                format!("{}/*.{}", section.key(), section.extension()),
                false,
            )],
        };
        for (pattern, explicit) in patterns {
            match expand(dir, &pattern, section) {
                Ok(found) if found.is_empty() && explicit => problems.push(ContentProblem::spec(
                    key,
                    format!("`{pattern}` names no file (relative to {})", dir.display()),
                )),
                Ok(found) => {
                    for f in found {
                        if !files.contains(&f) {
                            files.push(f);
                        }
                    }
                }
                Err(message) => problems.push(ContentProblem::spec(key, message)),
            }
        }
        out.push((section, files));
    }
    (out, problems)
}

/// The files a pattern names: itself, or the matches of a `*` pattern in its last part.
fn expand(dir: &Path, pattern: &str, section: Section) -> Result<Vec<String>, String> {
    let (folder, name) = match pattern.rfind('/') {
        Some(i) => (&pattern[..i], &pattern[i + 1..]),
        None => ("", pattern),
    };
    if folder.contains('*') {
        let (parent, last) = match folder.rfind('/') {
            Some(i) => (&folder[..i], &folder[i + 1..]),
            None => ("", folder),
        };
        if parent.contains('*') {
            return Err(format!(
                "`{pattern}`: `*` may only stand in the file name and the last folder"
            ));
        }
        let parent_path = if parent.is_empty() {
            dir.to_path_buf()
        } else {
            crate::safe_path::resolve_inside(dir, parent)
                .map_err(|e| format!("{e} ({})", e.hint()))?
        };
        let Ok(entries) = std::fs::read_dir(&parent_path) else {
            return Ok(Vec::new());
        };
        let mut folders: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| glob_match(last, n))
            .collect();
        folders.sort();
        let mut out = Vec::new();
        for f in folders {
            let sub = if parent.is_empty() {
                format!("{f}/{name}")
            } else {
                format!("{parent}/{f}/{name}")
            };
            out.extend(expand(dir, &sub, section)?);
        }
        return Ok(out);
    }
    if !name.contains('*') {
        let path = crate::safe_path::resolve_inside(dir, pattern)
            .map_err(|e| format!("{e} ({})", e.hint()))?;
        return if path.is_file() {
            Ok(vec![pattern.to_string()])
        } else {
            Ok(Vec::new())
        };
    }
    let folder_path = if folder.is_empty() {
        dir.to_path_buf()
    } else {
        crate::safe_path::resolve_inside(dir, folder).map_err(|e| format!("{e} ({})", e.hint()))?
    };
    let Ok(entries) = std::fs::read_dir(&folder_path) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| glob_match(name, n))
        .filter(|n| {
            !(section == Section::Workbooks && n.eq_ignore_ascii_case("WorkbooksMetadata.json"))
        })
        .collect();
    names.sort();
    Ok(names
        .into_iter()
        .map(|n| {
            if folder.is_empty() {
                n
            } else {
                format!("{folder}/{n}")
            }
        })
        .collect())
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = (parts[0], &parts[1..]);
    let Some(mut remaining) = name.strip_prefix(first) else {
        return false;
    };
    if rest.is_empty() {
        return remaining.is_empty();
    }
    for (i, part) in rest.iter().enumerate() {
        if i == rest.len() - 1 {
            return remaining.ends_with(part);
        }
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Finds and reads every content file of the solution in `dir`.
pub fn load(dir: &Path, spec: &ContentSpec) -> (Content, Vec<ContentProblem>) {
    let (found, mut problems) = discover(dir, spec);
    let mut files = Vec::new();
    for (section, list) in found {
        for file in list {
            if let Some(text) = read(dir, &file, &mut problems) {
                files.push((section, file, text));
            }
        }
    }
    let mut metadata = None;
    if files.iter().any(|(s, _, _)| *s == Section::Workbooks) {
        let meta_file = spec
            .workbooks_metadata
            .clone()
            .unwrap_or_else(|| WORKBOOKS_METADATA.to_string());
        match crate::safe_path::resolve_inside(dir, &meta_file) {
            Ok(path) if path.is_file() => {
                metadata = read(dir, &meta_file, &mut problems).map(|t| (meta_file, t));
            }
            Ok(_) => problems.push(ContentProblem::spec(
                "workbooks_metadata",
                format!(
                    "the workbooks need their entries in `{meta_file}` (the repo's WorkbooksMetadata.json format: workbookKey, title, description, version, dataTypesDependencies, dataConnectorsDependencies, templateRelativePath, …), which does not exist"
                ),
            )),
            Err(e) => problems.push(ContentProblem::spec(
                "workbooks_metadata",
                format!("{e} ({})", e.hint()),
            )),
        }
    }
    let mut order = Vec::new();
    if let Some(keys) = &spec.order {
        for key in keys {
            match Section::from_key(key) {
                Some(s) if !order.contains(&s) => order.push(s),
                Some(_) => problems.push(ContentProblem::spec(
                    "order",
                    format!("`{key}` is listed twice"),
                )),
                None => problems.push(ContentProblem::spec(
                    "order",
                    format!(
                        "`{key}` is not a content list; use {}",
                        Section::ALL.map(|s| format!("`{}`", s.key())).join(", ")
                    ),
                )),
            }
        }
    }
    let (mut content, more) = from_texts(files, metadata);
    problems.extend(more);
    content.order = order;
    content.analytic_rules_blade_description = spec.analytic_rules_blade_description.clone();
    content.hunting_queries_blade_description = spec.hunting_queries_blade_description.clone();
    content.workbooks_blade_description = spec.workbooks_blade_description.clone();
    content.watchlist_description = spec.watchlist_description.clone();
    (content, problems)
}

/// The content of files already read: `(section, file, text)` in packaging order, and the
/// workbooks metadata file `(file, text)` when there are workbooks.
pub fn from_texts(
    files: Vec<(Section, String, String)>,
    metadata: Option<(String, String)>,
) -> (Content, Vec<ContentProblem>) {
    let mut problems = Vec::new();
    let mut content = Content::default();
    let mut entries: Option<Vec<Map<String, Value>>> = None;
    if let Some((meta_file, text)) = &metadata {
        content.workbooks_metadata_file = Some(meta_file.clone());
        content.workbooks_metadata_text = Some(text.clone());
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(a)) => {
                entries = Some(
                    a.into_iter()
                        .filter_map(|v| v.as_object().cloned())
                        .collect(),
                );
            }
            Ok(_) => problems.push(ContentProblem::file(
                meta_file,
                None,
                "must be a JSON array of workbook entries".into(),
            )),
            Err(e) => problems.push(json_error(meta_file, text, &e)),
        }
    }
    for (section, file, text) in files {
        match section {
            Section::AnalyticRules | Section::HuntingQueries | Section::Parsers => {
                let Some(doc) = spanned(&file, &text, "YAML", &mut problems) else {
                    continue;
                };
                let json = doc.root.to_json();
                let result = match section {
                    Section::AnalyticRules => AnalyticRule::from_json(&file, &text, &json)
                        .map(|r| content.analytic_rules.push(r)),
                    Section::HuntingQueries => HuntingQuery::from_json(&file, &text, &json)
                        .map(|q| content.hunting_queries.push(q)),
                    _ => Parser::from_json(&file, &text, &json).map(|p| content.parsers.push(p)),
                };
                if let Err(errors) = result {
                    problems.extend(errors.into_iter().map(|e| yaml_problem(&doc, e)));
                }
            }
            Section::Workbooks => {
                let doc = match serde_json::from_str::<Value>(&text) {
                    Ok(doc) => doc,
                    Err(e) => {
                        problems.push(json_error(&file, &text, &e));
                        continue;
                    }
                };
                let Some(list) = &entries else {
                    if metadata.is_none() {
                        problems.push(ContentProblem::file(
                            &file,
                            None,
                            format!("a workbook needs its entry in a workbooks metadata file (`{WORKBOOKS_METADATA}`)"),
                        ));
                    }
                    continue;
                };
                let Some(entry) = list.iter().find(|e| metadata_matches(e, &file)) else {
                    problems.push(ContentProblem::file(
                        &file,
                        None,
                        format!(
                            "the workbooks metadata file has no entry whose `templateRelativePath` is `{}`",
                            file.rsplit('/').next().unwrap_or(&file)
                        ),
                    ));
                    continue;
                };
                match Workbook::from_json(&file, &text, &doc, entry.clone()) {
                    Ok(w) => content.workbooks.push(w),
                    Err(errors) => problems.extend(
                        errors
                            .into_iter()
                            .map(|e| ContentProblem::file(&e.file, None, e.message)),
                    ),
                }
            }
            Section::Watchlists => {
                let json = match serde_json::from_str::<Value>(&text) {
                    Ok(json) => json,
                    Err(e) => {
                        problems.push(json_error(&file, &text, &e));
                        continue;
                    }
                };
                // JSON is YAML: the tree with spans places each problem at its member.
                let Some(doc) = spanned(&file, &text, "JSON", &mut problems) else {
                    continue;
                };
                match Watchlist::from_json(&file, &text, &json) {
                    Ok(w) => content.watchlists.push(w),
                    Err(errors) => {
                        problems.extend(errors.into_iter().map(|e| yaml_problem(&doc, e)))
                    }
                }
            }
            Section::DataConnectors => {}
        }
    }
    (content, problems)
}

/// The tree with spans of a content file's text, or its syntax error (`what`: "YAML" or
/// "JSON", as the file is named) added to `problems`.
fn spanned(
    file: &str,
    text: &str,
    what: &str,
    problems: &mut Vec<ContentProblem>,
) -> Option<Document> {
    match Document::parse(text) {
        Ok(doc) => Some(doc),
        Err(e) => {
            problems.push(ContentProblem::file(
                file,
                Some((e.offset, e.pos.line, e.pos.column)),
                format!("not a {what} document: {}", e.message),
            ));
            None
        }
    }
}

/// Reads a content file (at most [`crate::input::MAX_JSON_BYTES`]).
fn read(dir: &Path, file: &str, problems: &mut Vec<ContentProblem>) -> Option<String> {
    let path = match crate::safe_path::resolve_inside(dir, file) {
        Ok(p) => p,
        Err(e) => {
            problems.push(ContentProblem::file(
                file,
                None,
                format!("{e} ({})", e.hint()),
            ));
            return None;
        }
    };
    match crate::input::read_to_string(&path, crate::input::MAX_JSON_BYTES, "a content file") {
        Ok(text) => Some(text),
        Err(e) => {
            problems.push(ContentProblem::file(
                file,
                None,
                format!("cannot read it: {e}"),
            ));
            None
        }
    }
}

fn json_error(file: &str, text: &str, e: &serde_json::Error) -> ContentProblem {
    let (line, column) = (e.line(), e.column());
    let offset = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + column.saturating_sub(1);
    ContentProblem::file(
        file,
        Some((
            offset,
            u32::try_from(line).unwrap_or(1),
            u32::try_from(column).unwrap_or(1),
        )),
        format!("not a JSON document: {e}"),
    )
}

/// A model error placed at its member in the YAML text.
fn yaml_problem(doc: &Document, e: ContentError) -> ContentProblem {
    let mut node: &Node = &doc.root;
    for seg in e.path.split('/').filter(|s| !s.is_empty()) {
        let next = match &node.kind {
            NodeKind::Mapping(_) => node.entry(seg).map(|en| &en.value),
            NodeKind::Sequence(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            NodeKind::Scalar(_) => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    let offset = node.span.start;
    ContentProblem::file(
        &e.file,
        Some((offset, node.pos.line, node.pos.column)),
        e.message,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_names() {
        assert!(glob_match("*.yaml", "a.yaml"));
        assert!(!glob_match("*.yaml", "a.yml"));
        assert!(glob_match("a*b*.json", "aXbY.json"));
        assert!(glob_match("exact.json", "exact.json"));
        assert!(!glob_match("exact.json", "exact.jsonx"));
    }
}
