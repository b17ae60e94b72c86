//! The connector page model: what the Microsoft Sentinel portal shows for a
//! `connectorUiConfig` (a data connector definition's, or a legacy data connector's), read
//! tolerantly from any JSON. Nothing here fails: a missing or mistyped member reads as absent
//! and is reported as a [`PageNote`] located by its JSON path, the way the portal shows what
//! it can and leaves the rest out.
//!
//! The members and instruction types follow Microsoft's *Data connector definitions
//! reference* (learn.microsoft.com/azure/sentinel/data-connector-ui-definitions-reference)
//! and what the corpus of real connectors uses (`Markdown`, `CopyableLabel`,
//! `DeployPushConnectorButton`).

use serde_json::{Map, Value};

use crate::json_spans::JsonPath;

/// One connector page, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorPage {
    /// `title` (the page heading).
    pub title: String,
    /// `publisher` ("Provider" under the title).
    pub publisher: Option<String>,
    /// `id`.
    pub id: Option<String>,
    /// `logo` as written (a file name, a URL or inline SVG), if any.
    pub logo: Option<String>,
    /// `descriptionMarkdown`.
    pub description: String,
    /// `availability.isPreview`.
    pub is_preview: bool,
    /// `graphQueriesTableName`, substituted for `{{graphQueriesTableName}}`.
    pub graph_table: Option<String>,
    /// `graphQueries`: the "Data received" chart's series.
    pub graph_queries: Vec<GraphQuery>,
    /// `sampleQueries` ("Next steps" tab).
    pub sample_queries: Vec<SampleQuery>,
    /// `dataTypes`: the tables with their last-data-received query.
    pub data_types: Vec<DataType>,
    /// `connectivityCriteria` (or the legacy `connectivityCriterias`).
    pub connectivity: Vec<Connectivity>,
    /// `permissions` (the Prerequisites section).
    pub permissions: Permissions,
    /// `instructionSteps` (the Instructions tab).
    pub steps: Vec<Step>,
    /// What the page leaves out or could not read.
    pub notes: Vec<PageNote>,
}

/// One series of the "Data received" chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphQuery {
    /// `metricName`.
    pub metric_name: String,
    /// `legend`.
    pub legend: String,
    /// `baseQuery`.
    pub base_query: String,
    /// Where it is.
    pub path: JsonPath,
}

/// One sample query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleQuery {
    /// `description`.
    pub description: String,
    /// `query`.
    pub query: String,
    /// Where it is.
    pub path: JsonPath,
}

/// One data type (a table the connector fills).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataType {
    /// `name`.
    pub name: String,
    /// `lastDataReceivedQuery`.
    pub last_data_received_query: String,
    /// Where it is.
    pub path: JsonPath,
}

/// How the portal decides "Connected".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connectivity {
    /// `type`: `IsConnectedQuery`, `HasDataConnectors`, …
    pub kind: String,
    /// `value`: the queries of an `IsConnectedQuery`.
    pub queries: Vec<String>,
    /// Where it is.
    pub path: JsonPath,
}

/// The Prerequisites section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Permissions {
    /// `resourceProvider` items.
    pub resource_providers: Vec<ResourceProvider>,
    /// `customs` items.
    pub customs: Vec<Custom>,
    /// `licenses` (`OfficeATP`, `AadP1P2`, …).
    pub licenses: Vec<String>,
    /// `tenant` roles (`GlobalAdmin`, `SecurityAdmin`, …).
    pub tenant: Vec<String>,
}

impl Permissions {
    /// Whether the page lists no prerequisite at all.
    pub fn is_empty(&self) -> bool {
        self.resource_providers.is_empty()
            && self.customs.is_empty()
            && self.licenses.is_empty()
            && self.tenant.is_empty()
    }
}

/// A resource provider prerequisite ("Workspace: read and write permissions are required.").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceProvider {
    /// `provider`.
    pub provider: String,
    /// `providerDisplayName`.
    pub display_name: String,
    /// `permissionsDisplayText`.
    pub text: String,
    /// `scope`.
    pub scope: Option<String>,
    /// The `requiredPermissions` set to true (`read`, `write`, `delete`, `action`).
    pub required: Vec<String>,
    /// Where it is.
    pub path: JsonPath,
}

