//! `ccfgen doctor` against good and broken configurations: one line per check, the mapped
//! messages (AADSTS codes, 403/404, file permissions, untrusted certificate, DNS), and exit 1
//! on any failed check.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::*;

fn doctor(config: &Path) -> Output {
    run(ccfgen()
        .arg("doctor")
        .arg("--config")
        .arg(config)
        .args(["--timeout", "10s"]))
}

/// The line of `check`; when there are several (one per endpoint), the worst one.
fn line(out: &Output, check: &str) -> String {
    let stdout = text(&out.stdout);
    let rank = |l: &&str| match l.split_whitespace().next() {
        Some("fail") => 3,
        Some("warn") => 2,
        Some("skip") => 1,
        _ => 0,
    };
    stdout
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some(check))
        .max_by_key(rank)
        .unwrap_or_else(|| panic!("no `{check}` line in:\n{stdout}"))
        .to_owned()
}

/// The status word (ok, warn, fail, skip) of [`line`].
fn status(out: &Output, check: &str) -> String {
    line(out, check)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// A change to a connector config.
type Edit = Box<dyn FnOnce(&mut Value)>;

fn edit(config: &Path, dir: &Path, name: &str, change: impl FnOnce(&mut Value)) -> PathBuf {
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    change(&mut json);
    let path = dir.join(name);
    std::fs::write(&path, json.to_string()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

#[test]
fn a_good_config_passes_every_check() {
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulateProcess::start(&repo("examples/cvebuster"), dir.path(), &[]);
    let out = doctor(&emu.config);
    assert_code(&out, 0);
    for check in ["config", "permissions", "dns", "tls", "token", "stream"] {
        assert_eq!(status(&out, check), "ok", "{check}:\n{}", text(&out.stdout));
    }
    assert!(line(&out, "stream").contains("accepted"));
    // The probe is an empty POST: nothing was stored.
    assert_eq!(
        emu.control("streams/Custom-cveBusterVulnerabilities/count")["count"],
        0
    );
}

#[test]
fn broken_configs_fail_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulateProcess::start(&repo("examples/cvebuster"), dir.path(), &[]);
    let d = dir.path();

    // The secret ID pasted instead of the value, in a file others can read.
    let wrong = edit(&emu.config, d, "wrong-secret.json", |j| {
        j["application_secret"] = "8f2c0b1e-5d3a-4c6b-9e7f-0a1b2c3d4e5f".into();
    });
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&wrong, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = doctor(&wrong);
    assert_code(&out, 1);
    #[cfg(unix)]
    {
        assert_eq!(status(&out, "permissions"), "warn");
        assert!(line(&out, "permissions").contains("mode 0644"));
        assert!(line(&out, "permissions").contains("chmod 600"));
    }
    assert_eq!(status(&out, "token"), "fail");
    assert!(line(&out, "token").contains("AADSTS7000215"));
    assert!(line(&out, "token").contains("not its Secret ID"));
    assert_eq!(status(&out, "stream"), "skip");

    let cases: Vec<(&str, Edit, &str, &[&str])> = vec![
        (
            "unknown-app.json",
            Box::new(|j| j["application_id"] = "00000000-0000-0000-0000-000000000000".into()),
            "token",
            &["AADSTS700016", "check client_id and tenant_id"],
        ),
        (
            "unknown-tenant.json",
            Box::new(|j| j["tenant_id"] = "11111111-1111-1111-1111-111111111111".into()),
            "token",
            &["AADSTS90002", "check tenant_id"],
        ),
        (
            "unknown-dcr.json",
            Box::new(|j| j["dcr_immutable_id"] = "dcr-00000000000000000000000000000000".into()),
            "stream",
            &["HTTP 404", "check dcr_immutable_id"],
        ),
        (
            "no-ca.json",
            Box::new(|j| {
                j.as_object_mut().unwrap().remove("ca_file");
            }),
            "tls",
            &["not trusted", "ca_file"],
        ),
        (
            "bad-host.json",
            Box::new(|j| j["dce_endpoint"] = "https://dce.invalid".into()),
            "dns",
            &["cannot resolve dce.invalid"],
        ),
        (
            "missing-dcr.json",
            Box::new(|j| {
                j.as_object_mut().unwrap().remove("dcr_immutable_id");
            }),
            "config",
            &["missing dcr_immutable_id", "connector page"],
        ),
    ];
    for (name, change, check, expected) in cases {
        let config = edit(&emu.config, d, name, change);
        let out = doctor(&config);
        assert_code(&out, 1);
        assert_eq!(
            status(&out, check),
            "fail",
            "{name}:\n{}",
            text(&out.stdout)
        );
        for e in expected {
            assert!(
                line(&out, check).contains(e),
                "{name}: `{e}` missing in:\n{}",
                text(&out.stdout)
            );
        }
    }
}

#[test]
fn missing_role_and_expired_secret_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let decl = stream_decl("cvebuster", "cveBusterVulnerabilities_CL");

    let mut config = ccfgen_emulator::Config::single_stream(decl.clone());
    config.dcrs[0].publishers.clear();
    let forbidden = InProcess::start(config);
    let forbidden_dir = dir.path().join("forbidden");
    std::fs::create_dir_all(&forbidden_dir).unwrap();
    let out = doctor(&forbidden.write_config(&forbidden_dir));
    assert_code(&out, 1);
    assert_eq!(status(&out, "token"), "ok");
    assert_eq!(status(&out, "stream"), "fail");
    assert!(line(&out, "stream").contains("HTTP 403"));
    assert!(line(&out, "stream").contains("Monitoring Metrics Publisher"));

    let mut config = ccfgen_emulator::Config::single_stream(decl);
    config.clients[0].secret_expired = true;
    let expired = InProcess::start(config);
    let expired_dir = dir.path().join("expired");
    std::fs::create_dir_all(&expired_dir).unwrap();
    let out = doctor(&expired.write_config(&expired_dir));
    assert_code(&out, 1);
    assert!(line(&out, "token").contains("AADSTS7000222"));
    assert!(line(&out, "token").contains("expired"));
}

#[test]
fn configuration_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let emu = EmulateProcess::start(&repo("examples/cvebuster"), dir.path(), &[]);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&emu.config).unwrap()).unwrap();
    let get = |k: &str| json[k].as_str().unwrap().to_owned();
    let out = run(ccfgen()
        .arg("doctor")
        .env("AZURE_TENANT_ID", get("tenant_id"))
        .env("AZURE_CLIENT_ID", get("application_id"))
        .env("AZURE_CLIENT_SECRET", get("application_secret"))
        .env("AZURE_AUTHORITY_HOST", get("authority_host"))
        .env("CCFGEN_DCE_URI", get("dce_endpoint"))
        .env("CCFGEN_DCR_IMMUTABLE_ID", get("dcr_immutable_id"))
        .env("CCFGEN_STREAM_NAME", get("stream_name"))
        .env("CCFGEN_CA_CERT", get("ca_file")));
    assert_code(&out, 0);
    assert!(line(&out, "permissions").contains("environment"));
    assert!(!text(&out.stdout).contains(&get("application_secret")));
}
