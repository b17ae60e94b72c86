//! The content of a package as native files: each analytic rule, hunting query, parser and
//! workbook content template of a packaged `mainTemplate.json`, and each watchlist resource, is
//! turned back into the file the official packager made it from (`Analytic Rules/*.yaml`,
//! `Hunting Queries/*.yaml`, `Parsers/*.yaml`, `Workbooks/*.json` with its entry of
//! `Workbooks/WorkbooksMetadata.json`, `Watchlists/<alias>.json`),
//! by inverting the rules of `crate::package::main_template` (docs/package.md, "What import
//! reconstructs"). The files are then read by the same loader `build` uses
//! ([`crate::content::from_texts`]).
//!
//! The file name comes from the content template's `description`
//! (`<file>_AnalyticalRules Analytics Rule with template version …`) or a watchlist's
//! `watchlistAlias`; a name the path rules
//! ([`crate::safe_path`]) refuse stops the import, naming the JSON path. A template that is not
//! in the packager's form leaves its whole kind verbatim in `extra-content.json`, with a note.

use serde_json::{Map, Value, json};

use super::{ImportError, NoteKind, Notes};
use crate::content::{Content, Section, WORKBOOKS_METADATA};

const MT: &str = "mainTemplate.json";

/// Content template description suffixes: the file base name comes before them.
const RULE_SUFFIX: &str = "_AnalyticalRules Analytics Rule with template version ";
const HUNTING_SUFFIX: &str = "_HuntingQueries Hunting Query with template version ";
const PARSER_SUFFIX: &str = " Data Parser with template version ";
const WORKBOOK_SUFFIX: &str = " Workbook with template version ";

/// The members of an `AlertRuleTemplates` resource's properties the packager writes.
const RULE_MEMBERS: &[&str] = &[
    "description",
    "displayName",
    "enabled",
    "query",
    "queryFrequency",
    "queryPeriod",
    "severity",
    "suppressionDuration",
    "suppressionEnabled",
    "triggerOperator",
    "triggerThreshold",
    "status",
    "requiredDataConnectors",
    "tactics",
    "subTechniques",
    "techniques",
];

/// The content sections of a content template's `contentKind`.
pub fn section_of(kind: &str) -> Option<Section> {
    match kind {
        "AnalyticsRule" => Some(Section::AnalyticRules),
        "HuntingQuery" => Some(Section::HuntingQueries),
        "Parser" => Some(Section::Parsers),
        "Workbook" => Some(Section::Workbooks),
        "DataConnector" | "ResourcesDataConnector" => Some(Section::DataConnectors),
        _ => None,
    }
}

/// One content item rebuilt: its section, the package JSON path of its content template,
/// its file (relative to the spec's folder) and the file's text.
struct Item {
    section: Section,
    path: String,
    file: String,
    text: String,
}

