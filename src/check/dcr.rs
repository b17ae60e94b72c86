//! Rules for a data collection rule: stream declarations (names, column types per stream
//! context), destinations, the endpoint placeholder, and every data flow — declared input
//! stream, `outputStream` naming a table that exists, and the transform checked by the KQL
//! analyser against the stream and the table ([`crate::rules::transform`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use ccfgen_base::ColumnType;
use ccfgen_kql::DestinationTable;
use serde_json::Value;

use super::Ctx;
use super::findings::Sink;
use super::links::{Output, declared_streams};
use super::model::Resource;
use super::table;
use crate::diagnostic::{Diagnostic, Severity};
use crate::json_get::get;
use crate::json_spans::JsonPath;
use crate::rules::transform::{Transform, TransformFindings};
use crate::rules::{self, placeholders};

/// "Table column never produced" findings of every flow, reported only for columns that no
/// flow writing the table produces.
#[derive(Debug, Default)]
pub(super) struct Produced {
    /// Table → number of flows whose output was compared with it.
    compared: BTreeMap<usize, usize>,
    /// (table, column index) → (flows not producing it, the finding).
    missing: BTreeMap<(usize, usize), (usize, Diagnostic)>,
}

impl Produced {
    pub fn extend(&mut self, other: Produced) {
        for (t, n) in other.compared {
            *self.compared.entry(t).or_default() += n;
        }
        for (k, (n, d)) in other.missing {
            self.missing.entry(k).or_insert((0, d)).0 += n;
        }
    }

    pub fn report(&self, cx: &Ctx<'_>, sink: &mut Sink) {
        for ((t, column), (n, d)) in &self.missing {
            if self.compared.get(t) == Some(n) {
                let r = &cx.m.resources[*t];
                let path = r
                    .prop_path(&["schema", "columns"])
                    .index(*column)
                    .key("name");
                sink.at(r.doc, &path, d.clone());
            }
        }
    }
}

/// `(name, type as written)` columns of a declared stream.
pub fn stream_columns(dcr: &Value, stream: &str) -> Option<Vec<(String, String)>> {
    Some(
        declared_columns(dcr, stream)?
            .map(|(name, ty)| (name.to_string(), ty.to_string()))
            .collect(),
    )
}

/// The columns of a declared stream as `(name, type as written)`, borrowed.
fn declared_columns<'v>(
    dcr: &'v Value,
    stream: &str,
) -> Option<impl Iterator<Item = (&'v str, &'v str)>> {
    let cols = get(
        dcr,
        &["properties", "streamDeclarations", stream, "columns"],
    )?
    .as_array()?;
    Some(cols.iter().map(|c| {
        let s = |k: &str| table::member(c, k).and_then(Value::as_str).unwrap_or("");
        (s("name"), s("type"))
    }))
}

