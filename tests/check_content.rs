//! `ccfgen check` on solution content (the real binary on temp-dir solutions): a clean
//! solution with a Scheduled and an NRT analytic rule, a hunting query, a parser and a
//! workbook passes; then each content rule is broken once, in its own solution, and must be
//! reported at the place of the defect (file:line:col computed from the written text); and the
//! content corpus (`../shared/corpus-content`, when present) reports its known defects.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::ccfgen;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn write_json(root: &Path, rel: &str, value: &Value) {
    write(root, rel, &serde_json::to_string_pretty(value).unwrap());
}

/// A clean Push connector `GoodPush` writing `Good_CL` (TimeGenerated, Message, Count, User).
fn connector(root: &Path) {
    let dir = "Sol/Data Connectors/Good_ccf";
    let cols = json!([
        {"name": "TimeGenerated", "type": "datetime"},
        {"name": "Message", "type": "string"},
        {"name": "Count", "type": "int"},
        {"name": "User", "type": "string"}
    ]);
    write_json(
        root,
        &format!("{dir}/table.json"),
        &json!({
            "name": "Good_CL",
            "type": "Microsoft.OperationalInsights/workspaces/tables",
            "apiVersion": "2022-10-01",
            "properties": {"schema": {"name": "Good_CL", "columns": cols}}
        }),
    );
    write_json(
        root,
        &format!("{dir}/DCR.json"),
        &json!({
            "name": "GoodDCR",
            "apiVersion": "2022-06-01",
            "type": "Microsoft.Insights/dataCollectionRules",
            "location": "{{location}}",
            "properties": {
                "dataCollectionEndpointId": "{{dataCollectionEndpointId}}",
                "streamDeclarations": {"Custom-Good": {"columns": [
                    {"name": "ts", "type": "string"}, {"name": "Message", "type": "string"},
                    {"name": "Count", "type": "int"}, {"name": "User", "type": "string"}
                ]}},
                "destinations": {"logAnalytics": [{"workspaceResourceId": "{{workspaceResourceId}}", "name": "clv2ws1"}]},
                "dataFlows": [{"streams": ["Custom-Good"], "destinations": ["clv2ws1"],
                    "transformKql": "source | extend TimeGenerated = todatetime(ts) | project-away ts",
                    "outputStream": "Custom-Good_CL"}]
            }
        }),
    );
    write_json(
        root,
        &format!("{dir}/definition.json"),
        &json!({
            "name": "GoodPush",
            "apiVersion": "2022-09-01-preview",
            "type": "Microsoft.SecurityInsights/dataConnectorDefinitions",
            "location": "{{location}}",
            "kind": "Customizable",
            "properties": {"connectorUiConfig": {
                "id": "GoodPush",
                "title": "Contoso",
                "publisher": "Contoso",
                "descriptionMarkdown": "Sends Contoso events to Microsoft Sentinel.",
                "dataTypes": [{"name": "Good_CL", "lastDataReceivedQuery": "Good_CL | summarize max(TimeGenerated)"}],
                "instructionSteps": [{"instructions": [
                    {"type": "CopyableLabel", "parameters": {"label": "Stream", "value": "Custom-Good"}}
                ]}]
            }}
        }),
    );
    write_json(
        root,
        &format!("{dir}/connector.json"),
        &json!({
            "name": "GoodPushConnector",
            "apiVersion": "2023-02-01-preview",
            "type": "Microsoft.SecurityInsights/dataConnectors",
            "kind": "Push",
            "properties": {
                "connectorDefinitionName": "GoodPush",
                "dcrConfig": {
                    "streamName": "Custom-Good",
                    "dataCollectionEndpoint": "{{dataCollectionEndpoint}}",
                    "dataCollectionRuleImmutableId": "[[parameters('dcrConfig').dataCollectionRuleImmutableId]"
                },
                "auth": {"type": "Push", "appId": "{{appId}}", "servicePrincipalId": "{{servicePrincipalId}}"},
                "request": {"RetryCount": 1},
                "response": {"eventsJsonPaths": ["$"]}
            }
        }),
    );
}

const RULE: &str = "id: 0b9ae89d-8cad-461c-808f-0494f70ad5c4
name: Good - many messages
description: |
  'Raises an alert when a user sends many messages.'
severity: Medium
requiredDataConnectors:
  - connectorId: GoodPush
    dataTypes:
      - Good_CL
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics:
  - InitialAccess
  - CommandAndControl
relevantTechniques:
  - T1190
  - T1071.001
query: |
  Good_CL
  | where Count > 10
  | summarize Messages = count() by User