/// The content a package's templates hold, as native files. Kinds whose templates are not
/// in the packager's form are left out (a note names each); a file name the path rules refuse
/// is an error.
pub fn reconstruct(
    template: &Value,
    ui: Option<&Value>,
    notes: &mut Notes,
) -> Result<Content, ImportError> {
    let vars = crate::json_get::obj(&template, "variables");
    let resources = crate::json_get::arr(&template, "resources");
    let mut items: Vec<Item> = Vec::new();
    let mut failed: Vec<Section> = Vec::new();
    let mut order: Vec<Section> = Vec::new();
    let mut workbook_index = 0;
    let mut hunting_index = 0;
    let entries = super::content::workbook_entries(template);
    let mut entries_out: Vec<Value> = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        let is_template = r
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.ends_with("/contentTemplates"));
        let Some(section) = r
            .pointer("/properties/contentKind")
            .and_then(Value::as_str)
            .filter(|_| is_template)
            .and_then(section_of)
            .or_else(|| is_watchlist(r).then_some(Section::Watchlists))
        else {
            continue;
        };
        if !order.contains(&section) {
            order.push(section);
        }
        let path = format!("$.resources[{i}]");
        let result = match section {
            Section::DataConnectors => continue,
            Section::Watchlists => watchlist(r),
            Section::AnalyticRules => analytic_rule(r, &vars),
            Section::HuntingQueries => {
                hunting_index += 1;
                hunting_query(r, &vars, ui_text(ui, hunting_index).as_deref())
            }
            Section::Parsers => parser(r, &vars),
            Section::Workbooks => {
                let entry = entries.get(workbook_index).cloned();
                workbook_index += 1;
                workbook(r, entry).map(|(base, doc, entry)| {
                    entries_out.push(Value::Object(entry));
                    (base, doc)
                })
            }
        };
        let (base, text) = match result {
            Ok(found) => found,
            Err(why) => {
                notes.add(
                    NoteKind::Verbatim,
                    MT,
                    &path,
                    format!(
                        "not in the official packager's form ({why}): every {} stays verbatim in {}",
                        noun(section),
                        super::EXTRA_CONTENT_FILE
                    ),
                );
                if !failed.contains(&section) {
                    failed.push(section);
                }
                continue;
            }
        };
        let name = format!("{base}.{}", section.extension());
        // The member the file name comes from.
        let named_by = if section == Section::Watchlists {
            "properties.watchlistAlias"
        } else {
            "properties.description"
        };
        if let Err(e) = crate::safe_path::check_name(&name) {
            return Err(ImportError::unsafe_path(
                MT,
                &format!("{path}.{named_by}"),
                e,
            ));
        }
        let file = format!("{}/{name}", section.key());
        if let Some(other) = items
            .iter()
            .find(|x| x.file.eq_ignore_ascii_case(&file) || same_workbook_file(&x.file, &file))
        {
            return Err(ImportError::UnsafeInput {
                file: MT.into(),
                path: format!("{path}.{named_by}"),
                message: format!(
                    "names the file `{file}`, as {} does",
                    other.path
                ),
                hint: "two content items would be written to one file (names that differ only in case are one file on Windows and macOS): rename one in the package".into(),
            });
        }
        items.push(Item {
            section,
            path,
            file,
            text,
        });
    }
    items.retain(|x| !failed.contains(&x.section));
    let metadata = (!entries_out.is_empty() && !failed.contains(&Section::Workbooks)).then(|| {
        (
            WORKBOOKS_METADATA.to_string(),
            crate::package::json::to_text(&Value::Array(entries_out)),
        )
    });
    let paths: Vec<(String, String)> = items
        .iter()
        .map(|x| (x.file.clone(), x.path.clone()))
        .collect();
    let files = items
        .into_iter()
        .map(|x| (x.section, x.file, x.text))
        .collect();
    let (mut content, problems) = crate::content::from_texts(files, metadata);
    for p in problems {
        // The rebuilt file does not read back: its kind stays verbatim.
        let file = p.file.unwrap_or_default();
        let path = paths
            .iter()
            .find(|(f, _)| *f == file)
            .map_or("$.resources".to_string(), |(_, p)| p.clone());
        notes.add(
            NoteKind::Verbatim,
            MT,
            &path,
            format!(
                "the rebuilt `{file}` does not read back ({}): its kind stays verbatim in {}",
                p.message,
                super::EXTRA_CONTENT_FILE
            ),
        );
        let section = crate::content::Section::ALL
            .into_iter()
            .find(|s| file.starts_with(&format!("{}/", s.key())));
        match section {
            Some(Section::AnalyticRules) => content.analytic_rules.clear(),
            Some(Section::HuntingQueries) => content.hunting_queries.clear(),
            Some(Section::Parsers) => content.parsers.clear(),
            Some(Section::Watchlists) => content.watchlists.clear(),
            _ => content.workbooks.clear(),
        }
    }
    content.order = order;
    if let Some(ui) = ui {
        let text = |step: &str| -> Option<String> {
            let steps = ui.pointer("/parameters/steps")?.as_array()?;
            let s = steps.iter().find(|s| s["name"] == step)?;
            let elements = s.get("elements")?.as_array()?;
            let e = elements
                .iter()
                .find(|e| e["name"] == format!("{step}-text").as_str())?;
            e.pointer("/options/text")?.as_str().map(str::to_string)
        };
        use crate::package::ui_definition as ud;
        content.analytic_rules_blade_description =
            text("analytics").filter(|t| t != ud::ANALYTICS_BLADE_DEFAULT);
        content.hunting_queries_blade_description =
            text("huntingqueries").filter(|t| t != ud::HUNTING_BLADE_DEFAULT);
        content.workbooks_blade_description =
            text("workbooks").filter(|t| t != ud::WORKBOOKS_BLADE_DEFAULT);
        content.watchlist_description = watchlist_description(ui, &content.watchlists);
    }
    Ok(content)
}

