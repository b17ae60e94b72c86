//! How the files of a connector link, the way the official packager links them (packaging.md
//! §1.4) but without its fragility: a data connector names its definition
//! (`connectorDefinitionName`) and its input stream (`dcrConfig.streamName`); the DCR that
//! declares that stream receives the data; each data flow's `outputStream` names a table.
//! Every data flow is followed (not only the first), any file name is accepted, and when two
//! candidates exist the one in the closest folder of the same solution wins.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{Kind, Model, Resource};
use crate::json_get::{get, get_str};

/// Where a data flow writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A custom table defined in the tree (resource index).
    Table(usize),
    /// `Custom-<name>`: a table whose name differs only in case is defined (resource index).
    CaseDiffers(usize, String),
    /// `Custom-<name>`: no table of that name is defined in the solution.
    Missing(String),
    /// `Microsoft-<name>`: a built-in table.
    BuiltIn(String),
    /// No usable `outputStream`.
    Invalid,
}

/// One data flow of a DCR, as far as linking is concerned.
#[derive(Debug, Clone)]
pub struct Flow {
    /// Index of the flow in `dataFlows`.
    pub index: usize,
    /// Its input streams.
    pub streams: Vec<String>,
    /// The table name it writes (without `Custom-`/`Microsoft-`), if any.
    pub output: Output,
}

/// The links of a whole tree.
#[derive(Debug, Default)]
pub struct Graph {
    /// Data connector → the definition it names.
    pub definition_of: BTreeMap<usize, usize>,
    /// Definition → the data connectors that name it.
    pub connectors_of: BTreeMap<usize, Vec<usize>>,
    /// Data connector → the DCR declaring its stream.
    pub dcr_of: BTreeMap<usize, usize>,
    /// DCR → its data flows.
    pub flows: BTreeMap<usize, Vec<Flow>>,
    /// Table → the DCRs writing it.
    pub writers: BTreeMap<usize, Vec<usize>>,
    /// Number of connectors: groups of linked resources holding a definition, a data
    /// connector or a DCR.
    pub connectors: usize,
}

/// Declared streams of a DCR, in file order.
pub fn declared_streams<'a>(dcr: &Resource<'a>) -> Vec<&'a str> {
    get(dcr.properties(), &["streamDeclarations"])
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The `Custom-` table name of a stream whose name is a table name (`Custom-X_CL`).
fn table_named_stream(stream: &str) -> Option<&str> {
    stream
        .strip_prefix("Custom-")
        .filter(|t| t.ends_with("_CL"))
}

