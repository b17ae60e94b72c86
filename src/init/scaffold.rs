//! Scaffolds of solution content for `ccfgen init` and `ccfgen new`: a starter analytic rule,
//! hunting query, workbook (with its `WorkbooksMetadata.json` entry) or parser for one table
//! of a spec, written in the Azure-Sentinel layout beside `ccfgen.toml` (`Analytic Rules/`,
//! `Hunting Queries/`, `Workbooks/`, `Parsers/`) from the templates in `templates/scaffold/`.
//! Every query reads the table's real columns, so a scaffold builds and checks clean as written.
//!
//! When the spec's `[content]` list of the section is written and does not reach the new file,
//! the file is appended to it; the default lists (the section's folder) reach it by themselves.
//!
//! Ids (the `id` of rules, hunting queries and parsers) are fresh GUIDs made once, when the
//! file is written; from then on they are text in the file, so every build of the solution is
//! byte-stable. Nothing is overwritten without `force`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::content::{Section, WORKBOOKS_METADATA};
use crate::solution::{Connector, Solution, Table};
use crate::spec::LoadedSpec;
use crate::templates::{self, TemplateError};
use ccfgen_base::ColumnType;

/// A kind of content file a scaffold writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Scheduled analytic rule (`Analytic Rules/<name>.yaml`).
    Rule,
    /// A hunting query (`Hunting Queries/<name>.yaml`).
    Hunting,
    /// A workbook (`Workbooks/<name>.json`) and its metadata entry.
    Workbook,
    /// A parser, a KQL function (`Parsers/<name>.yaml`).
    Parser,
    /// A watchlist (`Watchlists/<name>.json`, the repo's format), keyed by a column of the
    /// table; its alias is the name.
    Watchlist,
}

impl Kind {
    /// Every kind (`ccfgen init` writes the first three).
    pub const ALL: [Kind; 5] = [
        Kind::Rule,
        Kind::Hunting,
        Kind::Workbook,
        Kind::Parser,
        Kind::Watchlist,
    ];

    /// The `[content]` section of its files.
    pub fn section(self) -> Section {
        match self {
            Kind::Rule => Section::AnalyticRules,
            Kind::Hunting => Section::HuntingQueries,
            Kind::Workbook => Section::Workbooks,
            Kind::Parser => Section::Parsers,
            Kind::Watchlist => Section::Watchlists,
        }
    }

    /// What it is, for messages.
    pub fn what(self) -> &'static str {
        match self {
            Kind::Rule => "analytic rule",
            Kind::Hunting => "hunting query",
            Kind::Workbook => "workbook",
            Kind::Parser => "parser",
            Kind::Watchlist => "watchlist",
        }
    }

    /// The name when none is given: the table's name without `_CL`, and the kind.
    fn default_name(self, table: &str) -> String {
        let stem = table.strip_suffix("_CL").unwrap_or(table);
        let suffix = match self {
            Kind::Rule => "Rule",
            Kind::Hunting => "Hunting",
            Kind::Workbook => "Workbook",
            Kind::Parser => "Parser",
            Kind::Watchlist => "Watchlist",
        };
        format!("{stem}{suffix}")
    }
}

/// What to write.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The kind of file.
    pub kind: Kind,
    /// The table it queries (by name or stream); the spec's only table when `None`.
    pub table: Option<&'a str>,
    /// The file name without extension (a parser's function name too); derived from the table
    /// when `None`.
    pub name: Option<&'a str>,
    /// The date written into a parser (`LastUpdated`), `YYYY-MM-DD`.
    pub date: &'a str,
    /// Overwrite an existing file (and replace a workbook's metadata entry).
    pub force: bool,
}

/// What a scaffold wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The files written, relative to the spec's folder.
    pub files: Vec<String>,
    /// The `[content]` key the new file was appended to, when the list did not reach it.
    pub spec_key: Option<String>,
    /// The table queried.
    pub table: String,
    /// The name used.
    pub name: String,
}

