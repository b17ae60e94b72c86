//! Defaults: turns the file format ([`crate::spec::model`]) into the resolved [`Solution`].
//!
//! Problems that make a value unusable (an unknown type name, an unreadable logo) are found
//! here; the platform rules are checked afterwards on the resolved model by
//! [`crate::validate`].

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::solution::{
    Column, Connector, CustomPermission, GraphQuery, Instance, Logo, ReleaseNote, SampleQuery,
    Solution, Support, Table, Transform,
};
use crate::spec::LoadedSpec;
use crate::spec::model::{ColumnIn, ColumnSpec, ConnectorSpec, TableSpec};
use crate::transform;
use ccfgen_base::ColumnType;

/// Resolves defaults. Always returns a solution so that every problem can be reported; when
/// the findings hold an error, the solution must not be rendered.
pub fn resolve(loaded: &LoadedSpec) -> (Solution, Diagnostics) {
    let mut diags = Diagnostics::new();
    let spec = &loaded.spec;
    let s = &spec.solution;

    let logo = resolve_logo(loaded, &mut diags);
    let mut connectors = Vec::new();
    for (i, c) in spec.connectors.iter().enumerate() {
        connectors.push(resolve_connector(loaded, i, c, &mut diags));
    }
    let providers = if s.providers.is_empty() {
        vec![s.author.name.clone()]
    } else {
        s.providers.clone()
    };
    let solution = Solution {
        name: s.name.clone(),
        version: s.version.clone(),
        publisher_id: s.publisher_id.clone(),
        offer_id: s.offer_id.clone(),
        description: s.description.clone(),
        logo,
        author_name: s.author.name.clone(),
        author_email: s.author.email.clone(),
        support: Support {
            name: s.support.name.clone(),
            email: s.support.email.clone(),
            link: s.support.link.clone(),
            tier: s.support.tier,
        },
        providers,
        categories: s.categories.clone(),
        first_publish_date: s.first_publish_date.clone(),
        last_publish_date: s.last_publish_date.clone(),
        release_notes: s
            .release_notes
            .iter()
            .map(|r| ReleaseNote {
                version: r.version.clone(),
                date: r.date.clone(),
                change: r.change.clone(),
            })
            .collect(),
        connectors,
        api_versions: spec.package.api_versions,
        compat: spec.package.compat.unwrap_or_default(),
        extra_content: resolve_extra_content(loaded, &mut diags),
        content: resolve_content(loaded, &mut diags),
    };
    (solution, diags)
}

/// Reads the content files beside the spec; each problem becomes a `content-file` error at
/// the file's line and column (or at the `[content]` key).
fn resolve_content(loaded: &LoadedSpec, diags: &mut Diagnostics) -> crate::content::Content {
    let (content, problems) = crate::content::load(&loaded.dir, &loaded.spec.content);
    for p in problems {
        let mut d = Diagnostic::error(crate::content::RULE, p.message.clone());
        if let Some(key) = &p.spec_key {
            d = d
                .with_hint(format!("paths are relative to {}", loaded.dir.display()))
                .at(loaded.at(key));
        } else if let Some(file) = &p.file {
            let path = loaded.dir.join(file);
            let mut at = crate::diagnostic::Location::file(&path);
            if let Some((offset, line, column)) = p.at {
                at.span = offset..offset;
                at.line = line;
                at.column = column;
            }
            d = d
                .with_hint(
                    "the content formats are described in docs/package.md (Solution content)",
                )
                .at(at);
        }
        diags.push(d);
    }
    content
}

fn resolve_extra_content(
    loaded: &LoadedSpec,
    diags: &mut Diagnostics,
) -> Option<crate::extra_content::ExtraContent> {
    let rel = loaded.spec.package.extra_content.as_ref()?;
    let path = inside_spec_dir(loaded, rel, "package.extra_content", diags)?;
    match crate::extra_content::ExtraContent::read(&path) {
        Ok(extra) => Some(extra),
        Err(e) => {
            diags.push(
                Diagnostic::error("extra-content", format!("cannot use `{rel}`: {e}"))
                    .with_hint(format!(
                        "the path is relative to {}; see docs/package.md for the file's shape",
                        loaded.dir.display()
                    ))
                    .at(loaded.at("package.extra_content")),
            );
            None
        }
    }
}

