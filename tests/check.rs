//! `ccfgen check` on real files: hand-made solution trees in temp dirs (one clean connector,
//! one that breaks every rule, broken and non-UTF-8 files, arrays of resources, two solutions
//! that must not link), the real corpus in `../shared/corpus` (when present; required when
//! `CCFGEN_REQUIRE_CORPUS=1`), SARIF output validated against the official 2.1.0 schema, a
//! spec checked through what it generates, and the CLI's exit codes and formats.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use ccfgen::check::{self, Options, Report, output};
use ccfgen::diagnostic::Severity;
use serde_json::{Value, json};
use support::corpus::corpus;
use support::{assert_code, ccfgen, repo};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn write_json(root: &Path, rel: &str, value: &Value) {
    write(
        root,
        rel,
        &(serde_json::to_string_pretty(value).unwrap() + "\n"),
    );
}

fn cols(c: &[(&str, &str)]) -> Value {
    Value::Array(
        c.iter()
            .map(|(n, t)| json!({"name": n, "type": t}))
            .collect(),
    )
}

fn table(name: &str, columns: &[(&str, &str)]) -> Value {
    json!({
        "name": name,
        "type": "Microsoft.OperationalInsights/workspaces/tables",
        "apiVersion": "2022-10-01",
        "properties": { "schema": { "name": name, "columns": cols(columns) } }
    })
}

/// A DCR with the given streams and `(stream, transform, outputStream)` flows.
fn dcr(name: &str, streams: &[(&str, &[(&str, &str)])], flows: &[(&str, &str, &str)]) -> Value {
    let decls: serde_json::Map<String, Value> = streams
        .iter()
        .map(|(s, c)| (s.to_string(), json!({ "columns": cols(c) })))
        .collect();
    let flows: Vec<Value> = flows
        .iter()
        .map(|(s, kql, out)| {
            json!({"streams": [s], "destinations": ["clv2ws1"], "transformKql": kql, "outputStream": out})
        })
        .collect();
    json!({
        "name": name,
        "apiVersion": "2022-06-01",
        "type": "Microsoft.Insights/dataCollectionRules",
        "location": "{{location}}",
        "properties": {
            "dataCollectionEndpointId": "{{dataCollectionEndpointId}}",
            "streamDeclarations": decls,
            "destinations": { "logAnalytics": [{ "workspaceResourceId": "{{workspaceResourceId}}", "name": "clv2ws1" }] },
            "dataFlows": flows
        }
    })
}

fn definition(id: &str, data_types: &[&str], stream_label: &str) -> Value {
    json!({
        "name": id,
        "apiVersion": "2022-09-01-preview",
        "type": "Microsoft.SecurityInsights/dataConnectorDefinitions",
        "location": "{{location}}",
        "kind": "Customizable",
        "properties": { "connectorUiConfig": {
            "id": id,
            "title": "Contoso",
            "publisher": "Contoso",
            "descriptionMarkdown": "Sends Contoso events to Microsoft Sentinel.",
            "dataTypes": data_types.iter().map(|d| json!({"name": d, "lastDataReceivedQuery": ""})).collect::<Vec<_>>(),
            "instructionSteps": [{ "instructions": [
                { "type": "CopyableLabel", "parameters": { "label": "Stream", "value": stream_label } }
            ]}]
        }}
    })
}

fn data_connector(name: &str, definition: &str, stream: &str) -> Value {
    json!({
        "name": name,
        "apiVersion": "2023-02-01-preview",
        "type": "Microsoft.SecurityInsights/dataConnectors",
        "kind": "Push",
        "properties": {
            "connectorDefinitionName": definition,
            "dcrConfig": {
                "streamName": stream,
                "dataCollectionEndpoint": "{{dataCollectionEndpoint}}",
                "dataCollectionRuleImmutableId": "[[parameters('dcrConfig').dataCollectionRuleImmutableId]"
            },
            "auth": { "type": "Push", "appId": "{{appId}}", "servicePrincipalId": "{{servicePrincipalId}}" },
            "request": { "RetryCount": 1 },
            "response": { "eventsJsonPaths": ["$"] }
        }
    })
}

const GOOD_STREAM: &[(&str, &str)] = &[("ts", "string"), ("Message", "string"), ("Count", "int")];
const GOOD_TABLE: &[(&str, &str)] = &[
    ("TimeGenerated", "datetime"),
    ("Message", "string"),
    ("Count", "int"),
];
const GOOD_KQL: &str = "source | extend TimeGenerated = todatetime(ts) | project-away ts";

/// A clean push connector under `<root>/<solution>/Data Connectors/<folder>`.
fn good_solution(root: &Path, solution: &str) {
    let dir = format!("{solution}/Data Connectors/Good_ccf");
    write_json(
        root,
        &format!("{dir}/Good_DCR.json"),
        &dcr(
            "GoodDCR",
            &[("Custom-Good", GOOD_STREAM)],
            &[("Custom-Good", GOOD_KQL, "Custom-Good_CL")],
        ),
    );
    write_json(
        root,
        &format!("{dir}/Good_table.json"),
        &table("Good_CL", GOOD_TABLE),
    );
    write_json(
        root,
        &format!("{dir}/Good_definition.json"),
        &definition("GoodPush", &["Good_CL"], "Custom-Good"),
    );
    write_json(
        root,
        &format!("{dir}/Good_poller.json"),
        &data_connector("GoodPushConnector", "GoodPush", "Custom-Good"),
    );
}

