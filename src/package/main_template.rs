//! `Package/mainTemplate.json`: the ARM template Content Hub installs (packaging.md §3–§5).
//!
//! Layout, names and formulas are the official packager's (`createSolutionV3.ps1`,
//! `createCCPConnector.ps1`), checked against the packages in the corpus. In
//! [`Compat::Ccfgen`] mode the flaws listed in docs/package.md are fixed; in
//! [`Compat::Official`] mode they are reproduced.

use serde_json::{Map, Value, json};

use super::escape::{self, Level};
use crate::content::Section;
use crate::extra_content::ExtraContent;
use crate::render::api::ApiVersionSet;
use crate::render::{data_connector, definition, table};
use crate::solution::{Compat, Connector, Placeholders, Solution, SupportTier};
use crate::templates::TemplateError;

mod content;
pub use content::{hunting_description, rule_description, serialized_data};

/// `$schema` of deployment templates.
pub const TEMPLATE_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/// The `dependsOn` every content template has: the solution's contentPackages resource.
const DEPENDS_ON_PACKAGE: &str = "[extensionResourceId(resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspace')), 'Microsoft.SecurityInsights/contentPackages', variables('_solutionId'))]";

/// The DCE id formula of the official packager: a DCE named after the workspace.
pub const DCE_FORMULA: &str = "[concat('/subscriptions/',parameters('subscription'),'/resourceGroups/',parameters('resourceGroupName'),'/providers/Microsoft.Insights/dataCollectionEndpoints/',parameters('workspace'))]";

/// Content kinds and the labels the description counts them with, in the packager's order.
pub const COUNTED_KINDS: &[(&str, &str)] = &[
    ("DataConnector", "Data Connectors"),
    ("Parser", "Parsers"),
    ("Workbook", "Workbooks"),
    ("AnalyticsRule", "Analytic Rules"),
    ("HuntingQuery", "Hunting Queries"),
    ("Watchlist", "Watchlists"),
    ("SummaryRule", "Summary Rules"),
    (
        "LogicAppsCustomConnector",
        "Custom Azure Logic Apps Connectors",
    ),
    ("AzureFunction", "Function Apps"),
    ("Playbook", "Playbooks"),
];

/// Everything the template builder needs besides the solution.
pub struct TemplateInput<'a> {
    /// The solution.
    pub solution: &'a Solution,
    /// Which packager to reproduce.
    pub compat: Compat,
    /// API versions of the emitted resources.
    pub api: ApiVersionSet,
    /// The solution description as HTML (`contentPackages.descriptionHtml`).
    pub description_html: &'a str,
}

/// One connector's variable names.
struct Names {
    version_var: String,
    def_id: String,
    def_template: String,
    conn_id: String,
    conn_template: String,
}

impl Names {
    fn new(n: usize, version_var: String) -> Names {
        Names {
            version_var,
            def_id: format!("_dataConnectorContentIdConnectorDefinition{n}"),
            def_template: format!("dataConnectorTemplateNameConnectorDefinition{n}"),
            conn_id: format!("_dataConnectorContentIdConnections{n}"),
            conn_template: format!("dataConnectorTemplateNameConnections{n}"),
        }
    }
}

fn var(name: &str) -> String {
    format!("[variables('{name}')]")
}

/// What the sections of the template add, in order: parameters, variables, resources and
/// the `contentPackages` dependency criteria.
struct Acc {
    parameters: Map<String, Value>,
    variables: Map<String, Value>,
    resources: Vec<Value>,
    criteria: Vec<Value>,
}

