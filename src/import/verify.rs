//! Checks an import by building it again: the connector artifacts rendered from the imported
//! spec are compared with the resources that were read, the package with the package that was
//! read. Every difference is listed by file and JSON path; a difference under a path an import
//! [`Note`] names is *explained* (ccfgen said it cannot express it, or writes it canonically).
//!
//! Comparison is JSON value equality (object key order ignored). For connector source files
//! only the members the official packager reads are compared — `name`, `kind` and
//! `properties` (packaging.md §3.5, §4.1: `apiVersion`, `location` and `type` are replaced,
//! table `tags` and instance `id` dropped), as docs/conformance.md explains.

use serde_json::{Map, Value};

use super::{Imported, Note, NoteKind, Res};
use crate::package;
use crate::solution::{Compat, Solution};
use crate::source::{SourceFile, TomlSpans};
use crate::spec::LoadedSpec;

/// One difference between what was read and what ccfgen builds.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The file it is in (as read).
    pub file: String,
    /// JSON path.
    pub path: String,
    /// The value read (None: absent).
    pub original: Option<Value>,
    /// The value ccfgen builds (None: absent).
    pub ours: Option<Value>,
    /// Why, when it is explained.
    pub explained: Option<String>,
}

/// Resolves the imported spec in memory (extra content and logo need no files).
pub fn resolve(imported: &Imported) -> Result<Solution, String> {
    resolve_spec(&imported.spec, imported.extra.as_ref(), &imported.content)
}

/// Resolves a spec in memory with the extra content and the content files an import carries
/// (nothing is read from disk).
pub fn resolve_spec(
    spec: &crate::spec::Spec,
    extra: Option<&crate::extra_content::ExtraContent>,
    content: &crate::content::Content,
) -> Result<Solution, String> {
    let mut spec = spec.clone();
    spec.package.extra_content = None;
    spec.content = crate::spec::model::ContentSpec {
        analytic_rules: Some(Vec::new()),
        hunting_queries: Some(Vec::new()),
        workbooks: Some(Vec::new()),
        parsers: Some(Vec::new()),
        watchlists: Some(Vec::new()),
        ..spec.content
    };
    let text = toml::to_string(&spec).map_err(|e| e.to_string())?;
    let spans = TomlSpans::index(&text).map_err(|e| e.to_string())?;
    let loaded = LoadedSpec {
        spec,
        source: SourceFile::new("ccfgen.toml", text),
        spans,
        dir: std::path::PathBuf::from("."),
    };
    let (mut solution, diags) = crate::resolve::resolve(&loaded);
    if diags.has_errors() {
        let messages: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
        return Err(messages.join("; "));
    }
    solution.extra_content = extra.cloned();
    // The order and wizard texts come from the spec, the items from the import.
    let resolved = std::mem::take(&mut solution.content);
    let mut content = content.clone();
    content.order = resolved.order;
    content.analytic_rules_blade_description = resolved.analytic_rules_blade_description;
    content.hunting_queries_blade_description = resolved.hunting_queries_blade_description;
    content.workbooks_blade_description = resolved.workbooks_blade_description;
    content.watchlist_description = resolved.watchlist_description;
    solution.content = content;
    Ok(solution)
}

/// The connector artifacts of `solution`, parsed (path → JSON).
pub fn artifacts(solution: &Solution) -> Result<Map<String, Value>, String> {
    let files =
        crate::artifacts::render_connector_artifacts(solution).map_err(|e| e.to_string())?;
    let mut out = Map::new();
    for (path, bytes) in files.iter() {
        if path.ends_with(".json")
            && let Ok(v) = serde_json::from_slice(bytes)
        {
            out.insert(path.to_string(), v);
        }
    }
    Ok(out)
}

/// JSON value differences (object key order ignored), by path.
pub fn diff(
    a: &Value,
    b: &Value,
    path: &str,
    out: &mut Vec<(String, Option<Value>, Option<Value>)>,
) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let p = format!("{path}.{k}");
                match y.get(k) {
                    Some(w) => diff(v, w, &p, out),
                    None => out.push((p, Some(v.clone()), None)),
                }
            }
            for (k, w) in y {
                if !x.contains_key(k) {
                    out.push((format!("{path}.{k}"), None, Some(w.clone())));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(v), Some(w)) => diff(v, w, &p, out),
                    (v, w) => out.push((p, v.cloned(), w.cloned())),
                }
            }
        }
        _ if a != b => out.push((path.to_string(), Some(a.clone()), Some(b.clone()))),
        _ => {}
    }
}

