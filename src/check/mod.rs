//! `ccfgen check`: the CI gate proving that the files of CCF connectors agree — connector
//! definition ↔ data connector ↔ DCR ↔ table, the DCR transforms against their streams and
//! tables (with the KQL analyser), and the solution package against its sources.
//!
//! The pipeline: [`files`] reads and parses every `*.json` of a tree once, on all cores;
//! [`model`] says what each file holds; [`links`] follows the references between them; the
//! rule modules (`table`, `dcr`, `connector`, `package`) apply the platform rules of
//! [`crate::rules`] to every resource, in parallel; `findings` locates each finding inside
//! its JSON file (file:line:col) only for files that have findings. [`spec`] runs the same
//! checks on what a `ccfgen.toml` would generate; [`output`] writes JSON and SARIF. With
//! `--sample N`, `runtime` runs each transformation on generated records.

pub mod catalog;
mod connector;
pub mod content;
mod dcr;
pub mod explain;
pub mod files;
mod findings;
pub mod links;
pub mod model;
pub mod output;
mod package;
mod runtime;
mod schema_read;
mod schemas;
pub mod spec;
mod table;

use std::path::{Path, PathBuf};

pub use findings::Finding;
use findings::Sink;
use links::Graph;
use model::{Kind, Model};

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;

/// How to run a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Worker threads for reading, parsing and checking.
    pub threads: usize,
    /// Run each data flow's transformation on this many generated records and report runtime
    /// defects (the `runtime` module); 0 does not run them.
    pub sample: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            threads: files::default_threads(),
            sample: 0,
        }
    }
}

/// Counts of what was checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// JSON files read.
    pub files: usize,
    /// Bytes of JSON read.
    pub bytes: usize,
    /// Connectors found (linked groups of definition, data connectors, DCRs and tables).
    pub connectors: usize,
    /// CCF resources found.
    pub resources: usize,
    /// DCR data flows checked.
    pub flows: usize,
    /// Package templates compared with their sources.
    pub packages: usize,
    /// Content files checked (analytic rules, hunting queries, parsers, workbooks).
    pub content: usize,
}

/// The result of a check: located findings in a stable order, the text of every file a
/// finding points into (for excerpts), and counts.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// What was checked (the path as given).
    pub root: PathBuf,
    /// The findings, sorted by file and position.
    pub findings: Vec<Finding>,
    /// Source text of the files with findings.
    pub sources: Vec<SourceFile>,
    /// Counts.
    pub stats: Stats,
}

impl Report {
    /// Number of findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.diagnostic.severity == severity)
            .count()
    }

    /// Whether the check fails: any error, or any warning when `deny_warnings`.
    pub fn fails(&self, deny_warnings: bool) -> bool {
        self.count(Severity::Error) > 0 || (deny_warnings && self.count(Severity::Warning) > 0)
    }

    /// The findings as plain diagnostics.
    pub fn diagnostics(&self) -> crate::diagnostic::Diagnostics {
        self.findings
            .iter()
            .map(|f| f.diagnostic.clone())
            .collect::<Vec<_>>()
            .into()
    }
}

/// Why a check could not run at all (findings about files are never errors).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The tree could not be walked.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The path does not exist.
    #[error("{} does not exist", .0.display())]
    NotFound(PathBuf),
    /// Nothing under the path is a CCF resource, a package or a spec: a CI gate pointed at
    /// the wrong place must fail, not pass.
    #[error(
        "nothing to check under {}: {}; give a ccfgen.toml (or a folder holding one), a solution folder or a Solutions/ tree",
        path.display(),
        match files {
            0 => "it holds no JSON file and no ccfgen.toml".to_string(),
            1 => "its one JSON file is not a CCF resource (table, DCR, connector definition, data connector) nor a package".to_string(),
            n => format!("none of its {n} JSON files is a CCF resource (table, DCR, connector definition, data connector) or a package"),
        }
    )]
    NothingToCheck {
        /// The path given.
        path: PathBuf,
        /// How many JSON files were read.
        files: usize,
    },
    /// The file given is not something `check` checks.
    #[error("{} is {}; give a CCF resource file (table, DCR, connector definition, data connector), a package's mainTemplate.json, a ccfgen.toml, a solution folder or a Solutions/ tree", path.display(), if *json { "not a CCF resource nor a package" } else { "neither a JSON file nor a ccfgen.toml" })]
    NotCheckable {
        /// The file given.
        path: PathBuf,
        /// Whether it is a JSON file.
        json: bool,
    },
}