/// `WatchlistDescription` from the install wizard: the text every `watchlist<n>-text` shows,
/// when it is one text and not each watchlist's own description.
fn watchlist_description(ui: &Value, watchlists: &[crate::content::Watchlist]) -> Option<String> {
    let steps = ui.pointer("/parameters/steps")?.as_array()?;
    let step = steps.iter().find(|s| s["name"] == "watchlists")?;
    let elements = step.get("elements")?.as_array()?;
    let mut texts = Vec::new();
    for n in 1..=watchlists.len() {
        let section = elements
            .iter()
            .find(|e| e["name"] == format!("watchlist{n}").as_str())?;
        let text = section.pointer("/elements/0/options/text")?.as_str()?;
        texts.push(text);
    }
    let first = *texts.first()?;
    let shared = texts.iter().all(|t| *t == first);
    let own = watchlists
        .iter()
        .zip(&texts)
        .all(|(w, t)| w.description.as_deref() == Some(*t));
    (shared && !own).then(|| first.to_string())
}

/// Whether a resource is a watchlist (`…/providers/Watchlists`).
fn is_watchlist(r: &Value) -> bool {
    r.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.to_ascii_lowercase().ends_with("/providers/watchlists"))
}

/// A packaged watchlist back in the repo's watchlist format: an ARM template whose only
/// resource is the packaged one, named after its alias (the packager replaces the name with
/// the `watchlistN-id` parameter, so the file's own name is not in the package). The file is
/// named `<watchlistAlias>.json`.
fn watchlist(r: &Value) -> Result<(String, String), String> {
    let mut resource = r.as_object().cloned().ok_or("not an object")?;
    let alias = r
        .pointer("/properties/watchlistAlias")
        .and_then(Value::as_str)
        .filter(|a| !a.trim().is_empty())
        .ok_or("no `properties.watchlistAlias`")?
        .to_string();
    let name = json!(format!(
        "[concat(parameters('workspaceName'), '/Microsoft.SecurityInsights/{alias}')]"
    ));
    match resource.get_mut("name") {
        Some(v) => *v = name,
        None => return Err("no `name`".into()),
    }
    let doc = json!({
        "$schema": crate::package::main_template::TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": { "workspaceName": { "type": "string" } },
        "resources": [Value::Object(resource)],
    });
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok((alias, text))
}

/// The install wizard's text of hunting query `n` (`huntingquery<n>-text`), if any.
fn ui_text(ui: Option<&Value>, n: usize) -> Option<String> {
    let steps = ui?.pointer("/parameters/steps")?.as_array()?;
    let step = steps.iter().find(|s| s["name"] == "huntingqueries")?;
    let section = step
        .get("elements")?
        .as_array()?
        .iter()
        .find(|e| e["name"] == format!("huntingquery{n}").as_str())?;
    let text = section
        .get("elements")?
        .as_array()?
        .iter()
        .find(|e| e["name"] == format!("huntingquery{n}-text").as_str())?;
    text.pointer("/options/text")?.as_str().map(str::to_string)
}

/// A hunting query's `requiredDataConnectors` from its install wizard text (`… This hunting
/// query depends on <ids> data connector (<types> Parser or Table)`), the only place the
/// package keeps them. Ids and types are joined with spaces there, so which connector writes
/// which type is lost: every type is given to the first connector (which prints the same
/// text).
pub fn hunting_connectors(ui_text: &str) -> Option<Value> {
    let (_, dependency) = ui_text.rsplit_once("This hunting query depends on ")?;
    let (ids, rest) = dependency.split_once(" data connector (")?;
    let types = rest.strip_suffix(" Parser or Table)")?;
    let types: Vec<&str> = types.split(' ').filter(|t| !t.is_empty()).collect();
    let list: Vec<Value> = ids
        .split(' ')
        .filter(|i| !i.is_empty())
        .enumerate()
        .map(|(i, id)| {
            let t: &[&str] = if i == 0 { &types } else { &[] };
            json!({"connectorId": id, "dataTypes": t})
        })
        .collect();
    Some(Value::Array(list))
}

