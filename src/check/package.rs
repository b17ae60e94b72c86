//! Package staleness: the connector definition, data connector, DCR and tables embedded in
//! `Package/mainTemplate.json` must equal the source files of the same solution, compared as
//! JSON values after the rewrites the official packager always makes (packaging.md §3.5–§3.8,
//! corpus MANIFEST "packager normalisations"): the DCR's endpoint id and workspace id become
//! variables, and the data connector's `{{placeholders}}` become `[[parameters(…)]`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::Ctx;
use super::findings::Sink;
use super::model::{Kind, Package};
use crate::diagnostic::{Diagnostic, Severity};
use crate::json_get::get_str;
use crate::json_spans::JsonPath;

/// A resource embedded in a package.
struct Embedded<'a> {
    kind: Kind,
    path: JsonPath,
    value: &'a Value,
}

/// The source resources of the solutions that have a package, by identity.
#[derive(Debug, Default)]
pub(super) struct Sources {
    /// (scope, kind, identity) → resource index (the first in file order).
    by_identity: BTreeMap<(usize, Kind, String), usize>,
}

impl Sources {
    pub fn build(cx: &Ctx<'_>) -> Sources {
        let scopes: BTreeSet<usize> = cx.m.packages.iter().map(|p| p.scope).collect();
        let mut by_identity = BTreeMap::new();
        for (i, r) in cx.m.resources.iter().enumerate() {
            if scopes.contains(&r.scope) {
                by_identity
                    .entry((r.scope, r.kind, identity(r.kind, r.value)))
                    .or_insert(i);
            }
        }
        Sources { by_identity }
    }

    fn find(&self, scope: usize, kind: Kind, key: &str) -> Option<usize> {
        self.by_identity
            .get(&(scope, kind, key.to_string()))
            .copied()
    }

    fn of_scope(&self, scope: usize) -> impl Iterator<Item = (Kind, &str, usize)> {
        self.by_identity
            .range((scope, Kind::Definition, String::new())..)
            .take_while(move |((s, _, _), _)| *s == scope)
            .map(|((_, k, id), i)| (*k, id.as_str(), *i))
    }
}

pub(super) fn check(cx: &Ctx<'_>, sources: &Sources, p: &Package<'_>, sink: &mut Sink) {
    let mut embedded = Vec::new();
    collect(
        p.value.get("resources"),
        JsonPath::root().key("resources"),
        &mut embedded,
    );
    missing_from_package(cx, sources, p, &embedded, sink);
    let mut reported: BTreeSet<(Kind, String)> = BTreeSet::new();
    for e in &embedded {
        let key = identity(e.kind, e.value);
        if key.is_empty() || reported.contains(&(e.kind, key.clone())) {
            continue;
        }
        let Some(source) = sources
            .find(p.scope, e.kind, &key)
            .map(|i| &cx.m.resources[i])
        else {
            reported.insert((e.kind, key.clone()));
            sink.at(
                p.doc,
                &e.path,
                Diagnostic::new(Severity::Note, "package-source-missing", format!("the package holds {} `{key}`, but no source file of this solution defines it", e.kind.noun()))
                    .with_hint("the sources are incomplete, or the package is older than a rename; staleness cannot be checked"),
            );
            continue;
        };
        let packaged = e.value.get("properties").unwrap_or(&Value::Null);
        let Some(diff) = difference(e.kind, packaged, source.properties()) else {
            continue;
        };
        reported.insert((e.kind, key.clone()));
        let at = e.path.key("properties").join(&diff);
        let shown = if diff.is_root() {
            "properties".to_string()
        } else {
            format!("properties.{diff}")
        };
        let source_file = &cx.m.docs[source.doc].rel;
        sink.at(
            p.doc,
            &at,
            Diagnostic::error(
                "package-stale",
                format!("the packaged {} `{key}` differs from `{source_file}` at `{shown}`", e.kind.noun()),
            )
            .with_hint("rebuild the package from the sources (or revert the source change) so that what is published is what is reviewed"),
        );
    }
}

