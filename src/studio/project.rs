//! What the studio shows: the connector pages and findings of a spec, a solution folder, a
//! tree of solutions or one JSON file, read again whenever a file under it changes.
//!
//! A spec is loaded, validated and rendered in memory (nothing is written); its connector
//! definitions are the generated `connectorDefinition.json` files, located under
//! `out/<Solution>/` beside the spec as `ccfgen check` names them. Files are read through
//! [`crate::scan`]. Findings are `ccfgen check`'s, plus notes about what the portal cannot
//! show as written.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::page::{self, ConnectorPage};
use super::render::InlineFinding;
use crate::check::{self, Finding, Options};
use crate::diagnostic::Severity;
use crate::json_spans::{self, JsonPath};
use crate::scan::{self, Kind};
use crate::solution::{Logo, Solution};
use crate::source::SourceFile;

/// Largest logo file the studio serves.
const MAX_LOGO_BYTES: u64 = 1024 * 1024;

/// What `ccfgen studio` was pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A `ccfgen.toml`.
    Spec(PathBuf),
    /// A solution folder, or a folder of solutions.
    Solutions(PathBuf),
    /// One JSON file (a connector definition, a data connector, a package's main template).
    File(PathBuf),
}

/// Why the studio cannot open a path.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The path does not exist.
    #[error("{} does not exist", .0.display())]
    NotFound(PathBuf),
    /// A file that is neither a spec nor JSON.
    #[error("{} is neither a ccfgen.toml nor a JSON file; give a spec, a solution folder or a connector definition", .0.display())]
    Unsupported(PathBuf),
}

impl Target {
    /// What `path` designates: a spec (a `.toml` file, or a folder holding `ccfgen.toml`),
    /// a JSON file, or else a folder of solution files.
    pub fn resolve(path: &Path) -> Result<Target, TargetError> {
        if !path.exists() {
            return Err(TargetError::NotFound(path.to_path_buf()));
        }
        if let Some(spec) = crate::spec::spec_file(path) {
            return Ok(Target::Spec(spec));
        }
        if path.is_dir() {
            return Ok(Target::Solutions(path.to_path_buf()));
        }
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if json {
            Ok(Target::File(path.to_path_buf()))
        } else {
            Err(TargetError::Unsupported(path.to_path_buf()))
        }
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        match self {
            Target::Spec(p) | Target::Solutions(p) | Target::File(p) => p,
        }
    }

    /// A digest of the names, sizes and modification times of every file the view depends
    /// on; it changes when one of them is edited, added or removed.
    pub fn fingerprint(&self) -> u64 {
        let mut h = DefaultHasher::new();
        let mut add = |p: &Path| {
            p.hash(&mut h);
            if let Ok(meta) = std::fs::metadata(p) {
                meta.len().hash(&mut h);
                if let Ok(t) = meta.modified() {
                    t.hash(&mut h);
                }
            }
        };
        match self {
            Target::File(p) => add(p),
            Target::Spec(spec) => {
                add(spec);
                // The logo and extra content sit beside the spec.
                let dir = spec.parent().unwrap_or(Path::new("."));
                if let Ok(entries) = std::fs::read_dir(dir) {
                    let mut files: Vec<PathBuf> = entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_file())
                        .collect();
                    files.sort();
                    files.iter().for_each(|p| add(p));
                }
            }
            Target::Solutions(root) => {
                let filter = scan::Filter {
                    extension: None,
                    skip_tool_dirs: true,
                };
                if let Ok(found) = scan::walk::walk(root, filter) {
                    found.files.iter().for_each(|e| add(&e.path));
                }
            }
        }
        h.finish()
    }
}

/// One connector page and where it comes from.
#[derive(Debug, Clone)]
pub struct PageEntry {
    /// The file holding it (for a spec: where `ccfgen build` would write it).
    pub file: PathBuf,
    /// The file relative to the target, `/`-separated, for display.
    pub rel: String,
    /// JSON path of the `connectorUiConfig` object in the file.
    pub ui_path: JsonPath,
    /// The page.
    pub page: ConnectorPage,
    /// Findings and page notes located inside this page.
    pub findings: Vec<InlineFinding>,
    /// The logo (SVG bytes), when the definition or its solution has one the studio can show.
    pub logo: Option<Arc<Vec<u8>>>,
    /// The file's text when it is not on disk (a spec's generated files).
    pub text: Option<Arc<String>>,
}

