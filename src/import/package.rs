//! Reading a packaged `mainTemplate.json` (and the `createUiDefinition.json` beside it, when
//! there is one): the definition, DCR, tables and Push instance of every CCF connector sit in
//! its content templates; the solution's identity in its variables and `contentPackages`;
//! everything else is carried verbatim as extra content.

use std::path::Path;

use serde_json::{Map, Value};

use super::{ImportError, NoteKind, Notes, RawConnector, RawSolution, Res, markdown};
use crate::extra_content::{ContentBlock, ExtraContent};
use crate::package::main_template::DCE_FORMULA;
use crate::scan::{Kind, PackageKind};

/// The packaged template's file name (the file notes name).
pub const MT: &str = "mainTemplate.json";

/// A package as read: mainTemplate.json and, when present, createUiDefinition.json.
pub type PackageJson = (Value, Option<Value>);

/// Reads a package. Returns the raw solution, the package JSON (mainTemplate,
/// createUiDefinition) and the notes.
pub fn read(path: &Path) -> Result<(RawSolution, PackageJson, Notes), ImportError> {
    let template = read_json(path)?;
    let ui_path = path.with_file_name("createUiDefinition.json");
    let ui = if ui_path.is_file() {
        Some(read_json(&ui_path)?)
    } else {
        None
    };
    let mut notes = Notes::default();
    let mut raw = solution(&template, ui.as_ref(), &mut notes)?;
    raw.release_notes = solution_release_notes(path, &mut notes);
    Ok((raw, (template, ui), notes))
}

/// Whether `path` names a zip: its extension is `.zip` (any case) or it starts with a zip
/// signature.
pub fn is_zip(path: &Path) -> bool {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        return true;
    }
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06")
}

/// Reads a package zip in memory ([`super::zip_package`]): its `mainTemplate.json` and
/// `createUiDefinition.json` as [`read`] reads them from a folder; other members are noted
/// as not read. A hostile, damaged or oversized zip is refused ([`ImportError::Zip`]).
pub fn read_zip(path: &Path) -> Result<(RawSolution, PackageJson, Notes), ImportError> {
    let mut bytes = Vec::new();
    crate::input::read_into(
        path,
        crate::input::MAX_ZIP_BYTES,
        "a package zip",
        &mut bytes,
    )
    .map_err(|source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let refused = |problem| ImportError::Zip {
        zip: path.to_path_buf(),
        problem,
    };
    let package = super::zip_package::read(&bytes).map_err(refused)?;
    let json = |name: &str, text: &str| {
        serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')).map_err(|e| {
            refused(super::zip_package::ZipProblem {
                member: Some(name.to_string()),
                message: format!("is not JSON: {e}"),
            })
        })
    };
    let template = json(super::zip_package::MAIN_TEMPLATE, &package.main_template)?;
    let ui = match &package.ui_definition {
        Some(text) => Some(json(super::zip_package::UI_DEFINITION, text)?),
        None => None,
    };
    let mut notes = Notes::default();
    for member in &package.ignored {
        notes.add(
            NoteKind::Ignored,
            member,
            "$",
            format!(
                "a member of {} that is not part of a package ({}, {}): not read",
                path.file_name().unwrap_or_default().to_string_lossy(),
                super::zip_package::MAIN_TEMPLATE,
                super::zip_package::UI_DEFINITION
            ),
        );
    }
    let mut raw = solution(&template, ui.as_ref(), &mut notes)?;
    raw.release_notes = solution_release_notes(path, &mut notes);
    Ok((raw, (template, ui), notes))
}

