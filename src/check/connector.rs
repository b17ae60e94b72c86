//! Rules for connector definitions and data connector instances (Push, RestApiPoller, …):
//! `connectorDefinitionName` names a definition, `dcrConfig.streamName` is a stream some DCR
//! declares, connect-time values are well-formed placeholders, and what a definition tells
//! users (data types, stream names to send to) matches what its DCRs do, and the connector
//! page's queries compile against the solution's tables and the built-in catalogue.

use serde_json::Value;

use super::Ctx;
use super::dcr::suggest;
use super::findings::Sink;
use super::links::declared_streams;
use super::model::Kind;
use crate::diagnostic::Diagnostic;
use crate::json_get::get_str;
use crate::json_spans::{JsonPath, Segment};
use crate::rules::{self, placeholders};

pub(super) fn check_data_connector(cx: &Ctx<'_>, i: usize, sink: &mut Sink) {
    let r = &cx.m.resources[i];
    let doc = r.doc;
    let props = r.properties();
    let kind = r.value.get("kind").and_then(Value::as_str).unwrap_or("");
    every_string(r.value, &mut Vec::new(), &mut |steps, s| {
        let found = placeholders::value(s);
        if !found.is_empty() {
            sink.all_at(doc, &path_of(&r.path, steps), found);
        }
    });
    match get_str(props, &["connectorDefinitionName"]) {
        None => sink.at(
            doc,
            &r.prop_path(&[]),
            Diagnostic::error(
                "resource-shape",
                "the data connector has no `connectorDefinitionName`",
            )
            .with_hint("name the connector definition's `connectorUiConfig.id`"),
        ),
        Some(name) if !cx.g.definition_of.contains_key(&i) => {
            let ids: Vec<&str> =
                cx.m.of_kind(Kind::Definition)
                    .filter(|(_, d)| d.scope == r.scope)
                    .filter_map(|(_, d)| get_str(d.properties(), &["connectorUiConfig", "id"]))
                    .collect();
            sink.at(
                doc,
                &r.prop_path(&["connectorDefinitionName"]),
                Diagnostic::error("connector-definition-unknown", format!("`connectorDefinitionName` is `{name}`, but no connector definition of this solution has that id"))
                    .with_hint(suggest("definition ids in this solution", name, &ids)),
            );
        }
        Some(_) => {}
    }
    let Some(dcr_config) = props.get("dcrConfig") else {
        sink.at(
            doc,
            &r.prop_path(&[]),
            Diagnostic::error("resource-shape", "the data connector has no `dcrConfig`")
                .with_hint("add `dcrConfig` with `streamName`, `dataCollectionEndpoint` and `dataCollectionRuleImmutableId`"),
        );
        return;
    };
    match dcr_config.get("streamName").and_then(Value::as_str) {
        None => sink.at(
            doc,
            &r.prop_path(&["dcrConfig"]),
            Diagnostic::error("resource-shape", "`dcrConfig` has no `streamName`")
                .with_hint("name the DCR input stream: `\"streamName\": \"Custom-<Stream>\"`"),
        ),
        Some(stream) if !cx.g.dcr_of.contains_key(&i) => {
            let mut streams: Vec<&str> =
                cx.m.of_kind(Kind::Dcr)
                    .filter(|(_, d)| d.scope == r.scope)
                    .flat_map(|(_, d)| declared_streams(d))
                    .collect();
            streams.sort_unstable();
            streams.dedup();
            sink.at(
                doc,
                &r.prop_path(&["dcrConfig", "streamName"]),
                Diagnostic::error("stream-unknown", format!("`streamName` is `{stream}`, but no DCR of this solution declares that stream"))
                    .with_hint(suggest("declared streams in this solution", stream, &streams)),
            );
        }
        Some(_) => {}
    }
    for key in ["dataCollectionEndpoint", "dataCollectionRuleImmutableId"] {
        if let Some(v) = dcr_config.get(key).and_then(Value::as_str)
            && !placeholders::is_placeholder(v)
            && !v.starts_with('[')
        {
            sink.at(
                doc,
                &r.prop_path(&["dcrConfig", key]),
                Diagnostic::warning("dcr-config-literal", format!("`dcrConfig.{key}` is a literal value"))
                    .with_hint(format!("write `{{{{{key}}}}}` or `[[parameters('dcrConfig').{key}]`: the value is only known when a customer deploys the connector")),
            );
        }
    }
    if kind.eq_ignore_ascii_case("Push") {
        let auth_type = get_str(props, &["auth", "type"]);
        if auth_type != Some("Push") {
            sink.at(
                doc,
                &r.prop_path(&["auth"]),
                Diagnostic::error("auth-type", format!("a Push data connector needs `auth.type` `Push` (found {})", auth_type.map_or("none".to_string(), |t| format!("`{t}`"))))
                    .with_hint("write `\"auth\": {\"type\": \"Push\", \"appId\": \"{{appId}}\", \"servicePrincipalId\": \"{{servicePrincipalId}}\"}`"),
            );
        }
    }
}