/// Whether `path` is `prefix` or below it.
pub fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// The most specific note (longest path) that covers `path`.
fn explain(notes: &[Note], file: &str, path: &str) -> Option<String> {
    notes
        .iter()
        .filter(|n| {
            !matches!(n.kind, NoteKind::Ignored | NoteKind::Verbatim)
                && n.file == file
                && under(path, &n.path)
        })
        .max_by_key(|n| n.path.len())
        .map(|n| format!("{}: {}", n.kind, n.message))
}

/// The members of a source resource the packager reads.
fn packager_view(v: &Value, with_name: bool) -> Value {
    let mut m = Map::new();
    for k in ["name", "kind", "properties"] {
        if k == "name" && !with_name {
            continue;
        }
        if let Some(x) = v.get(k).filter(|x| !x.is_null()) {
            m.insert(k.to_string(), x.clone());
        }
    }
    Value::Object(m)
}

/// Compares the connector artifacts ccfgen builds from the import with the resources read.
pub fn connector_artifacts(imported: &Imported) -> Result<Vec<Difference>, String> {
    let solution = resolve(imported)?;
    let ours = artifacts(&solution)?;
    let mut out = Vec::new();
    for (raw, c) in imported.raw.connectors.iter().zip(&solution.connectors) {
        let sources = raw.folder.is_some();
        let dir = crate::render::connector_dir(c);
        let file = |name: &str| ours.get(&format!("{dir}/{name}")).cloned();
        let mut compare = |res: &Res, generated: Option<Value>, with_name: bool| {
            let original = packager_view(&res.value, with_name);
            let generated = generated
                .map(|g| packager_view(&g, with_name))
                .unwrap_or(Value::Null);
            let mut d = Vec::new();
            diff(&original, &generated, &res.path, &mut d);
            for (path, o, g) in d {
                out.push(Difference {
                    explained: explain(&imported.notes, &res.file, &path),
                    file: res.file.clone(),
                    path,
                    original: o,
                    ours: g,
                });
            }
        };
        let mut def = file(&c.settings.definition_file);
        if !sources && let Some(d) = def.as_mut() {
            // A packaged definition has no source file layout: compare what it carries.
            d["kind"] = Value::String("Customizable".into());
        }
        if !raw.synthetic {
            compare(&raw.definition, def, sources);
        }
        // Several instances share the file as a JSON array; each is compared with the one of
        // its name (or, when ccfgen writes one, the only one).
        let instances = file(&c.settings.data_connector_file);
        for instance in &raw.instances {
            let generated = match &instances {
                Some(Value::Array(items)) => items
                    .iter()
                    .find(|i| i.get("name") == instance.value.get("name"))
                    .cloned(),
                other => other.clone(),
            };
            compare(instance, generated, true);
        }
        if let Some(dcr) = &raw.dcr {
            let mut original = dcr.clone();
            if let Some(k) = original.value.get("kind")
                && k.as_str() == Some("[variables('blanks')]")
            {
                original.value.as_object_mut().map(|o| o.remove("kind"));
            }
            compare(&original, file(&c.settings.dcr_file), true);
        }
        for t in &raw.tables {
            let name = t
                .value
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let generated = c.tables.iter().find(|x| x.name == name).and_then(|x| {
                let v = file(&x.file)?;
                match v {
                    Value::Array(items) => items.into_iter().find(|i| i["name"] == name),
                    v => Some(v),
                }
            });
            compare(t, generated, true);
        }
    }
    Ok(out)
}

/// Compares the package ccfgen builds (in `compat` mode) with the package read.
pub fn package(imported: &Imported, compat: Compat) -> Result<Vec<Difference>, String> {
    let Some((main, ui)) = &imported.package else {
        return Ok(Vec::new());
    };
    let solution = resolve(imported)?;
    let built = package::build(&solution, compat).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut d = Vec::new();
    diff(main, &built.main_template, "$", &mut d);
    for (path, o, g) in d {
        out.push(Difference {
            explained: explain(&imported.notes, "mainTemplate.json", &path),
            file: "mainTemplate.json".into(),
            path,
            original: o,
            ours: g,
        });
    }
    if let Some(ui) = ui {
        let mut d = Vec::new();
        diff(ui, &built.create_ui_definition, "$", &mut d);
        for (path, o, g) in d {
            out.push(Difference {
                explained: explain(&imported.notes, "createUiDefinition.json", &path),
                file: "createUiDefinition.json".into(),
                path,
                original: o,
                ours: g,
            });
        }
    }
    Ok(out)
}
