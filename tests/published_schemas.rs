//! Every package ccfgen builds, and every official package in the shared corpora, validates
//! against Microsoft's published schemas (src/published_schemas, docs/schemas.md) or fails
//! only in ways the allow-list explains; every allow-list entry is still needed; and a
//! broken template fails at the right place.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use ccfgen::artifacts::render_with;
use ccfgen::json_spans::JsonPath;
use ccfgen::published_schemas::{Report, Schemas, schemas};
use ccfgen::solution::Compat;
use serde_json::{Value, json};

/// Every example's `(mainTemplate.json, createUiDefinition.json)` in both compat modes.
fn example_packages() -> Vec<(String, Option<Value>, Option<Value>)> {
    let mut out = Vec::new();
    let mut specs: Vec<PathBuf> = std::fs::read_dir(support::repo("examples"))
        .unwrap()
        .map(|e| e.unwrap().path().join("ccfgen.toml"))
        .filter(|p| p.is_file())
        .collect();
    specs.sort();
    assert!(specs.len() >= 4, "examples: {specs:?}");
    // No example ships a watchlist: cveBuster grown with `ccfgen new watchlist` stands in.
    let grown = tempfile::tempdir().unwrap();
    specs.push(with_scaffolded_watchlist(grown.path()));
    for spec in specs {
        let (solution, _, _) = ccfgen::load::solution(&spec).expect("example loads");
        for compat in [Compat::Ccfgen, Compat::Official] {
            let artifacts = render_with(&solution, "ccfgen.toml", compat).expect("renders");
            let get = |name: &str| -> Value {
                let (_, bytes) = artifacts
                    .iter()
                    .find(|(p, _)| p.ends_with(&format!("Package/{name}")))
                    .unwrap_or_else(|| panic!("{} has no Package/{name}", spec.display()));
                serde_json::from_slice(bytes).expect("package JSON parses")
            };
            let label = format!("{} ({compat:?})", spec.display());
            let template = get("mainTemplate.json");
            out.push((label, Some(template), Some(get("createUiDefinition.json"))));
        }
    }
    out
}

/// A copy of the cveBuster example (without its client) to which `ccfgen new watchlist` added
/// a watchlist; returns its spec.
fn with_scaffolded_watchlist(tmp: &std::path::Path) -> PathBuf {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                if entry.file_name() != "client" {
                    copy(&entry.path(), &to.join(entry.file_name()));
                }
            } else {
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    }
    let dir = tmp.join("cvebuster");
    copy(&support::repo("examples/cvebuster"), &dir);
    let spec = dir.join("ccfgen.toml");
    let out = support::run(
        support::ccfgen()
            .args(["new", "watchlist", "--name", "CriticalHosts", "--spec"])
            .arg(&dir),
    );
    assert!(out.status.success(), "{out:?}");
    spec
}

/// Every official package file in the corpora: (label, mainTemplate, createUiDefinition),
/// one of the two per entry (Orca Security Alerts has no createUiDefinition.json,
/// SynqlyIntegrationConnector no mainTemplate.json).
fn corpus_packages() -> Vec<(String, Option<Value>, Option<Value>)> {
    let mut roots = Vec::new();
    roots.extend(support::corpus::corpus());
    roots.extend(support::corpus::content_corpus());
    let mut found = Vec::new();
    for root in roots {
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().to_string();
            if name != "mainTemplate.json" && name != "createUiDefinition.json" {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
            let label = entry.path().display().to_string();
            found.push(if name == "mainTemplate.json" {
                (label, Some(value), None)
            } else {
                (label, None, Some(value))
            });
        }
    }
    assert!(found.len() >= 20, "corpus package files: {}", found.len());
    found
}

fn describe(report: &Report) -> String {
    report
        .unexplained()
        .map(|v| {
            format!(
                "  {} [{}] {} ({}; {})\n",
                v.path,
                v.keyword,
                v.message,
                v.resource.as_deref().unwrap_or("template"),
                v.schema
            )
        })
        .collect()
}

