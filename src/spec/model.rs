//! The `ccfgen.toml` file format: what a person writes and reviews.
//!
//! Every field not marked required has a default, computed in [`crate::resolve`].
//! Doc comments here become the descriptions in `schema/ccfgen.schema.json`, so editors show
//! them while the spec is written.

use ccfgen_base::ColumnType;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::settings::spec_settings;

/// A whole `ccfgen.toml`: one Content Hub solution with its push connectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Spec {
    /// The solution (Content Hub package) that ships the connectors.
    pub solution: SolutionSpec,
    /// The push connectors of the solution, in gallery order. At least one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connectors: Vec<ConnectorSpec>,
    /// Packaging choices (ARM package output).
    #[serde(default, skip_serializing_if = "PackageSpec::is_default")]
    pub package: PackageSpec,
    /// Solution content authored as files beside this spec (analytic rules, hunting queries,
    /// workbooks, parsers). Without this table, the standard folders are read when they exist.
    #[serde(default, skip_serializing_if = "ContentSpec::is_default")]
    pub content: ContentSpec,
}

/// Solution content beside the spec, in the Azure-Sentinel solution layout. Each list names
/// files or `*` patterns (in the file name only) relative to this file; a list not written
/// defaults to its folder: `Analytic Rules/*.yaml`, `Hunting Queries/*.yaml`,
/// `Workbooks/*.json`, `Parsers/*.yaml`, `Watchlists/*.json` and `Watchlists/*/*.json`.
/// `[]` packages none.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ContentSpec {
    /// Analytic rules (Scheduled and NRT rule YAML, the Azure-Sentinel schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytic_rules: Option<Vec<String>>,
    /// Hunting queries (YAML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hunting_queries: Option<Vec<String>>,
    /// Workbooks (workbook JSON); each needs its entry in `workbooks_metadata`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workbooks: Option<Vec<String>>,
    /// The workbooks metadata file: a JSON array of entries in the repo's
    /// `WorkbooksMetadata.json` format (default `Workbooks/WorkbooksMetadata.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workbooks_metadata: Option<String>,
    /// Parsers (KQL function YAML: `FunctionName`, `FunctionQuery`, `Function.Title`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parsers: Option<Vec<String>>,
    /// Watchlists (the repo's watchlist ARM template JSON: a `…/providers/Watchlists`
    /// resource with `displayName`, `watchlistAlias`, `itemsSearchKey` and the CSV items in
    /// `rawContent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlists: Option<Vec<String>>,
    /// The order of the data file's content lists, which is the order the package holds the
    /// content in: `Data Connectors`, `Parsers`, `Workbooks`, `Analytic Rules`,
    /// `Hunting Queries`, `Watchlists` (the default order); lists not named follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<String>>,
    /// The text of the install wizard's analytics step (`AnalyticalRuleBladeDescription`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytic_rules_blade_description: Option<String>,
    /// The text of the hunting queries step (`HuntingQueryBladeDescription`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hunting_queries_blade_description: Option<String>,
    /// The text of the workbooks step (`WorkbookBladeDescription`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workbooks_blade_description: Option<String>,
    /// The text of every watchlist's section in the watchlists step (`WatchlistDescription`);
    /// without it, each watchlist's own `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist_description: Option<String>,
}

impl ContentSpec {
    /// Whether nothing is written.
    pub fn is_default(&self) -> bool {
        *self == ContentSpec::default()
    }
}

