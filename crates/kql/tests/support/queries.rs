//! The query corpus of `shared/corpus-content` as oracle cases: each analytic rule or hunting
//! query YAML's `query`, against one database made of the corpus's custom-table schemas
//! (`tables/*.json`, named as their `Name` member says, like Azure-Sentinel's KQL validation),
//! the solutions' parser functions (`azure-sentinel/*/Parsers/*.yaml`) and the bundled
//! catalogue. Shared by the oracle acceptance test, the benchmark and the recording example.

use std::path::{Path, PathBuf};

use ccfgen_kql::{Case, CaseDatabase, CaseFunction, CaseOptions, CaseTableColumn};
use saphyr_parser::{Event, Parser};
use serde_json::Value;

/// `CCFGEN_CORPUS_CONTENT_DIR`, else `shared/corpus-content` beside the workspace (found the
/// way `tests/support/corpus.rs` finds `shared/corpus`).
pub fn corpus_content_dir() -> PathBuf {
    match std::env::var_os("CCFGEN_CORPUS_CONTENT_DIR") {
        Some(p) => PathBuf::from(p),
        None => {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            manifest
                .ancestors()
                .find(|d| d.join("Cargo.lock").is_file())
                .unwrap_or(manifest)
                .join("../shared/corpus-content")
        }
    }
}

/// The string value of a top-level key of a YAML mapping document (`query`, `FunctionQuery`).
pub fn yaml_value(text: &str, key: &str) -> Option<String> {
    let mut depth = 0usize;
    // at depth 1 of the top mapping: true when the next scalar is a key
    let mut expect_key = true;
    let mut want_value = false;
    for event in Parser::new_from_str(text) {
        let (event, _) = event.ok()?;
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if depth == 1 {
                    if want_value {
                        return None;
                    }
                    expect_key = true;
                }
                depth += 1;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                depth -= 1;
                if depth == 1 {
                    expect_key = true;
                }
            }
            Event::Scalar(value, ..) if depth == 1 => {
                if want_value {
                    return Some(value.into_owned());
                }
                if expect_key {
                    want_value = value == key;
                    expect_key = false;
                } else {
                    expect_key = true;
                }
            }
            Event::StreamEnd => break,
            _ => {}
        }
    }
    None
}

/// Reads a text file; panics with the path on failure.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn sorted_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = e.expect("directory entry").path();
        if p.is_dir() {
            out.extend(sorted_files(&p, ext));
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The corpus database: every custom table schema, every solution parser, the catalogue.
pub fn corpus_database(dir: &Path) -> CaseDatabase {
    let mut db = CaseDatabase {
        catalog: true,
        ..CaseDatabase::default()
    };
    for f in sorted_files(&dir.join("tables"), "json") {
        let v: Value = serde_json::from_str(read(&f).trim_start_matches('\u{feff}'))
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", f.display()));
        let name = v["Name"].as_str().or_else(|| v["name"].as_str());
        let props = v.get("Properties").or_else(|| v.get("properties"));
        let (Some(name), Some(Value::Array(props))) = (name, props) else {
            continue;
        };
        let cols = props
            .iter()
            .map(|p| CaseTableColumn {
                name: p["Name"]
                    .as_str()
                    .or(p["name"].as_str())
                    .unwrap_or("")
                    .to_string(),
                ty: p["Type"]
                    .as_str()
                    .or(p["type"].as_str())
                    .unwrap_or("")
                    .to_string(),
            })
            .collect();
        // the first file declaring a table wins (as in a dictionary keyed by name)
        db.tables.entry(name.to_string()).or_insert(cols);
    }
    for f in sorted_files(&dir.join("azure-sentinel"), "yaml") {
        if !f.components().any(|c| c.as_os_str() == "Parsers") {
            continue;
        }
        let text = read(&f);
        let (Some(name), Some(body)) = (
            yaml_value(&text, "FunctionAlias").or_else(|| yaml_value(&text, "FunctionName")),
            yaml_value(&text, "FunctionQuery"),
        ) else {
            continue;
        };
        db.functions.push(CaseFunction {
            name,
            parameters: String::new(),
            body,
        });
    }
    db
}

/// One corpus query: its id (path under `corpus-content`), the case and the query's sha256.
pub struct QueryCase {
    /// `queries/<Folder>/<file>.yaml`
    pub id: String,
    /// The oracle case.
    pub case: Case,
}

/// Every query of `queries/**/*.yaml` as a case over the corpus database; `None` when the
/// corpus is absent.
pub fn query_cases() -> Option<Vec<QueryCase>> {
    let dir = corpus_content_dir();
    if !dir.join("queries").is_dir() {
        return None;
    }
    let database = corpus_database(&dir);
    let mut out = Vec::new();
    for f in sorted_files(&dir.join("queries"), "yaml") {
        let id = f
            .strip_prefix(&dir)
            .expect("under the corpus")
            .to_string_lossy()
            .replace('\\', "/");
        let Some(query) = yaml_value(&read(&f), "query") else {
            continue;
        };
        out.push(QueryCase {
            id,
            case: Case {
                query,
                options: CaseOptions {
                    dcr_functions: Some(false),
                    dcr_check: Some(false),
                },
                database: Some(database.clone()),
                ..Case::default()
            },
        });
    }
    Some(out)
}