/// A solution whose files break every rule that can be seen without a package.
fn broken_solution(root: &Path) {
    let d = "Broken/Data Connectors/Broken_ccf";
    // Transform output vs table: extra column, type, case, TimeGenerated, never produced.
    write_json(
        root,
        &format!("{d}/DCR.json"),
        &dcr(
            "BrokenDCR",
            &[
                (
                    "Custom-Events",
                    &[
                        ("ts", "string"),
                        ("severity", "string"),
                        ("Count", "string"),
                        ("Extra", "dynamic"),
                    ],
                ),
                ("Custom-Audit", &[("Actor", "string"), ("Id", "guid")]),
                ("Unprefixed", &[("a", "string")]),
                ("Custom-Unused_CL", &[("a", "string")]),
            ],
            &[
                (
                    "Custom-Events",
                    "source | project-away ts",
                    "Custom-Events_CL",
                ),
                (
                    "Custom-Audit",
                    "source | summarize count() by Actor | extend TimeGenerated = now(), Who = todynamic(Actor)",
                    "Custom-Audit_CL",
                ),
                ("Custom-Missing", "source", "Custom-Missing_CL"),
                (
                    "Unprefixed",
                    "source | extend TimeGenerated = now()",
                    "Custom-nowhere_cl",
                ),
                (
                    "Unprefixed",
                    "source | extend TimeGenerated = now(",
                    "Custom-NoTable_CL",
                ),
                ("Unprefixed", "source", "Events_CL"),
            ],
        ),
    );
    let mut renamed = table("Renamed_CL", &[("TimeGenerated", "datetime")]);
    renamed["properties"]["schema"]["name"] = json!("Other_CL");
    write_json(
        root,
        &format!("{d}/tables.json"),
        &json!([
            renamed,
            table(
                "Events_CL",
                &[
                    ("TimeGenerated", "datetime"),
                    ("Severity", "string"),
                    ("Count", "int"),
                    ("Never", "string"),
                    ("TenantId", "string"),
                    ("When", "Datetime")
                ]
            ),
            table(
                "Audit_CL",
                &[
                    ("TimeGenerated", "datetime"),
                    ("Actor", "string"),
                    ("Who", "dynamic"),
                    ("Kind", "timespan")
                ]
            ),
            table("NoTime", &[("Actor", "string")]),
            table(
                "NOWHERE_CL",
                &[("TimeGenerated", "datetime"), ("a", "string")]
            ),
        ]),
    );
    // Definition and data connectors: unknown definition, unknown stream, bad placeholders.
    write_json(
        root,
        &format!("{d}/definition.json"),
        &definition("BrokenPush", &["Events_CL", "Ghost_CL"], "Custom-Events_CL"),
    );
    let mut bad = data_connector("BrokenConnector", "BrokenPush", "Custom-Events");
    bad["properties"]["dcrConfig"]["dataCollectionRuleImmutableId"] =
        json!("[{{dataCollectionRuleImmutableId}}");
    bad["properties"]["auth"]["appId"] = json!("[[parameters('auth').appId]]");
    write_json(
        root,
        &format!("{d}/connectors.json"),
        &json!([
            bad,
            data_connector("Orphan", "NoSuchDefinition", "Custom-NoSuchStream")
        ]),
    );
    let mut dest = dcr("DestDCR", &[("Custom-Dest", &[("a", "string")])], &[]);
    dest["properties"]["destinations"]["logAnalytics"][0] =
        json!({"workspaceId": "{{workspaceResourceId}}", "name": "clv2ws1"});
    dest["properties"]["dataFlows"] = json!([{"streams": ["Custom-Dest"], "destinations": ["elsewhere"], "outputStream": "Custom-Audit_CL"}]);
    write_json(root, &format!("{d}/dest_dcr.json"), &dest);
    // Files that are not resources.
    write(
        root,
        &format!("{d}/broken.json"),
        "{\n  \"name\": \"x\",\n  \"type\" \"Microsoft.Insights/dataCollectionRules\"\n}\n",
    );
    write(
        root,
        &format!("{d}/latin1.json"),
        "{\"name\": \"caf\u{e9}\"}",
    );
    std::fs::write(root.join(d).join("latin1.json"), b"{\"name\": \"caf\xe9\"}").unwrap();
    write(root, &format!("{d}/notes.json"), "{\"todo\": [1, 2]}");
    write(root, &format!("{d}/host.json"), "{\"version\": \"2.0\"}");
}

/// `rule path:line:col message` lines with the temp dir removed.
fn lines(report: &Report, root: &Path) -> Vec<String> {
    let prefix = format!("{}/", root.display());
    report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            let l = d.location.as_ref().unwrap();
            let file = l.file.to_string_lossy().replace(&prefix, "");
            format!(
                "{}[{}] {file}:{}:{} {}",
                d.severity, d.rule, l.line, l.column, d.message
            )
        })
        .collect()
}

fn rules_of(report: &Report) -> BTreeSet<&'static str> {
    report.findings.iter().map(|f| f.diagnostic.rule).collect()
}

