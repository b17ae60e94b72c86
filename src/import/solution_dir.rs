//! Reading a solution folder the way the official packager links its files (packaging.md
//! §1.4), but robustly: the folder is read by [`crate::scan::SolutionFolder`] (no symbolic
//! link out of it or into a loop, unreadable entries noted), every `*.json` under
//! `Data Connectors/` is read whatever its name, a file may hold one resource, an array of
//! them or a template ([`crate::scan::kind`]), files that are not JSON are skipped with a
//! note, and definitions the data file forgot to list are still found.

use std::path::Path;

use serde_json::Value;

use super::{ImportError, NoteKind, Notes, RawConnector, RawSolution, Res};
use crate::scan::{DATA_CONNECTORS, JsonFile, Kind, SolutionFolder};

/// Reads a solution folder.
pub fn read(dir: &Path) -> Result<(RawSolution, Notes), ImportError> {
    if !dir.exists() {
        return Err(ImportError::Invalid(format!(
            "{} does not exist: give a solution folder, a Package folder, a mainTemplate.json or a package zip",
            dir.display()
        )));
    }
    if !dir.is_dir() {
        return Err(ImportError::Invalid(format!(
            "{} is neither a solution folder nor a mainTemplate.json",
            dir.display()
        )));
    }
    let folder = SolutionFolder::read(dir).map_err(|source| ImportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    from_folder(&folder)
}

/// Reads a solution folder already walked (or made in memory).
pub fn from_folder(folder: &SolutionFolder) -> Result<(RawSolution, Notes), ImportError> {
    let mut notes = Notes::default();
    for s in &folder.skipped {
        let kind = if s.reason.hides_content() {
            NoteKind::NotRead
        } else {
            NoteKind::Ignored
        };
        notes.add(kind, &s.rel, "$", format!("this entry {}", s.reason));
    }
    let (data_file, data) = data_file(folder, &mut notes);
    let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_string);
    let metadata_name = text("Metadata").unwrap_or_else(|| crate::scan::METADATA_FILE.to_string());
    let found = folder
        .find(&metadata_name)
        .map_err(|e| ImportError::unsafe_path(&data_file, "$.Metadata", e))?;
    let (metadata_file, metadata) = match found {
        Some(rel) => match folder.read_json(rel) {
            Ok(v) => (rel.to_string(), v),
            Err(e) => {
                notes.add(NoteKind::Unsupported, rel, "$", format!("not JSON: {e}"));
                (rel.to_string(), Value::Null)
            }
        },
        None => {
            notes.add(
                NoteKind::Unsupported,
                &metadata_name,
                "$",
                "no SolutionMetadata.json: publisher, offer, support and categories are unknown",
            );
            (metadata_name.clone(), Value::Null)
        }
    };
    let release_notes = match folder.find(crate::scan::RELEASE_NOTES_FILE) {
        Ok(Some(rel)) => super::release_notes::read(folder.read_text(rel), rel, &mut notes),
        _ => Vec::new(),
    };
    let resources = connector_resources(&folder.connector_files, &mut notes);
    let listed: Vec<String> = data
        .get(DATA_CONNECTORS)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| s.replace('\\', "/"))
                .collect()
        })
        .unwrap_or_default();
    let connectors = link(&resources, &listed, &data_file, &mut notes);
    let content = super::content::from_folder(folder, &data_file, &data, &mut notes);
    // Watchlists are read as files with the other content (`from_folder`).
    if data
        .get("Playbooks")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        notes.add(NoteKind::Unsupported, &data_file, "$.Playbooks", "playbooks are not imported from a solution folder (import the package to carry them verbatim)");
    }
    let m = |k: &str| metadata.get(k).and_then(Value::as_str).map(str::to_string);
    let raw = RawSolution {
        name: text("Name").unwrap_or_else(|| folder.name.clone()),
        author: text("Author").unwrap_or_default(),
        description: text("Description"),
        logo: text("Logo"),
        version: text("Version"),
        publisher_id: m("publisherId"),
        offer_id: m("offerId"),
        first_publish_date: m("firstPublishDate"),
        last_publish_date: m("lastPublishDate"),
        providers: crate::json_get::strings(&metadata, "providers"),
        categories: metadata.get("categories").cloned(),
        support: metadata.get("support").cloned(),
        connectors,
        extra: Default::default(),
        metadata_file,
        name_source: (data_file.clone(), "$.Name".to_string()),
        release_notes,
        content,
    };
    Ok((raw, notes))
}

