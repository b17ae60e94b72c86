//! `connectorDefinition.json`: the connector page in the Microsoft Sentinel gallery — title,
//! description, queries, permissions and the instruction steps with the Deploy button and the
//! six connection values a push application needs.

use serde_json::{Map, Value, json};

use super::api::ApiVersionSet;
use crate::solution::Connector;
use crate::templates::{self, TemplateError};

/// The order of `connectorUiConfig` members (Data Connector Definitions API reference).
const UI_ORDER: &[&str] = &[
    "id",
    "title",
    "publisher",
    "descriptionMarkdown",
    "logo",
    "graphQueriesTableName",
    "graphQueries",
    "sampleQueries",
    "dataTypes",
    "connectivityCriteria",
    "availability",
    "permissions",
    "instructionSteps",
];

/// The definition resource as it sits in the connector folder.
pub fn definition_resource(
    connector: &Connector,
    api: &ApiVersionSet,
) -> Result<Value, TemplateError> {
    Ok(json!({
        "name": connector.id,
        "apiVersion": api.definitions,
        "type": "Microsoft.SecurityInsights/dataConnectorDefinitions",
        "location": "[parameters('workspace-location')]",
        "kind": "Customizable",
        "properties": { "connectorUiConfig": ui_config(connector)? },
    }))
}

/// `connectorUiConfig`: generated members in the documented order, with the spec's verbatim
/// `ui` members replacing or extending them.
pub fn ui_config(connector: &Connector) -> Result<Value, TemplateError> {
    let mut generated = Map::new();
    generated.insert("id".into(), json!(connector.id));
    generated.insert("title".into(), json!(connector.title));
    generated.insert("publisher".into(), json!(connector.publisher));
    generated.insert("descriptionMarkdown".into(), json!(connector.description));
    let graph: Vec<Value> = connector
        .graph_queries
        .iter()
        .map(
            |g| json!({"metricName": g.metric_name, "legend": g.legend, "baseQuery": g.base_query}),
        )
        .collect();
    generated.insert("graphQueries".into(), Value::Array(graph));
    let samples: Vec<Value> = connector
        .sample_queries
        .iter()
        .map(|q| json!({"description": q.description, "query": q.query}))
        .collect();
    generated.insert("sampleQueries".into(), Value::Array(samples));
    generated.insert("dataTypes".into(), data_types(connector));
    generated.insert("connectivityCriteria".into(), connectivity(connector));
    let availability = if connector.settings.preview {
        json!({"status": 1, "isPreview": true})
    } else {
        json!({"status": 1})
    };
    generated.insert("availability".into(), availability);
    generated.insert("permissions".into(), permissions(connector));
    generated.insert("instructionSteps".into(), instruction_steps(connector)?);

    let mut out = Map::new();
    for key in UI_ORDER {
        if let Some(v) = connector.ui.get(*key).or_else(|| generated.get(*key)) {
            out.insert((*key).to_string(), v.clone());
        }
    }
    for (k, v) in &connector.ui {
        if !out.contains_key(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(out))
}

fn data_types(connector: &Connector) -> Value {
    Value::Array(
        connector
            .table_names()
            .into_iter()
            .map(|t| {
                json!({
                    "name": t,
                    "lastDataReceivedQuery": format!("{t}\n| summarize Time = max(TimeGenerated)\n| where isnotempty(Time)"),
                })
            })
            .collect(),
    )
}

fn connectivity(connector: &Connector) -> Value {
    let queries: Vec<Value> = connector
        .table_names()
        .into_iter()
        .map(|t| {
            json!(format!(
                "{t}\n| summarize LastLogReceived = max(TimeGenerated)\n| project IsConnected = LastLogReceived > ago({})",
                connector.settings.connectivity_window
            ))
        })
        .collect();
    json!([{ "type": "IsConnectedQuery", "value": queries }])
}

fn permissions(connector: &Connector) -> Value {
    let mut p = Map::new();
    if connector.permission_workspace {
        p.insert(
            "resourceProvider".into(),
            json!([{
                "provider": "Microsoft.OperationalInsights/workspaces",
                "permissionsDisplayText": "read and write permissions are required.",
                "providerDisplayName": "Workspace",
                "scope": "Workspace",
                "requiredPermissions": { "write": true, "read": true, "delete": true }
            }]),
        );
    }
    let customs: Vec<Value> = connector
        .permission_customs
        .iter()
        .map(|c| json!({"name": c.name, "description": c.description}))
        .collect();
    if !customs.is_empty() {
        p.insert("customs".into(), Value::Array(customs));
    }
    Value::Object(p)
}

fn instruction_steps(connector: &Connector) -> Result<Value, TemplateError> {
    let multiple = connector.tables.len() > 1;
    let deploy = templates::render("connector/deploy", &json!({ "multiple_tables": multiple }))?;
    let mut labels = vec![
        copyable("Tenant ID (Directory ID)", "TenantId", None),
        copyable(
            "Entra App Registration Application ID",
            "ApplicationId",
            Some("Deploy push connector to get the App Registration Application ID"),
        ),
        copyable(
            "Entra App Registration Secret",
            "ApplicationSecret",
            Some("Deploy push connector to get the App Registration Secret"),
        ),
        copyable(
            "Data Collection Endpoint Uri",
            "DataCollectionEndpoint",
            Some("Deploy push connector to get the Data Collection Endpoint Uri"),
        ),
        copyable(
            "Data Collection Rule Immutable ID",
            "DataCollectionRuleId",
            Some("Deploy push connector to get the Data Collection Rule Immutable ID"),
        ),
    ];
    for stream in connector.streams() {
        let label = match connector.flow_tables().find(|t| t.stream == stream) {
            Some(t) if multiple => format!("{} Stream Name", t.name),
            _ => "Stream Name".to_string(),
        };
        labels.push(
            json!({"type": "CopyableLabel", "parameters": {"label": label, "value": stream}}),
        );
    }
    let configure = templates::render(
        "connector/configure",
        &json!({ "application": connector.application, "stream": connector.primary_stream() }),
    )?;
    labels.push(markdown(configure));
    let mut steps = vec![
        json!({
            "title": "1. Create ARM Resources and Provide the Required Permissions",
            "description": format!("This connector enables {} to push data directly to Microsoft Sentinel via the Azure Monitor Logs Ingestion API.", connector.application),
            "instructions": [
                markdown(deploy),
                {"type": "DeployPushConnectorButton", "parameters": {
                    "label": connector.deploy_button_label,
                    "applicationDisplayName": connector.application_display_name,
                }},
            ],
        }),
        json!({
            "title": format!("2. Configure {}", connector.application),
            "description": format!("Use the following parameters to configure {} to push data to the workspace.", connector.application),
            "instructions": labels,
        }),
    ];
    if let Some(extra) = &connector.instructions {
        steps.push(json!({
            "title": "3. Additional instructions",
            "instructions": [markdown(extra.clone())],
        }));
    }
    Ok(Value::Array(steps))
}

fn copyable(label: &str, fill_with: &str, placeholder: Option<&str>) -> Value {
    let mut p = Map::new();
    p.insert("label".into(), json!(label));
    p.insert("fillWith".into(), json!([fill_with]));
    if let Some(ph) = placeholder {
        p.insert("placeholder".into(), json!(ph));
    }
    json!({"type": "CopyableLabel", "parameters": p})
}

fn markdown(content: String) -> Value {
    json!({"type": "Markdown", "parameters": {"content": content.trim_end()}})
}
