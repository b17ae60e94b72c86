//! The resolved solution: the spec with every default filled in. Renderers, the checker,
//! the code generator and the emulator read this, never the raw file format.
//!
//! Each element remembers the key path it came from in the spec, so a finding about a
//! default (say a derived stream name) still points at the right place in `ccfgen.toml`.

use ccfgen_base::ColumnType;
use indexmap::IndexMap;
use serde_json::Value;

use crate::extra_content::ExtraContent;
pub use crate::spec::model::{
    ApiVersions, AuthKeys, Categories, Compat, ConnectorSettings, CustomPermission, DcrKind,
    GraphQuery, Placeholders, SampleQuery, SupportTier, TablePlan, TableSettings,
};

/// A whole solution, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Solution name (folder and data file `Name`).
    pub name: String,
    /// Solution version (semver text).
    pub version: String,
    /// Marketplace publisher id.
    pub publisher_id: String,
    /// Marketplace offer id.
    pub offer_id: String,
    /// Description markdown.
    pub description: String,
    /// The logo, if any.
    pub logo: Option<Logo>,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: Option<String>,
    /// Support contact.
    pub support: Support,
    /// Providers.
    pub providers: Vec<String>,
    /// Categories.
    pub categories: Categories,
    /// First publish date `YYYY-MM-DD`.
    pub first_publish_date: Option<String>,
    /// Last publish date `YYYY-MM-DD`.
    pub last_publish_date: Option<String>,
    /// Release notes, newest first.
    pub release_notes: Vec<ReleaseNote>,
    /// The connectors, in order.
    pub connectors: Vec<Connector>,
    /// API versions to emit.
    pub api_versions: ApiVersions,
    /// Which packager's output the package reproduces (the spec's choice; the CLI may override).
    pub compat: Compat,
    /// Content carried into the package verbatim (workbooks, rules, parsers, legacy connectors).
    pub extra_content: Option<ExtraContent>,
    /// Content authored as files: analytic rules, hunting queries, workbooks, parsers.
    pub content: crate::content::Content,
}

impl Solution {
    /// `<publisher_id>.<offer_id>`, the Content Hub solution id.
    pub fn solution_id(&self) -> String {
        format!("{}.{}", self.publisher_id, self.offer_id)
    }

    /// Every table of every connector, with its connector.
    pub fn tables(&self) -> impl Iterator<Item = (&Connector, &Table)> {
        self.connectors
            .iter()
            .flat_map(|c| c.tables.iter().map(move |t| (c, t)))
    }

    /// The table that declares the stream records are pushed to (its stream columns are the
    /// records' shape): the stream named `wanted` (or the stream of the table named `wanted`);
    /// without `wanted`, the only stream.
    pub fn table_for_stream(&self, wanted: Option<&str>) -> Result<&Table, StreamChoiceError> {
        let tables = self.record_tables();
        let streams = || tables.iter().map(|t| t.stream.clone()).collect();
        match wanted {
            Some(wanted) => {
                let stream = self
                    .tables()
                    .map(|(_, t)| t)
                    .filter(|t| t.data_flow)
                    .find(|t| t.stream == wanted || t.name == wanted)
                    .map(|t| t.stream.as_str());
                tables
                    .iter()
                    .copied()
                    .find(|t| Some(t.stream.as_str()) == stream)
                    .ok_or_else(|| StreamChoiceError::Unknown {
                        wanted: wanted.to_string(),
                        streams: streams(),
                    })
            }
            None if tables.len() == 1 => Ok(tables[0]),
            None => Err(StreamChoiceError::Ambiguous { streams: streams() }),
        }
    }

    /// The tables that get a generated Rust record struct: one per input stream of each
    /// connector (in data-flow order), the table that declares the stream's columns
    /// ([`Connector::stream_owner`]).
    pub fn record_tables(&self) -> Vec<&Table> {
        self.connectors
            .iter()
            .flat_map(|c| {
                c.streams()
                    .into_iter()
                    .filter_map(move |s| c.stream_owner(s))
            })
            .collect()
    }
}

/// Why [`Solution::table_for_stream`] found no table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamChoiceError {
    /// No table has the stream (or table name) asked for.
    #[error("stream {wanted} is not in the spec; its streams: {}", streams.join(", "))]
    Unknown {
        /// The stream asked for.
        wanted: String,
        /// The solution's streams, in spec order.
        streams: Vec<String>,
    },
    /// No stream was named and the solution has more than one.
    #[error("no stream named; the spec's streams: {}", streams.join(", "))]
    Ambiguous {
        /// The solution's streams, in spec order.
        streams: Vec<String>,
    },
}

