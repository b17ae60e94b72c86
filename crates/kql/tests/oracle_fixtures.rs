//! Acceptance test: every recorded oracle fixture (Microsoft's Kusto.Language answers) must get
//! the same verdict, output schema, DCR findings and table comparison from `analyze_case`.
//!
//! Hand-written fixtures live whole in `tests/fixtures/hand/*.json`. Corpus fixtures
//! (`tests/fixtures/corpus.json`) only reference `shared/corpus` (file, JSON pointer, flow,
//! sha256 of the query); the query and columns are read from the corpus at test time. Without
//! the corpus those fixtures are counted as not run, which fails when `CCFGEN_REQUIRE_CORPUS=1`.
//! A fixture may declare a documented `divergence` (keys of the oracle answer that we answer
//! differently, with the reason in `note`); the test then asserts exactly that divergence.

mod support;

use std::path::PathBuf;

use ccfgen_kql::{Case, analyze_case};
use serde_json::{Map, Value};
use support::corpus::{corpus_cases, corpus_dir, fixtures_dir, read_json};
use support::queries::{corpus_content_dir, query_cases};

struct Fixture {
    id: String,
    note: Option<String>,
    case: Case,
    oracle: Value,
    divergence: Option<Map<String, Value>>,
}

fn divergence(v: &Value) -> Option<Map<String, Value>> {
    v.get("divergence").and_then(Value::as_object).cloned()
}

fn hand_fixtures() -> Vec<Fixture> {
    let dir = fixtures_dir().join("hand");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let Value::Array(items) = read_json(&file) else {
            panic!("{} must hold an array", file.display())
        };
        for item in items {
            let name = item["name"].as_str().expect("fixture name").to_string();
            let case: Case = serde_json::from_value(item["case"].clone())
                .unwrap_or_else(|e| panic!("{stem}:{name}: bad case: {e}"));
            assert!(
                item.get("oracle").is_some(),
                "{stem}:{name} has no recorded oracle answer: run tests/oracle/record.sh"
            );
            out.push(Fixture {
                id: format!("{stem}:{name}"),
                note: item.get("note").and_then(Value::as_str).map(str::to_string),
                case,
                oracle: item["oracle"].clone(),
                divergence: divergence(&item),
            });
        }
    }
    out
}

/// The corpus fixtures whose files are present, and the number of absent ones.
fn corpus_fixtures() -> (Vec<Fixture>, usize) {
    let (cases, missing) = corpus_cases();
    let fixtures = cases
        .into_iter()
        .map(|c| Fixture {
            id: c.item["id"].as_str().unwrap_or_default().to_string(),
            note: c
                .item
                .get("note")
                .and_then(Value::as_str)
                .map(str::to_string),
            oracle: c.item["oracle"].clone(),
            divergence: divergence(&c.item),
            case: c.case,
        })
        .collect();
    (fixtures, missing)
}

/// The query-corpus fixtures (`tests/fixtures/queries.json`) whose queries are present, and
/// the number of absent ones. A query whose sha256 differs from the recorded one panics.
fn query_fixtures() -> (Vec<Fixture>, usize) {
    let Value::Array(items) = read_json(&fixtures_dir().join("queries.json")) else {
        panic!("queries.json must hold an array")
    };
    let Some(cases) = query_cases() else {
        return (Vec::new(), items.len());
    };
    let mut by_id: std::collections::HashMap<String, Case> =
        cases.into_iter().map(|q| (q.id, q.case)).collect();
    let mut out = Vec::new();
    let mut missing = 0;
    for item in items {
        let id = item["id"].as_str().expect("query fixture id").to_string();
        let Some(case) = by_id.remove(&id) else {
            missing += 1;
            continue;
        };
        use sha2::Digest;
        let sha = format!("{:x}", sha2::Sha256::digest(case.query.as_bytes()));
        assert_eq!(
            sha,
            item["querySha256"].as_str().unwrap_or_default(),
            "{id}: the corpus query changed; re-record (tests/oracle/record.js --queries)"
        );
        out.push(Fixture {
            id,
            note: item.get("note").and_then(Value::as_str).map(str::to_string),
            oracle: item["oracle"].clone(),
            divergence: divergence(&item),
            case,
        });
    }
    assert!(
        by_id.is_empty(),
        "queries without a recorded fixture (re-record): {:?}",
        by_id.keys().collect::<Vec<_>>()
    );
    (out, missing)
}

