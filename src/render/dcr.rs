//! `DCR.json`: the data collection rule — one declaration per input stream and one data flow
//! per table written (custom or built-in).

use serde_json::{Map, Value, json};

use super::api::ApiVersionSet;
use crate::solution::Connector;

/// The DCR resource as it sits in the connector folder. The DCE id is the spec's
/// `dcr_endpoint`, by default the placeholder `{{dataCollectionEndpointId}}`, which packagers
/// turn into a variable (never a literal id).
pub fn dcr_resource(connector: &Connector, api: &ApiVersionSet) -> Value {
    dcr_envelope(
        json!(connector.dcr_name),
        api,
        connector.dcr_kind.map(|kind| json!(kind.as_str())),
        dcr_properties(
            connector,
            json!(connector.settings.dcr_endpoint),
            json!(connector.settings.dcr_workspace_resource_id),
        ),
    )
}

/// A DCR resource around `properties`, members in the packagers' order: `name`,
/// `apiVersion`, `type`, `location`, `kind` (left out where `None`), `properties`.
pub fn dcr_envelope(
    name: Value,
    api: &ApiVersionSet,
    kind: Option<Value>,
    properties: Value,
) -> Value {
    let mut r = Map::new();
    r.insert("name".into(), name);
    r.insert("apiVersion".into(), json!(api.dcr));
    r.insert(
        "type".into(),
        json!("Microsoft.Insights/dataCollectionRules"),
    );
    r.insert(
        "location".into(),
        json!("[parameters('workspace-location')]"),
    );
    if let Some(kind) = kind {
        r.insert("kind".into(), kind);
    }
    r.insert("properties".into(), properties);
    Value::Object(r)
}

/// The DCR `properties` with the given `dataCollectionEndpointId` and destination
/// `workspaceResourceId` values. A stream read by several tables is declared once, with the
/// columns of the table that declares it; a built-in table's flow writes `Microsoft-<table>`;
/// a table with `data_flow = false` gets no flow. With `dcr_no_endpoint` (a `Direct` DCR) there is
/// no `dataCollectionEndpointId`.
pub fn dcr_properties(connector: &Connector, dce_id: Value, workspace_id: Value) -> Value {
    let mut streams = Map::new();
    for stream in connector.streams() {
        let columns: Vec<Value> = connector
            .stream_declaration(stream)
            .into_iter()
            .map(|(c, ty)| json!({"name": c.name, "type": ty.as_str()}))
            .collect();
        streams.insert(stream.to_string(), json!({ "columns": columns }));
    }
    let flows: Vec<Value> = connector
        .flow_tables()
        .map(|t| {
            json!({
                "streams": [t.stream],
                "destinations": [connector.settings.dcr_destination],
                "transformKql": t.transform.kql,
                "outputStream": t.output_stream(),
            })
        })
        .collect();
    let omitted = connector.dcr_endpoint_omitted;
    let mut props = Map::new();
    if !connector.settings.dcr_endpoint_last && !omitted {
        props.insert("dataCollectionEndpointId".into(), dce_id.clone());
    }
    props.insert("streamDeclarations".into(), Value::Object(streams));
    props.insert(
        "destinations".into(),
        json!({
            "logAnalytics": [
                { "workspaceResourceId": workspace_id, "name": connector.settings.dcr_destination }
            ]
        }),
    );
    props.insert("dataFlows".into(), Value::Array(flows));
    for (k, v) in &connector.dcr_properties {
        props.insert(k.clone(), v.clone());
    }
    if connector.settings.dcr_endpoint_last && !omitted {
        props.insert("dataCollectionEndpointId".into(), dce_id);
    }
    Value::Object(props)
}
