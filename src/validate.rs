//! Validation of a resolved spec: every platform rule ([`crate::rules`]) applied to every
//! element, each finding located in `ccfgen.toml`. All problems are collected, not only the
//! first.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::rules::{self, Findings};
use crate::solution::{Connector, Solution, Table};
use crate::spec::LoadedSpec;
use ccfgen_base::ColumnType;

/// `connectorUiConfig` members ccfgen generates from typed fields; `ui` may not replace them.
const TYPED_UI_KEYS: &[(&str, &str)] = &[
    ("id", "id"),
    ("title", "title"),
    ("publisher", "publisher"),
    ("descriptionMarkdown", "description"),
];

/// Members `ui` may write verbatim when the spec does not set the typed field (real
/// connector pages use shapes the typed fields do not cover).
const TYPED_UI_KEYS_OPTIONAL: &[(&str, &str)] = &[
    ("graphQueries", "graph_queries"),
    ("sampleQueries", "sample_queries"),
    ("permissions", "permissions"),
    ("availability", "preview"),
];

/// DCR `properties` members ccfgen generates; `dcr_properties` may not replace them.
const GENERATED_DCR_MEMBERS: &[&str] = &[
    "dataCollectionEndpointId",
    "streamDeclarations",
    "destinations",
    "dataFlows",
];

/// Checks every rule; returns all findings.
pub fn validate(solution: &Solution, spec: &LoadedSpec) -> Diagnostics {
    let mut v = Validator {
        spec,
        out: Diagnostics::new(),
    };
    v.solution(solution);
    let mut table_owner: BTreeMap<String, &Table> = BTreeMap::new();
    let mut ids: BTreeMap<String, &Connector> = BTreeMap::new();
    for connector in &solution.connectors {
        if let Some(first) = ids.insert(connector.id.to_ascii_lowercase(), connector) {
            v.add(
                connector_id_path(connector),
                vec![
                    Diagnostic::error(
                        "connector-duplicate",
                        format!("connector id `{}` is used twice", connector.id),
                    )
                    .with_hint(format!(
                        "the first use is {}",
                        spec.at(&connector_id_path(first))
                    )),
                ],
            );
        }
        v.connector(connector);
        // Several data flows may write one built-in table; a custom table is defined once.
        for table in connector.tables.iter().filter(|t| !t.is_builtin()) {
            if let Some(first) = table_owner.insert(table.name.to_ascii_lowercase(), table) {
                v.add(
                    format!("{}.name", table.path),
                    vec![
                        Diagnostic::error(
                            "table-duplicate",
                            format!("table `{}` is defined twice", table.name),
                        )
                        .with_hint(format!(
                            "the first definition is {}",
                            spec.at(&format!("{}.name", first.path))
                        )),
                    ],
                );
            }
        }
    }
    for (path, d) in crate::rust_names::check::check(solution, spec) {
        v.add(path, vec![d]);
    }
    v.connector_queries(solution);
    v.out
        .extend(crate::build_paths::spec_findings(solution, spec));
    v.out
}

/// `legacy_name = true`: a reserved column name kept from an existing table is a warning.
fn legacy_name(findings: &mut [Diagnostic]) {
    for d in findings.iter_mut().filter(|d| d.rule == "column-reserved") {
        if d.severity == crate::diagnostic::Severity::Error {
            d.severity = crate::diagnostic::Severity::Warning;
            d.message
                .push_str("; kept because `legacy_name = true` (an existing table)");
        }
    }
}

fn connector_id_path(c: &Connector) -> String {
    format!("{}.id", c.path)
}

struct Validator<'a> {
    spec: &'a LoadedSpec,
    out: Diagnostics,
}

