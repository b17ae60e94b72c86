//! `ccfgen push` as a real process against an emulator over loopback HTTPS: every example's
//! sample records arrive intact, and the table stores what `ccfgen preview` says the data
//! flow makes of them; invalid records are dead-lettered with their reasons (exit
//! 1); wrong secret / missing role / unknown DCR stop with an actionable message (exit 2);
//! no secret ever appears in stdout, stderr, JSON trace logs, the dead-letter file or the
//! checkpoint store.

mod support;

use std::path::Path;

use ccfgen_emulator::{Fault, FaultTarget};
use ccfgen_push::StreamType;
use serde_json::Value;
use support::*;

/// A record reduced to comparable text: declared columns only, datetimes as instants.
fn canonical(record: &Value, columns: &[(String, StreamType)]) -> String {
    use time::format_description::well_known::Rfc3339;
    let parts: Vec<String> = columns
        .iter()
        .map(|(name, ty)| {
            let v = &record[name.as_str()];
            match (ty, v) {
                (StreamType::DateTime, Value::String(s)) => {
                    time::OffsetDateTime::parse(s, &Rfc3339)
                        .map(|t| t.unix_timestamp_nanos().to_string())
                        .unwrap_or_else(|_| s.clone())
                }
                (StreamType::Real, v) => format!("{:?}", v.as_f64()),
                (StreamType::Dynamic, Value::String(s)) => {
                    serde_json::from_str::<Value>(s).map_or(s.clone(), |v| v.to_string())
                }
                _ => v.to_string(),
            }
        })
        .collect();
    parts.join("|")
}

#[test]
fn every_example_round_trips_through_emulate_and_push() {
    for example in examples() {
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        let emu = EmulateProcess::start(&example, dir.path(), &[]);
        let (solution, _, _) = ccfgen::load::solution(&example).unwrap();
        // One push per stream (the table that declares it), then every table its data flows
        // write (custom or built-in) holds what the previews of those flows say.
        for table in solution.record_tables() {
            let records = sample(&example, &table.name, 250, 11);
            let input = dir.path().join(format!("{}.ndjson", table.name));
            std::fs::write(&input, &records).unwrap();
            let state = dir.path().join(format!("state-{}", table.name));
            let out = run(push_cmd(&input, &emu.config_for(&table.stream), &state)
                .arg("--spec")
                .arg(&example)
                .args(["--log-format", "json"]));
            assert_code(&out, 0);
            let summary = summary(&out);
            assert_eq!(summary["delivered"], 250, "{name}/{}", table.name);
            assert_eq!(summary["dead_lettered"], 0);
            assert_eq!(summary["complete"], true);

            let columns: Vec<(String, StreamType)> = table
                .stream_columns()
                .map(|(c, ty)| (c.name.clone(), ty))
                .collect();
            let mut sent: Vec<String> = records
                .lines()
                .map(|l| canonical(&serde_json::from_str(l).unwrap(), &columns))
                .collect();
            let rows = emu.control(&format!("streams/{}/rows", table.stream));
            let mut stored: Vec<String> = rows
                .as_array()
                .unwrap()
                .iter()
                .map(|r| canonical(r, &columns))
                .collect();
            sent.sort();
            stored.sort();
            assert_eq!(stored, sent, "{name}/{}: every row, unchanged", table.name);
            let mut written: Vec<&str> = Vec::new();
            for (_, t) in solution.tables() {
                if t.data_flow && t.stream == table.stream && !written.contains(&t.name.as_str()) {
                    written.push(&t.name);
                }
            }
            for destination in written {
                assert_table_rows_are_the_previews(
                    &example,
                    destination,
                    &table.stream,
                    &records,
                    &emu,
                );
            }
        }
        let diagnostics = emu.control("diagnostics");
        assert_eq!(
            diagnostics,
            Value::Array(Vec::new()),
            "{name}: validated records are stored without silent changes"
        );
        assert!(emu.stop().success());
    }
}