/// A path written in the spec, relative to its folder, refused (with a finding at `key`)
/// unless it is a plain relative path that stays inside that folder ([`crate::safe_path`]).
fn inside_spec_dir(
    loaded: &LoadedSpec,
    rel: &str,
    key: &str,
    diags: &mut Diagnostics,
) -> Option<std::path::PathBuf> {
    match crate::safe_path::resolve_inside(&loaded.dir, rel) {
        Ok(path) => Some(path),
        Err(e) => {
            diags.push(
                Diagnostic::error(crate::safe_path::RULE, e.to_string())
                    .with_hint(format!(
                        "{}; the path is relative to {}",
                        e.hint(),
                        loaded.dir.display()
                    ))
                    .at(loaded.at(key)),
            );
            None
        }
    }
}

fn resolve_logo(loaded: &LoadedSpec, diags: &mut Diagnostics) -> Option<Logo> {
    let s = &loaded.spec.solution;
    let set: Vec<&str> = [
        ("logo", s.logo.is_some()),
        ("logo_url", s.logo_url.is_some()),
        ("logo_html", s.logo_html.is_some()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(k, _)| *k)
    .collect();
    if set.len() > 1 {
        diags.push(
            Diagnostic::error(
                "logo-conflict",
                format!("`{}` and `{}` are both set", set[0], set[1]),
            )
            .with_hint("keep one: `logo` inlines an SVG file, `logo_url` links an image, `logo_html` is written verbatim")
            .at(loaded.at_key(&format!("solution.{}", set[1]))),
        );
        return None;
    }
    if let Some(html) = &s.logo_html {
        return Some(Logo::Html(html.clone()));
    }
    match (&s.logo, &s.logo_url) {
        (Some(_), Some(_)) => None,
        (Some(path), None) => {
            if !path.to_ascii_lowercase().ends_with(".svg") {
                diags.push(
                    Diagnostic::error("logo-file", format!("logo `{path}` is not an .svg file"))
                        .with_hint("Content Hub logos are SVG; convert the image to SVG")
                        .at(loaded.at("solution.logo")),
                );
                return None;
            }
            let path = inside_spec_dir(loaded, path, "solution.logo", diags)?;
            match crate::input::read_to_string(&path, crate::input::MAX_LOGO_BYTES, "a logo") {
                Ok(svg) => Some(Logo::Svg(inline_svg(&svg))),
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            "logo-file",
                            format!("cannot read logo `{}`: {e}", path.display()),
                        )
                        .with_hint(format!("the path is relative to {}", loaded.dir.display()))
                        .at(loaded.at("solution.logo")),
                    );
                    None
                }
            }
        }
        (None, Some(url)) => Some(Logo::Url(url.clone())),
        (None, None) => None,
    }
}

/// SVG markup on one line: no XML declaration or comments, whitespace between tags removed,
/// other runs of whitespace collapsed to one space.
pub fn inline_svg(svg: &str) -> String {
    let mut text = svg.trim().to_string();
    while let Some(start) = text.find("<?") {
        let Some(end) = text[start..].find("?>") else {
            break;
        };
        text.replace_range(start..start + end + 2, "");
    }
    while let Some(start) = text.find("<!--") {
        let Some(end) = text[start..].find("-->") else {
            break;
        };
        text.replace_range(start..start + end + 3, "");
    }
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.trim().chars() {
        if ch.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.ends_with('>') && ch != '<' {
            out.push(' ');
        }
        pending_space = false;
        out.push(ch);
    }
    out
}

