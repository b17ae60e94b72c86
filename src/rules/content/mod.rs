//! Solution content validated the way Azure-Sentinel's PR pipeline does it
//! (`.script/tests/detectionTemplateSchemaValidation`, `.script/tests/KqlvalidationsTests`),
//! natively and with located findings: analytic rules and hunting queries
//! ([`analytic`]), parsers and workbooks ([`other`]), every query compiled against the
//! solution's tables and parser functions plus the built-in catalogue ([`queries`]).
//!
//! Files are read with [`crate::yaml_spans`] (workbook JSON too: JSON is YAML), so every
//! finding carries the byte range of the key or value it is about, and a KQL finding the
//! place inside the query string. [`check_solution`] checks the content files of one solution
//! together (ids unique across them, parsers declared as functions for the other queries).

pub mod analytic;
pub mod attack;
pub mod entities;
pub mod other;
pub mod queries;
pub mod watchlist;

use std::ops::Range;

use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml_spans::{Document, Entry, Node};

/// The folders of a solution that hold content, and what their files are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentKind {
    /// `Analytic Rules/*.yaml` (also the repository's `Detections/` folder).
    AnalyticRule,
    /// `Hunting Queries/*.yaml`.
    HuntingQuery,
    /// `Parsers/*.yaml`: KQL functions.
    Parser,
    /// `Workbooks/*.json`.
    Workbook,
    /// `Watchlists/**/*.json` holding `…/providers/Watchlists` resources.
    Watchlist,
}

impl ContentKind {
    /// What a file is, from its path relative to the checked root (`/` separators): a
    /// `.yaml`/`.yml` file under `Analytic Rules`, `Detections`, `Hunting Queries` or
    /// `Parsers`, or a `.json` file under `Workbooks` (not `WorkbooksMetadata.json`). The
    /// closest such folder decides.
    pub fn of_path(rel: &str) -> Option<ContentKind> {
        let lower = rel.to_ascii_lowercase();
        let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
        let json = lower.ends_with(".json");
        let parts: Vec<&str> = lower.split('/').collect();
        let (file, dirs) = parts.split_last()?;
        let kind = dirs.iter().rev().find_map(|d| ContentKind::of_dir(d))?;
        let ok = match kind {
            ContentKind::Workbook => {
                json && *file != "workbooksmetadata.json" && *file != "metadata.json"
            }
            ContentKind::Watchlist => json,
            _ => yaml,
        };
        ok.then_some(kind)
    }

    /// The kind of content a folder of this name holds (ignoring case).
    pub fn of_dir(name: &str) -> Option<ContentKind> {
        match name.to_ascii_lowercase().as_str() {
            "analytic rules" | "analytics rules" | "detections" => Some(ContentKind::AnalyticRule),
            "hunting queries" => Some(ContentKind::HuntingQuery),
            "parsers" => Some(ContentKind::Parser),
            "workbooks" => Some(ContentKind::Workbook),
            "watchlists" => Some(ContentKind::Watchlist),
            _ => None,
        }
    }

    /// The folder name, for messages.
    pub fn what(self) -> &'static str {
        match self {
            ContentKind::AnalyticRule => "analytic rule",
            ContentKind::HuntingQuery => "hunting query",
            ContentKind::Parser => "parser",
            ContentKind::Workbook => "workbook",
            ContentKind::Watchlist => "watchlist",
        }
    }
}

/// One finding in a content file: the diagnostic and the byte range in the file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong.
    pub diagnostic: Diagnostic,
    /// Where, in bytes of the file's text.
    pub span: Range<usize>,
}

/// A content file of a solution, read.
#[derive(Debug)]
pub struct ContentFile {
    /// The path relative to the checked root (`/` separators).
    pub rel: String,
    /// What it is.
    pub kind: ContentKind,
    /// The text (a UTF-8 byte order mark removed).
    pub text: String,
    /// The tree, or the syntax error.
    pub doc: Result<Document, crate::yaml_spans::YamlError>,
}

impl ContentFile {
    /// Parses a content file's text.
    pub fn new(rel: impl Into<String>, kind: ContentKind, text: String) -> ContentFile {
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        let doc = Document::parse(&text);
        ContentFile {
            rel: rel.into(),
            kind,
            text,
            doc,
        }
    }
}

/// A connector of the solution, as content refers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connector {
    /// Its id (`connectorUiConfig.id`).
    pub id: String,
    /// The tables its data connectors' DCRs write.
    pub tables: Vec<String>,
}

/// What content files of a solution may refer to.
#[derive(Debug, Clone, Default)]
pub struct Solution {
    /// The solution's connectors.
    pub connectors: Vec<Connector>,
    /// The solution's tables with their columns (name, Tables API type).
    pub tables: Vec<(String, Vec<(String, String)>)>,
}

