//! The content model: one type per content kind, built from the file's document (YAML
//! converted to JSON with its key order, or JSON) by `from_json`, which reports every missing
//! or mistyped member the packager needs.

use serde_json::{Map, Value};

/// A content kind as the data file (`Data/Solution_<Name>.json`) names its list, and the order
/// the official packager emits content in (the data file's key order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// `Data Connectors`: ccfgen's CCF connectors (and legacy ones carried verbatim).
    DataConnectors,
    /// `Parsers`.
    Parsers,
    /// `Workbooks`.
    Workbooks,
    /// `Analytic Rules`.
    AnalyticRules,
    /// `Hunting Queries`.
    HuntingQueries,
    /// `Watchlists`: the repo's watchlist ARM templates (`Watchlists/<Name>.json`).
    Watchlists,
}

impl Section {
    /// Every section, in ccfgen's default order (the order of the install wizard's steps and of
    /// the description's counts).
    pub const ALL: [Section; 6] = [
        Section::DataConnectors,
        Section::Parsers,
        Section::Workbooks,
        Section::AnalyticRules,
        Section::HuntingQueries,
        Section::Watchlists,
    ];

    /// The data file key (also the folder name of the files).
    pub fn key(self) -> &'static str {
        match self {
            Section::DataConnectors => "Data Connectors",
            Section::Parsers => "Parsers",
            Section::Workbooks => "Workbooks",
            Section::AnalyticRules => "Analytic Rules",
            Section::HuntingQueries => "Hunting Queries",
            Section::Watchlists => "Watchlists",
        }
    }

    /// The section a data file key names (case-insensitive, as the packager compares).
    pub fn from_key(key: &str) -> Option<Section> {
        Section::ALL
            .into_iter()
            .find(|s| s.key().eq_ignore_ascii_case(key))
            .or_else(|| {
                key.eq_ignore_ascii_case("DataConnectors")
                    .then_some(Section::DataConnectors)
            })
    }

    /// The extension of the section's files.
    pub fn extension(self) -> &'static str {
        match self {
            Section::Workbooks | Section::DataConnectors | Section::Watchlists => "json",
            _ => "yaml",
        }
    }
}

/// Why a content file cannot be packaged: the file, the JSON path of the member (`/tactics/0`,
/// empty for the whole file) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    /// The file, relative to the spec's folder.
    pub file: String,
    /// JSON path of the member, `/`-separated (RFC 6901); empty for the document.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ContentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{} at {}: {}", self.file, self.path, self.message)
        }
    }
}

/// All content of a solution, in the order it is packaged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Content {
    /// Analytic rules, in data-file order.
    pub analytic_rules: Vec<AnalyticRule>,
    /// Hunting queries, in data-file order.
    pub hunting_queries: Vec<HuntingQuery>,
    /// Workbooks, in data-file order.
    pub workbooks: Vec<Workbook>,
    /// Parsers, in data-file order.
    pub parsers: Vec<Parser>,
    /// Watchlists, in data-file order.
    pub watchlists: Vec<Watchlist>,
    /// The data file's key order (every section once, `Data Connectors` included).
    pub order: Vec<Section>,
    /// The workbooks metadata file, relative to the spec's folder, when there are workbooks.
    pub workbooks_metadata_file: Option<String>,
    /// The workbooks metadata file's text (copied into the output beside the workbooks).
    pub workbooks_metadata_text: Option<String>,
    /// `AnalyticalRuleBladeDescription`: the text of the install wizard's analytics step.
    pub analytic_rules_blade_description: Option<String>,
    /// `HuntingQueryBladeDescription`.
    pub hunting_queries_blade_description: Option<String>,
    /// `WorkbookBladeDescription`.
    pub workbooks_blade_description: Option<String>,
    /// `WatchlistDescription` (its text form): the text of every watchlist's section in the
    /// install wizard, instead of the watchlist's own `description`.
    pub watchlist_description: Option<String>,
}

impl Content {
    /// Whether there is no content at all.
    pub fn is_empty(&self) -> bool {
        self.analytic_rules.is_empty()
            && self.hunting_queries.is_empty()
            && self.workbooks.is_empty()
            && self.parsers.is_empty()
            && self.watchlists.is_empty()
    }