/// A custom prerequisite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Custom {
    /// `name`.
    pub name: String,
    /// `description` (markdown).
    pub description: String,
    /// Where it is.
    pub path: JsonPath,
}

/// One instruction step: a title, a description and its instructions.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `title`.
    pub title: Option<String>,
    /// `description` (markdown).
    pub description: Option<String>,
    /// `instructions`.
    pub instructions: Vec<Instruction>,
    /// `innerSteps`.
    pub inner_steps: Vec<Step>,
    /// Where it is.
    pub path: JsonPath,
}

/// One instruction, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Instruction {
    /// What it shows.
    pub kind: InstructionKind,
    /// Where it is.
    pub path: JsonPath,
}

/// The instruction types of the definitions reference.
#[derive(Debug, Clone, PartialEq)]
pub enum InstructionKind {
    /// `Markdown`: `parameters.content`.
    Markdown {
        /// The markdown.
        content: String,
    },
    /// `CopyableLabel`: a read-only field with a copy button.
    CopyableLabel {
        /// `label`.
        label: String,
        /// `value` (may hold `{0}`, `{1}` … filled from `fillWith`).
        value: Option<String>,
        /// `fillWith`: the values the portal fills in (`TenantId`, `ApplicationId`, …).
        fill_with: Vec<String>,
        /// `placeholder`: shown until the value is known.
        placeholder: Option<String>,
        /// `rows` (a multi-line field when above 1).
        rows: u32,
    },
    /// `DeployPushConnectorButton` (and the `_test` spelling some connectors use).
    DeployPushConnectorButton {
        /// `label`.
        label: String,
        /// `applicationDisplayName`: the Entra application Deploy creates.
        application_display_name: Option<String>,
        /// The type as written (`DeployPushConnectorButton_test` is kept visible).
        type_name: String,
    },
    /// `InfoMessage`.
    InfoMessage {
        /// `text`.
        text: String,
        /// `inline` (`false`: a blue box).
        inline: bool,
        /// `visible`.
        visible: bool,
    },
    /// `InstructionStepsGroup`: a titled, possibly collapsible group of steps.
    InstructionStepsGroup {
        /// `title`.
        title: String,
        /// `description`.
        description: Option<String>,
        /// `canCollapseAllSections`.
        collapsible: bool,
        /// `expanded`.
        expanded: bool,
        /// `instructionSteps`.
        steps: Vec<Step>,
    },
    /// `InstallAgent`: a link to another portal blade.
    InstallAgent {
        /// `linkType`.
        link_type: String,
        /// What the portal's link says.
        text: String,
    },
    /// `Textbox`.
    Textbox {
        /// `label`.
        label: String,
        /// `placeholder`.
        placeholder: Option<String>,
        /// `type`: text, password, number, email.
        input_type: String,
        /// `name`.
        name: Option<String>,
    },
    /// `ConnectionToggleButton`.
    ConnectionToggleButton {
        /// `connectLabel`.
        connect_label: String,
        /// `disconnectLabel`.
        disconnect_label: String,
    },
    /// `OAuthForm`.
    OAuthForm {
        /// `clientIdLabel`.
        client_id_label: String,
        /// `clientSecretLabel`.
        client_secret_label: String,
        /// `connectButtonLabel`.
        connect_label: String,
    },
    /// `Dropdown`.
    Dropdown {
        /// `label`.
        label: String,
        /// `options` (their `text`, or the string itself).
        options: Vec<String>,
        /// `placeholder`.
        placeholder: Option<String>,
        /// `isMultiSelect`.
        multiple: bool,
    },
    /// `DataConnectorsGrid`: the list of connections of a multi-instance connector.
    DataConnectorsGrid {
        /// The column titles (`mapping[].columnName`).
        columns: Vec<String>,
        /// `menuItems`.
        menu_items: Vec<String>,
    },
    /// `ContextPane`: a button that opens a side pane of steps.
    ContextPane {
        /// `label` (the button).
        label: String,
        /// `title` (the pane).
        title: String,
        /// `instructionSteps`.
        steps: Vec<Step>,
    },
    /// A type the portal does not document or ccfgen does not know.
    Unknown {
        /// The type as written (empty when missing).
        type_name: String,
        /// Its parameters, pretty-printed.
        parameters: String,
    },
}