pub(super) fn check(cx: &Ctx<'_>, i: usize, sink: &mut Sink, produced: &mut Produced) {
    let r = &cx.m.resources[i];
    let doc = r.doc;
    let props = r.properties();
    if let Some(name) = r.value.get("name").and_then(Value::as_str) {
        sink.all_at(doc, &r.path.key("name"), rules::limits::dcr_name(name));
    }
    let streams = declared_streams(r);
    let flows = get(props, &["dataFlows"])
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    sink.all_at(
        doc,
        &r.prop_path(&[]),
        rules::limits::dcr_streams(streams.len(), flows.len()),
    );
    stream_declarations(r, sink);
    let destinations = destinations(r, sink);
    endpoint(r, sink);
    if flows.is_empty() {
        sink.at(
            doc,
            &r.prop_path(&[]),
            Diagnostic::error("resource-shape", "the DCR has no `dataFlows`").with_hint(
                "add one data flow per stream: streams, destinations, transformKql, outputStream",
            ),
        );
    }
    let mut used_streams: Vec<&str> = Vec::new();
    // The analyser's input columns of each stream, built once however many flows read it.
    let mut inputs: BTreeMap<&str, Option<Vec<ccfgen_kql::Column>>> = BTreeMap::new();
    let mut tables = TableColumns::default();
    let mut builtin: Vec<(usize, &str)> = Vec::new();
    for (fi, flow) in flows.iter().enumerate() {
        let fp = r.prop_path(&["dataFlows"]).index(fi);
        let info = cx.g.flows.get(&i).and_then(|f| f.get(fi));
        let flow_streams: Vec<&str> = flow
            .get("streams")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        used_streams.extend(&flow_streams);
        for (si, s) in flow_streams.iter().enumerate() {
            if !streams.contains(s) && !s.starts_with("Microsoft-") {
                sink.at(
                    doc,
                    &fp.key("streams").index(si),
                    Diagnostic::error("flow-stream-undeclared", format!("data flow {fi} reads stream `{s}`, which `streamDeclarations` does not declare"))
                        .with_hint(suggest("declared streams", s, &streams)),
                );
            }
        }
        if flow_streams.is_empty() {
            sink.at(
                doc,
                &fp,
                Diagnostic::error("resource-shape", format!("data flow {fi} has no `streams`"))
                    .with_hint("name the input stream: `\"streams\": [\"Custom-<Stream>\"]`"),
            );
        }
        let kql = flow.get("transformKql").and_then(Value::as_str);
        if kql.is_some() && flow_streams.len() > 1 {
            sink.at(
                doc,
                &fp.key("streams"),
                Diagnostic::error("flow-streams-multiple", format!("data flow {fi} has a transform and {} input streams", flow_streams.len()))
                    .with_hint("a data flow with a transformation reads exactly one stream; split it into one flow per stream"),
            );
        }
        for (di, d) in flow
            .get("destinations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(d) = d.as_str().filter(|d| !destinations.contains(d)) {
                sink.at(
                    doc,
                    &fp.key("destinations").index(di),
                    Diagnostic::error("flow-destination", format!("data flow {fi} sends to destination `{d}`, which `destinations` does not define"))
                        .with_hint(suggest("defined destinations", d, &destinations)),
                );
            }
        }
        let table = output(cx, r, fi, flow, &fp, info.map(|f| &f.output), sink);
        if let Some(Output::BuiltIn(name)) = info.map(|f| &f.output) {
            builtin.push((fi, name.as_str()));
        }
        if let Some(k) = kql {
            sink.all_at(
                doc,
                &fp.key("transformKql"),
                rules::limits::transform_length(k),
            );
        }
        if let [stream] = flow_streams.as_slice()
            && let Some(input) = inputs.entry(stream).or_insert_with(|| {
                declared_columns(r.value, stream).map(|columns| {
                    columns
                        .map(|(name, ty)| rules::transform::input_column(name, ty))
                        .collect()
                })
            })
        {
            // A built-in destination is compared with its schema from the catalogue.
            let builtin_table = match info.map(|f| &f.output) {
                Some(Output::BuiltIn(name)) => builtin_table(name).map(|c| (name.as_str(), c)),
                _ => None,
            };
            transform(
                cx,
                r,
                &fp,
                kql,
                input,
                (table, builtin_table.as_ref().map(|(n, c)| (*n, &**c))),
                &mut tables,
                sink,
                produced,
            );
            if cx.sample > 0
                && let Some(t) = table
            {
                let columns = tables.columns(cx, t).columns().to_vec();
                let at = match kql {
                    Some(_) => fp.key("transformKql"),
                    None => fp.clone(),
                };
                for d in super::runtime::findings(
                    kql.unwrap_or("source"),
                    stream,
                    input,
                    &columns,
                    cx.sample,
                ) {
                    sink.at(doc, &at, d);
                }
            }
        }
    }
    // Built-in tables the catalogue has no schema of are only checked for KQL errors.
    builtin.retain(|(_, n)| ccfgen_kql::catalog::builtin().table(n).is_none());
    if let Some((fi, _)) = builtin.first() {
        let mut names: Vec<&str> = Vec::new();
        for (_, n) in &builtin {
            if !names.contains(n) {
                names.push(n);
            }
        }
        sink.at(
            doc,
            &r.prop_path(&["dataFlows"]).index(*fi).key("outputStream"),
            Diagnostic::new(Severity::Note, "builtin-table-unchecked", format!("flows to built-in tables ({}) are checked for KQL errors but not against a schema", names.join(", ")))
                .with_hint("ccfgen has no schemas of built-in tables; make sure the transform outputs only columns the table has, with its types"),
        );
    }
    for s in &streams {
        if !used_streams.contains(s) {
            sink.at_key(
                doc,
                &r.prop_path(&["streamDeclarations", s]),
                Diagnostic::warning("stream-unused", format!("stream `{s}` is declared but no data flow reads it"))
                    .with_hint("records sent to it are accepted and dropped; add a data flow or remove the declaration"),
            );
        }
    }
}

