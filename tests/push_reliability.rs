//! The exit status of `ccfgen push` tells the truth and no record is stranded: certificate and
//! DNS failures stop at once (exit 2) with the records pending; failures that may heal are
//! retried within `--max-retry-time` and then leave the records pending, not dead-lettered;
//! records dead-lettered by an earlier run keep every later run at exit 1; Ctrl-C / SIGTERM
//! settle the requests in flight, print the summary and exit 130 with nothing lost. Real
//! binary, real emulator over loopback HTTPS.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use ccfgen_emulator::Fault;
use serde_json::Value;
use support::*;

const STREAM: &str = "Custom-cveBusterVulnerabilities";

fn record(i: u64) -> Value {
    serde_json::json!({
        "VulnId": format!("CVE-2026-{i:05}"), "VulnTitle": format!("record-{i}"),
        "Severity": "High", "CVSS": 7.5, "MachineName": "srv-1", "AssetCriticality": "Tier 1",
        "PatchAvailable": true, "ExploitAvailable": false,
        "DiscoveryDate": "2026-01-01T00:00:00Z", "LastModified": "2026-01-01T00:00:00Z",
        "Status": "Open"
    })
}

fn write_records(path: &Path, range: std::ops::Range<u64>) {
    let lines: Vec<String> = range.map(|i| record(i).to_string()).collect();
    std::fs::write(path, lines.join("\n")).unwrap();
}

fn emulator() -> InProcess {
    let mut config = ccfgen_emulator::Config::single_stream(stream_decl(
        "cvebuster",
        "cveBusterVulnerabilities_CL",
    ));
    config.token_ttl = Duration::from_secs(3599);
    InProcess::start(config)
}

/// The connector config of `emu` with `key` set to `value` (or removed with `None`).
fn edited(config: &Path, key: &str, value: Option<&str>, name: &str) -> PathBuf {
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    match value {
        Some(v) => json[key] = v.into(),
        None => {
            json.as_object_mut().unwrap().remove(key);
        }
    }
    let path = config.with_file_name(name);
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

fn push(input: &Path, config: &Path, state: &Path, extra: &[&str]) -> std::process::Output {
    run(push_cmd(input, config, state)
        .arg("--spec")
        .arg(repo("examples/cvebuster"))
        .args(["--log-format", "json"])
        .args(extra))
}

/// A certificate nobody configured, a name that does not resolve: exit 2 within seconds
/// (the default retry time is 10 minutes), a message naming the cause, every record pending;
/// the same command with the configuration fixed sends them all.
#[test]
fn certificate_and_dns_failures_stop_at_once_with_records_pending() {
    let emu = emulator();
    let other = emulator();
    let dir = tempfile::tempdir().unwrap();
    let config = emu.write_config(dir.path());
    let other_dir = dir.path().join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let other_config: Value =
        serde_json::from_str(&std::fs::read_to_string(other.write_config(&other_dir)).unwrap())
            .unwrap();
    let input = dir.path().join("in.ndjson");
    write_records(&input, 0..20);

    let cases = [
        // The token endpoint's certificate is not trusted (no ca_file).
        (
            edited(&config, "ca_file", None, "no-ca.json"),
            "certificate",
            "token endpoint",
        ),
        // The token is fine, the ingestion endpoint presents another CA's certificate (an
        // emulator restarted with a new CA).
        (
            edited(
                &config,
                "dce_endpoint",
                other_config["dce_endpoint"].as_str(),
                "other-ca.json",
            ),
            "certificate",
            "ca_file",
        ),
        // The ingestion host does not resolve.
        (
            edited(
                &config,
                "dce_endpoint",
                Some("https://no-such-dce.invalid"),
                "no-dns.json",
            ),
            "does not resolve",
            "no-such-dce.invalid",
        ),
    ];
    let state = dir.path().join("state");
    for (i, (bad, cause, detail)) in cases.iter().enumerate() {
        let started = Instant::now();
        let out = push(&input, bad, &state, &[]);
        assert_code(&out, 2);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "case {i}: not retried for minutes ({:?})",
            started.elapsed()
        );
        let stderr = text(&out.stderr);
        assert!(stderr.contains(cause), "case {i}: {stderr}");
        assert!(stderr.contains(detail), "case {i}: {stderr}");
        assert!(stderr.contains("run the same command again"), "{stderr}");
        let summary = summary(&out);
        assert_eq!(summary["pending"], 20, "case {i}: {summary}");
        assert_eq!(summary["dead_lettered"], 0, "case {i}: {summary}");
    }
    assert_eq!(other.emulator.row_count(STREAM), 0);
    let fixed = push(&input, &config, &state, &[]);
    assert_code(&fixed, 0);
    assert_eq!(summary(&fixed)["delivered"], 20);
    assert_eq!(emu.emulator.row_count(STREAM), 20);
}

