//! What the KQL fuzz targets do with one input, shared with the stable test that runs the seed
//! corpus (`crates/kql/tests/fuzz_seeds.rs`), so CI exercises exactly the fuzzed code.

use std::sync::OnceLock;

use ccfgen_kql::eval::{Ctx, Program, Value};
use ccfgen_kql::{
    Case, Column, Database, Options, ScalarType, StoredFunction, analyze, analyze_case,
    analyze_query, lexer,
};

/// The lexer, parser, analyser, DCR rules and evaluator on arbitrary text (a transformation over
/// a stream of every column type, with and without the DCR rules). Diagnostics must point into
/// the text.
pub fn query(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    let _ = lexer::lex(&query);
    let input = [
        Column::new("s", ScalarType::String),
        Column::new("i", ScalarType::Int),
        Column::new("l", ScalarType::Long),
        Column::new("r", ScalarType::Real),
        Column::new("b", ScalarType::Bool),
        Column::new("t", ScalarType::DateTime),
        Column::new("d", ScalarType::Dynamic),
        Column::new("TimeGenerated", ScalarType::DateTime),
    ];
    let a = analyze(&query, &input, &Options::default());
    for d in &a.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end <= query.len());
        assert!(query.is_char_boundary(d.span.start) && query.is_char_boundary(d.span.end));
        assert!(d.line >= 1 && d.column >= 1);
    }
    let _ = analyze(
        &query,
        &input,
        &Options {
            dcr_functions: false,
            dcr_check: false,
        },
    );
    // the evaluator: compiled or refused with a position, then run on a row of nulls and on a
    // row of typed values
    match Program::compile(&query, &input) {
        Ok(program) => {
            let ctx = Ctx {
                now: 638_000_000_000_000_000,
            };
            let typed = vec![
                Value::string("a=1 {\"k\":[1,2]}"),
                Value::Int(-7),
                Value::Long(1 << 40),
                Value::Real(2.5),
                Value::Bool(true),
                Value::DateTime(638_000_000_000_000_000),
                ccfgen_kql::eval::parse_json(r#"{"a":{"b":[1,"x",null]}}"#).unwrap_or_default(),
                Value::Null,
            ];
            for row in [vec![Value::Null; input.len()], typed] {
                if let Some(out) = program.run_row(row, &ctx) {
                    assert_eq!(out.len(), program.output().len());
                }
            }
        }
        Err(e) => assert!(e.line >= 1 && e.column >= 1 && e.span.end <= query.len()),
    }
}

/// `analyze_case` on an arbitrary JSON case (the oracle format: stream columns with any type
/// names, the query, the destination table).
pub fn case(data: &[u8]) {
    if let Ok(case) = serde_json::from_slice::<Case>(data) {
        let _ = analyze_case(&case);
    }
}

/// The database `full` queries run against: two custom tables, a parser with named
/// parameters and one with a tabular parameter, and the bundled catalogue (built-in tables,
/// ASIM functions).
fn database() -> &'static Database {
    static DB: OnceLock<Database> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = Database::with_catalog();
        db.add_table(
            "Logins",
            vec![
                Column::new("TimeGenerated", ScalarType::DateTime),
                Column::new("User", ScalarType::String),
                Column::new("IPAddress", ScalarType::String),
                Column::new("Count", ScalarType::Long),
                Column::new("Props", ScalarType::Dynamic),
            ],
        );
        db.add_table(
            "Alerts",
            vec![
                Column::new("TimeGenerated", ScalarType::DateTime),
                Column::new("User", ScalarType::String),
                Column::new("Score", ScalarType::Int),
            ],
        );
        db.add_function(StoredFunction::new(
            "AlertsBy",
            "(minScore:int, user:string='')",
            "Alerts | where Score >= minScore",
        ));
        db.add_function(StoredFunction::new(
            "Top3",
            "(T:(User:string), n:long=3)",
            "T | summarize c = count() by User | top n by c",
        ));
        db
    })
}

/// A full query (rule, hunting query, parser body ...) against the database above; the
/// diagnostics must point inside the text.
pub fn full(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    let a = analyze_query(&query, database(), &Options::query());
    for d in &a.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end <= query.len());
        assert!(query.is_char_boundary(d.span.start) && query.is_char_boundary(d.span.end));
    }
}
