//! The one classifier of ARM resources: which CCF resource a JSON object is (by its `type`),
//! and where the resources of a parsed file are — the file itself, the elements of an array,
//! or the `resources` of an ARM template, including templates nested in a package's content
//! templates or in deployments.

use serde_json::Value;

use crate::json_spans::JsonPath;

/// The kinds of CCF resources ccfgen reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `Microsoft.SecurityInsights/dataConnectorDefinitions` (the gallery entry).
    Definition,
    /// `Microsoft.SecurityInsights/dataConnectors` (Push, RestApiPoller, …).
    DataConnector,
    /// `Microsoft.Insights/dataCollectionRules`.
    Dcr,
    /// `Microsoft.OperationalInsights/workspaces/tables`.
    Table,
}

impl Kind {
    /// The resource kind of an ARM `type` (compared ignoring case; workspace-scoped spellings
    /// such as `…/workspaces/providers/dataConnectors` included), if it is one of ours.
    pub fn of_type(ty: &str) -> Option<Kind> {
        let t = ty.to_ascii_lowercase();
        if t.ends_with("/dataconnectordefinitions") {
            Some(Kind::Definition)
        } else if t.ends_with("/dataconnectors") {
            Some(Kind::DataConnector)
        } else if t.ends_with("microsoft.insights/datacollectionrules") {
            Some(Kind::Dcr)
        } else if t.ends_with("workspaces/tables") {
            Some(Kind::Table)
        } else {
            None
        }
    }

    /// The kind of a resource object (by its `type` member).
    pub fn of(value: &Value) -> Option<Kind> {
        value
            .get("type")
            .and_then(Value::as_str)
            .and_then(Kind::of_type)
    }

    /// A short name for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Definition => "connector definition",
            Kind::DataConnector => "data connector",
            Kind::Dcr => "DCR",
            Kind::Table => "table",
        }
    }
}

/// The resources that make up a Content Hub package around the CCF resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageKind {
    /// `Microsoft.OperationalInsights/workspaces/providers/contentTemplates`.
    ContentTemplate,
    /// `…/contentPackages` (the solution itself).
    ContentPackage,
    /// `…/metadata` (links content to the solution).
    Metadata,
}

impl PackageKind {
    /// The package resource kind of a resource object, by its `type`.
    pub fn of(value: &Value) -> Option<PackageKind> {
        let t = value
            .get("type")
            .and_then(Value::as_str)?
            .to_ascii_lowercase();
        if t.ends_with("/contenttemplates") {
            Some(PackageKind::ContentTemplate)
        } else if t.ends_with("/contentpackages") {
            Some(PackageKind::ContentPackage)
        } else if t.ends_with("/metadata") {
            Some(PackageKind::Metadata)
        } else {
            None
        }
    }
}

/// Whether a value is an ARM template (a `resources` array and `$schema` or `contentVersion`).
pub fn is_template(v: &Value) -> bool {
    v.get("resources").is_some_and(Value::is_array)
        && (v.get("$schema").is_some() || v.get("contentVersion").is_some())
}

/// One CCF resource found in a parsed file.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    /// What it is.
    pub kind: Kind,
    /// The resource object.
    pub value: &'a Value,
}

/// Every CCF resource in a parsed file with its JSON path, in document order: the file
/// itself, the objects of a top-level array, the `resources` of a template, and the
/// resources of templates nested in those (`properties.mainTemplate` of content templates,
/// `properties.template` of deployments). A CCF resource's own members are not searched.
pub fn resources(value: &Value) -> Vec<(JsonPath, Found<'_>)> {
    let mut out = Vec::new();
    visit(value, JsonPath::root(), true, &mut out);
    out
}

fn visit<'a>(value: &'a Value, path: JsonPath, top: bool, out: &mut Vec<(JsonPath, Found<'a>)>) {
    match value {
        Value::Array(items) if top => {
            for (i, item) in items.iter().enumerate() {
                if item.is_object() {
                    visit(item, path.index(i), false, out);
                }
            }
        }
        Value::Object(map) => {
            if let Some(kind) = Kind::of(value) {
                out.push((path, Found { kind, value }));
                return;
            }
            if top && let Some(Value::Array(items)) = map.get("resources") {
                nested(items, path.key("resources"), out);
            }
            for key in ["mainTemplate", "template"] {
                if let Some(Value::Array(items)) = value
                    .get("properties")
                    .and_then(|p| p.get(key))
                    .and_then(|t| t.get("resources"))
                {
                    nested(items, path.keys(&["properties", key, "resources"]), out);
                }
            }
        }
        _ => {}
    }
}

fn nested<'a>(items: &'a [Value], path: JsonPath, out: &mut Vec<(JsonPath, Found<'a>)>) {
    for (i, item) in items.iter().enumerate() {
        if item.is_object() {
            visit(item, path.index(i), false, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_resources_in_files_arrays_templates_and_packages() {
        let dcr =
            serde_json::json!({"type": "Microsoft.Insights/dataCollectionRules", "name": "d"});
        let table = serde_json::json!({"type": "Microsoft.OperationalInsights/workspaces/tables", "name": "T_CL"});
        let found = |v: &Value| -> Vec<(String, Kind)> {
            resources(v)
                .into_iter()
                .map(|(p, f)| (p.to_string(), f.kind))
                .collect()
        };
        assert_eq!(found(&dcr), [("$".to_string(), Kind::Dcr)]);
        assert_eq!(
            found(&serde_json::json!([table, {"hello": 1}, dcr])),
            [
                ("[0]".to_string(), Kind::Table),
                ("[2]".to_string(), Kind::Dcr)
            ]
        );
        let package = serde_json::json!({
            "$schema": "x",
            "resources": [
                {"type": "Microsoft.OperationalInsights/workspaces/providers/contentTemplates",
                 "properties": {"mainTemplate": {"resources": [dcr, {"resources": [table]}]}}},
                {"type": "Microsoft.Resources/deployments",
                 "properties": {"template": {"resources": [table]}}},
                {"type": "Microsoft.SecurityInsights/dataConnectorDefinitions",
                 "properties": {"mainTemplate": {"resources": [dcr]}}}
            ]
        });
        assert_eq!(
            found(&package),
            [
                (
                    "resources[0].properties.mainTemplate.resources[0]".to_string(),
                    Kind::Dcr
                ),
                (
                    "resources[1].properties.template.resources[0]".to_string(),
                    Kind::Table
                ),
                ("resources[2]".to_string(), Kind::Definition),
            ]
        );
        // Nested `resources` members of untyped objects are no template.
        assert!(found(&serde_json::json!({"a": {"resources": [dcr]}})).is_empty());
        assert_eq!(
            PackageKind::of(&package["resources"][0]),
            Some(PackageKind::ContentTemplate)
        );
        assert!(is_template(&package));
    }
}
