//! `Package/createUiDefinition.json`: the install wizard of the solution (packaging.md §7).
//! The base is the official `baseCreateUiDefinition.json`, verbatim; the description and the
//! `dataconnectors` step are filled in, the steps of verbatim content follow.

use serde_json::{Value, json};

use crate::content::Content;
use crate::extra_content::ExtraContent;
use crate::solution::{Compat, Solution};
use crate::templates::{self, TemplateError};

/// The order `GeneratePackage` sorts the install wizard's steps in.
const STEP_ORDER: [&str; 7] = [
    "dataconnectors",
    "parsers",
    "workbooks",
    "analytics",
    "huntingqueries",
    "watchlists",
    "playbooks",
];

/// The text of the install wizard step when the data file gives none (`workbooks_blade_description`).
pub const WORKBOOKS_BLADE_DEFAULT: &str = "This solution installs workbook(s) to help you gain insights into the telemetry collected in Microsoft Sentinel. After installing the solution, start using the workbook in Manage solution view.";

/// The text of the install wizard step when the data file gives none (`analytic_rules_blade_description`).
pub const ANALYTICS_BLADE_DEFAULT: &str = "This solution installs the following analytic rule templates. After installing the solution, create and enable analytic rules in Manage solution view.";

/// The text of the install wizard step when the data file gives none (`hunting_queries_blade_description`).
pub const HUNTING_BLADE_DEFAULT: &str = "This solution installs the following hunting queries. After installing the solution, run these hunting queries to hunt for threats in Manage solution view. ";

/// The text of the watchlists step (fixed in `GenerateWatchList`).
pub const WATCHLISTS_BLADE_TEXT: &str = "Microsoft Sentinel watchlists enable the collection of data from external data sources for correlation with the events in your Microsoft Sentinel environment. Once created, you can use watchlists in your search, detection rules, threat hunting, and response playbooks. Watchlists are stored in your Microsoft Sentinel workspace as name-value pairs and are cached for optimal query performance and low latency. Once deployment is successful, the installed watchlists will be available in the Watchlists blade under 'My Watchlists'.";

fn text_block(name: String, text: &str) -> Value {
    json!({ "name": name, "type": "Microsoft.Common.TextBlock", "options": { "text": text } })
}

fn link_block(name: &str, label: &str, uri: &str) -> Value {
    json!({
        "name": name,
        "type": "Microsoft.Common.TextBlock",
        "options": { "link": { "label": label, "uri": uri } }
    })
}

fn section(name: String, label: &str, elements: Vec<Value>) -> Value {
    json!({ "name": name, "type": "Microsoft.Common.Section", "label": label, "elements": elements })
}