    /// The order of sections (the default order when none was given).
    pub fn sections(&self) -> Vec<Section> {
        if self.order.is_empty() {
            Section::ALL.to_vec()
        } else {
            let mut order = self.order.clone();
            for s in Section::ALL {
                if !order.contains(&s) {
                    order.push(s);
                }
            }
            order
        }
    }

    /// The files of a section, relative to the spec's folder.
    pub fn files(&self, section: Section) -> Vec<&str> {
        match section {
            Section::DataConnectors => Vec::new(),
            Section::Parsers => self.parsers.iter().map(|p| p.file.as_str()).collect(),
            Section::Workbooks => self.workbooks.iter().map(|w| w.file.as_str()).collect(),
            Section::AnalyticRules => self
                .analytic_rules
                .iter()
                .map(|r| r.file.as_str())
                .collect(),
            Section::HuntingQueries => self
                .hunting_queries
                .iter()
                .map(|q| q.file.as_str())
                .collect(),
            Section::Watchlists => self.watchlists.iter().map(|w| w.file.as_str()).collect(),
        }
    }

    /// Every content file with its section and text, in packaging order (the workbooks
    /// metadata file not included).
    pub fn items(&self) -> Vec<(Section, &str, &str)> {
        let mut out: Vec<(Section, &str, &str)> = Vec::new();
        for s in self.sections() {
            match s {
                Section::DataConnectors => {}
                Section::Parsers => out.extend(
                    self.parsers
                        .iter()
                        .map(|p| (s, p.file.as_str(), p.text.as_str())),
                ),
                Section::Workbooks => out.extend(
                    self.workbooks
                        .iter()
                        .map(|w| (s, w.file.as_str(), w.text.as_str())),
                ),
                Section::AnalyticRules => out.extend(
                    self.analytic_rules
                        .iter()
                        .map(|r| (s, r.file.as_str(), r.text.as_str())),
                ),
                Section::HuntingQueries => out.extend(
                    self.hunting_queries
                        .iter()
                        .map(|q| (s, q.file.as_str(), q.text.as_str())),
                ),
                Section::Watchlists => out.extend(
                    self.watchlists
                        .iter()
                        .map(|w| (s, w.file.as_str(), w.text.as_str())),
                ),
            }
        }
        out
    }

    /// Every content file with its text, in packaging order (what `build` copies into the
    /// solution folder), the workbooks metadata file included.
    pub fn source_files(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = self.items().into_iter().map(|(_, f, t)| (f, t)).collect();
        if let (Some(f), Some(t)) = (&self.workbooks_metadata_file, &self.workbooks_metadata_text)
            && !self.workbooks.is_empty()
        {
            out.push((f.as_str(), t.as_str()));
        }
        out
    }
}

/// An analytic rule (`Analytic Rules/*.yaml`): a Scheduled or NRT rule template.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticRule {
    /// The file, relative to the spec's folder (`Analytic Rules/Foo.yaml`).
    pub file: String,
    /// The file's text, copied into the output as is.
    pub text: String,
    /// `id` (a GUID: the template's content id).
    pub id: String,
    /// `name` (the display name).
    pub name: String,
    /// `description`.
    pub description: String,
    /// `severity` (`Medium` when absent, as the packager does).
    pub severity: Option<String>,
    /// `kind`: `Scheduled` or `NRT`.
    pub kind: String,
    /// `status` (`Available` when absent).
    pub status: Option<String>,
    /// `query`.
    pub query: String,
    /// `queryFrequency` (`5m`, `1h`, `1d`).
    pub query_frequency: Option<String>,
    /// `queryPeriod`.
    pub query_period: Option<String>,
    /// `triggerOperator` (`gt`, `lt`, `eq`, `ne` or the long names).
    pub trigger_operator: Option<String>,
    /// `triggerThreshold`, as written.
    pub trigger_threshold: Option<Value>,
    /// `tactics`.
    pub tactics: Vec<String>,
    /// `relevantTechniques` (`T1078`, `T1078.004`).
    pub relevant_techniques: Vec<String>,
    /// `requiredDataConnectors`, as written.
    pub required_data_connectors: Vec<Value>,
    /// `version` as text (`1.0.0` when absent).
    pub version: Option<String>,
    /// The members copied verbatim, in the packager's order: `entityMappings`,
    /// `eventGroupingSettings`, `customDetails`, `alertDetailsOverride`,
    /// `incidentConfiguration`, `sentinelEntitiesMappings` (those written and not empty).
    pub verbatim: Vec<(String, Value)>,
}