/// Validates every package, asserting that nothing is unexplained; returns the allow-list
/// entries used.
fn validate_all(
    s: &Schemas,
    packages: &[(String, Option<Value>, Option<Value>)],
    own: bool,
) -> BTreeSet<usize> {
    let mut used = BTreeSet::new();
    for (label, template, ui) in packages {
        let t = template
            .as_ref()
            .map(|t| s.validate_template(t))
            .unwrap_or_default();
        let u = ui
            .as_ref()
            .map(|u| s.validate_ui_definition(u))
            .unwrap_or_default();
        assert!(
            t.unexplained().count() + u.unexplained().count() == 0,
            "{label} violates the published schemas:\n{}{}",
            describe(&t),
            describe(&u)
        );
        if template.is_some() {
            assert!(t.resources_validated >= 5, "{label}: {t:?}");
        }
        for r in [&t, &u] {
            used.extend(r.violations.iter().filter_map(|v| v.allowed));
        }
        if own {
            // ccfgen writes only resource types whose schema is vendored or that Microsoft
            // does not publish (docs/schemas.md lists them).
            for c in &t.unchecked {
                assert!(c.unpublished, "{label}: {c:?}");
            }
        }
    }
    used
}

#[test]
fn every_example_and_corpus_package_validates_or_is_allow_listed() {
    let s = schemas().expect("the vendored schemas compile");
    let mut used = validate_all(s, &example_packages(), true);
    let corpus = corpus_packages();
    if corpus.is_empty() {
        return;
    }
    used.extend(validate_all(s, &corpus, false));
    // Every entry is needed by some package: a stale entry would hide a future fault.
    let entries: Vec<_> = s.allow_list().collect();
    for (i, entry) in entries.iter().enumerate() {
        assert!(
            used.contains(&i),
            "allow-list entry {} ({} {} {}) explains no violation of any example or corpus package",
            i + 1,
            entry.resource.as_deref().unwrap_or(""),
            entry.path,
            entry.keyword
        );
    }
}

/// The example cveBuster's package, built in ccfgen's compat mode.
fn cvebuster() -> (Value, Value) {
    let spec = support::repo("examples/cvebuster/ccfgen.toml");
    let (solution, _, _) = ccfgen::load::solution(&spec).unwrap();
    let artifacts = render_with(&solution, "ccfgen.toml", Compat::Ccfgen).unwrap();
    let get = |name: &str| -> Value {
        let (_, bytes) = artifacts.iter().find(|(p, _)| p.ends_with(name)).unwrap();
        serde_json::from_slice(bytes).unwrap()
    };
    (
        get("Package/mainTemplate.json"),
        get("Package/createUiDefinition.json"),
    )
}

/// The place of the first resource of `ty` (at any depth) in a template.
fn find(template: &Value, ty: &str) -> JsonPath {
    fn walk(v: &Value, at: JsonPath, ty: &str) -> Option<JsonPath> {
        for (i, r) in v.get("resources")?.as_array()?.iter().enumerate() {
            let here = at.key("resources").index(i);
            if r.get("type").and_then(Value::as_str) == Some(ty) {
                return Some(here);
            }
            if let Some(t) = r.pointer("/properties/mainTemplate")
                && let Some(p) = walk(t, here.keys(&["properties", "mainTemplate"]), ty)
            {
                return Some(p);
            }
        }
        None
    }
    walk(template, JsonPath::root(), ty).unwrap_or_else(|| panic!("no {ty}"))
}

fn pointer(p: &JsonPath) -> String {
    p.segments()
        .iter()
        .map(|s| match s {
            ccfgen::json_spans::Segment::Key(k) => format!("/{k}"),
            ccfgen::json_spans::Segment::Index(i) => format!("/{i}"),
        })
        .collect()
}