impl InstructionKind {
    /// The type name as the definition spells it.
    pub fn type_name(&self) -> &str {
        match self {
            InstructionKind::Markdown { .. } => "Markdown",
            InstructionKind::CopyableLabel { .. } => "CopyableLabel",
            InstructionKind::DeployPushConnectorButton { type_name, .. } => type_name,
            InstructionKind::InfoMessage { .. } => "InfoMessage",
            InstructionKind::InstructionStepsGroup { .. } => "InstructionStepsGroup",
            InstructionKind::InstallAgent { .. } => "InstallAgent",
            InstructionKind::Textbox { .. } => "Textbox",
            InstructionKind::ConnectionToggleButton { .. } => "ConnectionToggleButton",
            InstructionKind::OAuthForm { .. } => "OAuthForm",
            InstructionKind::Dropdown { .. } => "Dropdown",
            InstructionKind::DataConnectorsGrid { .. } => "DataConnectorsGrid",
            InstructionKind::ContextPane { .. } => "ContextPane",
            InstructionKind::Unknown { type_name, .. } => type_name,
        }
    }
}

/// Something the page cannot show as written, located by JSON path (relative to the
/// `connectorUiConfig` object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageNote {
    /// Where.
    pub path: JsonPath,
    /// What, and what to change.
    pub message: String,
}

/// Placeholder the portal substitutes with `graphQueriesTableName`.
const TABLE_PLACEHOLDER: &str = "{{graphQueriesTableName}}";

/// The link text of each `InstallAgent` link type (as the portal words them).
const INSTALL_AGENT_LINKS: &[(&str, &str)] = &[
    (
        "InstallAgentOnWindowsVirtualMachine",
        "Install agent on Azure Windows Virtual Machine",
    ),
    (
        "InstallAgentOnWindowsNonAzure",
        "Install agent on non-Azure Windows Machine",
    ),
    (
        "InstallAgentOnLinuxVirtualMachine",
        "Install agent on Azure Linux Virtual Machine",
    ),
    (
        "InstallAgentOnLinuxNonAzure",
        "Install agent on non-Azure Linux Machine",
    ),
    ("OpenSyslogSettings", "Open Syslog settings"),
    ("OpenCustomLogsSettings", "Open custom logs settings"),
    ("OpenWaf", "Open Application Gateway WAF"),
    ("OpenAzureFirewall", "Open Azure Firewall"),
    ("OpenMicrosoftAzureMonitoring", "Open Azure Monitor"),
    ("OpenFrontDoors", "Open Front Door"),
    ("OpenCdnProfile", "Open CDN profile"),
    ("AutomaticDeploymentCEF", "Automatic deployment of CEF"),
    (
        "OpenAzureInformationProtection",
        "Open Azure Information Protection",
    ),
    ("OpenAzureActivityLog", "Open Azure Activity Log"),
    ("OpenIotPricingModel", "Open IoT pricing model"),
    ("OpenPolicyAssignment", "Open policy assignment wizard"),
    ("OpenAllAssignmentsBlade", "Open all policy assignments"),
    (
        "OpenCreateDataCollectionRule",
        "Create data collection rule",
    ),
];