/// The members of a rule the packager copies as they are, in its order.
pub const RULE_VERBATIM_MEMBERS: [&str; 6] = [
    "entityMappings",
    "eventGroupingSettings",
    "customDetails",
    "alertDetailsOverride",
    "incidentConfiguration",
    "sentinelEntitiesMappings",
];

/// A hunting query (`Hunting Queries/*.yaml`).
#[derive(Debug, Clone, PartialEq)]
pub struct HuntingQuery {
    /// The file, relative to the spec's folder.
    pub file: String,
    /// The file's text.
    pub text: String,
    /// `id` (a GUID).
    pub id: String,
    /// `name`.
    pub name: String,
    /// `description`, if any.
    pub description: Option<String>,
    /// `query`.
    pub query: String,
    /// `tactics`.
    pub tactics: Vec<String>,
    /// `relevantTechniques`.
    pub relevant_techniques: Vec<String>,
    /// `requiredDataConnectors`: `(connectorId, dataTypes)`.
    pub required_data_connectors: Vec<(String, Vec<String>)>,
    /// `version` as text (`1.0.0` when absent).
    pub version: Option<String>,
}

/// A parser (`Parsers/*.yaml`): a KQL function saved in the workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Parser {
    /// The file, relative to the spec's folder.
    pub file: String,
    /// The file's text.
    pub text: String,
    /// `FunctionName`: the function's name and alias.
    pub function_name: String,
    /// `Function.Title`: the display name.
    pub title: String,
    /// `Function.Version` (`1.0.0` when absent).
    pub version: Option<String>,
    /// `Category`.
    pub category: String,
    /// `Description` (the saved search's description tag).
    pub description: String,
    /// `FunctionQuery`.
    pub query: String,
    /// `FunctionParams`, if written (`None` when absent; an empty list is written as `[]`).
    pub params: Option<Vec<ParserParam>>,
}

/// One `FunctionParams` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ParserParam {
    /// `Name`.
    pub name: String,
    /// `Type` (`string`, `datetime`, `dynamic`, `table:(…)`).
    pub kind: String,
    /// `Default`, as text, if any.
    pub default: Option<String>,
}

impl Parser {
    /// `functionParameters` as the packager writes it: `name:type`, `name:type=default`
    /// (string defaults quoted), comma-separated.
    pub fn function_parameters(&self) -> String {
        let Some(params) = &self.params else {
            return String::new();
        };
        params
            .iter()
            .map(|p| {
                if let Some(t) = p.kind.strip_prefix("table:") {
                    let last = t.rsplit(':').next().unwrap_or(t);
                    format!("{}:{last}", p.name)
                } else if let Some(d) = &p.default {
                    let d = if p.kind.eq_ignore_ascii_case("string") {
                        format!("'{d}'")
                    } else {
                        d.clone()
                    };
                    format!("{}:{}={d}", p.name, p.kind)
                } else {
                    format!("{}:{}", p.name, p.kind)
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A workbook (`Workbooks/*.json`) with its entry of the workbooks metadata file.
#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    /// The file, relative to the spec's folder.
    pub file: String,
    /// The file's text.
    pub text: String,
    /// The workbook document.
    pub data: Value,
    /// The metadata entry (`workbookKey`, `title`, `description`, `version`,
    /// `dataTypesDependencies`, `dataConnectorsDependencies`, …) in its written order.
    pub metadata: Map<String, Value>,
}

impl Workbook {
    /// The key the packager derives from the file name (`Split-Path -LeafBase`, then
    /// `#?{[()]}` removed unless the name has a `(` after its first character).
    pub fn file_key(&self) -> String {
        file_key(&self.file)
    }

    /// A metadata member as text (empty when absent).
    pub fn meta(&self, key: &str) -> String {
        self.metadata.get(key).map(ps_text).unwrap_or_default()
    }

    /// A metadata list member (`dataTypesDependencies`, …) as texts.
    pub fn meta_list(&self, key: &str) -> Vec<String> {
        match self.metadata.get(key) {
            Some(Value::Array(a)) => a.iter().map(ps_text).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(v) => vec![ps_text(v)],
        }
    }
}

/// The workbook key of a file path (see [`Workbook::file_key`]).
pub fn file_key(file: &str) -> String {
    let base = leaf_base(file);
    match base.find('(') {
        Some(i) if i > 0 => base.to_string(),
        _ => base.chars().filter(|c| !"#?{[()]}".contains(*c)).collect(),
    }
}

/// `Split-Path -LeafBase`: the file name without its last extension.
pub fn leaf_base(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    }
}

/// A scalar as PowerShell interpolates it into a string (`"$($x)"`): strings as they are,
/// `True`/`False`, integers, doubles without a needless `.0`, null as empty.
pub fn ps_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    format!("{}", f as i64)
                } else {
                    f.to_string()
                }
            } else {
                n.to_string()
            }
        }
        Value::String(s) => s.clone(),
        Value::Array(_) => "System.Object[]".into(),
        Value::Object(m) => ps_object_text(m),
    }
}

