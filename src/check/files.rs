//! Reading a tree: every `*.json` file under a root, found in sorted order and read and
//! parsed on all cores, each exactly once. A file that cannot be read or is not JSON is kept
//! as a [`Doc`] with the reason, so it becomes a finding instead of stopping the run.
//!
//! Only what the checks need is kept in memory: the parsed value, pruned of everything that
//! is not a connector resource ([`retain`]). The text of a file read by [`read_doc`] is read
//! again only when a finding has to be located in it; [`read_doc_validated`] keeps it.

use std::borrow::Cow;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use crate::scan::Kind;
use crate::scan::in_data_connectors;
use crate::scan::kind::is_template;

/// One JSON file of the tree.
#[derive(Debug)]
pub struct Doc {
    /// The path shown to the user (the root as given, joined with the relative path).
    pub path: PathBuf,
    /// The path relative to the root, with `/` separators.
    pub rel: String,
    /// Size of the file in bytes.
    pub bytes: usize,
    /// The text, for documents rendered in memory and files read by [`read_doc_validated`];
    /// other files on disk are read again on demand.
    text: Option<String>,
    /// The parsed value (pruned to what the checks use), or why there is none.
    pub json: Result<Value, DocError>,
    /// The file validated against the published schemas while its whole value was at hand
    /// (a package's `mainTemplate.json` or a `createUiDefinition.json` read by
    /// [`read_doc_validated`]); `None` when it was not (the check then parses its text again).
    schema: Option<super::schema_read::Outcome>,
}

/// Why a file has no JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocError {
    /// The file could not be read or is not UTF-8.
    Unreadable(String),
    /// The file is larger than [`crate::input::MAX_JSON_BYTES`]; it was not read.
    TooLarge(String),
    /// A folder or link the walk did not enter ([`crate::scan::walk`]).
    Skipped(crate::scan::SkipReason),
    /// The text is not JSON: the parser's message and the byte offset where it stopped.
    Invalid {
        /// What the parser said.
        message: String,
        /// Byte offset of the error.
        offset: usize,
    },
}

impl Doc {
    /// A document from text (for files rendered in memory and for tests); the text is kept.
    pub fn from_text(path: impl Into<PathBuf>, rel: impl Into<String>, text: String) -> Doc {
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        let rel = rel.into();
        let json = parse(&text).map(|v| retain(&rel, v));
        Doc {
            path: path.into(),
            rel,
            bytes: text.len(),
            text: Some(text),
            json,
            schema: None,
        }
    }

    /// An entry the walk skipped (a finding is reported at it).
    pub fn skipped(s: &crate::scan::Skipped) -> Doc {
        Doc {
            path: s.path.clone(),
            rel: s.rel.clone(),
            bytes: 0,
            text: Some(String::new()),
            json: Err(DocError::Skipped(s.reason.clone())),
            schema: None,
        }
    }

    /// The text (without a byte order mark): kept, or read again from disk (empty if the
    /// file can no longer be read, or was too large to read).
    pub fn text(&self) -> Cow<'_, str> {
        if matches!(self.json, Err(DocError::TooLarge(_))) {
            return Cow::Borrowed("");
        }
        match &self.text {
            Some(t) => Cow::Borrowed(t),
            None => {
                let text = std::fs::read(&self.path)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_default();
                match text.strip_prefix('\u{feff}') {
                    Some(rest) => Cow::Owned(rest.to_string()),
                    None => Cow::Owned(text),
                }
            }
        }
    }

    /// The file name (last path component).
    pub fn file_name(&self) -> &str {
        self.rel.rsplit('/').next().unwrap_or(&self.rel)
    }

    /// Its validation against the published schemas, when it was validated as it was read.
    pub(crate) fn schema(&self) -> Option<&super::schema_read::Outcome> {
        self.schema.as_ref()
    }
}

fn parse(text: &str) -> Result<Value, DocError> {
    serde_json::from_str(text).map_err(|e| DocError::Invalid {
        message: strip_position(&e.to_string()),
        offset: offset_of(text, e.line(), e.column()),
    })
}

/// serde_json appends " at line L column C"; the location is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Byte offset of serde_json's 1-based line and (byte) column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let mut at = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Whether a path names a JSON file (`*.json`, any case), as [`crate::scan::Filter::JSON`]
/// selects them.
pub fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Every `*.json` file under `root` (or `root` itself when it is a file), sorted by path, and
/// the entries the walk skipped ([`crate::scan::walk`]: hidden folders, `node_modules` and
/// `target` are not entered; links out of the root or into a loop are not followed).
pub fn json_files(root: &Path) -> std::io::Result<crate::scan::Walk> {
    crate::scan::walk::walk(root, crate::scan::Filter::JSON)
}

/// Reads and parses every file of the tree under `root` on `threads` threads. The order of
/// the result is the sorted file order, whatever the threads did; the entries the walk
/// skipped follow, as documents without a value ([`DocError::Skipped`]).
pub fn read_tree(root: &Path, threads: usize) -> std::io::Result<Vec<Doc>> {
    let walk = json_files(root)?;
    let mut docs = parallel_map(&walk.files, threads, |e| read_doc(&e.path, &e.rel));
    docs.extend(walk.skipped.iter().map(Doc::skipped));
    Ok(docs)
}

