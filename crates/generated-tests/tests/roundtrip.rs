//! Every generated struct: its `Record` impl matches the spec's stream, and `ccfgen sample`
//! records survive deserialize → serialize unchanged (renames, RFC 3339 datetimes, UUIDs,
//! optional fields left out).

use ccfgen::sample::{Format, Generator, Options};
use ccfgen_generated_tests::records;

#[test]
fn every_example_has_records() {
    let examples: std::collections::BTreeSet<_> = records().iter().map(|e| e.example).collect();
    assert!(examples.len() >= 3, "{examples:?}");
}

#[test]
fn edge_case_names_compile_and_stay_distinct() {
    let edge: Vec<_> = records()
        .into_iter()
        .filter(|e| e.example == "edge_names")
        .collect();
    assert_eq!(edge.len(), 4, "one struct per table");
    // Without rust_name these two tables would both be `CveBusterVulnerability`.
    let _: ccfgen_generated_tests::edge_names::CveBusterVulnerability;
    let _: ccfgen_generated_tests::edge_names::CveBusterVulnerabilityV2;
    let _: ccfgen_generated_tests::edge_names::OptionRecord;
    let _: ccfgen_generated_tests::edge_names::SelfRecord;
}

#[test]
fn records_roundtrip_and_match_the_spec() {
    for entry in records() {
        let (solution, _, _) = ccfgen::load::solution(std::path::Path::new(entry.spec)).unwrap();
        let (_, table) = solution
            .tables()
            .find(|(_, t)| t.name == entry.table)
            .unwrap();
        assert_eq!(entry.stream, table.stream);
        assert_eq!(
            entry.columns,
            table.push_columns().as_slice(),
            "{}",
            entry.table
        );
        let options = Options {
            count: 300,
            seed: 42,
            base_time: time::macros::datetime!(2026-01-01 00:00:00 UTC),
            format: Format::Ndjson,
        };
        let mut generator = Generator::new(table, &options);
        for _ in 0..options.count {
            let record = generator.record();
            let back = (entry.roundtrip)(&record)
                .unwrap_or_else(|e| panic!("{}: {record} does not deserialize: {e}", entry.table));
            assert_eq!(back, record, "{} round trip", entry.table);
        }
    }
}

#[test]
fn missing_required_field_is_rejected() {
    let entry = records()
        .into_iter()
        .find(|e| e.table == "cveBusterVulnerabilities_CL")
        .unwrap();
    let err = (entry.roundtrip)(&serde_json::json!({"VulnId": "CVE-1"})).unwrap_err();
    assert!(err.contains("missing field"), "{err}");
}