/// The mainTemplate of a solution.
pub fn main_template(input: &TemplateInput<'_>) -> Result<Value, TemplateError> {
    let s = input.solution;
    let empty = ExtraContent::default();
    let extra = s.extra_content.as_ref().unwrap_or(&empty);
    let b = Builder { input };

    let mut acc = Acc {
        parameters: base_parameters(),
        variables: Map::new(),
        resources: extra.before.resources.clone(),
        criteria: extra.before.criteria.clone(),
    };
    insert_missing(&mut acc.parameters, &extra.before.parameters);

    if let Some(email) = &s.author_email {
        acc.variables
            .insert("email".into(), json!(b.lit(email, Level::Install)));
        acc.variables.insert("_email".into(), json!(var("email")));
    }
    acc.variables.insert(
        "_solutionName".into(),
        json!(b.lit(&s.name, Level::Install)),
    );
    acc.variables
        .insert("_solutionVersion".into(), json!(s.version));
    acc.variables
        .insert("solutionId".into(), json!(s.solution_id()));
    acc.variables
        .insert("_solutionId".into(), json!(var("solutionId")));
    insert_missing(&mut acc.variables, &extra.before.variables);

    // The official packager walks the data file's lists in order; each numbers its own items.
    for section in s.content.sections() {
        match section {
            Section::DataConnectors => b.connectors(extra, &mut acc)?,
            Section::Parsers => {
                for (i, p) in s.content.parsers.iter().enumerate() {
                    b.parser(p, i + 1, &mut acc);
                }
            }
            Section::Workbooks => {
                for (i, w) in s.content.workbooks.iter().enumerate() {
                    b.workbook(w, i + 1, &mut acc);
                }
            }
            Section::AnalyticRules => {
                for (i, r) in s.content.analytic_rules.iter().enumerate() {
                    b.analytic_rule(r, i + 1, &mut acc);
                }
            }
            Section::HuntingQueries => {
                for (i, q) in s.content.hunting_queries.iter().enumerate() {
                    b.hunting_query(q, i + 1, &mut acc);
                }
            }
            Section::Watchlists => {
                for (i, w) in s.content.watchlists.iter().enumerate() {
                    b.watchlist(w, i + 1, &mut acc);
                }
            }
        }
    }

    let Acc {
        mut parameters,
        mut variables,
        mut resources,
        mut criteria,
    } = acc;
    insert_missing(&mut parameters, &extra.after.parameters);
    insert_missing(&mut variables, &extra.after.variables);
    resources.extend(extra.after.resources.iter().cloned());
    criteria.extend(extra.after.criteria.iter().cloned());
    variables.insert(
        "_solutioncontentProductId".into(),
        json!("[concat(take(variables('_solutionId'),50),'-','sl','-', uniqueString(concat(variables('_solutionId'),'-','Solution','-',variables('_solutionId'),'-', variables('_solutionVersion'))))]"),
    );
    resources.push(b.content_package(criteria));

    Ok(json!({
        "$schema": TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": {
            "author": crate::render::solution_files::author_line(s),
            "comments": format!("Solution template for {}", s.name),
        },
        "parameters": parameters,
        "variables": variables,
        "resources": resources,
        "outputs": {},
    }))
}