/// Why a scaffold was not written.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// `--table` names no table of the spec.
    #[error("the spec has no table `{table}`; its tables: {}", tables.join(", "))]
    UnknownTable {
        /// The name given.
        table: String,
        /// The spec's tables.
        tables: Vec<String>,
    },
    /// No `--table` and not exactly one table.
    #[error("the spec has {} tables; say which one with --table ({})", tables.len(), tables.join(", "))]
    WhichTable {
        /// The spec's tables.
        tables: Vec<String>,
    },
    /// The name cannot be a file name (or a function name, for a parser).
    #[error("--name `{name}`: {why}")]
    Name {
        /// The name.
        name: String,
        /// What is wrong.
        why: String,
    },
    /// The file (or the workbook's metadata entry) exists and `force` was not given.
    #[error("{what} already exists; pass --force to overwrite it")]
    Exists {
        /// The file, or the metadata entry.
        what: String,
    },
    /// The workbooks metadata file is not a JSON array.
    #[error("{}: {why}", path.display())]
    Metadata {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A template failed to render (a bug).
    #[error(transparent)]
    Template(#[from] TemplateError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError + '_ {
    move |source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the scaffold `request` asks for beside the spec `loaded` (whose resolved solution
/// is `solution`) and, when needed, its entry in the spec's `[content]` list.
pub fn add(
    loaded: &LoadedSpec,
    solution: &Solution,
    request: &Request<'_>,
) -> Result<Added, ScaffoldError> {
    let (connector, table) = pick_table(solution, request.table)?;
    let kind = request.kind;
    let name = match request.name {
        Some(n) => n.to_string(),
        None => kind.default_name(&table.name),
    };
    check_name(kind, &name)?;
    let section = kind.section();
    let rel = format!("{}/{name}.{}", section.key(), section.extension());
    let dir = &loaded.dir;
    let path = resolve(dir, &rel, &name)?;
    if path.exists() && !request.force {
        return Err(ScaffoldError::Exists {
            what: path.display().to_string(),
        });
    }
    let columns: Vec<(String, ColumnType)> = table
        .table_columns()
        .map(|(c, t)| (c.name.clone(), t))
        .collect();
    let group = group_by(&columns);
    let title = format!("{} - {name}", solution.name);
    let mut files = Vec::new();
    let text = match kind {
        Kind::Rule => templates::render(
            "scaffold/rule",
            &json!({
                "id": fresh_guid(&rel),
                "name": yaml_quote(&title),
                "description": yaml_quote(&format!(
                    "Starter rule written by `ccfgen new rule`: an alert for each {} with events in {} in the last hour. Edit the query, the schedule, the severity and this description.",
                    group.what, table.name
                )),
                "connector": yaml_quote(&connector.id),
                "table": yaml_quote(&table.name),
                "query": indent(&format!(
                    "{}\n| where TimeGenerated > ago(1h)\n| summarize Events = count(), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated) by {}",
                    quote_table(&table.name),
                    group.by
                ), 2),
            }),
        )?,
        Kind::Hunting => templates::render(
            "scaffold/hunting",
            &json!({
                "id": fresh_guid(&rel),
                "name": yaml_quote(&title),
                "description": yaml_quote(&format!(
                    "Starter hunting query written by `ccfgen new hunting`: the {} with the most events in {} over the last week. Edit the query and this description.",
                    group.what, table.name
                )),
                "connector": yaml_quote(&connector.id),
                "table": yaml_quote(&table.name),
                "query": indent(&format!(
                    "{}\n| where TimeGenerated > ago(7d)\n| summarize Events = count(), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated) by {}\n| order by Events desc",
                    quote_table(&table.name),
                    group.by
                ), 2),
            }),
        )?,
        Kind::Parser => templates::render(
            "scaffold/parser",
            &json!({
                "id": fresh_guid(&rel),
                "title": yaml_quote(&format!("Parser for {}", table.name)),
                "date": request.date,
                "function": name,
                "query": indent(&format!(
                    "{}\n| project\n    {}",
                    quote_table(&table.name),
                    columns
                        .iter()
                        .map(|(c, _)| crate::transform::quote_identifier(c))
                        .collect::<Vec<_>>()
                        .join(",\n    ")
                ), 2),
            }),
        )?,
        Kind::Watchlist => {
            let key = group.column.clone().unwrap_or_else(|| "Key".to_string());
            templates::render(
                "scaffold/watchlist",
                &json!({
                    "resource_name": json_text(&format!(
                        "[concat(parameters('workspaceName'), '/Microsoft.SecurityInsights/{name}')]"
                    )),
                    "display_name": json_text(&title),
                    "source": json_text(&format!("{name}.csv")),
                    "description": json_text(&format!(
                        "Starter watchlist written by `ccfgen new watchlist`: items keyed by {key} to join with {table}, e.g. `_GetWatchlist('{name}') | join kind=inner {table} on $left.SearchKey == $right.{key}`. Replace the items in rawContent (CSV, header first) and this description.",
                        table = quote_table(&table.name),
                    )),
                    "provider": json_text(&solution.author_name),
                    "key": json_text(&key),
                    "items": json_text(&format!("{key},Note\r\nexample,Replace with your items\r\n")),
                    "alias": json_text(&name),
                }),
            )?
        }
        Kind::Workbook => {
            let meta_rel = loaded
                .spec
                .content
                .workbooks_metadata
                .clone()
                .unwrap_or_else(|| WORKBOOKS_METADATA.to_string());
            let meta_path = resolve(dir, &meta_rel, &name)?;
            let entry = templates::render(
                "scaffold/workbook_metadata",
                &json!({
                    "key": json_text(&name),
                    "description": json_text(&format!(
                        "Starter workbook written by `ccfgen new workbook`: events of {} over time and by {}.",
                        table.name, group.what
                    )),
                    "table": json_text(&table.name),
                    "connector": json_text(&connector.id),
                    "title": json_text(&title),
                    "file": json_text(&format!("{name}.json")),
                    "provider": json_text(&solution.author_name),
                }),
            )?;
            let meta = with_metadata_entry(&meta_path, &name, &entry, request.force)?;
            let workbook = templates::render(
                "scaffold/workbook",
                &json!({
                    "heading": json_text(&format!("## {title}\nEvents of {}.", table.name)),
                    "timechart": json_text(&format!(
                        "{}\n| summarize Events = count() by bin(TimeGenerated, 1h)\n| render timechart",
                        quote_table(&table.name)
                    )),
                    "timechart_title": json_text("Events over time"),
                    "top": json_text(&format!(
                        "{}\n| summarize Events = count() by {}\n| top 10 by Events desc",
                        quote_table(&table.name),
                        group.by
                    )),
                    "top_title": json_text(&format!("Top {} by events", group.what)),
                    "template_id": json_text(&format!("sentinel-{name}")),
                }),
            )?;
            write(&path, &workbook)?;
            files.push(rel.clone());
            write(&meta_path, &meta)?;
            files.push(meta_rel);
            return finish(loaded, section, rel, files, table, name);
        }
    };
    write(&path, &text)?;
    files.push(rel.clone());
    finish(loaded, section, rel, files, table, name)
}

/// Appends the file to the spec's `[content]` list when the list does not reach it.
fn finish(
    loaded: &LoadedSpec,
    section: Section,
    rel: String,
    files: Vec<String>,
    table: &Table,
    name: String,
) -> Result<Added, ScaffoldError> {
    let (found, _) = crate::content::discover(&loaded.dir, &loaded.spec.content);
    let reached = found
        .iter()
        .any(|(s, list)| *s == section && list.contains(&rel));
    let mut spec_key = None;
    if !reached {
        let key = format!("content.{}", list_key(section));
        if !loaded.spans.contains(&key) {
            return Err(ScaffoldError::Metadata {
                path: loaded.source.path().to_path_buf(),
                why: format!("the `[content]` lists do not reach `{rel}`; add it to `{key}`"),
            });
        }
        let text = loaded.source.text();
        let span = loaded.spans.value_span(&key);
        let array = &text[span.clone()];
        let Some(close) = array.rfind(']') else {
            return Err(ScaffoldError::Metadata {
                path: loaded.source.path().to_path_buf(),
                why: format!("`{key}` is not a list"),
            });
        };
        let before = array[..close].trim_end();
        let item = format!("\"{}\"", templates::toml_basic_string_body(&rel));
        let insert = if before.ends_with('[') {
            item
        } else if before.ends_with(',') {
            format!(" {item}")
        } else {
            format!(", {item}")
        };
        let at = span.start + before.len();
        let new = format!("{}{insert}{}", &text[..at], &text[at..]);
        write(loaded.source.path(), &new)?;
        spec_key = Some(key);
    }
    Ok(Added {
        files,
        spec_key,
        table: table.name.clone(),
        name,
    })
}

/// The `[content]` key of a section's list.
fn list_key(section: Section) -> &'static str {
    match section {
        Section::AnalyticRules => "analytic_rules",
        Section::HuntingQueries => "hunting_queries",
        Section::Workbooks => "workbooks",
        Section::Watchlists => "watchlists",
        Section::Parsers | Section::DataConnectors => "parsers",
    }
}

fn pick_table<'s>(
    solution: &'s Solution,
    wanted: Option<&str>,
) -> Result<(&'s Connector, &'s Table), ScaffoldError> {
    let all: Vec<(&Connector, &Table)> = solution.tables().collect();
    let names = || all.iter().map(|(_, t)| t.name.clone()).collect::<Vec<_>>();
    match wanted {
        Some(w) => all
            .iter()
            .copied()
            .find(|(_, t)| t.name == w || t.stream == w)
            .ok_or_else(|| ScaffoldError::UnknownTable {
                table: w.to_string(),
                tables: names(),
            }),
        None if all.len() == 1 => Ok(all[0]),
        None => Err(ScaffoldError::WhichTable { tables: names() }),
    }
}

/// A name is a file name by the path rules, without dots (the extension is added; the
/// workbook key is the name up to its first dot); a parser's is a KQL function name.
fn check_name(kind: Kind, name: &str) -> Result<(), ScaffoldError> {
    let bad = |why: String| ScaffoldError::Name {
        name: name.to_string(),
        why,
    };
    crate::safe_path::check_name(name).map_err(|e| bad(format!("{e}; {}", e.hint())))?;
    if name.contains('.') {
        return Err(bad(
            "a name has no dot (the extension is added for you)".into()
        ));
    }
    if kind == Kind::Watchlist && !crate::rules::content::watchlist::alias_is_legal(name) {
        return Err(bad(
            "a watchlist's name is its alias: letters, digits, `_` and `-`, starting with a letter or digit, at most 64".into(),
        ));
    }
    if kind == Kind::Parser {
        let mut chars = name.chars();
        let ident = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident {
            return Err(bad(
                "a parser's name is its KQL function name: a letter or `_`, then letters, digits or `_`".into(),
            ));
        }
    }
    Ok(())
}

fn resolve(dir: &Path, rel: &str, name: &str) -> Result<PathBuf, ScaffoldError> {
    crate::safe_path::resolve_inside(dir, rel).map_err(|e| ScaffoldError::Name {
        name: name.to_string(),
        why: format!("{e}; {}", e.hint()),
    })
}

fn write(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    crate::output::write_if_changed(path, text.as_bytes()).map_err(io(path))?;
    Ok(())
}

/// The column the starter queries group by: the first string column whose name does not end
/// in `Id`/`Guid` (else the first string column), else one-hour bins of `TimeGenerated`.
struct Group {
    /// KQL text after `by`.
    by: String,
    /// What a group is, for descriptions.
    what: String,
    /// The column itself, when it is one.
    column: Option<String>,
}

fn group_by(columns: &[(String, ColumnType)]) -> Group {
    let strings = || {
        columns
            .iter()
            .filter(|(c, t)| *t == ColumnType::String && c != "TimeGenerated")
    };
    // An id is unique per event: a poor group.
    let id_like = |c: &str| {
        let lower = c.to_ascii_lowercase();
        lower.ends_with("id") || lower.ends_with("guid")
    };
    match strings()
        .find(|(c, _)| !id_like(c))
        .or_else(|| strings().next())
    {
        Some((c, _)) => Group {
            by: crate::transform::quote_identifier(c),
            what: format!("`{c}` value"),
            column: Some(c.clone()),
        },
        None => Group {
            by: "bin(TimeGenerated, 1h)".into(),
            what: "hour".into(),
            column: None,
        },
    }
}

fn quote_table(name: &str) -> String {
    crate::transform::quote_identifier(name)
}

/// `text` as a YAML single-quoted scalar (one line).
fn yaml_quote(text: &str) -> String {
    let one_line = text.replace(['\r', '\n'], " ");
    format!("'{}'", one_line.replace('\'', "''"))
}

/// `text` as a JSON string literal.
fn json_text(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

/// Each line of `text` indented by `by` spaces (a YAML block scalar's body).
fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The workbooks metadata file with `entry` (rendered JSON, two-space indented) added: the
/// text is kept as written and the entry inserted before the closing `]`; an existing entry
/// for the same key is an error, or with `force` is replaced (the file is then rewritten).
fn with_metadata_entry(
    path: &Path,
    key: &str,
    entry: &str,
    force: bool,
) -> Result<String, ScaffoldError> {
    let bad = |why: String| ScaffoldError::Metadata {
        path: path.to_path_buf(),
        why,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(format!("[\n{}\n]\n", entry.trim_end()));
        }
        Err(e) => return Err(io(path)(e)),
    };
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut list: Vec<Value> = serde_json::from_str(body)
        .map_err(|e| bad(format!("not a JSON array of workbook entries: {e}")))?;
    let file = format!("{key}.json");
    let same = |v: &Value| {
        v.get("workbookKey").and_then(Value::as_str) == Some(key)
            || v.as_object()
                .is_some_and(|m| crate::content::metadata_matches(m, &file))
    };
    if list.iter().any(same) {
        if !force {
            return Err(ScaffoldError::Exists {
                what: format!("the entry of workbook `{key}` in {}", path.display()),
            });
        }
        list.retain(|v| !same(v));
        let new: Value = serde_json::from_str(entry)
            .map_err(|e| bad(format!("the new entry is not JSON: {e}")))?;
        list.push(new);
        let mut out = serde_json::to_string_pretty(&list).map_err(|e| bad(e.to_string()))?;
        out.push('\n');
        return Ok(out);
    }
    let close = body
        .rfind(']')
        .ok_or_else(|| bad("not a JSON array".into()))?;
    let before = body[..close].trim_end();
    let sep = if list.is_empty() { "\n" } else { ",\n" };
    Ok(format!(
        "{before}{sep}{}\n{}",
        entry.trim_end(),
        &body[close..]
    ))
}

/// A fresh version-4 GUID: SHA-256 of the file, the time, the process and a per-process random
/// key, with the version and variant bits set. Made once per scaffold; the file keeps it.
pub fn fresh_guid(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.update(nanos.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    h.update(
        std::collections::hash_map::RandomState::new()
            .hash_one(seed)
            .to_le_bytes(),
    );
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_fresh_and_well_formed() {
        let a = fresh_guid("x");
        let b = fresh_guid("x");
        assert_ne!(a, b);
        for g in [&a, &b] {
            assert!(crate::rules::content::is_guid(g), "{g}");
            assert_eq!(&g[14..15], "4", "{g}");
            assert!("89ab".contains(&g[19..20]), "{g}");
        }
    }

    #[test]
    fn metadata_entries_are_inserted_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("WorkbooksMetadata.json");
        let entry =
            "  {\n    \"workbookKey\": \"B\",\n    \"templateRelativePath\": \"B.json\"\n  }\n";
        // No file: a new array.
        let new = with_metadata_entry(&path, "B", entry, false).unwrap();
        assert_eq!(new, format!("[\n{}\n]\n", entry.trim_end()));
        // An existing array keeps its text; the entry goes last.
        std::fs::write(
            &path,
            "[\n  {\"workbookKey\": \"A\", \"templateRelativePath\": \"A.json\"}\n]\n",
        )
        .unwrap();
        let added = with_metadata_entry(&path, "B", entry, false).unwrap();
        assert!(
            added.starts_with(
                "[\n  {\"workbookKey\": \"A\", \"templateRelativePath\": \"A.json\"},\n  {"
            ),
            "{added}"
        );
        let parsed: Vec<Value> = serde_json::from_str(&added).unwrap();
        assert_eq!(parsed.len(), 2);
        // The same key again: refused, or replaced with force.
        std::fs::write(&path, &added).unwrap();
        assert!(matches!(
            with_metadata_entry(&path, "B", entry, false),
            Err(ScaffoldError::Exists { .. })
        ));
        let replaced: Vec<Value> =
            serde_json::from_str(&with_metadata_entry(&path, "B", entry, true).unwrap()).unwrap();
        assert_eq!(replaced.len(), 2);
    }

    #[test]
    fn names_follow_the_path_rules() {
        assert!(check_name(Kind::Rule, "My rule").is_ok());
        assert!(check_name(Kind::Rule, "../x").is_err());
        assert!(check_name(Kind::Rule, "x.yaml").is_err());
        assert!(check_name(Kind::Parser, "My rule").is_err());
        assert!(check_name(Kind::Parser, "MyParser_2").is_ok());
        assert!(check_name(Kind::Parser, "2Parser").is_err());
    }
}