fn resolve_connector(
    loaded: &LoadedSpec,
    index: usize,
    c: &ConnectorSpec,
    diags: &mut Diagnostics,
) -> Connector {
    let s = &loaded.spec.solution;
    let path = format!("connectors[{index}]");
    let id =
        c.id.clone()
            .unwrap_or_else(|| format!("{}Push", identifier(&s.name)));
    let title = c
        .title
        .clone()
        .unwrap_or_else(|| format!("{} (Push)", s.name));
    let mut tables = Vec::new();
    let resources = c.tables.iter().filter(|t| !t.builtin).count();
    for (t, table) in c.tables.iter().enumerate() {
        tables.push(resolve_table(
            loaded,
            &format!("{path}.tables[{t}]"),
            table,
            resources,
            diags,
        ));
    }
    // Derived transforms read the declared stream: a table's own stream columns, or those of
    // the table that declares a stream it shares.
    for i in 0..tables.len() {
        if !tables[i].transform.derived || !tables[i].data_flow {
            continue;
        }
        let stream = &tables[i].stream;
        let owner = tables
            .iter()
            .filter(|t| t.data_flow && &t.stream == stream)
            .find(|t| t.stream_columns().next().is_some())
            .unwrap_or(&tables[i]);
        let declared: Vec<(String, ColumnType)> = owner
            .stream_columns()
            .map(|(c, ty)| (c.name.clone(), ty))
            .collect();
        tables[i].transform.kql = transform::derive(&tables[i], &declared);
    }
    let ui =
        c.ui.iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect();
    // The default queries show the tables data flows write, each once.
    let mut names: Vec<&str> = Vec::new();
    for t in tables.iter().filter(|t| t.data_flow) {
        if !names.contains(&t.name.as_str()) {
            names.push(&t.name);
        }
    }
    let sample_queries = if c.sample_queries.is_empty() {
        names
            .iter()
            .map(|t| SampleQuery {
                description: format!("All {t} records"),
                query: format!("{t}\n| sort by TimeGenerated desc"),
            })
            .collect()
    } else {
        c.sample_queries.clone()
    };
    let graph_queries = if c.graph_queries.is_empty() {
        names
            .iter()
            .map(|t| GraphQuery {
                metric_name: "Total data received".to_string(),
                legend: t.to_string(),
                base_query: t.to_string(),
            })
            .collect()
    } else {
        c.graph_queries.clone()
    };
    let data_connector_name = c
        .data_connector_name
        .clone()
        .unwrap_or_else(|| format!("{id}ConnectorPolling"));
    let first_stream = tables
        .iter()
        .find(|t| t.data_flow)
        .map(|t| t.stream.clone())
        .unwrap_or_default();
    let instances = if c.instances.is_empty() {
        vec![Instance {
            path: path.clone(),
            name: data_connector_name.clone(),
            stream: first_stream,
            data_type: None,
        }]
    } else {
        c.instances
            .iter()
            .enumerate()
            .map(|(i, inst)| Instance {
                path: format!("{path}.instances[{i}]"),
                name: inst.name.clone(),
                stream: inst.stream.clone().unwrap_or_else(|| first_stream.clone()),
                data_type: inst.data_type.clone(),
            })
            .collect()
    };
    let table_order = resolve_table_order(loaded, &path, c, diags);
    let (permission_customs, permission_workspace) = match &c.permissions {
        Some(p) => (p.customs.clone(), p.workspace),
        None => (default_customs(), true),
    };
    Connector {
        path,
        settings: c.settings.clone(),
        dcr_kind: c.dcr_kind,
        dcr_endpoint_omitted: c.dcr_no_endpoint,
        folder: c.folder.clone().unwrap_or_else(|| format!("{id}_ccf")),
        dcr_name: c.dcr_name.clone().unwrap_or_else(|| format!("{id}DCR")),
        data_connector_name,
        dcr_properties: c
            .dcr_properties
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect(),
        instances,
        table_order,
        publisher: c.publisher.clone().unwrap_or_else(|| s.author.name.clone()),
        description: c
            .description
            .clone()
            .unwrap_or_else(|| s.description.clone()),
        application: c
            .application
            .clone()
            .unwrap_or_else(|| format!("{} application", s.name)),
        sample_queries,
        graph_queries,
        permission_customs,
        permission_workspace,
        deploy_button_label: c
            .deploy_button_label
            .clone()
            .unwrap_or_else(|| format!("Deploy {} connector resources", s.name)),
        application_display_name: c
            .application_display_name
            .clone()
            .unwrap_or_else(|| format!("{} Push Connector Application", s.name)),
        instructions: c.instructions.clone(),
        ui,
        tables,
        id,
        title,
    }
}