/// Checks what is at `path`: a `ccfgen.toml` (or a directory holding one) is rendered in
/// memory and its output checked; anything else is walked as a solution or a repository of
/// solutions.
pub fn check_path(path: &Path, options: Options) -> Result<Report, CheckError> {
    if !path.exists() {
        return Err(CheckError::NotFound(path.to_path_buf()));
    }
    if let Some(spec_file) = crate::spec::spec_file(path) {
        return spec::check_spec(&spec_file, options);
    }
    let is_file = path.is_file();
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_file && !json {
        return Err(CheckError::NotCheckable {
            path: path.to_path_buf(),
            json,
        });
    }
    let report = if is_file {
        check_file(path, options)?
    } else {
        check_tree(path, options)?
    };
    let s = report.stats;
    if s.resources == 0 && s.packages == 0 && s.content == 0 && report.findings.is_empty() {
        return Err(if is_file {
            CheckError::NotCheckable {
                path: path.to_path_buf(),
                json,
            }
        } else {
            CheckError::NothingToCheck {
                path: path.to_path_buf(),
                files: s.files,
            }
        });
    }
    Ok(report)
}

/// Checks one JSON file, linked with the files around it the way a tree check links them
/// (a DCR finds its tables in its solution's `Data Connectors` folder, see
/// `explain::search_root`); only the findings located in that file are reported.
pub fn check_file(file: &Path, options: Options) -> Result<Report, CheckError> {
    let root = explain::search_root(file);
    let (docs, index) = explain::read_around(file, &root, options.threads)?;
    let mut report = check_docs(&root, &docs, options);
    let target = &docs[index].path;
    report.findings.retain(|f| {
        f.diagnostic
            .location
            .as_ref()
            .is_none_or(|l| &l.file == target)
    });
    report.sources.retain(|s| s.path() == target);
    report.root = file.to_path_buf();
    // What was checked is the file; the others were read only to link it.
    let own = Model::build(&docs[index..=index]);
    report.stats.files = 1;
    report.stats.bytes = docs[index].bytes;
    report.stats.resources = own.resources.len();
    report.stats.packages = own.packages.len();
    Ok(report)
}

/// Checks every CCF connector under `root`.
///
/// Files link only within their solution folder, so the tree is checked one solution at a
/// time: each worker reads a solution's files, checks them and lets them go before taking
/// the next, which keeps memory small however large the repository is.
pub fn check_tree(root: &Path, options: Options) -> Result<Report, CheckError> {
    // One walk finds both the JSON files and the content files (YAML rules, workbooks).
    let walk = crate::scan::walk::walk(root, crate::scan::Filter::ALL).map_err(|source| {
        CheckError::Io {
            path: root.to_path_buf(),
            source,
        }
    })?;
    let mut scopes: std::collections::BTreeMap<&str, Vec<Item<'_>>> = Default::default();
    for e in walk.files.iter().filter(|e| files::is_json(&e.path)) {
        let scope = crate::scan::scope_key(&e.rel);
        scopes.entry(scope).or_default().push(Item::File(e));
    }
    for s in &walk.skipped {
        let scope = crate::scan::scope_key(&s.rel);
        scopes.entry(scope).or_default().push(Item::Skipped(s));
    }
    for (e, kind) in content::content_files(&walk.files) {
        let scope = content::scope_key(&e.rel);
        scopes
            .entry(scope)
            .or_default()
            .push(Item::Content(e, kind));
    }
    // Largest solutions first, so that no big one is left for the end.
    let mut groups: Vec<Vec<Item<'_>>> = scopes.into_values().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let memo = dcr::Memo::default();
    let parts = files::parallel_map(&groups, options.threads, |group| {
        let docs: Vec<files::Doc> = group
            .iter()
            .filter_map(|item| match item {
                Item::File(e) => Some(files::read_doc_validated(&e.path, &e.rel)),
                Item::Skipped(s) => Some(files::Doc::skipped(s)),
                Item::Content(..) => None,
            })
            .collect();
        let content: Vec<(
            &crate::scan::walk::Entry,
            crate::rules::content::ContentKind,
        )> = group
            .iter()
            .filter_map(|item| match item {
                Item::Content(e, k) => Some((*e, *k)),
                _ => None,
            })
            .collect();
        check_with(
            root,
            &docs,
            Options {
                threads: 1,
                ..options
            },
            &memo,
            &content,
        )
    });
    let mut report = Report {
        root: root.to_path_buf(),
        ..Report::default()
    };
    for part in parts {
        report.findings.extend(part.findings);
        report.sources.extend(part.sources);
        let (s, p) = (&mut report.stats, part.stats);
        s.files += p.files;
        s.bytes += p.bytes;
        s.connectors += p.connectors;
        s.resources += p.resources;
        s.flows += p.flows;
        s.packages += p.packages;
        s.content += p.content;
    }
    findings::sort(&mut report.findings);
    report.sources.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(report)
}