#[test]
fn a_clean_connector_has_no_findings() {
    let tmp = tempfile::tempdir().unwrap();
    good_solution(tmp.path(), "Good");
    let report = check::check_tree(tmp.path(), Options::default()).unwrap();
    assert_eq!(lines(&report, tmp.path()), Vec::<String>::new());
    assert_eq!(
        (
            report.stats.files,
            report.stats.connectors,
            report.stats.flows
        ),
        (4, 1, 1)
    );
    assert!(!report.fails(true));
}

#[test]
fn every_rule_is_found_and_located() {
    let tmp = tempfile::tempdir().unwrap();
    broken_solution(tmp.path());
    let report = check::check_tree(
        tmp.path(),
        Options {
            threads: 3,
            ..Options::default()
        },
    )
    .unwrap();
    let found = rules_of(&report);
    for rule in [
        "json-invalid",
        "file-unreadable",
        "stray-file",
        "table-name",
        "table-schema-name",
        "column-reserved",
        "column-type",
        "column-type-spelling",
        "time-generated",
        "stream-name",
        "stream-named-like-table",
        "stream-column-type",
        "stream-unused",
        "flow-stream-undeclared",
        "flow-destination",
        "dcr-destination",
        "output-stream",
        "output-table-missing",
        "output-table-case",
        "transform-kql",
        "transform-unsupported",
        "transform-unlisted",
        "transform-column-missing",
        "transform-column-type",
        "transform-column-case",
        "transform-time-generated",
        "table-column-not-produced",
        "connector-definition-unknown",
        "stream-unknown",
        "placeholder",
        "definition-data-type",
        "definition-stream",
    ] {
        assert!(
            found.contains(rule),
            "rule {rule} not reported; found {found:?}"
        );
    }
    for f in &report.findings {
        let d = &f.diagnostic;
        assert!(
            check::catalog::find(d.rule).is_some(),
            "rule {} is not in the catalogue",
            d.rule
        );
        assert!(d.hint.is_some(), "no hint: {d}");
        let l = d.location.as_ref().expect("located");
        assert!(l.line >= 1 && l.column >= 1);
    }
    // The invalid file points at the place the parser stopped; the type mismatch of the
    // transform and the never-produced column point into the right files.
    let text = lines(&report, tmp.path());
    assert!(
        text.iter().any(|l| l
            .starts_with("error[json-invalid] Broken/Data Connectors/Broken_ccf/broken.json:3:10")),
        "{text:#?}"
    );
    assert!(
        text.iter().any(|l| l
            .contains("[table-column-not-produced] Broken/Data Connectors/Broken_ccf/tables.json")
            && l.contains("`Never`")),
        "{text:#?}"
    );
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn pull_connectors_link_like_push_ones() {
    let tmp = tempfile::tempdir().unwrap();
    good_solution(tmp.path(), "Pull");
    let mut poller = data_connector("GoodPoller", "GoodPush", "Custom-Good");
    poller["kind"] = json!("RestApiPoller");
    poller["properties"]["auth"] =
        json!({"type": "APIKey", "ApiKey": "{{apiKey}}", "ApiKeyName": "Authorization"});
    poller["properties"]["request"] =
        json!({"apiEndpoint": "https://api.contoso.com/events", "httpMethod": "GET"});
    write_json(
        tmp.path(),
        "Pull/Data Connectors/Good_ccf/Good_poller.json",
        &poller,
    );
    let report = check::check_tree(tmp.path(), Options::default()).unwrap();
    assert_eq!(lines(&report, tmp.path()), Vec::<String>::new());
    assert_eq!(report.stats.connectors, 1);
    // The same poller naming a stream nobody declares is found like a push connector's.
    poller["properties"]["dcrConfig"]["streamName"] = json!("Custom-Other");
    write_json(
        tmp.path(),
        "Pull/Data Connectors/Good_ccf/Good_poller.json",
        &poller,
    );
    let report = check::check_tree(tmp.path(), Options::default()).unwrap();
    assert_eq!(rules_of(&report), BTreeSet::from(["stream-unknown"]));
}

#[test]
fn findings_inside_a_transform_point_at_the_place() {
    let tmp = tempfile::tempdir().unwrap();
    let kql = "source\n| extend TimeGenerated = now(), X = tostring(nope)";
    write_json(
        tmp.path(),
        "S/Data Connectors/c/dcr.json",
        &dcr(
            "D",
            &[("Custom-S", &[("a", "string")])],
            &[("Custom-S", kql, "Custom-S_CL")],
        ),
    );
    write_json(
        tmp.path(),
        "S/Data Connectors/c/t.json",
        &table("S_CL", &[("TimeGenerated", "datetime"), ("X", "string")]),
    );
    let report = check::check_tree(tmp.path(), Options::default()).unwrap();
    let f = report
        .findings
        .iter()
        .find(|f| f.diagnostic.rule == "transform-kql")
        .expect("KS142");
    let l = f.diagnostic.location.as_ref().unwrap();
    let source = report.sources.iter().find(|s| s.path() == l.file).unwrap();
    assert_eq!(&source.text()[l.span.clone()], "nope");
    assert_eq!(
        f.json_path.as_deref(),
        Some("properties.dataFlows[0].transformKql")
    );
}

#[test]
fn solutions_do_not_link_across_folders_and_output_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    good_solution(tmp.path(), "A");
    // B reuses A's names but lacks the table and the definition: it must not borrow A's.
    let d = "B/Data Connectors/Good_ccf";
    write_json(
        tmp.path(),
        &format!("{d}/dcr.json"),
        &dcr(
            "GoodDCR",
            &[("Custom-Good", GOOD_STREAM)],
            &[("Custom-Good", GOOD_KQL, "Custom-Good_CL")],
        ),
    );
    write_json(
        tmp.path(),
        &format!("{d}/dc.json"),
        &data_connector("X", "GoodPush", "Custom-Good"),
    );
    let one = check::check_tree(
        tmp.path(),
        Options {
            threads: 1,
            ..Options::default()
        },
    )
    .unwrap();
    let text = lines(&one, tmp.path());
    assert!(text.iter().all(|l| !l.contains(" A/")), "{text:#?}");
    let rules = rules_of(&one);
    assert!(
        rules.contains("output-table-missing") && rules.contains("connector-definition-unknown"),
        "{text:#?}"
    );
    let many = check::check_tree(
        tmp.path(),
        Options {
            threads: 4,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(output::json(&one), output::json(&many));
    assert_eq!(output::sarif(&one), output::sarif(&many));
}

#[test]
fn package_staleness_after_the_packagers_rewrites() {
    let tmp = tempfile::tempdir().unwrap();
    good_solution(tmp.path(), "P");
    let src = |rel: &str| -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(tmp.path().join("P/Data Connectors/Good_ccf").join(rel))
                .unwrap(),
        )
        .unwrap()
    };
    // What the packager writes: placeholders rewritten, endpoint and workspace as variables.
    let mut dcr = src("Good_DCR.json");
    dcr["properties"]["dataCollectionEndpointId"] =
        json!("[variables('dataCollectionEndpointId1')]");
    dcr["properties"]["destinations"]["logAnalytics"][0]["workspaceResourceId"] =
        json!("[variables('workspaceResourceId')]");
    let mut dc = src("Good_poller.json");
    dc["properties"]["dcrConfig"]["dataCollectionEndpoint"] =
        json!("[[parameters('dcrConfig').dataCollectionEndpoint]");
    dc["properties"]["auth"] = json!({"type": "Push", "appId": "[[parameters('auth').appId]", "servicePrincipalId": "[[parameters('auth').servicePrincipalId]"});
    let mut stale_table = src("Good_table.json");
    stale_table["properties"]["schema"]["columns"][1]["type"] = json!("dynamic");
    let template = |table: &Value| {
        json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": [
                { "type": "Microsoft.OperationalInsights/workspaces/providers/contentTemplates", "properties": { "mainTemplate": { "resources": [
                    { "type": "Microsoft.OperationalInsights/workspaces/providers/dataConnectorDefinitions", "properties": src("Good_definition.json")["properties"] },
                    { "name": "GoodDCR", "type": "Microsoft.Insights/dataCollectionRules", "kind": "[variables('blanks')]", "properties": dcr["properties"] },
                    { "name": "Good_CL", "type": "Microsoft.OperationalInsights/workspaces/tables", "kind": null, "properties": table["properties"] }
                ]}}},
                { "type": "Microsoft.OperationalInsights/workspaces/providers/contentTemplates", "properties": { "mainTemplate": { "resources": [
                    { "type": "Microsoft.OperationalInsights/workspaces/providers/dataConnectors", "kind": "Push", "properties": dc["properties"] }
                ]}}}
            ]
        })
    };
    write_json(
        tmp.path(),
        "P/Package/mainTemplate.json",
        &template(&src("Good_table.json")),
    );
    let fresh = check::check_tree(tmp.path(), Options::default()).unwrap();
    // The hand-made template is no complete ARM template (no names, no API versions), which
    // `package-schema` reports; tests/published_schemas.rs tests those findings.
    let staleness = |report: &Report| -> Vec<String> {
        lines(report, tmp.path())
            .into_iter()
            .filter(|l| !l.contains("[package-schema"))
            .collect()
    };
    assert_eq!(
        staleness(&fresh),
        Vec::<String>::new(),
        "an up-to-date package is clean"
    );
    assert_eq!(fresh.stats.packages, 1);

    write_json(
        tmp.path(),
        "P/Package/mainTemplate.json",
        &template(&stale_table),
    );
    std::fs::rename(
        tmp.path()
            .join("P/Data Connectors/Good_ccf/Good_poller.json"),
        tmp.path().join("P/Data Connectors/Good_ccf/renamed.json"),
    )
    .unwrap();
    let mut extra = data_connector("Second", "GoodPush", "Custom-Good");
    extra["properties"]["dcrConfig"]["streamName"] = json!("Custom-Good");
    extra["properties"]["response"] = json!({"eventsJsonPaths": ["$.records"]});
    write_json(
        tmp.path(),
        "P/Data Connectors/Good_ccf/renamed.json",
        &extra,
    );
    let stale = check::check_tree(tmp.path(), Options::default()).unwrap();
    let text = lines(&stale, tmp.path());
    assert!(
        text.iter().any(
            |l| l.starts_with("error[package-stale] P/Package/mainTemplate.json")
                && l.contains("`properties.schema.columns[1].type`")
        ),
        "{text:#?}"
    );
    assert!(
        text.iter().any(|l| l.contains("[package-stale]")
            && l.contains("properties.response.eventsJsonPaths[0]")),
        "{text:#?}"
    );
}