/// Two workbook files with one key (the packager's key ignores `#?{[()]}` and case).
fn same_workbook_file(a: &str, b: &str) -> bool {
    let wb = |f: &str| f.starts_with("Workbooks/");
    wb(a) && wb(b) && crate::content::file_key(a).eq_ignore_ascii_case(&crate::content::file_key(b))
}

fn noun(section: Section) -> &'static str {
    match section {
        Section::AnalyticRules => "analytic rule",
        Section::HuntingQueries => "hunting query",
        Section::Parsers => "parser",
        Section::Workbooks => "workbook",
        Section::DataConnectors => "data connector",
        Section::Watchlists => "watchlist",
    }
}

/// The value of `[variables('x')]` or `[variables('x').member]`.
fn resolve<'a>(vars: &'a Map<String, Value>, expr: &str) -> Option<&'a Value> {
    let inner = expr.strip_prefix("[variables('")?;
    let (name, rest) = inner.split_once("')")?;
    let value = vars.get(name)?;
    match rest {
        "]" => Some(value),
        rest => value.get(rest.strip_prefix('.')?.strip_suffix(']')?),
    }
}

/// A variable reference as text.
fn resolve_text(vars: &Map<String, Value>, r: &Value, pointer: &str) -> Result<String, String> {
    let expr = r
        .pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no `{pointer}`"))?;
    resolve(vars, expr)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("`{pointer}` ({expr}) names no text variable"))
}

/// The file base name before `suffix` in the template's description.
fn base_name(r: &Value, suffix: &str) -> Result<String, String> {
    let description = r
        .pointer("/properties/description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match description.find(suffix) {
        Some(i) if i > 0 => Ok(description[..i].to_string()),
        _ => Err(format!(
            "its description is not `<file>{suffix}<version>`, so the file name is unknown"
        )),
    }
}

/// The one resource of `type` in a content template.
fn inner<'a>(r: &'a Value, ty: &str) -> Result<&'a Value, String> {
    let resources = r
        .pointer("/properties/mainTemplate/resources")
        .and_then(Value::as_array)
        .ok_or("no mainTemplate resources")?;
    let found: Vec<&Value> = resources
        .iter()
        .filter(|x| {
            x.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(ty))
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("no `{ty}` resource")),
        _ => Err(format!("more than one `{ty}` resource")),
    }
}

/// A description as the source file holds it: the repository writes rule descriptions as
/// `'…'` inside a block scalar, which the packager strips; text that itself starts with a
/// quote keeps it only inside such a pair.
fn quoted_description(text: &str) -> String {
    format!("'{text}'\n")
}

/// `PT1H` → `1h`, `P14D` → `14d` (the inverse of the packager's `checkISO8601Format`).
fn duration(iso: &str) -> Result<String, String> {
    let rest = iso
        .strip_prefix("PT")
        .or_else(|| iso.strip_prefix('P'))
        .filter(|r| !r.is_empty())
        .ok_or_else(|| format!("`{iso}` is not an ISO 8601 duration"))?;
    Ok(rest.to_lowercase())
}

/// `GreaterThan` → `gt`.
fn operator(long: &str) -> Result<&'static str, String> {
    match long {
        "GreaterThan" => Ok("gt"),
        "LessThan" => Ok("lt"),
        "Equal" => Ok("eq"),
        "NotEqual" => Ok("ne"),
        other => Err(format!(
            "trigger operator `{other}` is not one the packager writes"
        )),
    }
}