/// The table's stored rows are the rows `ccfgen preview` computes for the records sent to
/// `stream`, at the time the emulator received them (each row is compared with the previews of
/// every data flow from `stream` into `table` at its own `_ccfgen_received_at`, as a multiset).
fn assert_table_rows_are_the_previews(
    example: &Path,
    table: &str,
    stream: &str,
    records: &str,
    emu: &EmulateProcess,
) {
    use std::collections::BTreeMap;
    let records = ndjson(records);
    let targets: Vec<_> =
        ccfgen::preview::choose(ccfgen::preview::targets(example).unwrap(), Some(table))
            .unwrap()
            .into_iter()
            .filter(|t| t.stream == stream)
            .collect();
    assert!(!targets.is_empty(), "{table}: a data flow from {stream}");
    let rows = emu.control(&format!("tables/{table}/rows"));
    let rows = rows.as_array().unwrap();
    let mut by_time: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        let received = row["_ccfgen_received_at"].as_str().unwrap().to_owned();
        let mut columns = row.as_object().unwrap().clone();
        columns.retain(|k, _| !k.starts_with("_ccfgen_"));
        by_time
            .entry(received)
            .or_default()
            .push(Value::Object(columns).to_string());
    }
    let mut expected_total = None;
    for (received, stored) in by_time {
        let now = ccfgen_kql::eval::time::parse_datetime(&received).unwrap();
        let mut expected: Vec<String> = Vec::new();
        for target in &targets {
            let preview = ccfgen::preview::run(target, &records, now).unwrap();
            expected.extend(
                preview
                    .json_rows()
                    .into_iter()
                    .map(|r| Value::Object(r).to_string()),
            );
        }
        expected_total = Some(expected.len());
        for row in stored {
            let at = expected.iter().position(|e| *e == row);
            let at = at.unwrap_or_else(|| {
                panic!("{table}: a stored row is no preview row at {received}:\n{row}\nfirst preview row:\n{}", expected[0])
            });
            expected.swap_remove(at);
        }
    }
    assert_eq!(
        Some(rows.len()),
        expected_total,
        "{table}: as many rows as the preview"
    );
}

fn cvebuster_record(i: u64) -> Value {
    serde_json::json!({
        "VulnId": format!("CVE-2026-{i:05}"), "VulnTitle": format!("record {i}"),
        "Severity": "High", "CVSS": 7.5, "MachineName": "srv-1", "AssetCriticality": "Tier 1",
        "PatchAvailable": true, "ExploitAvailable": false,
        "DiscoveryDate": "2026-01-01T00:00:00Z", "LastModified": "2026-01-01T00:00:00Z",
        "Status": "Open"
    })
}

#[test]
fn invalid_records_are_dead_lettered_with_reasons_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulateProcess::start(&repo("examples/cvebuster"), dir.path(), &[]);
    let mut lines: Vec<String> = (0..100).map(|i| cvebuster_record(i).to_string()).collect();
    let mut wrong_type = cvebuster_record(100);
    wrong_type["CVSS"] = "high".into();
    let mut missing = cvebuster_record(101);
    missing.as_object_mut().unwrap().remove("VulnId");
    let mut unknown = cvebuster_record(102);
    unknown["Cvss"] = 1.into();
    lines.insert(10, wrong_type.to_string());
    lines.insert(20, missing.to_string());
    lines.insert(30, unknown.to_string());
    lines.insert(40, "{not json".into());
    let input = dir.path().join("in.ndjson");
    std::fs::write(&input, lines.join("\n")).unwrap();
    let dead = dir.path().join("dead.ndjson");
    let out = run(push_cmd(&input, &emu.config, &dir.path().join("state"))
        .arg("--spec")
        .arg(repo("examples/cvebuster"))
        .arg("--dead-letter")
        .arg(&dead));
    assert_code(&out, 1);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("dead-lettered        4"), "{stdout}");
    assert!(stdout.contains("delivered            100"), "{stdout}");
    let entries = read_ndjson(&dead);
    assert_eq!(entries.len(), 4);
    let messages: Vec<String> = entries
        .iter()
        .map(|e| format!("{} {} {}", e["reason"], e["ordinal"], e["message"]))
        .collect();
    let all = messages.join("\n");
    assert!(
        all.contains("\"invalid\" 10 \"column CVSS (real): expected a number"),
        "{all}"
    );
    assert!(
        all.contains("\"invalid\" 20 \"required column VulnId is missing"),
        "{all}"
    );
    assert!(
        all.contains("field Cvss is not a column of the stream (did you mean CVSS?)"),
        "{all}"
    );
    assert!(all.contains("\"unparseable\" 40"), "{all}");
    assert_eq!(
        emu.control("streams/Custom-cveBusterVulnerabilities/count")["count"],
        100
    );
    assert_eq!(
        emu.control("tables/cveBusterVulnerabilities_CL/count")["count"],
        100
    );

    // Without --spec only the JSON shape is checked: the unknown field and wrong type go
    // through (the service would drop / null them); the broken line is still dead-lettered.
    let out = run(&mut push_cmd(
        &input,
        &emu.config,
        &dir.path().join("state2"),
    ));
    assert_code(&out, 1);
    assert!(
        text(&out.stderr).contains("no --spec given"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("delivered            103"));
}