/// The steps of the content authored as files: `workbooks`, `analytics`, `huntingqueries`,
/// `watchlists` (parsers have none), with one section per item.
fn content_steps(content: &Content, compat: Compat) -> Vec<Value> {
    let mut steps = Vec::new();
    if !content.workbooks.is_empty() {
        let mut elements = vec![
            text_block(
                "workbooks-text".into(),
                content
                    .workbooks_blade_description
                    .as_deref()
                    .unwrap_or(WORKBOOKS_BLADE_DEFAULT),
            ),
            link_block(
                "workbooks-link",
                "Learn more",
                "https://docs.microsoft.com/azure/sentinel/tutorial-monitor-your-data",
            ),
        ];
        for (i, w) in content.workbooks.iter().enumerate() {
            let n = i + 1;
            elements.push(section(
                format!("workbook{n}"),
                &w.meta("title"),
                vec![text_block(
                    format!("workbook{n}-text"),
                    &w.meta("description"),
                )],
            ));
        }
        steps.push(json!({
            "name": "workbooks",
            "label": "Workbooks",
            "subLabel": { "preValidation": "Configure the workbooks", "postValidation": "Done" },
            "bladeTitle": "Workbooks",
            "elements": elements,
        }));
    }
    if !content.analytic_rules.is_empty() {
        let mut elements = vec![
            text_block(
                "analytics-text".into(),
                content
                    .analytic_rules_blade_description
                    .as_deref()
                    .unwrap_or(ANALYTICS_BLADE_DEFAULT),
            ),
            link_block(
                "analytics-link",
                "Learn more",
                "https://docs.microsoft.com/azure/sentinel/tutorial-detect-threats-custom?WT.mc_id=Portal-Microsoft_Azure_CreateUIDef",
            ),
        ];
        for (i, r) in content.analytic_rules.iter().enumerate() {
            let n = i + 1;
            elements.push(section(
                format!("analytic{n}"),
                &r.name,
                vec![text_block(
                    format!("analytic{n}-text"),
                    &crate::package::main_template::rule_description(&r.description, compat),
                )],
            ));
        }
        steps.push(json!({
            "name": "analytics",
            "label": "Analytics",
            "subLabel": { "preValidation": "Configure the analytics", "postValidation": "Done" },
            "bladeTitle": "Analytics",
            "elements": elements,
        }));
    }
    if !content.hunting_queries.is_empty() {
        let mut elements = vec![
            text_block(
                "huntingqueries-text".into(),
                content
                    .hunting_queries_blade_description
                    .as_deref()
                    .unwrap_or(HUNTING_BLADE_DEFAULT),
            ),
            link_block(
                "huntingqueries-link",
                "Learn more",
                "https://docs.microsoft.com/azure/sentinel/hunting",
            ),
        ];
        for (i, q) in content.hunting_queries.iter().enumerate() {
            let n = i + 1;
            let description =
                crate::package::main_template::hunting_description(q.description.as_deref())
                    .map(|d| format!("{d} "))
                    .unwrap_or_default();
            let dependency = if q.required_data_connectors.is_empty() {
                String::new()
            } else {
                let ids: Vec<&str> = q
                    .required_data_connectors
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .collect();
                let types: Vec<&str> = q
                    .required_data_connectors
                    .iter()
                    .flat_map(|(_, t)| t.iter().map(String::as_str))
                    .collect();
                format!(
                    "This hunting query depends on {} data connector ({} Parser or Table)",
                    ids.join(" "),
                    types.join(" ")
                )
            };
            let mut inner = Vec::new();
            if !description.is_empty() || !dependency.is_empty() {
                inner.push(text_block(
                    format!("huntingquery{n}-text"),
                    &format!("{description}{dependency}"),
                ));
            }
            elements.push(section(format!("huntingquery{n}"), &q.name, inner));
        }
        steps.push(json!({
            "name": "huntingqueries",
            "label": "Hunting Queries",
            "bladeTitle": "Hunting Queries",
            "elements": elements,
        }));
    }
    if !content.watchlists.is_empty() {
        let mut elements = vec![json!({
            "name": "watchlists-text",
            "type": "Microsoft.Common.TextBlock",
            "options": {
                "text": WATCHLISTS_BLADE_TEXT,
                "link": { "label": "Learn more", "uri": "https://aka.ms/sentinelwatchlists" }
            }
        })];
        for (i, w) in content.watchlists.iter().enumerate() {
            let n = i + 1;
            // `WatchlistDescription` (its text form) or the watchlist's own description.
            let text = content
                .watchlist_description
                .as_deref()
                .or(w.description.as_deref())
                .map_or(Value::Null, |t| json!(t));
            elements.push(json!({
                "name": format!("watchlist{n}"),
                "type": "Microsoft.Common.Section",
                "label": w.display_name,
                "elements": [{
                    "name": format!("watchlist{n}-text"),
                    "type": "Microsoft.Common.TextBlock",
                    "options": { "text": text }
                }]
            }));
        }
        steps.push(json!({
            "name": "watchlists",
            "label": "Watchlists",
            "subLabel": { "preValidation": "Configure the watchlists", "postValidation": "Done" },
            "bladeTitle": "Watchlists",
            "elements": elements,
        }));
    }
    steps
}

