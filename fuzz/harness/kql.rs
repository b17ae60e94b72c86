//! What the KQL fuzz targets do with one input, shared with the stable test that runs the seed
//! corpus (`crates/kql/tests/fuzz_seeds.rs`), so CI exercises exactly the fuzzed code.

use ccfgen_kql::{Case, Column, Options, ScalarType, analyze, analyze_case, lexer};

/// The lexer, parser, analyser and DCR rules on arbitrary text (a transformation over a stream
/// of every column type, with and without the DCR rules). Diagnostics must point into the text.
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
}

/// `analyze_case` on an arbitrary JSON case (the oracle format: stream columns with any type
/// names, the query, the destination table).
pub fn case(data: &[u8]) {
    if let Ok(case) = serde_json::from_slice::<Case>(data) {
        let _ = analyze_case(&case);
    }
}