#[test]
fn a_broken_array_after_deliveries_warns_that_an_edited_file_is_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulateProcess::start(&repo("examples/cvebuster"), dir.path(), &[]);
    let records: Vec<String> = (0..500).map(|i| cvebuster_record(i).to_string()).collect();
    // the closing `]` is missing: the input breaks after the last record
    let input = dir.path().join("in.json");
    std::fs::write(&input, format!("[{}", records.join(",\n"))).unwrap();
    let out = run(push_cmd(&input, &emu.config, &dir.path().join("state"))
        .arg("--spec")
        .arg(repo("examples/cvebuster"))
        .args(["--batch-records", "50", "--concurrency", "1"]));
    assert_code(&out, 2);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("the array is not closed"), "{stderr}");
    let delivered = emu.control("streams/Custom-cveBusterVulnerabilities/count")["count"]
        .as_u64()
        .unwrap();
    assert!(
        delivered > 0,
        "some batches went before the break: {stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "warning: this run delivered {delivered} records before the input broke"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("once edited, a file is a new source"),
        "{stderr}"
    );

    // a push stopped for another reason says nothing of the kind
    let out = run(&mut push_cmd(
        dir.path().join("missing.json"),
        &emu.config,
        &dir.path().join("state2"),
    ));
    assert_code(&out, 2);
    assert!(!text(&out.stderr).contains("warning: this run delivered"));
}

#[test]
fn stdin_and_directories_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulateProcess::start(&repo("examples/cvebuster"), dir.path(), &[]);
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(inputs.join("nested")).unwrap();
    let array: Vec<Value> = (0..30).map(cvebuster_record).collect();
    std::fs::write(
        inputs.join("a.json"),
        serde_json::to_string(&array).unwrap(),
    )
    .unwrap();
    let ndjson: Vec<String> = (30..50).map(|i| cvebuster_record(i).to_string()).collect();
    std::fs::write(inputs.join("nested/b.ndjson"), ndjson.join("\n")).unwrap();
    std::fs::write(inputs.join("ignored.txt"), "not records").unwrap();
    let push = |input: &std::ffi::OsStr, stdin: Option<String>| {
        let mut cmd = push_cmd(input, &emu.config, &dir.path().join("state"));
        cmd.arg("--spec")
            .arg(repo("examples/cvebuster"))
            .args(["--log-format", "json"]);
        match stdin {
            None => run(&mut cmd),
            Some(data) => {
                let mut child = cmd
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                let mut pipe = child.stdin.take().unwrap();
                std::thread::spawn(move || {
                    use std::io::Write as _;
                    pipe.write_all(data.as_bytes()).unwrap();
                });
                wait_output(child, COMMAND_TIMEOUT)
            }
        }
    };
    let out = push(inputs.as_os_str(), None);
    assert_code(&out, 0);
    assert_eq!(summary(&out)["delivered"], 50);
    // A second run skips what the first delivered.
    let out = push(inputs.as_os_str(), None);
    assert_code(&out, 0);
    assert_eq!(summary(&out)["delivered"], 0);
    assert_eq!(summary(&out)["skipped"], 50);
    let piped: Vec<String> = (50..60).map(|i| cvebuster_record(i).to_string()).collect();
    let out = push("-".as_ref(), Some(piped.join("\n")));
    assert_code(&out, 0);
    assert_eq!(summary(&out)["delivered"], 10);
    // Piped data is new every run unless --stdin-id says otherwise.
    let out = push("-".as_ref(), Some(piped.join("\n")));
    assert_eq!(summary(&out)["delivered"], 10);
    assert_eq!(
        emu.control("streams/Custom-cveBusterVulnerabilities/count")["count"],
        70
    );
    assert_eq!(
        emu.control("tables/cveBusterVulnerabilities_CL/count")["count"],
        70
    );
}