/// The table a flow writes, with its checks; returns `(table name, table columns)` when the
/// output can be compared.
fn output(
    cx: &Ctx<'_>,
    r: &Resource<'_>,
    fi: usize,
    flow: &Value,
    fp: &JsonPath,
    link: Option<&Output>,
    sink: &mut Sink,
) -> Option<usize> {
    let doc = r.doc;
    let op = fp.key("outputStream");
    let written = flow.get("outputStream").and_then(Value::as_str);
    match link? {
        Output::Table(t) => return Some(*t),
        Output::CaseDiffers(t, name) => {
            let actual = cx.m.resources[*t].name();
            sink.at(
                doc,
                &op,
                Diagnostic::error(
                    "output-table-case",
                    format!(
                        "data flow {fi} writes `Custom-{name}`, but the table is named `{actual}`"
                    ),
                )
                .with_hint(format!(
                    "table names are case-sensitive: write `\"outputStream\": \"Custom-{actual}\"`"
                )),
            );
        }
        Output::Missing(name) => {
            if !name.ends_with("_CL") {
                sink.at(
                    doc,
                    &op,
                    Diagnostic::error("output-stream", format!("data flow {fi} writes `Custom-{name}`; custom tables end with `_CL`"))
                        .with_hint(format!("write `\"outputStream\": \"Custom-{name}_CL\"` and name the table `{name}_CL`")),
                );
            } else {
                sink.at(
                    doc,
                    if written.is_some() { &op } else { fp },
                    Diagnostic::error("output-table-missing", format!("data flow {fi} writes table `{name}`, which no table file of this solution defines"))
                        .with_hint(format!("add a `Microsoft.OperationalInsights/workspaces/tables` resource named `{name}` next to the DCR, or fix `outputStream`")),
                );
            }
        }
        Output::BuiltIn(_) => {}
        Output::Invalid => {
            let d = match written {
                Some(w) => Diagnostic::error("output-stream", format!("data flow {fi} writes `{w}`, which is neither `Custom-<table>` nor `Microsoft-<table>`"))
                    .with_hint("write `\"outputStream\": \"Custom-<Table>_CL\"` for a custom table or `Microsoft-<Table>` for a built-in one"),
                None => Diagnostic::error("output-stream", format!("data flow {fi} has no `outputStream`"))
                    .with_hint("name the destination table: `\"outputStream\": \"Custom-<Table>_CL\"`"),
            };
            sink.at(doc, if written.is_some() { &op } else { fp }, d);
        }
    }
    None
}

/// A built-in table's name and catalogue columns (name, Kusto type).
type BuiltinTable<'a> = (&'a str, &'a DestinationTable);

/// The columns of a built-in table (`Syslog` of `Microsoft-Syslog`) from the one catalogue of
/// built-in tables (`crates/kql/catalog`), with Kusto type names; `None` when it has none.
/// Converted and prepared for comparisons once per table and run (a built-in table has
/// hundreds of columns, and many flows write the same few tables).
fn builtin_table(name: &str) -> Option<Arc<DestinationTable>> {
    type Cache = Mutex<HashMap<String, Option<Arc<DestinationTable>>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().expect("catalogue cache lock").get(name) {
        return found.clone();
    }
    let columns: Option<Arc<DestinationTable>> =
        ccfgen_kql::catalog::builtin().table(name).map(|columns| {
            Arc::new(DestinationTable::new(
                columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty.kusto_name().to_string()))
                    .collect(),
            ))
        });
    cache
        .lock()
        .expect("catalogue cache lock")
        .insert(name.to_string(), columns.clone());
    columns
}

