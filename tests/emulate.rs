//! `ccfgen emulate` as a real process: it prints the connector page, writes a ready config
//! (mode 0600) and the CA, answers token and ingestion requests over HTTPS with that CA,
//! applies `--faults`, stops gracefully on SIGTERM, and keeps identifiers and rows across a
//! restart. Also: the DCRs of a built solution directory are emulated.

mod support;

use serde_json::{Value, json};
use support::*;

const STREAM: &str = "Custom-cveBusterVulnerabilities";

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
    let url = format!(
        "{}/dataCollectionRules/{}/streams/{}?api-version=2023-01-01",
        config["dce_endpoint"].as_str().unwrap(),
        config["dcr_immutable_id"].as_str().unwrap(),
        config["stream_name"].as_str().unwrap()
    );
    let record = json!([{
        "VulnId": "CVE-2026-0001", "VulnTitle": "t", "Severity": "High", "CVSS": 7.5,
        "MachineName": "srv-1", "AssetCriticality": "Tier 1", "PatchAvailable": true,
        "ExploitAvailable": false, "DiscoveryDate": "2026-01-01T00:00:00Z",
        "LastModified": "2026-01-01T00:00:00Z", "Status": "Open"
    }]);
    emu.http()
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(record.to_string())
        .send()
        .unwrap()
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
    for key in [
        "tenant_id",
        "application_id",
        "application_secret",
        "dce_endpoint",
        "dcr_immutable_id",
        "stream_name",
        "authority_host",
        "ca_file",
    ] {
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
    assert_eq!(page.matches("stored untransformed").count(), 1, "{page}");

    let token = token(&emu, &config);
    let throttled = ingest(&emu, &config, &token);
    assert_eq!(throttled.status(), 429, "the injected fault answers first");
    assert_eq!(throttled.headers()["retry-after"], "2");
    let accepted = ingest(&emu, &config, &token);
    assert_eq!(accepted.status(), 204);
    assert!(accepted.headers().contains_key("x-ms-request-id"));
    assert_eq!(emu.control(&format!("streams/{STREAM}/count"))["count"], 1);

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