/// The cveBuster stream in an emulator whose app is not granted on the DCR, or whose
/// secret has expired.
fn in_process(granted: bool, expired: bool) -> InProcess {
    let mut config = ccfgen_emulator::Config::single_stream(stream_decl(
        "cvebuster",
        "cveBusterVulnerabilities_CL",
    ));
    if !granted {
        config.dcrs[0].publishers.clear();
    }
    config.clients[0].secret_expired = expired;
    InProcess::start(config)
}

fn push_records(config: &Path, dir: &Path, extra: &[&str]) -> std::process::Output {
    std::fs::create_dir_all(dir).unwrap();
    let input = dir.join("in.ndjson");
    let lines: Vec<String> = (0..20).map(|i| cvebuster_record(i).to_string()).collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    run(push_cmd(&input, config, &dir.join("state"))
        .arg("--spec")
        .arg(repo("examples/cvebuster"))
        .args(extra))
}

fn edited(config: &Path, key: &str, value: &str, dir: &Path) -> std::path::PathBuf {
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    json[key] = value.into();
    let path = dir.join(format!("edited-{key}.json"));
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

#[test]
fn configuration_errors_stop_with_what_to_change_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulateProcess::start(&repo("examples/cvebuster"), dir.path(), &[]);
    let cases = [
        (
            edited(
                &emu.config,
                "application_secret",
                "8f2c0b1e-5d3a-4c6b-9e7f-0a1b2c3d4e5f",
                dir.path(),
            ),
            vec!["AADSTS7000215", "not its Secret ID"],
        ),
        (
            edited(
                &emu.config,
                "dcr_immutable_id",
                "dcr-00000000000000000000000000000000",
                dir.path(),
            ),
            vec!["HTTP 404", "check dcr_immutable_id"],
        ),
        (
            edited(
                &emu.config,
                "application_id",
                "00000000-0000-0000-0000-000000000000",
                dir.path(),
            ),
            vec!["AADSTS700016", "check client_id and tenant_id"],
        ),
        (
            edited(
                &emu.config,
                "dce_endpoint",
                "http://127.0.0.1:9",
                dir.path(),
            ),
            vec!["allow_http_loopback"],
        ),
    ];
    for (i, (config, expected)) in cases.iter().enumerate() {
        let case = dir.path().join(format!("case{i}"));
        let out = push_records(config, &case, &[]);
        assert_code(&out, 2);
        let stderr = text(&out.stderr);
        for e in expected {
            assert!(stderr.contains(e), "case {i}: `{e}` missing in:\n{stderr}");
        }
    }

    let forbidden = in_process(false, false);
    let config = forbidden.write_config(dir.path());
    let out = push_records(&config, &dir.path().join("forbidden"), &[]);
    assert_code(&out, 2);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("HTTP 403"), "{stderr}");
    assert!(stderr.contains("Monitoring Metrics Publisher"), "{stderr}");
    assert!(stderr.contains("run the same command again"), "{stderr}");
    assert_eq!(
        forbidden
            .emulator
            .row_count("Custom-cveBusterVulnerabilities"),
        0
    );
    assert_eq!(
        forbidden
            .emulator
            .table_row_count("cveBusterVulnerabilities_CL"),
        0
    );

    let missing = run(&mut push_cmd(
        dir.path().join("no-such-file.ndjson"),
        &emu.config,
        &dir.path().join("nothing"),
    ));
    assert_code(&missing, 2);
    assert!(text(&missing.stderr).contains("no-such-file.ndjson"));
}