entityMappings:
  - entityType: Account
    fieldMappings:
      - identifier: Name
        columnName: User
customDetails:
  Messages: Messages
alertDetailsOverride:
  alertDisplayNameFormat: 'Many messages from {{User}}'
version: 1.0.0
kind: Scheduled
";

const NRT: &str = "id: 7d8e6c52-3a0b-4a39-9f0d-5b7c8f0e1a22
name: Good - message NRT
description: A message arrived.
severity: Low
requiredDataConnectors:
  - connectorId: GoodPush
    dataTypes: [Good_CL]
tactics: [Persistence]
relevantTechniques: [T1556]
query: \"GoodMessages\\n| where Message has \\\"x\\\"\"
version: 1.0.1
kind: NRT
";

const HUNTING: &str = "id: 5d2a4c1e-1111-4f7a-9a8e-2f6f3c1b0d01
name: Rare users
description: |
  Users that sent one message.
requiredDataConnectors:
  - connectorId: GoodPush
    dataTypes:
      - Good_CL
tactics:
  - Discovery
relevantTechniques:
  - T1087
query: |
  GoodMessages(limit=1)
  | summarize n = count() by User
  | where n <= 1
";

const PARSER: &str = "id: 8ab4c0e2-2c9f-4f0a-b0d2-8d9a6d0f7c11
Function:
  Title: Parser for Good
  Version: '1.0.0'
Category: Microsoft Sentinel Parser
FunctionName: GoodMessages
FunctionAlias: GoodMessages
FunctionParams:
  - Name: limit
    Type: int
    Default: 100
FunctionQuery: |
    Good_CL
    | where isnotempty(Message)
    | take limit
";

const WORKBOOK: &str = r#"{
  "version": "Notebook/1.0",
  "items": [
    {"type": 1, "content": {"json": "Good title"}, "name": "text"},
    {"type": 3, "content": {"version": "KqlItem/1.0", "query": "Good_CL\n| summarize count() by User", "queryType": 0, "resourceType": "microsoft.operationalinsights/workspaces"}, "name": "q1"}
  ],
  "fromTemplateId": "sentinel-GoodWorkbook"
}
"#;

fn clean(root: &Path) {
    connector(root);
    write(root, "Sol/Analytic Rules/Many.yaml", RULE);
    write(root, "Sol/Analytic Rules/Nrt.yaml", NRT);
    write(root, "Sol/Hunting Queries/Rare.yaml", HUNTING);
    write(root, "Sol/Parsers/GoodMessages.yaml", PARSER);
    write(root, "Sol/Workbooks/GoodWorkbook.json", WORKBOOK);
}

/// `ccfgen check --format json` on `root`: exit code and report.
fn check_json(root: &Path) -> (Option<i32>, Value) {
    let out = ccfgen()
        .args(["check", "--format", "json"])
        .arg(root)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

fn findings(report: &Value) -> Vec<&Value> {
    report["findings"].as_array().unwrap().iter().collect()
}

/// The 1-based line and column (characters) of the first `marker` after `nth - 1` others.
fn place(text: &str, marker: &str, nth: usize) -> (u64, u64) {
    let at = text
        .match_indices(marker)
        .nth(nth)
        .unwrap_or_else(|| panic!("{marker:?} not in the text"))
        .0;
    let line = text[..at].matches('\n').count() + 1;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line as u64, text[start..at].chars().count() as u64 + 1)
}

#[test]
fn clean_content_passes() {
    let tmp = tempfile::tempdir().unwrap();
    clean(tmp.path());
    let (code, report) = check_json(tmp.path());
    let bad: Vec<&Value> = findings(&report)
        .into_iter()
        .filter(|f| f["severity"] != "note")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["stats"]["content"], 5);
    // the human summary counts the content files
    let out = ccfgen().arg("check").arg(tmp.path()).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("and 5 content files"), "{stderr}");
}

/// One defect: the file written (relative path, text), the rule, where it must be reported
/// (a marker in the text and which occurrence of it), a fragment of the message.
struct Case {
    rule: &'static str,
    file: &'static str,
    text: String,
    marker: &'static str,
    nth: usize,
    message: &'static str,
}

fn rule_with(from: &str, to: &str) -> String {
    assert!(RULE.contains(from), "{from}");
    RULE.replacen(from, to, 1)
}