#[test]
fn sarif_output_validates_against_the_official_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("tests/schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("the SARIF schema compiles");
    let tmp = tempfile::tempdir().unwrap();
    broken_solution(tmp.path());
    good_solution(tmp.path(), "Good");
    let mut reports = vec![check::check_tree(tmp.path(), Options::default()).unwrap()];
    if let Some(corpus) = corpus() {
        reports.push(check::check_tree(&corpus, Options::default()).unwrap());
    }
    for report in &reports {
        let sarif = output::sarif(report);
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), report.findings.len());
        for r in results {
            let region = &r["locations"][0]["physicalLocation"]["region"];
            assert!(region["startLine"].as_u64().unwrap() >= 1);
            assert!(r["partialFingerprints"]["ccfgenFinding/v1"].is_string());
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                sarif["runs"][0]["tool"]["driver"]["rules"][index]["id"],
                r["ruleId"]
            );
        }
    }
    // A broken log is rejected, so the validation is real.
    let mut bad = output::sarif(&reports[0]);
    bad["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!validator.is_valid(&bad));
}

/// The corpus MANIFEST's "Mismatches" section, as findings: (rule, file part, message part).
const MANIFEST_MISMATCHES: &[(&str, &str, &str)] = &[
    ("dcr-destination", "AtlassianJiraAudit/", "`workspaceId`"),
    (
        "transform-column-missing",
        "AtlassianJiraAudit/",
        "`id` (int)",
    ),
    (
        "transform-column-missing",
        "AtlassianJiraAudit/",
        "`summary`",
    ),
    (
        "transform-column-missing",
        "AtlassianJiraAudit/",
        "`created`",
    ),
    (
        "transform-column-missing",
        "AtlassianJiraAudit/",
        "`category`",
    ),
    (
        "transform-column-missing",
        "AtlassianJiraAudit/",
        "`eventSource`",
    ),
    (
        "transform-column-missing",
        "AtlassianJiraAudit/",
        "`changedValues`",
    ),
    (
        "transform-column-missing",
        "AtlassianJiraAudit/",
        "`associatedItems`",
    ),
    (
        "transform-column-missing",
        "AtlassianJiraAudit/",
        "`remoteAddress`",
    ),
    (
        "transform-column-missing",
        "AtlassianJiraAudit/",
        "`authorKey`",
    ),
    (
        "transform-column-missing",
        "AtlassianJiraAudit/",
        "`authorAccountId`",
    ),
    ("transform-column-missing", "1Password/", "`uuid`"),
    ("transform-column-missing", "1Password/", "`type`"),
    ("table-column-not-produced", "1Password/", "`SourceSystem`"),
    (
        "stream-named-like-table",
        "1Password/",
        "Custom-OnePasswordEventLogs_CL",
    ),
    ("transform-column-missing", "Box/", "`recorded_at`"),
    ("transform-column-missing", "Box/", "`action_by`"),
    (
        "transform-column-missing",
        "Box/",
        "`source_classification_name`",
    ),
    (
        "transform-column-missing",
        "Box/",
        "`source_classification_color`",
    ),
    (
        "transform-column-missing",
        "Box/",
        "`source_classification_definition`",
    ),
    ("transform-column-type", "Box/", "`session_id` is string"),
    ("transform-column-missing", "BigID/", "`dspmCase`"),
    ("transform-column-missing", "BigID/", "`expand`"),
    ("table-column-not-produced", "BigID/", "`case`"),
    ("table-column-not-produced", "BigID/", "`affectedObjects`"),
    ("column-type-spelling", "BigID/", "`Datetime`"),
    ("output-table-missing", "BigID/", "`BigIDDSPMAssetStore_CL`"),
    ("table-column-not-produced", "SAP LogServ/", "`test`"),
    ("table-column-not-produced", "SAP LogServ/", "`test1`"),
    (
        "placeholder",
        "SAP LogServ/",
        "[{{dataCollectionRuleImmutableId}}",
    ),
    (
        "definition-data-type",
        "SynqlyIntegrationConnector/",
        "`ASimAgentEventLogs`",
    ),
    (
        "definition-data-type",
        "SynqlyIntegrationConnector/",
        "`ASimAlertEventLogs`",
    ),
    (
        "definition-data-type",
        "SynqlyIntegrationConnector/",
        "`ASimAssetEntityLogs`",
    ),
    ("table-column-not-produced", "NordStellar/", "`EventTime`"),
    (
        "package-stale",
        "NordStellar/Package/",
        "dataFlows[0].transformKql",
    ),
    (
        "package-stale",
        "NordStellar/Package/",
        "descriptionMarkdown",
    ),
    ("table-column-not-produced", "Auth0/", "`event_date`"),
    (
        "package-stale",
        "Orca Security Alerts/Package/",
        "streamDeclarations",
    ),
    ("package-stale", "Orca Security Alerts/Package/", "logo"),
    ("definition-stream", "ZeroNetworks/", "`Custom-ZNAudit_CL`"),
];