/// Checks a flow's transform against its destination: a table of the solution (by index), or
/// a built-in table with its catalogue columns (the output's extra and mistyped columns are
/// reported; a built-in table's columns the transform leaves out are not: they are optional).
#[allow(clippy::too_many_arguments)]
fn transform(
    cx: &Ctx<'_>,
    r: &Resource<'_>,
    fp: &JsonPath,
    kql: Option<&str>,
    input: &[ccfgen_kql::Column],
    (table, builtin): (Option<usize>, Option<BuiltinTable<'_>>),
    tables: &mut TableColumns,
    sink: &mut Sink,
    produced: &mut Produced,
) {
    let table_cols = table
        .map(|t| (cx.m.resources[t].name(), tables.columns(cx, t)))
        .or(builtin);
    // Into a built-in table, output columns it lacks are summed up in one warning (a stream
    // routed to several built-in tables by `where` filters carries every table's columns).
    let into_builtin = table.is_none() && builtin.is_some();
    let f = cx.memo.check(Transform {
        kql: kql.unwrap_or("source"),
        input,
        table: table_cols,
        builtin: into_builtin,
    });
    let at = if kql.is_some() {
        fp.key("transformKql")
    } else {
        fp.clone()
    };
    let (lacking, lacking_count) = (&f.lacking, f.lacking_count);
    for (d, span) in &f.in_transform {
        sink.inside(
            r.doc,
            &at,
            span.clone().filter(|_| kql.is_some()),
            d.clone(),
        );
    }
    if let (Some((name, _)), Some(first)) = (builtin, lacking.first()) {
        let shown: Vec<String> = lacking.iter().map(|c| format!("`{c}`")).collect();
        let more = if lacking_count > shown.len() {
            format!(" and {} more", lacking_count - shown.len())
        } else {
            String::new()
        };
        sink.inside(
            r.doc,
            &at,
            None,
            Diagnostic::warning(
                "builtin-column-missing",
                format!(
                    "the transform outputs {} column(s) that built-in table `{name}` does not have: {}{more}",
                    lacking_count,
                    shown.join(", ")
                ),
            )
            .with_hint(format!(
                "built-in tables have a fixed schema: `| project` the columns of `{name}` (or `| project-away {first}, …`) so that nothing is silently dropped"
            )),
        );
    }
    if let (Some(t), true) = (table, f.has_output) {
        *produced.compared.entry(t).or_default() += 1;
        for (column, d) in &f.in_table {
            produced
                .missing
                .entry((t, *column))
                .or_insert((0, d.clone()))
                .0 += 1;
        }
    }
}

/// The columns of the tables a DCR writes, read (and prepared for comparisons) once however
/// many flows write them.
#[derive(Debug, Default)]
struct TableColumns(BTreeMap<usize, DestinationTable>);

impl TableColumns {
    fn columns(&mut self, cx: &Ctx<'_>, t: usize) -> &DestinationTable {
        self.0
            .entry(t)
            .or_insert_with(|| DestinationTable::new(table::columns(cx.m.resources[t].value)))
    }
}

/// Transform analyses by content: a tree often holds the same DCR several times (a connector
/// copied per product, v1 and v2 side by side, a vendored copy), and analysing a transform
/// costs more than parsing its file, so each distinct (transform, stream, table) is analysed
/// once per run.
#[derive(Debug, Default)]
pub(crate) struct Memo(Mutex<HashMap<u64, Bucket>>);

/// The analyses whose content hashes alike, each with its [`memo_key`].
type Bucket = Vec<(Box<[u8]>, Arc<Checked>)>;

/// What a flow's check keeps of a transform analysis (not the output schema itself, which
/// only tells whether the output was compared with the table).
#[derive(Debug)]
struct Checked {
    in_transform: Vec<(Diagnostic, Option<std::ops::Range<usize>>)>,
    in_table: Vec<(usize, Diagnostic)>,
    /// The first output columns a built-in table lacks.
    lacking: Vec<String>,
    /// How many output columns a built-in table lacks.
    lacking_count: usize,
    /// The transform produces a table (its output was compared when a table is known).
    has_output: bool,
}

impl From<TransformFindings> for Checked {
    fn from(f: TransformFindings) -> Checked {
        Checked {
            in_transform: f.in_transform,
            in_table: f.in_table,
            lacking: f.lacking,
            lacking_count: f.lacking_count,
            has_output: f.output.is_some(),
        }
    }
}

/// Everything a transform check depends on as bytes: the KQL, the input columns and the
/// table, each text prefixed with its length so that different contents never give the same
/// key. Written into `key` (cleared first).
fn memo_key(t: &Transform<'_>, key: &mut Vec<u8>) {
    fn text(key: &mut Vec<u8>, s: &str) {
        key.extend_from_slice(&(s.len() as u64).to_le_bytes());
        key.extend_from_slice(s.as_bytes());
    }
    key.clear();
    text(key, t.kql);
    key.extend_from_slice(&(t.input.len() as u64).to_le_bytes());
    for c in t.input {
        text(key, &c.name);
        text(key, c.ty.kusto_name());
    }
    key.push(u8::from(t.builtin));
    if let Some((name, table)) = t.table {
        text(key, name);
        // a flow into a built-in table is compared with the catalogue's columns of that name:
        // the name is the table
        if !t.builtin {
            let columns = table.columns();
            key.extend_from_slice(&(columns.len() as u64).to_le_bytes());
            for (name, ty) in columns {
                text(key, name);
                text(key, ty);
            }
        }
    }
}

impl Memo {
    fn check(&self, t: Transform<'_>) -> Arc<Checked> {
        thread_local! {
            /// The key of the transform being looked up (a hit allocates nothing).
            static KEY: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        // the transform text tells analyses apart well enough for a hash; the key decides
        let hash = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            t.kql.hash(&mut h);
            h.finish()
        };
        let key = KEY.with_borrow_mut(|key| {
            memo_key(&t, key);
            let hit = self
                .0
                .lock()
                .expect("memo lock")
                .get(&hash)
                .and_then(|bucket| bucket.iter().find(|(k, _)| **k == **key))
                .map(|(_, f)| Arc::clone(f));
            match hit {
                Some(found) => Err(found),
                None => Ok(Box::<[u8]>::from(key.as_slice())),
            }
        });
        let key = match key {
            Ok(key) => key,
            Err(hit) => return hit,
        };
        let found = Arc::new(Checked::from(rules::transform::check(t)));
        self.0
            .lock()
            .expect("memo lock")
            .entry(hash)
            .or_default()
            .push((key, Arc::clone(&found)));
        found
    }
}

fn stream_declarations(r: &Resource<'_>, sink: &mut Sink) {
    let doc = r.doc;
    let Some(decls) = get(r.properties(), &["streamDeclarations"]).and_then(Value::as_object)
    else {
        sink.at(
            doc,
            &r.prop_path(&[]),
            Diagnostic::error("resource-shape", "the DCR has no `streamDeclarations`")
                .with_hint("declare the input stream: `\"streamDeclarations\": {\"Custom-<Stream>\": {\"columns\": [...]}}`"),
        );
        return;
    };
    for (name, decl) in decls {
        let p = r.prop_path(&["streamDeclarations", name]);
        for d in rules::naming::stream_name(name) {
            sink.at_key(doc, &p, d);
        }
        if name.starts_with("Custom-") && name.ends_with("_CL") {
            sink.at_key(
                doc,
                &p,
                Diagnostic::new(Severity::Note, "stream-named-like-table", format!("stream `{name}` is named like a table"))
                    .with_hint("the input stream and the output table are different things; a name without `_CL` (e.g. `Custom-<Source>`) avoids confusing senders"),
            );
        }
        let Some(cols) = decl.get("columns").and_then(Value::as_array) else {
            sink.at(
                doc,
                &p,
                Diagnostic::error(
                    "resource-shape",
                    format!("stream `{name}` has no `columns`"),
                )
                .with_hint("list the JSON properties senders post, with their types"),
            );
            continue;
        };
        let mut names = Vec::with_capacity(cols.len());
        for (ci, c) in cols.iter().enumerate() {
            let cp = || p.key("columns").index(ci);
            let cname = table::member(c, "name")
                .and_then(Value::as_str)
                .unwrap_or("");
            names.push(cname);
            if cname.is_empty() {
                sink.at(
                    doc,
                    &cp(),
                    Diagnostic::error("column-name", "a stream column has no name")
                        .with_hint("name it after the JSON property the sender posts"),
                );
            }
            let ty = table::member(c, "type")
                .and_then(Value::as_str)
                .unwrap_or("");
            if ColumnType::parse_stream(ty).is_none() {
                let hint = if ty.eq_ignore_ascii_case("guid") {
                    "DCR streams have no guid type: declare it `string` and convert with `toguid()` in the transform".to_string()
                } else {
                    format!(
                        "stream columns are {}",
                        ColumnType::list(ColumnType::STREAM, " or ")
                    )
                };
                sink.at(
                    doc,
                    &cp().key("type"),
                    Diagnostic::error("stream-column-type", format!("stream column `{cname}` has type `{ty}`, which stream declarations do not support")).with_hint(hint),
                );
            }
        }
        for (first, dup) in rules::naming::duplicates(names.iter().copied()) {
            sink.at(
                doc,
                &p.key("columns").index(dup).key("name"),
                Diagnostic::error(
                    "column-duplicate",
                    format!("column `{}` appears in stream `{name}` twice", names[dup]),
                )
                .with_hint(format!(
                    "the first is column {} (`{}`)",
                    first + 1,
                    names[first]
                )),
            );
        }
    }
}

/// Checks `destinations` and returns every destination name.
fn destinations<'a>(r: &Resource<'a>, sink: &mut Sink) -> Vec<&'a str> {
    let mut names = Vec::new();
    let Some(dests) = get(r.properties(), &["destinations"]).and_then(Value::as_object) else {
        sink.at(
            r.doc,
            &r.prop_path(&[]),
            Diagnostic::error("resource-shape", "the DCR has no `destinations`")
                .with_hint("add `\"destinations\": {\"logAnalytics\": [{\"workspaceResourceId\": \"{{workspaceResourceId}}\", \"name\": \"clv2ws1\"}]}`"),
        );
        return names;
    };
    for (kind, list) in dests {
        for (di, d) in list.as_array().into_iter().flatten().enumerate() {
            let dp = r.prop_path(&["destinations", kind]).index(di);
            if let Some(n) = d.get("name").and_then(Value::as_str) {
                names.push(n);
            }
            if kind == "logAnalytics" {
                match d.get("workspaceResourceId") {
                    Some(Value::String(w)) => sink.all_at(
                        r.doc,
                        &dp.key("workspaceResourceId"),
                        placeholders::value(w),
                    ),
                    _ => {
                        let wrong = d.as_object().and_then(|o| {
                            o.keys()
                                .find(|k| k.to_ascii_lowercase().starts_with("workspace"))
                        });
                        let message = match wrong {
                            Some(k) => format!(
                                "the Log Analytics destination has `{k}` instead of `workspaceResourceId`"
                            ),
                            None => "the Log Analytics destination has no `workspaceResourceId`"
                                .to_string(),
                        };
                        let at = wrong.map_or(dp.clone(), |k| dp.key(k));
                        sink.at_key(
                            r.doc,
                            &at,
                            Diagnostic::error("dcr-destination", message)
                                .with_hint("write `\"workspaceResourceId\": \"{{workspaceResourceId}}\"` (the packager replaces it with the workspace's resource id)"),
                        );
                    }
                }
            }
        }
    }
    names
}