fn cases() -> Vec<Case> {
    let r = "Sol/Analytic Rules/Bad.yaml";
    let c = |rule, text: String, marker, nth, message| Case {
        rule,
        file: r,
        text,
        marker,
        nth,
        message,
    };
    vec![
        c("content-yaml", "id: [a, b\nname: x\n".to_string(), "", 0, "not valid YAML"),
        c("content-duplicate-key", rule_with("severity: Medium\n", "severity: Medium\nseverity: High\n"), "severity", 1, "written twice"),
        c("content-required", rule_with("severity: Medium\n", ""), "id", 0, "has no `severity`"),
        c("content-id", rule_with("id: 0b9ae89d-8cad-461c-808f-0494f70ad5c4", "id: not-a-guid"), "not-a-guid", 0, "not a GUID"),
        c("content-length", rule_with("name: Good - many messages", &format!("name: {}", "n".repeat(300))), "nnnn", 0, "at most 256"),
        c("content-tactic", rule_with("  - InitialAccess\n", "  - Initial Access\n"), "Initial Access", 0, "not a MITRE ATT&CK tactic"),
        c("content-technique", rule_with("  - InitialAccess\n", ""), "T1190", 0, "none of which is in this analytic rule's tactics"),
        c("content-technique", rule_with("  - T1190\n", "  - T99999\n"), "T99999", 0, "not a technique id"),
        c("content-connector-id", rule_with("connectorId: GoodPush", "connectorId: NoSuchConnector"), "NoSuchConnector", 0, "neither a connector of this solution"),
        c("content-data-type", rule_with("      - Good_CL\n", "      - Other_CL\n"), "Other_CL", 0, "not a table connector `GoodPush` writes"),
        c("content-query", rule_with("| where Count > 10", "| where Cuont > 10"), "Cuont", 0, "KS142"),
        c("content-query-table", rule_with("  Good_CL\n  | where", "  Nope_CL\n  | where"), "Nope_CL", 0, "Nope_CL"),
        c("rule-kind", rule_with("kind: Scheduled", "kind: Fusion"), "Fusion", 0, "not a template kind"),
        c("rule-severity", rule_with("severity: Medium", "severity: Critical"), "Critical", 0, "not one of Informational"),
        c("rule-severity", rule_with("severity: Medium", "severity: medium"), "medium", 0, "differs in case"),
        c("rule-kind", rule_with("kind: Scheduled", "kind: scheduled"), "scheduled", 0, "differs in case"),
        c("content-tactic", rule_with("  - InitialAccess\n", "  - initialaccess\n"), "initialaccess", 0, "differs in case"),
        c("rule-schedule", rule_with("queryFrequency: 1h", "queryFrequency: 1m"), "1m", 0, "5 minutes to 14 days"),
        c("rule-schedule", rule_with("queryFrequency: 1h", "queryFrequency: 2h"), "2h", 0, "longer than queryPeriod"),
        c("rule-schedule", rule_with("queryPeriod: 1h", "queryPeriod: PT1H"), "PT1H", 0, "not a duration"),
        c("rule-trigger", rule_with("triggerOperator: gt", "triggerOperator: greater"), "greater", 0, "not one of gt"),
        c("rule-trigger", rule_with("triggerThreshold: 0", "triggerThreshold: 20000"), "20000", 0, "0 to 10000"),
        c("rule-entity-mapping", rule_with("identifier: Name", "identifier: Nam"), "Nam\n", 0, "not an identifier of entity type Account"),
        c("rule-entity-mapping", rule_with("entityType: Account", "entityType: Acount"), "Acount", 0, "not an entity type"),
        c("rule-custom-details", rule_with("  Messages: Messages", "  1Messages: Messages"), "1Messages", 0, "custom detail key"),
        c("rule-alert-details", rule_with("'Many messages from {{User}}'", "'{{a}} {{b}} {{c}} {{d}}'"), "'{{a}}", 0, "4 `{{column}}` placeholders"),
        c("rule-version", rule_with("version: 1.0.0", "version: 1.0"), "1.0\n", 0, "not X.Y.Z"),
        Case {
            rule: "content-query",
            file: "Sol/Hunting Queries/Escaped.yaml",
            text: HUNTING.replace(
                "query: |\n  GoodMessages(limit=1)\n  | summarize n = count() by User\n  | where n <= 1\n",
                "query: \"Good_CL\\n| where Message == \\\"\\u00e9\\\" and Nope > 1\"\n",
            ),
            marker: "Nope",
            nth: 0,
            message: "KS142",
        },
        Case {
            rule: "content-id-duplicate",
            file: "Sol/Hunting Queries/Same.yaml",
            text: HUNTING.replace(
                "5d2a4c1e-1111-4f7a-9a8e-2f6f3c1b0d01",
                "0b9ae89d-8cad-461c-808f-0494f70ad5c4",
            ),
            marker: "0b9ae89d",
            nth: 0,
            message: "is also the id of",
        },
        Case {
            rule: "parser-function",
            file: "Sol/Parsers/Bad.yaml",
            text: PARSER.replace("FunctionAlias: GoodMessages", "FunctionAlias: bad-name"),
            marker: "bad-name",
            nth: 0,
            message: "not a KQL function name",
        },
        Case {
            rule: "content-query",
            file: "Sol/Parsers/Bad.yaml",
            text: PARSER
                .replace("GoodMessages", "OtherMessages")
                .replace("take limit", "take limt"),
            marker: "limt",
            nth: 0,
            message: "KS",
        },
        Case {
            rule: "workbook-json",
            file: "Sol/Workbooks/Bad.json",
            text: "{\"version\": 'Notebook/1.0', \"items\": []}".to_string(),
            marker: "{",
            nth: 0,
            message: "not JSON",
        },
        Case {
            rule: "workbook-shape",
            file: "Sol/Workbooks/Bad.json",
            text: WORKBOOK.replace("\"Notebook/1.0\"", "\"1.0\""),
            marker: "\"1.0\"",
            nth: 0,
            message: "not `Notebook/1.0`",
        },
        Case {
            rule: "workbook-template-id",
            file: "Sol/Workbooks/Bad.json",
            text: WORKBOOK.replace("sentinel-GoodWorkbook", "custom-GoodWorkbook"),
            marker: "\"custom-GoodWorkbook\"",
            nth: 0,
            message: "does not start with `sentinel-`",
        },
        Case {
            rule: "content-query-table",
            file: "Sol/Workbooks/Bad.json",
            text: WORKBOOK.replace("\"Good_CL\\n| summarize", "\"Gone_CL\\n| summarize"),
            marker: "Gone_CL",
            nth: 0,
            message: "Gone_CL",
        },
        Case {
            rule: "content-query-unmodelled",
            file: "Sol/Workbooks/Bad.json",
            text: WORKBOOK.replace("| summarize count() by User", "| where TimeGenerated {TimeRange}"),
            marker: "\"Good_CL\\n| where",
            nth: 0,
            message: "`{parameter}` references",
        },
    ]
}

