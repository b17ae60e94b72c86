//! Solution content authored as files (analytic rules, hunting queries, workbooks, parsers)
//! through the real binary: the example's content is packaged as the official packager does,
//! a broken content file is a located `content-file` error, and a corpus solution's sources
//! build the package the official packager built from them.

mod support;

use std::path::Path;

use serde_json::Value;
use support::corpus::content_corpus;
use support::{assert_code, ccfgen, repo, run};

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn build(spec: &Path, out: &Path, official: bool) -> std::process::Output {
    let mut cmd = ccfgen();
    cmd.arg("build").arg(spec).arg("--out").arg(out);
    if official {
        cmd.args(["--compat", "official"]);
    }
    run(&mut cmd)
}

#[test]
fn the_example_packages_its_rule_hunting_query_and_workbook() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_code(&build(&repo("examples/cvebuster"), &out, false), 0);
    // The content files are copied as written and listed in the data file.
    for file in [
        "Analytic Rules/cveBusterExploitableCriticalVulnerability.yaml",
        "Hunting Queries/cveBusterHostsWithMostOpenFindings.yaml",
        "Workbooks/cveBusterVulnerabilities.json",
        "Workbooks/WorkbooksMetadata.json",
    ] {
        assert_eq!(
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(repo("examples/cvebuster").join(file)).unwrap(),
            "{file}"
        );
    }
    let data = json(&out.join("Data/Solution_cveBuster.json"));
    let keys: Vec<&str> = data
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let pos = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert!(pos("Data Connectors") < pos("Workbooks"));
    assert!(pos("Workbooks") < pos("Analytic Rules"));
    assert!(pos("Analytic Rules") < pos("Hunting Queries"));
    assert_eq!(
        data["Analytic Rules"][0],
        "Analytic Rules/cveBusterExploitableCriticalVulnerability.yaml"
    );

    let main = json(&out.join("Package/mainTemplate.json"));
    let kinds: Vec<&str> = main["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.pointer("/properties/contentKind").and_then(Value::as_str))
        .collect();
    assert_eq!(
        kinds,
        [
            "DataConnector",
            "ResourcesDataConnector",
            "Workbook",
            "AnalyticsRule",
            "HuntingQuery",
            "Solution"
        ]
    );
    let rule = main["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["contentKind"] == "AnalyticsRule")
        .unwrap();
    let props = &rule["properties"]["mainTemplate"]["resources"][0]["properties"];
    assert_eq!(props["queryFrequency"], "PT1H");
    assert_eq!(props["triggerOperator"], "GreaterThan");
    assert_eq!(props["techniques"], serde_json::json!(["T1190"]));
    assert_eq!(
        props["description"],
        "Creates an incident when cveBuster reports an open Critical vulnerability for which a public exploit exists."
    );
    assert_eq!(
        main["variables"]["analyticRuleObject1"]["_analyticRulecontentId1"],
        "38278447-172b-404e-b106-d8d8a1a39813"
    );
    let criteria: Vec<&str> = main["resources"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .pointer("/properties/dependencies/criteria")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        criteria,
        ["DataConnector", "Workbook", "AnalyticsRule", "HuntingQuery"]
    );

    let ui = json(&out.join("Package/createUiDefinition.json"));
    let steps: Vec<&str> = ui["parameters"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["dataconnectors", "workbooks", "analytics", "huntingqueries"]
    );
    let description = ui["parameters"]["config"]["basics"]["description"]
        .as_str()
        .unwrap();
    assert!(
        description.contains(
            "**Data Connectors:** 1, **Workbooks:** 1, **Analytic Rules:** 1, **Hunting Queries:** 1"
        ),
        "{description}"
    );

    // What build wrote checks clean.
    let check = run(ccfgen().arg("check").arg(&out));
    assert_code(&check, 0);
}

#[test]
fn a_broken_content_file_is_a_located_error_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let spec_dir = tmp.path().join("solution");
    std::fs::create_dir_all(spec_dir.join("Analytic Rules")).unwrap();
    std::fs::copy(
        repo("examples/cvebuster/ccfgen.toml"),
        spec_dir.join("ccfgen.toml"),
    )
    .unwrap();
    std::fs::copy(
        repo("examples/cvebuster/logo.svg"),
        spec_dir.join("logo.svg"),
    )
    .unwrap();
    std::fs::write(
        spec_dir.join("Analytic Rules/NoQuery.yaml"),
        "id: 9d7c3b1e-5a0f-4c1e-8f6e-2b7a9c0d1e2f\nname: No query\ndescription: x\nkind: NRT\n",
    )
    .unwrap();
    std::fs::write(
        spec_dir.join("Analytic Rules/Broken.yaml"),
        "id: [unclosed\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let build = build(&spec_dir, &out, false);
    assert_code(&build, 1);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(
        stderr.contains("error[content-file]: `query` is missing"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{}:1:1",
            spec_dir.join("Analytic Rules/NoQuery.yaml").display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("not a YAML document"), "{stderr}");
    assert!(
        stderr.contains(
            &spec_dir
                .join("Analytic Rules/Broken.yaml")
                .display()
                .to_string()
        ),
        "{stderr}"
    );
    assert!(!out.exists(), "an invalid solution writes nothing");
}

#[test]
fn an_explicit_list_that_names_nothing_is_an_error_at_its_key() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("ccfgen.toml");
    let mut text = std::fs::read_to_string(repo("examples/cvebuster/ccfgen.toml")).unwrap();
    text = text.replace("logo = \"logo.svg\"\n", "");
    text.push_str("\n[content]\nanalytic_rules = [\"Rules/*.yaml\"]\n");
    std::fs::write(&spec, text).unwrap();
    let build = build(&spec, &tmp.path().join("out"), false);
    assert_code(&build, 1);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(
        stderr.contains("error[content-file]: `Rules/*.yaml` names no file"),
        "{stderr}"
    );
    assert!(stderr.contains("ccfgen.toml:"), "{stderr}");
}

/// GambitSecurity's sources (connector files, rule, parser) build, with `--compat official`,
/// the package the official packager built from them: the one difference is the connector
/// content-template version the corpus explains (set outside the packager, packaging.md §13).
#[test]
fn corpus_sources_build_the_official_package() {
    let Some(corpus) = content_corpus() else {
        return;
    };
    let source = corpus.join("azure-sentinel/GambitSecurity");
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("gambit/ccfgen.toml");
    let import = run(ccfgen().arg("import").arg(&source).arg("--out").arg(&spec));
    assert_code(&import, 0);
    for file in [
        "Analytic Rules/GambitCriticalIssuePromotion.yaml",
        "Parsers/GambitPoliciesIssues.yaml",
    ] {
        assert_eq!(
            std::fs::read(tmp.path().join("gambit").join(file)).unwrap(),
            std::fs::read(source.join(file)).unwrap(),
            "{file} is written as it was"
        );
    }
    let out = tmp.path().join("out");
    assert_code(&build(&spec, &out, true), 0);
    let ui = std::fs::read(out.join("Package/createUiDefinition.json")).unwrap();
    assert!(
        ui == std::fs::read(source.join("Package/createUiDefinition.json")).unwrap(),
        "createUiDefinition.json is the official bytes"
    );
    let ours = json(&out.join("Package/mainTemplate.json"));
    let mut theirs = json(&source.join("Package/mainTemplate.json"));
    assert_eq!(theirs["variables"]["dataConnectorCCPVersion"], "3.0.0");
    theirs["variables"]["dataConnectorCCPVersion"] = Value::String("1.0.0".into());
    assert!(ours == theirs, "mainTemplate.json differs as JSON values");
}