#[test]
fn a_broken_template_fails_at_the_broken_value() {
    let s = schemas().unwrap();
    let (template, _) = cvebuster();
    assert_eq!(s.validate_template(&template).unexplained().count(), 0);

    // A DCR data flow's output stream that is no string: located at the value.
    let dcr = find(&template, "Microsoft.Insights/dataCollectionRules");
    let mut t = template.clone();
    let flow = dcr.keys(&["properties", "dataFlows"]).index(0);
    *t.pointer_mut(&pointer(&flow.key("outputStream"))).unwrap() = json!(42);
    let report = s.validate_template(&t);
    let bad: Vec<_> = report.unexplained().collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].path, flow.key("outputStream"));
    assert_eq!(bad[0].keyword, "type");
    assert_eq!(
        bad[0].resource.as_deref(),
        Some("Microsoft.Insights/dataCollectionRules@2022-06-01")
    );
    assert!(
        bad[0]
            .schema
            .starts_with("schemas/2022-06-01/Microsoft.Insights.json#/definitions/DataFlow"),
        "{}",
        bad[0].schema
    );

    // A content kind the allow-list does not explain is reported, although
    // `ResourcesDataConnector` at the same place is.
    let package = find(
        &template,
        "Microsoft.OperationalInsights/workspaces/providers/contentPackages",
    );
    let tpl = find(
        &template,
        "Microsoft.OperationalInsights/workspaces/providers/contentTemplates",
    );
    let mut t = template.clone();
    *t.pointer_mut(&pointer(&tpl.keys(&["properties", "contentKind"])))
        .unwrap() = json!("DataConector");
    let bad: Vec<_> = s.validate_template(&t).unexplained().cloned().collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].path, tpl.keys(&["properties", "contentKind"]));
    assert_eq!(bad[0].keyword, "enum");

    // A missing required member of the content package.
    let mut t = template.clone();
    t.pointer_mut(&pointer(&package.key("properties")))
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove("contentId");
    let bad: Vec<_> = s.validate_template(&t).unexplained().cloned().collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].path, package.key("properties"));
    assert_eq!(bad[0].keyword, "required");
    assert!(bad[0].message.contains("contentId"), "{}", bad[0].message);

    // The template itself: a member the template schema does not know, no contentVersion.
    let mut t = template.clone();
    let root = t.as_object_mut().unwrap();
    root.remove("contentVersion");
    root.insert("output".into(), json!({}));
    let bad: Vec<_> = s.validate_template(&t).unexplained().cloned().collect();
    let kinds: BTreeSet<_> = bad
        .iter()
        .map(|v| (v.path.to_string(), v.keyword.clone()))
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            ("$".to_string(), "additionalProperties".to_string()),
            ("$".to_string(), "required".to_string())
        ]),
        "{bad:?}"
    );
}

#[test]
fn a_resource_without_a_schema_is_reported_unchecked_not_passed() {
    let s = schemas().unwrap();
    let template = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            { "type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "w", "location": "x", "properties": {} },
            { "type": "Microsoft.OperationalInsights/workspaces/providers/dataConnectors", "apiVersion": "2023-02-01-preview", "name": "[variables('unknown')]", "properties": {} },
            { "type": "Microsoft.Insights/dataCollectionRules", "apiVersion": "2022-06-01", "location": "x" }
        ]
    });
    let report = s.validate_template(&template);
    let unchecked: Vec<_> = report
        .unchecked
        .iter()
        .map(|u| (u.path.to_string(), u.unpublished))
        .collect();
    assert_eq!(
        unchecked,
        [
            ("resources[0]".to_string(), false),
            ("resources[1]".to_string(), false)
        ]
    );
    assert!(
        report.unchecked[1].reason.contains("namespace"),
        "{}",
        report.unchecked[1].reason
    );
    // The DCR without a name fails the common resourceBase it is validated with.
    let bad: Vec<_> = report
        .unexplained()
        .map(|v| (v.path.to_string(), v.keyword.clone()))
        .collect();
    assert!(
        bad.contains(&("resources[2]".to_string(), "required".to_string())),
        "{bad:?}"
    );
    assert_eq!(report.resources_validated, 1);
}

