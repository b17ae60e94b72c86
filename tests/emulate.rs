//! `ccfgen emulate` as a real process: it prints the connector page, writes a ready config
//! (mode 0600) and the CA, answers token and ingestion requests over HTTPS with that CA,
//! runs the data flow's transformation into the table, applies `--faults`, stops gracefully on
//! SIGTERM, and keeps identifiers and rows across a restart, and keeps every row (stream and
//! table) it answered 204 for when it is killed with SIGKILL under load. Also: the DCRs of a
//! built solution directory are emulated with their tables; a transformation the evaluator
//! cannot run is reported at start.

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

const STREAM: &str = "Custom-cveBusterVulnerabilities";
const TABLE: &str = "cveBusterVulnerabilities_CL";

fn token(emu: &EmulateProcess, config: &Value) -> String {
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        config["authority_host"].as_str().unwrap(),
        config["tenant_id"].as_str().unwrap()
    );
    let resp = emu
        .http()
        .post(url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", config["application_id"].as_str().unwrap()),
            (
                "client_secret",
                config["application_secret"].as_str().unwrap(),
            ),
            ("scope", "https://monitor.azure.com//.default"),
        ])
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = serde_json::from_str(&resp.text().unwrap()).unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

fn ingest(emu: &EmulateProcess, config: &Value, token: &str) -> reqwest::blocking::Response {
    ingest_ids(&emu.http(), config, token, &["CVE-2026-0001".to_owned()]).unwrap()
}

/// Posts one record per id (the id is the record's `VulnId`).
fn ingest_ids(
    http: &reqwest::blocking::Client,
    config: &Value,
    token: &str,
    ids: &[String],
) -> reqwest::Result<reqwest::blocking::Response> {
    let url = format!(
        "{}/dataCollectionRules/{}/streams/{}?api-version=2023-01-01",
        config["dce_endpoint"].as_str().unwrap(),
        config["dcr_immutable_id"].as_str().unwrap(),
        config["stream_name"].as_str().unwrap()
    );
    let records: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "VulnId": id, "VulnTitle": "t", "Severity": "High", "CVSS": 7.5,
                "MachineName": "srv-1", "AssetCriticality": "Tier 1", "PatchAvailable": true,
                "ExploitAvailable": false, "DiscoveryDate": "2026-01-01T00:00:00Z",
                "LastModified": "2026-01-01T00:00:00Z", "Status": "Open"
            })
        })
        .collect();
    http.post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(Value::Array(records).to_string())
        .send()
}