#[test]
fn each_content_rule_is_reported_where_the_defect_is() {
    for case in cases() {
        let tmp = tempfile::tempdir().unwrap();
        clean(tmp.path());
        write(tmp.path(), case.file, &case.text);
        let (code, report) = check_json(tmp.path());
        let hit = findings(&report).into_iter().find(|f| {
            f["rule"] == case.rule
                && f["file"].as_str().unwrap().ends_with(case.file)
                && f["message"].as_str().unwrap().contains(case.message)
        });
        let Some(hit) = hit else {
            panic!("{} not reported in {}:\n{report:#}", case.rule, case.file);
        };
        let (line, col) = if case.marker.is_empty() {
            (
                hit["line"].as_u64().unwrap(),
                hit["column"].as_u64().unwrap(),
            )
        } else {
            place(&case.text, case.marker, case.nth)
        };
        assert_eq!(
            (
                hit["line"].as_u64().unwrap(),
                hit["column"].as_u64().unwrap()
            ),
            (line, col),
            "{}: {hit:#}",
            case.rule
        );
        let expected = match hit["severity"].as_str().unwrap() {
            "error" => Some(1),
            _ => code,
        };
        assert_eq!(code, expected, "{}: {report:#}", case.rule);
    }
}

/// The content corpus: the stale workbook of Valence Security (its queries name
/// `ValenceAlert_CL`, which the solution does not define) is found, at the table name inside
/// the JSON string; Gambit's rule, which queries its parser function, is clean.
#[test]
fn content_corpus_defects() {
    let Some(dir) = support::corpus::content_corpus() else {
        return;
    };
    let (code, report) = check_json(&dir);
    assert_eq!(code, Some(1));
    let all = findings(&report);
    let valence: Vec<&&Value> = all
        .iter()
        .filter(|f| {
            f["rule"] == "content-query-table"
                && f["file"]
                    .as_str()
                    .unwrap()
                    .ends_with("Valence Security/Workbooks/ValenceAlertsWorkbook.json")
        })
        .collect();
    assert_eq!(valence.len(), 2, "{all:#?}");
    assert_eq!(
        (&valence[0]["line"], &valence[0]["column"]),
        (&json!(15), &json!(19))
    );
    assert!(
        !all.iter().any(|f| f["file"]
            .as_str()
            .unwrap()
            .contains("GambitSecurity/Analytic Rules")),
        "{all:#?}"
    );
    assert!(report["stats"]["content"].as_u64().unwrap() >= 7);
}
