//! Solution content on import: the analytic rules, hunting queries, workbooks, parsers and
//! watchlists a solution folder's data file lists are read as the native files they are (the same model
//! `build` reads, [`crate::content`]) and written beside the spec; `ccfgen import` of a
//! package rebuilds those files from the packaged resources ([`super::package`]).

use serde_json::{Map, Value};

use super::{NoteKind, Notes};
use crate::content::{Content, Section, WORKBOOKS_METADATA};
use crate::scan::SolutionFolder;

/// The content a solution folder's data file lists, read from the folder.
pub fn from_folder(
    folder: &SolutionFolder,
    data_file: &str,
    data: &Value,
    notes: &mut Notes,
) -> Content {
    let mut files = Vec::new();
    let mut order = Vec::new();
    if let Some(obj) = data.as_object() {
        for (key, value) in obj {
            let Some(section) = Section::from_key(key) else {
                continue;
            };
            let Some(list) = value.as_array() else {
                continue;
            };
            if section == Section::DataConnectors {
                order.push(section);
                continue;
            }
            if !list.is_empty() && !order.contains(&section) {
                order.push(section);
            }
            for (i, item) in list.iter().enumerate() {
                let path = format!("$.{key}[{i}]");
                let Some(rel) = item.as_str() else {
                    notes.add(NoteKind::Unsupported, data_file, &path, "not a file path");
                    continue;
                };
                let rel = strip_solution_prefix(&rel.replace('\\', "/"), &folder.name);
                match folder.find(&rel) {
                    Ok(Some(found)) => match folder.read_text(found) {
                        Ok(text) => files.push((section, found.to_string(), text)),
                        Err(e) => notes.add(
                            NoteKind::NotRead,
                            found,
                            "$",
                            format!("cannot read it: {e}"),
                        ),
                    },
                    Ok(None) => notes.add(
                        NoteKind::Unsupported,
                        data_file,
                        &path,
                        format!("`{rel}` is not in the solution folder"),
                    ),
                    Err(e) => notes.add(NoteKind::Unsupported, data_file, &path, e.to_string()),
                }
            }
        }
    }
    let metadata = if files.iter().any(|(s, _, _)| *s == Section::Workbooks) {
        match folder.find(WORKBOOKS_METADATA) {
            Ok(Some(found)) => folder.read_text(found).ok().map(|t| (found.to_string(), t)),
            _ => package_workbooks_metadata(folder).map(|t| (WORKBOOKS_METADATA.to_string(), t)),
        }
    } else {
        None
    };
    if metadata.is_none() && files.iter().any(|(s, _, _)| *s == Section::Workbooks) {
        notes.add(
            NoteKind::Unsupported,
            data_file,
            "$.Workbooks",
            format!("the workbook metadata (title, description, version, dependencies) lives in the repo's `Workbooks/WorkbooksMetadata.json`, which is not in the folder and no package holds it: write `{WORKBOOKS_METADATA}` beside the spec"),
        );
    }
    let (mut content, problems) = crate::content::from_texts(files, metadata);
    for p in problems {
        let file = p.file.clone().unwrap_or_else(|| data_file.to_string());
        notes.add(NoteKind::Unsupported, &file, "$", p.message);
    }
    content.order = order;
    let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_string);
    content.workbooks_blade_description = text("WorkbookBladeDescription");
    content.analytic_rules_blade_description = text("AnalyticalRuleBladeDescription");
    content.hunting_queries_blade_description = text("HuntingQueryBladeDescription");
    content.watchlist_description = text("WatchlistDescription");
    content
}

/// A data file path as the packager reads it: `Solutions/` and `<Name>/` prefixes removed.
fn strip_solution_prefix(rel: &str, name: &str) -> String {
    let rel = rel.strip_prefix("Solutions/").unwrap_or(rel);
    rel.strip_prefix(&format!("{name}/"))
        .unwrap_or(rel)
        .to_string()
}

/// The workbooks metadata entries a committed `Package/mainTemplate.json` of the folder holds,
/// as a metadata file's text.
fn package_workbooks_metadata(folder: &SolutionFolder) -> Option<String> {
    let rel = folder
        .find(&format!(
            "{}/{}",
            crate::scan::PACKAGE,
            crate::scan::MAIN_TEMPLATE
        ))
        .ok()??;
    let template = folder.read_json(rel).ok()?;
    let entries = workbook_entries(&template);
    (!entries.is_empty()).then(|| {
        crate::package::json::to_text(&Value::Array(
            entries.into_iter().map(Value::Object).collect(),
        ))
    })
}