#[test]
fn secrets_never_appear_in_any_output() {
    let emu = in_process(true, false);
    let secret = emu.emulator.connection().client_secret;
    let dir = tempfile::tempdir().unwrap();
    let config = emu.write_config(dir.path());
    emu.emulator.inject(Fault::fail(503).on(FaultTarget::Token));
    emu.emulator.inject(Fault::fail(500).times(2));
    emu.emulator.inject(Fault::store_then_drop());
    let input = dir.path().join("in.ndjson");
    let mut lines: Vec<String> = (0..600).map(|i| cvebuster_record(i).to_string()).collect();
    lines.push(r#"{"VulnId":"x"}"#.into());
    lines.push("{broken".into());
    std::fs::write(&input, lines.join("\n")).unwrap();
    let state = dir.path().join("state");
    let out = run(push_cmd(&input, &config, &state)
        .env("RUST_LOG", "trace")
        .arg("--spec")
        .arg(repo("examples/cvebuster"))
        .args(["--batch-records", "50", "--log-format", "json"]));
    assert_code(&out, 1);
    let summary = summary(&out);
    assert_eq!(summary["delivered"], 600);
    assert!(
        summary["duplicates_possible"].as_u64().unwrap() >= 50,
        "{summary}"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.lines().count() > 100, "trace logs were captured");
    assert!(
        stderr.contains("x-ms-request-id") || stderr.contains("request_id"),
        "server request ids are logged"
    );

    let wrong = "8f2c0b1e-5d3a-4c6b-9e7f-0a1b2c3d4e5f";
    let bad = edited(&config, "application_secret", wrong, dir.path());
    let failed = run(push_cmd(&input, &bad, &dir.path().join("state-bad"))
        .env("RUST_LOG", "trace")
        .args(["--log-format", "json"]));
    assert_code(&failed, 2);
    let doctor = run(ccfgen()
        .env("RUST_LOG", "trace")
        .args(["doctor", "--log-format", "json", "--config"])
        .arg(&config));
    assert_code(&doctor, 0);

    let mut everything = Vec::new();
    for output in [&out, &failed, &doctor] {
        everything.extend_from_slice(&output.stdout);
        everything.extend_from_slice(&output.stderr);
    }
    for file in walk(dir.path()) {
        if file.extension().is_some_and(|e| e == "json") {
            continue; // the connector config files hold the secret on purpose
        }
        everything.extend_from_slice(&std::fs::read(&file).unwrap());
    }
    let everything = String::from_utf8_lossy(&everything);
    assert!(!everything.contains(&secret), "the client secret leaked");
    assert!(!everything.contains(wrong), "the wrong secret was echoed");
    assert!(
        !everything.contains("Bearer "),
        "an authorization header was logged"
    );
}

/// `ccfgen emulate --role-delay` refuses the app with 403 for a while, as a DCR does right after
/// its role assignment: `ccfgen push` stops at once (exit 2, the role to assign) unless
/// `--role-grace` lets it wait; then every record is delivered.
#[test]
fn role_grace_waits_out_a_fresh_role_assignment() {
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulateProcess::start(
        &repo("examples/cvebuster"),
        dir.path(),
        &["--role-delay", "6s"],
    );
    let refused = push_records(&emu.config, &dir.path().join("no-grace"), &[]);
    assert_code(&refused, 2);
    assert!(
        text(&refused.stderr).contains("Monitoring Metrics Publisher"),
        "{}",
        text(&refused.stderr)
    );
    let waited = push_records(
        &emu.config,
        &dir.path().join("grace"),
        &["--role-grace", "60s"],
    );
    assert_code(&waited, 0);
    assert!(
        text(&waited.stdout).contains("delivered            20"),
        "{}",
        text(&waited.stdout)
    );
    assert_eq!(
        emu.control("streams/Custom-cveBusterVulnerabilities/count")["count"],
        20
    );
    assert_eq!(
        emu.control("tables/cveBusterVulnerabilities_CL/count")["count"],
        20
    );
}