/// A finding for the problems list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    /// Severity.
    pub severity: Severity,
    /// Rule id.
    pub rule: String,
    /// Message with hint.
    pub message: String,
    /// `file:line:col`, or the file.
    pub location: String,
    /// The rustc-style rendering with the excerpt.
    pub rendered: String,
    /// Index of the page it is shown on, if any.
    pub page: Option<usize>,
}

/// Everything the studio shows at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The pages, in file order.
    pub pages: Vec<PageEntry>,
    /// Every finding.
    pub problems: Vec<Problem>,
    /// Why nothing (new) could be read, when so (an invalid spec, an unreadable folder).
    pub error: Option<String>,
    /// Whether `pages` are from an earlier, valid version (the spec is invalid now).
    pub stale: bool,
    /// The solution's name.
    pub solution_name: String,
    /// The resolved spec, when the target is a valid spec.
    pub solution: Option<Arc<Solution>>,
    /// The DCR streams (what the emulator serves and the push form targets).
    pub streams: Option<Arc<scan::streams::Streams>>,
}

/// Reads the target. Never fails: what cannot be read is in [`Snapshot::error`] and the
/// problems. `previous` supplies the pages to keep when a spec has become invalid.
pub fn load(target: &Target, previous: Option<&Snapshot>) -> Snapshot {
    let report = check::check_path(
        target.path(),
        Options {
            threads: 1,
            ..Options::default()
        },
    );
    let mut snapshot = match target {
        Target::Spec(spec) => spec_pages(spec),
        Target::Solutions(root) => folder_pages(root),
        Target::File(file) => file_pages(file, file.parent().unwrap_or(Path::new("."))),
    };
    match report {
        Ok(report) => {
            let sources: Vec<&SourceFile> = report.sources.iter().collect();
            for f in &report.findings {
                let page = attach(&mut snapshot.pages, f);
                let source = f
                    .diagnostic
                    .location
                    .as_ref()
                    .and_then(|l| sources.iter().find(|s| s.path() == l.file))
                    .copied();
                snapshot.problems.push(Problem {
                    severity: f.diagnostic.severity,
                    rule: f.diagnostic.rule.to_string(),
                    message: message(f),
                    location: location(f),
                    rendered: crate::diagnostic::render::render(&f.diagnostic, source, false),
                    page,
                });
            }
        }
        Err(e) if snapshot.error.is_none() && snapshot.pages.is_empty() => {
            snapshot.error = Some(e.to_string());
        }
        Err(_) => {}
    }
    for (i, entry) in snapshot.pages.iter_mut().enumerate() {
        page_notes(entry, i, &mut snapshot.problems);
    }
    if snapshot.pages.is_empty()
        && let Some(prev) = previous
        && snapshot.error.is_some()
        && !prev.pages.is_empty()
    {
        snapshot.pages = prev.pages.clone();
        snapshot.stale = true;
        if snapshot.solution.is_none() {
            snapshot.solution = prev.solution.clone();
            snapshot.streams = prev.streams.clone();
        }
    }
    snapshot
}

fn message(f: &Finding) -> String {
    match &f.diagnostic.hint {
        Some(h) => format!("{} (fix: {h})", f.diagnostic.message),
        None => f.diagnostic.message.clone(),
    }
}

fn location(f: &Finding) -> String {
    match &f.diagnostic.location {
        Some(l) if l.span.is_empty() && l.line == 1 && l.column == 1 => {
            l.file.display().to_string()
        }
        Some(l) => l.to_string(),
        None => String::new(),
    }
}

/// Puts a finding on the page it is about; returns that page.
fn attach(pages: &mut [PageEntry], f: &Finding) -> Option<usize> {
    let loc = f.diagnostic.location.as_ref()?;
    let json_path = f.json_path.as_deref()?;
    for (i, entry) in pages.iter_mut().enumerate() {
        if entry.file != loc.file {
            continue;
        }
        let ui = entry.ui_path.to_string();
        let rel = if ui == "$" {
            Some(json_path.to_string())
        } else if json_path == ui {
            Some(String::new())
        } else {
            json_path
                .strip_prefix(&ui)
                .filter(|rest| rest.starts_with('.') || rest.starts_with('['))
                .map(|rest| rest.strip_prefix('.').unwrap_or(rest).to_string())
        };
        if let Some(path) = rel {
            entry.findings.push(InlineFinding {
                path,
                severity: f.diagnostic.severity,
                rule: f.diagnostic.rule.to_string(),
                message: message(f),
                location: location(f),
            });
            return Some(i);
        }
    }
    None
}