/// 503 for longer than `--max-retry-time`: the run stops (exit 2) with the records pending,
/// nothing in the dead-letter file; once the service heals, the same command delivers them.
#[test]
fn retry_time_running_out_leaves_records_pending_not_dead_lettered() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let config = emu.write_config(dir.path());
    let input = dir.path().join("in.ndjson");
    write_records(&input, 0..30);
    let state = dir.path().join("state");
    emu.emulator.inject(Fault::fail(503).times(u32::MAX));
    let out = push(&input, &config, &state, &["--max-retry-time", "2s"]);
    assert_code(&out, 2);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("kept failing"), "{stderr}");
    assert!(stderr.contains("HTTP 503"), "{stderr}");
    let s = summary(&out);
    assert_eq!(s["pending"], 30, "{s}");
    assert_eq!(s["dead_lettered"], 0, "{s}");
    let dead = state.join("dead-letter.ndjson");
    assert_eq!(
        std::fs::read_to_string(&dead).unwrap_or_default().trim(),
        "",
        "nothing dead-lettered"
    );
    emu.emulator.clear_faults();
    let healed = push(&input, &config, &state, &[]);
    assert_code(&healed, 0);
    assert_eq!(summary(&healed)["delivered"], 30);
    assert_eq!(emu.emulator.row_count(STREAM), 30);
}

/// Records dead-lettered by a first run keep the next runs at exit 1, and their summary says
/// how many and where, even when those runs have nothing new to send.
#[test]
fn earlier_dead_letters_are_reported_and_keep_exit_1() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let config = emu.write_config(dir.path());
    let input = dir.path().join("in.ndjson");
    let mut lines: Vec<String> = (0..10).map(|i| record(i).to_string()).collect();
    let mut bad = record(10);
    bad["CVSS"] = "high".into();
    lines.push(bad.to_string());
    std::fs::write(&input, lines.join("\n")).unwrap();
    let state = dir.path().join("state");
    let first = push(&input, &config, &state, &[]);
    assert_code(&first, 1);
    assert_eq!(summary(&first)["dead_lettered"], 1);
    assert_eq!(summary(&first)["earlier_dead_letters"], 0);

    let again = push(&input, &config, &state, &[]);
    assert_code(&again, 1);
    let s = summary(&again);
    assert_eq!(s["dead_lettered"], 0, "{s}");
    assert_eq!(s["skipped"], 11, "{s}");
    assert_eq!(s["earlier_dead_letters"], 1, "{s}");
    let stderr = text(&again.stderr);
    assert!(stderr.contains("dead-letter.ndjson"), "{stderr}");
    assert!(stderr.contains("--replay"), "{stderr}");

    let text_run = run(push_cmd(&input, &config, &state)
        .arg("--spec")
        .arg(repo("examples/cvebuster")));
    assert_code(&text_run, 1);
    let stdout = text(&text_run.stdout);
    assert!(
        stdout.contains("earlier dead letters 1 in ") && stdout.contains("dead-letter.ndjson"),
        "{stdout}"
    );
}

fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}