/// `relevantTechniques` from the packaged `techniques` and `subTechniques`: the packager
/// adds each sub-technique's parent to `techniques` and a plain technique only when it is not
/// there yet, so the first occurrence of a parent is the plain technique exactly when it occurs
/// once more than it has sub-techniques; every other occurrence is its next sub-technique.
pub fn relevant_techniques(techniques: &[String], sub: &[String]) -> Vec<String> {
    let parent = |s: &str| s.split('.').next().unwrap_or(s).to_string();
    let mut out = Vec::new();
    let mut used = vec![false; sub.len()];
    let mut seen: Vec<String> = Vec::new();
    for t in techniques {
        let occurrences = techniques.iter().filter(|x| *x == t).count();
        let subs = sub.iter().filter(|s| parent(s) == *t).count();
        let first = !seen.contains(t);
        seen.push(t.clone());
        if first && occurrences > subs {
            out.push(t.clone());
            continue;
        }
        match sub
            .iter()
            .enumerate()
            .find(|(i, s)| !used[*i] && parent(s) == *t)
        {
            Some((i, s)) => {
                used[i] = true;
                out.push(s.clone());
            }
            None => out.push(t.clone()),
        }
    }
    // Sub-techniques whose parent is not in `techniques` (not the packager's output).
    for (i, s) in sub.iter().enumerate() {
        if !used[i] {
            out.push(s.clone());
        }
    }
    out
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// An analytic rule template → (file base name, YAML text).
fn analytic_rule(r: &Value, vars: &Map<String, Value>) -> Result<(String, String), String> {
    let base = base_name(r, RULE_SUFFIX)?;
    let rule = inner(r, "Microsoft.SecurityInsights/AlertRuleTemplates")?;
    let props = rule
        .get("properties")
        .and_then(Value::as_object)
        .ok_or("the rule has no properties")?;
    let verbatim = crate::content::RULE_VERBATIM_MEMBERS;
    if let Some(k) = props
        .keys()
        .find(|k| !RULE_MEMBERS.contains(&k.as_str()) && !verbatim.contains(&k.as_str()))
    {
        return Err(format!("`{k}` is not a member the packager writes"));
    }
    let fixed = [
        ("enabled", json!(false)),
        ("suppressionDuration", json!("PT1H")),
        ("suppressionEnabled", json!(false)),
    ];
    for (k, v) in fixed {
        if props.get(k) != Some(&v) {
            return Err(format!("`{k}` is not the packager's {v}"));
        }
    }
    let id = resolve_text(vars, r, "/properties/contentId")?;
    let version = resolve_text(vars, r, "/properties/version")?;
    let kind = rule
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("the rule has no kind")?;
    let text = |k: &str| props.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut doc = Map::new();
    doc.insert("id".into(), json!(id));
    doc.insert("name".into(), json!(text("displayName")));
    doc.insert(
        "description".into(),
        json!(quoted_description(text("description"))),
    );
    doc.insert("severity".into(), json!(text("severity")));
    doc.insert("status".into(), json!(text("status")));
    let connectors = match props.get("requiredDataConnectors") {
        Some(Value::String(expr)) => match resolve(vars, expr) {
            Some(Value::String(e)) if e == "[json('[]')]" => json!([]),
            _ => return Err(format!("`requiredDataConnectors` is `{expr}`")),
        },
        Some(v @ Value::Array(_)) => v.clone(),
        _ => json!([]),
    };
    doc.insert("requiredDataConnectors".into(), connectors);
    if kind.eq_ignore_ascii_case("Scheduled") {
        doc.insert(
            "queryFrequency".into(),
            json!(duration(text("queryFrequency"))?),
        );
        doc.insert("queryPeriod".into(), json!(duration(text("queryPeriod"))?));
        doc.insert(
            "triggerOperator".into(),
            json!(operator(text("triggerOperator"))?),
        );
        doc.insert(
            "triggerThreshold".into(),
            props
                .get("triggerThreshold")
                .cloned()
                .unwrap_or(Value::Null),
        );
    }
    doc.insert("tactics".into(), json!(strings(props.get("tactics"))));
    doc.insert(
        "relevantTechniques".into(),
        json!(relevant_techniques(
            &strings(props.get("techniques")),
            &strings(props.get("subTechniques"))
        )),
    );
    doc.insert("query".into(), json!(text("query")));
    for (k, v) in props {
        if verbatim.contains(&k.as_str()) {
            doc.insert(k.clone(), v.clone());
        }
    }
    doc.insert("version".into(), json!(version));
    doc.insert("kind".into(), json!(kind));
    Ok((base, super::yaml_writer::to_yaml(&Value::Object(doc))))
}

/// A hunting query template → (file base name, YAML text).
fn hunting_query(
    r: &Value,
    vars: &Map<String, Value>,
    ui_text: Option<&str>,
) -> Result<(String, String), String> {
    let base = base_name(r, HUNTING_SUFFIX)?;
    let search = inner(r, "Microsoft.OperationalInsights/savedSearches")?;
    let props = search.get("properties").ok_or("no properties")?;
    let id = resolve_text(vars, r, "/properties/contentId")?;
    let version = resolve_text(vars, r, "/properties/mainTemplate/contentVersion")?;
    let text = |k: &str| props.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut description = None;
    let mut tactics = Vec::new();
    let mut techniques = Vec::new();
    for tag in props
        .get("tags")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let value = tag["value"].as_str().unwrap_or_default();
        let list = || -> Vec<String> { value.split(',').map(str::to_string).collect() };
        match tag["name"].as_str() {
            Some("description") => description = Some(value.to_string()),
            Some("tactics") => tactics = list(),
            Some("techniques") => techniques = list(),
            other => {
                return Err(format!(
                    "tag `{}` is not one the packager writes",
                    other.unwrap_or("?")
                ));
            }
        }
    }
    let mut doc = Map::new();
    doc.insert("id".into(), json!(id));
    doc.insert("name".into(), json!(text("displayName")));
    if let Some(d) = description {
        doc.insert("description".into(), json!(quoted_description(&d)));
    }
    // Only the install wizard's text carries a hunting query's required data connectors.
    let connectors = ui_text.and_then(hunting_connectors).unwrap_or(json!([]));
    doc.insert("requiredDataConnectors".into(), connectors);
    doc.insert("tactics".into(), json!(tactics));
    doc.insert("relevantTechniques".into(), json!(techniques));
    doc.insert("query".into(), json!(text("query")));
    doc.insert("version".into(), json!(version));
    Ok((base, super::yaml_writer::to_yaml(&Value::Object(doc))))
}