thread_local! {
    /// Each reading thread reads every file into the same buffer.
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Reads and parses one file (`rel` is its path relative to the root).
pub fn read_doc(path: &Path, rel: &str) -> Doc {
    read(path, rel, false)
}

/// [`read_doc`], and a package's `mainTemplate.json` or a `createUiDefinition.json` is also
/// validated against the published schemas while its whole value is at hand (the checks
/// keep a pruned template), so that `ccfgen check` neither reads nor parses it twice. The
/// text is kept too, so that findings are located without reading the file again: `ccfgen
/// check` reads a tree one solution at a time and lets each solution's documents go before
/// the next.
pub fn read_doc_validated(path: &Path, rel: &str) -> Doc {
    read(path, rel, true)
}

fn read(path: &Path, rel: &str, validate: bool) -> Doc {
    let mut kept = None;
    let mut schema = None;
    let doc = BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        let read =
            crate::input::read_into(path, crate::input::MAX_JSON_BYTES, "a JSON file", buffer);
        let (bytes, json) = match read {
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                (0, Err(DocError::TooLarge(e.to_string())))
            }
            Err(e) => (0, Err(DocError::Unreadable(e.to_string()))),
            Ok(n) => match std::str::from_utf8(buffer) {
                Err(e) => (n, Err(DocError::Unreadable(format!("not UTF-8 text: {e}")))),
                Ok(text) => {
                    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
                    if validate {
                        kept = Some(text.to_string());
                    }
                    let json = parse(text).map(|mut v| {
                        if validate {
                            schema = super::schema_read::validate(rel, &mut v);
                        }
                        retain(rel, v)
                    });
                    (n, json)
                }
            },
        };
        Doc {
            path: path.to_path_buf(),
            rel: rel.to_string(),
            bytes,
            text: None,
            json,
            schema: None,
        }
    });
    Doc {
        schema,
        text: kept,
        ..doc
    }
}

/// Applies `f` to every item on up to `threads` threads; results keep the input order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, R)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a check worker panicked"))
            .collect()
    });
    let mut all: Vec<(usize, R)> = parts.iter_mut().flat_map(std::mem::take).collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// The number of threads to use by default: the available cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// What of a parsed file the checks keep: a package template is cut down to its CCF
/// resources (array positions are kept, so JSON paths stay valid for the file's text); a file
/// outside `Data Connectors` that holds no CCF resource is dropped entirely. Everything else
/// is kept as parsed.
pub fn retain(rel: &str, value: Value) -> Value {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name.eq_ignore_ascii_case(crate::scan::MAIN_TEMPLATE) && is_template(&value) {
        return prune_template(value);
    }
    if in_data_connectors(rel) || holds_resources(&value) {
        value
    } else {
        Value::Null
    }
}

fn holds_resources(v: &Value) -> bool {
    !crate::scan::kind::resources(v).is_empty()
}

/// A template with only its CCF resources, also those nested in contentTemplates
/// (`properties.mainTemplate.resources`); other resources become `null`.
fn prune_template(mut value: Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in ["$schema", "contentVersion"] {
        if let Some(v) = value.get_mut(key) {
            out.insert(key.to_string(), v.take());
        }
    }
    let resources = value
        .get_mut("resources")
        .map(Value::take)
        .unwrap_or(Value::Null);
    out.insert("resources".to_string(), prune_resources(resources));
    Value::Object(out)
}

fn prune_resources(resources: Value) -> Value {
    let Value::Array(items) = resources else {
        return Value::Null;
    };
    Value::Array(
        items
            .into_iter()
            .map(|mut item| {
                if Kind::of(&item).is_some() {
                    return item;
                }
                let inner = item
                    .pointer_mut("/properties/mainTemplate/resources")
                    .map(Value::take)
                    .map(prune_resources)
                    .filter(|r| r.as_array().is_some_and(|a| a.iter().any(|x| !x.is_null())));
                // `{"properties": {"mainTemplate": {"resources": inner}}}`, with `inner` moved
                // in (`json!` would serialize a copy of it)
                let nest = |key: &str, value: Value| {
                    Value::Object(serde_json::Map::from_iter([(key.to_string(), value)]))
                };
                match inner {
                    Some(inner) => {
                        nest("properties", nest("mainTemplate", nest("resources", inner)))
                    }
                    None => Value::Null,
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_json_keeps_its_position() {
        let d = Doc::from_text("x.json", "x.json", "{\n  \"a\": 1,\n  \"b\" 2\n}".into());
        match &d.json {
            Err(DocError::Invalid { message, offset }) => {
                let offset = *offset;
                assert!(message.contains("expected `:`"), "{message}");
                assert_eq!(&d.text()[offset..offset + 1], "2");
            }
            other => panic!("{other:?}"),
        }
        let bom = Doc::from_text("b.json", "b.json", "\u{feff}[1]".into());
        assert!(bom.json.is_ok());
    }

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<usize> = (0..100).collect();
        assert_eq!(
            parallel_map(&items, 4, |i| i * 2),
            (0..100).map(|i| i * 2).collect::<Vec<_>>()
        );
    }
}
