//! Maps what was read ([`RawSolution`]) onto the spec model. Every value is first made
//! explicit; [`super::minimize`] then drops what the defaults reproduce.

use serde_json::{Map, Value};

use super::{NoteKind, Notes, RawConnector, RawSolution, Res};
use crate::spec::model::{
    AuthKeys, Author, Categories, ColumnIn, ColumnSpec, ConnectorSpec, DcrKind, GraphQuery,
    InstanceSpec, PackageSpec, Placeholders, SampleQuery, SolutionSpec, Spec, Support, SupportTier,
    TablePlan, TableSettings, TableSpec,
};
use ccfgen_base::ColumnType;

/// `connectorUiConfig` members with a typed spec field (the rest go to `ui` verbatim).
const TYPED_UI: &[&str] = &["id", "title", "publisher", "descriptionMarkdown"];

/// The spec of a solution, and its SVG logo when the logo is one ccfgen inlines identically.
pub fn solution_spec(raw: &RawSolution, notes: &mut Notes) -> (Spec, Option<String>) {
    let file = raw.metadata_file.as_str();
    let mut parts = raw.author.split(" - ");
    let author_name = parts.next().unwrap_or_default().to_string();
    let author_email = parts.next().map(str::to_string);
    if parts.next().is_some() {
        notes.add(
            NoteKind::Unsupported,
            file,
            "$.Author",
            format!(
                "`{}` has more than one \" - \"; the packager keeps only the first two parts",
                raw.author
            ),
        );
    }
    let mut logo_svg = None;
    let (mut logo_url, mut logo_html) = (None, None);
    if let Some(logo) = &raw.logo {
        if let Some(url) = img_url(logo) {
            logo_url = Some(url);
        } else if logo.starts_with("<svg") && crate::resolve::inline_svg(logo) == *logo {
            logo_svg = Some(logo.clone());
            logo_html = Some(logo.clone());
        } else {
            logo_html = Some(logo.clone());
        }
    }
    let support = support(raw.support.as_ref(), file, notes);
    let categories = categories(raw.categories.as_ref(), file, notes);
    let need = |v: &Option<String>, key: &str, notes: &mut Notes| -> String {
        v.clone().unwrap_or_else(|| {
            notes.add(
                NoteKind::Unsupported,
                file,
                &format!("$.{key}"),
                format!("`{key}` is missing; `unknown` written"),
            );
            "unknown".to_string()
        })
    };
    let solution = SolutionSpec {
        name: raw.name.clone(),
        version: raw.version.clone().unwrap_or_else(|| {
            notes.add(
                NoteKind::Unsupported,
                file,
                "$.Version",
                "no version; 3.0.0 written",
            );
            "3.0.0".to_string()
        }),
        publisher_id: need(&raw.publisher_id, "publisherId", notes),
        offer_id: need(&raw.offer_id, "offerId", notes),
        description: raw.description.clone().unwrap_or_else(|| {
            notes.add(
                NoteKind::Unsupported,
                file,
                "$.Description",
                "no description found",
            );
            String::new()
        }),
        logo: None,
        logo_url: logo_url.take(),
        logo_html: logo_html.take(),
        author: Author {
            name: author_name,
            email: author_email,
        },
        support,
        providers: raw.providers.clone(),
        categories,
        first_publish_date: raw.first_publish_date.clone(),
        last_publish_date: raw.last_publish_date.clone(),
        release_notes: raw.release_notes.clone(),
    };
    if raw.release_notes.is_empty() {
        notes.add(
            NoteKind::Normalized,
            crate::scan::RELEASE_NOTES_FILE,
            "$",
            "no release notes found: `ccfgen build` writes one row, `Initial Solution Release`; add [[solution.release_notes]] to keep yours",
        );
    }
    let connectors = raw
        .connectors
        .iter()
        .map(|c| connector_spec(c, notes))
        .collect();
    let spec = Spec {
        solution,
        connectors,
        package: PackageSpec::default(),
        content: Default::default(),
    };
    (spec, logo_svg)
}

/// `<img src="URL" width="75px" height="75px">` → URL (the exact form `logo_url` renders).
fn img_url(html: &str) -> Option<String> {
    let url = html
        .strip_prefix("<img src=\"")?
        .strip_suffix("\" width=\"75px\" height=\"75px\">")?;
    (!url.contains('"')).then(|| url.to_string())
}