#[test]
fn corpus_findings_match_the_manifest() {
    let Some(corpus) = corpus() else { return };
    let report = check::check_tree(&corpus, Options::default()).unwrap();
    let text = lines(&report, &corpus);
    for (rule, file, message) in MANIFEST_MISMATCHES {
        assert!(
            text.iter().any(|l| l.contains(&format!("[{rule}] "))
                && l.contains(file)
                && l.contains(message)),
            "MANIFEST mismatch not found: {rule} {file} {message}\n{text:#?}"
        );
    }
    // Solutions the MANIFEST says agree with their package produce no package finding.
    for agreeing in [
        "Valence Security/",
        "GambitSecurity/",
        "Red Sift/",
        "cveBusterCCFPush/",
    ] {
        assert!(
            !text.iter().any(|l| l.contains("[package-")
                && !l.contains("[package-schema-unchecked]")
                && l.contains(agreeing)),
            "{agreeing}: {text:#?}"
        );
    }
    assert!(report.count(Severity::Error) > 0);
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn every_rule_is_documented() {
    let doc = std::fs::read_to_string(repo("docs/check.md")).unwrap();
    for rule in check::catalog::RULES {
        assert!(
            doc.contains(&format!("`{}`", rule.id)),
            "docs/check.md does not mention `{}`",
            rule.id
        );
    }
}

#[test]
fn a_spec_is_checked_through_what_it_generates() {
    for example in [
        "examples/cvebuster",
        "examples/contoso",
        "examples/fabrikam",
    ] {
        let report = check::check_path(&repo(example), Options::default()).unwrap();
        let bad: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.diagnostic.severity != Severity::Note)
            .map(|f| f.diagnostic.to_string())
            .collect();
        assert!(bad.is_empty(), "{example}: {bad:#?}");
        assert!(
            report.stats.files >= 5 && report.stats.flows >= 1,
            "{example}: {:?}",
            report.stats
        );
    }
    let report =
        check::check_path(&repo("tests/broken/transform.toml"), Options::default()).unwrap();
    let rules = rules_of(&report);
    assert!(
        rules.contains("transform-column-missing") && rules.contains("transform-unsupported"),
        "{rules:?}"
    );
    let l = report.findings[0].diagnostic.location.as_ref().unwrap();
    assert!(l.file.ends_with("tests/broken/transform.toml"));
}