/// Source resources of the package's solution that the package does not embed.
fn missing_from_package(
    cx: &Ctx<'_>,
    sources: &Sources,
    p: &Package<'_>,
    embedded: &[Embedded<'_>],
    sink: &mut Sink,
) {
    let packaged: BTreeSet<(Kind, String)> = embedded
        .iter()
        .map(|e| (e.kind, identity(e.kind, e.value)))
        .collect();
    let mut missing: Vec<(usize, Kind, &str)> = sources
        .of_scope(p.scope)
        .filter(|(kind, key, _)| !key.is_empty() && !packaged.contains(&(*kind, key.to_string())))
        .map(|(kind, key, i)| (i, kind, key))
        .collect();
    missing.sort_unstable();
    for (i, kind, key) in missing {
        let r = &cx.m.resources[i];
        sink.at(
            r.doc,
            &r.path,
            Diagnostic::warning(
                "package-missing",
                format!("{} `{key}` is not in the solution package", kind.noun()),
            )
            .with_hint(format!(
                "rebuild `{}`: the package is older than this file (or the file is a leftover)",
                cx.m.docs[p.doc].rel
            )),
        );
    }
}

fn collect<'a>(v: Option<&'a Value>, path: JsonPath, out: &mut Vec<Embedded<'a>>) {
    let Some(Value::Array(items)) = v else { return };
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        if let Some(kind) = item
            .get("type")
            .and_then(Value::as_str)
            .and_then(Kind::of_type)
        {
            out.push(Embedded {
                kind,
                path: p.clone(),
                value: item,
            });
        }
        if let Some(inner) = item.get("properties").and_then(|pr| pr.get("mainTemplate")) {
            collect(
                inner.get("resources"),
                p.keys(&["properties", "mainTemplate", "resources"]),
                out,
            );
        }
    }
}

/// What identifies a resource across source and package.
fn identity(kind: Kind, v: &Value) -> String {
    let props = v.get("properties").unwrap_or(&Value::Null);
    match kind {
        Kind::Definition => get_str(props, &["connectorUiConfig", "id"])
            .unwrap_or("")
            .to_string(),
        Kind::DataConnector => {
            let def = get_str(props, &["connectorDefinitionName"]).unwrap_or("");
            let stream = get_str(props, &["dcrConfig", "streamName"]).unwrap_or("");
            if def.is_empty() {
                String::new()
            } else {
                format!("{def} → {stream}")
            }
        }
        Kind::Dcr | Kind::Table => v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    }
}

/// The first difference between packaged and source `properties`, after the packager's
/// rewrites are undone on both sides. Only the members the packager rewrites are copied;
/// everything else is compared in place.
fn difference(kind: Kind, packaged: &Value, source: &Value) -> Option<JsonPath> {
    if kind == Kind::DataConnector {
        // Small objects: normalize whole copies.
        return first_difference(
            &normalize_connector(packaged),
            &normalize_connector(source),
            JsonPath::root(),
        );
    }
    let (Value::Object(a), Value::Object(b)) = (packaged, source) else {
        return first_difference(packaged, source, JsonPath::root());
    };
    let (a, b) = (members(kind, a), members(kind, b));
    for (k, va) in &a {
        match b.iter().find(|(kb, _)| kb == k) {
            Some((_, vb)) => {
                if let Some(p) = first_difference(va, vb, JsonPath::root().key(*k)) {
                    return Some(p);
                }
            }
            None => return Some(JsonPath::root().key(*k)),
        }
    }
    b.iter()
        .find(|(k, _)| !a.iter().any(|(ka, _)| ka == k))
        .map(|(k, _)| JsonPath::root().key(*k))
}