/// `table_order` as indices into the connector's tables: every table named once; without a
/// `table_order`, the order of `tables`.
fn resolve_table_order(
    loaded: &LoadedSpec,
    path: &str,
    c: &ConnectorSpec,
    diags: &mut Diagnostics,
) -> Vec<usize> {
    // Built-in tables have no resource: the order is of the custom tables.
    let all: Vec<usize> = (0..c.tables.len())
        .filter(|&i| !c.tables[i].builtin)
        .collect();
    if c.table_order.is_empty() {
        return all;
    }
    let mut order = Vec::new();
    for (i, name) in c.table_order.iter().enumerate() {
        match all.iter().copied().find(|&t| &c.tables[t].name == name) {
            Some(t) if !order.contains(&t) => order.push(t),
            found => {
                let why = if found.is_some() {
                    format!("table `{name}` is named twice in `table_order`")
                } else {
                    format!(
                        "`table_order` names `{name}`, which is not a custom table of the connector"
                    )
                };
                diags.push(
                    Diagnostic::error("table-order", why)
                        .with_hint("name every custom table of the connector once")
                        .at(loaded.at(&format!("{path}.table_order[{i}]"))),
                );
                return all;
            }
        }
    }
    if order.len() != all.len() {
        let missing: Vec<&str> = all
            .iter()
            .filter(|i| !order.contains(i))
            .map(|&i| c.tables[i].name.as_str())
            .collect();
        diags.push(
            Diagnostic::error(
                "table-order",
                format!("`table_order` leaves out {}", missing.join(", ")),
            )
            .with_hint("name every custom table of the connector once")
            .at(loaded.at(&format!("{path}.table_order"))),
        );
        return all;
    }
    order
}

fn default_customs() -> Vec<CustomPermission> {
    vec![
        CustomPermission {
            name: "Microsoft Entra".to_string(),
            description: "Permission to create an app registration in Microsoft Entra ID. Typically requires Entra ID Application Developer role or higher.".to_string(),
        },
        CustomPermission {
            name: "Microsoft Azure".to_string(),
            description: "Permission to assign Monitoring Metrics Publisher role on data collection rule (DCR). Typically requires Azure RBAC Owner or User Access Administrator role.".to_string(),
        },
    ]
}

fn resolve_table(
    loaded: &LoadedSpec,
    path: &str,
    t: &TableSpec,
    siblings: usize,
    diags: &mut Diagnostics,
) -> Table {
    let base = t.name.strip_suffix("_CL").unwrap_or(&t.name);
    // A column whose type is unusable is kept without types (so its name is still checked and
    // the other problems are still reported); the error recorded for it stops the build.
    let columns: Vec<Column> = t
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let path = format!("{path}.columns[{i}]");
            resolve_column(loaded, &path, c, diags).unwrap_or_else(|| column(path, c, None, None))
        })
        .collect();
    let mut table = Table {
        path: path.to_string(),
        name: t.name.clone(),
        stream: t.stream.clone().unwrap_or_else(|| format!("Custom-{base}")),
        file: t.file.clone().unwrap_or_else(|| {
            if siblings == 1 {
                "table.json".to_string()
            } else {
                format!("{}_table.json", t.name)
            }
        }),
        settings: t.settings.clone(),
        transform: Transform {
            kql: String::new(),
            derived: t.transform.is_none(),
        },
        schema_extra: t
            .schema_extra
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect(),
        rust_name: t
            .rust_name
            .clone()
            .unwrap_or_else(|| crate::rust_names::struct_name(base)),
        columns,
        builtin: None,
        data_flow: t.data_flow,
    };
    if t.builtin {
        table.builtin = Some(builtin_columns(
            loaded,
            path,
            &t.name,
            &table.columns,
            diags,
        ));
    }
    if let Some(kql) = &t.transform {
        table.transform.kql = kql.clone();
    }
    table
}

/// A built-in table's columns from the catalogue, as resolved columns of the table (path: the
/// table's); a spec column of the same name that is in the stream lends its stream type. An
/// empty list when the catalogue has no schema of the table (a warning says so).
fn builtin_columns(
    loaded: &LoadedSpec,
    path: &str,
    name: &str,
    spec_columns: &[Column],
    diags: &mut Diagnostics,
) -> Vec<Column> {
    let catalog = ccfgen_kql::catalog::builtin();
    // A name written as an output stream or a custom table is `builtin-table` (validate).
    if name.starts_with("Microsoft-") || name.ends_with("_CL") {
        return Vec::new();
    }
    let Some(columns) = catalog.table(name) else {
        let near = crate::spec::shape::closest(name, catalog.table_names());
        let hint = match near {
            Some(n) => format!(
                "did you mean `{n}`? Names are case-sensitive; without a schema the transform is checked for KQL errors only"
            ),
            None => format!(
                "catalogue {} has no schema of it: the transform is checked for KQL errors only; make sure it outputs only columns the table has",
                catalog.version
            ),
        };
        diags.push(
            Diagnostic::warning(
                "builtin-table-unknown",
                format!("built-in table `{name}` is not in the catalogue of built-in tables"),
            )
            .with_hint(hint)
            .at(loaded.at(&format!("{path}.name"))),
        );
        return Vec::new();
    };
    columns
        .iter()
        .filter_map(|c| {
            let ty = ColumnType::parse_table(c.ty.kusto_name())?;
            let stream_type = spec_columns
                .iter()
                .find(|s| s.name == c.name && s.table_type.is_some())
                .and_then(|s| s.stream_type);
            Some(Column {
                path: path.to_string(),
                name: c.name.clone(),
                table_type: Some(ty),
                stream_type,
                rust_name: crate::rust_names::field_name(&c.name),
                ..Column::default()
            })
        })
        .collect()
}