#[test]
fn emulate_serves_https_with_the_written_config_and_ca() {
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulateProcess::start(
        &repo("examples/cvebuster"),
        dir.path(),
        &["--faults", "ingest:fail=1:status=429:retry-after=2"],
    );
    let text = std::fs::read_to_string(&emu.config).unwrap();
    let config: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&str> = config
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in CONNECTION_KEYS {
        assert!(keys.contains(&key), "{key} missing in {text}");
    }
    assert_eq!(config["stream_name"], STREAM);
    assert_eq!(
        std::path::Path::new(config["ca_file"].as_str().unwrap()),
        std::path::absolute(&emu.ca).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&emu.config).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let page = emu.stdout.lock().unwrap().clone();
    for label in [
        "Tenant ID",
        "Application ID",
        "Application Secret",
        "Data Collection Endpoint URI",
        "DCR Immutable ID",
        "Stream Name",
    ] {
        assert!(page.contains(label), "{label} missing:\n{page}");
    }
    assert!(page.contains(config["application_secret"].as_str().unwrap()));
    assert!(page.contains(config["dcr_immutable_id"].as_str().unwrap()));
    assert!(
        page.contains("Data flows (each record a stream accepts runs through its transformKql"),
        "{page}"
    );
    assert!(page.contains(&format!("  {STREAM} → {TABLE}\n")), "{page}");
    assert!(
        page.contains(&format!("/_emulator/tables/{TABLE}/count")),
        "{page}"
    );
    assert!(!page.contains("Warning"), "{page}");

    let token = token(&emu, &config);
    let throttled = ingest(&emu, &config, &token);
    assert_eq!(throttled.status(), 429, "the injected fault answers first");
    assert_eq!(throttled.headers()["retry-after"], "2");
    let accepted = ingest(&emu, &config, &token);
    assert_eq!(accepted.status(), 204);
    assert!(accepted.headers().contains_key("x-ms-request-id"));
    assert_eq!(emu.control(&format!("streams/{STREAM}/count"))["count"], 1);
    assert_eq!(emu.control(&format!("tables/{TABLE}/count"))["count"], 1);
    // cveBuster's transformation: `source | extend TimeGenerated = now()`.
    let row = &emu.control(&format!("tables/{TABLE}/rows"))[0];
    assert_eq!(row["VulnId"], "CVE-2026-0001");
    assert_eq!(row["CVSS"], 7.5);
    assert_eq!(row["PatchAvailable"], true);
    let instant = |v: &Value| {
        use time::format_description::well_known::Rfc3339;
        time::OffsetDateTime::parse(v.as_str().unwrap(), &Rfc3339)
            .unwrap()
            .unix_timestamp_nanos()
            / 100
    };
    assert_eq!(
        instant(&row["TimeGenerated"]),
        instant(&row["_ccfgen_received_at"])
    );

    let status = emu.stop();
    assert!(status.success(), "graceful stop: {status:?}");

    // A restart with the same state keeps the identifiers (the old config still works) and
    // the rows.
    let again = EmulateProcess::start(&repo("examples/cvebuster"), dir.path(), &[]);
    let config2: Value =
        serde_json::from_str(&std::fs::read_to_string(&again.config).unwrap()).unwrap();
    for key in [
        "tenant_id",
        "application_id",
        "application_secret",
        "dcr_immutable_id",
    ] {
        assert_eq!(config2[key], config[key], "{key}");
    }
    assert_eq!(
        again.control(&format!("streams/{STREAM}/count"))["count"],
        1
    );
    assert_eq!(again.control(&format!("tables/{TABLE}/count"))["count"], 1);
    let token = self::token(&again, &config2);
    assert_eq!(ingest(&again, &config2, &token).status(), 204);
    assert!(again.stop().success());
}

#[test]
fn emulate_reads_the_dcrs_of_a_built_solution() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let built = run(ccfgen()
        .args(["build", "--out"])
        .arg(&out)
        .arg(repo("examples/fabrikam")));
    assert_code(&built, 0);
    let state = dir.path().join("emu");
    std::fs::create_dir_all(&state).unwrap();
    let emu = EmulateProcess::start(&out, &state, &[]);
    let page = emu.stdout.lock().unwrap().clone();
    assert!(page.contains("Custom-FabrikamAlerts"), "{page}");
    assert!(page.contains("Custom-FabrikamAudit"), "{page}");
    let audit = emu.config_for("Custom-FabrikamAudit");
    let config: Value = serde_json::from_str(&std::fs::read_to_string(&audit).unwrap()).unwrap();
    assert_eq!(config["stream_name"], "Custom-FabrikamAudit");
    let doctor = run(ccfgen().arg("doctor").arg("--config").arg(&audit));
    assert_code(&doctor, 0);
    // The tables' definitions come from the built files.
    let tables = emu.control("tables");
    let names: Vec<&str> = tables
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["table"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["FabrikamAlerts_CL", "FabrikamAudit_CL"]);
    assert!(
        tables
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["defined"] == true && t["flows"][0]["error"].is_null()),
        "{tables}"
    );
    assert!(emu.stop().success());
}