/// The page of a `connectorUiConfig` object. `value` may be anything: what is not an object
/// gives an empty page with a note.
pub fn read(value: &Value) -> ConnectorPage {
    let mut r = Reader { notes: Vec::new() };
    let root = JsonPath::root();
    let empty = Map::new();
    let ui = match value.as_object() {
        Some(ui) => ui,
        None => {
            r.note(
                &root,
                "connectorUiConfig is not an object: the portal shows nothing",
            );
            &empty
        }
    };
    let graph_table = r.opt_string(ui, &root, "graphQueriesTableName");
    let sub = |s: String| match &graph_table {
        Some(t) => s.replace(TABLE_PLACEHOLDER, t),
        None => s,
    };
    let title = match r.opt_string(ui, &root, "title") {
        Some(t) if !t.trim().is_empty() => t,
        _ => {
            r.note(
                &root.key("title"),
                "no title: the portal requires one (it is the page heading)",
            );
            String::from("(untitled connector)")
        }
    };
    let publisher = r.opt_string(ui, &root, "publisher");
    if publisher.is_none() {
        r.note(
            &root.key("publisher"),
            "no publisher: the portal requires one (shown as the provider)",
        );
    }
    let description = r
        .opt_string(ui, &root, "descriptionMarkdown")
        .unwrap_or_else(|| {
            r.note(
                &root.key("descriptionMarkdown"),
                "no descriptionMarkdown: the portal requires one",
            );
            String::new()
        });
    let availability = member(ui, "availability").and_then(Value::as_object);
    let is_preview = availability
        .and_then(|a| member(a, "isPreview"))
        .is_some_and(truthy);

    let graph_queries = r
        .items(ui, &root, "graphQueries")
        .into_iter()
        .map(|(path, q)| GraphQuery {
            metric_name: r.string_or(q, &path, "metricName", ""),
            legend: sub(r.string_or(q, &path, "legend", "")),
            base_query: sub(r.string_or(q, &path, "baseQuery", "")),
            path,
        })
        .collect();
    let sample_queries = r
        .items(ui, &root, "sampleQueries")
        .into_iter()
        .map(|(path, q)| SampleQuery {
            description: r.string_or(q, &path, "description", ""),
            query: sub(r.string_or(q, &path, "query", "")),
            path,
        })
        .collect();
    let data_types = r
        .items(ui, &root, "dataTypes")
        .into_iter()
        .map(|(path, d)| DataType {
            name: sub(r.string_or(d, &path, "name", "")),
            last_data_received_query: sub(r.string_or(d, &path, "lastDataReceivedQuery", "")),
            path,
        })
        .collect();
    let criteria_key = if member(ui, "connectivityCriteria").is_some() {
        "connectivityCriteria"
    } else {
        "connectivityCriterias"
    };
    let connectivity = r
        .items(ui, &root, criteria_key)
        .into_iter()
        .map(|(path, c)| Connectivity {
            kind: r.string_or(c, &path, "type", ""),
            queries: match member(c, "value") {
                Some(Value::String(s)) => vec![sub(s.clone())],
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|s| sub(s.to_string()))
                    .collect(),
                _ => Vec::new(),
            },
            path,
        })
        .collect();
    let permissions = r.permissions(ui, &root);
    let steps = r.steps(ui, &root, "instructionSteps", 0);
    ConnectorPage {
        title,
        publisher,
        id: r.opt_string(ui, &root, "id"),
        logo: r.opt_string(ui, &root, "logo"),
        description,
        is_preview,
        graph_table,
        graph_queries,
        sample_queries,
        data_types,
        connectivity,
        permissions,
        steps,
        notes: r.notes,
    }
}

/// Nesting beyond this many step levels is not rendered (hostile input).
const MAX_DEPTH: usize = 8;

struct Reader {
    notes: Vec<PageNote>,
}

impl Reader {
    fn note(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.notes.push(PageNote {
            path: path.clone(),
            message: message.into(),
        });
    }

    /// A string member, noting a value of another type.
    fn opt_string(&mut self, obj: &Map<String, Value>, at: &JsonPath, key: &str) -> Option<String> {
        match member(obj, key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
            _ => {
                self.note(&at.key(key), format!("{key} is not a string: not shown"));
                None
            }
        }
    }

    fn string_or(
        &mut self,
        obj: &Map<String, Value>,
        at: &JsonPath,
        key: &str,
        default: &str,
    ) -> String {
        self.opt_string(obj, at, key)
            .unwrap_or_else(|| default.to_string())
    }

