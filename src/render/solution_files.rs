//! The solution-level files: `Data/Solution_<Name>.json` (the packager's input list),
//! `SolutionMetadata.json` (marketplace metadata) and `ReleaseNotes.md`.

use serde_json::{Map, Value, json};

use crate::content::Section;
use crate::solution::Solution;
use crate::templates::{self, TemplateError};

/// `Author` as the data file writes it: `Name - email` or `Name`.
pub fn author_line(solution: &Solution) -> String {
    match &solution.author_email {
        Some(e) => format!("{} - {e}", solution.author_name),
        None => solution.author_name.clone(),
    }
}

/// `Data/Solution_<Name>.json`.
pub fn data_file(solution: &Solution) -> Value {
    let mut m = Map::new();
    m.insert("Name".into(), json!(solution.name));
    m.insert("Author".into(), json!(author_line(solution)));
    if let Some(logo) = &solution.logo {
        m.insert("Logo".into(), json!(logo.html()));
    }
    m.insert("Description".into(), json!(solution.description));
    let content = &solution.content;
    for (key, text) in [
        (
            "WorkbookBladeDescription",
            &content.workbooks_blade_description,
        ),
        (
            "AnalyticalRuleBladeDescription",
            &content.analytic_rules_blade_description,
        ),
        (
            "HuntingQueryBladeDescription",
            &content.hunting_queries_blade_description,
        ),
        ("WatchlistDescription", &content.watchlist_description),
    ] {
        if let Some(text) = text {
            m.insert(key.into(), json!(text));
        }
    }
    // The content lists in packaging order (the official packager walks the keys in order).
    for section in content.sections() {
        if section == Section::DataConnectors {
            let defs: Vec<String> = solution
                .connectors
                .iter()
                .map(|c| format!("{}/{}", super::connector_dir(c), c.settings.definition_file))
                .collect();
            m.insert(crate::scan::DATA_CONNECTORS.into(), json!(defs));
        } else {
            let files = content.files(section);
            if !files.is_empty() {
                m.insert(section.key().into(), json!(files));
            }
        }
    }
    m.insert("BasePath".into(), json!(""));
    m.insert("Version".into(), json!(solution.version));
    m.insert("Metadata".into(), json!("SolutionMetadata.json"));
    m.insert("TemplateSpec".into(), json!(true));
    m.insert("Is1PConnector".into(), json!(false));
    Value::Object(m)
}

/// `SolutionMetadata.json`.
pub fn metadata_file(solution: &Solution) -> Value {
    let mut m = Map::new();
    m.insert("publisherId".into(), json!(solution.publisher_id));
    m.insert("offerId".into(), json!(solution.offer_id));
    if let Some(d) = &solution.first_publish_date {
        m.insert("firstPublishDate".into(), json!(d));
    }
    if let Some(d) = &solution.last_publish_date {
        m.insert("lastPublishDate".into(), json!(d));
    }
    m.insert("providers".into(), json!(solution.providers));
    m.insert(
        "categories".into(),
        json!({"domains": solution.categories.domains, "verticals": solution.categories.verticals}),
    );
    m.insert("support".into(), support(solution));
    Value::Object(m)
}

/// The support object: name, email, tier, link (empty ones left out).
pub fn support(solution: &Solution) -> Value {
    let s = &solution.support;
    let mut m = Map::new();
    m.insert("name".into(), json!(s.name));
    if let Some(e) = &s.email {
        m.insert("email".into(), json!(e));
    }
    m.insert("tier".into(), json!(s.tier.as_str()));
    if let Some(l) = &s.link {
        m.insert("link".into(), json!(l));
    }
    Value::Object(m)
}

/// `ReleaseNotes.md`: newest first, dates as DD-MM-YYYY (the Content Hub convention). Without
/// release notes, one "Initial Solution Release" row dated the last (else first) publish date.
pub fn release_notes(solution: &Solution) -> Result<String, TemplateError> {
    let notes: Vec<Value> = if solution.release_notes.is_empty() {
        vec![json!({
            "version": solution.version,
            // Validation makes sure one of the dates is there (no empty cell).
            "date": solution.last_publish_date.as_deref().or(solution.first_publish_date.as_deref()).map(dd_mm_yyyy).unwrap_or_default(),
            "change": "Initial Solution Release",
        })]
    } else {
        solution
            .release_notes
            .iter()
            .map(|n| json!({"version": n.version, "date": dd_mm_yyyy(&n.date), "change": n.change}))
            .collect()
    };
    templates::render("release_notes", &json!({ "notes": notes }))
}

fn dd_mm_yyyy(date: &str) -> String {
    let parts: Vec<&str> = date.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => format!("{d}-{m}-{y}"),
        _ => date.to_string(),
    }
}