#[test]
fn a_broken_ui_definition_fails_at_the_broken_value() {
    let s = schemas().unwrap();
    let (_, ui) = cvebuster();
    assert_eq!(s.validate_ui_definition(&ui).unexplained().count(), 0);
    let mut u = ui.clone();
    u["parameters"]["outputs"] = json!("workspace");
    u.as_object_mut().unwrap().remove("handler");
    let bad: Vec<_> = s
        .validate_ui_definition(&u)
        .unexplained()
        .map(|v| (v.path.to_string(), v.keyword.clone()))
        .collect();
    assert_eq!(
        bad,
        [
            ("$".to_string(), "required".to_string()),
            ("parameters.outputs".to_string(), "type".to_string())
        ]
    );
}

/// The line and column (1-based, characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u64, column as u64)
}

#[test]
fn check_reports_schema_violations_at_their_line_and_column() {
    let (template, ui) = cvebuster();
    let tmp = tempfile::tempdir().unwrap();
    let package = tmp.path().join("CveBuster/Package");
    std::fs::create_dir_all(&package).unwrap();
    // The DCR's first data flow writes to the number 42; the UI definition loses `handler`.
    let dcr = find(&template, "Microsoft.Insights/dataCollectionRules");
    let at = dcr
        .keys(&["properties", "dataFlows"])
        .index(0)
        .key("outputStream");
    let mut t = template.clone();
    *t.pointer_mut(&pointer(&at)).unwrap() = json!(42);
    let text = serde_json::to_string_pretty(&t).unwrap();
    std::fs::write(package.join("mainTemplate.json"), &text).unwrap();
    let mut u = ui.clone();
    u.as_object_mut().unwrap().remove("handler");
    std::fs::write(
        package.join("createUiDefinition.json"),
        serde_json::to_string_pretty(&u).unwrap(),
    )
    .unwrap();

    let out = support::run(
        support::ccfgen()
            .args(["check", "--format", "json"])
            .arg(tmp.path()),
    );
    support::assert_code(&out, 1);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let of =
        |rule: &str| -> Vec<&Value> { findings.iter().filter(|f| f["rule"] == rule).collect() };
    let errors = of("package-schema");
    assert_eq!(errors.len(), 2, "{findings:#?}");
    let value_at = text.find("\"outputStream\": 42").unwrap() + "\"outputStream\": ".len();
    let (line, column) = line_col(&text, value_at);
    let bad = errors
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with("mainTemplate.json"))
        .expect("the template's finding");
    assert_eq!(
        (bad["line"].as_u64(), bad["column"].as_u64()),
        (Some(line), Some(column))
    );
    assert_eq!(bad["jsonPath"], at.to_string());
    assert_eq!(bad["severity"], "error");
    assert!(
        bad["message"].as_str().unwrap().contains("is not of type"),
        "{bad}"
    );
    let ui_finding = errors
        .iter()
        .find(|f| {
            f["file"]
                .as_str()
                .unwrap()
                .ends_with("createUiDefinition.json")
        })
        .expect("the UI definition's finding");
    assert_eq!(
        (ui_finding["line"].as_u64(), ui_finding["column"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(
        ui_finding["message"]
            .as_str()
            .unwrap()
            .contains("\"handler\""),
        "{ui_finding}"
    );
    // What no published schema covers is said, once per type: the connector definition
    // (inside the connector's content template and at the top level), the analytic rule,
    // the hunting query.
    let unchecked: BTreeSet<&str> = of("package-schema-unchecked")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        unchecked.iter().any(|m| m.contains("2 resources of Microsoft.OperationalInsights/workspaces/providers/dataConnectorDefinitions@2022-09-01-preview")),
        "{unchecked:#?}"
    );
    assert!(
        unchecked
            .iter()
            .any(|m| m.contains("Microsoft.SecurityInsights/AlertRuleTemplates@")),
        "{unchecked:#?}"
    );
    assert!(
        unchecked
            .iter()
            .any(|m| m.contains("Microsoft.OperationalInsights/savedSearches@")),
        "{unchecked:#?}"
    );
    assert_eq!(unchecked.len(), 3, "{unchecked:#?}");
}