    /// The objects of an array member, with their paths; other elements are noted.
    fn items<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        at: &JsonPath,
        key: &str,
    ) -> Vec<(JsonPath, &'v Map<String, Value>)> {
        let path = at.key(key);
        match member(obj, key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.as_object() {
                        Some(o) => out.push((path.index(i), o)),
                        None => self.note(
                            &path.index(i),
                            format!("an element of {key} is not an object: not shown"),
                        ),
                    }
                }
                out
            }
            Some(Value::Object(o)) => vec![(path, o)],
            Some(_) => {
                self.note(&path, format!("{key} is not an array: not shown"));
                Vec::new()
            }
        }
    }

    fn permissions(&mut self, ui: &Map<String, Value>, root: &JsonPath) -> Permissions {
        let path = root.key("permissions");
        let Some(p) = member(ui, "permissions").and_then(Value::as_object) else {
            return Permissions::default();
        };
        let resource_providers = self
            .items(p, &path, "resourceProvider")
            .into_iter()
            .map(|(at, rp)| ResourceProvider {
                provider: self.string_or(rp, &at, "provider", ""),
                display_name: self.string_or(rp, &at, "providerDisplayName", ""),
                text: self.string_or(rp, &at, "permissionsDisplayText", ""),
                scope: self.opt_string(rp, &at, "scope"),
                required: member(rp, "requiredPermissions")
                    .and_then(Value::as_object)
                    .map(|m| {
                        ["read", "write", "delete", "action"]
                            .into_iter()
                            .filter(|k| member(m, k).is_some_and(truthy))
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                path: at,
            })
            .collect();
        let customs = self
            .items(p, &path, "customs")
            .into_iter()
            .map(|(at, c)| Custom {
                name: self.string_or(c, &at, "name", ""),
                description: self.string_or(c, &at, "description", ""),
                path: at,
            })
            .collect();
        let names = |key: &str| -> Vec<String> {
            match member(p, key) {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                Some(Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        Permissions {
            resource_providers,
            customs,
            licenses: names("licenses"),
            tenant: names("tenant"),
        }
    }

    fn steps(
        &mut self,
        obj: &Map<String, Value>,
        at: &JsonPath,
        key: &str,
        depth: usize,
    ) -> Vec<Step> {
        if depth > MAX_DEPTH {
            self.note(&at.key(key), "steps nested deeper than 8 levels: not shown");
            return Vec::new();
        }
        self.items(obj, at, key)
            .into_iter()
            .map(|(path, s)| {
                let instructions = self
                    .items(s, &path, "instructions")
                    .into_iter()
                    .map(|(ipath, i)| self.instruction(i, ipath, depth))
                    .collect();
                Step {
                    title: self.opt_string(s, &path, "title"),
                    description: self.opt_string(s, &path, "description"),
                    instructions,
                    inner_steps: self.steps(s, &path, "innerSteps", depth + 1),
                    path,
                }
            })
            .collect()
    }

    fn instruction(&mut self, i: &Map<String, Value>, path: JsonPath, depth: usize) -> Instruction {
        let type_name = self.string_or(i, &path, "type", "");
        let empty = Map::new();
        let ppath = path.key("parameters");
        let p = match member(i, "parameters") {
            Some(Value::Object(p)) => p,
            None | Some(Value::Null) => &empty,
            Some(_) => {
                self.note(&ppath, "parameters is not an object: ignored");
                &empty
            }
        };
        let s = |r: &mut Reader, key: &str| r.opt_string(p, &ppath, key);
        let kind = match type_name.as_str() {
            "Markdown" => InstructionKind::Markdown {
                content: s(self, "content").unwrap_or_default(),
            },
            "CopyableLabel" => {
                let fill_with: Vec<String> = match member(p, "fillWith") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    Some(Value::String(s)) => vec![s.clone()],
                    _ => Vec::new(),
                };
                let value = s(self, "value");
                if value.is_none() && fill_with.is_empty() {
                    self.note(
                        &ppath,
                        "CopyableLabel has neither value nor fillWith: the field stays empty",
                    );
                }
                InstructionKind::CopyableLabel {
                    label: s(self, "label").unwrap_or_default(),
                    value,
                    fill_with,
                    placeholder: s(self, "placeholder"),
                    rows: member(p, "rows")
                        .and_then(Value::as_u64)
                        .map_or(1, |n| n.clamp(1, 40) as u32),
                }
            }
            t if t.starts_with("DeployPushConnectorButton") => {
                if t != "DeployPushConnectorButton" {
                    self.note(
                        &path.key("type"),
                        format!(
                            "instruction type {t}: the documented type is DeployPushConnectorButton"
                        ),
                    );
                }
                InstructionKind::DeployPushConnectorButton {
                    label: s(self, "label").unwrap_or_else(|| "Deploy".into()),
                    application_display_name: s(self, "applicationDisplayName"),
                    type_name: t.to_string(),
                }
            }
            "InfoMessage" => InstructionKind::InfoMessage {
                text: s(self, "text").unwrap_or_default(),
                inline: member(p, "inline").is_some_and(truthy),
                visible: member(p, "visible").is_none_or(truthy),
            },
            "InstructionStepsGroup" => InstructionKind::InstructionStepsGroup {
                title: s(self, "title").unwrap_or_default(),
                description: s(self, "description"),
                collapsible: member(p, "canCollapseAllSections").is_some_and(truthy),
                expanded: member(p, "expanded").is_some_and(truthy),
                steps: self.steps(p, &ppath, "instructionSteps", depth + 1),
            },
            "InstallAgent" => {
                let link_type = s(self, "linkType").unwrap_or_default();
                let text = INSTALL_AGENT_LINKS
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&link_type))
                    .map(|(_, text)| (*text).to_string());
                let text = match text {
                    Some(text) => text,
                    None => {
                        self.note(
                            &ppath.key("linkType"),
                            format!(
                                "InstallAgent linkType {link_type:?} is not one the portal knows"
                            ),
                        );
                        format!("Open {link_type}")
                    }
                };
                InstructionKind::InstallAgent { link_type, text }
            }
            "Textbox" => InstructionKind::Textbox {
                label: s(self, "label").unwrap_or_default(),
                placeholder: s(self, "placeholder"),
                input_type: s(self, "type").unwrap_or_else(|| "text".into()),
                name: s(self, "name"),
            },
            "ConnectionToggleButton" => InstructionKind::ConnectionToggleButton {
                connect_label: s(self, "connectLabel").unwrap_or_else(|| "Connect".into()),
                disconnect_label: s(self, "disconnectLabel").unwrap_or_else(|| "Disconnect".into()),
            },
            "OAuthForm" => InstructionKind::OAuthForm {
                client_id_label: s(self, "clientIdLabel").unwrap_or_else(|| "Client ID".into()),
                client_secret_label: s(self, "clientSecretLabel")
                    .unwrap_or_else(|| "Client Secret".into()),
                connect_label: s(self, "connectButtonLabel").unwrap_or_else(|| "Connect".into()),
            },
            "Dropdown" => InstructionKind::Dropdown {
                label: s(self, "label").unwrap_or_default(),
                options: match member(p, "options") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(|o| match o {
                            Value::String(s) => Some(s.clone()),
                            Value::Object(m) => member(m, "text")
                                .or_else(|| member(m, "key"))
                                .and_then(Value::as_str)
                                .map(str::to_string),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                },
                placeholder: s(self, "placeholder"),
                multiple: member(p, "isMultiSelect").is_some_and(truthy),
            },
            "DataConnectorsGrid" => InstructionKind::DataConnectorsGrid {
                columns: match member(p, "mapping") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(|m| m.get("columnName").and_then(Value::as_str))
                        .map(str::to_string)
                        .collect(),
                    _ => Vec::new(),
                },
                menu_items: match member(p, "menuItems") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                    _ => Vec::new(),
                },
            },
            "ContextPane" => InstructionKind::ContextPane {
                label: s(self, "label").unwrap_or_else(|| "Open".into()),
                title: s(self, "title").unwrap_or_default(),
                steps: self.steps(p, &ppath, "instructionSteps", depth + 1),
            },
            other => {
                self.note(
                    &path.key("type"),
                    if other.is_empty() {
                        "instruction without a type: the portal shows nothing for it".to_string()
                    } else {
                        format!("instruction type {other:?} is not in the definitions reference: the portal shows nothing for it")
                    },
                );
                InstructionKind::Unknown {
                    type_name: other.to_string(),
                    parameters: serde_json::to_string_pretty(&Value::Object(p.clone()))
                        .unwrap_or_default(),
                }
            }
        };
        Instruction { kind, path }
    }
}