/// A PSCustomObject as PowerShell interpolates it: `@{key=value; key=value}`.
pub fn ps_object_text(m: &Map<String, Value>) -> String {
    let parts: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{k}={}", ps_text(v)))
        .collect();
    format!("@{{{}}}", parts.join("; "))
}

/// Reads members of one document, collecting every problem.
struct Reader<'a> {
    file: &'a str,
    doc: &'a Value,
    errors: Vec<ContentError>,
}

impl<'a> Reader<'a> {
    fn new(file: &'a str, doc: &'a Value) -> Reader<'a> {
        let mut r = Reader {
            file,
            doc,
            errors: Vec::new(),
        };
        if !doc.is_object() {
            r.error("", "the file must hold a mapping of members".to_string());
        }
        r
    }

    fn error(&mut self, path: &str, message: String) {
        self.errors.push(ContentError {
            file: self.file.to_string(),
            path: path.to_string(),
            message,
        });
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.doc.get(key).filter(|v| !v.is_null())
    }

    /// A required scalar member as text.
    fn required(&mut self, key: &str) -> String {
        match self.get(key) {
            Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => ps_text(v),
            Some(v) => {
                self.error(
                    &format!("/{key}"),
                    format!("`{key}` must be text, not {}", kind_name(v)),
                );
                String::new()
            }
            None => {
                self.error(&format!("/{key}"), format!("`{key}` is missing"));
                String::new()
            }
        }
    }

    /// An optional scalar member as text.
    fn optional(&mut self, key: &str) -> Option<String> {
        match self.get(key) {
            Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => Some(ps_text(v)),
            Some(v) => {
                self.error(
                    &format!("/{key}"),
                    format!("`{key}` must be text, not {}", kind_name(v)),
                );
                None
            }
            None => None,
        }
    }

    /// An optional list of texts (a single text counts as a list of one; null or absent as empty).
    fn texts(&mut self, key: &str) -> Vec<String> {
        match self.get(key) {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, v) in items.iter().enumerate() {
                    match v {
                        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                            out.push(ps_text(v))
                        }
                        Value::Null => {}
                        v => self.error(
                            &format!("/{key}/{i}"),
                            format!("`{key}` items must be text, not {}", kind_name(v)),
                        ),
                    }
                }
                out
            }
            Some(v @ (Value::String(_) | Value::Number(_))) => vec![ps_text(v)],
            Some(v) => {
                self.error(
                    &format!("/{key}"),
                    format!("`{key}` must be a list, not {}", kind_name(v)),
                );
                Vec::new()
            }
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<ContentError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

/// What a JSON value is, in words.
pub fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

