//! The evaluator on real transformations: every `transformKql` of `shared/corpus` that the
//! analyser accepts must compile and run (on a row of nulls and on a row of typed values),
//! producing one value per output column; every hand-written analyser fixture must compile or
//! be refused with a located error, and never panic.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::PathBuf;

use ccfgen_kql::eval::{Ctx, Program, Value, time};
use ccfgen_kql::{Column, ScalarType, StreamType};
use corpus::{corpus_cases, corpus_required, fixtures_dir, read_json};

fn columns(case: &ccfgen_kql::Case) -> Vec<Column> {
    case.input
        .iter()
        .map(|c| Column::new(c.name.clone(), StreamType::parse(&c.ty).scalar()))
        .collect()
}

/// A plausible value of each type (strings hold a small JSON object, which `parse_json` of a
/// string column then exercises).
fn sample(ty: ScalarType) -> Value {
    match ty {
        ScalarType::Bool => Value::Bool(true),
        ScalarType::Int => Value::Int(7),
        ScalarType::Long => Value::Long(1_700_000_000),
        ScalarType::Real | ScalarType::Decimal => Value::Real(2.5),
        ScalarType::String => Value::string(r#"{"a":"b","n":3}"#),
        ScalarType::DateTime => {
            Value::DateTime(time::UNIX_EPOCH_TICKS + 54 * 365 * time::TICKS_PER_DAY)
        }
        ScalarType::TimeSpan => Value::TimeSpan(time::TICKS_PER_HOUR),
        ScalarType::Guid => Value::Guid([7; 16]),
        ScalarType::Dynamic | ScalarType::Unknown => {
            ccfgen_kql::eval::parse_json(r#"{"data":{"x":1},"a":[1,"two"]}"#).unwrap_or_default()
        }
    }
}

fn exercise(program: &Program, input: &[Column]) {
    let ctx = Ctx {
        now: time::UNIX_EPOCH_TICKS,
    };
    let nulls = vec![Value::Null; input.len()];
    let typed: Vec<Value> = input.iter().map(|c| sample(c.ty)).collect();
    for row in [nulls, typed] {
        if let Some(out) = program.run_row(row, &ctx) {
            assert_eq!(out.len(), program.output().len());
        }
    }
}

#[test]
fn corpus_transforms_compile_and_run() {
    let (cases, missing) = corpus_cases();
    if corpus_required() {
        assert_eq!(missing, 0, "corpus files missing");
    }
    let mut compiled = 0;
    for c in &cases {
        if c.item["oracle"]["ok"] != serde_json::Value::Bool(true) {
            continue;
        }
        let input = columns(&c.case);
        let program = Program::compile(&c.case.query, &input)
            .unwrap_or_else(|e| panic!("{}: the evaluator cannot run it: {e}", c.item["id"]));
        exercise(&program, &input);
        compiled += 1;
    }
    println!("{compiled} corpus transforms compiled and ran");
}

#[test]
fn hand_fixtures_never_panic() {
    let dir = fixtures_dir().join("hand");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("hand fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for file in files {
        let serde_json::Value::Array(items) = read_json(&file) else {
            continue;
        };
        for item in items {
            let Ok(case) = serde_json::from_value::<ccfgen_kql::Case>(item["case"].clone()) else {
                continue;
            };
            let input = columns(&case);
            match Program::compile(&case.query, &input) {
                Ok(p) => exercise(&p, &input),
                Err(e) => assert!(e.line >= 1 && e.column >= 1, "{e}"),
            }
        }
    }
}