/// `obj[key]`, or else the member whose name equals `key` ignoring case (ARM property names
/// are case-insensitive).
fn member<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// `true`, `"true"` (any case) or a non-zero number.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

/// The text of a `CopyableLabel`: `value` with `{0}`, `{1}` … replaced by `fills`, or the
/// fills joined when there is no value.
pub fn copyable_text(value: Option<&str>, fills: &[String]) -> String {
    match value {
        Some(v) => {
            let mut out = v.to_string();
            for (i, f) in fills.iter().enumerate() {
                out = out.replace(&format!("{{{i}}}"), f);
            }
            out
        }
        None => fills.join(","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_push_definition() {
        let page = read(&json!({
            "title": "T", "publisher": "P", "descriptionMarkdown": "d",
            "graphQueriesTableName": "X_CL",
            "graphQueries": [{"metricName": "m", "legend": "{{graphQueriesTableName}}", "baseQuery": "{{graphQueriesTableName}}"}],
            "dataTypes": [{"name": "{{graphQueriesTableName}}", "lastDataReceivedQuery": "q"}],
            "availability": {"status": 1, "isPreview": "true"},
            "instructionSteps": [{
                "title": "1", "instructions": [
                    {"type": "DeployPushConnectorButton", "parameters": {"label": "Deploy"}},
                    {"type": "CopyableLabel", "parameters": {"label": "Tenant", "fillWith": ["TenantId"]}},
                    {"type": "Mystery"}
                ],
                "innerSteps": [{"title": "inner", "instructions": []}]
            }]
        }));
        assert_eq!(page.title, "T");
        assert!(page.is_preview);
        assert_eq!(page.graph_queries[0].legend, "X_CL");
        assert_eq!(page.data_types[0].name, "X_CL");
        assert_eq!(page.steps[0].instructions.len(), 3);
        assert_eq!(page.steps[0].inner_steps.len(), 1);
        assert_eq!(page.notes.len(), 1, "{:?}", page.notes);
        assert_eq!(
            page.notes[0].path.to_string(),
            "instructionSteps[0].instructions[2].type"
        );
    }

    #[test]
    fn anything_reads_without_panicking() {
        for v in [
            json!(null),
            json!([]),
            json!({"title": 3, "instructionSteps": {"instructions": "x"}}),
            json!({"instructionSteps": [1, {"instructions": [null, {"type": "InstructionStepsGroup", "parameters": {"instructionSteps": 5}}]}]}),
            json!({"permissions": {"resourceProvider": [{"requiredPermissions": {"read": "true"}}], "tenant": "GlobalAdmin"}}),
        ] {
            let page = read(&v);
            assert!(!page.title.is_empty());
        }
    }

    #[test]
    fn deep_nesting_is_cut() {
        let mut v = json!({"instructions": []});
        for _ in 0..20 {
            v = json!({"instructions": [{"type": "InstructionStepsGroup", "parameters": {"title": "g", "instructionSteps": [v]}}]});
        }
        let page = read(&json!({"title": "t", "instructionSteps": [v]}));
        assert!(page.notes.iter().any(|n| n.message.contains("deeper")));
    }

    #[test]
    fn copyable_placeholders() {
        assert_eq!(
            copyable_text(Some("ws {0} key {1}"), &["a".into(), "b".into()]),
            "ws a key b"
        );
        assert_eq!(copyable_text(None, &["a".into()]), "a");
    }
}