fn endpoint(r: &Resource<'_>, sink: &mut Sink) {
    let p = r.prop_path(&["dataCollectionEndpointId"]);
    let Some(v) = get(r.properties(), &["dataCollectionEndpointId"]).and_then(Value::as_str) else {
        return;
    };
    let findings = placeholders::value(v);
    if findings.is_empty() && !placeholders::is_placeholder(v) && !placeholders::is_expression(v) {
        sink.at(
            r.doc,
            &p,
            Diagnostic::warning("dce-id-literal", "`dataCollectionEndpointId` is a literal resource id")
                .with_hint("write `{{dataCollectionEndpointId}}`: the packager turns it into a variable derived from the workspace; a literal id fails arm-ttk and points every customer at one endpoint"),
        );
    }
    sink.all_at(r.doc, &p, findings);
}

/// A hint listing what exists, nearest (case-insensitive prefix) first.
pub(super) fn suggest(what: &str, wanted: &str, have: &[&str]) -> String {
    if have.is_empty() {
        return format!("there are no {what}");
    }
    if let Some(close) = have.iter().find(|h| h.eq_ignore_ascii_case(wanted)) {
        return format!("did you mean `{close}`? (names are case-sensitive)");
    }
    let list: Vec<String> = have.iter().take(8).map(|h| format!("`{h}`")).collect();
    format!("{what}: {}", list.join(", "))
}