/// SIGINT or SIGTERM mid-run: the summary, the hint to run again, exit 130; the next run
/// sends the rest, and the emulator then holds every record exactly once (the requests in
/// flight were settled, so nothing is sent twice).
#[test]
fn sigint_and_sigterm_settle_in_flight_requests_and_lose_nothing() {
    const RECORDS: u64 = 6_000;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    write_records(&input, 0..RECORDS);
    for (case, name) in ["INT", "TERM"].into_iter().enumerate() {
        let emu = emulator();
        emu.emulator
            .inject(Fault::latency(Duration::from_millis(150)).times(u32::MAX));
        let case_dir = dir.path().join(format!("case-{name}"));
        std::fs::create_dir_all(&case_dir).unwrap();
        let config = emu.write_config(&case_dir);
        let state = case_dir.join("state");
        let cmd = || {
            let mut cmd = push_cmd(&input, &config, &state);
            cmd.arg("--spec")
                .arg(repo("examples/cvebuster"))
                .args(["--batch-records", "100", "--concurrency", "4"])
                .args(["--log-format", "json"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd
        };
        let child = cmd().spawn().unwrap();
        // Wait until some requests were answered, then interrupt.
        let started = Instant::now();
        while emu.emulator.row_count(STREAM) < 200 {
            assert!(started.elapsed() < Duration::from_secs(60), "no progress");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(50 * case as u64));
        signal(child.id(), name);
        let out = wait_output(child, COMMAND_TIMEOUT);
        assert_code(&out, 130);
        let stderr = text(&out.stderr);
        assert!(stderr.contains("run the same command again"), "{stderr}");
        let s = summary(&out);
        assert_eq!(s["complete"], false, "{s}");
        assert_eq!(s["error"], "interrupted", "{s}");
        let pending = s["pending"].as_u64().unwrap();
        let delivered = s["delivered"].as_u64().unwrap();
        assert!(
            delivered < RECORDS,
            "{name}: interrupted before the end: {s}"
        );
        assert_eq!(
            emu.emulator.row_count(STREAM),
            delivered,
            "{name}: every answered request was committed, none left in flight"
        );

        let resumed = wait_output(cmd().spawn().unwrap(), COMMAND_TIMEOUT);
        assert_code(&resumed, 0);
        let r = summary(&resumed);
        assert_eq!(r["delivered"].as_u64().unwrap() + delivered, RECORDS, "{r}");
        assert!(r["delivered"].as_u64().unwrap() >= pending, "{r}");
        assert_eq!(r["duplicates_possible"], 0, "{r}");
        assert!(
            !text(&resumed.stderr).contains("in flight when the previous run stopped"),
            "{}",
            text(&resumed.stderr)
        );
        let mut titles: Vec<String> = emu
            .emulator
            .rows(STREAM)
            .iter()
            .map(|r| r["VulnTitle"].as_str().unwrap().to_owned())
            .collect();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len() as u64, RECORDS, "{name}: every record");
        assert_eq!(
            emu.emulator.row_count(STREAM),
            RECORDS,
            "{name}: and none twice"
        );
    }
}

/// A pipe that stays open and silent (a producer that never closes it): the first SIGINT or
/// SIGTERM stops reading at once — no second signal needed — settles what was read, prints
/// the summary and exits 130; the records read were delivered, nothing is dead-lettered.
#[test]
fn a_signal_stops_reading_a_pipe_that_never_closes() {
    const RECORDS: u64 = 250;
    for name in ["INT", "TERM"] {
        let emu = emulator();
        let dir = tempfile::tempdir().unwrap();
        let config = emu.write_config(dir.path());
        let state = dir.path().join("state");
        let mut child = push_cmd("-", &config, &state)
            .arg("--spec")
            .arg(repo("examples/cvebuster"))
            .args(["--batch-records", "100", "--log-format", "json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Records, then silence: the write end stays open until the test ends.
        let mut stdin = child.stdin.take().unwrap();
        let lines: String = (0..RECORDS).map(|i| format!("{}\n", record(i))).collect();
        std::io::Write::write_all(&mut stdin, lines.as_bytes()).unwrap();
        std::io::Write::flush(&mut stdin).unwrap();
        // Two full batches are sent while the reader waits for more input.
        let started = Instant::now();
        while emu.emulator.row_count(STREAM) < 200 {
            assert!(started.elapsed() < Duration::from_secs(60), "no progress");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(200));
        signal(child.id(), name);
        let signalled = Instant::now();
        let out = wait_output(child, Duration::from_secs(30));
        assert!(
            signalled.elapsed() < Duration::from_secs(10),
            "{name}: one signal ends the run ({:?})",
            signalled.elapsed()
        );
        drop(stdin);
        assert_code(&out, 130);
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("stopped at once"), "{name}: {stderr}");
        assert!(stderr.contains("run the same command again"), "{stderr}");
        let s = summary(&out);
        assert_eq!(s["error"], "interrupted", "{s}");
        assert_eq!(s["dead_lettered"], 0, "{s}");
        let delivered = s["delivered"].as_u64().unwrap();
        assert!(delivered >= 200, "{name}: {s}");
        assert_eq!(emu.emulator.row_count(STREAM), delivered, "{name}: {s}");
        assert_eq!(
            s["pending"].as_u64().unwrap() + delivered,
            RECORDS,
            "{name}: the records read and not sent are pending: {s}"
        );
    }
}

/// `--progress always` with stderr captured (not a terminal): plain-text progress lines at
/// least every second while records flow, counts that only grow, and a last line that adds
/// up; `--progress auto` prints none there.
#[test]
fn progress_always_prints_lines_when_stderr_is_not_a_terminal() {
    const RECORDS: u64 = 3_000;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    write_records(&input, 0..RECORDS);
    let emu = emulator();
    // ~30 requests of 100 ms one after the other: about three seconds of pushing.
    emu.emulator
        .inject(Fault::latency(Duration::from_millis(100)).times(u32::MAX));
    let config = emu.write_config(dir.path());
    let run_with = |progress: &str, state: &str| {
        push(
            &input,
            &config,
            &dir.path().join(state),
            &[
                "--batch-records",
                "100",
                "--concurrency",
                "1",
                "--progress",
                progress,
            ],
        )
    };
    let out = run_with("always", "state-always");
    assert_code(&out, 0);
    let stderr = text(&out.stderr);
    let lines: Vec<[u64; 4]> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("progress: "))
        .map(|l| {
            // "<s> s, <read> records read, <delivered> delivered, <dead> dead-lettered,
            // <pending> pending, …"
            let n: Vec<u64> = l
                .split(", ")
                .take(5)
                .map(|part| part.split(' ').next().unwrap().parse().unwrap())
                .collect();
            [n[1], n[2], n[3], n[4]]
        })
        .collect();
    assert!(lines.len() >= 3, "a line a second: {stderr}");
    for pair in lines.windows(2) {
        assert!(
            (0..3).all(|i| pair[0][i] <= pair[1][i]),
            "counts only grow: {pair:?}"
        );
    }
    for [read, delivered, dead, pending] in &lines {
        assert_eq!(read, &(delivered + dead + pending), "{stderr}");
    }
    assert!(
        lines.iter().any(|l| l[1] > 0 && l[1] < RECORDS),
        "a line while records were being delivered: {stderr}"
    );
    assert_eq!(lines.last().unwrap(), &[RECORDS, RECORDS, 0, 0], "{stderr}");
    assert_eq!(summary(&out)["delivered"], RECORDS);
    // No bar drawing characters in a file.
    assert!(
        !stderr.contains('\r') && !stderr.contains("\x1b["),
        "{stderr:?}"
    );

    let quiet = run_with("auto", "state-auto");
    assert_code(&quiet, 0);
    assert!(
        !text(&quiet.stderr).contains("progress: "),
        "{}",
        text(&quiet.stderr)
    );
}

/// Rewrites the dead-letter file with `fix` applied to every entry.
fn fix_dead_letters(path: &Path, fix: impl Fn(&mut Value)) {
    let fixed: Vec<String> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let mut entry: Value = serde_json::from_str(l).unwrap();
            fix(&mut entry);
            entry.to_string()
        })
        .collect();
    std::fs::write(path, fixed.join("\n") + "\n").unwrap();
}