/// Checks the content files of one solution; the findings of each file, in file order.
pub fn check_solution(files: &[ContentFile], solution: &Solution) -> Vec<Vec<Finding>> {
    let mut out: Vec<Vec<Finding>> = files.iter().map(|_| Vec::new()).collect();
    for (i, f) in files.iter().enumerate() {
        let doc = match &f.doc {
            Ok(doc) => doc,
            Err(e) => {
                let (rule, what) =
                    if matches!(f.kind, ContentKind::Workbook | ContentKind::Watchlist) {
                        ("workbook-json", "JSON")
                    } else {
                        ("content-yaml", "YAML")
                    };
                out[i].push(Finding {
                    diagnostic: Diagnostic::error(rule, format!("not valid {what}: {}", e.message))
                        .with_hint(format!(
                            "fix the {what} syntax: the packager and the PR pipeline cannot read this {}",
                            f.kind.what()
                        )),
                    span: e.offset..e.offset,
                });
                continue;
            }
        };
        let mut o = Out::new(doc);
        for (first, later) in doc.duplicate_keys() {
            let key = later.as_str().unwrap_or("");
            o.push(
                later,
                Diagnostic::warning(
                    "content-duplicate-key",
                    format!("`{key}` is written twice in this mapping (line {} too); the last one counts", first.pos.line),
                )
                .with_hint("remove one of them"),
            );
        }
        if !matches!(f.kind, ContentKind::Workbook | ContentKind::Watchlist)
            && !doc.root.is_mapping()
        {
            o.push(
                &doc.root,
                Diagnostic::error(
                    "content-yaml",
                    format!(
                        "a {} file must be a mapping (`key: value` lines), not {}",
                        f.kind.what(),
                        doc.root.describe()
                    ),
                )
                .with_hint("see the Azure-Sentinel templates for the file's members"),
            );
            out[i] = o.findings;
            continue;
        }
        match f.kind {
            ContentKind::AnalyticRule => analytic::check_rule(&mut o, solution),
            ContentKind::HuntingQuery => analytic::check_hunting(&mut o, solution),
            ContentKind::Parser => other::check_parser(&mut o),
            ContentKind::Workbook => other::check_workbook(&mut o, &f.text),
            ContentKind::Watchlist => watchlist::check_watchlist(&mut o),
        }
        out[i] = o.findings;
    }
    ids_unique(files, &mut out);
    other::template_ids_unique(files, &mut out);
    watchlist::unique(files, &mut out);
    queries::check(files, solution, &mut out);
    out
}

/// `content-id-duplicate`: an id used by two content files of the solution.
fn ids_unique(files: &[ContentFile], out: &mut [Vec<Finding>]) {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (i, f) in files.iter().enumerate() {
        if matches!(f.kind, ContentKind::Workbook | ContentKind::Watchlist) {
            continue;
        }
        let Ok(doc) = &f.doc else { continue };
        let Some(id) = doc.root.get("id") else {
            continue;
        };
        let Some(text) = id.as_str() else { continue };
        let key = text.trim().to_ascii_lowercase();
        if key.is_empty() {
            continue;
        }
        match seen.get(&key) {
            Some(&first) => out[i].push(Finding {
                diagnostic: Diagnostic::error(
                    "content-id-duplicate",
                    format!("id `{text}` is also the id of `{}`", files[first].rel),
                )
                .with_hint("every rule, hunting query and parser needs its own id: generate a new GUID for one of them"),
                span: id.span.clone(),
            }),
            None => {
                seen.insert(key, i);
            }
        }
    }
}

/// Findings of one file being made, with the tree to locate them.
pub struct Out<'d> {
    /// The parsed file.
    pub doc: &'d Document,
    /// The findings so far.
    pub findings: Vec<Finding>,
}

impl<'d> Out<'d> {
    /// Starts the findings of a file.
    pub fn new(doc: &'d Document) -> Out<'d> {
        Out {
            doc,
            findings: Vec::new(),
        }
    }

    /// A finding at a node.
    pub fn push(&mut self, node: &Node, diagnostic: Diagnostic) {
        self.findings.push(Finding {
            diagnostic,
            span: node.span.clone(),
        });
    }

    /// A finding at an entry's key.
    pub fn at_key(&mut self, entry: &Entry, diagnostic: Diagnostic) {
        self.push(&entry.key, diagnostic);
    }

    /// A finding at a byte range of a scalar's decoded value.
    pub fn inside(&mut self, node: &Node, range: Range<usize>, diagnostic: Diagnostic) {
        let start = self.doc.scalar_offset(node, range.start);
        let end = self.doc.scalar_offset(node, range.end).max(start);
        self.findings.push(Finding {
            diagnostic,
            span: start..end,
        });
    }

    /// A finding at the root (a missing member).
    pub fn missing(&mut self, rule: &'static str, what: &str, member: &str, hint: &str) {
        let root = self.doc.root.clone();
        let span = root.span.start..root.span.start;
        self.findings.push(Finding {
            diagnostic: Diagnostic::error(rule, format!("the {what} has no `{member}`"))
                .with_hint(hint.to_string()),
            span,
        });
    }
}

/// The text of a scalar that is a string (not null, not a collection).
pub fn text(node: &Node) -> Option<&str> {
    node.as_str()
}

/// Whether `s` is a GUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hex digits, any case): the
/// one GUID shape check, shared with the push client's validation.
pub use ccfgen_push::validate::is_guid;

/// `content-id`: the `id` member is a GUID (a missing one is reported by the caller).
pub fn check_id(o: &mut Out<'_>, what: &str) {
    let Some(id) = o.doc.root.get("id") else {
        return;
    };
    let ok = id.as_str().is_some_and(|s| is_guid(s.trim()));
    if !ok {
        let node = id.clone();
        o.push(
            &node,
            Diagnostic::error(
                "content-id",
                format!(
                    "the {what}'s id `{}` is not a GUID",
                    id.as_str().unwrap_or("")
                ),
            )
            .with_hint("use a new GUID (e.g. from `uuidgen`); it identifies the template in every workspace, so never change it once published"),
        );
    }
}

/// A note-level finding.
pub fn note(rule: &'static str, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Severity::Note, rule, message)
}
