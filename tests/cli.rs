//! The real `ccfgen` binary: help, exit codes (0 ok, 1 findings, 2 usage/I/O), builds that
//! write nothing when the spec is invalid, byte-identical rebuilds, init → build, sample,
//! infer, and the schema file staying in sync with the code.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::prelude::*;
use support::{assert_code, ccfgen, ndjson, repo};

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walk(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn help_lists_the_commands() {
    let out = ccfgen().arg("--help").output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn build_writes_every_artifact_and_rebuilds_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    ccfgen()
        .args(["build", "--out"])
        .arg(&out_dir)
        .arg(repo("examples/cvebuster"))
        .assert()
        .success();
    let first = files_under(&out_dir);
    let names: Vec<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "Data Connectors/cveBusterPush_ccf/table.json",
        "Data Connectors/cveBusterPush_ccf/DCR.json",
        "Data Connectors/cveBusterPush_ccf/connectorDefinition.json",
        "Data Connectors/cveBusterPush_ccf/dataConnector.json",
        "Data/Solution_cveBuster.json",
        "SolutionMetadata.json",
        "ReleaseNotes.md",
        "Rust/cve_buster.rs",
    ] {
        assert!(names.contains(&expected), "missing {expected} in {names:?}");
    }
    let second = ccfgen()
        .args(["build", "--out"])
        .arg(&out_dir)
        .arg(repo("examples/cvebuster/ccfgen.toml"))
        .output()
        .unwrap();
    assert!(second.status.success());
    let stderr = String::from_utf8(second.stderr).unwrap();
    assert!(stderr.contains(" 0 written"), "{stderr}");
    assert_eq!(first, files_under(&out_dir), "second build changed bytes");
}

#[test]
fn build_check_reports_stale_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let build = |check: bool| {
        let mut c = ccfgen();
        c.arg("build").arg("--out").arg(&out_dir);
        if check {
            c.arg("--check");
        }
        c.arg(repo("examples/contoso"));
        c.output().unwrap()
    };
    assert_eq!(build(true).status.code(), Some(1), "nothing built yet");
    assert!(build(false).status.success());
    assert_eq!(build(true).status.code(), Some(0));
    std::fs::write(out_dir.join("ReleaseNotes.md"), "edited by hand\n").unwrap();
    let stale = build(true);
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        String::from_utf8(stale.stderr)
            .unwrap()
            .contains("ReleaseNotes.md")
    );
}

#[test]
fn invalid_spec_exits_1_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = ccfgen()
        .args(["build", "--out"])
        .arg(&out_dir)
        .arg(repo("tests/broken/naming.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("error[column-reserved]"), "{stderr}");
    assert!(stderr.contains("naming.toml:19:12"), "{stderr}");
    assert!(!out_dir.exists(), "an invalid spec must not write anything");
}

#[test]
fn invalid_spec_keeps_previous_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let spec = tmp.path().join("ccfgen.toml");
    let good = std::fs::read_to_string(repo("examples/contoso/ccfgen.toml")).unwrap();
    std::fs::write(&spec, &good).unwrap();
    ccfgen()
        .args(["build", "--out"])
        .arg(&out_dir)
        .arg(&spec)
        .assert()
        .success();
    let before = files_under(&out_dir);
    std::fs::write(
        &spec,
        good.replace("ContosoSecurityAlerts_CL\"", "Contoso Alerts\""),
    )
    .unwrap();
    ccfgen()
        .args(["build", "--out"])
        .arg(&out_dir)
        .arg(&spec)
        .assert()
        .code(1);
    assert_eq!(before, files_under(&out_dir));
}