/// The workbooks metadata entries of a packaged mainTemplate, one per workbook content
/// template: from the official packager's `@{…}.description` text when it is there (the
/// entry's members in their order; lists show as `System.Object[]` and are filled from the
/// metadata's dependencies), else from the workbook's title parameter, description and
/// dependencies.
pub fn workbook_entries(template: &Value) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    let resources = template
        .get("resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for r in &resources {
        let Some(inner) = r
            .pointer("/properties/mainTemplate/resources")
            .and_then(Value::as_array)
        else {
            continue;
        };
        if r.pointer("/properties/contentKind").and_then(Value::as_str) != Some("Workbook") {
            continue;
        }
        let workbook = inner
            .iter()
            .find(|x| x["type"] == "Microsoft.Insights/workbooks");
        let metadata = inner.iter().find(|x| x["properties"]["kind"] == "Workbook");
        let (Some(workbook), Some(metadata)) = (workbook, metadata) else {
            continue;
        };
        let key = r
            .pointer("/properties/description")
            .and_then(Value::as_str)
            .and_then(|d| d.split(" Workbook with template version ").next())
            .unwrap_or_default()
            .to_string();
        let variables = template.get("variables").cloned().unwrap_or_default();
        let var_of = |expr: &str| -> Option<Value> {
            let name = expr.strip_prefix("[variables('")?.strip_suffix("')]")?;
            variables.get(name).cloned()
        };
        let param_default = |expr: &str| -> Option<Value> {
            let name = expr.strip_prefix("[parameters('")?.strip_suffix("')]")?;
            template
                .pointer(&format!("/parameters/{name}/defaultValue"))
                .cloned()
        };
        let mut types = Vec::new();
        let mut connectors = Vec::new();
        if let Some(criteria) = metadata
            .pointer("/properties/dependencies/criteria")
            .and_then(Value::as_array)
        {
            for c in criteria {
                let id = c["contentId"].clone();
                match c["kind"].as_str() {
                    Some("DataType") => types.push(id),
                    Some("DataConnector") => connectors.push(id),
                    _ => {}
                }
            }
        }
        let description_text = metadata["properties"]["description"]
            .as_str()
            .unwrap_or_default();
        let mut entry = match parse_ps_object(description_text) {
            Some(entry) => entry,
            None => {
                let mut e = Map::new();
                let content_id = workbook["name"]
                    .as_str()
                    .and_then(var_of)
                    .unwrap_or_default();
                e.insert("workbookKey".into(), content_id);
                e.insert(
                    "description".into(),
                    workbook
                        .pointer("/metadata/description")
                        .cloned()
                        .unwrap_or(Value::String(String::new())),
                );
                e.insert("dataTypesDependencies".into(), Value::Null);
                e.insert("dataConnectorsDependencies".into(), Value::Null);
                let version = metadata["properties"]["version"]
                    .as_str()
                    .and_then(var_of)
                    .unwrap_or_default();
                e.insert("version".into(), version);
                let title = workbook
                    .pointer("/properties/displayName")
                    .and_then(Value::as_str)
                    .and_then(param_default)
                    .unwrap_or_default();
                e.insert("title".into(), title);
                e.insert(
                    "templateRelativePath".into(),
                    Value::String(format!("{key}.json")),
                );
                e
            }
        };
        for (k, list) in [
            ("dataTypesDependencies", types),
            ("dataConnectorsDependencies", connectors),
        ] {
            if entry.contains_key(k) {
                entry.insert(k.into(), Value::Array(list));
            }
        }
        if entry.get("previewImagesFileNames").is_some() {
            entry.insert("previewImagesFileNames".into(), Value::Array(Vec::new()));
        }
        for k in ["previewImages", "previewImagesDark"] {
            if let Some(v) = metadata["properties"].get(k) {
                entry.insert(k.into(), v.clone());
            }
        }
        out.push(entry);
    }
    out
}

/// `@{a=x; b=System.Object[]; c=}.description` → `{a: "x", b: [], c: ""}` (members in order).
fn parse_ps_object(text: &str) -> Option<Map<String, Value>> {
    let body = text.strip_prefix("@{")?.strip_suffix("}.description")?;
    let mut out = Map::new();
    // Split at `; ` followed by a member name and `=` (values may hold `; `).
    let mut parts: Vec<String> = Vec::new();
    for piece in body.split("; ") {
        let starts_member = piece.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        match parts.last_mut() {
            Some(last) if !starts_member => {
                last.push_str("; ");
                last.push_str(piece);
            }
            _ => parts.push(piece.to_string()),
        }
    }
    for part in parts {
        let (k, v) = part.split_once('=')?;
        let value = if v == "System.Object[]" {
            Value::Array(Vec::new())
        } else {
            Value::String(v.to_string())
        };
        out.insert(k.to_string(), value);
    }
    Some(out)
}