/// The createUiDefinition of a solution with the given description markdown.
pub fn create_ui_definition(
    solution: &Solution,
    description: &str,
    compat: Compat,
) -> Result<Value, TemplateError> {
    let empty = ExtraContent::default();
    let extra = solution.extra_content.as_ref().unwrap_or(&empty);
    let mut elements: Vec<Value> = extra.before.ui_elements.clone();
    let offset = extra.connectors_before();
    for (i, c) in solution.connectors.iter().enumerate() {
        let n = offset + i + 1;
        let text = templates::render("package/connector_step", &json!({ "title": c.title }))?;
        elements.push(json!({
            "name": format!("dataconnectors{n}-text"),
            "type": "Microsoft.Common.TextBlock",
            "options": { "text": text.trim_end() }
        }));
        elements.push(json!({
            "name": format!("dataconnectors-link{n}"),
            "type": "Microsoft.Common.TextBlock",
            "options": {
                "link": {
                    "label": "Learn more about connecting data sources",
                    "uri": "https://docs.microsoft.com/azure/sentinel/connect-data-sources"
                }
            }
        }));
    }
    let mut steps = vec![json!({
        "name": "dataconnectors",
        "label": "Data Connectors",
        "bladeTitle": "Data Connectors",
        "elements": elements,
    })];
    steps.extend(content_steps(&solution.content, compat));
    steps.extend(extra.ui_steps.iter().cloned());
    // `GeneratePackage` sorts the steps by this order (a name not in it sorts first).
    let rank = |step: &Value| {
        let name = step.get("name").and_then(Value::as_str).unwrap_or_default();
        STEP_ORDER
            .iter()
            .position(|n| *n == name)
            .map_or(-1, |i| i as i64)
    };
    steps.sort_by_key(rank);
    Ok(json!({
        "$schema": "https://schema.management.azure.com/schemas/0.1.2-preview/CreateUIDefinition.MultiVm.json#",
        "handler": "Microsoft.Azure.CreateUIDef",
        "version": "0.1.2-preview",
        "parameters": {
            "config": {
                "isWizard": false,
                "basics": {
                    "description": description,
                    "subscription": {
                        "resourceProviders": [
                            "Microsoft.OperationsManagement/solutions",
                            "Microsoft.OperationalInsights/workspaces/providers/alertRules",
                            "Microsoft.Insights/workbooks",
                            "Microsoft.Logic/workflows"
                        ]
                    },
                    "location": {
                        "metadata": {
                            "hidden": "Hiding location, we get it from the log analytics workspace"
                        },
                        "visible": false
                    },
                    "resourceGroup": { "allowExisting": true }
                }
            },
            "basics": [
                {
                    "name": "getLAWorkspace",
                    "type": "Microsoft.Solutions.ArmApiControl",
                    "toolTip": "This filters by workspaces that exist in the Resource Group selected",
                    "condition": "[greater(length(resourceGroup().name),0)]",
                    "request": {
                        "method": "GET",
                        "path": "[concat(subscription().id,'/providers/Microsoft.OperationalInsights/workspaces?api-version=2020-08-01')]"
                    }
                },
                {
                    "name": "workspace",
                    "type": "Microsoft.Common.DropDown",
                    "label": "Workspace",
                    "placeholder": "Select a workspace",
                    "toolTip": "This dropdown will list only workspace that exists in the Resource Group selected",
                    "constraints": {
                        "allowedValues": "[map(filter(basics('getLAWorkspace').value, (filter) => contains(toLower(filter.id), toLower(resourceGroup().name))), (item) => parse(concat('{\"label\":\"', item.name, '\",\"value\":\"', item.name, '\"}')))]",
                        "required": true
                    },
                    "visible": true
                }
            ],
            "steps": steps,
            "outputs": {
                "workspace-location": "[first(map(filter(basics('getLAWorkspace').value, (filter) => and(contains(toLower(filter.id), toLower(resourceGroup().name)),equals(filter.name,basics('workspace')))), (item) => item.location))]",
                "location": "[location()]",
                "workspace": "[basics('workspace')]"
            }
        }
    }))
}