impl AnalyticRule {
    /// The rule of a document (`file` relative to the spec's folder, `text` the file's text).
    pub fn from_json(
        file: &str,
        text: &str,
        doc: &Value,
    ) -> Result<AnalyticRule, Vec<ContentError>> {
        let mut r = Reader::new(file, doc);
        let id = r.required("id");
        let name = r.required("name");
        let description = r.required("description");
        let kind = r.required("kind");
        let query = r.required("query");
        let severity = r.optional("severity");
        let status = r.optional("status");
        let query_frequency = r.optional("queryFrequency");
        let query_period = r.optional("queryPeriod");
        let trigger_operator = r.optional("triggerOperator");
        let trigger_threshold = r.get("triggerThreshold").cloned();
        if kind.eq_ignore_ascii_case("Scheduled") {
            for key in ["queryFrequency", "queryPeriod", "triggerOperator"] {
                if r.get(key).is_none() {
                    r.error(
                        &format!("/{key}"),
                        format!("`{key}` is missing (a Scheduled rule needs it)"),
                    );
                }
            }
        }
        let tactics = r.texts("tactics");
        let relevant_techniques = r.texts("relevantTechniques");
        let required_data_connectors = match r.get("requiredDataConnectors") {
            None => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(v) => {
                r.error(
                    "/requiredDataConnectors",
                    format!(
                        "`requiredDataConnectors` must be a list, not {}",
                        kind_name(v)
                    ),
                );
                Vec::new()
            }
        };
        let version = r.optional("version");
        let verbatim = RULE_VERBATIM_MEMBERS
            .iter()
            .filter_map(|k| {
                r.get(k)
                    .filter(|v| truthy(v))
                    .map(|v| (k.to_string(), v.clone()))
            })
            .collect();
        r.finish(AnalyticRule {
            file: file.to_string(),
            text: text.to_string(),
            id,
            name,
            description,
            severity,
            kind,
            status,
            query,
            query_frequency,
            query_period,
            trigger_operator,
            trigger_threshold,
            tactics,
            relevant_techniques,
            required_data_connectors,
            version,
            verbatim,
        })
    }
}

/// Whether PowerShell's `if ($x)` takes the value as true (an empty list, text or zero is false).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
    }
}

impl HuntingQuery {
    /// The hunting query of a document.
    pub fn from_json(
        file: &str,
        text: &str,
        doc: &Value,
    ) -> Result<HuntingQuery, Vec<ContentError>> {
        let mut r = Reader::new(file, doc);
        let id = r.required("id");
        let name = r.required("name");
        let query = r.required("query");
        let description = r.optional("description");
        let tactics = r.texts("tactics");
        let relevant_techniques = r.texts("relevantTechniques");
        let mut required_data_connectors = Vec::new();
        match r.get("requiredDataConnectors") {
            None => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let connector = item.get("connectorId").map(ps_text).unwrap_or_default();
                    let types = match item.get("dataTypes") {
                        Some(Value::Array(t)) => t.iter().map(ps_text).collect(),
                        Some(v @ Value::String(_)) => vec![ps_text(v)],
                        _ => Vec::new(),
                    };
                    if !item.is_object() {
                        r.error(
                            &format!("/requiredDataConnectors/{i}"),
                            "each required data connector must be a mapping with `connectorId` and `dataTypes`".into(),
                        );
                    }
                    required_data_connectors.push((connector, types));
                }
            }
            Some(v) => r.error(
                "/requiredDataConnectors",
                format!(
                    "`requiredDataConnectors` must be a list, not {}",
                    kind_name(v)
                ),
            ),
        }
        let version = r.optional("version");
        r.finish(HuntingQuery {
            file: file.to_string(),
            text: text.to_string(),
            id,
            name,
            description,
            query,
            tactics,
            relevant_techniques,
            required_data_connectors,
            version,
        })
    }
}

