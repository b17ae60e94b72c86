//! `dataConnector.json`: the Push data connector instance, created when the user clicks
//! Deploy. Its connect-time values are escaped `[[parameters(…)]` expressions.

use serde_json::{Value, json};

use super::api::ApiVersionSet;
use crate::solution::{Connector, Placeholders};

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

/// The instance `properties` as the connector folder writes them (`placeholders` style).
pub fn data_connector_properties(connector: &Connector) -> Value {
    instance_properties(connector, connector.settings.placeholders)
}

/// The instance `properties` with connect-time values in the given style. The package always
/// embeds the `parameters` style (what the packager makes of `{{…}}` placeholders).
pub fn instance_properties(connector: &Connector, style: Placeholders) -> Value {
    let value = |object: &str, key: &str| match style {
        Placeholders::Parameters => format!("[[parameters('{object}').{key}]"),
        Placeholders::Braces => format!("{{{{{key}}}}}"),
    };
    let (app_key, sp_key) = connector.settings.auth_keys.names();
    json!({
        "connectorDefinitionName": connector.id,
        "dcrConfig": {
            "streamName": connector.primary_stream(),
            "dataCollectionEndpoint": value("dcrConfig", "dataCollectionEndpoint"),
            "dataCollectionRuleImmutableId": value("dcrConfig", "dataCollectionRuleImmutableId"),
        },
        "auth": {
            "type": "Push",
            app_key: value("auth", "appId"),
            sp_key: value("auth", "servicePrincipalId"),
        },
        "request": { "RetryCount": 1 },
        "response": { "eventsJsonPaths": connector.settings.events_json_paths }
    })
}