/// The resolved column for `c` with the given types (both `None` when its type is unusable:
/// the column is kept so its other problems are still reported).
fn column(
    path: String,
    c: &ColumnSpec,
    table_type: Option<ColumnType>,
    stream_type: Option<ColumnType>,
) -> Column {
    Column {
        path,
        name: c.name.clone(),
        table_type,
        stream_type,
        optional: c.optional,
        description: c.description.clone(),
        display_name: c.display_name.clone(),
        data_type_hint: c.data_type_hint.clone(),
        is_default_display: c.is_default_display,
        is_hidden: c.is_hidden,
        examples: c.examples.iter().map(toml_to_json).collect(),
        rust_name: c
            .rust_name
            .clone()
            .unwrap_or_else(|| crate::rust_names::field_name(&c.name)),
        legacy_name: c.legacy_name,
    }
}

fn resolve_column(
    loaded: &LoadedSpec,
    path: &str,
    c: &ColumnSpec,
    diags: &mut Diagnostics,
) -> Option<Column> {
    let Some(ty) = ColumnType::parse_table(&c.ty) else {
        diags.push(
            Diagnostic::error("column-type", format!("unknown column type `{}`", c.ty))
                .with_hint(format!(
                    "use one of: {}",
                    ColumnType::list(&ColumnType::ALL, ", ")
                ))
                .at(loaded.at(&format!("{path}.type"))),
        );
        return None;
    };
    let stream_override = match &c.stream_type {
        None => None,
        Some(name) => match ColumnType::parse_stream(name) {
            Some(st) => Some(st),
            None => {
                let hint = if name.eq_ignore_ascii_case("guid") {
                    "streams have no guid type: leave `stream_type` out (a guid column arrives as string and is converted)".to_string()
                } else {
                    format!("use one of: {}", ColumnType::list(ColumnType::STREAM, ", "))
                };
                diags.push(
                    Diagnostic::error("stream-type", format!("unknown stream type `{name}`"))
                        .with_hint(hint)
                        .at(loaded.at(&format!("{path}.stream_type"))),
                );
                return None;
            }
        },
    };
    let (table_type, stream_type) = match c.in_ {
        ColumnIn::Both => (Some(ty), Some(stream_override.unwrap_or(ty.stream_type()))),
        ColumnIn::Stream => {
            if ty == ColumnType::Guid && stream_override.is_none() {
                diags.push(
                    Diagnostic::error("stream-type", "a stream-only column cannot be `guid`")
                        .with_hint("streams have no guid type: declare it as `string`")
                        .at(loaded.at(&format!("{path}.type"))),
                );
                return None;
            }
            (None, Some(stream_override.unwrap_or(ty.stream_type())))
        }
        ColumnIn::Table => {
            if stream_override.is_some() {
                diags.push(
                    Diagnostic::error(
                        "stream-type",
                        "`stream_type` is set on a column that is only in the table",
                    )
                    .with_hint("remove `stream_type`, or set `in = \"both\"`")
                    .at(loaded.at_key(&format!("{path}.stream_type"))),
                );
                return None;
            }
            (Some(ty), None)
        }
    };
    Some(column(path.to_string(), c, table_type, stream_type))
}

/// Letters and digits only (for ids derived from display names).
fn identifier(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// A TOML value as JSON (datetimes become their TOML text).
pub fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_is_inlined_on_one_line() {
        let svg = "<?xml version=\"1.0\"?>\n<!-- logo -->\n<svg width=\"75\"\n  height=\"75\">\n  <text x=\"1\">A  B</text>\n</svg>\n";
        assert_eq!(
            inline_svg(svg),
            "<svg width=\"75\" height=\"75\"><text x=\"1\">A B</text></svg>"
        );
    }
}