impl Parser {
    /// The parser of a document.
    pub fn from_json(file: &str, text: &str, doc: &Value) -> Result<Parser, Vec<ContentError>> {
        let mut r = Reader::new(file, doc);
        let function_name = r.required("FunctionName");
        let query = r.required("FunctionQuery");
        let category = r.optional("Category").unwrap_or_default();
        let description = r.optional("Description").unwrap_or_default();
        let (title, version) = match r.get("Function") {
            Some(f @ Value::Object(_)) => (
                f.get("Title").map(ps_text).unwrap_or_default(),
                f.get("Version").filter(|v| !v.is_null()).map(ps_text),
            ),
            Some(v) => {
                r.error(
                    "/Function",
                    format!(
                        "`Function` must be a mapping (Title, Version), not {}",
                        kind_name(v)
                    ),
                );
                (String::new(), None)
            }
            None => {
                r.error("/Function", "`Function` (Title, Version) is missing".into());
                (String::new(), None)
            }
        };
        let params = match r.get("FunctionParams") {
            None => None,
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, p) in items.iter().enumerate() {
                    let name = p.get("Name").map(ps_text).unwrap_or_default();
                    let kind = p.get("Type").map(ps_text).unwrap_or_default();
                    if name.is_empty() || kind.is_empty() {
                        r.error(
                            &format!("/FunctionParams/{i}"),
                            "a function parameter needs `Name` and `Type`".into(),
                        );
                    }
                    let default = p.get("Default").filter(|v| !v.is_null()).map(ps_text);
                    out.push(ParserParam {
                        name,
                        kind,
                        default,
                    });
                }
                Some(out)
            }
            Some(v) => {
                r.error(
                    "/FunctionParams",
                    format!("`FunctionParams` must be a list, not {}", kind_name(v)),
                );
                None
            }
        };
        r.finish(Parser {
            file: file.to_string(),
            text: text.to_string(),
            function_name,
            title,
            version,
            category,
            description,
            query,
            params,
        })
    }
}