/// Splits `functionParameters` at the commas outside quotes, brackets and parentheses.
fn split_parameters(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A parser template → (file base name, YAML text).
fn parser(r: &Value, vars: &Map<String, Value>) -> Result<(String, String), String> {
    let base = base_name(r, PARSER_SUFFIX)?;
    let search = inner(r, "Microsoft.OperationalInsights/workspaces/savedSearches")?;
    let props = search.get("properties").ok_or("no properties")?;
    let version = resolve_text(vars, r, "/properties/version")?;
    let text = |k: &str| props.get(k).and_then(Value::as_str).unwrap_or_default();
    let name = text("functionAlias");
    let mut params = Vec::new();
    for p in split_parameters(text("functionParameters")) {
        let (name_type, default) = match p.split_once('=') {
            Some((a, d)) => (a, Some(d)),
            None => (p.as_str(), None),
        };
        let (pname, ptype) = name_type
            .split_once(':')
            .ok_or_else(|| format!("function parameter `{p}` is not `name:type`"))?;
        let mut entry = Map::new();
        entry.insert("Name".into(), json!(pname));
        entry.insert("Type".into(), json!(ptype));
        if let Some(d) = default {
            let d = if ptype.eq_ignore_ascii_case("string") {
                d.strip_prefix('\'')
                    .and_then(|d| d.strip_suffix('\''))
                    .ok_or_else(|| format!("string default `{d}` is not quoted"))?
            } else {
                d
            };
            entry.insert("Default".into(), json!(d));
        }
        params.push(Value::Object(entry));
    }
    let description = props
        .get("tags")
        .and_then(Value::as_array)
        .and_then(|tags| tags.iter().find(|t| t["name"] == "description"))
        .and_then(|t| t["value"].as_str())
        .unwrap_or_default();
    let mut doc = Map::new();
    doc.insert(
        "Function".into(),
        json!({"Title": text("displayName"), "Version": version}),
    );
    doc.insert("Category".into(), json!(text("category")));
    doc.insert("FunctionName".into(), json!(name));
    doc.insert("FunctionAlias".into(), json!(name));
    if !description.is_empty() {
        doc.insert("Description".into(), json!(description));
    }
    if !params.is_empty() {
        doc.insert("FunctionParams".into(), Value::Array(params));
    }
    doc.insert("FunctionQuery".into(), json!(text("query")));
    Ok((base, super::yaml_writer::to_yaml(&Value::Object(doc))))
}

/// Puts back what the packager replaced in a workbook: an empty `dataSources` object.
fn unstrip(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "dataSources" && x.as_str() == Some("[variables('TemplateEmptyObject')]") {
                    *x = json!({});
                } else {
                    unstrip(x);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unstrip),
        _ => {}
    }
}