/// The solution block: Content Hub identity, marketing text and support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SolutionSpec {
    /// Solution name: the `Solutions/<Name>` folder and the data file's `Name`.
    pub name: String,
    /// Solution version (semver, e.g. `3.0.0`; new Content Hub solutions start at 3.0.0).
    pub version: String,
    /// Marketplace publisher id (lowercase); `solutionId` is `<publisher_id>.<offer_id>`.
    pub publisher_id: String,
    /// Marketplace offer id (lowercase).
    pub offer_id: String,
    /// Solution description (markdown), shown in Content Hub.
    pub description: String,
    /// Path (relative to this file) of an SVG logo, read and inlined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// URL of a logo image (e.g. in the Azure-Sentinel `Logos/` folder); alternative to `logo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// The logo as HTML, written verbatim (what `ccfgen import` keeps when an existing package's
    /// icon is neither a plain `<img>` of `logo_url` nor an SVG); alternative to `logo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_html: Option<String>,
    /// The author shown in the package metadata.
    pub author: Author,
    /// Who supports the solution. Needs a name and an email or a link.
    pub support: Support,
    /// Providers (companies) listed in Content Hub. Default: the author's name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<String>,
    /// Content Hub categories.
    pub categories: Categories,
    /// First publish date (`YYYY-MM-DD`, a TOML date or a string).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::spec::date::option"
    )]
    #[schemars(with = "Option<String>")]
    pub first_publish_date: Option<String>,
    /// Last publish date (`YYYY-MM-DD`, a TOML date or a string).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::spec::date::option"
    )]
    #[schemars(with = "Option<String>")]
    pub last_publish_date: Option<String>,
    /// Release notes, newest first. They become `ReleaseNotes.md`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub release_notes: Vec<ReleaseNote>,
}

/// The solution author.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Author {
    /// Author (company) name.
    pub name: String,
    /// Author contact email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Support contact of the solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Support {
    /// Support organisation name.
    pub name: String,
    /// Support email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Support web page (`https://…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Support tier.
    pub tier: SupportTier,
}

/// Who supports a solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SupportTier {
    /// Supported by Microsoft.
    Microsoft,
    /// Supported by a partner (most third-party solutions).
    Partner,
    /// Community supported.
    Community,
}

impl SupportTier {
    /// The spelling used in `SolutionMetadata.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            SupportTier::Microsoft => "Microsoft",
            SupportTier::Partner => "Partner",
            SupportTier::Community => "Community",
        }
    }
}

/// Content Hub categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Categories {
    /// Domains from the Content Hub list (e.g. `Security - Threat Protection`). At least one.
    pub domains: Vec<String>,
    /// Industry verticals (e.g. `Finance`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verticals: Vec<String>,
}

/// One release-notes entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ReleaseNote {
    /// The solution version this entry describes.
    pub version: String,
    /// Date of the change (`YYYY-MM-DD`, a TOML date or a string).
    #[serde(with = "crate::spec::date")]
    #[schemars(with = "String")]
    pub date: String,
    /// What changed (markdown, one line).
    pub change: String,
}