fn support(v: Option<&Value>, file: &str, notes: &mut Notes) -> Support {
    let obj = v.and_then(Value::as_object).cloned().unwrap_or_default();
    if v.is_none() {
        notes.add(
            NoteKind::Unsupported,
            file,
            "$.support",
            "no support object",
        );
    }
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    for k in obj.keys() {
        if !["name", "email", "tier", "link"].contains(&k.as_str()) {
            notes.add(
                NoteKind::Unsupported,
                file,
                &format!("$.support.{k}"),
                "unknown support key",
            );
        }
    }
    let tier = match text("tier").map(|t| t.to_ascii_lowercase()).as_deref() {
        Some("microsoft") => SupportTier::Microsoft,
        Some("community") => SupportTier::Community,
        Some("partner") => SupportTier::Partner,
        other => {
            notes.add(
                NoteKind::Unsupported,
                file,
                "$.support.tier",
                format!("tier {other:?} is not Microsoft, Partner or Community; Partner written"),
            );
            SupportTier::Partner
        }
    };
    if let Some(t) = text("tier")
        && t != tier.as_str()
    {
        notes.add(
            NoteKind::Normalized,
            file,
            "$.support.tier",
            format!("`{t}` is written `{}`", tier.as_str()),
        );
    }
    Support {
        name: text("name").unwrap_or_default(),
        email: text("email").filter(|e| !e.is_empty()),
        link: text("link").filter(|l| !l.is_empty()),
        tier,
    }
}

fn categories(v: Option<&Value>, file: &str, notes: &mut Notes) -> Categories {
    let list = |k: &str| {
        v.map(|c| crate::json_get::strings(c, k))
            .unwrap_or_default()
    };
    if v.is_none() {
        notes.add(NoteKind::Unsupported, file, "$.categories", "no categories");
    }
    Categories {
        domains: list("domains"),
        verticals: list("verticals"),
    }
}

/// JSON path of a member below a resource.
fn at(res: &Res, rest: &str) -> String {
    format!("{}{rest}", res.path)
}

/// The spec of one connector, every value explicit.
pub fn connector_spec(raw: &RawConnector, notes: &mut Notes) -> ConnectorSpec {
    let def = &raw.definition;
    let ui = def
        .value
        .pointer("/properties/connectorUiConfig")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let text = |k: &str| ui.get(k).and_then(Value::as_str).map(str::to_string);
    let id = text("id").unwrap_or_default();
    if def.value.get("name").and_then(Value::as_str) != Some(id.as_str()) && raw.folder.is_some() {
        notes.add(
            NoteKind::Unsupported,
            &def.file,
            &at(def, ".name"),
            format!("the definition name differs from its id `{id}`; ccfgen names it after the id"),
        );
    }
    let mut c = ConnectorSpec {
        id: Some(id.clone()),
        title: text("title"),
        publisher: text("publisher"),
        description: text("descriptionMarkdown"),
        folder: raw.folder.clone(),
        ..ConnectorSpec::default()
    };
    if raw.folder.is_some() {
        c.settings.definition_file = def.file_name();
    }
    if let Some(version) = &raw.version {
        c.settings.version = version.clone();
    }
    for (k, v) in &ui {
        if TYPED_UI.contains(&k.as_str()) {
            continue;
        }
        match typed_ui(k, v) {
            Some(apply) => apply(&mut c),
            None => match json_to_toml(v) {
                Some(t) => {
                    c.ui.insert(k.clone(), t);
                }
                None => notes.add(
                    NoteKind::Unsupported,
                    &def.file,
                    &at(def, &format!(".properties.connectorUiConfig.{k}")),
                    "holds a JSON null, which TOML cannot write; left out",
                ),
            },
        }
    }
    let mut stream = None;
    match raw.instances.as_slice() {
        [] => notes.add(
            NoteKind::Unsupported,
            &def.file,
            &def.path,
            format!(
                "no Push data connector names the definition `{id}`; ccfgen writes its default one"
            ),
        ),
        [first, rest @ ..] => {
            let (first_stream, first_type) =
                instance(first, &id, &mut c, raw.folder.is_some(), notes);
            stream = first_stream.clone();
            if !rest.is_empty() || first_type.is_some() {
                let mut list = vec![InstanceSpec {
                    name: c.data_connector_name.take().unwrap_or_default(),
                    stream: first_stream,
                    data_type: first_type,
                }];
                for other in rest {
                    // Each instance is read like the first; what ccfgen writes once for the
                    // connector (auth spelling, placeholders, paths) must agree.
                    let mut each = c.clone();
                    let (s, data_type) = instance(other, &id, &mut each, false, notes);
                    for (same, what) in [
                        (
                            each.settings.auth_keys == c.settings.auth_keys,
                            "auth key spelling",
                        ),
                        (
                            each.settings.placeholders == c.settings.placeholders,
                            "placeholder style",
                        ),
                        (
                            each.settings.events_json_paths == c.settings.events_json_paths,
                            "eventsJsonPaths",
                        ),
                        (
                            each.settings.dcr_rule_id == c.settings.dcr_rule_id,
                            "dataCollectionRuleId",
                        ),
                    ] {
                        if !same {
                            notes.add(NoteKind::Unsupported, &other.file, &other.path, format!("its {what} differs from the first instance's; ccfgen writes the first's for every instance"));
                        }
                    }
                    list.push(InstanceSpec {
                        name: each.data_connector_name.unwrap_or_default(),
                        stream: s,
                        data_type,
                    });
                }
                c.instances = list;
            }
        }
    }
    let first_instance = raw.instances.first();
    match &raw.dcr {
        Some(dcr) => dcr_tables(
            dcr,
            &raw.tables,
            stream.as_deref(),
            &mut c,
            raw.folder.is_some(),
            notes,
        ),
        None => notes.add(
            NoteKind::Unsupported,
            &def.file,
            &def.path,
            "no DCR reads the connector's stream; the spec has no tables",
        ),
    }
    if c.tables.is_empty()
        && let Some(i) = first_instance
    {
        notes.add(
            NoteKind::Unsupported,
            &i.file,
            &at(i, ".properties.dcrConfig.streamName"),
            "the connector has no table ccfgen can write, so the instance has no stream",
        );
    }
    c
}