/// The highest version zip (`<version>.zip`, a plain file) in `dir`, with a sentence saying
/// which it is and among which; `None` when `dir` holds none.
pub fn highest_version_zip(dir: &Path) -> Option<(std::path::PathBuf, String)> {
    let version = |name: &str| -> Option<Vec<u64>> {
        let stem = name.get(..name.len().checked_sub(4)?)?;
        if !name[stem.len()..].eq_ignore_ascii_case(".zip") {
            return None;
        }
        let mut parts: Vec<u64> = stem
            .split('.')
            .map(|p| {
                (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect::<Option<_>>()?;
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        Some(parts)
    };
    let mut zips: Vec<(Vec<u64>, String)> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            Some((version(&name)?, name))
        })
        .collect();
    zips.sort();
    let (_, chosen) = zips.last()?;
    let why = format!(
        "{} holds no {MT}: read the package from {chosen}, the highest version of its {} version zip(s) ({})",
        dir.display(),
        zips.len(),
        zips.iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Some((dir.join(chosen), why))
}

/// A package holds no release notes; the solution folder around `Package/` does. Read them
/// from there when the package sits in that layout (and the file is inside the folder).
fn solution_release_notes(
    main_template: &Path,
    notes: &mut Notes,
) -> Vec<crate::spec::model::ReleaseNote> {
    let package_dir = main_template.parent().filter(|d| {
        d.file_name()
            .is_some_and(|n| n.eq_ignore_ascii_case(crate::scan::PACKAGE))
    });
    let Some(solution_dir) = package_dir.and_then(Path::parent) else {
        return Vec::new();
    };
    let solution_dir = if solution_dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        solution_dir
    };
    match crate::safe_path::resolve_inside(solution_dir, crate::scan::RELEASE_NOTES_FILE) {
        Ok(path) if path.is_file() => {
            let label = format!("../{}", crate::scan::RELEASE_NOTES_FILE);
            let text =
                crate::input::read_to_string(&path, crate::input::MAX_TEXT_BYTES, "a text file")
                    .map_err(|e| e.to_string());
            super::release_notes::read(text, &label, notes)
        }
        _ => Vec::new(),
    }
}

fn read_json(path: &Path) -> Result<Value, ImportError> {
    let text = crate::input::read_to_string(path, crate::input::MAX_JSON_BYTES, "a JSON file")
        .map_err(|source| ImportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| ImportError::Invalid(format!("{} is not JSON: {e}", path.display())))
}

fn var_name(expr: &str) -> Option<&str> {
    expr.strip_prefix("[variables('")?.strip_suffix("')]")
}

fn is_kind(r: &Value, kind: Kind) -> bool {
    Kind::of(r) == Some(kind)
}

fn is_package_kind(r: &Value, kind: PackageKind) -> bool {
    PackageKind::of(r) == Some(kind)
}

fn inner(r: &Value) -> Vec<Value> {
    r.pointer("/properties/mainTemplate/resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// What a top-level resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    DefinitionTemplate,
    Definition,
    DefinitionMetadata,
    Connections,
    ContentPackage,
    Other,
}

fn role(r: &Value) -> Role {
    let kind = r.pointer("/properties/contentKind").and_then(Value::as_str);
    if is_package_kind(r, PackageKind::ContentTemplate) {
        let inner = inner(r);
        if kind == Some("DataConnector") && inner.iter().any(|i| is_kind(i, Kind::Definition)) {
            return Role::DefinitionTemplate;
        }
        if kind == Some("ResourcesDataConnector")
            && inner.iter().any(|i| {
                is_kind(i, Kind::DataConnector)
                    && i.get("kind").and_then(Value::as_str) == Some("Push")
            })
        {
            return Role::Connections;
        }
        return Role::Other;
    }
    if is_kind(r, Kind::Definition) {
        return Role::Definition;
    }
    if is_package_kind(r, PackageKind::Metadata)
        && r.pointer("/properties/parentId")
            .and_then(Value::as_str)
            .is_some_and(|p| p.contains("'Microsoft.SecurityInsights/dataConnectorDefinitions'"))
    {
        return Role::DefinitionMetadata;
    }
    if is_package_kind(r, PackageKind::ContentPackage) {
        return Role::ContentPackage;
    }
    Role::Other
}

/// The Push instance name inside `[[concat(parameters('innerWorkspace'),'/Microsoft.SecurityInsights/', 'NAME', parameters('guidValue'))]`.
fn instance_name(expr: &str) -> Option<String> {
    let rest = expr
        .strip_prefix("[[concat(parameters('innerWorkspace'),'/Microsoft.SecurityInsights/', '")?;
    let name = rest.strip_suffix("', parameters('guidValue'))]")?;
    Some(name.replace("''", "'"))
}

/// The raw solution of a package's mainTemplate and createUiDefinition, as parsed.
pub fn solution(
    t: &Value,
    ui: Option<&Value>,
    notes: &mut Notes,
) -> Result<RawSolution, ImportError> {
    let vars = crate::json_get::obj(&t, "variables");
    let resources = crate::json_get::arr(&t, "resources");
    let var_str = |n: &str| vars.get(n).and_then(Value::as_str).map(str::to_string);
    let roles: Vec<Role> = resources.iter().map(role).collect();
    let package_index = roles
        .iter()
        .position(|r| *r == Role::ContentPackage)
        .ok_or_else(|| {
            ImportError::Invalid(format!(
                "{MT} has no contentPackages resource: not a Content Hub package"
            ))
        })?;
    let cp = resources[package_index]
        .get("properties")
        .cloned()
        .unwrap_or_default();
    let ccf: Vec<usize> = (0..resources.len())
        .filter(|i| !matches!(roles[*i], Role::Other | Role::ContentPackage))
        .collect();
    let (first, last) = (ccf.first().copied(), ccf.last().copied());

    let mut connectors = Vec::new();
    let mut ccf_numbers = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        if roles[i] != Role::DefinitionTemplate {
            continue;
        }
        let base = format!("$.resources[{i}].properties.mainTemplate.resources");
        let inner = inner(r);
        let find = |kind: Kind| {
            inner
                .iter()
                .enumerate()
                .filter(|(_, x)| is_kind(x, kind))
                .map(|(j, x)| Res {
                    file: MT.into(),
                    path: format!("{base}[{j}]"),
                    value: x.clone(),
                })
                .collect::<Vec<_>>()
        };
        let Some(definition) = find(Kind::Definition).into_iter().next() else {
            continue;
        };
        let id = definition
            .value
            .pointer("/properties/connectorUiConfig/id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let version = r
            .pointer("/properties/version")
            .and_then(Value::as_str)
            .and_then(var_name)
            .and_then(&var_str);
        if let Some(n) = r
            .pointer("/properties/contentId")
            .and_then(Value::as_str)
            .and_then(var_name)
            .and_then(|v| v.strip_prefix("_dataConnectorContentIdConnectorDefinition"))
        {
            ccf_numbers.push(n.to_string());
        }
        let mut dcrs = find(Kind::Dcr);
        let dcr = if dcrs.is_empty() {
            None
        } else {
            Some(dcrs.remove(0))
        };
        for extra in dcrs {
            notes.add(
                NoteKind::Unsupported,
                MT,
                &extra.path,
                "a second DCR in one connector; ccfgen writes one",
            );
        }
        let dcr = dcr.map(|mut d| {
            source_dce(&mut d, &vars, notes);
            d
        });
        let mut instances = Vec::new();
        for (k, c) in resources.iter().enumerate() {
            if roles[k] != Role::Connections {
                continue;
            }
            for (j, x) in self::inner(c).iter().enumerate() {
                if !(is_kind(x, Kind::DataConnector)
                    && x.pointer("/properties/connectorDefinitionName")
                        .and_then(Value::as_str)
                        == Some(id.as_str()))
                {
                    continue;
                }
                let path = format!("$.resources[{k}].properties.mainTemplate.resources[{j}]");
                let expr = x.get("name").and_then(Value::as_str).unwrap_or_default();
                let mut value = x.clone();
                match instance_name(expr) {
                    Some(name) => value["name"] = Value::String(name),
                    None => notes.add(
                        NoteKind::Unsupported,
                        MT,
                        &format!("{path}.name"),
                        "not the packager's `[[concat(parameters('innerWorkspace'), …)]` form",
                    ),
                }
                instances.push(Res {
                    file: MT.into(),
                    path,
                    value,
                });
            }
        }
        connectors.push(RawConnector {
            folder: None,
            definition,
            instances,
            dcr,
            tables: find(Kind::Table),
            version,
            synthetic: false,
        });
    }
    if connectors.is_empty() {
        return Err(ImportError::Invalid(format!(
            "{MT} has no CCF connector (no DataConnector content template with a dataConnectorDefinitions resource)"
        )));
    }

    // Everything else is carried verbatim, before or after the connector block.
    let mut extra = ExtraContent::default();
    for (i, r) in resources.iter().enumerate() {
        if roles[i] != Role::Other {
            continue;
        }
        match (first, last) {
            (Some(f), _) if i < f => extra.before.resources.push(r.clone()),
            (_, Some(l)) if i > l => extra.after.resources.push(r.clone()),
            _ => {
                notes.add(
                    NoteKind::Unsupported,
                    MT,
                    &format!("$.resources[{i}]"),
                    "content between CCF connectors; ccfgen places it after them",
                );
                extra.after.resources.push(r.clone());
            }
        }
    }
    split_parameters(t, &mut extra);
    split_variables(&vars, &ccf_numbers, &connectors, &mut extra);
    let criteria = cp
        .pointer("/dependencies/criteria")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let is_ccf = |c: &Value| {
        c.get("kind").and_then(Value::as_str) == Some("DataConnector")
            && c.get("contentId")
                .and_then(Value::as_str)
                .and_then(var_name)
                .is_some_and(|v| {
                    ccf_numbers
                        .iter()
                        .any(|n| v == format!("_dataConnectorContentIdConnections{n}"))
                })
    };
    let first_ccf = criteria.iter().position(is_ccf).unwrap_or(criteria.len());
    for (i, c) in criteria.iter().enumerate() {
        if is_ccf(c) {
            continue;
        }
        if i < first_ccf {
            &mut extra.before
        } else {
            &mut extra.after
        }
        .criteria
        .push(c.clone());
    }
    if cp.pointer("/dependencies/operator").and_then(Value::as_str) != Some("AND") {
        notes.add(
            NoteKind::Unsupported,
            MT,
            &format!("$.resources[{package_index}].properties.dependencies.operator"),
            "ccfgen writes operator AND (no dependent domain solutions)",
        );
    }
    if let Some(ui) = ui {
        ui_steps(ui, &ccf_numbers, &mut extra);
    }

    let (publisher_id, offer_id) = match var_str("solutionId")
        .as_deref()
        .and_then(|id| id.split_once('.'))
    {
        Some((p, o)) => (Some(p.to_string()), Some(o.to_string())),
        None => (None, None),
    };
    let cp_str = |k: &str| cp.get(k).and_then(Value::as_str).map(str::to_string);
    let author = t
        .pointer("/metadata/author")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            let name = cp
                .pointer("/author/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match var_str("email") {
                Some(e) => format!("{name} - {e}"),
                None => name.to_string(),
            }
        });
    let description = match ui
        .and_then(|u| u.pointer("/parameters/config/basics/description"))
        .and_then(Value::as_str)
    {
        Some(text) => markdown::from_ui_description(text),
        None => cp_str("descriptionHtml")
            .as_deref()
            .and_then(markdown::from_description_html),
    };
    if description.is_none() {
        notes.add(
            NoteKind::Unsupported,
            MT,
            &format!("$.resources[{package_index}].properties.descriptionHtml"),
            "the description could not be recovered",
        );
    }
    let list = |k: &str| crate::json_get::strings(&cp, k);
    Ok(RawSolution {
        name: var_str("_solutionName")
            .or_else(|| cp_str("displayName"))
            .unwrap_or_default(),
        author,
        description,
        logo: cp_str("icon"),
        version: var_str("_solutionVersion").or_else(|| cp_str("version")),
        publisher_id,
        offer_id,
        first_publish_date: cp_str("firstPublishDate"),
        last_publish_date: cp_str("lastPublishDate"),
        providers: list("providers"),
        categories: cp.get("categories").cloned(),
        support: cp.get("support").cloned(),
        connectors,
        extra,
        metadata_file: MT.into(),
        name_source: (
            MT.to_string(),
            if var_str("_solutionName").is_some() {
                "$.variables._solutionName".to_string()
            } else {
                format!("$.resources[{package_index}].properties.displayName")
            },
        ),
        release_notes: Vec::new(),
        content: Default::default(),
    })
}

