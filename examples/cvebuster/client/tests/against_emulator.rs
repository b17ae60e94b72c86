//! The bundled client, as a process, against an in-process emulator declaring the stream
//! of the generated `CveBusterVulnerability`: every finding arrives and deserializes back
//! into the struct; running the same scan id again sends nothing twice.

use std::process::Command;
use std::time::Duration;

use ccfgen_emulator::{StreamColumn, StreamDecl};
use ccfgen_push::Record;

mod records {
    include!(concat!(env!("OUT_DIR"), "/cve_buster.rs"));
}

use records::CveBusterVulnerability;

fn run_client(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cvebuster-client"))
        .args(args)
        .env_remove("AZURE_CLIENT_SECRET")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the client starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the client did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn findings_arrive_in_the_emulator() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stream = StreamDecl::new(
        CveBusterVulnerability::STREAM,
        CveBusterVulnerability::COLUMNS
            .iter()
            .map(|c| StreamColumn::new(c.name.to_string(), c.ty.as_str()))
            .collect(),
    );
    let emulator = runtime
        .block_on(async {
            tokio::time::timeout(
                Duration::from_secs(30),
                ccfgen_emulator::start(ccfgen_emulator::Config::single_stream(stream)),
            )
            .await
        })
        .expect("emulator starts in time")
        .expect("emulator starts");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("connector_config.json");
    emulator.write_connection_file(&config).unwrap();
    let state = dir.path().join("state");
    let args = [
        "--config".as_ref(),
        config.as_os_str(),
        "--count".as_ref(),
        "1500".as_ref(),
        "--scan-id".as_ref(),
        "test-scan".as_ref(),
        "--state-dir".as_ref(),
        state.as_os_str(),
    ];
    let out = run_client(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1500 findings delivered"), "{stdout}");

    let rows = emulator.rows(CveBusterVulnerability::STREAM);
    assert_eq!(rows.len(), 1500);
    for row in &rows {
        let mut row = row.clone();
        row.as_object_mut()
            .unwrap()
            .retain(|k, _| !k.starts_with("_ccfgen_"));
        let finding: CveBusterVulnerability = serde_json::from_value(row).unwrap();
        assert!(finding.vuln_id.starts_with("CVE-2026-"));
        assert!((0.0..=10.0).contains(&finding.cvss));
    }
    assert!(
        emulator.diagnostics().is_empty(),
        "generated records match the stream"
    );

    let again = run_client(&args);
    assert!(again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("1500 skipped"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert_eq!(emulator.row_count(CveBusterVulnerability::STREAM), 1500);
}