/// One CCF Push connector.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ConnectorSpec {
    /// Connector definition id (no spaces). Default: `<solution name>Push`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Gallery title. Default: `<solution name> (Push)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Publisher shown in the gallery. Default: the solution author's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Connector description (markdown). Default: the solution description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What the pushing application is called in the instructions. Default: `<solution name> application`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// Folder under `Data Connectors/`. Default: `<id>_ccf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// Data collection rule resource name (keep it short). Default: `<id>DCR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dcr_name: Option<String>,
    /// Push data connector (instance) resource name. Default: `<id>ConnectorPolling`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_connector_name: Option<String>,
    /// The DCR's `kind`. Default: none (a DCR used through a data collection endpoint);
    /// `Direct`: the DCR has its own logs ingestion endpoint (the connector page's endpoint
    /// value is then the DCR's `endpoints.logsIngestion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dcr_kind: Option<DcrKind>,
    /// Leave `dataCollectionEndpointId` out of the DCR (a `Direct` DCR needs none; the package
    /// then has no DCE variable either). Requires `dcr_kind = "Direct"`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dcr_no_endpoint: bool,
    /// The keys with a fixed default ([`ConnectorSettings`]), flattened: in the file they sit
    /// among the others.
    #[serde(flatten)]
    pub settings: ConnectorSettings,
    /// Extra DCR `properties` members written verbatim after the generated ones (camelCase
    /// keys, as in the JSON), e.g. the `dataSources` of a DCR shared with a pull connector.
    /// A member ccfgen generates (`streamDeclarations`, `destinations`, `dataFlows`,
    /// `dataCollectionEndpointId`) is rejected.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, serde_json::Value>")]
    pub dcr_properties: IndexMap<String, toml::Value>,
    /// The Push data connector instances of the definition, when there is more than one (or
    /// one with a `data_type`): each with its resource name and the stream it names. Default:
    /// one instance named `data_connector_name` for the first table's stream. Several
    /// instances are written into `data_connector_file` as a JSON array.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<InstanceSpec>,
    /// Order of the table resources (table names), when it is not the order of `tables` (which
    /// is the order of the DCR's data flows): the table files, the tables sharing one file and
    /// the package's table resources follow it. Every custom table is named once (built-in
    /// tables have no resource).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub table_order: Vec<String>,
    /// Sample queries shown on the connector page. Default: one "all records" query per table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sample_queries: Vec<SampleQuery>,
    /// Graph queries (the connector page chart). Default: one per table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub graph_queries: Vec<GraphQuery>,
    /// Permissions shown on the connector page. Default: workspace read/write plus the
    /// Microsoft Entra and Monitoring Metrics Publisher requirements of a push connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Permissions>,
    /// Label of the Deploy button. Default: `Deploy <title> connector resources`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_button_label: Option<String>,
    /// Display name of the Entra application the Deploy button creates.
    /// Default: `<title> Application`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_display_name: Option<String>,
    /// Extra instruction markdown, shown as a third step after the connection values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// The custom tables this connector writes, each fed by one input stream. At least one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableSpec>,
    /// Advanced: `connectorUiConfig` members written verbatim (camelCase keys, as in the JSON),
    /// replacing what ccfgen would generate for them — e.g. `instructionSteps` for a fully
    /// custom connector page, or `logo`. A key ccfgen has a typed field for is rejected.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, serde_json::Value>")]
    pub ui: IndexMap<String, toml::Value>,
}

spec_settings! {
    /// The connector keys whose default is a fixed value: file names, the DCR's details, the
    /// Push instance's shape, the content version and the preview flag. A key added here needs
    /// no resolver code and no resolved-model field (`src/spec/settings.rs`, docs/architecture.md).
    pub struct ConnectorSettings {
        /// File name of the connector definition in the folder. Default: `connectorDefinition.json`.
        pub definition_file: String = "connectorDefinition.json".into(),
        /// File name of the DCR in the folder. Default: `DCR.json`.
        pub dcr_file: String = "DCR.json".into(),
        /// File name of the Push data connector in the folder. Default: `dataConnector.json`.
        pub data_connector_file: String = "dataConnector.json".into(),
        /// The DCR's `dataCollectionEndpointId` as `DCR.json` writes it. Default:
        /// `{{dataCollectionEndpointId}}`. An ARM expression (e.g. `[resourceId(…)]`) is kept; the
        /// package always refers to it through a variable (the official packager copies literals).
        pub dcr_endpoint: String = "{{dataCollectionEndpointId}}".into(),
        /// Put `dataCollectionEndpointId` last in the DCR `properties` (default: first).
        pub dcr_endpoint_last: bool = false,
        /// The DCR destination's `workspaceResourceId` as `DCR.json` writes it. Default:
        /// `[variables('workspaceResourceId')]` (the package always uses that variable).
        pub dcr_workspace_resource_id: String = "[variables('workspaceResourceId')]".into(),
        /// Name of the DCR's Log Analytics destination. Default: `clv2ws1`.
        pub dcr_destination: String = "clv2ws1".into(),
        /// Write `dcrConfig.dataCollectionRuleId` (the DCR's resource id, which the Deploy button
        /// supplies like the endpoint and immutable id) in the Push data connector instance(s).
        pub dcr_rule_id: bool = false,
        /// `response.eventsJsonPaths` of the Push data connector. Default: `["$"]`.
        #[schemars(length(min = 1))]
        pub events_json_paths: Vec<String> = vec!["$".into()],
        /// Spelling of the Push data connector's auth keys. Default: `appId`.
        pub auth_keys: AuthKeys = AuthKeys::Camel,
        /// How `dataConnector.json` writes its connect-time values. Default: `parameters`
        /// (`[[parameters('auth').appId]`); `braces` writes `{{appId}}`, which the packager turns
        /// into the same expressions.
        pub placeholders: Placeholders = Placeholders::Parameters,
        /// Version of this connector's content templates. Default: `1.0.0` (the official tool's value).
        pub version: String = "1.0.0".into(),
        /// How recent the last record must be for the connector to show as connected
        /// (a KQL timespan such as `7d` or `12h`). Default: `7d`.
        pub connectivity_window: String = "7d".into(),
        /// Mark the connector as preview in the gallery.
        pub preview: bool = false,
    }
}