/// The members of a DCR's or table's `properties` as compared: rewritten ones owned.
fn members(kind: Kind, props: &Map<String, Value>) -> Vec<(&str, Cow<'_, Value>)> {
    let mut out: Vec<(&str, Cow<'_, Value>)> = Vec::with_capacity(props.len() + 1);
    for (k, v) in props {
        match (kind, k.as_str()) {
            (Kind::Dcr, "dataCollectionEndpointId") => {}
            (Kind::Dcr, "destinations") => {
                let mut v = v.clone();
                if let Some(list) = v.get_mut("logAnalytics").and_then(Value::as_array_mut) {
                    for d in list.iter_mut().filter_map(Value::as_object_mut) {
                        d.remove("workspaceResourceId");
                    }
                }
                out.push((k, Cow::Owned(v)));
            }
            _ => out.push((k, Cow::Borrowed(v))),
        }
    }
    // A table without a plan is an Analytics table.
    if kind == Kind::Table && !props.contains_key("plan") {
        out.push(("plan", Cow::Owned(Value::String("Analytics".into()))));
    }
    out
}

/// A data connector's properties with the packager's placeholder rewrites applied.
fn normalize_connector(props: &Value) -> Value {
    let mut v = props.clone();
    if let Some(o) = v.as_object_mut() {
        rewrite_params(o, "auth", &["appId", "servicePrincipalId"]);
        rewrite_params(
            o,
            "dcrConfig",
            &["dataCollectionEndpoint", "dataCollectionRuleImmutableId"],
        );
    }
    // `dataCollectionRuleId` (written by some Push instances) is a dcrConfig value too, but
    // only rewritten when it is there.
    if let Some(Value::Object(dcr)) = v.get_mut("dcrConfig")
        && let Some(Value::String(id)) = dcr.get_mut("dataCollectionRuleId")
        && id.contains("{{")
    {
        *id = "[[parameters('dcrConfig').dataCollectionRuleId]".to_string();
    }
    placeholders_to_parameters(&mut v);
    v
}

/// The packager's Push rule: `{{…}}` values of these members (keys matched
/// case-insensitively) become `[[parameters('<object>').<key>]`; absent ones are added.
fn rewrite_params(props: &mut Map<String, Value>, object: &str, keys: &[&str]) {
    let Some(Value::Object(o)) = props.get_mut(object) else {
        return;
    };
    for key in keys {
        let canonical = Value::String(format!("[[parameters('{object}').{key}]"));
        match o.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned() {
            Some(k) => {
                if o.get(&k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.contains("{{"))
                {
                    o.insert(k, canonical);
                }
            }
            None => {
                o.insert((*key).to_string(), canonical);
            }
        }
    }
}

/// Any remaining whole-value `{{name}}` becomes `[[parameters('name')]`.
fn placeholders_to_parameters(v: &mut Value) {
    match v {
        Value::String(s) if crate::rules::placeholders::is_placeholder(s) => {
            *s = format!("[[parameters('{}')]", &s[2..s.len() - 2]);
        }
        Value::Array(items) => items.iter_mut().for_each(placeholders_to_parameters),
        Value::Object(map) => map.values_mut().for_each(placeholders_to_parameters),
        _ => {}
    }
}

/// The path of the first place where `a` and `b` differ (objects compared by key, arrays by
/// index), or `None` when they are equal.
fn first_difference(a: &Value, b: &Value, path: JsonPath) -> Option<JsonPath> {
    if a == b {
        return None;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => {
                        if let Some(p) = first_difference(va, vb, path.key(k.as_str())) {
                            return Some(p);
                        }
                    }
                    None => return Some(path.key(k.as_str())),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| path.key(k.as_str()))
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                if let Some(p) = first_difference(va, vb, path.index(i)) {
                    return Some(p);
                }
            }
            (x.len() != y.len()).then(|| path.index(x.len().min(y.len())))
        }
        _ => (a != b).then_some(path),
    }
}