impl Validator<'_> {
    fn add(&mut self, path: impl AsRef<str>, findings: Findings) {
        for f in findings {
            let loc = self.spec.at(path.as_ref());
            self.out.push(f.at(loc));
        }
    }

    fn add_at(&mut self, loc: Location, findings: Findings) {
        for f in findings {
            self.out.push(f.at(loc.clone()));
        }
    }

    fn solution(&mut self, s: &Solution) {
        use rules::metadata as m;
        self.add(
            "solution.version",
            m::semver("solution version", &s.version),
        );
        self.add(
            "solution.publisher_id",
            m::solution_id_part("publisher_id", &s.publisher_id),
        );
        self.add(
            "solution.offer_id",
            m::solution_id_part("offer_id", &s.offer_id),
        );
        let support = &s.support;
        self.add(
            "solution.support",
            m::support(
                &support.name,
                support.email.as_deref(),
                support.link.as_deref(),
            ),
        );
        if let Some(email) = s.author_email.as_deref().filter(|e| !m::is_email(e)) {
            self.add(
                "solution.author.email",
                vec![
                    Diagnostic::error(
                        "author",
                        format!("author email `{email}` is not an email address"),
                    )
                    .with_hint("write it as name@example.com"),
                ],
            );
        }
        if s.categories.domains.is_empty() {
            self.add(
                "solution.categories.domains",
                vec![
                    Diagnostic::error("domain", "no Content Hub domain is given").with_hint(
                        "add at least one, e.g. `domains = [\"Security - Threat Protection\"]`",
                    ),
                ],
            );
        }
        for (i, d) in s.categories.domains.iter().enumerate() {
            self.add(format!("solution.categories.domains[{i}]"), m::domain(d));
        }
        for (i, d) in s.categories.verticals.iter().enumerate() {
            self.add(
                format!("solution.categories.verticals[{i}]"),
                m::vertical(d),
            );
        }
        self.description("solution.description", &s.description);
        for (field, value) in [
            ("first_publish_date", &s.first_publish_date),
            ("last_publish_date", &s.last_publish_date),
        ] {
            if let Some(v) = value {
                self.add(format!("solution.{field}"), m::date(field, v));
            }
        }
        if let (Some(first), Some(last)) = (&s.first_publish_date, &s.last_publish_date)
            && m::date("", first).is_empty()
            && m::date("", last).is_empty()
            && last < first
        {
            self.add(
                "solution.last_publish_date",
                vec![
                    Diagnostic::error(
                        "date",
                        format!("last_publish_date {last} is before first_publish_date {first}"),
                    )
                    .with_hint("the last publish date is the newest release"),
                ],
            );
        }
        self.release_notes(s);
        if s.connectors.is_empty() {
            self.add(
                "solution",
                vec![
                    Diagnostic::error("no-connectors", "the spec declares no connector").with_hint(
                        "add a `[[connectors]]` block with at least one `[[connectors.tables]]`",
                    ),
                ],
            );
        }
    }

    fn release_notes(&mut self, s: &Solution) {
        let mut previous: Option<semver::Version> = None;
        for (i, note) in s.release_notes.iter().enumerate() {
            let path = format!("solution.release_notes[{i}]");
            self.add(
                format!("{path}.version"),
                rules::metadata::semver("release-notes version", &note.version),
            );
            self.add(
                format!("{path}.date"),
                rules::metadata::date("release-notes date", &note.date),
            );
            if note.change.trim().is_empty() {
                self.add(
                    format!("{path}.change"),
                    vec![
                        Diagnostic::error(
                            "release-notes",
                            format!("release note {} has an empty `change`", note.version),
                        )
                        .with_hint(
                            "say what changed: it is the Change History cell of ReleaseNotes.md",
                        ),
                    ],
                );
            }
            if let Ok(v) = semver::Version::parse(&note.version) {
                if previous.as_ref().is_some_and(|p| &v >= p) {
                    self.add(
                        format!("{path}.version"),
                        vec![
                            Diagnostic::warning(
                                "release-notes-order",
                                format!(
                                    "release note {} is not older than the one above it",
                                    note.version
                                ),
                            )
                            .with_hint(
                                "list release notes newest first, as Content Hub reviewers require",
                            ),
                        ],
                    );
                }
                previous = Some(v);
            }
        }
        if s.release_notes.is_empty()
            && s.last_publish_date.is_none()
            && s.first_publish_date.is_none()
        {
            self.add(
                "solution",
                vec![
                    Diagnostic::error(
                        "release-notes",
                        "ReleaseNotes.md would have an empty date: there are no release notes and no publish date",
                    )
                    .with_hint("add `last_publish_date = YYYY-MM-DD`, or a `[[solution.release_notes]]` entry { version, date, change }"),
                ],
            );
        }
        if !s.release_notes.is_empty() && !s.release_notes.iter().any(|n| n.version == s.version) {
            self.add(
                "solution.release_notes",
                vec![
                    Diagnostic::warning(
                        "release-notes-missing",
                        format!("no release note for the current version {}", s.version),
                    )
                    .with_hint("add a `[[solution.release_notes]]` entry describing this version"),
                ],
            );
        }
    }

    /// The branding rule on a description-like value. A value the spec does not write (a
    /// default copied from elsewhere) is checked where it is written, not again here.
    fn description(&mut self, path: &str, text: &str) {
        if !self.spec.spans.contains(path) {
            return;
        }
        let findings = rules::branding::description(text);
        if findings.is_empty() {
            return;
        }
        // Point at the word itself when it can be found in the written value.
        let loc = if self.spec.spans.contains(path) {
            let span = self.spec.spans.value_span(path);
            let raw = &self.spec.source.text()[span.clone()];
            match rules::branding::bare_sentinel(raw).first() {
                Some(&at) => Location::new(&self.spec.source, span.start + at..span.start + at + 8),
                None => self.spec.at(path),
            }
        } else {
            self.spec.at(path)
        };
        self.add_at(loc, findings);
    }

    /// The connector page queries `build` writes into each definition (the spec's
    /// `graph_queries`/`sample_queries` or their defaults, the last-data and connectivity
    /// queries, verbatim `ui` members) compile against the solution's tables and the built-in
    /// catalogue; a finding points into the spec's string when the query was written there.
    fn connector_queries(&mut self, solution: &Solution) {
        // queries ccfgen derives from other values (defaults, last-data and connectivity
        // queries) are checked when those values are right, so that a broken table name or
        // window is reported once, by its own rule
        let derived_too = !self.out.has_errors();
        let tables: Vec<(String, Vec<(String, String)>)> = solution
            .connectors
            .iter()
            .flat_map(|c| &c.tables)
            .filter(|t| !t.is_builtin())
            .map(|t| {
                let cols = t
                    .table_columns()
                    .map(|(c, ty)| (c.name.clone(), ty.as_str().to_string()))
                    .collect();
                (t.name.clone(), cols)
            })
            .collect();
        let db = rules::query::database(tables.iter().map(|(n, c)| (n.as_str(), c.as_slice())), []);
        for c in &solution.connectors {
            let Ok(ui) = crate::render::definition::ui_config(c) else {
                continue;
            };
            let p = &c.path;
            let mut queries: Vec<(String, String)> = Vec::new();
            let list = |key: &str, field: &str| -> Vec<String> {
                ui.get(key)
                    .and_then(serde_json::Value::as_array)
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|i| i.get(field).and_then(serde_json::Value::as_str))
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            for (i, q) in list("graphQueries", "baseQuery").into_iter().enumerate() {
                queries.push((format!("{p}.graph_queries[{i}].base_query"), q));
            }
            for (i, q) in list("sampleQueries", "query").into_iter().enumerate() {
                queries.push((format!("{p}.sample_queries[{i}].query"), q));
            }
            for q in list("dataTypes", "lastDataReceivedQuery") {
                queries.push((p.to_string(), q));
            }
            let connectivity: Vec<String> = ui
                .get("connectivityCriteria")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("value").and_then(serde_json::Value::as_array))
                .flatten()
                .filter_map(serde_json::Value::as_str)
                .map(str::to_string)
                .collect();
            for q in connectivity {
                queries.push((p.to_string(), q));
            }
            for (path, written) in queries {
                let user_written = path != *p && self.spec.spans.contains(&path);
                if !derived_too && !user_written {
                    continue;
                }
                let text = rules::query::Substituted::new(&written, |name| {
                    ui.get(name)
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_string)
                });
                if text.text.contains("{{") {
                    continue;
                }
                for (d, span) in rules::query::check(&text.text, &db, &rules::query::DEFINITION) {
                    // inside the spec's string when the query is written there as is
                    let written_here = user_written
                        && self.spec.source.text()[self.spec.spans.value_span(&path)]
                            .contains(written.lines().next().unwrap_or(""));
                    let loc = span
                        .filter(|_| written_here)
                        .and_then(|s| self.inside_string(&path, text.written(s)))
                        .unwrap_or_else(|| {
                            if user_written {
                                self.spec.at(&path)
                            } else {
                                self.spec.at(p)
                            }
                        });
                    self.out.push(d.at(loc));
                }
            }
        }
    }

    fn connector(&mut self, c: &Connector) {
        let p = &c.path;
        self.add(format!("{p}.id"), rules::naming::connector_id(&c.id));
        self.add(
            format!("{p}.version"),
            rules::metadata::semver("connector version", &c.settings.version),
        );
        self.add(
            format!("{p}.connectivity_window"),
            rules::limits::timespan(&c.settings.connectivity_window),
        );
        if c.settings.events_json_paths.is_empty() {
            self.add(
                format!("{p}.events_json_paths"),
                vec![
                    Diagnostic::error("events-json-paths", "`events_json_paths` is empty")
                        .with_hint("leave the key out for `[\"$\"]` (the request body is the array of records)"),
                ],
            );
        }
        self.add(
            format!("{p}.dcr_name"),
            rules::limits::dcr_name(&c.dcr_name),
        );
        self.description(&format!("{p}.description"), &c.description);
        self.description(&format!("{p}.title"), &c.title);
        for (i, q) in c.sample_queries.iter().enumerate() {
            self.description(
                &format!("{p}.sample_queries[{i}].description"),
                &q.description,
            );
        }
        for (i, q) in c.permission_customs.iter().enumerate() {
            self.description(
                &format!("{p}.permissions.customs[{i}].description"),
                &q.description,
            );
        }
        if c.tables.is_empty() {
            self.add(
                p,
                vec![
                    Diagnostic::error(
                        "no-tables",
                        format!("connector `{}` declares no table", c.id),
                    )
                    .with_hint("add a `[[connectors.tables]]` block with a name and columns"),
                ],
            );
        }
        self.add(
            format!("{p}.tables"),
            rules::limits::dcr_streams(c.streams().len(), c.flow_tables().count()),
        );
        self.ui_overrides(c);
        self.verbatim_members(c);
        // A stream is declared by one table; later tables may read it with no stream columns.
        let mut streams: BTreeMap<&str, &Table> = BTreeMap::new();
        for t in c.flow_tables() {
            if t.stream_columns().next().is_none() {
                continue;
            }
            if streams.insert(t.stream.as_str(), t).is_some() {
                self.add(
                    format!("{}.stream", t.path),
                    vec![
                        Diagnostic::error(
                            "stream-duplicate",
                            format!(
                                "stream `{}` is declared twice in the DCR of `{}`",
                                t.stream, c.id
                            ),
                        )
                        .with_hint("give each table its own stream, or declare the stream's columns once: a later table reading it has no stream columns (all `in = \"table\"`)"),
                    ],
                );
            }
        }
        for s in c.streams() {
            if c.stream_declaration(s).is_empty()
                && let Some(owner) = c.stream_owner(s)
                && !owner.columns.is_empty()
            {
                self.add(
                    format!("{}.columns", owner.path),
                    vec![
                        Diagnostic::error("no-columns", format!("stream `{s}` declares no columns: no table reading it has a column in the stream"))
                            .with_hint("give the first table that reads it its stream columns (`in = \"both\"` or `\"stream\"`)"),
                    ],
                );
            }
        }
        for t in &c.tables {
            self.table(c, t);
        }
    }

    /// Verbatim DCR and table-schema members may not replace what ccfgen generates; every
    /// Push instance names a stream of the connector, and no two share a name.
    fn verbatim_members(&mut self, c: &Connector) {
        if c.dcr_endpoint_omitted && c.dcr_kind != Some(crate::solution::DcrKind::Direct) {
            self.add(
                format!("{}.dcr_no_endpoint", c.path),
                vec![
                    Diagnostic::error(
                        "dcr-kind",
                        "`dcr_no_endpoint` leaves the DCR without an ingestion endpoint",
                    )
                    .with_hint("set `dcr_kind = \"Direct\"` (the DCR's own endpoint), or remove `dcr_no_endpoint`"),
                ],
            );
        }
        for key in c.dcr_properties.keys() {
            if GENERATED_DCR_MEMBERS.contains(&key.as_str()) {
                self.add(
                    format!("{}.dcr_properties.{key}", c.path),
                    vec![
                        Diagnostic::error(
                            "verbatim-conflict",
                            format!("`dcr_properties.{key}` replaces a member ccfgen generates"),
                        )
                        .with_hint(
                            "remove it: the tables, `dcr_endpoint` and `dcr_destination` set it",
                        ),
                    ],
                );
            }
        }
        for t in &c.tables {
            for key in t.schema_extra.keys() {
                if ["name", "description", "columns"].contains(&key.as_str()) {
                    self.add(
                        format!("{}.schema_extra.{key}", t.path),
                        vec![
                            Diagnostic::error(
                                "verbatim-conflict",
                                format!("`schema_extra.{key}` replaces a member ccfgen generates"),
                            )
                            .with_hint("remove it: `name`, `description` and `columns` set it"),
                        ],
                    );
                }
            }
        }
        let mut names: Vec<&str> = Vec::new();
        for inst in &c.instances {
            if names.contains(&inst.name.as_str()) {
                self.add(
                    format!("{}.name", inst.path),
                    vec![
                        Diagnostic::error(
                            "instance-duplicate",
                            format!("two Push instances of `{}` are named `{}`", c.id, inst.name),
                        )
                        .with_hint("give each instance its own name"),
                    ],
                );
            }
            names.push(&inst.name);
            if !c.tables.is_empty() && !c.flow_tables().any(|t| t.stream == inst.stream) {
                self.add(
                    format!("{}.stream", inst.path),
                    vec![
                        Diagnostic::error(
                            "instance-stream",
                            format!(
                                "the Push instance `{}` names stream `{}`, which no table of `{}` reads",
                                inst.name, inst.stream, c.id
                            ),
                        )
                        .with_hint("name the `stream` of one of the connector's tables"),
                    ],
                );
            }
        }
    }

    fn ui_overrides(&mut self, c: &Connector) {
        let index: usize = c
            .path
            .trim_start_matches("connectors[")
            .trim_end_matches(']')
            .parse()
            .unwrap_or(0);
        let raw = self.spec.spec.connectors.get(index);
        let typed_set = |field: &str| {
            raw.is_some_and(|r| match field {
                "graph_queries" => !r.graph_queries.is_empty(),
                "sample_queries" => !r.sample_queries.is_empty(),
                "permissions" => r.permissions.is_some(),
                "preview" => r.settings.preview,
                _ => false,
            })
        };
        for key in c.ui.keys() {
            let conflict = TYPED_UI_KEYS.iter().find(|(k, _)| k == key).or_else(|| {
                TYPED_UI_KEYS_OPTIONAL
                    .iter()
                    .find(|(k, f)| k == key && typed_set(f))
            });
            if let Some((_, field)) = conflict {
                self.add(
                    format!("{}.ui.{key}", c.path),
                    vec![
                        Diagnostic::error(
                            "ui-conflict",
                            format!("`ui.{key}` replaces a member ccfgen generates from `{field}`"),
                        )
                        .with_hint(format!("set `{field}` on the connector instead")),
                    ],
                );
            }
        }
        if c.ui.contains_key("instructionSteps")
            && let Some(raw) = raw
        {
            for (set, field) in [
                (raw.deploy_button_label.is_some(), "deploy_button_label"),
                (
                    raw.application_display_name.is_some(),
                    "application_display_name",
                ),
                (raw.instructions.is_some(), "instructions"),
            ] {
                if set {
                    self.add(
                            format!("{}.{field}", c.path),
                            vec![
                                Diagnostic::error("ui-conflict", format!("`{field}` has no effect with `ui.instructionSteps`"))
                                    .with_hint("remove it, or drop `ui.instructionSteps` to let ccfgen write the steps"),
                            ],
                        );
                }
            }
        }
    }

    fn table(&mut self, c: &Connector, t: &Table) {
        let p = &t.path;
        if t.is_builtin() {
            self.builtin(t);
        } else {
            self.add(format!("{p}.name"), rules::naming::table_name(&t.name));
            self.add(
                format!("{p}.columns"),
                rules::limits::table_columns(t.table_columns().count()),
            );
        }
        if t.data_flow {
            self.add(format!("{p}.stream"), rules::naming::stream_name(&t.stream));
        }
        self.add(
            format!("{p}.transform"),
            rules::limits::transform_length(&t.transform.kql),
        );
        if let Some(d) = &t.settings.description {
            self.description(&format!("{p}.description"), d);
        }
        for (days, field, range) in [
            (t.settings.retention_in_days, "retention_in_days", 4..=730),
            (
                t.settings.total_retention_in_days,
                "total_retention_in_days",
                4..=4383,
            ),
        ] {
            if let Some(days) = days.filter(|d| !range.contains(d)) {
                self.add(
                    format!("{p}.{field}"),
                    vec![
                        Diagnostic::error(
                            "retention",
                            format!(
                                "{field} is {days}; the allowed range is {}–{}",
                                range.start(),
                                range.end()
                            ),
                        )
                        .with_hint(
                            "pick a value in range, or leave it out to use the workspace default",
                        ),
                    ],
                );
            }
        }
        // A table reading a stream another table declares, or a built-in table (its columns
        // come from the catalogue), may list no columns.
        let shares_stream =
            t.data_flow && c.stream_owner(&t.stream).is_some_and(|o| o.path != t.path);
        if t.columns.is_empty() && (shares_stream || t.is_builtin()) {
            self.transform(c, t);
            return;
        }
        if t.columns.is_empty() {
            self.add(
                format!("{p}.columns"),
                vec![
                    Diagnostic::error("no-columns", format!("table `{}` has no columns", t.name))
                        .with_hint("add `columns = [{ name = \"…\", type = \"string\" }, …]`"),
                ],
            );
            return;
        }
        for c in &t.columns {
            // Stream-only columns are JSON property names the transform consumes (real DCRs
            // use `id`, `_raw`, `time` there); the table naming rules do not apply to them.
            if c.table_type.is_some() || c.stream_type.is_none() {
                let mut findings = rules::naming::column_name(&c.name);
                if c.legacy_name {
                    legacy_name(&mut findings);
                }
                self.add(format!("{}.name", c.path), findings);
            } else if c.name.is_empty() {
                self.add(
                    format!("{}.name", c.path),
                    vec![
                        Diagnostic::error("column-name", "a stream column has an empty name")
                            .with_hint("name it after the JSON property the sender posts"),
                    ],
                );
            }
            if let Some(hint) = &c.data_type_hint
                && !["uri", "guid", "armPath", "ip"].contains(&hint.as_str())
            {
                self.add(
                    format!("{}.data_type_hint", c.path),
                    vec![
                        Diagnostic::error(
                            "data-type-hint",
                            format!("`{hint}` is not a data type hint"),
                        )
                        .with_hint("use one of: uri, guid, armPath, ip"),
                    ],
                );
            }
            if c.table_type == Some(ColumnType::Guid)
                && c.stream_type.is_some_and(|st| st != ColumnType::String)
            {
                self.add(
                    format!("{}.stream_type", c.path),
                    vec![
                        Diagnostic::error("stream-type", format!("guid column `{}` must arrive as string", c.name))
                            .with_hint("remove `stream_type`: GUIDs are sent as strings and converted with toguid()"),
                    ],
                );
            }
            if c.table_type.is_some()
                && c.stream_type.is_none()
                && c.name != "TimeGenerated"
                && t.transform.derived
                && t.data_flow
                && !t.is_builtin()
            {
                self.add(
                    format!("{}.in", c.path),
                    vec![
                        Diagnostic::warning("column-never-produced", format!("column `{}` is only in the table, and the derived transform never produces it", c.name))
                            .with_hint("write a `transform` that computes it, or set `in = \"both\"` so senders provide it"),
                    ],
                );
            }
        }
        self.transform(c, t);
        self.duplicates(t);
        if t.is_builtin() {
            return;
        }
        match t.table_columns().find(|(c, _)| c.name == "TimeGenerated") {
            None => {
                let near = t.columns.iter().find(|c| c.name.eq_ignore_ascii_case("TimeGenerated"));
                let (path, hint) = match near {
                    Some(c) => (format!("{}.name", c.path), "the name is case-sensitive: `TimeGenerated`".to_string()),
                    None => (format!("{p}.columns"), "add `{ name = \"TimeGenerated\", type = \"datetime\", in = \"table\" }` (the derived transform sets it to now())".to_string()),
                };
                let finding = Diagnostic::error("time-generated", format!("table `{}` has no `TimeGenerated` column", t.name)).with_hint(hint);
                self.out.push(finding.at(self.spec.at_key(&path)));
            }
            Some((c, ty)) if ty != ColumnType::DateTime => self.add(
                format!("{}.type", c.path),
                vec![
                    Diagnostic::error("time-generated", format!("`TimeGenerated` is `{ty}`; it must be `datetime`"))
                        .with_hint("set `type = \"datetime\"`; if the sender sends text, keep `stream_type = \"string\"` and the transform converts it"),
                ],
            ),
            Some(_) => {}
        }
    }

    /// A built-in destination: its name is the table's (no `Microsoft-`, no `_CL`), it has no
    /// table resource (so no resource keys), and a column declared in the table must be a
    /// column of the built-in table with its type.
    fn builtin(&mut self, t: &Table) {
        let p = &t.path;
        let name_problem = if let Some(bare) = t.name.strip_prefix("Microsoft-") {
            Some((
                format!(
                    "`{}` is an output stream; the built-in table is `{bare}`",
                    t.name
                ),
                format!(
                    "write `name = \"{bare}\"`: ccfgen writes `outputStream: Microsoft-{bare}`"
                ),
            ))
        } else if let Some(bad) = t
            .name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
            .or(t.name.is_empty().then_some(' '))
        {
            Some((
                format!(
                    "built-in table name `{}` contains `{bad}` (or is empty): built-in table names are letters, digits and `_`",
                    t.name
                ),
                "write the table's name as Azure Monitor's table reference spells it, e.g. `Syslog`".to_string(),
            ))
        } else if t.name.ends_with("_CL") {
            Some((
                format!(
                    "`{}` is a custom table name, but the table is marked `builtin`",
                    t.name
                ),
                "remove `builtin = true`: custom tables get a table resource".to_string(),
            ))
        } else {
            None
        };
        if let Some((what, hint)) = name_problem {
            self.add(
                format!("{p}.name"),
                vec![Diagnostic::error("builtin-table", what).with_hint(hint)],
            );
        }
        for key in [
            "plan",
            "file",
            "retention_in_days",
            "total_retention_in_days",
            "schema_extra",
            "description",
        ] {
            let at = format!("{p}.{key}");
            if self.spec.spans.contains(&at) {
                self.add(
                    at,
                    vec![
                        Diagnostic::error("builtin-table", format!("`{key}` is set on built-in table `{}`, which has no table resource", t.name))
                            .with_hint("remove it: a built-in table's settings belong to the workspace"),
                    ],
                );
            }
        }
        if !t.builtin_schema_known() {
            return;
        }
        for c in &t.columns {
            let Some(ty) = c.table_type else { continue };
            match t.table_columns().find(|(b, _)| b.name == c.name) {
                None => self.add(
                    format!("{}.name", c.path),
                    vec![
                        Diagnostic::error("builtin-column", format!("built-in table `{}` has no column `{}`", t.name, c.name))
                            .with_hint(match crate::spec::shape::closest(&c.name, t.table_columns().map(|(b, _)| b.name.as_str())) {
                            Some(near) => format!("did you mean `{near}`? Set `in = \"stream\"` if the transform consumes the column"),
                            None => "set `in = \"stream\"` if the transform consumes the column instead of passing it on".to_string(),
                        }),
                    ],
                ),
                Some((_, want)) if want != ty => self.add(
                    format!("{}.type", c.path),
                    vec![
                        Diagnostic::error("builtin-column", format!("column `{}` of built-in table `{}` is `{want}`, not `{ty}`", c.name, t.name))
                            .with_hint(format!("set `type = \"{want}\"` (and `stream_type` if the sender sends another type)")),
                    ],
                ),
                Some(_) => {}
            }
        }
    }

    /// Every transform `build` writes, hand-written or derived, is analysed against the
    /// stream and the table: KQL errors, the transformation subset, and every output column
    /// the table lacks or types differently is an error at the `transform` key (at the exact
    /// place when it can be found inside the string). A finding in a derived transform is
    /// reported at the table, with the derived text quoted.
    fn transform(&mut self, c: &Connector, t: &Table) {
        if !t.data_flow {
            return;
        }
        let stream: Vec<(String, String)> = c
            .stream_declaration(&t.stream)
            .into_iter()
            .map(|(c, ty)| (c.name.clone(), ty.as_str().to_string()))
            .collect();
        let table = ccfgen_kql::DestinationTable::new(
            t.table_columns()
                .map(|(c, ty)| (c.name.clone(), ty.as_str().to_string()))
                .collect(),
        );
        // A built-in table the catalogue lacks is checked for KQL errors only.
        let compared = !t.is_builtin() || t.builtin_schema_known();
        let found = rules::transform::check(rules::transform::Transform {
            kql: &t.transform.kql,
            input: &rules::transform::input_columns(&stream),
            table: compared.then_some((t.name.as_str(), &table)),
            builtin: t.is_builtin(),
        });
        let path = format!("{}.transform", t.path);
        // Into a built-in table, output columns it lacks are one warning (they are dropped).
        let (lacking, lacking_count) = (&found.lacking, found.lacking_count);
        for (d, span) in found.in_transform {
            let d = if t.transform.derived {
                let mut d = d;
                d.message = format!("derived transform `{}`: {}", t.transform.kql, d.message);
                d.with_hint(
                    "write a `transform` by hand, and report the derived one as a ccfgen bug",
                )
            } else {
                d
            };
            let loc = span
                .and_then(|s| self.inside_string(&path, s))
                .unwrap_or_else(|| self.spec.at(&path));
            self.out.push(d.at(loc));
        }
        if let Some(first) = lacking.first() {
            let shown: Vec<String> = lacking.iter().map(|c| format!("`{c}`")).collect();
            let more = if lacking_count > shown.len() {
                format!(" and {} more", lacking_count - shown.len())
            } else {
                String::new()
            };
            let d = Diagnostic::warning(
                "builtin-column-missing",
                format!(
                    "the transform outputs {} column(s) that built-in table `{}` does not have: {}{more}",
                    lacking_count,
                    t.name,
                    shown.join(", ")
                ),
            )
            .with_hint(format!(
                "built-in tables have a fixed schema: `| project` the columns of `{}` (or `| project-away {first}, …`) so that nothing is silently dropped",
                t.name
            ));
            self.out.push(d.at(self.spec.at(&path)));
        }
        // A built-in table's columns are optional: the transform need not produce them.
        if t.is_builtin() {
            return;
        }
        for (index, d) in found.in_table {
            // `column-never-produced` already says it, with the hint for derived transforms.
            if t.transform.derived && d.rule == "table-column-not-produced" {
                continue;
            }
            let column = t
                .columns
                .iter()
                .find(|c| c.name == table.columns()[index].0);
            let at = column.map_or_else(
                || format!("{}.columns", t.path),
                |c| format!("{}.name", c.path),
            );
            self.add(at, vec![d]);
        }
    }

    /// The location of a byte range of the decoded TOML string at `path`.
    fn inside_string(&self, path: &str, range: std::ops::Range<usize>) -> Option<Location> {
        if !self.spec.spans.contains(path) {
            return None;
        }
        let span = self.spec.spans.value_span(path);
        let literal = &self.spec.source.text()[span.clone()];
        let start = toml_string_offset(literal, range.start)?;
        let end = toml_string_offset(literal, range.end)?;
        Some(Location::new(
            &self.spec.source,
            span.start + start..span.start + end,
        ))
    }

    /// Columns whose names are equal ignoring case, each pair reported once, saying whether
    /// it collides in the table, the stream or both.
    fn duplicates(&mut self, t: &Table) {
        let table: Vec<&crate::solution::Column> = t.table_columns().map(|(c, _)| c).collect();
        let stream: Vec<&crate::solution::Column> = t.stream_columns().map(|(c, _)| c).collect();
        let pairs = |columns: &[&crate::solution::Column]| -> Vec<(String, String)> {
            rules::naming::duplicates(columns.iter().map(|c| c.name.as_str()))
                .into_iter()
                .map(|(a, b)| (columns[a].path.clone(), columns[b].path.clone()))
                .collect()
        };
        let (in_table, in_stream) = (pairs(&table), pairs(&stream));
        let mut all: Vec<&(String, String)> = in_table.iter().chain(&in_stream).collect();
        all.sort();
        all.dedup();
        let column = |path: &str| {
            t.columns
                .iter()
                .find(|c| c.path == path)
                .expect("a column of t")
        };
        for pair in all {
            let (a, b) = (column(&pair.0), column(&pair.1));
            let side = match (in_table.contains(pair), in_stream.contains(pair)) {
                (true, true) => "the table and the stream",
                (true, false) => "the table",
                _ => "the stream",
            };
            let how = if a.name == b.name {
                "twice"
            } else {
                "twice (names differ only in case)"
            };
            self.add(
                format!("{}.name", b.path),
                vec![
                    Diagnostic::error(
                        "column-duplicate",
                        format!(
                            "column `{}` appears in {side} of `{}` {how}",
                            b.name, t.name
                        ),
                    )
                    .with_hint(format!(
                        "the first is `{}` at {}; column names must be unique ignoring case",
                        a.name,
                        self.spec.at(&format!("{}.name", a.path))
                    )),
                ],
            );
        }
    }
}