#[test]
fn usage_and_io_errors_exit_2() {
    ccfgen().arg("frobnicate").assert().code(2);
    ccfgen().args(["build", "--no-such-flag"]).assert().code(2);
    let out = ccfgen()
        .args(["build", "/nonexistent/ccfgen.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("cannot read /nonexistent/ccfgen.toml"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "the reason is said once: {stderr}"
    );
}

#[test]
fn init_writes_a_spec_that_builds_without_findings() {
    let tmp = tempfile::tempdir().unwrap();
    ccfgen()
        .args([
            "init",
            "--name",
            "Acme Shield",
            "--date",
            "2026-01-15",
            "--dir",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let spec = std::fs::read_to_string(tmp.path().join("ccfgen.toml")).unwrap();
    assert!(spec.starts_with("#:schema ./ccfgen.schema.json\n"));
    assert!(tmp.path().join("ccfgen.schema.json").exists());
    let out = ccfgen()
        .args(["build", "--deny-warnings", "--out"])
        .arg(tmp.path().join("out"))
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_code(&out, 0);
    // A second init refuses to overwrite.
    ccfgen()
        .args(["init", "--name", "X", "--dir"])
        .arg(tmp.path())
        .assert()
        .code(2);
}

#[test]
fn sample_is_deterministic_and_matches_the_stream() {
    let run = || {
        ccfgen()
            .args([
                "sample",
                "--count",
                "200",
                "--seed",
                "7",
                "--base-time",
                "2026-01-01T00:00:00Z",
            ])
            .arg(repo("examples/fabrikam"))
            .args(["--table", "FabrikamAlerts_CL"])
            .output()
            .unwrap()
    };
    let a = run();
    assert_code(&a, 0);
    assert_eq!(a.stdout, run().stdout);
    let text = String::from_utf8(a.stdout).unwrap();
    let records = ndjson(&text);
    assert_eq!(records.len(), 200);
    let stream = [
        "EventEpoch",
        "AlertId",
        "UserPrincipalName",
        "RiskLevel",
        "RiskScore",
        "ClientIp",
        "Location",
        "Remediated",
    ];
    for r in &records {
        let obj = r.as_object().unwrap();
        assert!(obj.keys().all(|k| stream.contains(&k.as_str())), "{r}");
        assert!(r["EventEpoch"].is_i64() && r["RiskScore"].is_i64());
        assert!(["high", "medium", "low"].contains(&r["RiskLevel"].as_str().unwrap()));
        uuid_like(r["AlertId"].as_str().unwrap());
    }
    // Optional columns are sometimes left out, never required ones.
    assert!(records.iter().any(|r| r.get("Location").is_none()));
    assert!(records.iter().all(|r| r.get("UserPrincipalName").is_some()));
    // Several tables and no --table: a usage error naming them.
    let out = ccfgen()
        .arg("sample")
        .arg(repo("examples/fabrikam"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("FabrikamAudit_CL")
    );
}

fn uuid_like(s: &str) {
    assert_eq!(s.len(), 36, "{s}");
    assert_eq!(s.matches('-').count(), 4, "{s}");
}

#[test]
fn infer_proposes_columns_that_build() {
    let tmp = tempfile::tempdir().unwrap();
    let events = tmp.path().join("events.ndjson");
    std::fs::write(
        &events,
        "{\"host\":\"a\",\"bytes\":12,\"at\":\"2026-01-01T00:00:00Z\",\"tags\":[\"x\"],\"id\":\"7d444840-9dc0-11d1-b245-5ffdce74fad2\"}\n{\"host\":\"b\",\"bytes\":3000000000,\"at\":\"2026-01-01T00:00:01Z\",\"ok\":true,\"id\":\"7d444840-9dc0-11d1-b245-5ffdce74fad3\"}\n",
    )
    .unwrap();
    let out = ccfgen()
        .arg("infer")
        .arg(&events)
        .args(["--table", "Foo_CL"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let block = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!(block);
    // Put the proposal into the starter spec in place of its table: it must build.
    ccfgen()
        .args([
            "init",
            "--name",
            "Foo",
            "--date",
            "2026-01-15",
            "--no-content",
            "--dir",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let spec_path = tmp.path().join("ccfgen.toml");
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    let cut = spec.find("[[connectors.tables]]").unwrap();
    std::fs::write(&spec_path, format!("{}{}", &spec[..cut], block)).unwrap();
    let built = ccfgen()
        .args(["build", "--out"])
        .arg(tmp.path().join("out"))
        .arg(&spec_path)
        .output()
        .unwrap();
    assert_code(&built, 0);
}

#[test]
fn schema_file_is_current() {
    let out = ccfgen().arg("schema").output().unwrap();
    assert!(out.status.success());
    let committed = std::fs::read(repo("schema/ccfgen.schema.json")).unwrap();
    assert!(
        out.stdout == committed,
        "schema/ccfgen.schema.json is stale: run `cargo run -- schema --out schema/ccfgen.schema.json`"
    );
}

#[test]
fn examples_point_editors_at_the_schema() {
    for e in std::fs::read_dir(repo("examples")).unwrap() {
        let spec = e.unwrap().path().join("ccfgen.toml");
        if spec.exists() {
            let text = std::fs::read_to_string(&spec).unwrap();
            assert!(
                text.starts_with("#:schema ../../schema/ccfgen.schema.json\n"),
                "{} lacks the #:schema line",
                spec.display()
            );
        }
    }
}
