//! `ccfgen preview` with the real binary: a spec with generated samples, and a DCR with its
//! table and hand-written records exercising every storage rule of the service (dropped
//! column, type mismatch, truncation, TimeGenerated window, filtered records).

mod support;

use serde_json::{Value, json};
use support::*;

const NOW: &str = "2025-11-06T12:00:00Z";

fn rows(stdout: &[u8]) -> Vec<Value> {
    text(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("an NDJSON row"))
        .collect()
}

#[test]
fn example_spec_previews_sample_rows() {
    let out = run(ccfgen()
        .arg("preview")
        .arg(repo("examples/cvebuster"))
        .args(["--sample", "5", "--now", NOW, "--format", "ndjson"]));
    assert_code(&out, 0);
    let rows = rows(&out.stdout);
    assert_eq!(rows.len(), 5);
    for row in &rows {
        let obj = row.as_object().unwrap();
        assert_eq!(obj.keys().next().map(String::as_str), Some("TimeGenerated"));
        assert_eq!(
            obj["TimeGenerated"], NOW,
            "the derived transform sets now()"
        );
        assert!(obj["VulnId"].as_str().unwrap().starts_with("CVE-"));
        assert!(obj["CVSS"].is_f64());
    }
    let err = text(&out.stderr);
    assert!(
        err.contains("5 records → 5 rows stored in cveBusterVulnerabilities_CL"),
        "{err}"
    );
    // same seed and time, same bytes
    let again = run(ccfgen()
        .arg("preview")
        .arg(repo("examples/cvebuster"))
        .args(["--sample", "5", "--now", NOW, "--format", "ndjson"]));
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn table_format_is_aligned() {
    let out = run(ccfgen()
        .arg("preview")
        .arg(repo("examples/cvebuster"))
        .args(["--sample", "2", "--now", NOW, "--format", "table"]));
    assert_code(&out, 0);
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[0].starts_with("TimeGenerated  "));
    assert!(lines[1].starts_with("-------------"));
    let second_column = lines[0].find("VulnId").unwrap();
    assert_eq!(&lines[2][second_column..second_column + 4], "CVE-");
}

fn dcr_solution(dir: &std::path::Path) {
    let dcr = json!({
        "type": "Microsoft.Insights/dataCollectionRules",
        "name": "demo-dcr",
        "apiVersion": "2023-03-11",
        "location": "westeurope",
        "properties": {
            "streamDeclarations": {"Custom-Demo": {"columns": [
                {"name": "ts", "type": "string"},
                {"name": "n", "type": "long"},
                {"name": "msg", "type": "string"},
                {"name": "level", "type": "string"}
            ]}},
            "destinations": {"logAnalytics": [{"workspaceResourceId": "x", "name": "ws"}]},
            "dataFlows": [{
                "streams": ["Custom-Demo"],
                "destinations": ["ws"],
                "transformKql": "source | where level != 'debug' | project TimeGenerated = todatetime(ts), Count = n, Message = msg, Extra = 1",
                "outputStream": "Custom-Demo_CL"
            }]
        }
    });
    let table = json!({
        "type": "Microsoft.OperationalInsights/workspaces/tables",
        "name": "Demo_CL",
        "apiVersion": "2022-10-01",
        "properties": {"schema": {"name": "Demo_CL", "columns": [
            {"name": "TimeGenerated", "type": "datetime"},
            {"name": "Count", "type": "int"},
            {"name": "Message", "type": "string"}
        ]}}
    });
    std::fs::write(
        dir.join("DCR.json"),
        serde_json::to_vec_pretty(&dcr).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("table.json"),
        serde_json::to_vec_pretty(&table).unwrap(),
    )
    .unwrap();
}

#[test]
fn storage_rules_are_applied_and_said() {
    let dir = tempfile::tempdir().unwrap();
    dcr_solution(dir.path());
    let long = "x".repeat(70_000);
    let records = [
        json!({"ts": "2025-11-06T11:00:00Z", "n": 5, "msg": "ok", "level": "info"}),
        json!({"ts": "2025-11-01T00:00:00Z", "n": 5_000_000_000i64, "msg": long, "level": "info"}),
        json!({"ts": "not a date", "n": "7", "msg": "bad", "level": "info", "other": 1}),
        json!({"ts": "2025-11-06T11:00:00Z", "n": 1, "msg": "dropped", "level": "debug"}),
    ];
    let input = dir.path().join("records.ndjson");
    let text_records: Vec<String> = records.iter().map(Value::to_string).collect();
    std::fs::write(&input, text_records.join("\n")).unwrap();
    let out = run(ccfgen()
        .arg("preview")
        .arg(dir.path())
        .arg(&input)
        .args(["--now", NOW, "--format", "ndjson"]));
    assert_code(&out, 0);
    let rows = rows(&out.stdout);
    assert_eq!(rows.len(), 3, "the debug record is filtered out");
    assert_eq!(
        rows[0],
        json!({"TimeGenerated": "2025-11-06T11:00:00Z", "Count": 5, "Message": "ok"})
    );
    // 5 days old: replaced by the received time; 5e9 does not fit int; 70 000 bytes cut
    assert_eq!(rows[1]["TimeGenerated"], NOW);
    assert_eq!(rows[1]["Count"], Value::Null);
    assert_eq!(rows[1]["Message"].as_str().unwrap().len(), 64 * 1024);
    // unparsable date: null → received time; "7" is not a long in the stream
    assert_eq!(rows[2]["TimeGenerated"], NOW);
    assert_eq!(rows[2]["Count"], Value::Null);
    let err = text(&out.stderr);
    for expected in [
        "4 records → 3 rows stored in Demo_CL (1 dropped by the transformation)",
        "column Extra: dropped",
        "column Count: 1 of 3 values stored as null (a long value does not fit a int column)",
        "column Message: 1 values over 64 KB truncated",
        "TimeGenerated: 1 of 3 rows get the received time (the transformation outputs null)",
        "TimeGenerated: 1 of 3 rows get the received time (it is more than 2 days before the received time)",
        "stream column n: 1 received values stored as null (a JSON string does not fit its type)",
        "record property other: dropped from 1 records",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    dcr_solution(dir.path());
    let out = run(ccfgen()
        .arg("preview")
        .arg(dir.path())
        .args(["--table", "Nope_CL", "--sample", "1"]));
    assert_code(&out, 2);
    assert!(text(&out.stderr).contains("no table or stream `Nope_CL`"));
    // a transformation the evaluator cannot run is refused with its position
    let dcr_path = dir.path().join("DCR.json");
    let text_dcr = std::fs::read_to_string(&dcr_path).unwrap();
    std::fs::write(
        &dcr_path,
        text_dcr.replace("source | where", "source | take 10 | where"),
    )
    .unwrap();
    let out = run(ccfgen()
        .arg("preview")
        .arg(dir.path())
        .args(["--sample", "1"]));
    assert_code(&out, 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot be run") && err.contains("1:10: the 'take' operator"),
        "{err}"
    );
}