/// The page reader's notes as warnings located in the file.
fn page_notes(entry: &mut PageEntry, index: usize, problems: &mut Vec<Problem>) {
    if entry.page.notes.is_empty() {
        return;
    }
    let text = match &entry.text {
        Some(t) => Some(t.to_string()),
        None => {
            crate::input::read_to_string(&entry.file, crate::input::MAX_JSON_BYTES, "a JSON file")
                .ok()
        }
    };
    for note in entry.page.notes.clone() {
        let full = entry.ui_path.join(&note.path);
        let location = match text.as_deref().and_then(|t| {
            json_spans::locate(t, &[&full])
                .into_iter()
                .next()
                .flatten()
                .map(|span| (t, span))
        }) {
            Some((t, span)) => {
                let source = SourceFile::new(entry.file.clone(), t.to_string());
                let (line, col) = source.line_col(span.key.unwrap_or(span.value).start);
                format!("{}:{line}:{col}", entry.file.display())
            }
            None => format!("{} ({full})", entry.file.display()),
        };
        let rel = note.path.to_string();
        let path = if rel == "$" { String::new() } else { rel };
        entry.findings.push(InlineFinding {
            path,
            severity: Severity::Warning,
            rule: "connector-page".into(),
            message: note.message.clone(),
            location: location.clone(),
        });
        problems.push(Problem {
            severity: Severity::Warning,
            rule: "connector-page".into(),
            message: note.message.clone(),
            location: location.clone(),
            rendered: format!(
                "warning[connector-page]: {}\n  --> {location}\n",
                note.message
            ),
            page: Some(index),
        });
    }
}

/// The `connectorUiConfig` objects of a parsed file: data connector definitions and legacy
/// data connectors that carry one, in document order.
fn ui_configs(json: &Value) -> Vec<(JsonPath, &Value)> {
    scan::kind::resources(json)
        .into_iter()
        .filter(|(_, found)| matches!(found.kind, Kind::Definition | Kind::DataConnector))
        .filter_map(|(path, found)| {
            let props = found.value.get("properties")?;
            let (key, ui) = props
                .as_object()?
                .iter()
                .find(|(k, v)| k.eq_ignore_ascii_case("connectorUiConfig") && v.is_object())?;
            Some((path.key("properties").key(key.clone()), ui))
        })
        .collect()
}