pub(super) fn check_definition(cx: &Ctx<'_>, i: usize, sink: &mut Sink) {
    let r = &cx.m.resources[i];
    let doc = r.doc;
    let ui_path = r.prop_path(&["connectorUiConfig"]);
    let Some(ui) = r.properties().get("connectorUiConfig") else {
        sink.at(
            doc,
            &r.prop_path(&[]),
            Diagnostic::error(
                "resource-shape",
                "the connector definition has no `connectorUiConfig`",
            )
            .with_hint(
                "a CCF definition is `properties.connectorUiConfig` with id, title, publisher, …",
            ),
        );
        return;
    };
    let Some(id) = ui.get("id").and_then(Value::as_str) else {
        sink.at(
            doc,
            &ui_path,
            Diagnostic::error("resource-shape", "`connectorUiConfig` has no `id`")
                .with_hint("add the connector id (no spaces)"),
        );
        return;
    };
    sink.all_at(doc, &ui_path.key("id"), rules::naming::connector_id(id));
    if let Some(name) = r.value.get("name").and_then(Value::as_str)
        && name != id
    {
        sink.at(
            doc,
            &r.path.key("name"),
            Diagnostic::warning(
                "definition-name",
                format!("the definition is named `{name}` but its id is `{id}`"),
            )
            .with_hint(format!(
                "use the id as the resource name: `\"name\": \"{id}\"`"
            )),
        );
    }
    if let Some(text) = ui.get("descriptionMarkdown").and_then(Value::as_str) {
        sink.all_at(
            doc,
            &ui_path.key("descriptionMarkdown"),
            rules::branding::description(text),
        );
    }
    definition_queries(cx, i, ui, &ui_path, sink);
    let Some(connectors) = cx.g.connectors_of.get(&i) else {
        sink.at(
            doc,
            &ui_path.key("id"),
            Diagnostic::warning("definition-unused", format!("no data connector of this solution names definition `{id}`"))
                .with_hint(format!("the data connector file needs `\"connectorDefinitionName\": \"{id}\"`; without it the packager cannot map the connector")),
        );
        return;
    };
    if connectors.iter().all(|dc| !cx.g.dcr_of.contains_key(dc)) {
        return;
    }
    data_types(cx, i, ui, &ui_path, sink);
    stream_labels(cx, i, ui, &ui_path, sink);
}

