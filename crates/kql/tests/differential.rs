//! The differential fuzzer (issue 13): 1,000 random full queries over a fixed database, built
//! from the operators of the full language by `tests/support/generate.rs` from a fixed seed,
//! must get the same verdict and output schema from the analyser as from Kusto.Language, whose
//! answers are recorded in `tests/fixtures/generated.json` (re-record with
//! `cargo run -p ccfgen-kql --example generated_queries > /tmp/g.json` and
//! `node tests/oracle/record.js --oracle DIR --generated /tmp/g.json`).

mod support;

use ccfgen_kql::analyze_case;
use serde_json::{Value, json};
use support::corpus::{fixtures_dir, read_json};
use support::generate::{COUNT, SEED, cases};

#[test]
fn generated_queries_agree_with_kusto() {
    let Value::Array(recorded) = read_json(&fixtures_dir().join("generated.json")) else {
        panic!("generated.json must hold an array")
    };
    let cases = cases(SEED, COUNT);
    assert_eq!(
        recorded.len(),
        cases.len(),
        "the generator changed: re-record generated.json"
    );
    let mut failures = Vec::new();
    let mut code_differences = 0;
    let mut valid = 0;
    for (case, want) in cases.iter().zip(&recorded) {
        assert_eq!(
            want["query"].as_str(),
            Some(case.query.as_str()),
            "the generator changed: re-record generated.json"
        );
        let ours = analyze_case(case);
        let output = match &ours["output"] {
            Value::Array(cols) => json!(
                cols.iter()
                    .map(|c| json!([c["name"], c["type"]]))
                    .collect::<Vec<_>>()
            ),
            _ => Value::Null,
        };
        let mut codes: Vec<String> = ours["diagnostics"]
            .as_array()
            .map(|ds| {
                ds.iter()
                    .filter(|d| d["severity"] == "Error")
                    .filter_map(|d| d["code"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        codes.sort();
        codes.dedup();
        if want["ok"] == true {
            valid += 1;
        }
        if ours["ok"] != want["ok"] || output != want["output"] {
            failures.push(format!(
                "{}\n  oracle: ok={} {} {}\n  ours:   ok={} {} {:?}",
                case.query, want["ok"], want["output"], want["errors"], ours["ok"], output, codes
            ));
        } else if json!(codes) != want["errors"] {
            code_differences += 1;
        }
    }
    println!(
        "generated queries: {}/{} agree on verdict and schema ({valid} valid in Kusto; {code_differences} agreeing ones report other error codes)",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} generated queries differ from Kusto.Language:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