/// A logo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logo {
    /// SVG markup, inlined (whitespace between tags collapsed, no XML declaration).
    Svg(String),
    /// An image URL.
    Url(String),
    /// HTML written verbatim.
    Html(String),
}

impl Logo {
    /// The HTML the package and the data file carry.
    pub fn html(&self) -> String {
        match self {
            Logo::Svg(svg) => svg.clone(),
            Logo::Url(url) => format!("<img src=\"{url}\" width=\"75px\" height=\"75px\">"),
            Logo::Html(html) => html.clone(),
        }
    }
}

/// Support contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Support {
    /// Name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Web page.
    pub link: Option<String>,
    /// Tier.
    pub tier: SupportTier,
}

/// One release-notes entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseNote {
    /// Version.
    pub version: String,
    /// Date `YYYY-MM-DD`.
    pub date: String,
    /// Change text.
    pub change: String,
}

/// One push connector.
#[derive(Debug, Clone, PartialEq)]
pub struct Connector {
    /// Key path in the spec (`connectors[0]`).
    pub path: String,
    /// Definition id.
    pub id: String,
    /// Gallery title.
    pub title: String,
    /// Publisher.
    pub publisher: String,
    /// Description markdown.
    pub description: String,
    /// What the sending application is called.
    pub application: String,
    /// Folder under `Data Connectors/`.
    pub folder: String,
    /// DCR resource name.
    pub dcr_name: String,
    /// Push data connector resource name.
    pub data_connector_name: String,
    /// The keys with a fixed default, as the spec wrote them or defaulted.
    pub settings: ConnectorSettings,
    /// The DCR's kind (`Direct`: its own logs ingestion endpoint).
    pub dcr_kind: Option<DcrKind>,
    /// The DCR has no `dataCollectionEndpointId` (and the package no DCE variable).
    pub dcr_endpoint_omitted: bool,
    /// Extra DCR `properties` members, written verbatim.
    pub dcr_properties: IndexMap<String, Value>,
    /// The Push data connector instances (at least one).
    pub instances: Vec<Instance>,
    /// Indices into `tables` in the order of the table resources.
    pub table_order: Vec<usize>,
    /// Sample queries.
    pub sample_queries: Vec<SampleQuery>,
    /// Graph queries.
    pub graph_queries: Vec<GraphQuery>,
    /// Custom permissions.
    pub permission_customs: Vec<CustomPermission>,
    /// Whether the workspace permission is listed.
    pub permission_workspace: bool,
    /// Deploy button label.
    pub deploy_button_label: String,
    /// Entra application display name.
    pub application_display_name: String,
    /// Extra instruction markdown.
    pub instructions: Option<String>,
    /// Verbatim `connectorUiConfig` members.
    pub ui: IndexMap<String, Value>,
    /// The tables, in order.
    pub tables: Vec<Table>,
}

/// One Push data connector instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Key path in the spec (`connectors[0].instances[1]`, or the connector's for the default).
    pub path: String,
    /// Resource name.
    pub name: String,
    /// The stream it names.
    pub stream: String,
    /// `properties.dataType`, when written.
    pub data_type: Option<String>,
}

impl Connector {
    /// The tables in the order of their resources (`table_order`), built-in tables left out
    /// (they have no resource).
    pub fn tables_in_resource_order(&self) -> impl Iterator<Item = &Table> {
        self.table_order
            .iter()
            .filter_map(|&i| self.tables.get(i))
            .filter(|t| !t.is_builtin())
    }

    /// The tables a data flow writes, in the order of the DCR's data flows.
    pub fn flow_tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter().filter(|t| t.data_flow)
    }

    /// The table that declares `stream`'s columns: the first flow table reading it that has
    /// stream columns (a later table may read the same stream with columns all `in = "table"`),
    /// else the first reading it.
    pub fn stream_owner(&self, stream: &str) -> Option<&Table> {
        let mut reading = self.flow_tables().filter(|t| t.stream == stream);
        let first = reading.next()?;
        if first.stream_columns().next().is_some() {
            return Some(first);
        }
        Some(
            reading
                .find(|t| t.stream_columns().next().is_some())
                .unwrap_or(first),
        )
    }

    /// The declared columns of `stream` with their stream types (see [`Connector::stream_owner`]).
    pub fn stream_declaration(&self, stream: &str) -> Vec<(&Column, ColumnType)> {
        self.stream_owner(stream)
            .map(|t| t.stream_columns().collect())
            .unwrap_or_default()
    }

    /// The distinct names of the tables data flows write, in spec order (a built-in table
    /// several flows write, once).
    pub fn table_names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for t in self.flow_tables() {
            if !out.contains(&t.name.as_str()) {
                out.push(&t.name);
            }
        }
        out
    }

    /// The distinct input streams in data-flow order.
    pub fn streams(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for t in self.flow_tables() {
            if !out.contains(&t.stream.as_str()) {
                out.push(&t.stream);
            }
        }
        out
    }

    /// The stream the Push data connector instance names (the first table's stream; empty
    /// for a connector without tables, which validation rejects).
    pub fn primary_stream(&self) -> &str {
        self.flow_tables().next().map_or("", |t| t.stream.as_str())
    }
}