/// The parts of an answer the acceptance criteria compare.
fn essentials(answer: &Value) -> Value {
    let schema = match &answer["output"] {
        Value::Array(cols) => Value::Array(
            cols.iter()
                .map(|c| serde_json::json!([c["name"], c["type"]]))
                .collect(),
        ),
        _ => Value::Null,
    };
    let findings = |list: &Value| -> Value {
        let mut v: Vec<String> = list
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|f| {
                        format!(
                            "{}:{}",
                            f["kind"].as_str().unwrap_or(""),
                            f["name"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        serde_json::json!(v)
    };
    let dcr = match answer.get("dcr") {
        Some(d) => {
            serde_json::json!({ "ok": d["ok"], "errors": findings(&d["errors"]), "warnings": findings(&d["warnings"]) })
        }
        None => Value::Null,
    };
    serde_json::json!({
        "ok": answer["ok"],
        "output": schema,
        "dcr": dcr,
        "mismatch": answer.get("mismatch").cloned().unwrap_or(Value::Null),
        "tableColumnsNotInOutput": answer.get("tableColumnsNotInOutput").cloned().unwrap_or(Value::Null),
    })
}

fn first_error_start(answer: &Value) -> Option<u64> {
    answer["diagnostics"]
        .as_array()?
        .iter()
        .find(|d| d["severity"] == "Error")
        .and_then(|d| d["start"].as_u64())
}

#[test]
fn oracle_fixtures() {
    let mut fixtures = hand_fixtures();
    let hand = fixtures.len();
    let (corpus, missing_transforms) = corpus_fixtures();
    let corpus_run = corpus.len();
    fixtures.extend(corpus);
    let (queries, missing_queries) = query_fixtures();
    let queries_run = queries.len();
    let queries_start = fixtures.len();
    fixtures.extend(queries);
    let missing = missing_transforms + missing_queries;

    let mut same_schema = 0;
    let mut same_verdict = 0;
    let mut queries_agree = 0;
    let mut failures = Vec::new();
    let mut position_differences = Vec::new();
    for (i, f) in fixtures.iter().enumerate() {
        let ours = analyze_case(&f.case);
        let expected = essentials(&f.oracle);
        let got = essentials(&ours);
        if i >= queries_start && got["ok"] == expected["ok"] && got["output"] == expected["output"]
        {
            queries_agree += 1;
        }
        if got["output"] == expected["output"] {
            same_schema += 1;
        }
        if got["ok"] == expected["ok"] {
            same_verdict += 1;
        }
        let mut want = expected.clone();
        if let Some(div) = &f.divergence {
            assert!(
                f.note.as_deref().is_some_and(|n| !n.is_empty()),
                "{}: a divergence needs a note saying why",
                f.id
            );
            let want_obj = want.as_object_mut().expect("object");
            for (k, v) in div {
                let v = if k == "output" {
                    essentials(&serde_json::json!({ "output": v }))["output"].clone()
                } else {
                    v.clone()
                };
                want_obj.insert(k.clone(), v);
            }
            assert_ne!(
                want, expected,
                "{}: the documented divergence does not differ from the oracle; remove it",
                f.id
            );
        }
        if got != want {
            failures.push(format!(
                "{}\n  query: {}\n  expected: {}\n  got:      {}",
                f.id,
                f.case.query.chars().take(300).collect::<String>(),
                want,
                got
            ));
        }
        let (a, b) = (first_error_start(&f.oracle), first_error_start(&ours));
        if a != b && f.divergence.is_none() {
            position_differences.push(format!(
                "{}: first error at {:?} (oracle) vs {:?} (ours)",
                f.id, a, b
            ));
        }
    }

    println!(
        "{} fixtures: {} identical schema, {} identical verdict ({} hand-written, {} corpus transforms, {} corpus queries; {} corpus fixtures not run)",
        fixtures.len(),
        same_schema,
        same_verdict,
        hand,
        corpus_run,
        queries_run,
        missing
    );
    println!(
        "query corpus: {queries_agree}/{queries_run} agree with the oracle on verdict and output schema"
    );
    if !position_differences.is_empty() {
        println!(
            "first-error positions that differ (not a failure):\n  {}",
            position_differences.join("\n  ")
        );
    }
    if missing > 0 {
        println!(
            "{missing} corpus fixtures were not run: {} or {} is absent",
            corpus_dir().display(),
            corpus_content_dir().display()
        );
        assert!(
            !support::corpus::corpus_required(),
            "CCFGEN_REQUIRE_CORPUS=1 but the corpus is absent"
        );
    }
    assert!(
        hand >= 100,
        "expected at least 100 hand-written fixtures, found {hand}"
    );
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ from the oracle:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}
