//! `DCR.json`: the data collection rule — one stream declaration and one data flow per table.

use serde_json::{Map, Value, json};

use super::api::ApiVersionSet;
use crate::solution::Connector;

/// The name of the Log Analytics destination in every DCR ccfgen writes.
pub const DESTINATION: &str = "clv2ws1";

/// The DCR resource as it sits in the connector folder. The DCE id is the placeholder
/// `{{dataCollectionEndpointId}}`, which packagers turn into a variable (never a literal id).
pub fn dcr_resource(connector: &Connector, api: &ApiVersionSet) -> Value {
    json!({
        "name": connector.dcr_name,
        "apiVersion": api.dcr,
        "type": "Microsoft.Insights/dataCollectionRules",
        "location": "[parameters('workspace-location')]",
        "properties": dcr_properties(connector, json!("{{dataCollectionEndpointId}}")),
    })
}

/// The DCR `properties` with the given `dataCollectionEndpointId` value.
pub fn dcr_properties(connector: &Connector, dce_id: Value) -> Value {
    let mut streams = Map::new();
    for table in &connector.tables {
        let columns: Vec<Value> = table
            .stream_columns()
            .map(|(c, ty)| json!({"name": c.name, "type": ty.as_str()}))
            .collect();
        streams.insert(table.stream.clone(), json!({ "columns": columns }));
    }
    let flows: Vec<Value> = connector
        .tables
        .iter()
        .map(|t| {
            json!({
                "streams": [t.stream],
                "destinations": [DESTINATION],
                "transformKql": t.transform.kql,
                "outputStream": format!("Custom-{}", t.name),
            })
        })
        .collect();
    json!({
        "dataCollectionEndpointId": dce_id,
        "streamDeclarations": streams,
        "destinations": {
            "logAnalytics": [
                { "workspaceResourceId": "[variables('workspaceResourceId')]", "name": DESTINATION }
            ]
        },
        "dataFlows": flows,
    })
}