#[test]
fn cli_exit_codes_and_formats() {
    let tmp = tempfile::tempdir().unwrap();
    good_solution(tmp.path(), "Good");
    let out = ccfgen().arg("check").arg(tmp.path()).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("checked 4 JSON files (1 connector, 1 data flow, 0 packages)")
    );

    broken_solution(tmp.path());
    let out = ccfgen().arg("check").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("error[transform-column-type]") && stderr.contains("help: "),
        "{stderr}"
    );

    let out = ccfgen()
        .args(["check", "--format", "json"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["summary"]["errors"].as_u64().unwrap() > 0);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["file"].is_string() && f["line"].is_u64())
    );

    let out = ccfgen()
        .args(["check", "--format", "sarif"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");

    let out = ccfgen()
        .arg("check")
        .arg(tmp.path().join("nope"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = ccfgen()
        .args(["check", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn warnings_fail_only_when_denied() {
    let tmp = tempfile::tempdir().unwrap();
    good_solution(tmp.path(), "W");
    // An unlisted function is a warning, not an error.
    let kql = "source | extend TimeGenerated = todatetime(ts), Message = tostring(todynamic(Message)) | project-away ts";
    write_json(
        tmp.path(),
        "W/Data Connectors/Good_ccf/Good_DCR.json",
        &dcr(
            "GoodDCR",
            &[("Custom-Good", GOOD_STREAM)],
            &[("Custom-Good", kql, "Custom-Good_CL")],
        ),
    );
    let status = |deny: bool| {
        let mut c = ccfgen();
        c.arg("check").arg(tmp.path());
        if deny {
            c.arg("--deny-warnings");
        }
        c.output().unwrap().status.code()
    };
    assert_eq!(status(false), Some(0));
    assert_eq!(status(true), Some(1));
}

#[test]
fn explain_prints_each_flow_in_the_oracle_format() {
    let tmp = tempfile::tempdir().unwrap();
    good_solution(tmp.path(), "E");
    let file = tmp.path().join("E/Data Connectors/Good_ccf/Good_DCR.json");
    let out = ccfgen()
        .args(["check", "--explain"])
        .arg(&file)
        .output()
        .unwrap();
    assert_code(&out, 0);
    let flows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let flow = &flows[0];
    assert_eq!(flow["ok"], true);
    assert_eq!(
        flow["output"],
        json!([
            {"name": "Message", "type": "string", "tableApiType": "string"},
            {"name": "Count", "type": "int", "tableApiType": "int"},
            {"name": "TimeGenerated", "type": "datetime", "tableApiType": "dateTime"},
        ])
    );
    assert_eq!(flow["mismatch"], json!([]));
    assert_eq!(flow["tableColumnsNotInOutput"], json!([]));
    assert_eq!(flow["dcr"]["ok"], true);
    assert_eq!(flow["dataFlow"]["outputStream"], "Custom-Good_CL");
    assert!(
        flow["dataFlow"]["tableFile"]
            .as_str()
            .unwrap()
            .ends_with("Good_table.json")
    );
}

/// Issue 9: a transform nested thousands of parentheses deep (under the 15,360-character
/// limit) is a located `transform-kql` finding (KS245) in every output format, never a crash;
/// `build` refuses such a custom transform the same way.
#[test]
fn deeply_nested_transforms_are_findings_not_crashes() {
    let tmp = tempfile::tempdir().unwrap();
    let kql = format!(
        "source | extend TimeGenerated = now(), X = {}ts{}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    write_json(
        tmp.path(),
        "S/Data Connectors/c/dcr.json",
        &dcr(
            "D",
            &[("Custom-S", &[("ts", "string")])],
            &[("Custom-S", &kql, "Custom-S_CL")],
        ),
    );
    write_json(
        tmp.path(),
        "S/Data Connectors/c/t.json",
        &table("S_CL", &[("TimeGenerated", "datetime"), ("X", "string")]),
    );
    let out = ccfgen()
        .args(["check", "--format", "sarif"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is written");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let deep = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap_or("")
                .contains("KS245")
        })
        .unwrap_or_else(|| panic!("no KS245 result: {results:#?}"));
    assert_eq!(deep["ruleId"], "transform-kql");
    let region = &deep["locations"][0]["physicalLocation"]["region"];
    // inside the transform string, among the parentheses (not at its start)
    let text = std::fs::read_to_string(tmp.path().join("S/Data Connectors/c/dcr.json")).unwrap();
    let line = text
        .lines()
        .nth(region["startLine"].as_u64().unwrap() as usize - 1)
        .unwrap();
    let col = region["startColumn"].as_u64().unwrap() as usize;
    assert_eq!(line.chars().nth(col - 1), Some('('), "{region}");
    assert!(line[..col].contains("X = (("), "{region}");

    // build: a custom transform as deep as that fails with a located error (exit 1, not 134)
    let spec = std::fs::read_to_string(repo("examples/fabrikam/ccfgen.toml")).unwrap();
    let deep_transform = format!(
        "transform = \"source | extend TimeGenerated = now(), AlertId = toguid({}AlertId{}) | project-away EventEpoch\"",
        "(".repeat(4000),
        ")".repeat(4000)
    );
    let spec: String = spec
        .lines()
        .map(|l| {
            if l.starts_with("transform = ") {
                deep_transform.clone()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tmp.path().join("spec");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ccfgen.toml"), spec).unwrap();
    let out = ccfgen()
        .args(["build", "--out"])
        .arg(tmp.path().join("out"))
        .arg(dir.join("ccfgen.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("KS245"), "{stderr}");
    assert!(stderr.contains("ccfgen.toml:"), "{stderr}");
}

#[test]
fn sample_runs_transforms_and_reports_runtime_defects() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let stream: &[(&str, &str)] = &[("msg", "string"), ("n", "long"), ("level", "string")];
    write_json(
        root,
        "S/Data Connectors/dcr.json",
        &dcr(
            "rt-dcr",
            &[("Custom-Rt", stream)],
            &[
                (
                    "Custom-Rt",
                    "source | project TimeGenerated = todatetime(msg), Count = n * 1000000, Score = toint(msg), Message = msg",
                    "Custom-Rt_CL",
                ),
                (
                    "Custom-Rt",
                    "source | where level == 'never' | project TimeGenerated = now(), Message = msg",
                    "Custom-Rt2_CL",
                ),
            ],
        ),
    );
    let tcols: &[(&str, &str)] = &[
        ("TimeGenerated", "datetime"),
        ("Count", "int"),
        ("Score", "int"),
        ("Message", "string"),
    ];
    write_json(root, "S/Data Connectors/t1.json", &table("Rt_CL", tcols));
    write_json(
        root,
        "S/Data Connectors/t2.json",
        &table(
            "Rt2_CL",
            &[("TimeGenerated", "datetime"), ("Message", "string")],
        ),
    );
    let without = check::check_tree(root, Options::default()).unwrap();
    assert!(
        !rules_of(&without).iter().any(|r| r.starts_with("runtime-")),
        "runtime checks only with --sample"
    );
    let report = check::check_tree(
        root,
        Options {
            sample: 20,
            ..Options::default()
        },
    )
    .unwrap();
    let found = lines(&report, root);
    let runtime: Vec<&String> = found.iter().filter(|l| l.contains("[runtime-")).collect();
    let expect = [
        "warning[runtime-column-null] S/Data Connectors/dcr.json:",
        "column `Score` is null in all 20 rows",
        "warning[runtime-time-generated]",
        "TimeGenerated is null (unparsable) in all 20 rows",
        "note[runtime-filtered]",
        "all 20 generated records are dropped by the transformation",
    ];
    let text = runtime
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for e in expect {
        assert!(text.contains(e), "missing `{e}` in:\n{text}");
    }
    // n * 1000000 overflows int for most generated n: those values are stored as null
    assert!(
        text.contains("warning[runtime-type-null]")
            && text.contains("column `Count` is stored as null in"),
        "{text}"
    );
    // deterministic
    let again = check::check_tree(
        root,
        Options {
            sample: 20,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(lines(&again, root), found);
    // the example spec runs clean
    let spec = check::check_path(
        &repo("examples/cvebuster"),
        Options {
            sample: 50,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(
        !rules_of(&spec).iter().any(|r| r.starts_with("runtime-")),
        "{:?}",
        lines(&spec, &repo("examples/cvebuster"))
    );
}

/// Issue 13: the connector page's queries compile against the solution's tables and the
/// built-in catalogue; every finding points at its place inside the JSON string (escapes
/// included), `{{graphQueriesTableName}}` is substituted, unknown tables are findings and
/// constructs the analyser does not model are notes that name them.
#[test]
fn connector_page_queries_are_compiled_against_the_solution() {
    let tmp = tempfile::tempdir().unwrap();
    good_solution(tmp.path(), "S");
    let path = "S/Data Connectors/Good_ccf/Good_definition.json";
    let mut def = definition("GoodPush", &["Good_CL"], "Custom-Good");
    let ui = &mut def["properties"]["connectorUiConfig"];
    ui["graphQueriesTableName"] = json!("Good_CL");
    ui["graphQueries"] = json!([{ "metricName": "n", "legend": "Good", "baseQuery": "{{graphQueriesTableName}} | where Nope == 1" }]);
    ui["sampleQueries"] = json!([
        { "description": "ok", "query": "Good_CL\n| where Message == \"x\"\n| summarize count() by Count" },
        { "description": "bad column", "query": "Good_CL\n| where Message == \"\\u00e9\" and Missing > 1" },
        { "description": "unknown table", "query": "Other_CL | take 1" },
        { "description": "built in", "query": "Syslog | where SeverityLevel == 'err' | take 1" },
        { "description": "unmodelled", "query": "Good_CL | evaluate python(typeof(*), 'x')" }
    ]);
    ui["dataTypes"] = json!([{ "name": "Good_CL", "lastDataReceivedQuery": "Good_CL\n| summarize Time = max(TimeGenerated)\n| where isnotempty(Time)" }]);
    ui["connectivityCriteria"] = json!([{ "type": "IsConnectedQuery", "value": ["Good_CL | summarize LastLogReceived = max(TimeGenerated) | project IsConnected = LastLogReceived > ago(7d)", "Good_CL | project IsConnected = Conn"] }]);
    write_json(tmp.path(), path, &def);

    let report = check::check_tree(tmp.path(), Options::default()).unwrap();
    let text = std::fs::read_to_string(tmp.path().join(path)).unwrap();
    let at = |rule: &str, needle: &str| -> (String, String) {
        let f = report
            .findings
            .iter()
            .find(|f| f.diagnostic.rule == rule && f.diagnostic.message.contains(needle))
            .unwrap_or_else(|| panic!("no {rule} finding about {needle}: {:#?}", report.findings));
        let l = f.diagnostic.location.as_ref().unwrap();
        (
            text[l.span.clone()].to_string(),
            f.json_path.clone().unwrap_or_default(),
        )
    };
    // the placeholder is substituted, the finding maps back past it
    assert_eq!(
        at("definition-query", "'Nope'"),
        (
            "Nope".to_string(),
            "properties.connectorUiConfig.graphQueries[0].baseQuery".to_string()
        )
    );
    // after `\n`, `\"` and `\u00e9` escapes in the JSON string
    assert_eq!(at("definition-query", "'Missing'").0, "Missing");
    let (t, p) = at("definition-query-table", "Other_CL");
    assert_eq!(t, "Other_CL");
    assert!(p.ends_with("sampleQueries[2].query"), "{p}");
    assert_eq!(at("definition-query", "'Conn'").0, "Conn");
    let (t, _) = at("definition-query-unmodelled", "python");
    assert_eq!(t, "python");
    let unmodelled = report
        .findings
        .iter()
        .find(|f| f.diagnostic.rule == "definition-query-unmodelled")
        .unwrap();
    assert_eq!(unmodelled.diagnostic.severity, Severity::Note);
    // the good queries (built-in Syslog included) have no finding
    let rules: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.diagnostic.rule.starts_with("definition-query"))
        .map(|f| f.diagnostic.rule)
        .collect();
    assert_eq!(rules.len(), 5, "{:#?}", report.findings);
}

/// Issue 13: `build` checks the connector page queries it writes; a query the spec got wrong
/// is a located error in ccfgen.toml (exit 1), and nothing is written.
#[test]
fn build_refuses_connector_page_queries_that_do_not_compile() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(repo("examples/fabrikam/ccfgen.toml")).unwrap();
    let spec = format!(
        "{spec}\n[[connectors.sample_queries]]\ndescription = \"Broken\"\nquery = \"FabrikamNope_CL | take 10\"\n\n[[connectors.sample_queries]]\ndescription = \"Bad column\"\nquery = \"\"\"\nFabrikamAlerts_CL\n| where NoSuchColumn == 1\"\"\"\n"
    );
    let dir = tmp.path().join("spec");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ccfgen.toml"), &spec).unwrap();
    let out_dir = tmp.path().join("out");
    let out = ccfgen()
        .args(["build", "--out"])
        .arg(&out_dir)
        .arg(dir.join("ccfgen.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("definition-query-table"), "{stderr}");
    assert!(stderr.contains("FabrikamNope_CL"), "{stderr}");
    assert!(
        stderr.contains("definition-query") && stderr.contains("NoSuchColumn"),
        "{stderr}"
    );
    // located in the spec, inside the multi-line string
    let line = spec
        .lines()
        .position(|l| l.contains("NoSuchColumn"))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!("ccfgen.toml:{line}:9")),
        "{stderr}"
    );
    assert!(
        !out_dir.exists(),
        "nothing is written when the spec has errors"
    );
}
