//! Public API behaviour: positions, options, type names and the table comparison, through
//! `analyze` and `analyze_case` as other crates call them.

use ccfgen_kql::{
    Case, CaseColumn, Column, Mismatch, Options, ScalarType, Severity, StreamType, analyze,
    analyze_case, codes, compare_with_table,
};

fn input() -> Vec<Column> {
    vec![
        Column::new("TimeGenerated", ScalarType::DateTime),
        Column::new("RawData", ScalarType::String),
        Column::new("Props", ScalarType::Dynamic),
    ]
}

#[test]
fn diagnostics_carry_byte_spans_and_lines() {
    let q = "source\n| extend x = 'é'\n| extend y = toint(Nope)";
    let a = analyze(q, &input(), &Options::default());
    assert!(!a.is_ok());
    let d = &a.diagnostics[0];
    assert_eq!(d.code, codes::UNKNOWN_NAME);
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(&q[d.span.clone()], "Nope");
    assert_eq!((d.line, d.column), (3, 20));
    // the best-effort schema is still there, with unknown for the unresolved expression
    let out = a.output.expect("schema");
    assert_eq!(out.last(), Some(&Column::new("y", ScalarType::Int)));
}

#[test]
fn options_switch_dcr_functions_and_rules() {
    let q = "source | extend c = parse_cef_dictionary(RawData) | summarize count()";
    let on = analyze(q, &input(), &Options::default());
    assert!(on.is_ok());
    assert!(!on.dcr.ok);
    assert_eq!(on.dcr.errors[0].kind, "tabular-operator");
    assert_eq!(on.dcr.errors[0].name, "summarize");
    assert_eq!(on.dcr.warnings[0].name, "count");

    let off = analyze(
        q,
        &input(),
        &Options {
            dcr_functions: false,
            dcr_check: false,
        },
    );
    assert!(
        off.diagnostics
            .iter()
            .any(|d| d.code == codes::UNKNOWN_FUNCTION)
    );
    assert!(off.dcr.ok && off.dcr.errors.is_empty() && off.dcr.warnings.is_empty());
}

#[test]
fn non_tabular_results_have_no_output() {
    let a = analyze("let x = 1;", &input(), &Options::default());
    assert!(a.is_ok());
    assert_eq!(a.output, None);
    assert_eq!(a.result_kind, "none");
    let a = analyze("print 1 | where true; 1 + 1", &input(), &Options::default());
    assert_eq!(a.output, None);
    assert_eq!(a.result_kind, "PrimitiveSymbol long");
}

#[test]
fn type_name_vocabularies() {
    assert_eq!(
        StreamType::parse("dateTime"),
        StreamType::Documented(ScalarType::DateTime)
    );
    assert_eq!(
        StreamType::parse("boolean"),
        StreamType::Documented(ScalarType::Bool)
    );
    assert_eq!(
        StreamType::parse("guid"),
        StreamType::Undocumented(ScalarType::Guid)
    );
    assert_eq!(
        StreamType::parse("timespan"),
        StreamType::KustoOnly(ScalarType::TimeSpan)
    );
    assert_eq!(StreamType::parse("varchar"), StreamType::Unknown);
    assert_eq!(
        StreamType::parse("a-name-longer-than-any-type-name"),
        StreamType::Unknown
    );
    assert_eq!(StreamType::parse("strïng"), StreamType::Unknown);
    assert_eq!(StreamType::parse("varchar").scalar(), ScalarType::Dynamic);
    assert_eq!(
        ScalarType::from_table_api_name("Datetime"),
        Some(ScalarType::DateTime)
    );
    assert_eq!(
        ScalarType::from_kusto_name("double"),
        Some(ScalarType::Real)
    );
    assert_eq!(ScalarType::Bool.table_api_name(), Some("boolean"));
    assert_eq!(ScalarType::TimeSpan.table_api_name(), None);
}

#[test]
fn parse_columns_finding_tells_the_extracted_count() {
    let columns = |n: usize| -> String {
        (0..n)
            .map(|i| format!("C{i}"))
            .collect::<Vec<_>>()
            .join(" ' ' ")
    };
    // 10 extracted columns: the rule (like the oracle) counts `kind=` too
    let q = format!(
        "source | parse kind=simple RawData with {} '.' *",
        columns(10)
    );
    let a = analyze(&q, &input(), &Options::default());
    let f = &a.dcr.errors[0];
    assert_eq!((f.kind.as_str(), f.extracted), ("parse-columns", Some(10)));
    assert!(f.message.contains("11 columns"), "{}", f.message);
    let q = format!("source | parse RawData with {}", columns(11));
    let a = analyze(&q, &input(), &Options::default());
    assert_eq!(a.dcr.errors[0].extracted, Some(11));
    let a = analyze("source | summarize count()", &input(), &Options::default());
    assert_eq!(a.dcr.errors[0].extracted, None);
}

#[test]
fn table_comparison_through_the_api() {
    let a = analyze("source | extend EventId = 1", &input(), &Options::default());
    let table = vec![
        ("TimeGenerated".to_string(), "dateTime".to_string()),
        ("rawData".to_string(), "string".to_string()),
        ("Props".to_string(), "string".to_string()),
        ("Extra".to_string(), "int".to_string()),
    ];
    let cmp = compare_with_table(a.output.as_deref().unwrap_or(&[]), &table);
    let names: Vec<&str> = cmp.mismatch.iter().map(Mismatch::name).collect();
    assert_eq!(names, ["RawData", "Props", "EventId"]);
    assert!(matches!(cmp.mismatch[0], Mismatch::CaseDiffers { .. }));
    assert!(matches!(cmp.mismatch[1], Mismatch::TypeDiffers { .. }));
    assert!(matches!(cmp.mismatch[2], Mismatch::MissingInTable { .. }));
    assert_eq!(cmp.table_columns_not_in_output, ["Extra"]);
}

#[test]
fn analyze_case_speaks_the_oracle_format() {
    let case = Case {
        input: vec![
            CaseColumn {
                name: "ts".into(),
                ty: "string".into(),
            },
            CaseColumn {
                name: "Id".into(),
                ty: "guid".into(),
            },
        ],
        query: "source | project TimeGenerated = todatetime(ts), Id".into(),
        table: Some(vec![CaseColumn {
            name: "TimeGenerated".into(),
            ty: "dateTime".into(),
        }]),
        ..Case::default()
    };
    let answer = analyze_case(&case);
    assert_eq!(answer["oracle"]["engine"], "ccfgen-kql");
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["output"][0]["tableApiType"], "dateTime");
    assert_eq!(answer["output"][1]["type"], "guid");
    assert_eq!(answer["inputProblems"][0]["column"], "Id");
    assert_eq!(answer["mismatch"][0]["kind"], "missing_in_table");
    assert_eq!(answer["dcr"]["ok"], true);
    let keys: Vec<&str> = answer
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "oracle",
            "ok",
            "diagnostics",
            "output",
            "inputProblems",
            "mismatch",
            "tableColumnsNotInOutput",
            "dcr"
        ]
    );
}