/// A transformation the evaluator cannot run is reported when the emulator starts (stderr and
/// the page), and its table stores nothing while the stream still stores what it receives.
#[test]
fn emulate_reports_a_transformation_it_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    let solution = dir.path().join("solution");
    std::fs::create_dir_all(&solution).unwrap();
    let dcr = json!({
        "type": "Microsoft.Insights/dataCollectionRules",
        "name": "BrokenDCR",
        "properties": {
            "streamDeclarations": {"Custom-Broken": {"columns": [
                {"name": "TimeGenerated", "type": "datetime"},
                {"name": "Message", "type": "string"}
            ]}},
            "dataFlows": [{
                "streams": ["Custom-Broken"],
                "destinations": ["ws"],
                "transformKql": "source\n| summarize n = count() by Message",
                "outputStream": "Custom-Broken_CL"
            }]
        }
    });
    std::fs::write(solution.join("DCR.json"), dcr.to_string()).unwrap();
    let state = dir.path().join("emu");
    std::fs::create_dir_all(&state).unwrap();
    let emu = EmulateProcess::start(&solution, &state, &[]);
    let page = emu.stdout.lock().unwrap().clone();
    assert!(
        page.contains("Custom-Broken → Broken_CL  NOT RUN"),
        "{page}"
    );
    assert!(
        page.contains("Warning: the transformKql of Custom-Broken → Broken_CL cannot be run"),
        "{page}"
    );
    // stderr is read by another thread: wait (bounded) for the warning
    let deadline = Instant::now() + Duration::from_secs(10);
    let stderr = loop {
        let stderr = emu.stderr.lock().unwrap().clone();
        if stderr.contains("warning") || Instant::now() > deadline {
            break stderr;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        stderr.contains(
            "ccfgen: warning: the transformKql of Custom-Broken → Broken_CL cannot be run"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("2:3"),
        "the line:column in the transformation: {stderr}"
    );
    let tables = emu.control("tables");
    assert_eq!(tables[0]["table"], "Broken_CL");
    assert!(
        tables[0]["flows"][0]["error"]
            .as_str()
            .unwrap()
            .contains("summarize"),
        "{tables}"
    );
    assert!(emu.stop().success());
}

#[test]
fn emulate_rejects_a_directory_without_dcrs() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(ccfgen().arg("emulate").arg(dir.path()));
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("no Microsoft.Insights/dataCollectionRules"),
        "{}",
        text(&out.stderr)
    );
}

/// The emulator commits a request's rows before it answers 204, so SIGKILL in the middle of a
/// load loses none of them: after a restart on the same state file, every record of every
/// request that was answered 204 is there (rows of requests cut off by the kill may be there
/// too: stored, never acknowledged, the duplicate case a client must tolerate).
#[test]
fn rows_answered_204_survive_sigkill_under_load() {
    const WORKERS: usize = 4;
    const PER_REQUEST: usize = 5;
    /// Acknowledged records before the kill.
    const KILL_AFTER: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulateProcess::start(&repo("examples/cvebuster"), dir.path(), &[]);
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(&emu.config).unwrap()).unwrap();
    let token = token(&emu, &config);
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (http, config, token) = (emu.http(), config.clone(), token.clone());
            let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut sent = 0;
                // Bounded: a worker stops at the kill (its request fails), or after 2,000 requests.
                for i in 0..2_000 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let ids: Vec<String> =
                        (0..PER_REQUEST).map(|k| format!("w{w}-r{i}-{k}")).collect();
                    match ingest_ids(&http, &config, &token, &ids) {
                        Ok(resp) if resp.status() == 204 => {
                            acknowledged.lock().unwrap().extend(ids);
                        }
                        Ok(resp) => panic!("unexpected {}: {:?}", resp.status(), resp.text()),
                        Err(_) => break, // the emulator is gone
                    }
                    sent += 1;
                }
                sent
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.lock().unwrap().len() < KILL_AFTER {
        assert!(Instant::now() < deadline, "the load did not get going");
        std::thread::sleep(Duration::from_millis(5));
    }
    emu.kill();
    stop.store(true, Ordering::SeqCst);
    let requests: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(!acknowledged.is_empty());

    let again = EmulateProcess::start(&repo("examples/cvebuster"), dir.path(), &[]);
    let rows = again.control(&format!("streams/{STREAM}/rows"));
    let stored: BTreeSet<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["VulnId"].as_str().unwrap().to_owned())
        .collect();
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged records lost after SIGKILL (first: {:?})",
        lost.len(),
        acknowledged.len(),
        lost.first()
    );
    assert_eq!(
        stored.len(),
        rows.as_array().unwrap().len(),
        "no record stored twice"
    );
    // The table rows are committed with the stream rows: the same records, none lost.
    let table_rows = again.control(&format!("tables/{TABLE}/rows"));
    let in_table: BTreeSet<String> = table_rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["VulnId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        in_table, stored,
        "the table holds a row for each stored record"
    );
    assert_eq!(in_table.len(), table_rows.as_array().unwrap().len());
    eprintln!(
        "{requests} requests answered 204 before SIGKILL; {} records acknowledged, {} stored",
        acknowledged.len(),
        stored.len()
    );
    assert!(again.stop().success());
}
