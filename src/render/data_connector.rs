//! `dataConnector.json`: the Push data connector instance, created when the user clicks
//! Deploy. Its connect-time values are escaped `[[parameters(…)]` expressions.

use serde_json::{Value, json};

use super::api::ApiVersionSet;
use crate::solution::{Connector, Instance, Placeholders};

/// The Push data connector file's content: the instance resource, or a JSON array of them
/// when the definition has several instances.
pub fn data_connector_resource(connector: &Connector, api: &ApiVersionSet) -> Value {
    let mut list: Vec<Value> = connector
        .instances
        .iter()
        .map(|inst| {
            json!({
                "name": inst.name,
                "apiVersion": api.data_connectors,
                "type": "Microsoft.SecurityInsights/dataConnectors",
                "kind": "Push",
                "properties": instance_properties(connector, inst, connector.settings.placeholders),
            })
        })
        .collect();
    if list.len() == 1 {
        list.remove(0)
    } else {
        Value::Array(list)
    }
}

/// The instance `properties` with connect-time values in the given style. The package always
/// embeds the `parameters` style (what the packager makes of `{{…}}` placeholders).
pub fn instance_properties(
    connector: &Connector,
    instance: &Instance,
    style: Placeholders,
) -> Value {
    let value = |object: &str, key: &str| match style {
        Placeholders::Parameters => format!("[[parameters('{object}').{key}]"),
        Placeholders::Braces => format!("{{{{{key}}}}}"),
    };
    let (app_key, sp_key) = connector.settings.auth_keys.names();
    let mut dcr_config = json!({
        "streamName": instance.stream,
        "dataCollectionEndpoint": value("dcrConfig", "dataCollectionEndpoint"),
        "dataCollectionRuleImmutableId": value("dcrConfig", "dataCollectionRuleImmutableId"),
    });
    if connector.settings.dcr_rule_id {
        dcr_config["dataCollectionRuleId"] = json!(value("dcrConfig", "dataCollectionRuleId"));
    }
    let mut props = json!({
        "connectorDefinitionName": connector.id,
        "dcrConfig": dcr_config,
        "auth": {
            "type": "Push",
            app_key: value("auth", "appId"),
            sp_key: value("auth", "servicePrincipalId"),
        },
        "request": { "RetryCount": 1 },
        "response": { "eventsJsonPaths": connector.settings.events_json_paths }
    });
    if let Some(dt) = &instance.data_type {
        props["dataType"] = json!(dt);
    }
    props
}
