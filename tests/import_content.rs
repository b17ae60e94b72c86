//! `ccfgen import` of a *package* writes its content as native files (the real binary, temp
//! dirs): the corpus packages that embed analytic rules, parsers and workbooks come back as
//! `Analytic Rules/*.yaml`, `Parsers/*.yaml`, `Workbooks/*.json` + `WorkbooksMetadata.json`,
//! build (`--compat official`) the package they came from, and pass `ccfgen check`; the
//! example's package (rule, hunting query, workbook) round-trips the same way; content not in
//! the packager's form stays verbatim with a note; a content name that would escape the output
//! folder refuses the import.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::corpus::{content_corpus, corpus};
use support::{assert_code, ccfgen, repo, run, text};

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A YAML file as JSON, read by ccfgen's own YAML reader.
fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    ccfgen::yaml_spans::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .root
        .to_json()
}

fn import(package: &Path, spec: &Path) -> std::process::Output {
    run(ccfgen().arg("import").arg(package).arg("--out").arg(spec))
}

fn build_official(spec: &Path, out: &Path) {
    assert_code(
        &run(ccfgen()
            .arg("build")
            .arg(spec)
            .arg("--out")
            .arg(out)
            .args(["--compat", "official"])),
        0,
    );
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = support::walk(dir)
        .into_iter()
        .map(|p| {
            p.strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    out.sort();
    out
}

/// Imports `package_dir`, checks the files it wrote, builds with `--compat official` and
/// returns (the spec's folder, the built mainTemplate.json).
fn round_trip(package_dir: &Path, tmp: &Path, expected: &[&str]) -> (PathBuf, Value) {
    let dir = tmp.join("imported");
    let spec = dir.join("ccfgen.toml");
    let out = import(package_dir, &spec);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let written = files(&dir);
    for file in expected {
        assert!(
            written.iter().any(|w| w == file),
            "{file} not written: {written:?}"
        );
    }
    assert!(
        !written.iter().any(|w| w == "extra-content.json"),
        "all content is native: {written:?}"
    );
    let built = tmp.join("out");
    build_official(&spec, &built);
    let main = json(&built.join("Package/mainTemplate.json"));
    (dir, main)
}

#[test]
fn corpus_content_packages_come_back_as_files_that_build_the_package() {
    let Some(corpus) = content_corpus() else {
        return;
    };
    let cases: [(&str, &[&str]); 3] = [
        (
            "GambitSecurity",
            &[
                "Analytic Rules/GambitCriticalIssuePromotion.yaml",
                "Parsers/GambitPoliciesIssues.yaml",
            ],
        ),
        (
            "Keeper Security",
            &[
                "Analytic Rules/Keeper Security - Alternate Master Password.yaml",
                "Analytic Rules/Keeper Security - User MFA Changed.yaml",
                "Workbooks/KeeperSecurityDashboard.json",
                "Workbooks/WorkbooksMetadata.json",
            ],
        ),
        (
            "Valence Security",
            &[
                "Analytic Rules/ValenceAlerts.yaml",
                "Workbooks/ValenceAlertsWorkbook.json",
                "Workbooks/WorkbooksMetadata.json",
            ],
        ),
    ];
    for (name, expected) in cases {
        let solution = corpus.join("azure-sentinel").join(name);
        let tmp = tempfile::tempdir().unwrap();
        let (dir, main) = round_trip(&solution.join("Package"), tmp.path(), expected);
        let original = json(&solution.join("Package/mainTemplate.json"));
        assert!(
            main == original,
            "{name}: the package built from the imported files equals the official one"
        );
        // Each rebuilt file carries the packaged values in the source format.
        for rel in expected.iter().filter(|f| f.starts_with("Analytic Rules/")) {
            let rule = yaml(&dir.join(rel));
            assert!(
                rule["id"]
                    .as_str()
                    .is_some_and(|id| original.to_string().contains(id)),
                "{rel}: id"
            );
            assert!(
                matches!(rule["kind"].as_str(), Some("Scheduled" | "NRT")),
                "{rel}"
            );
            assert!(rule["query"].as_str().is_some_and(|q| !q.is_empty()));
        }
        if name == "GambitSecurity" {
            let rule = yaml(&dir.join("Analytic Rules/GambitCriticalIssuePromotion.yaml"));
            assert_eq!(rule["id"], "8d2b6f4c-1a37-4e9b-b5c8-7f0e3a2d9c14");
            assert_eq!(rule["queryFrequency"], "1d");
            assert_eq!(rule["triggerOperator"], "gt");
            assert_eq!(
                rule["query"],
                "GambitPoliciesIssues\n| where State == \"Active\" and Severity == \"High\"\n"
            );
            let parser = yaml(&dir.join("Parsers/GambitPoliciesIssues.yaml"));
            assert_eq!(parser["FunctionName"], "GambitPoliciesIssues");
            assert_eq!(
                parser["FunctionQuery"],
                "GambitPoliciesIssues_CL\n| summarize arg_max(TimeGenerated, *) by IssueId\n"
            );
            // The rebuilt package is the official one byte for byte.
            let built = std::fs::read(tmp.path().join("out/Package/mainTemplate.json")).unwrap();
            assert!(built == std::fs::read(solution.join("Package/mainTemplate.json")).unwrap());
        }
        if name == "Keeper Security" {
            // The workbook is the packaged serializedData, as a file; the metadata entry is
            // the one the packager printed into the metadata description.
            let workbook = json(&dir.join("Workbooks/KeeperSecurityDashboard.json"));
            assert_eq!(workbook["version"], "Notebook/1.0");
            let meta = json(&dir.join("Workbooks/WorkbooksMetadata.json"));
            assert_eq!(
                meta[0]["templateRelativePath"],
                "KeeperSecurityDashboard.json"
            );
            assert_eq!(meta[0]["title"], "Keeper Security Dashboard");
            let source = json(&solution.join("Workbooks/KeeperSecurityDashboard.json"));
            assert_eq!(
                workbook["items"], source["items"],
                "the workbook's items are the source's"
            );
        }
        // The written content passes `ccfgen check`'s content rules.
        let check = run(ccfgen().arg("check").arg(tmp.path().join("out")));
        let report = text(&check.stdout) + &text(&check.stderr);
        assert!(
            !report.contains("error[") && !report.contains("warning[content"),
            "{name}: {report}"
        );
    }
}

#[test]
fn the_example_package_with_a_hunting_query_round_trips_as_files() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    build_official(&repo("examples/cvebuster/ccfgen.toml"), &first);
    let back = tmp.path().join("back");
    std::fs::create_dir_all(&back).unwrap();
    let (dir, main) = round_trip(
        &first.join("Package"),
        &back,
        &[
            "Analytic Rules/cveBusterExploitableCriticalVulnerability.yaml",
            "Hunting Queries/cveBusterHostsWithMostOpenFindings.yaml",
            "Workbooks/cveBusterVulnerabilities.json",
            "Workbooks/WorkbooksMetadata.json",
        ],
    );
    assert!(main == json(&first.join("Package/mainTemplate.json")));
    let hunting = yaml(&dir.join("Hunting Queries/cveBusterHostsWithMostOpenFindings.yaml"));
    let source = yaml(&repo(
        "examples/cvebuster/Hunting Queries/cveBusterHostsWithMostOpenFindings.yaml",
    ));
    for key in [
        "id",
        "name",
        "query",
        "tactics",
        "relevantTechniques",
        "requiredDataConnectors",
    ] {
        assert_eq!(hunting[key], source[key], "hunting query {key}");
    }
}

#[test]
fn content_not_in_the_packagers_form_stays_verbatim_with_a_note() {
    let Some(corpus) = corpus() else {
        return;
    };
    // Orca's workbook metadata has a `description` beside `properties` (an older packager).
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("orca/ccfgen.toml");
    let out = import(
        &corpus.join("azure-sentinel/Orca Security Alerts/Package"),
        &spec,
    );
    assert_code(&out, 0);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("carried verbatim: mainTemplate.json $.resources[7]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("carried verbatim: mainTemplate.json $.resources[0]: DataConnector"),
        "{stderr}"
    );
    assert!(tmp.path().join("orca/extra-content.json").is_file());
    assert!(!tmp.path().join("orca/Workbooks").exists());
}

/// A package whose rule's content-template description would make a file name outside the
/// output folder (or one Windows cannot hold) is refused, naming the JSON path; nothing is
/// written.
#[test]
fn a_content_name_that_escapes_the_output_folder_is_refused() {
    let Some(corpus) = content_corpus() else {
        return;
    };
    let package = corpus.join("azure-sentinel/GambitSecurity/Package/mainTemplate.json");
    let original = json(&package);
    let index = original["resources"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["properties"]["contentKind"] == "AnalyticsRule")
        .unwrap();
    for hostile in [
        "../../escaped",
        "a/b",
        "..\\up",
        "C:evil",
        "CON",
        " lead",
        "tab\there",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let mut template = original.clone();
        template["resources"][index]["properties"]["description"] = Value::String(format!(
            "{hostile}_AnalyticalRules Analytics Rule with template version 3.0.0"
        ));
        let path = tmp.path().join("mainTemplate.json");
        std::fs::write(&path, serde_json::to_string(&template).unwrap()).unwrap();
        let out_dir = tmp.path().join("out");
        let out = import(&path, &out_dir.join("ccfgen.toml"));
        assert_code(&out, 1);
        let stderr = text(&out.stderr);
        assert!(stderr.contains("refused"), "{hostile}: {stderr}");
        assert!(
            stderr.contains(&format!("$.resources[{index}].properties.description")),
            "{hostile}: {stderr}"
        );
        assert!(!out_dir.exists(), "{hostile}: nothing written");
        assert!(!tmp.path().join("escaped.yaml").exists());
    }
}

/// Two rules whose names differ only in case would be one file on Windows and macOS: refused.
#[test]
fn two_content_items_with_one_file_name_are_refused() {
    let Some(corpus) = content_corpus() else {
        return;
    };
    let package = corpus.join("azure-sentinel/Keeper Security/Package/mainTemplate.json");
    let mut template = json(&package);
    template["resources"][1]["properties"]["description"] = Value::String(
        "keeper security - alternate master password_AnalyticalRules Analytics Rule with template version 3.0.2".into(),
    );
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("mainTemplate.json");
    std::fs::write(&path, serde_json::to_string(&template).unwrap()).unwrap();
    let out = import(&path, &tmp.path().join("out/ccfgen.toml"));
    assert_code(&out, 1);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("$.resources[1].properties.description") && stderr.contains("one file"),
        "{stderr}"
    );
    assert!(!tmp.path().join("out").exists());
}