/// `Data/Solution_*.json`: the one whose `Name` is the folder name, else the first.
fn data_file(folder: &SolutionFolder, notes: &mut Notes) -> (String, Value) {
    let mut found: Vec<(String, Value)> = Vec::new();
    for f in &folder.data_files {
        match &f.json {
            Ok(v) if v.get("Name").is_some() => found.push((f.rel.clone(), v.clone())),
            Ok(_) => notes.add(
                NoteKind::Ignored,
                &f.rel,
                "$",
                "not a data input file (no `Name`)",
            ),
            Err(e) => notes.add(NoteKind::Ignored, &f.rel, "$", format!("not JSON: {e}")),
        }
    }
    if found.is_empty() {
        notes.add(
            NoteKind::Unsupported,
            "Data/Solution_*.json",
            "$",
            "no data input file: name, author, logo, description and version come from defaults",
        );
        return (
            "Data/Solution_*.json".to_string(),
            Value::Object(Default::default()),
        );
    }
    let pick = found
        .iter()
        .position(|(_, v)| v.get("Name").and_then(Value::as_str) == Some(folder.name.as_str()))
        .unwrap_or(0);
    found.swap_remove(pick)
}

/// Every CCF resource of the connector files ([`crate::scan::kind::resources`]).
fn connector_resources(files: &[JsonFile], notes: &mut Notes) -> Vec<Res> {
    let mut out = Vec::new();
    for file in files {
        if let Err(e) = &file.json {
            notes.add(
                NoteKind::Ignored,
                &file.rel,
                "$",
                format!("not JSON ({e}); skipped (the official packager stops here)"),
            );
            continue;
        }
        for (path, found) in file.resources() {
            out.push(Res {
                file: file.rel.clone(),
                path: super::note_path(&path),
                value: found.value.clone(),
            });
        }
    }
    out
}

fn kind_is(r: &Res, kind: Kind) -> bool {
    Kind::of(&r.value) == Some(kind)
}

/// The folder of a connector file below `Data Connectors/` (its name compared ignoring case).
fn folder_of(file: &str) -> Option<String> {
    let (top, rest) = file.split_once('/')?;
    if !top.eq_ignore_ascii_case(DATA_CONNECTORS) {
        return None;
    }
    let (folder, _) = rest.rsplit_once('/')?;
    Some(folder.to_string())
}