/// The kind of a data collection rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DcrKind {
    /// A DCR with its own logs ingestion endpoint (`properties.endpoints.logsIngestion`),
    /// usable without a data collection endpoint.
    Direct,
}

impl DcrKind {
    /// The spelling in the DCR resource.
    pub fn as_str(self) -> &'static str {
        match self {
            DcrKind::Direct => "Direct",
        }
    }
}

/// One Push data connector instance of a definition.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct InstanceSpec {
    /// The instance's resource name.
    pub name: String,
    /// The input stream it names in `dcrConfig.streamName` (a stream of the connector's
    /// tables). Default: the first table's stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// `properties.dataType` of the instance (the table its data lands in, as the connector
    /// page shows it), when it is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
}

/// Spelling of the Push data connector's `auth` keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum AuthKeys {
    /// `appId`, `servicePrincipalId` (default; what the official packager adds).
    #[default]
    #[serde(rename = "appId")]
    Camel,
    /// `AppId`, `ServicePrincipalId` (the Microsoft push guide's spelling).
    #[serde(rename = "AppId")]
    Pascal,
}

impl AuthKeys {
    /// The (application id, service principal id) key names.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            AuthKeys::Camel => ("appId", "servicePrincipalId"),
            AuthKeys::Pascal => ("AppId", "ServicePrincipalId"),
        }
    }
}

/// How `dataConnector.json` writes the values the Deploy button supplies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Placeholders {
    /// `[[parameters('dcrConfig').dataCollectionEndpoint]` (default).
    #[default]
    Parameters,
    /// `{{dataCollectionEndpoint}}`, replaced by the packager.
    Braces,
}

/// A sample query on the connector page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SampleQuery {
    /// What the query shows.
    pub description: String,
    /// The KQL query.
    pub query: String,
}

/// A graph query on the connector page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct GraphQuery {
    /// Metric name shown on the chart.
    pub metric_name: String,
    /// Legend of the series.
    pub legend: String,
    /// Base KQL query (usually the table name).
    pub base_query: String,
}

/// Permissions text on the connector page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Permissions {
    /// Custom requirements (`customs`), each a name and a description.
    #[serde(default)]
    pub customs: Vec<CustomPermission>,
    /// Whether to list the workspace read/write/delete requirement (`resourceProvider`). Default: true.
    #[serde(default = "default_true")]
    pub workspace: bool,
}

fn default_true() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// One custom permission requirement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CustomPermission {
    /// Requirement name (e.g. `Microsoft Entra`).
    pub name: String,
    /// What is required.
    pub description: String,
}