/// `extra` without the parts that `content` packages natively: the content templates of the
/// kinds it has (and a parser's top-level saved search and metadata), their variables,
/// parameters, `contentPackages` criteria and install wizard steps. What is left is what
/// ccfgen still carries verbatim (legacy connectors, playbooks, watchlists).
pub fn without_content(
    extra: &crate::extra_content::ExtraContent,
    content: &Content,
) -> crate::extra_content::ExtraContent {
    let kinds: Vec<(&str, &str, &str)> = [
        (
            !content.analytic_rules.is_empty(),
            "AnalyticsRule",
            "analytics",
        ),
        (
            !content.hunting_queries.is_empty(),
            "HuntingQuery",
            "huntingqueries",
        ),
        (!content.workbooks.is_empty(), "Workbook", "workbooks"),
        (!content.parsers.is_empty(), "Parser", "parsers"),
        (!content.watchlists.is_empty(), "Watchlist", "watchlists"),
    ]
    .into_iter()
    .filter(|(has, _, _)| *has)
    .map(|(_, kind, step)| (kind, kind, step))
    .collect();
    let has = |kind: &str| kinds.iter().any(|(k, _, _)| *k == kind);
    let keep_resource = |r: &Value| {
        let kind = r
            .pointer("/properties/contentKind")
            .or_else(|| r.pointer("/properties/kind"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let parser_search = has("Parser")
            && r["type"] == "Microsoft.OperationalInsights/workspaces/savedSearches"
            && r.pointer("/properties/category").is_some();
        let watchlist = has("Watchlist")
            && r["type"]
                .as_str()
                .is_some_and(|t| t.to_ascii_lowercase().ends_with("/providers/watchlists"));
        !(has(kind) || parser_search || watchlist)
    };
    let keep_variable = |name: &str| {
        let owned = |prefixes: &[&str]| prefixes.iter().any(|p| name.starts_with(p));
        !((has("AnalyticsRule")
            && (owned(&["analyticRuleObject"]) || name == "TemplateEmptyArray"))
            || (has("HuntingQuery") && owned(&["huntingQueryObject"]))
            || (has("Parser") && owned(&["parserObject"]))
            || (has("Workbook")
                && (owned(&["workbook", "_workbook"])
                    || name == "workspaceResourceId"
                    || name == "TemplateEmptyObject"))
            || content
                .watchlists
                .iter()
                .any(|w| name == w.display_name || name == format!("_{}", w.display_name)))
    };
    let watchlist_parameter = |name: &str| {
        has("Watchlist")
            && name
                .strip_prefix("watchlist")
                .and_then(|n| n.strip_suffix("-id"))
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    let block = |b: &crate::extra_content::ContentBlock| crate::extra_content::ContentBlock {
        parameters: b
            .parameters
            .iter()
            .filter(|(k, _)| {
                !(has("Workbook") && k.starts_with("workbook") && k.ends_with("-name")
                    || watchlist_parameter(k))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        variables: b
            .variables
            .iter()
            .filter(|(k, _)| keep_variable(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        resources: b
            .resources
            .iter()
            .filter(|r| keep_resource(r))
            .cloned()
            .collect(),
        criteria: b
            .criteria
            .iter()
            .filter(|c| !has(c["kind"].as_str().unwrap_or_default()))
            .cloned()
            .collect(),
        ui_elements: b.ui_elements.clone(),
    };
    crate::extra_content::ExtraContent {
        before: block(&extra.before),
        after: block(&extra.after),
        ui_steps: extra
            .ui_steps
            .iter()
            .filter(|s| {
                let name = s["name"].as_str().unwrap_or_default();
                !kinds.iter().any(|(_, _, step)| *step == name)
            })
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packagers_entry_text_parses_back() {
        let m = parse_ps_object("@{workbookKey=K; description=A; b.; dataTypesDependencies=System.Object[]; subtitle=; provider=P}.description").unwrap();
        assert_eq!(m["workbookKey"], "K");
        assert_eq!(m["description"], "A; b.");
        assert_eq!(m["dataTypesDependencies"], Value::Array(Vec::new()));
        assert_eq!(m["subtitle"], "");
        assert_eq!(
            crate::content::ps_object_text(&m),
            "@{workbookKey=K; description=A; b.; dataTypesDependencies=System.Object[]; subtitle=; provider=P}"
        );
    }
}