/// A workbook template and its metadata entry → (file base name, JSON text, entry).
fn workbook(
    r: &Value,
    entry: Option<Map<String, Value>>,
) -> Result<(String, String, Map<String, Value>), String> {
    let base = base_name(r, WORKBOOK_SUFFIX)?;
    let wb = inner(r, "Microsoft.Insights/workbooks")?;
    let serialized = wb
        .pointer("/properties/serializedData")
        .and_then(Value::as_str)
        .ok_or("no `serializedData` text")?;
    let mut data: Value = serde_json::from_str(serialized)
        .map_err(|e| format!("`serializedData` is not JSON: {e}"))?;
    unstrip(&mut data);
    let mut entry = entry.ok_or("no workbook metadata")?;
    let file = format!("{base}.json");
    let matches = crate::content::metadata_matches(&entry, &format!("Workbooks/{file}"));
    if !matches {
        entry.insert("templateRelativePath".into(), json!(file));
    }
    let mut text = serde_json::to_string_pretty(&data).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok((base, text, entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn techniques_invert_the_packager() {
        // The packager's output for each input, then back.
        for relevant in [
            s(&["T1078"]),
            s(&["T1078", "T1078.004"]),
            s(&["T1078.004", "T1110"]),
            s(&["T1078.004", "T1078.001", "T1556"]),
        ] {
            let mut sub = Vec::new();
            let mut techniques: Vec<String> = Vec::new();
            for item in &relevant {
                if item.contains('.') && !sub.contains(item) {
                    sub.push(item.clone());
                }
                if !techniques.contains(item) {
                    techniques.push(item.split('.').next().unwrap().to_string());
                }
            }
            assert_eq!(relevant_techniques(&techniques, &sub), relevant);
        }
    }

    #[test]
    fn hunting_connectors_come_from_the_wizard_text() {
        assert_eq!(
            hunting_connectors(
                "Finds x. This hunting query depends on A B data connector (T1_CL T2_CL Parser or Table)"
            ),
            Some(json!([
                {"connectorId": "A", "dataTypes": ["T1_CL", "T2_CL"]},
                {"connectorId": "B", "dataTypes": []}
            ]))
        );
        assert_eq!(hunting_connectors("Finds x. "), None);
    }

    #[test]
    fn durations_and_operators_invert() {
        assert_eq!(duration("PT1H").unwrap(), "1h");
        assert_eq!(duration("P14D").unwrap(), "14d");
        assert_eq!(duration("PT5M").unwrap(), "5m");
        assert!(duration("1h").is_err());
        assert_eq!(operator("GreaterThan").unwrap(), "gt");
        assert!(operator("Bigger").is_err());
    }

    #[test]
    fn function_parameters_split_outside_brackets() {
        assert_eq!(
            split_parameters(
                "starttime:datetime=datetime(null),ips:dynamic=dynamic(['a','b']),u:string='x,y'"
            ),
            s(&[
                "starttime:datetime=datetime(null)",
                "ips:dynamic=dynamic(['a','b'])",
                "u:string='x,y'"
            ])
        );
    }
}