/// Puts back what the DCR's `dataCollectionEndpointId` was in the source file: the packager
/// turns `{{x}}` into `[variables('xN')]` holding its formula, and copies anything else.
fn source_dce(dcr: &mut Res, vars: &Map<String, Value>, notes: &mut Notes) {
    let Some(value) = dcr
        .value
        .pointer("/properties/dataCollectionEndpointId")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    let Some(name) = var_name(&value) else { return };
    let formula = vars.get(name).and_then(Value::as_str);
    let prefix = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let source = if formula == Some(DCE_FORMULA) && prefix != name && !prefix.is_empty() {
        format!("{{{{{prefix}}}}}")
    } else {
        notes.add(
            NoteKind::Unsupported,
            MT,
            &format!("{}.properties.dataCollectionEndpointId", dcr.path),
            format!("refers to variable `{name}`, which is not the packager's DCE formula"),
        );
        return;
    };
    dcr.value["properties"]["dataCollectionEndpointId"] = Value::String(source);
}

const BASE_PARAMETERS: &[&str] = &["location", "workspace-location", "workspace"];
const COMMON_PARAMETERS: &[&str] = &["resourceGroupName", "subscription"];

fn split_parameters(t: &Value, extra: &mut ExtraContent) {
    let params = crate::json_get::obj(&t, "parameters");
    let mut after_common = false;
    for (k, v) in params {
        if BASE_PARAMETERS.contains(&k.as_str()) {
            continue;
        }
        if COMMON_PARAMETERS.contains(&k.as_str()) {
            after_common = true;
            continue;
        }
        let block: &mut ContentBlock = if after_common {
            &mut extra.after
        } else {
            &mut extra.before
        };
        block.parameters.insert(k, v);
    }
}

