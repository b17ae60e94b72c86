//! Leaves out of an imported spec every optional value whose default builds the same output:
//! candidates are dropped, everything is rendered again (connector artifacts, solution files
//! and the package in both modes), and a drop is kept only if nothing changed. Candidates are
//! tried in groups, in order: a group whose drops together change nothing is kept at once,
//! other groups are halved until each candidate that matters is tried alone — one rendering
//! instead of one per candidate when (as usual) most values are defaults.

use super::Imported;
use super::verify;
use crate::extra_content::ExtraContent;
use crate::package;
use crate::solution::Compat;
use crate::spec::model::{ConnectorSettings, ConnectorSpec, Spec, TableSettings, TableSpec};

type Edit = Box<dyn Fn(&mut Spec) -> bool>;

/// Everything the spec renders, as text: key order counts (a dropped value must not move a
/// member, or `--compat official` would no longer reproduce the bytes).
fn rendered(
    spec: &Spec,
    extra: Option<&ExtraContent>,
    content: &crate::content::Content,
) -> Option<Vec<(String, String)>> {
    let solution = verify::resolve_spec(spec, extra, content).ok()?;
    let mut out: Vec<(String, String)> = verify::artifacts(&solution)
        .ok()?
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    for compat in [Compat::Official, Compat::Ccfgen] {
        let p = package::build(&solution, compat).ok()?;
        out.push((
            format!("{compat:?}/mainTemplate.json"),
            p.main_template.to_string(),
        ));
        out.push((
            format!("{compat:?}/createUiDefinition.json"),
            p.create_ui_definition.to_string(),
        ));
    }
    Some(out)
}

fn connector_edit(ci: usize, f: fn(&mut ConnectorSpec) -> bool) -> Edit {
    Box::new(move |s: &mut Spec| s.connectors.get_mut(ci).is_some_and(f))
}

fn table_edit(ci: usize, ti: usize, f: fn(&mut TableSpec) -> bool) -> Edit {
    Box::new(move |s: &mut Spec| {
        s.connectors
            .get_mut(ci)
            .and_then(|c| c.tables.get_mut(ti))
            .is_some_and(f)
    })
}

macro_rules! clear {
    ($field:ident) => {
        |c| c.$field.take().is_some()
    };
}

/// Minimises `imported.spec` in place.
pub fn minimize(imported: &mut Imported) {
    let extra = imported.extra.as_ref();
    let content = &imported.content;
    let Some(baseline) = rendered(&imported.spec, extra, content) else {
        return;
    };
    let mut edits: Vec<Edit> = vec![Box::new(|s: &mut Spec| {
        !std::mem::take(&mut s.solution.providers).is_empty()
    })];
    for (ci, c) in imported.spec.connectors.iter().enumerate() {
        let connector: [fn(&mut ConnectorSpec) -> bool; 7] = [
            clear!(id),
            clear!(title),
            clear!(publisher),
            clear!(description),
            clear!(folder),
            clear!(dcr_name),
            clear!(data_connector_name),
        ];
        for f in connector {
            edits.push(connector_edit(ci, f));
        }
        // Every key with a fixed default, back to it (no list to keep here).
        for key in ConnectorSettings::KEYS {
            edits.push(Box::new(move |s: &mut Spec| {
                s.connectors
                    .get_mut(ci)
                    .is_some_and(|c| c.settings.reset(key))
            }));
        }
        edits.push(connector_edit(ci, |c| {
            !std::mem::take(&mut c.sample_queries).is_empty()
        }));
        edits.push(connector_edit(ci, |c| {
            !std::mem::take(&mut c.graph_queries).is_empty()
        }));
        for key in c.ui.keys().cloned().collect::<Vec<_>>() {
            edits.push(Box::new(move |s: &mut Spec| {
                s.connectors
                    .get_mut(ci)
                    .is_some_and(|c| c.ui.shift_remove(&key).is_some())
            }));
        }
        for ti in 0..c.tables.len() {
            let table: [fn(&mut TableSpec) -> bool; 3] =
                [clear!(stream), clear!(file), clear!(transform)];
            for f in table {
                edits.push(table_edit(ci, ti, f));
            }
            for key in TableSettings::KEYS {
                edits.push(Box::new(move |s: &mut Spec| {
                    s.connectors
                        .get_mut(ci)
                        .and_then(|c| c.tables.get_mut(ti))
                        .is_some_and(|t| t.settings.reset(key))
                }));
            }
        }
    }
    let spec = keep_unchanged(imported.spec.clone(), &edits, &|s| {
        rendered(s, extra, content).as_ref() == Some(&baseline)
    });
    imported.spec = spec;
}

/// `spec` with every edit of `edits` (in order) applied that leaves it `same`: all of them at
/// once when that is so, else each half in turn.
fn keep_unchanged(spec: Spec, edits: &[Edit], same: &dyn Fn(&Spec) -> bool) -> Spec {
    let mut trial = spec.clone();
    let mut applied = false;
    for edit in edits {
        applied |= edit(&mut trial);
    }
    if !applied {
        return spec;
    }
    if same(&trial) {
        return trial;
    }
    if edits.len() == 1 {
        return spec;
    }
    let (left, right) = edits.split_at(edits.len() / 2);
    let spec = keep_unchanged(spec, left, same);
    keep_unchanged(spec, right, same)
}
