//! `ccfgen sample` output validates against its own spec: every record of every stream of
//! every example (sampled through the table that declares it) passes `ccfgen_push::validate` (the check `ccfgen push --spec` applies), for
//! several seeds, with unknown fields rejected.

mod support;

use ccfgen_push::ValidationOptions;
use ccfgen_push::validate::validate;
use support::*;

#[test]
fn sample_records_validate_against_their_stream() {
    let mut checked = 0;
    for example in examples() {
        let (solution, _, _) = ccfgen::load::solution(&example).unwrap();
        for table in solution.record_tables() {
            let columns = table.push_columns();
            assert!(!columns.is_empty(), "{}", table.name);
            for seed in [1, 2, 3] {
                let records = sample(&example, &table.name, 1000, seed);
                for (i, line) in records.lines().enumerate() {
                    let record: serde_json::Value = serde_json::from_str(line).unwrap();
                    let problems = validate(&record, &columns, ValidationOptions::default());
                    assert!(
                        problems.is_empty(),
                        "{}/{} seed {seed} record {i}: {problems:?}\n{line}",
                        example.display(),
                        table.name
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 3 * 3 * 1000, "{checked} records checked");
}