/// Dead-letter some records, replay without fixing them (nothing changes but the reason's
/// time), fix some in the file and replay (those leave the file, the rest keep their source
/// and position), fix the last and replay: the emulator holds every record, the file is
/// empty, and the runs exit 1, 1, 1, 0.
#[test]
fn replay_sends_fixed_dead_letters_and_keeps_the_rest() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let config = emu.write_config(dir.path());
    let input = dir.path().join("in.ndjson");
    let mut lines: Vec<String> = (0..50).map(|i| record(i).to_string()).collect();
    for (at, i) in [(5, 50), (15, 51), (25, 52)] {
        let mut bad = record(i);
        bad["CVSS"] = "high".into();
        lines.insert(at, bad.to_string());
    }
    lines.insert(35, r#"{"VulnId": "CVE-2026-00053", oops"#.into());
    std::fs::write(&input, lines.join("\n")).unwrap();
    let state = dir.path().join("state");
    let dead = state.join("dead-letter.ndjson");
    let first = push(&input, &config, &state, &[]);
    assert_code(&first, 1);
    assert_eq!(summary(&first)["dead_lettered"], 4);
    assert_eq!(summary(&first)["unparseable"], 1);
    assert_eq!(emu.emulator.row_count(STREAM), 50);

    let replay = |extra: &[&str]| {
        let mut cmd = ccfgen();
        cmd.args(["push", "--replay", "--config"])
            .arg(&config)
            .arg("--state-dir")
            .arg(&state)
            .arg("--spec")
            .arg(repo("examples/cvebuster"))
            .args(["--log-format", "json"])
            .args(extra);
        run(&mut cmd)
    };
    // Nothing fixed: the same four stay (three invalid again, one still not JSON).
    let unchanged = replay(&[]);
    assert_code(&unchanged, 1);
    let s = summary(&unchanged);
    assert_eq!(s["delivered"], 0, "{s}");
    assert_eq!(s["invalid"], 3, "{s}");
    assert_eq!(s["earlier_dead_letters"], 1, "{s}");
    assert_eq!(read_ndjson(&dead).len(), 4);

    // Fix two of the invalid records and the broken line in the file.
    fix_dead_letters(&dead, |e| {
        if e["record"]["VulnId"] != "CVE-2026-00052" && e["record"]["CVSS"] == "high" {
            e["record"]["CVSS"] = 9.8.into();
        }
        if e["reason"] == "unparseable" {
            e["record_text"] = record(53).to_string().into();
        }
    });
    let partly = replay(&[]);
    assert_code(&partly, 1);
    let s = summary(&partly);
    assert_eq!(s["delivered"], 3, "{s}");
    assert_eq!(s["invalid"], 1, "{s}");
    assert_eq!(s["earlier_dead_letters"], 0, "{s}");
    let left = read_ndjson(&dead);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["record"]["VulnId"], "CVE-2026-00052");
    assert_eq!(left[0]["ordinal"], 25, "the original position is kept");
    assert!(
        left[0]["source"].as_str().unwrap().ends_with("in.ndjson"),
        "{}",
        left[0]
    );
    assert_eq!(emu.emulator.row_count(STREAM), 53);

    fix_dead_letters(&dead, |e| e["record"]["CVSS"] = 5.0.into());
    let done = replay(&[]);
    assert_code(&done, 0);
    assert_eq!(summary(&done)["delivered"], 1);
    assert!(read_ndjson(&dead).is_empty());
    assert_eq!(emu.emulator.row_count(STREAM), 54, "every record");
    let mut ids: Vec<String> = emu
        .emulator
        .rows(STREAM)
        .iter()
        .map(|r| r["VulnId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 54, "each once");
    // The original input is complete and nothing is left: exit 0.
    let again = push(&input, &config, &state, &[]);
    assert_code(&again, 0);
    assert_eq!(summary(&again)["skipped"], 54);
    // Replaying an empty file is a no-op.
    assert_code(&replay(&[]), 0);
    // A file of records is not a dead-letter file.
    let wrong = replay(&[input.to_str().unwrap()]);
    assert_code(&wrong, 2);
}

/// A string over the service's 64 KiB per-value limit is sent (the service keeps a truncated
/// value) but counted in the summary and named in a warning; a required column that is
/// `null` is reported as null, not missing.
#[test]
fn oversized_values_are_counted_and_null_is_called_null() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let config = emu.write_config(dir.path());
    let input = dir.path().join("in.ndjson");
    let mut long = record(0);
    long["VulnTitle"] = "x".repeat(70_000).into();
    let mut null = record(1);
    null["VulnId"] = Value::Null;
    let lines = [long.to_string(), null.to_string(), record(2).to_string()];
    std::fs::write(&input, lines.join("\n")).unwrap();
    let state = dir.path().join("state");
    let out = push(&input, &config, &state, &[]);
    assert_code(&out, 1);
    let s = summary(&out);
    assert_eq!(s["delivered"], 2, "{s}");
    assert_eq!(s["oversized_values"], 1, "{s}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("column VulnTitle: a value of 70000 bytes"),
        "{stderr}"
    );
    let dead = read_ndjson(&state.join("dead-letter.ndjson"));
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["message"], "required column VulnId is null");
    let rows = emu.emulator.rows(STREAM);
    let stored = rows
        .iter()
        .find(|r| r["VulnId"] == "CVE-2026-00000")
        .unwrap();
    assert_eq!(
        stored["VulnTitle"].as_str().unwrap().len(),
        64 * 1024,
        "the emulator truncates as the service does"
    );
    let text_out = run(push_cmd(&input, &config, &dir.path().join("state2"))
        .arg("--spec")
        .arg(repo("examples/cvebuster")));
    assert!(
        text(&text_out.stdout).contains("truncated values     1 string values"),
        "{}",
        text(&text_out.stdout)
    );
}