impl Graph {
    /// Links every resource of the model.
    pub fn build(m: &Model<'_>) -> Graph {
        let mut g = Graph::default();
        let mut definitions: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
        let mut streams: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
        let mut tables: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
        let mut tables_ci: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
        for (i, r) in m.resources.iter().enumerate() {
            match r.kind {
                Kind::Definition => {
                    if let Some(id) = get_str(r.properties(), &["connectorUiConfig", "id"]) {
                        definitions.entry((r.scope, id)).or_default().push(i);
                    }
                }
                Kind::Dcr => {
                    for s in declared_streams(r) {
                        streams.entry((r.scope, s)).or_default().push(i);
                    }
                }
                Kind::Table => {
                    let name = r.name().to_string();
                    tables_ci
                        .entry((r.scope, name.to_ascii_lowercase()))
                        .or_default()
                        .push(i);
                    tables.entry((r.scope, name)).or_default().push(i);
                }
                Kind::DataConnector => {}
            }
        }
        let mut union = UnionFind::new(m.resources.len());
        for (i, r) in m.resources.iter().enumerate() {
            match r.kind {
                Kind::DataConnector => {
                    let props = r.properties();
                    if let Some(id) = get_str(props, &["connectorDefinitionName"])
                        && let Some(d) = definitions
                            .get(&(r.scope, id))
                            .and_then(|c| m.closest(r, c.iter().copied()))
                    {
                        g.definition_of.insert(i, d);
                        g.connectors_of.entry(d).or_default().push(i);
                        union.join(i, d);
                    }
                    if let Some(stream) = get_str(props, &["dcrConfig", "streamName"])
                        && let Some(d) = streams
                            .get(&(r.scope, stream))
                            .and_then(|c| m.closest(r, c.iter().copied()))
                    {
                        g.dcr_of.insert(i, d);
                        union.join(i, d);
                    }
                }
                Kind::Dcr => {
                    let flows = dcr_flows(m, r, &tables, &tables_ci);
                    for f in &flows {
                        if let Output::Table(t) = f.output {
                            g.writers.entry(t).or_default().push(i);
                            union.join(i, t);
                        }
                    }
                    g.flows.insert(i, flows);
                }
                Kind::Definition | Kind::Table => {}
            }
        }
        let mut roots: Vec<usize> = m
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind != Kind::Table)
            .map(|(i, _)| union.find(i))
            .collect();
        roots.sort_unstable();
        roots.dedup();
        g.connectors = roots.len();
        g
    }

    /// The tables written by the DCRs of a definition's data connectors.
    pub fn tables_of_definition(&self, m: &Model<'_>, definition: usize) -> Vec<String> {
        let mut out = Vec::new();
        for dc in self.connectors_of.get(&definition).into_iter().flatten() {
            let Some(dcr) = self.dcr_of.get(dc) else {
                continue;
            };
            for f in self.flows.get(dcr).into_iter().flatten() {
                match &f.output {
                    Output::Table(t) => out.push(m.resources[*t].name().to_string()),
                    Output::BuiltIn(name)
                    | Output::Missing(name)
                    | Output::CaseDiffers(_, name) => out.push(name.clone()),
                    Output::Invalid => {}
                }
            }
        }
        out
    }

    /// The streams declared by the DCRs of a definition's data connectors.
    pub fn streams_of_definition<'m>(&self, m: &'m Model<'_>, definition: usize) -> Vec<&'m str> {
        let mut out = Vec::new();
        for dc in self.connectors_of.get(&definition).into_iter().flatten() {
            if let Some(dcr) = self.dcr_of.get(dc) {
                out.extend(declared_streams(&m.resources[*dcr]));
            }
        }
        out
    }
}

fn dcr_flows(
    m: &Model<'_>,
    dcr: &Resource<'_>,
    tables: &BTreeMap<(usize, String), Vec<usize>>,
    tables_ci: &BTreeMap<(usize, String), Vec<usize>>,
) -> Vec<Flow> {
    let Some(flows) = get(dcr.properties(), &["dataFlows"]).and_then(Value::as_array) else {
        return Vec::new();
    };
    flows
        .iter()
        .enumerate()
        .map(|(index, flow)| {
            let streams = crate::json_get::strings(flow, "streams");
            let output_stream = flow
                .get("outputStream")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    // Without outputStream, a stream named after its table writes to that table.
                    match streams.as_slice() {
                        [s] => table_named_stream(s).map(|t| format!("Custom-{t}")),
                        _ => None,
                    }
                });
            let output = match output_stream.as_deref() {
                Some(s) if s.starts_with("Microsoft-") => {
                    Output::BuiltIn(s["Microsoft-".len()..].to_string())
                }
                Some(s) if s.starts_with("Custom-") && s.len() > "Custom-".len() => {
                    let name = &s["Custom-".len()..];
                    let exact = tables.get(&(dcr.scope, name.to_string()));
                    let ci = tables_ci.get(&(dcr.scope, name.to_ascii_lowercase()));
                    match (
                        exact.and_then(|c| m.closest(dcr, c.iter().copied())),
                        ci.and_then(|c| m.closest(dcr, c.iter().copied())),
                    ) {
                        (Some(t), _) => Output::Table(t),
                        (None, Some(t)) => Output::CaseDiffers(t, name.to_string()),
                        (None, None) => Output::Missing(name.to_string()),
                    }
                }
                _ => Output::Invalid,
            };
            Flow {
                index,
                streams,
                output,
            }
        })
        .collect()
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind((0..n).collect())
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b)] = a.min(b);
        }
    }
}