/// `dataTypes[].name` that look like table names must be tables the connector's DCRs write.
fn data_types(cx: &Ctx<'_>, i: usize, ui: &Value, ui_path: &JsonPath, sink: &mut Sink) {
    let written = cx.g.tables_of_definition(cx.m, i);
    let graph_table = ui.get("graphQueriesTableName").and_then(Value::as_str);
    for (di, dt) in ui
        .get("dataTypes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(raw) = dt.get("name").and_then(Value::as_str) else {
            continue;
        };
        let name = match (raw, graph_table) {
            ("{{graphQueriesTableName}}", Some(t)) => t,
            _ => raw,
        };
        let table_like =
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if table_like && !written.iter().any(|w| w == name) {
            let have: Vec<&str> = written.iter().map(String::as_str).collect();
            sink.at(
                cx.m.resources[i].doc,
                &ui_path.key("dataTypes").index(di).key("name"),
                Diagnostic::warning(
                    "definition-data-type",
                    format!("data type `{name}` is not a table this connector's DCRs write"),
                )
                .with_hint(suggest("tables written", name, &have)),
            );
        }
    }
}

/// `CopyableLabel` instructions whose value is a `Custom-` stream name tell senders where to
/// send: the stream must be declared by the connector's DCRs.
fn stream_labels(cx: &Ctx<'_>, i: usize, ui: &Value, ui_path: &JsonPath, sink: &mut Sink) {
    let streams = cx.g.streams_of_definition(cx.m, i);
    let mut labels = Vec::new();
    find_labels(ui.get("instructionSteps"), &mut Vec::new(), &mut labels);
    let steps_root = ui_path.key("instructionSteps");
    for (steps, value) in labels {
        let path = path_of(&steps_root, &steps);
        if !streams.contains(&value) {
            sink.at(
                cx.m.resources[i].doc,
                &path,
                Diagnostic::warning("definition-stream", format!("the instructions tell senders to use stream `{value}`, which the connector's DCR does not declare"))
                    .with_hint(suggest("declared streams", value, &streams)),
            );
        }
    }
}

fn find_labels<'v>(
    v: Option<&'v Value>,
    steps: &mut Vec<Step<'v>>,
    out: &mut Vec<(Vec<Step<'v>>, &'v str)>,
) {
    match v {
        Some(Value::Array(items)) => {
            for (n, item) in items.iter().enumerate() {
                steps.push(Step::Index(n));
                find_labels(Some(item), steps, out);
                steps.pop();
            }
        }
        Some(Value::Object(map)) => {
            if map.get("type").and_then(Value::as_str) == Some("CopyableLabel")
                && let Some(value) = map
                    .get("parameters")
                    .and_then(|p| p.get("value"))
                    .and_then(Value::as_str)
                    .filter(|s| s.starts_with("Custom-"))
            {
                let mut at = steps.clone();
                at.extend([Step::Key("parameters"), Step::Key("value")]);
                out.push((at, value));
            }
            for (k, item) in map {
                if item.is_array() || item.is_object() {
                    steps.push(Step::Key(k));
                    find_labels(Some(item), steps, out);
                    steps.pop();
                }
            }
        }
        _ => {}
    }
}

/// One step of a path while walking a value (borrowed; made a [`JsonPath`] only for a finding).
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn path_of(base: &JsonPath, steps: &[Step<'_>]) -> JsonPath {
    let mut p = base.clone();
    for s in steps {
        p.push(match s {
            Step::Key(k) => Segment::Key((*k).to_string()),
            Step::Index(i) => Segment::Index(*i),
        });
    }
    p
}

/// Calls `f` with every string value under `v` and the steps leading to it.
fn every_string<'v>(
    v: &'v Value,
    steps: &mut Vec<Step<'v>>,
    f: &mut impl FnMut(&[Step<'v>], &str),
) {
    match v {
        Value::String(s) => f(steps, s),
        Value::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                steps.push(Step::Index(n));
                every_string(item, steps, f);
                steps.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                steps.push(Step::Key(k));
                every_string(item, steps, f);
                steps.pop();
            }
        }
        _ => {}
    }
}

/// An unknown table or function name of a definition's queries: the name, its number of
/// uses, and the first use's path, range and finding.
type UnknownName = (
    String,
    usize,
    JsonPath,
    Option<std::ops::Range<usize>>,
    Diagnostic,
);

