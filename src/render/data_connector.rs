//! `dataConnector.json`: the Push data connector instance, created when the user clicks
//! Deploy. Its connect-time values are escaped `[[parameters(…)]` expressions.

use serde_json::{Value, json};

use super::api::ApiVersionSet;
use crate::solution::Connector;

/// The Push data connector resource as it sits in the connector folder.
pub fn data_connector_resource(connector: &Connector, api: &ApiVersionSet) -> Value {
    json!({
        "name": connector.data_connector_name,
        "apiVersion": api.data_connectors,
        "type": "Microsoft.SecurityInsights/dataConnectors",
        "kind": "Push",
        "properties": data_connector_properties(connector),
    })
}

/// The instance `properties` (also embedded in the package).
pub fn data_connector_properties(connector: &Connector) -> Value {
    json!({
        "connectorDefinitionName": connector.id,
        "dcrConfig": {
            "streamName": connector.primary_stream(),
            "dataCollectionEndpoint": "[[parameters('dcrConfig').dataCollectionEndpoint]",
            "dataCollectionRuleImmutableId": "[[parameters('dcrConfig').dataCollectionRuleImmutableId]"
        },
        "auth": {
            "type": "Push",
            "appId": "[[parameters('auth').appId]",
            "servicePrincipalId": "[[parameters('auth').servicePrincipalId]"
        },
        "request": { "RetryCount": 1 },
        "response": { "eventsJsonPaths": ["$"] }
    })
}
