//! `Package/createUiDefinition.json`: the install wizard of the solution (packaging.md §7).
//! The base is the official `baseCreateUiDefinition.json`, verbatim; the description and the
//! `dataconnectors` step are filled in, the steps of verbatim content follow.

use serde_json::{Value, json};

use crate::extra_content::ExtraContent;
use crate::solution::Solution;
use crate::templates::{self, TemplateError};

/// The createUiDefinition of a solution with the given description markdown.
pub fn create_ui_definition(
    solution: &Solution,
    description: &str,
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
    steps.extend(extra.ui_steps.iter().cloned());
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