/// One table and the input stream that feeds it (one data flow of the DCR).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TableSpec {
    /// Table name; a custom table's ends with `_CL` (a `builtin` table's is the built-in
    /// table's name, e.g. `Syslog`).
    pub name: String,
    /// Input stream name (must start with `Custom-`). Default: `Custom-<name without _CL>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// The keys with a fixed default ([`TableSettings`]), flattened: in the file they sit among
    /// the others.
    #[serde(flatten)]
    pub settings: TableSettings,
    /// File name of the table in the connector folder. Default: `table.json` for a connector
    /// with one table, `<Table>_table.json` otherwise. Tables that name the same file are
    /// written into it as a JSON array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The DCR `transformKql` from the stream to the table. Default: derived from the columns
    /// (`source` when the stream carries TimeGenerated and types agree, otherwise an `extend`
    /// that adds `TimeGenerated = now()` and converts types, and a `project-away` of
    /// stream-only columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<String>,
    /// Extra `properties.schema` members of the table resource written verbatim after the
    /// columns (camelCase keys, as in the JSON), e.g. `tableType`, `tableSubType`. A member
    /// ccfgen generates (`name`, `description`, `columns`) is rejected.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, serde_json::Value>")]
    pub schema_extra: IndexMap<String, toml::Value>,
    /// The table is a built-in table of the workspace (`Syslog`, `CommonSecurityLog`,
    /// `SecurityEvent`, `ASimNetworkSessionLogs`, …) that this data flow writes through
    /// `outputStream: Microsoft-<name>`: no table resource is written, and its schema comes from
    /// the built-in table catalogue (`crates/kql/catalog`). `columns` then declare the input
    /// stream (`in = "stream"`: consumed by the transform; `both`: also a column of the
    /// built-in table, with its type). Several entries may name the same built-in table (one
    /// data flow each, e.g. `where`-filtered flows of one stream).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub builtin: bool,
    /// Whether a data flow of the DCR writes the table. Default: true. `false` keeps a table
    /// no flow writes (e.g. one a legacy connector still uses): its resource is written and
    /// packaged, but it gets no stream, no data flow and no record struct.
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub data_flow: bool,
    /// Name of the generated Rust record struct (UpperCamelCase). Default: the table name
    /// without `_CL`, singular, in PascalCase (e.g. `cveBusterVulnerabilities_CL` →
    /// `CveBusterVulnerability`); set it when two tables would get the same struct name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_name: Option<String>,
    /// The columns, in order. Table columns and stream columns are derived from this list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnSpec>,
}

spec_settings! {
    /// The table keys whose default is a fixed value: the description, the plan and the
    /// retention. A key added here needs no resolver code and no resolved-model field
    /// (`src/spec/settings.rs`, docs/architecture.md).
    pub struct TableSettings {
        /// Table description.
        pub description: Option<String> = None,
        /// Table plan. Default: `Analytics`. `Default` leaves `plan` out of the table resource
        /// (the workspace default applies).
        pub plan: TablePlan = TablePlan::Analytics,
        /// Interactive retention in days (4–730); default: the workspace's.
        pub retention_in_days: Option<u32> = None,
        /// Total retention in days (4–4383); default: the workspace's.
        pub total_retention_in_days: Option<u32> = None,
    }
}

/// A table plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TablePlan {
    /// Analytics logs (default).
    Analytics,
    /// Basic logs.
    Basic,
    /// Auxiliary logs.
    Auxiliary,
    /// No `plan` in the table resource: the workspace default (Analytics) applies.
    Default,
}