/// Typed fields for `connectorUiConfig` members that fit them exactly.
/// Sets a typed field on a connector.
type Apply = Box<dyn FnOnce(&mut ConnectorSpec)>;

fn typed_ui(key: &str, v: &Value) -> Option<Apply> {
    let exact = |o: &Map<String, Value>, keys: &[&str]| {
        o.len() == keys.len() && keys.iter().all(|k| o.get(*k).is_some_and(Value::is_string))
    };
    match key {
        "sampleQueries" => {
            let items = v.as_array()?;
            let mut out = Vec::new();
            for i in items {
                let o = i.as_object()?;
                if !exact(o, &["description", "query"]) {
                    return None;
                }
                out.push(SampleQuery {
                    description: o["description"].as_str()?.to_string(),
                    query: o["query"].as_str()?.to_string(),
                });
            }
            if out.is_empty() {
                return None;
            }
            Some(Box::new(move |c| c.sample_queries = out))
        }
        "graphQueries" => {
            let items = v.as_array()?;
            let mut out = Vec::new();
            for i in items {
                let o = i.as_object()?;
                if !exact(o, &["metricName", "legend", "baseQuery"]) {
                    return None;
                }
                out.push(GraphQuery {
                    metric_name: o["metricName"].as_str()?.to_string(),
                    legend: o["legend"].as_str()?.to_string(),
                    base_query: o["baseQuery"].as_str()?.to_string(),
                });
            }
            if out.is_empty() {
                return None;
            }
            Some(Box::new(move |c| c.graph_queries = out))
        }
        "availability" => {
            if v == &serde_json::json!({"status": 1}) {
                Some(Box::new(|c| c.settings.preview = false))
            } else if v == &serde_json::json!({"status": 1, "isPreview": true}) {
                Some(Box::new(|c| c.settings.preview = true))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Reads a Push instance; returns its stream name and `dataType`.
fn instance(
    res: &Res,
    id: &str,
    c: &mut ConnectorSpec,
    sources: bool,
    notes: &mut Notes,
) -> (Option<String>, Option<String>) {
    let v = &res.value;
    let file = res.file.as_str();
    c.data_connector_name = v.get("name").and_then(Value::as_str).map(str::to_string);
    if sources {
        c.settings.data_connector_file = res.file_name();
    }
    let props = crate::json_get::obj(&v, "properties");
    for k in props.keys() {
        if ![
            "connectorDefinitionName",
            "dcrConfig",
            "auth",
            "request",
            "response",
            "dataType",
        ]
        .contains(&k.as_str())
        {
            notes.add(
                NoteKind::Unsupported,
                file,
                &at(res, &format!(".properties.{k}")),
                "ccfgen's Push instance has no such member",
            );
        }
    }
    if props.get("connectorDefinitionName").and_then(Value::as_str) != Some(id) {
        notes.add(
            NoteKind::Unsupported,
            file,
            &at(res, ".properties.connectorDefinitionName"),
            format!("does not name the definition `{id}`"),
        );
    }
    let data_type = match props.get("dataType") {
        None => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(_) => {
            notes.add(
                NoteKind::Unsupported,
                file,
                &at(res, ".properties.dataType"),
                "not a string",
            );
            None
        }
    };
    let mut styles = Vec::new();
    let dcr = crate::json_get::obj(&props, "dcrConfig");
    c.settings.dcr_rule_id = dcr.contains_key("dataCollectionRuleId");
    let stream = dcr
        .get("streamName")
        .and_then(Value::as_str)
        .map(str::to_string);
    for (k, val) in &dcr {
        let path = at(res, &format!(".properties.dcrConfig.{k}"));
        match k.as_str() {
            "streamName" => {}
            "dataCollectionEndpoint" | "dataCollectionRuleImmutableId" | "dataCollectionRuleId" => match placeholder_style(val.as_str().unwrap_or_default(), "dcrConfig", k) {
                Some(s) => styles.push(s),
                None => notes.add(NoteKind::Unsupported, file, &path, format!("{val} is neither `{{{{{k}}}}}` nor `[[parameters('dcrConfig').{k}]`")),
            },
            _ => notes.add(NoteKind::Unsupported, file, &path, "ccfgen's dcrConfig has streamName, dataCollectionEndpoint, dataCollectionRuleImmutableId and dataCollectionRuleId only"),
        }
    }
    let auth = crate::json_get::obj(&props, "auth");
    let mut casing = Vec::new();
    for (k, val) in &auth {
        let path = at(res, &format!(".properties.auth.{k}"));
        let key = match k.as_str() {
            "type" => {
                if val != "Push" {
                    notes.add(NoteKind::Unsupported, file, &path, "auth type is not Push");
                }
                continue;
            }
            "appId" | "servicePrincipalId" => {
                casing.push(AuthKeys::Camel);
                k.clone()
            }
            "AppId" | "ServicePrincipalId" => {
                casing.push(AuthKeys::Pascal);
                let mut lower = k.clone();
                lower[..1].make_ascii_lowercase();
                lower
            }
            _ => {
                notes.add(NoteKind::Unsupported, file, &path, "unknown auth key");
                continue;
            }
        };
        match placeholder_style(val.as_str().unwrap_or_default(), "auth", &key) {
            Some(s) => styles.push(s),
            None => notes.add(
                NoteKind::Unsupported,
                file,
                &path,
                format!("{val} is neither `{{{{{key}}}}}` nor `[[parameters('auth').{key}]`"),
            ),
        }
    }
    casing.dedup();
    match casing.as_slice() {
        [one] => c.settings.auth_keys = *one,
        [] => notes.add(
            NoteKind::Unsupported,
            file,
            &at(res, ".properties.auth"),
            "no appId/servicePrincipalId",
        ),
        _ => notes.add(
            NoteKind::Unsupported,
            file,
            &at(res, ".properties.auth"),
            "mixes appId and AppId spellings",
        ),
    }
    styles.dedup();
    match styles.as_slice() {
        [one] => c.settings.placeholders = *one,
        [] => {}
        _ => notes.add(
            NoteKind::Unsupported,
            file,
            &at(res, ".properties"),
            "mixes `{{…}}` and `[[parameters(…)]` placeholders; ccfgen writes one style",
        ),
    }
    if props.get("request") != Some(&serde_json::json!({"RetryCount": 1})) {
        notes.add(
            NoteKind::Unsupported,
            file,
            &at(res, ".properties.request"),
            "ccfgen writes {\"RetryCount\": 1}",
        );
    }
    let response = props.get("response").cloned().unwrap_or(Value::Null);
    match response
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("eventsJsonPaths"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|p| p.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        }) {
        Some(Some(paths)) if !paths.is_empty() => c.settings.events_json_paths = paths,
        _ => notes.add(
            NoteKind::Unsupported,
            file,
            &at(res, ".properties.response"),
            "ccfgen writes {\"eventsJsonPaths\": [...]} only",
        ),
    }
    (stream, data_type)
}

fn placeholder_style(value: &str, object: &str, key: &str) -> Option<Placeholders> {
    if value == format!("{{{{{key}}}}}") {
        Some(Placeholders::Braces)
    } else if value == format!("[[parameters('{object}').{key}]") {
        Some(Placeholders::Parameters)
    } else {
        None
    }
}

/// Reads the DCR and its tables into the connector's tables.
fn dcr_tables(
    dcr: &Res,
    tables: &[Res],
    instance_stream: Option<&str>,
    c: &mut ConnectorSpec,
    sources: bool,
    notes: &mut Notes,
) {
    let file = dcr.file.as_str();
    let v = &dcr.value;
    c.dcr_name = v.get("name").and_then(Value::as_str).map(str::to_string);
    if sources {
        c.settings.dcr_file = dcr.file_name();
    }
    if let Some(kind) = v
        .get("kind")
        .filter(|k| !k.is_null() && k.as_str() != Some("[variables('blanks')]"))
    {
        if kind.as_str() == Some("Direct") {
            c.dcr_kind = Some(DcrKind::Direct);
        } else {
            notes.add(
                NoteKind::Unsupported,
                file,
                &at(dcr, ".kind"),
                format!("DCR kind {kind}: ccfgen writes none or `Direct`"),
            );
        }
    }
    let props = crate::json_get::obj(&v, "properties");
    let keys: Vec<&String> = props.keys().collect();
    for k in &keys {
        if ![
            "dataCollectionEndpointId",
            "streamDeclarations",
            "destinations",
            "dataFlows",
        ]
        .contains(&k.as_str())
        {
            match json_to_toml(&props[k.as_str()]) {
                Some(t) => {
                    c.dcr_properties.insert((*k).clone(), t);
                }
                None => notes.add(
                    NoteKind::Unsupported,
                    file,
                    &at(dcr, &format!(".properties.{k}")),
                    "holds a JSON null, which TOML cannot write; left out",
                ),
            }
        }
    }
    match props.get("dataCollectionEndpointId") {
        Some(Value::String(dce)) => {
            c.settings.dcr_endpoint = dce.clone();
            c.settings.dcr_endpoint_last =
                keys.last().map(|k| k.as_str()) == Some("dataCollectionEndpointId");
        }
        // A Direct DCR has its own endpoint and no DCE id.
        None if c.dcr_kind == Some(DcrKind::Direct) => c.dcr_no_endpoint = true,
        _ => notes.add(
            NoteKind::Unsupported,
            file,
            &at(dcr, ".properties.dataCollectionEndpointId"),
            "missing or not a string",
        ),
    }
    let la = props
        .get("destinations")
        .and_then(|d| d.get("logAnalytics"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if props
        .get("destinations")
        .and_then(Value::as_object)
        .is_none_or(|d| d.len() != 1)
        || la.len() != 1
    {
        notes.add(
            NoteKind::Unsupported,
            file,
            &at(dcr, ".properties.destinations"),
            "ccfgen writes exactly one logAnalytics destination",
        );
    }
    if let Some(dest) = la.first() {
        if let Some(id) = dest.get("workspaceResourceId").and_then(Value::as_str) {
            c.settings.dcr_workspace_resource_id = id.to_string();
        }
        if let Some(name) = dest.get("name").and_then(Value::as_str) {
            c.settings.dcr_destination = name.to_string();
        }
        if dest.as_object().is_some_and(|o| o.len() != 2) {
            notes.add(
                NoteKind::Unsupported,
                file,
                &at(dcr, ".properties.destinations.logAnalytics[0]"),
                "ccfgen writes workspaceResourceId and name only",
            );
        }
    }
    let streams = crate::json_get::obj(&props, "streamDeclarations");
    let flows = crate::json_get::arr(&props, "dataFlows");
    let mut used_streams: Vec<String> = Vec::new();
    let mut specs: Vec<TableSpec> = Vec::new();
    let notes_before = notes.0.len();
    let mut claimed = vec![false; tables.len()];
    // Where each table (in flow order) sits among the table resources read.
    let mut positions: Vec<usize> = Vec::new();
    for (i, flow) in flows.iter().enumerate() {
        let fpath = at(dcr, &format!(".properties.dataFlows[{i}]"));
        let f = flow.as_object().cloned().unwrap_or_default();
        for k in f.keys() {
            if !["streams", "destinations", "transformKql", "outputStream"].contains(&k.as_str()) {
                notes.add(
                    NoteKind::Unsupported,
                    file,
                    &format!("{fpath}.{k}"),
                    "ccfgen's data flows have no such member",
                );
            }
        }
        let flow_streams: Vec<&str> = f
            .get("streams")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let [stream] = flow_streams.as_slice() else {
            notes.add(
                NoteKind::Unsupported,
                file,
                &format!("{fpath}.streams"),
                "ccfgen writes one stream per data flow",
            );
            continue;
        };
        let dest_ok = f
            .get("destinations")
            .and_then(Value::as_array)
            .is_some_and(|d| {
                d.len() == 1 && d[0].as_str() == Some(c.settings.dcr_destination.as_str())
            });
        if !dest_ok {
            notes.add(
                NoteKind::Unsupported,
                file,
                &format!("{fpath}.destinations"),
                "ccfgen sends every flow to the one Log Analytics destination",
            );
        }
        let output = f
            .get("outputStream")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kql = || {
            f.get("transformKql")
                .and_then(Value::as_str)
                .unwrap_or("source")
                .to_string()
        };
        if let Some(builtin) = output.strip_prefix("Microsoft-") {
            // A flow into a built-in table: the first reader of a stream declares it, every
            // column `in = "stream"` (the table's schema is the catalogue's).
            let Some(stream_cols) =
                stream_columns(&streams, stream, &used_streams, (file, &fpath), notes)
            else {
                continue;
            };
            used_streams.push(stream.to_string());
            let declared = format!(
                "{}.properties.streamDeclarations.{stream}.columns",
                dcr.path
            );
            specs.push(builtin_spec(
                builtin,
                stream,
                &stream_cols,
                (file, &declared),
                kql(),
                notes,
            ));
            continue;
        }
        let Some(table_name) = output.strip_prefix("Custom-") else {
            notes.add(
                NoteKind::Unsupported,
                file,
                &format!("{fpath}.outputStream"),
                format!("`{output}` is neither `Custom-<table>` nor `Microsoft-<table>`"),
            );
            continue;
        };
        let found = tables
            .iter()
            .position(|t| t.value.get("name").and_then(Value::as_str) == Some(table_name));
        let Some(ti) = found else {
            notes.add(
                NoteKind::Unsupported,
                file,
                &format!("{fpath}.outputStream"),
                format!("no table `{table_name}` is defined"),
            );
            continue;
        };
        let Some(stream_cols) =
            stream_columns(&streams, stream, &used_streams, (file, &fpath), notes)
        else {
            continue;
        };
        used_streams.push(stream.to_string());
        claimed[ti] = true;
        positions.push(ti);
        let kql = kql();
        let declared = format!(
            "{}.properties.streamDeclarations.{stream}.columns",
            dcr.path
        );
        specs.push(table_spec(
            &tables[ti],
            stream,
            &stream_cols,
            (file, &declared),
            kql,
            sources,
            notes,
        ));
    }
    let flows_path = at(dcr, ".properties.dataFlows");
    if notes.0[notes_before..]
        .iter()
        .any(|n| n.kind == NoteKind::Unsupported && super::verify::under(&n.path, &flows_path))
    {
        // A flow ccfgen cannot write shifts the ones after it: the whole list differs.
        notes.add(NoteKind::Unsupported, file, &flows_path, "holds data flows ccfgen cannot write (see the notes above); the rebuilt list differs from here on");
    }
    for s in streams.keys() {
        if !used_streams.contains(s) {
            notes.add(
                NoteKind::Unsupported,
                file,
                &at(dcr, &format!(".properties.streamDeclarations.{s}")),
                "a stream no data flow reads",
            );
        }
    }
    // A table no data flow writes is kept as a table without one (`data_flow = false`).
    for (ti, claimed) in claimed.iter().enumerate() {
        if !claimed {
            let mut t = table_spec(
                &tables[ti],
                "",
                &[],
                (file, ""),
                String::new(),
                sources,
                notes,
            );
            t.stream = None;
            t.transform = None;
            t.data_flow = false;
            for c in &mut t.columns {
                c.in_ = ColumnIn::Both;
            }
            positions.push(ti);
            specs.push(t);
        }
    }
    if let (Some(s), Some(first)) = (instance_stream, specs.first())
        && first.stream.as_deref() != Some(s)
    {
        match specs.iter().position(|t| t.stream.as_deref() == Some(s)) {
            // The instance names another table's stream: say so on the instance.
            Some(_) if c.instances.is_empty() => {
                c.instances = vec![InstanceSpec {
                    name: c.data_connector_name.take().unwrap_or_default(),
                    stream: Some(s.to_string()),
                    data_type: None,
                }];
            }
            Some(_) => {}
            None => notes.add(
                NoteKind::Unsupported,
                file,
                &at(dcr, ".properties.streamDeclarations"),
                format!("the Push instance streams `{s}`, which no flow reads"),
            ),
        }
    }
    for inst in &c.instances {
        if let Some(s) = &inst.stream
            && !specs.iter().any(|t| t.stream.as_ref() == Some(s))
            && Some(s.as_str()) != instance_stream
        {
            notes.add(
                NoteKind::Unsupported,
                file,
                &at(dcr, ".properties.streamDeclarations"),
                format!(
                    "the Push instance `{}` streams `{s}`, which no flow ccfgen writes reads",
                    inst.name
                ),
            );
        }
    }
    // Tables in one file (a package, or a JSON array of tables) keep their order there.
    let inverted = positions.iter().enumerate().any(|(a, &pa)| {
        positions[a + 1..]
            .iter()
            .any(|&pb| pb < pa && tables[pb].file == tables[pa].file)
    });
    if inverted {
        // `positions` holds the custom tables (built-in ones have no resource), in `specs` order.
        let mut order: Vec<(usize, String)> = positions
            .iter()
            .zip(specs.iter().filter(|t| !t.builtin))
            .map(|(&p, t)| (p, t.name.clone()))
            .collect();
        order.sort();
        c.table_order = order.into_iter().map(|(_, n)| n).collect();
    }
    c.tables = specs;
}

#[allow(clippy::too_many_arguments)]
/// The declared columns of `stream` for the first data flow that reads it (none for a later
/// reader: the first one declares the stream), or `None` with a note when the DCR does not
/// declare it.
fn stream_columns(
    streams: &Map<String, Value>,
    stream: &str,
    used_streams: &[String],
    (file, fpath): (&str, &str),
    notes: &mut Notes,
) -> Option<Vec<Value>> {
    if used_streams.iter().any(|s| s == stream) {
        return Some(Vec::new());
    }
    let cols = streams
        .get(stream)
        .and_then(|s| s.get("columns"))
        .and_then(Value::as_array);
    if cols.is_none() {
        notes.add(
            NoteKind::Unsupported,
            file,
            &format!("{fpath}.streams"),
            format!("stream `{stream}` is not declared"),
        );
    }
    cols.cloned()
}

fn table_spec(
    res: &Res,
    stream: &str,
    stream_cols: &[Value],
    declared: (&str, &str),
    transform: String,
    sources: bool,
    notes: &mut Notes,
) -> TableSpec {
    let v = &res.value;
    let file = res.file.as_str();
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let props = crate::json_get::obj(&v, "properties");
    for k in props.keys() {
        if !["plan", "schema", "retentionInDays", "totalRetentionInDays"].contains(&k.as_str()) {
            notes.add(
                NoteKind::Unsupported,
                file,
                &at(res, &format!(".properties.{k}")),
                "ccfgen's tables have no such member",
            );
        }
    }
    let plan = match props.get("plan").and_then(Value::as_str) {
        None => TablePlan::Default,
        Some(p) => match p.to_ascii_lowercase().as_str() {
            "analytics" => TablePlan::Analytics,
            "basic" => TablePlan::Basic,
            "auxiliary" => TablePlan::Auxiliary,
            _ => {
                notes.add(
                    NoteKind::Unsupported,
                    file,
                    &at(res, ".properties.plan"),
                    format!("unknown plan `{p}`"),
                );
                TablePlan::Analytics
            }
        },
    };
    let schema = crate::json_get::obj(&props, "schema");
    if schema.get("name").and_then(Value::as_str) != Some(name.as_str()) {
        notes.add(
            NoteKind::Unsupported,
            file,
            &at(res, ".properties.schema.name"),
            "differs from the table name; ccfgen writes the table name",
        );
    }
    let mut schema_extra = indexmap::IndexMap::new();
    for (k, val) in &schema {
        if !["name", "description", "columns"].contains(&k.as_str()) {
            match json_to_toml(val) {
                Some(t) => {
                    schema_extra.insert(k.clone(), t);
                }
                None => notes.add(
                    NoteKind::Unsupported,
                    file,
                    &at(res, &format!(".properties.schema.{k}")),
                    "holds a JSON null, which TOML cannot write; left out",
                ),
            }
        }
    }
    let table_cols = crate::json_get::arr(&schema, "columns");
    let columns = merge_columns(
        stream_cols,
        &table_cols,
        (file, &at(res, ".properties.schema.columns")),
        declared,
        notes,
    );
    TableSpec {
        name,
        stream: Some(stream.to_string()),
        settings: TableSettings {
            description: schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            plan,
            retention_in_days: props
                .get("retentionInDays")
                .and_then(Value::as_u64)
                .map(|d| d as u32),
            total_retention_in_days: props
                .get("totalRetentionInDays")
                .and_then(Value::as_u64)
                .map(|d| d as u32),
        },
        transform: Some(transform),
        schema_extra,
        rust_name: None,
        file: sources.then(|| res.file_name()),
        columns,
        builtin: false,
        data_flow: true,
    }
}

/// A data flow into built-in table `name` (its `outputStream` without `Microsoft-`) as a
/// `builtin` table entry: the stream's columns (when this flow is the first to read it) are
/// declared `in = "stream"`.
fn builtin_spec(
    name: &str,
    stream: &str,
    stream_cols: &[Value],
    declared: (&str, &str),
    transform: String,
    notes: &mut Notes,
) -> TableSpec {
    let columns = merge_columns(stream_cols, &[], ("", ""), declared, notes);
    TableSpec {
        name: name.to_string(),
        stream: Some(stream.to_string()),
        settings: TableSettings::default(),
        transform: Some(transform),
        schema_extra: indexmap::IndexMap::new(),
        rust_name: None,
        file: None,
        columns,
        builtin: true,
        data_flow: true,
    }
}

/// One column as read: name, type, extra members.
struct Col {
    name: String,
    ty: String,
    description: Option<String>,
    display_name: Option<String>,
    hint: Option<String>,
    default_display: Option<bool>,
    hidden: Option<bool>,
}

fn read_cols(
    cols: &[Value],
    (file, path): (&str, &str),
    table: bool,
    notes: &mut Notes,
) -> Vec<Col> {
    let mut out = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let o = c.as_object().cloned().unwrap_or_default();
        let allowed: &[&str] = if table {
            &[
                "name",
                "type",
                "description",
                "displayName",
                "dataTypeHint",
                "isDefaultDisplay",
                "isHidden",
            ]
        } else {
            &["name", "type"]
        };
        for k in o.keys() {
            if !allowed.contains(&k.as_str()) {
                notes.add(
                    NoteKind::Unsupported,
                    file,
                    &format!("{p}.{k}"),
                    "ccfgen's columns have no such member",
                );
            }
        }
        let name = o
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let raw_ty = o
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let canonical = if table {
            ColumnType::parse_table(&raw_ty).map(|t| t.as_str().to_string())
        } else {
            ColumnType::parse_stream(&raw_ty).map(|t| t.as_str().to_string())
        };
        let ty = match canonical {
            Some(t) => {
                if t != raw_ty {
                    notes.add(
                        NoteKind::Normalized,
                        file,
                        &format!("{p}.type"),
                        format!("`{raw_ty}` is written `{t}`"),
                    );
                }
                t
            }
            None => {
                notes.add(
                    NoteKind::Unsupported,
                    file,
                    &format!("{p}.type"),
                    format!("unknown type `{raw_ty}`"),
                );
                raw_ty
            }
        };
        let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
        out.push(Col {
            name,
            ty,
            description: s("description"),
            display_name: s("displayName"),
            hint: s("dataTypeHint"),
            default_display: o.get("isDefaultDisplay").and_then(Value::as_bool),
            hidden: o.get("isHidden").and_then(Value::as_bool),
        });
    }
    out
}

/// Merges stream and table columns into one spec list: columns in both (in the same relative
/// order: the longest common subsequence of names) become `in = "both"`, the rest `stream` or
/// `table`, interleaved so both orders are kept.
fn merge_columns(
    stream: &[Value],
    table: &[Value],
    table_at: (&str, &str),
    stream_at: (&str, &str),
    notes: &mut Notes,
) -> Vec<ColumnSpec> {
    let s = read_cols(stream, stream_at, false, notes);
    let t = read_cols(table, table_at, true, notes);
    let (n, m) = (s.len(), t.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if s[i].name == t[j].name {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let stream_col = |c: &Col| ColumnSpec {
        rust_name: None,
        name: c.name.clone(),
        ty: c.ty.clone(),
        stream_type: None,
        in_: ColumnIn::Stream,
        optional: false,
        description: None,
        display_name: None,
        data_type_hint: None,
        is_default_display: None,
        is_hidden: None,
        examples: Vec::new(),
        legacy_name: false,
    };
    let table_col = |c: &Col, in_: ColumnIn, stream_type: Option<String>| ColumnSpec {
        rust_name: None,
        name: c.name.clone(),
        ty: c.ty.clone(),
        stream_type,
        in_,
        optional: false,
        description: c.description.clone(),
        display_name: c.display_name.clone(),
        data_type_hint: c.hint.clone(),
        is_default_display: c.default_display,
        is_hidden: c.hidden,
        examples: Vec::new(),
        // A table that exists with a reserved name keeps it; the spec says so.
        legacy_name: matches!(
            crate::rules::naming::reserved(&c.name),
            Some(crate::rules::naming::Reserved::Exact(_))
        ),
    };
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && s[i].name == t[j].name && lcs[i][j] == lcs[i + 1][j + 1] + 1 {
            let default_stream =
                ColumnType::parse_table(&t[j].ty).map(|ty| ty.stream_type().as_str().to_string());
            let stream_type =
                (default_stream.as_deref() != Some(s[i].ty.as_str())).then(|| s[i].ty.clone());
            out.push(table_col(&t[j], ColumnIn::Both, stream_type));
            i += 1;
            j += 1;
        } else if i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(stream_col(&s[i]));
            i += 1;
        } else {
            out.push(table_col(&t[j], ColumnIn::Table, None));
            j += 1;
        }
    }
    out
}

/// A JSON value as TOML (`None` if it holds a null, which TOML cannot write).
pub fn json_to_toml(v: &Value) -> Option<toml::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(a) => toml::Value::Array(a.iter().map(json_to_toml).collect::<Option<_>>()?),
        Value::Object(o) => {
            let mut t = toml::Table::new();
            for (k, v) in o {
                t.insert(k.clone(), json_to_toml(v)?);
            }
            toml::Value::Table(t)
        }
    })
}