impl Builder<'_> {
    /// The `Data Connectors` section: ccfgen's CCF connectors, numbered after the legacy
    /// connectors carried verbatim before them.
    fn connectors(&self, extra: &ExtraContent, acc: &mut Acc) -> Result<(), TemplateError> {
        let b = self;
        let s = self.input.solution;
        // Added while the packager processes a DCR.
        insert_missing(&mut acc.parameters, &common_parameters());
        let variables = &mut acc.variables;
        let shared_version = b.shared_version();
        if !variables.contains_key("workspaceResourceId") {
            variables.insert(
                "workspaceResourceId".into(),
                json!(
                    "[resourceId('microsoft.OperationalInsights/Workspaces', parameters('workspace'))]"
                ),
            );
        }
        if let Some(version) = &shared_version {
            variables.insert("dataConnectorCCPVersion".into(), json!(version));
        }
        let offset = extra.connectors_before();
        for (i, c) in s.connectors.iter().enumerate() {
            let n = offset + i + 1;
            let version_var = match shared_version {
                Some(_) => "dataConnectorCCPVersion".to_string(),
                None => {
                    let name = format!("dataConnectorCCPVersion{n}");
                    variables.insert(name.clone(), json!(c.settings.version));
                    name
                }
            };
            let names = Names::new(n, version_var);
            variables.insert(names.def_id.clone(), json!(b.lit(&c.id, Level::Install)));
            variables.insert(
                names.def_template.clone(),
                json!(format!(
                    "[concat(parameters('workspace'),'-dc-',uniquestring(variables('{}')))]",
                    names.def_id
                )),
            );
            variables.insert(
                names.conn_id.clone(),
                json!(b.lit(&format!("{}Connections", c.id), Level::Install)),
            );
            variables.insert(
                names.conn_template.clone(),
                json!(format!(
                    "[concat(parameters('workspace'),'-dc-',uniquestring(variables('{}')))]",
                    names.conn_id
                )),
            );
            let dce = b.dce(c, n);
            // A Direct DCR without endpoint needs no DCE variable.
            if !c.dcr_endpoint_omitted
                && let Some((name, value)) = &dce.variable
            {
                variables.insert(name.clone(), json!(value));
            }
            if self.compat() == Compat::Official && !variables.contains_key("blanks") {
                variables.insert("blanks".into(), json!("[replace('b', 'b', '')]"));
            }
            let def = b.definition(c, &names, Level::Install)?;
            acc.resources
                .push(b.definition_template(c, &names, &dce.property)?);
            acc.resources.push(def);
            acc.resources
                .push(b.definition_metadata(&names, Level::Install));
            acc.resources.push(b.connections_template(c, &names));
            acc.criteria.push(json!({
                "kind": "DataConnector",
                "contentId": var(&names.conn_id),
                "version": var(&names.version_var),
            }));
        }
        Ok(())
    }
}

/// `location`, `workspace-location`, `workspace`: the base template's parameters.
fn base_parameters() -> Map<String, Value> {
    let v = json!({
        "location": {
            "type": "string",
            "minLength": 1,
            "defaultValue": "[resourceGroup().location]",
            "metadata": {
                "description": "Not used, but needed to pass arm-ttk test `Location-Should-Not-Be-Hardcoded`.  We instead use the `workspace-location` which is derived from the LA workspace"
            }
        },
        "workspace-location": {
            "type": "string",
            "defaultValue": "",
            "metadata": {
                "description": "[concat('Region to deploy solution resources -- separate from location selection',parameters('location'))]"
            }
        },
        "workspace": {
            "defaultValue": "",
            "type": "string",
            "metadata": {
                "description": "Workspace name for Log Analytics where Microsoft Sentinel is setup"
            }
        }
    });
    v.as_object().cloned().unwrap_or_default()
}

/// `resourceGroupName` and `subscription`, added while a DCR is processed.
fn common_parameters() -> Map<String, Value> {
    let v = json!({
        "resourceGroupName": {
            "type": "string",
            "defaultValue": "[resourceGroup().name]",
            "metadata": { "description": "resource group name where Microsoft Sentinel is setup" }
        },
        "subscription": {
            "type": "string",
            "defaultValue": "[last(split(subscription().id, '/'))]",
            "metadata": { "description": "subscription id where Microsoft Sentinel is setup" }
        }
    });
    v.as_object().cloned().unwrap_or_default()
}

fn insert_missing(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        if !into.contains_key(k) {
            into.insert(k.clone(), v.clone());
        }
    }
}

/// The DCR's `dataCollectionEndpointId` in the package, and the variable it needs.
struct Dce {
    property: Value,
    variable: Option<(String, String)>,
}

struct Builder<'a> {
    input: &'a TemplateInput<'a>,
}