/// Values in a template's resources escape a leading `[` as `[[` (ARM): shown unescaped.
fn unescape_arm(value: &Value) -> Value {
    match value {
        Value::String(s) if s.starts_with("[[") => Value::String(s[1..].to_string()),
        Value::Array(items) => Value::Array(items.iter().map(unescape_arm).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), unescape_arm(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn entries_of(
    file: &Path,
    rel: &str,
    json: &Value,
    logo: &dyn Fn(&ConnectorPage) -> Option<Arc<Vec<u8>>>,
) -> Vec<PageEntry> {
    let template = scan::kind::is_template(json);
    ui_configs(json)
        .into_iter()
        .map(|(ui_path, ui)| {
            let page = if template {
                page::read(&unescape_arm(ui))
            } else {
                page::read(ui)
            };
            PageEntry {
                file: file.to_path_buf(),
                rel: rel.to_string(),
                ui_path,
                logo: logo(&page),
                page,
                findings: Vec::new(),
                text: None,
            }
        })
        .collect()
}

fn spec_pages(spec: &Path) -> Snapshot {
    let mut snapshot = Snapshot::default();
    let (solution, loaded, _) = match crate::load::solution(spec) {
        Ok(ok) => ok,
        Err(crate::spec::LoadError::Invalid { diagnostics, .. }) => {
            snapshot.error = Some(format!(
                "{} is invalid ({} errors): the preview shows the last valid version",
                spec.display(),
                diagnostics.count(Severity::Error)
            ));
            return snapshot;
        }
        Err(e) => {
            snapshot.error = Some(e.to_string());
            return snapshot;
        }
    };
    let artifacts = match crate::artifacts::render_connector_artifacts(&solution) {
        Ok(a) => a,
        Err(e) => {
            snapshot.error = Some(format!("rendering the connector files: {e}"));
            return snapshot;
        }
    };
    let dir = loaded
        .source
        .path()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let out = dir.join("out").join(&solution.name);
    let logo = solution.logo.as_ref().and_then(logo_bytes).map(Arc::new);
    for (rel, bytes) in artifacts.iter() {
        if !rel.ends_with(".json") || !rel.starts_with(scan::DATA_CONNECTORS) {
            continue;
        }
        let Ok(json) = serde_json::from_slice::<Value>(bytes) else {
            continue;
        };
        let file = out.join(rel);
        let text = Arc::new(String::from_utf8_lossy(bytes).into_owned());
        for mut entry in entries_of(&file, rel, &json, &|_| logo.clone()) {
            entry.text = Some(text.clone());
            snapshot.pages.push(entry);
        }
    }
    snapshot.solution_name = solution.name.clone();
    snapshot.streams = Some(Arc::new(scan::streams::from_solution(&solution)));
    snapshot.solution = Some(Arc::new(solution));
    snapshot
}

fn folder_pages(root: &Path) -> Snapshot {
    let mut snapshot = Snapshot::default();
    let dirs = match scan::solution_dirs(root) {
        Ok((dirs, _)) => dirs,
        Err(e) => {
            snapshot.error = Some(format!("reading {}: {e}", root.display()));
            return snapshot;
        }
    };
    if dirs.is_empty() {
        // Not a solution layout: every JSON file below the root.
        if let Ok(found) = scan::walk::walk(root, scan::Filter::JSON) {
            for entry in found.files {
                if let Ok(json) = scan::read_json(&entry.path) {
                    snapshot
                        .pages
                        .extend(entries_of(&entry.path, &entry.rel, &json, &|page| {
                            page.logo.as_deref().and_then(|l| logo_in(root, l))
                        }));
                }
            }
        }
    }
    for dir in &dirs {
        let folder = match scan::SolutionFolder::read(dir) {
            Ok(f) => f,
            Err(e) => {
                snapshot.error = Some(format!("reading {}: {e}", dir.display()));
                continue;
            }
        };
        let prefix = dir
            .strip_prefix(root)
            .ok()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .filter(|p| !p.is_empty());
        let rel_of = |rel: &str| match &prefix {
            Some(p) => format!("{p}/{rel}"),
            None => rel.to_string(),
        };
        let data_logo = solution_logo(&folder, root);
        for f in &folder.connector_files {
            if let Ok(json) = &f.json {
                let rel = rel_of(&f.rel);
                snapshot
                    .pages
                    .extend(entries_of(&f.path, &rel, json, &|page| {
                        page_logo(page, &folder, root).or_else(|| data_logo.clone())
                    }));
            }
        }
        if let Ok(Some(main)) = folder.find(&format!("{}/{}", scan::PACKAGE, scan::MAIN_TEMPLATE)) {
            let path = folder.path(main);
            if let Ok(json) = scan::read_json(&path) {
                let rel = rel_of(main);
                snapshot
                    .pages
                    .extend(entries_of(&path, &rel, &json, &|page| {
                        page_logo(page, &folder, root).or_else(|| data_logo.clone())
                    }));
            }
        }
    }
    snapshot.solution_name = match dirs.as_slice() {
        [one] => one
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    if dirs.len() <= 1 {
        snapshot.streams = scan::streams::read(root).ok().map(Arc::new);
    }
    snapshot
}

fn file_pages(file: &Path, dir: &Path) -> Snapshot {
    let mut snapshot = Snapshot::default();
    let rel = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match scan::read_json(file) {
        Ok(json) => {
            snapshot.pages = entries_of(file, &rel, &json, &|page| {
                page.logo.as_deref().and_then(|l| logo_in(dir, l))
            });
            if snapshot.pages.is_empty() {
                snapshot.error = Some(format!(
                    "{} holds no connector definition (no connectorUiConfig)",
                    file.display()
                ));
            }
        }
        Err(e) => snapshot.error = Some(format!("{}: {e}", file.display())),
    }
    snapshot.solution_name = rel;
    snapshot.streams = scan::streams::read(file).ok().map(Arc::new);
    snapshot
}

/// The SVG of a spec's logo (an URL is not fetched).
fn logo_bytes(logo: &Logo) -> Option<Vec<u8>> {
    match logo {
        Logo::Svg(svg) => Some(svg.as_bytes().to_vec()),
        Logo::Html(html) => svg_in(html),
        Logo::Url(_) => None,
    }
}

/// Inline `<svg …>…</svg>` markup in a text.
fn svg_in(text: &str) -> Option<Vec<u8>> {
    let start = text.find("<svg")?;
    let end = text.rfind("</svg>")? + "</svg>".len();
    (end > start).then(|| text.as_bytes()[start..end].to_vec())
}

/// A definition's `logo`: inline SVG, or a file name found in the solution folder or in a
/// `Logos/` folder at the root (the Azure-Sentinel layout keeps logos there).
fn page_logo(
    page: &ConnectorPage,
    folder: &scan::SolutionFolder,
    root: &Path,
) -> Option<Arc<Vec<u8>>> {
    let logo = page.logo.as_deref()?;
    logo_in(&folder.root, logo).or_else(|| logo_in(&root.join("Logos"), logo))
}

/// The solution's logo from its data file (`"Logo": "<img src=\".../Logos/X.svg\" …>"`),
/// looked up in `Logos/` under the root.
fn solution_logo(folder: &scan::SolutionFolder, root: &Path) -> Option<Arc<Vec<u8>>> {
    for f in &folder.data_files {
        let Ok(json) = &f.json else { continue };
        let Some(logo) = json
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("Logo")))
            .and_then(|(_, v)| v.as_str())
        else {
            continue;
        };
        if let Some(svg) = svg_in(logo) {
            return Some(Arc::new(svg));
        }
        if let Some(name) = logo
            .split(['"', '\''])
            .find(|s| s.to_ascii_lowercase().ends_with(".svg"))
            .and_then(|src| src.rsplit('/').next())
            && let Some(svg) = logo_in(&root.join("Logos"), name)
        {
            return Some(svg);
        }
    }
    None
}

/// `logo` when it is inline SVG, or the SVG file of that name directly in `dir` (a name
/// that breaks the path rules, a link and a large file are not read).
fn logo_in(dir: &Path, logo: &str) -> Option<Arc<Vec<u8>>> {
    if let Some(svg) = svg_in(logo) {
        return Some(Arc::new(svg));
    }
    let name = logo.trim();
    if crate::safe_path::check_name(name).is_err() || !name.to_ascii_lowercase().ends_with(".svg") {
        return None;
    }
    let path = dir.join(name);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > MAX_LOGO_BYTES {
        return None;
    }
    std::fs::read(&path).ok().map(Arc::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
    }

    #[test]
    fn a_spec_gives_its_definition_page() {
        let target = Target::resolve(&examples().join("cvebuster")).unwrap();
        let snap = load(&target, None);
        assert_eq!(snap.error, None);
        assert_eq!(snap.pages.len(), 1);
        let page = &snap.pages[0];
        assert_eq!(page.page.title, "cveBuster Vulnerability Scanner (Push)");
        assert!(page.logo.is_some());
        assert_eq!(page.ui_path.to_string(), "properties.connectorUiConfig");
        assert!(snap.solution.is_some());
    }

    #[test]
    fn an_invalid_spec_keeps_the_last_pages() {
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("ccfgen.toml");
        std::fs::copy(examples().join("contoso/ccfgen.toml"), &spec).unwrap();
        let target = Target::resolve(&spec).unwrap();
        let good = load(&target, None);
        assert_eq!(good.pages.len(), 1, "{:?}", good.error);
        std::fs::write(&spec, "[solution]\nname = 3\n").unwrap();
        let bad = load(&target, Some(&good));
        assert!(bad.stale);
        assert!(bad.error.is_some());
        assert_eq!(bad.pages.len(), 1);
        assert!(!bad.problems.is_empty());
    }
}
