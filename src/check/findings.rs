//! Collecting findings against JSON paths and turning them into file:line:col locations at
//! the end, in one scan per file that has findings (files without findings are never
//! scanned a second time).

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use super::files::Doc;
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::json_spans::{self, JsonPath};
use crate::source::SourceFile;

/// Where a pending finding points.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A value (or its member name) by JSON path; `inner` is a byte range of the decoded
    /// string value (a place inside a transform).
    Path {
        path: JsonPath,
        key: bool,
        inner: Option<Range<usize>>,
    },
    /// A byte range of the file text.
    Offset(Range<usize>),
}

/// A finding whose location is not resolved yet.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub doc: usize,
    pub target: Target,
    pub diagnostic: Diagnostic,
}

/// Findings of one piece of work, in the order they were made.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub items: Vec<Pending>,
}

impl Sink {
    /// A finding at the value of `path` in document `doc`.
    pub fn at(&mut self, doc: usize, path: &JsonPath, d: Diagnostic) {
        self.push(
            doc,
            Target::Path {
                path: path.clone(),
                key: false,
                inner: None,
            },
            d,
        );
    }

    /// A finding at the member name of `path` (falls back to the value for array elements).
    pub fn at_key(&mut self, doc: usize, path: &JsonPath, d: Diagnostic) {
        self.push(
            doc,
            Target::Path {
                path: path.clone(),
                key: true,
                inner: None,
            },
            d,
        );
    }

    /// A finding at a byte range inside the string value at `path`.
    pub fn inside(
        &mut self,
        doc: usize,
        path: &JsonPath,
        inner: Option<Range<usize>>,
        d: Diagnostic,
    ) {
        self.push(
            doc,
            Target::Path {
                path: path.clone(),
                key: false,
                inner,
            },
            d,
        );
    }

    /// Every finding of a rule at the value of `path`.
    pub fn all_at(&mut self, doc: usize, path: &JsonPath, findings: crate::rules::Findings) {
        for d in findings {
            self.at(doc, path, d);
        }
    }

    /// A finding at a byte range of the file.
    pub fn at_offset(&mut self, doc: usize, range: Range<usize>, d: Diagnostic) {
        self.push(doc, Target::Offset(range), d);
    }

    fn push(&mut self, doc: usize, target: Target, diagnostic: Diagnostic) {
        self.items.push(Pending {
            doc,
            target,
            diagnostic,
        });
    }

    /// Appends another sink's findings.
    pub fn extend(&mut self, other: Sink) {
        self.items.extend(other.items);
    }
}

/// One located finding of `ccfgen check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The finding (with its location).
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
    /// The JSON path of the value it is about, when it is about a value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_path: Option<String>,
}

/// Resolves every pending finding to a location. Returns the findings in a stable order
/// (file, position, severity, rule, message) and the source text of each file that has one.
pub(crate) fn resolve(
    docs: &[Doc],
    pending: Vec<Pending>,
    threads: usize,
) -> (Vec<Finding>, Vec<SourceFile>) {
    let mut by_doc: BTreeMap<usize, Vec<Pending>> = BTreeMap::new();
    for p in pending {
        by_doc.entry(p.doc).or_default().push(p);
    }
    let work: Vec<(usize, Vec<Pending>)> = by_doc.into_iter().collect();
    let done = super::files::parallel_map(&work, threads, |(doc, items)| {
        resolve_doc(&docs[*doc], items)
    });
    let mut findings = Vec::new();
    let mut sources = Vec::new();
    for (f, s) in done {
        findings.extend(f);
        sources.push(s);
    }
    sort(&mut findings);
    (findings, sources)
}

/// Locates the findings of one file.
fn resolve_doc(doc: &Doc, items: &[Pending]) -> (Vec<Finding>, SourceFile) {
    let source = SourceFile::new(doc.path.clone(), doc.text().into_owned());
    let text = source.text();
    let paths: Vec<&JsonPath> = items
        .iter()
        .filter_map(|p| match &p.target {
            Target::Path { path, .. } => Some(path),
            Target::Offset(_) => None,
        })
        .collect();
    let mut spans = if paths.is_empty() {
        Vec::new()
    } else {
        json_spans::locate(text, &paths)
    }
    .into_iter();
    let mut findings = Vec::with_capacity(items.len());
    for p in items {
        let (range, json_path) = match &p.target {
            Target::Offset(r) => (r.clone(), None),
            Target::Path { path, key, inner } => {
                let range = match spans.next().flatten() {
                    None => 0..0,
                    Some(s) => {
                        let exact = s.depth == path.segments().len();
                        match (key, s.key, inner) {
                            (true, Some(k), _) if exact => k,
                            (false, _, Some(inner)) if exact => {
                                let literal = &text[s.value.clone()];
                                let start =
                                    s.value.start + json_spans::string_offset(literal, inner.start);
                                let end =
                                    s.value.start + json_spans::string_offset(literal, inner.end);
                                start..end.max(start)
                            }
                            _ => s.value,
                        }
                    }
                };
                (range, Some(path.to_string()))
            }
        };
        let diagnostic = p.diagnostic.clone().at(Location::new(&source, range));
        findings.push(Finding {
            diagnostic,
            json_path,
        });
    }
    (findings, source)
}

/// The stable order of findings: file, position, severity, rule, message.
pub(crate) fn sort(findings: &mut [Finding]) {
    fn key(f: &Finding) -> (Option<(&std::path::Path, usize)>, Severity, &str, &str) {
        let d = &f.diagnostic;
        (
            d.location
                .as_ref()
                .map(|l| (l.file.as_path(), l.span.start)),
            d.severity,
            d.rule,
            &d.message,
        )
    }
    findings.sort_by(|a, b| key(a).cmp(&key(b)));
}