impl TablePlan {
    /// The spelling used in the table resource (`None`: the resource names no plan).
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            TablePlan::Analytics => Some("Analytics"),
            TablePlan::Basic => Some("Basic"),
            TablePlan::Auxiliary => Some("Auxiliary"),
            TablePlan::Default => None,
        }
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Column name: a letter, then letters, digits or `_`, at most 45 characters.
    pub name: String,
    /// Column type in the table: `string int long real boolean datetime dynamic guid` (`bool`
    /// and `dateTime` are accepted too).
    #[serde(rename = "type")]
    #[schemars(transform = table_type_names)]
    pub ty: String,
    /// Type of the column in the input stream when it differs from `type` (the derived transform
    /// converts it). A `guid` column arrives as `string` by default: streams have no guid type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = stream_type_names)]
    pub stream_type: Option<String>,
    /// Where the column exists. Default: `both`.
    #[serde(default, rename = "in", skip_serializing_if = "ColumnIn::is_both")]
    pub in_: ColumnIn,
    /// Whether a sender may leave the column out (it becomes `Option<T>` in the Rust struct
    /// and the push client accepts records without it). Default: false (required).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// Column description (table schema and Rust doc comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Display name in the table schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Data type hint in the table schema: `uri`, `guid`, `armPath` or `ip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type_hint: Option<String>,
    /// `isDefaultDisplay` in the table schema (whether the column shows by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default_display: Option<bool>,
    /// `isHidden` in the table schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hidden: Option<bool>,
    /// Name of the field in the generated Rust struct (snake_case). Default: the column name
    /// in snake_case (`VulnId` → `vuln_id`, `type` → `type_`); set it when two columns would
    /// get the same field name (`VulnId` and `Vuln_Id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_name: Option<String>,
    /// Example values used by `ccfgen sample` (picked at random).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<serde_json::Value>")]
    pub examples: Vec<toml::Value>,
    /// Acknowledges that an existing table already uses a name the documentation reserves
    /// (shipped packages have columns named `id`): the `column-reserved` error becomes a
    /// warning. `ccfgen import` writes it; do not use it for new tables.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legacy_name: bool,
}

/// Lists every accepted spelling of the table column types as the schema's `enum` (from the
/// one type table).
fn table_type_names(schema: &mut schemars::Schema) {
    type_names(schema, &ColumnType::ALL);
}

/// Lists the stream column types as the schema's `enum`.
fn stream_type_names(schema: &mut schemars::Schema) {
    type_names(schema, ColumnType::STREAM);
}

fn type_names(schema: &mut schemars::Schema, types: &[ColumnType]) {
    let names = types
        .iter()
        .flat_map(|t| t.spellings())
        .map(Into::into)
        .collect();
    schema.insert("enum".into(), serde_json::Value::Array(names));
}

/// Where a column exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ColumnIn {
    /// In the input stream and in the table (default).
    #[default]
    Both,
    /// Only in the input stream (the transform consumes or drops it).
    Stream,
    /// Only in the table (the transform produces it, like `TimeGenerated`).
    Table,
}

impl ColumnIn {
    fn is_both(&self) -> bool {
        *self == ColumnIn::Both
    }
}

/// Packaging choices.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PackageSpec {
    /// API versions of the emitted resources: `official` (what the official packager emits
    /// today, default) or `current` (the newest stable versions).
    #[serde(default, skip_serializing_if = "ApiVersions::is_official")]
    pub api_versions: ApiVersions,
    /// `ccfgen` (default): ccfgen's corrected package (docs/package.md lists each deliberate
    /// difference); `official`: the official packager's bytes, quirks included, for a zero
    /// diff against an existing package. `ccfgen build --compat` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compat: Option<Compat>,
    /// Path (relative to this file) of a JSON file with content carried into the package
    /// verbatim: workbooks, analytic rules, parsers, legacy connectors (`ccfgen import` writes
    /// it from an existing package). See docs/package.md for its shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_content: Option<String>,
}

/// Which packager's output to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Compat {
    /// ccfgen's package: the official layout with its flaws fixed (default).
    #[default]
    Ccfgen,
    /// The official packager's output, byte for byte, flaws included.
    Official,
}

impl PackageSpec {
    fn is_default(&self) -> bool {
        *self == PackageSpec::default()
    }
}

/// Which resource API versions to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiVersions {
    /// The versions the official packager emits (default).
    #[default]
    Official,
    /// The current stable versions.
    Current,
}

impl ApiVersions {
    fn is_official(&self) -> bool {
        *self == ApiVersions::Official
    }
}