impl Builder<'_> {
    fn compat(&self) -> Compat {
        self.input.compat
    }

    /// Literal user text at an evaluation level (unchanged in official mode).
    fn lit(&self, text: &str, level: Level) -> String {
        match self.compat() {
            Compat::Ccfgen => escape::literal(text, level),
            Compat::Official => text.to_string(),
        }
    }

    /// Literal user values at an evaluation level (unchanged in official mode).
    fn lit_value(&self, mut value: Value, level: Level) -> Value {
        if self.compat() == Compat::Ccfgen {
            escape::literal_value(&mut value, level);
        }
        value
    }

    /// The version every connector shares (one `dataConnectorCCPVersion` variable), or `None`
    /// when ccfgen gives each connector its own. The official packager always shares one and
    /// writes the first connector's version.
    fn shared_version(&self) -> Option<String> {
        let connectors = &self.input.solution.connectors;
        let first = connectors.first().map(|c| c.settings.version.clone());
        match self.compat() {
            Compat::Official => Some(first.unwrap_or_else(|| "1.0.0".to_string())),
            Compat::Ccfgen => {
                if connectors
                    .iter()
                    .all(|c| Some(&c.settings.version) == first.as_ref())
                {
                    Some(first.unwrap_or_else(|| "1.0.0".to_string()))
                } else {
                    None
                }
            }
        }
    }

    fn dce(&self, c: &Connector, n: usize) -> Dce {
        let written = c.settings.dcr_endpoint.as_str();
        let placeholder = written
            .strip_prefix("{{")
            .and_then(|r| r.strip_suffix("}}"))
            .filter(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_alphanumeric()));
        match (self.compat(), placeholder) {
            (_, Some(p)) => {
                let name = format!("{p}{n}");
                Dce {
                    property: json!(var(&name)),
                    variable: Some((name, DCE_FORMULA.to_string())),
                }
            }
            // The official packager copies a literal or expression unchanged.
            (Compat::Official, None) => Dce {
                property: json!(written),
                variable: None,
            },
            // ccfgen always refers to the DCE through a variable (arm-ttk "IDs Should Be
            // Derived From ResourceIDs"); an expression the spec wrote is kept as its value.
            (Compat::Ccfgen, None) => {
                let name = format!("dataCollectionEndpointId{n}");
                let value = if escape::looks_like_expression(written) {
                    written.to_string()
                } else {
                    DCE_FORMULA.to_string()
                };
                Dce {
                    property: json!(var(&name)),
                    variable: Some((name, value)),
                }
            }
        }
    }

    fn author(&self, level: Level) -> Value {
        let s = self.input.solution;
        let mut a = Map::new();
        a.insert("name".into(), json!(self.lit(&s.author_name, level)));
        if s.author_email.is_some() {
            a.insert("email".into(), json!(var("_email")));
        }
        Value::Object(a)
    }

    fn support(&self, level: Level) -> Value {
        let support = crate::render::solution_files::support(self.input.solution);
        self.lit_value(support, level)
    }

    fn source(&self) -> Value {
        json!({
            "sourceId": var("_solutionId"),
            "name": var("_solutionName"),
            "kind": "Solution",
        })
    }

    fn definition(
        &self,
        c: &Connector,
        names: &Names,
        level: Level,
    ) -> Result<Value, TemplateError> {
        let ui = self.lit_value(definition::ui_config(c)?, level);
        Ok(json!({
            "name": format!("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',variables('{}'))]", names.def_id),
            "apiVersion": self.input.api.definitions,
            "type": "Microsoft.OperationalInsights/workspaces/providers/dataConnectorDefinitions",
            "location": "[parameters('workspace-location')]",
            "kind": "Customizable",
            "properties": { "connectorUiConfig": ui },
        }))
    }

    fn definition_metadata(&self, names: &Names, level: Level) -> Value {
        json!({
            "name": format!("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('DataConnector-', variables('{}')))]", names.def_id),
            "apiVersion": self.input.api.metadata,
            "type": "Microsoft.OperationalInsights/workspaces/providers/metadata",
            "properties": {
                "parentId": format!("[extensionResourceId(resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspace')), 'Microsoft.SecurityInsights/dataConnectorDefinitions', variables('{}'))]", names.def_id),
                "contentId": var(&names.def_id),
                "kind": "DataConnector",
                "version": var(&names.version_var),
                "source": self.source(),
                "author": self.author(level),
                "support": self.support(level),
                "dependencies": {
                    "criteria": [{
                        "version": var(&names.version_var),
                        "contentId": var(&names.conn_id),
                        "kind": "ResourcesDataConnector",
                    }]
                }
            }
        })
    }

    fn dcr(&self, c: &Connector, dce: &Value) -> Value {
        let level = Level::ContentTemplate;
        let mut props = self.lit_value(
            crate::render::dcr::dcr_properties(c, Value::Null, Value::Null),
            level,
        );
        if let Some(p) = props.as_object_mut() {
            // A Direct DCR has its own endpoint: no DCE id.
            if !c.dcr_endpoint_omitted {
                p.insert("dataCollectionEndpointId".into(), dce.clone());
            }
            p.insert(
                "destinations".into(),
                json!({"logAnalytics": [{
                    "workspaceResourceId": var("workspaceResourceId"),
                    "name": self.lit(&c.settings.dcr_destination, level),
                }]}),
            );
        }
        let kind = match c.dcr_kind {
            Some(kind) => Some(json!(kind.as_str())),
            // The packager turns the absent (null) kind into this variable to dodge arm-ttk.
            None if self.compat() == Compat::Official => Some(json!(var("blanks"))),
            None => None,
        };
        crate::render::dcr::dcr_envelope(
            json!(self.lit(&c.dcr_name, level)),
            &self.input.api,
            kind,
            props,
        )
    }

    fn tables(&self, c: &Connector) -> Vec<Value> {
        c.tables_in_resource_order()
            .map(|t| {
                let mut r = Map::new();
                r.insert(
                    "name".into(),
                    json!(self.lit(&t.name, Level::ContentTemplate)),
                );
                r.insert("apiVersion".into(), json!(self.input.api.tables));
                r.insert(
                    "type".into(),
                    json!("Microsoft.OperationalInsights/workspaces/tables"),
                );
                r.insert(
                    "location".into(),
                    json!("[parameters('workspace-location')]"),
                );
                if self.compat() == Compat::Official {
                    // A blank arm-ttk only tolerates by accident; ccfgen leaves it out.
                    r.insert("kind".into(), Value::Null);
                }
                r.insert(
                    "properties".into(),
                    self.lit_value(table::table_properties(t), Level::ContentTemplate),
                );
                Value::Object(r)
            })
            .collect()
    }

    fn content_template_properties(
        &self,
        c: &Connector,
        content_id: &str,
        kind: &str,
        main: Value,
        product: (&str, &str),
        names: &Names,
    ) -> Value {
        json!({
            "contentId": var(content_id),
            "displayName": self.lit(&c.title, Level::Install),
            "contentKind": kind,
            "mainTemplate": main,
            "packageKind": "Solution",
            "packageVersion": var("_solutionVersion"),
            "packageName": var("_solutionName"),
            "contentProductId": format!(
                "[concat(take(variables('_solutionId'), 50),'-','{}','-', uniqueString(concat(variables('_solutionId'),'-','{}','-',variables('{content_id}'),'-', variables('{}'))))]",
                product.0, product.1, names.version_var
            ),
            "packageId": var("_solutionId"),
            "contentSchemaVersion": "3.0.0",
            "version": var(&names.version_var),
        })
    }

    fn content_template(&self, template_var: &str, names: &Names, properties: Value) -> Value {
        json!({
            "type": "Microsoft.OperationalInsights/workspaces/providers/contentTemplates",
            "apiVersion": self.input.api.content,
            "name": format!(
                "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/', variables('{template_var}'), variables('{}'))]",
                names.version_var
            ),
            "location": "[parameters('workspace-location')]",
            "dependsOn": [DEPENDS_ON_PACKAGE],
            "properties": properties,
        })
    }

    fn definition_template(
        &self,
        c: &Connector,
        names: &Names,
        dce: &Value,
    ) -> Result<Value, TemplateError> {
        let mut inner = vec![
            self.definition(c, names, Level::ContentTemplate)?,
            self.definition_metadata(names, Level::ContentTemplate),
            self.dcr(c, dce),
        ];
        inner.extend(self.tables(c));
        let main = json!({
            "$schema": TEMPLATE_SCHEMA,
            "contentVersion": var(&names.version_var),
            "parameters": {},
            "variables": {},
            "resources": inner,
        });
        let props = self.content_template_properties(
            c,
            &names.def_id,
            "DataConnector",
            main,
            ("dc", "DataConnector"),
            names,
        );
        Ok(self.content_template(&names.def_template, names, props))
    }

    fn connections_template(&self, c: &Connector, names: &Names) -> Value {
        let level = Level::ContentTemplate;
        let auth_default = match self.compat() {
            // The packager's default has a stray `]` (packaging.md §5).
            Compat::Official => json!({
                "appId": "[[parameters('auth').appId]]",
                "servicePrincipalId": "[[parameters('auth').servicePrincipalId]]",
            }),
            Compat::Ccfgen => json!({
                "appId": "[[parameters('auth').appId]",
                "servicePrincipalId": "[[parameters('auth').servicePrincipalId]",
            }),
        };
        let parameters = json!({
            "guidValue": { "defaultValue": "[[newGuid()]", "type": "securestring" },
            "innerWorkspace": { "defaultValue": "[parameters('workspace')]", "type": "securestring" },
            "auth": { "type": "object", "defaultValue": auth_default },
            "connectorDefinitionName": {
                "defaultValue": self.lit(&c.title, level),
                "type": "securestring",
                "minLength": 1
            },
            "workspace": { "defaultValue": "[parameters('workspace')]", "type": "securestring" },
            "dcrConfig": {
                "defaultValue": {
                    "dataCollectionEndpoint": "data collection Endpoint",
                    "dataCollectionRuleImmutableId": "data collection rule immutableId"
                },
                "type": "object"
            }
        });
        let mut variables = Map::new();
        variables.insert(names.conn_id.clone(), json!(var(&names.conn_id)));
        let metadata = json!({
            "name": format!("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('DataConnector-', variables('{}')))]", names.conn_id),
            "apiVersion": self.input.api.metadata,
            "type": "Microsoft.OperationalInsights/workspaces/providers/metadata",
            "properties": {
                "parentId": format!("[extensionResourceId(resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspace')), 'Microsoft.SecurityInsights/dataConnectors', variables('{}'))]", names.conn_id),
                "contentId": var(&names.conn_id),
                "kind": "ResourcesDataConnector",
                "version": var(&names.version_var),
                "source": self.source(),
                "author": self.author(level),
                "support": self.support(level),
            }
        });
        let mut resources = vec![metadata];
        for inst in &c.instances {
            let instance_name = match self.compat() {
                Compat::Official => inst.name.clone(),
                Compat::Ccfgen => inst.name.replace('\'', "''"),
            };
            let mut props = data_connector::instance_properties(c, inst, Placeholders::Parameters);
            if let Some(p) = props.as_object_mut() {
                for key in ["connectorDefinitionName", "request", "response", "dataType"] {
                    if let Some(v) = p.get_mut(key) {
                        *v = self.lit_value(v.take(), level);
                    }
                }
            }
            if let Some(stream) = props.pointer_mut("/dcrConfig/streamName") {
                *stream = self.lit_value(stream.take(), level);
            }
            resources.push(json!({
                "name": format!("[[concat(parameters('innerWorkspace'),'/Microsoft.SecurityInsights/', '{instance_name}', parameters('guidValue'))]"),
                "apiVersion": self.input.api.data_connectors,
                "type": "Microsoft.OperationalInsights/workspaces/providers/dataConnectors",
                "location": "[parameters('workspace-location')]",
                "kind": "Push",
                "properties": props,
            }));
        }
        let main = json!({
            "$schema": TEMPLATE_SCHEMA,
            "contentVersion": var(&names.version_var),
            "parameters": parameters,
            "variables": variables,
            "resources": resources,
        });
        let props = self.content_template_properties(
            c,
            &names.conn_id,
            "ResourcesDataConnector",
            main,
            ("rdc", "ResourcesDataConnector"),
            names,
        );
        self.content_template(&names.conn_template, names, props)
    }

    fn content_package(&self, criteria: Vec<Value>) -> Value {
        let s = self.input.solution;
        let level = Level::Install;
        let publisher = match s.support.tier {
            SupportTier::Microsoft => format!("Microsoft Sentinel, {}", s.support.name),
            _ => s.support.name.clone(),
        };
        let mut p = Map::new();
        p.insert("version".into(), json!(s.version));
        p.insert("kind".into(), json!("Solution"));
        p.insert("contentSchemaVersion".into(), json!("3.0.0"));
        p.insert("displayName".into(), json!(self.lit(&s.name, level)));
        p.insert(
            "publisherDisplayName".into(),
            json!(self.lit(&publisher, level)),
        );
        p.insert(
            "descriptionHtml".into(),
            json!(self.lit(self.input.description_html, level)),
        );
        p.insert("contentKind".into(), json!("Solution"));
        p.insert(
            "contentProductId".into(),
            json!(var("_solutioncontentProductId")),
        );
        p.insert("id".into(), json!(var("_solutioncontentProductId")));
        if let Some(logo) = &s.logo {
            p.insert("icon".into(), json!(self.lit(&logo.html(), level)));
        }
        p.insert("contentId".into(), json!(var("_solutionId")));
        p.insert("parentId".into(), json!(var("_solutionId")));
        p.insert(
            "source".into(),
            json!({"kind": "Solution", "name": self.lit(&s.name, level), "sourceId": var("_solutionId")}),
        );
        p.insert("author".into(), self.author(level));
        p.insert("support".into(), self.support(level));
        p.insert(
            "dependencies".into(),
            json!({"operator": "AND", "criteria": criteria}),
        );
        if let Some(d) = &s.first_publish_date {
            p.insert("firstPublishDate".into(), json!(d));
        }
        if let Some(d) = &s.last_publish_date {
            p.insert("lastPublishDate".into(), json!(d));
        }
        p.insert(
            "providers".into(),
            self.lit_value(json!(s.providers), level),
        );
        let mut categories = Map::new();
        categories.insert("domains".into(), json!(s.categories.domains));
        if !s.categories.verticals.is_empty() {
            categories.insert("verticals".into(), json!(s.categories.verticals));
        }
        p.insert("categories".into(), Value::Object(categories));
        json!({
            "type": "Microsoft.OperationalInsights/workspaces/providers/contentPackages",
            "apiVersion": self.input.api.content,
            "location": "[parameters('workspace-location')]",
            "properties": p,
            "name": "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/', variables('_solutionId'))]",
        })
    }
}

/// Content counts for the description: ccfgen's connectors and content plus the verbatim
/// content.
pub fn counts(solution: &Solution) -> Vec<(&'static str, usize)> {
    let empty = ExtraContent::default();
    let extra = solution.extra_content.as_ref().unwrap_or(&empty);
    let c = &solution.content;
    COUNTED_KINDS
        .iter()
        .map(|(kind, label)| {
            let own = match *kind {
                "DataConnector" => solution.connectors.len(),
                "Parser" => c.parsers.len(),
                "Workbook" => c.workbooks.len(),
                "AnalyticsRule" => c.analytic_rules.len(),
                "HuntingQuery" => c.hunting_queries.len(),
                "Watchlist" => c.watchlists.len(),
                _ => 0,
            };
            (*label, own + extra.count(kind))
        })
        .collect()
}