/// The connector page's queries — `graphQueries[].baseQuery`, `sampleQueries[].query`,
/// `dataTypes[].lastDataReceivedQuery`, `connectivityCriteria[].value[]` — compiled against the
/// solution's tables and the catalogue (`{{graphQueriesTableName}}` and other
/// `connectorUiConfig` strings substituted), each finding at its place in the JSON string.
fn definition_queries(cx: &Ctx<'_>, i: usize, ui: &Value, ui_path: &JsonPath, sink: &mut Sink) {
    let doc = cx.m.resources[i].doc;
    let mut queries: Vec<(JsonPath, &str)> = Vec::new();
    let mut add = |list: &str, key: &str| {
        if let Some(items) = ui.get(list).and_then(Value::as_array) {
            for (n, item) in items.iter().enumerate() {
                if let Some(q) = item.get(key).and_then(Value::as_str) {
                    queries.push((ui_path.key(list).index(n).key(key), q));
                }
            }
        }
    };
    add("graphQueries", "baseQuery");
    add("sampleQueries", "query");
    add("dataTypes", "lastDataReceivedQuery");
    if let Some(criteria) = ui.get("connectivityCriteria").and_then(Value::as_array) {
        for (n, c) in criteria.iter().enumerate() {
            if let Some(values) = c.get("value").and_then(Value::as_array) {
                for (k, v) in values.iter().enumerate() {
                    if let Some(q) = v.as_str() {
                        let path = ui_path
                            .key("connectivityCriteria")
                            .index(n)
                            .key("value")
                            .index(k);
                        queries.push((path, q));
                    }
                }
            }
        }
    }
    if queries.is_empty() {
        return;
    }
    let scope = cx.m.resources[i].scope;
    let tables: Vec<(String, Vec<(String, String)>)> =
        cx.m.resources
            .iter()
            .filter(|r| r.kind == Kind::Table && r.scope == scope)
            .map(|r| {
                (
                    table_name(r.name()).to_string(),
                    super::table::columns(r.value),
                )
            })
            .collect();
    let db = rules::query::database(tables.iter().map(|(n, c)| (n.as_str(), c.as_slice())), []);
    // an unknown name is reported once per definition, at its first use, with its count
    let mut unknown: Vec<UnknownName> = Vec::new();
    for (path, written) in queries {
        let text = rules::query::Substituted::new(written, |name| {
            ui.get(name).and_then(Value::as_str).map(str::to_string)
        });
        if text.text.contains("{{") {
            sink.inside(
                doc,
                &path,
                None,
                Diagnostic::new(
                    crate::diagnostic::Severity::Note,
                    rules::query::DEFINITION.unmodelled,
                    "this connector page query holds a `{{…}}` placeholder that is filled in at deployment: it is not checked",
                )
                .with_hint("placeholders that name a `connectorUiConfig` member (like `{{graphQueriesTableName}}`) are substituted and checked"),
            );
            continue;
        }
        for (d, span) in rules::query::check(&text.text, &db, &rules::query::DEFINITION) {
            if d.rule == rules::query::DEFINITION.unknown {
                let name = span
                    .clone()
                    .and_then(|s| text.text.get(s))
                    .unwrap_or("")
                    .to_string();
                match unknown.iter_mut().find(|u| u.0 == name) {
                    Some(u) => u.1 += 1,
                    None => unknown.push((name, 1, path.clone(), span.map(|s| text.written(s)), d)),
                }
                continue;
            }
            sink.inside(doc, &path, span.map(|s| text.written(s)), d);
        }
    }
    for (_, uses, path, span, mut d) in unknown {
        if uses > 1 {
            d.message
                .push_str(&format!(" ({uses} uses in this definition)"));
        }
        sink.inside(doc, &path, span, d);
    }
}

/// The table name of a table resource's `name` (an ARM template's
/// `[concat(parameters('workspace'), '/Foo_CL')]` included).
fn table_name(name: &str) -> &str {
    name.trim_end_matches(['\'', '"', ')', ']'])
        .rsplit('/')
        .next()
        .unwrap_or(name)
}
