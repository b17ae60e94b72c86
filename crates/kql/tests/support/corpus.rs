//! Rebuilds the corpus oracle cases (`tests/fixtures/corpus.json`) from `shared/corpus`: each
//! entry only references a DCR data flow (file, JSON pointer, flow index, sha256 of the query)
//! and its table. Shared by the oracle acceptance test and the benchmark.

use std::path::{Path, PathBuf};

use ccfgen_kql::{Case, CaseColumn};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One corpus fixture entry with the case rebuilt from the corpus.
pub struct CorpusCase {
    /// The fixture entry (`id`, `ref`, `oracle`, optional `note` and `divergence`).
    pub item: Value,
    /// The case read from the corpus.
    pub case: Case,
}

/// `tests/fixtures`.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

#[path = "../../../../tests/support/corpus.rs"]
mod shared;

/// The corpus path: the workspace's one rule (`tests/support/corpus.rs`).
pub fn corpus_dir() -> PathBuf {
    shared::corpus_dir()
}

/// Whether a missing corpus fails the tests (`CCFGEN_REQUIRE_CORPUS=1`).
pub fn corpus_required() -> bool {
    shared::corpus_required()
}

/// Reads a JSON file (a leading byte-order mark is allowed); panics with the path on failure.
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn columns(v: &Value) -> Vec<CaseColumn> {
    v.as_array()
        .map(|cols| {
            cols.iter()
                .map(|c| CaseColumn {
                    name: c["name"].as_str().unwrap_or_default().to_string(),
                    ty: c["type"].as_str().unwrap_or_default().to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Rebuilds corpus cases from their references. Returns the cases that could be built and the
/// number of references whose corpus files are absent. A query whose sha256 differs from the
/// recorded one panics (the fixtures must be re-recorded).
pub fn corpus_cases() -> (Vec<CorpusCase>, usize) {
    let Value::Array(items) = read_json(&fixtures_dir().join("corpus.json")) else {
        panic!("corpus.json must hold an array")
    };
    let corpus = corpus_dir();
    let mut out = Vec::new();
    let mut missing = 0;
    for item in items {
        let id = item["id"].as_str().expect("corpus fixture id").to_string();
        let r = &item["ref"];
        let file = corpus.join(r["file"].as_str().expect("ref.file"));
        if !file.exists() {
            missing += 1;
            continue;
        }
        let doc = read_json(&file);
        let dcr = doc
            .pointer(r["pointer"].as_str().unwrap_or_default())
            .unwrap_or_else(|| panic!("{id}: pointer not found"));
        let props = &dcr["properties"];
        let flow = &props["dataFlows"][r["flow"].as_u64().expect("ref.flow") as usize];
        let query = flow["transformKql"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: no transformKql"))
            .to_string();
        let sha = format!("{:x}", Sha256::digest(query.as_bytes()));
        assert_eq!(
            sha,
            r["querySha256"].as_str().unwrap_or_default(),
            "{id}: the corpus query changed; re-record (tests/oracle/record.sh)"
        );
        let stream = flow["streams"][0].as_str().unwrap_or_default();
        let input = columns(&props["streamDeclarations"][stream]["columns"]);
        let table = r.get("table").map(|t| {
            let tdoc = read_json(&corpus.join(t["file"].as_str().expect("table.file")));
            let res = tdoc
                .pointer(t["pointer"].as_str().unwrap_or_default())
                .unwrap_or_else(|| panic!("{id}: table pointer not found"));
            columns(&res["properties"]["schema"]["columns"])
        });
        let case = Case {
            input,
            query,
            table,
            ..Case::default()
        };
        out.push(CorpusCase { item, case });
    }
    (out, missing)
}