/// The byte offset in a TOML string literal (quotes included) of byte `offset` of its decoded
/// text, for the four TOML string forms.
fn toml_string_offset(literal: &str, offset: usize) -> Option<usize> {
    let (open, escapes) = if literal.starts_with("\"\"\"") {
        (3, true)
    } else if literal.starts_with("'''") {
        (3, false)
    } else if literal.starts_with('"') {
        (1, true)
    } else if literal.starts_with('\'') {
        (1, false)
    } else {
        return None;
    };
    let bytes = literal.as_bytes();
    let mut raw = open;
    // A newline right after the opening delimiter of a multi-line string is not content.
    if open == 3 {
        if bytes.get(raw) == Some(&b'\n') {
            raw += 1;
        } else if bytes.get(raw..raw + 2) == Some(b"\r\n") {
            raw += 2;
        }
    }
    if !escapes {
        return Some((raw + offset).min(literal.len()));
    }
    let mut decoded = 0;
    while raw < bytes.len() {
        let line_continuation =
            bytes[raw] == b'\\' && bytes.get(raw + 1).is_some_and(u8::is_ascii_whitespace);
        if decoded >= offset && !line_continuation {
            break;
        }
        if bytes[raw] != b'\\' {
            let len = literal[raw..].chars().next().map_or(1, char::len_utf8);
            raw += len;
            decoded += len;
            continue;
        }
        match bytes.get(raw + 1) {
            Some(b'u') => {
                let cp = literal
                    .get(raw + 2..raw + 6)
                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                raw += 6;
                decoded += cp.and_then(char::from_u32).map_or(1, char::len_utf8);
            }
            Some(b'U') => {
                let cp = literal
                    .get(raw + 2..raw + 10)
                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                raw += 10;
                decoded += cp.and_then(char::from_u32).map_or(1, char::len_utf8);
            }
            Some(c) if c.is_ascii_whitespace() => {
                // A line-ending backslash removes the newline and the following whitespace.
                raw += 1;
                while bytes.get(raw).is_some_and(u8::is_ascii_whitespace) {
                    raw += 1;
                }
            }
            _ => {
                raw += 2;
                decoded += 1;
            }
        }
    }
    Some(raw.min(literal.len()))
}

#[cfg(test)]
mod tests {
    use super::toml_string_offset;

    #[test]
    fn offsets_inside_toml_strings() {
        assert_eq!(toml_string_offset("'abc'", 1), Some(2));
        assert_eq!(toml_string_offset("'''\nabc'''", 1), Some(5));
        assert_eq!(toml_string_offset(r#""a\"bc""#, 2), Some(4));
        assert_eq!(toml_string_offset(r#""\u00e9x""#, 2), Some(7));
        assert_eq!(toml_string_offset("\"\"\"a\\\n   b\"\"\"", 1), Some(9));
        assert_eq!(toml_string_offset("x", 0), None);
    }
}