impl Workbook {
    /// The workbook of a document, with its metadata entry (found by the caller).
    pub fn from_json(
        file: &str,
        text: &str,
        doc: &Value,
        metadata: Map<String, Value>,
    ) -> Result<Workbook, Vec<ContentError>> {
        let mut errors = Vec::new();
        if !doc.is_object() {
            errors.push(ContentError {
                file: file.to_string(),
                path: String::new(),
                message: "a workbook must be a JSON object (`version`, `items`)".into(),
            });
        }
        for key in ["workbookKey", "title", "version"] {
            if metadata.get(key).is_none_or(|v| ps_text(v).is_empty()) {
                errors.push(ContentError {
                    file: file.to_string(),
                    path: String::new(),
                    message: format!("its workbooks metadata entry has no `{key}`"),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Workbook {
            file: file.to_string(),
            text: text.to_string(),
            data: doc.clone(),
            metadata,
        })
    }
}

/// A watchlist (`Watchlists/<Name>.json`): an ARM template in the repo's format whose first
/// resource is the `…/providers/Watchlists` resource the packager copies into the package
/// (`GenerateWatchList` reads `resources[0]` only).
#[derive(Debug, Clone, PartialEq)]
pub struct Watchlist {
    /// The file, relative to the spec's folder.
    pub file: String,
    /// The file's text.
    pub text: String,
    /// The watchlist resource (`resources[0]`), members in their written order.
    pub resource: Map<String, Value>,
    /// `properties.displayName`: the packager's variable name and content id.
    pub display_name: String,
    /// `properties.watchlistAlias`: the default of the `watchlistN-id` parameter, which names
    /// the watchlist in the workspace (`_GetWatchlist('<alias>')`).
    pub alias: String,
    /// `properties.description`.
    pub description: Option<String>,
}

impl Watchlist {
    /// The watchlist of a document: `resources[0]` must be an object with
    /// `properties.displayName` and `properties.watchlistAlias` (text).
    pub fn from_json(file: &str, text: &str, doc: &Value) -> Result<Watchlist, Vec<ContentError>> {
        let err = |path: &str, message: String| ContentError {
            file: file.to_string(),
            path: path.to_string(),
            message,
        };
        let Some(resource) = doc
            .get("resources")
            .and_then(Value::as_array)
            .and_then(|r| r.first())
            .and_then(Value::as_object)
        else {
            return Err(vec![err(
                "",
                "a watchlist file is an ARM template whose `resources` list starts with the watchlist resource (the repo's Watchlists format)".into(),
            )]);
        };
        let Some(props) = resource.get("properties").and_then(Value::as_object) else {
            return Err(vec![err(
                "/resources/0",
                "the watchlist resource has no `properties` object".into(),
            )]);
        };
        let mut errors = Vec::new();
        let mut member = |key: &str| match props.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(v) if !v.is_null() && !v.is_string() => {
                errors.push(err(
                    &format!("/resources/0/properties/{key}"),
                    format!("`{key}` must be text, not {}", kind_name(v)),
                ));
                String::new()
            }
            _ => {
                errors.push(err(
                    &format!("/resources/0/properties/{key}"),
                    format!("the watchlist has no `{key}` (non-empty text)"),
                ));
                String::new()
            }
        };
        let display_name = member("displayName");
        let alias = member("watchlistAlias");
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Watchlist {
            file: file.to_string(),
            text: text.to_string(),
            resource: resource.clone(),
            display_name,
            alias,
            description: props
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }
}

/// Whether a metadata entry (of the workbooks metadata file) is the one of a workbook file:
/// its `templateRelativePath` up to the first `.` (up to the last one when it holds a `(`)
/// equals the file's key, ignoring case.
pub fn metadata_matches(entry: &Map<String, Value>, file: &str) -> bool {
    let Some(Value::String(path)) = entry.get("templateRelativePath") else {
        return false;
    };
    let key = file_key(file).to_lowercase();
    let stem = if path.contains('(') {
        match path.rfind('.') {
            Some(i) if i > 0 => &path[..i],
            _ => return false,
        }
    } else {
        path.split('.').next().unwrap_or(path)
    };
    stem.to_lowercase() == key
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ps_text_matches_powershell_interpolation() {
        assert_eq!(ps_text(&json!(1.0)), "1");
        assert_eq!(ps_text(&json!(1.5)), "1.5");
        assert_eq!(ps_text(&json!(true)), "True");
        assert_eq!(ps_text(&json!(null)), "");
        assert_eq!(
            ps_text(&json!({"a": "x", "b": [1], "c": ""})),
            "@{a=x; b=System.Object[]; c=}"
        );
    }

    #[test]
    fn workbook_keys_follow_the_packager() {
        assert_eq!(file_key("Workbooks/Foo#Bar.json"), "FooBar");
        assert_eq!(file_key("Workbooks/Foo (Preview).json"), "Foo (Preview)");
        assert_eq!(leaf_base("Analytic Rules/a.b.yaml"), "a.b");
        let entry = json!({"templateRelativePath": "KeeperSecurityDashboard.json"});
        assert!(metadata_matches(
            entry.as_object().unwrap(),
            "Workbooks/keepersecuritydashboard.json"
        ));
    }

    #[test]
    fn rule_reports_every_missing_member() {
        let err = AnalyticRule::from_json("r.yaml", "", &json!({"kind": "Scheduled"})).unwrap_err();
        let paths: Vec<&str> = err.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/id",
                "/name",
                "/description",
                "/query",
                "/queryFrequency",
                "/queryPeriod",
                "/triggerOperator"
            ]
        );
    }

    #[test]
    fn function_parameters_are_written_like_the_packager() {
        let p = Parser {
            file: String::new(),
            text: String::new(),
            function_name: "f".into(),
            title: String::new(),
            version: None,
            category: String::new(),
            description: String::new(),
            query: String::new(),
            params: Some(vec![
                ParserParam {
                    name: "starttime".into(),
                    kind: "datetime".into(),
                    default: Some("datetime(null)".into()),
                },
                ParserParam {
                    name: "user".into(),
                    kind: "string".into(),
                    default: Some("*".into()),
                },
                ParserParam {
                    name: "t".into(),
                    kind: "table:(a:string)".into(),
                    default: None,
                },
                ParserParam {
                    name: "d".into(),
                    kind: "dynamic".into(),
                    default: None,
                },
            ]),
        };
        assert_eq!(
            p.function_parameters(),
            // `table:(a:string)` is split on `:` and its last part kept, as the packager does.
            "starttime:datetime=datetime(null),user:string='*',t:string),d:dynamic"
        );
    }
}