fn split_variables(
    vars: &Map<String, Value>,
    numbers: &[String],
    connectors: &[RawConnector],
    extra: &mut ExtraContent,
) {
    let mut ours: Vec<String> = [
        "email",
        "_email",
        "_solutionName",
        "_solutionVersion",
        "solutionId",
        "_solutionId",
        "dataConnectorCCPVersion",
        "blanks",
        "_solutioncontentProductId",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in numbers {
        for p in [
            "_dataConnectorContentIdConnectorDefinition",
            "dataConnectorTemplateNameConnectorDefinition",
            "_dataConnectorContentIdConnections",
            "dataConnectorTemplateNameConnections",
            "dataConnectorCCPVersion",
        ] {
            ours.push(format!("{p}{n}"));
        }
    }
    for c in connectors {
        if let Some(name) = c
            .dcr
            .as_ref()
            .and_then(|d| d.value.pointer("/properties/dataCollectionEndpointId"))
            .and_then(Value::as_str)
        {
            let inner = name.trim_start_matches("{{").trim_end_matches("}}");
            for n in numbers {
                ours.push(format!("{inner}{n}"));
            }
        }
    }
    let keys: Vec<&String> = vars.keys().collect();
    let ccf_start = keys
        .iter()
        .position(|k| k.starts_with("dataConnectorCCPVersion"))
        .unwrap_or(keys.len());
    for (i, k) in keys.iter().enumerate() {
        if ours.contains(k) {
            continue;
        }
        if k.as_str() == "workspaceResourceId" && i + 1 == ccf_start {
            continue; // added by the CCF connectors themselves
        }
        let block = if i < ccf_start {
            &mut extra.before
        } else {
            &mut extra.after
        };
        block.variables.insert((*k).clone(), vars[*k].clone());
    }
}

fn ui_steps(ui: &Value, numbers: &[String], extra: &mut ExtraContent) {
    let steps = ui
        .pointer("/parameters/steps")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let legacy = extra.connectors_before() > 0;
    for step in steps {
        if step.get("name").and_then(Value::as_str) != Some("dataconnectors") {
            extra.ui_steps.push(step);
            continue;
        }
        if !legacy {
            continue;
        }
        for e in crate::json_get::arr(&step, "elements") {
            let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
            let ccf = numbers.iter().any(|n| {
                name == format!("dataconnectors{n}-text")
                    || name == format!("dataconnectors-link{n}")
            });
            if !ccf {
                extra.before.ui_elements.push(e);
            }
        }
    }
}