/// A file to read, an entry the walk skipped, or a content file.
enum Item<'a> {
    File(&'a crate::scan::walk::Entry),
    Skipped(&'a crate::scan::Skipped),
    Content(
        &'a crate::scan::walk::Entry,
        crate::rules::content::ContentKind,
    ),
}

/// Checks documents already read (from disk or rendered in memory).
pub fn check_docs(root: &Path, docs: &[files::Doc], options: Options) -> Report {
    check_with(root, docs, options, &dcr::Memo::default(), &[])
}

fn check_with(
    root: &Path,
    docs: &[files::Doc],
    options: Options,
    memo: &dcr::Memo,
    content: &[(
        &crate::scan::walk::Entry,
        crate::rules::content::ContentKind,
    )],
) -> Report {
    let model = Model::build(docs);
    let graph = Graph::build(&model);
    let cx = Ctx {
        m: &model,
        g: &graph,
        memo,
        sample: options.sample,
    };
    let mut sink = Sink::default();
    file_findings(&cx, &mut sink);

    let indices: Vec<usize> = (0..model.resources.len()).collect();
    let results = files::parallel_map(&indices, options.threads, |&i| {
        let mut sink = Sink::default();
        let mut produced = dcr::Produced::default();
        match model.resources[i].kind {
            Kind::Table => table::check(&cx, i, &mut sink),
            Kind::Dcr => dcr::check(&cx, i, &mut sink, &mut produced),
            Kind::DataConnector => connector::check_data_connector(&cx, i, &mut sink),
            Kind::Definition => connector::check_definition(&cx, i, &mut sink),
        }
        (sink, produced)
    });
    let mut produced = dcr::Produced::default();
    for (s, p) in results {
        sink.extend(s);
        produced.extend(p);
    }
    produced.report(&cx, &mut sink);
    let sources = package::Sources::build(&cx);
    let package_sinks = files::parallel_map(&model.packages, options.threads, |p| {
        let mut sink = Sink::default();
        package::check(&cx, &sources, p, &mut sink);
        sink
    });
    for s in package_sinks {
        sink.extend(s);
    }
    let schema_docs = schemas::documents(&cx);
    let schema_sinks = files::parallel_map(&schema_docs, options.threads, |&(doc, ui)| {
        let mut sink = Sink::default();
        schemas::check(&cx, doc, ui, &mut sink);
        sink
    });
    for s in schema_sinks {
        sink.extend(s);
    }

    let stats = Stats {
        files: docs.len(),
        bytes: docs.iter().map(|d| d.bytes).sum(),
        connectors: graph.connectors,
        resources: model.resources.len(),
        flows: graph.flows.values().map(Vec::len).sum(),
        packages: model.packages.len(),
        content: content.len(),
    };
    let (mut findings, mut sources) = findings::resolve(docs, sink.items, options.threads);
    if !content.is_empty() {
        let (f, s) = content::check(content, &model, &graph);
        findings.extend(f);
        sources.extend(s);
        findings::sort(&mut findings);
    }
    Report {
        root: root.to_path_buf(),
        findings,
        sources,
        stats,
    }
}

/// What every rule module sees.
pub(crate) struct Ctx<'a> {
    pub m: &'a Model<'a>,
    pub g: &'a Graph,
    pub memo: &'a dcr::Memo,
    /// Generated records per data flow for the runtime checks (0: none).
    pub sample: u64,
}

/// Findings about whole files: unreadable, not JSON, stray.
fn file_findings(cx: &Ctx<'_>, sink: &mut Sink) {
    for (i, doc) in cx.m.docs.iter().enumerate() {
        match &doc.json {
            Ok(_) => {}
            Err(files::DocError::Unreadable(why)) => sink.at_offset(
                i,
                0..0,
                Diagnostic::error("file-unreadable", format!("cannot read the file: {why}"))
                    .with_hint("save it as UTF-8 text"),
            ),
            Err(files::DocError::TooLarge(why)) => sink.at_offset(
                i,
                0..0,
                Diagnostic::error("file-too-large", format!("not checked: {why}"))
                    .with_hint("no deployable ARM resource is this large (templates are limited to 4 MB); split the file or remove it from the tree"),
            ),
            Err(files::DocError::Skipped(reason)) => {
                let (rule, severity, hint) = match reason {
                    crate::scan::SkipReason::Unreadable(_) => (
                        "entry-unreadable",
                        Severity::Error,
                        "make it readable for the user running the check; what it holds is not checked",
                    ),
                    crate::scan::SkipReason::LinkOutside(_) => (
                        "symlink-skipped",
                        Severity::Error,
                        "what it leads to is not checked: check a folder that holds its target, or replace the link with the files",
                    ),
                    _ => (
                        "symlink-skipped",
                        Severity::Warning,
                        "remove the link: it is not followed",
                    ),
                };
                sink.at_offset(
                    i,
                    0..0,
                    Diagnostic::new(severity, rule, format!("not read: this entry {reason}"))
                        .with_hint(hint),
                );
            }
            Err(files::DocError::Invalid { message, offset }) => sink.at_offset(
                i,
                *offset..*offset,
                Diagnostic::error("json-invalid", format!("not valid JSON: {message}"))
                    .with_hint("fix the JSON syntax at the marked place (the official packager stops on any invalid file under Data Connectors)"),
            ),
        }
    }
    for (doc, why) in &cx.m.strays {
        sink.at_offset(
            *doc,
            0..0,
            Diagnostic::new(Severity::Note, "stray-file", format!("ignored: {why}"))
                .with_hint("nothing to do if it is meant to be there; the official packager parses it too and stops if it is not valid JSON"),
        );
    }
}