/// Definition → Push instance (by `connectorDefinitionName`) → DCR (whose first flow reads
/// the instance's stream, as the packager links them; else any DCR declaring it) → tables
/// (by output stream). DCRs no definition claims become connectors of their own, so a folder
/// holding only a DCR and tables still imports (with a default connector page).
fn link(
    resources: &[Res],
    listed: &[String],
    data_file: &str,
    notes: &mut Notes,
) -> Vec<RawConnector> {
    let mut definitions: Vec<&Res> = resources
        .iter()
        .filter(|r| kind_is(r, Kind::Definition))
        .collect();
    // Listed definitions first, in the data file's order; then the ones it forgot.
    definitions.sort_by_key(|d| {
        listed
            .iter()
            .position(|l| *l == d.file)
            .unwrap_or(usize::MAX)
    });
    for l in listed {
        if !definitions.iter().any(|d| d.file == *l) && !resources.iter().any(|r| r.file == *l) {
            notes.add(
                NoteKind::Ignored,
                data_file,
                "$.Data Connectors",
                format!("`{l}` is listed but was not found (or is not a CCF definition)"),
            );
        }
    }
    let instances: Vec<&Res> = resources
        .iter()
        .filter(|r| kind_is(r, Kind::DataConnector))
        .collect();
    let dcrs: Vec<&Res> = resources.iter().filter(|r| kind_is(r, Kind::Dcr)).collect();
    let tables: Vec<&Res> = resources
        .iter()
        .filter(|r| kind_is(r, Kind::Table))
        .collect();
    let mut used_dcrs: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for def in definitions {
        let id = def
            .value
            .pointer("/properties/connectorUiConfig/id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mine: Vec<&Res> = instances
            .iter()
            .copied()
            .filter(|i| {
                i.value
                    .pointer("/properties/connectorDefinitionName")
                    .and_then(Value::as_str)
                    == Some(id)
            })
            .collect();
        let push: Vec<Res> = mine
            .iter()
            .filter(|i| i.value.get("kind").and_then(Value::as_str) == Some("Push"))
            .map(|r| (*r).clone())
            .collect();
        if push.is_empty() && !mine.is_empty() {
            notes.add(
                NoteKind::Ignored,
                &def.file,
                &def.path,
                format!(
                    "`{id}` is not a Push connector (its data connector is of kind {})",
                    mine[0].value.get("kind").unwrap_or(&Value::Null)
                ),
            );
            continue;
        }
        if !listed.is_empty() && !listed.contains(&def.file) {
            notes.add(
                NoteKind::Ignored,
                data_file,
                "$.Data Connectors",
                format!("`{}` is not listed; imported anyway", def.file),
            );
        }
        let stream = push
            .first()
            .and_then(|p| p.value.pointer("/properties/dcrConfig/streamName"))
            .and_then(Value::as_str);
        // The packager's rule (first flow's first stream), preferring the definition's folder
        // when several DCRs match (two connector versions side by side); else any DCR that
        // declares the stream.
        let def_folder = folder_of(&def.file);
        let first_flow = |d: &Res| {
            d.value
                .pointer("/properties/dataFlows/0/streams/0")
                .and_then(Value::as_str)
                == stream
        };
        let declares = |d: &Res| {
            stream.is_some_and(|s| {
                d.value
                    .pointer("/properties/streamDeclarations")
                    .and_then(|sd| sd.get(s))
                    .is_some()
            })
        };
        let same_folder = |d: &Res| folder_of(&d.file) == def_folder;
        let dcr_index = stream.and_then(|_| {
            dcrs.iter()
                .position(|d| first_flow(d) && same_folder(d))
                .or_else(|| dcrs.iter().position(|d| first_flow(d)))
                .or_else(|| dcrs.iter().position(|d| declares(d) && same_folder(d)))
                .or_else(|| dcrs.iter().position(|d| declares(d)))
        });
        if let Some(i) = dcr_index {
            used_dcrs.push(i);
        }
        let dcr = dcr_index.map(|i| dcrs[i].clone());
        let folder = folder_of(&def.file);
        let connector = raw_connector(def.clone(), push, dcr, &tables, folder, notes);
        out.push(connector);
    }
    for (i, dcr) in dcrs.iter().enumerate() {
        if used_dcrs.contains(&i) {
            continue;
        }
        let folder = folder_of(&dcr.file);
        let id: String = folder
            .clone()
            .unwrap_or_else(|| "Imported".into())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        notes.add(NoteKind::Unsupported, &dcr.file, &dcr.path, "no Push connector definition reads this DCR; imported with ccfgen's default connector page and Push instance");
        let def = Res {
            file: format!(
                "{DATA_CONNECTORS}/{}/connectorDefinition.json",
                folder.clone().unwrap_or_default()
            ),
            path: "$".into(),
            value: serde_json::json!({ "name": id, "properties": { "connectorUiConfig": { "id": id } } }),
        };
        let mut connector = raw_connector(
            def,
            Vec::new(),
            Some((*dcr).clone()),
            &tables,
            folder,
            notes,
        );
        connector.synthetic = true;
        out.push(connector);
    }
    out
}

fn raw_connector(
    definition: Res,
    instances: Vec<Res>,
    dcr: Option<Res>,
    tables: &[&Res],
    folder: Option<String>,
    notes: &mut Notes,
) -> RawConnector {
    let mut mine = Vec::new();
    if let Some(dcr) = &dcr {
        for flow in dcr
            .value
            .pointer("/properties/dataFlows")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(table) = flow
                .get("outputStream")
                .and_then(Value::as_str)
                .and_then(|o| o.strip_prefix("Custom-"))
            else {
                continue;
            };
            if let Some(t) = tables
                .iter()
                .find(|t| t.value.get("name").and_then(Value::as_str) == Some(table))
                && !mine
                    .iter()
                    .any(|m: &Res| m.file == t.file && m.path == t.path)
            {
                mine.push((*t).clone());
            }
        }
    }
    // In the order the tables were read (files, then a JSON array's order): the import keeps
    // that order where tables share a file.
    mine.sort_by_key(|m: &Res| {
        tables
            .iter()
            .position(|t| t.file == m.file && t.path == m.path)
            .unwrap_or(usize::MAX)
    });
    for r in instances.iter().chain(dcr.iter()).chain(mine.iter()) {
        if folder_of(&r.file) != folder {
            notes.add(NoteKind::Unsupported, &r.file, &r.path, format!("outside the definition's folder {folder:?}; ccfgen writes a connector's files in one folder"));
        }
    }
    RawConnector {
        folder,
        definition,
        instances,
        dcr,
        tables: mine,
        version: None,
        synthetic: false,
    }
}