/// One custom table with its input stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Key path in the spec (`connectors[0].tables[1]`).
    pub path: String,
    /// Table name (`*_CL`).
    pub name: String,
    /// Input stream name (`Custom-*`).
    pub stream: String,
    /// File name in the connector folder.
    pub file: String,
    /// The keys with a fixed default (description, plan, retention), as the spec wrote them
    /// or defaulted.
    pub settings: TableSettings,
    /// The transform.
    pub transform: Transform,
    /// Extra `properties.schema` members, written verbatim.
    pub schema_extra: IndexMap<String, Value>,
    /// Rust struct name.
    pub rust_name: String,
    /// Columns in spec order.
    pub columns: Vec<Column>,
    /// For a built-in destination (`builtin = true`): the built-in table's columns from the
    /// catalogue (each with its table type, and the stream type of the spec column of the same
    /// name that passes through); empty when the catalogue has no schema of the table.
    pub builtin: Option<Vec<Column>>,
    /// Whether a data flow writes the table (`data_flow = false`: a table kept without one).
    pub data_flow: bool,
}

impl Table {
    /// Columns of the table schema, in order: the spec's, or a built-in table's from the
    /// catalogue.
    pub fn table_columns(&self) -> impl Iterator<Item = (&Column, ColumnType)> {
        self.builtin
            .as_deref()
            .unwrap_or(&self.columns)
            .iter()
            .filter_map(|c| c.table_type.map(|t| (c, t)))
    }

    /// Whether the table is a built-in table of the workspace (no table resource).
    pub fn is_builtin(&self) -> bool {
        self.builtin.is_some()
    }

    /// The DCR `outputStream` of its data flow: `Custom-<name>`, or `Microsoft-<name>` for a
    /// built-in table.
    pub fn output_stream(&self) -> String {
        if self.is_builtin() {
            format!("Microsoft-{}", self.name)
        } else {
            format!("Custom-{}", self.name)
        }
    }

    /// Whether the catalogue knows the schema of this built-in table (false for a custom
    /// table): only then is the transform output compared with it.
    pub fn builtin_schema_known(&self) -> bool {
        self.builtin.as_ref().is_some_and(|c| !c.is_empty())
    }

    /// Columns of the stream declaration, in order.
    pub fn stream_columns(&self) -> impl Iterator<Item = (&Column, ColumnType)> {
        self.columns
            .iter()
            .filter_map(|c| c.stream_type.map(|t| (c, t)))
    }

    /// The stream's columns as the push runtime describes them.
    pub fn push_columns(&self) -> Vec<ccfgen_push::Column> {
        self.stream_columns()
            .map(|(c, ty)| ccfgen_push::Column {
                name: c.name.clone().into(),
                // A guid column travels as a string; the push client checks its shape.
                ty: if ty == ColumnType::String && c.table_type == Some(ColumnType::Guid) {
                    ColumnType::Guid
                } else {
                    ty
                },
                required: !c.optional,
            })
            .collect()
    }
}

/// A DCR transform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transform {
    /// The `transformKql` text.
    pub kql: String,
    /// Whether ccfgen derived it (true) or the spec wrote it (false).
    pub derived: bool,
}

/// One column, with its type in the table and/or the stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    /// Key path in the spec (`connectors[0].tables[1].columns[2]`).
    pub path: String,
    /// Name.
    pub name: String,
    /// Type in the table, if the column is in the table.
    pub table_type: Option<ColumnType>,
    /// Type in the stream, if the column is in the stream.
    pub stream_type: Option<ColumnType>,
    /// Whether senders may omit it.
    pub optional: bool,
    /// Description.
    pub description: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Data type hint.
    pub data_type_hint: Option<String>,
    /// `isDefaultDisplay`.
    pub is_default_display: Option<bool>,
    /// `isHidden`.
    pub is_hidden: Option<bool>,
    /// Example values for `ccfgen sample`.
    pub examples: Vec<Value>,
    /// Field name in the generated Rust struct.
    pub rust_name: String,
    /// The spec acknowledges a reserved name kept from an existing table.
    pub legacy_name: bool,
}
