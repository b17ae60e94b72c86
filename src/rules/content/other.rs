//! Parsers (`Parsers/*.yaml`: KQL functions) and workbooks (`Workbooks/*.json`).

use super::{ContentFile, ContentKind, Finding, Out, check_id};
use crate::diagnostic::Diagnostic;
use crate::yaml_spans::Node;

/// A parser: a function name and body, an id, well-formed parameters.
pub fn check_parser(o: &mut Out<'_>) {
    let root = o.doc.root.clone();
    if root.get("FunctionQuery").is_none_or(Node::is_null) {
        o.missing(
            "content-required",
            "parser",
            "FunctionQuery",
            "the function's body: the KQL the packager deploys as a saved search",
        );
    }
    let name = root
        .get("FunctionAlias")
        .filter(|n| !n.is_null())
        .or_else(|| root.get("FunctionName").filter(|n| !n.is_null()));
    match name {
        None => o.missing(
            "content-required",
            "parser",
            "FunctionAlias",
            "the name queries call the function by (`FunctionAlias`, or `FunctionName`)",
        ),
        Some(n) => {
            let s = n.as_str().unwrap_or("");
            let mut chars = s.chars();
            let ok = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                o.push(
                    n,
                    Diagnostic::error(
                        "parser-function",
                        format!("`{s}` is not a KQL function name (a letter or `_`, then letters, digits or `_`)"),
                    )
                    .with_hint("queries call the parser by this name"),
                );
            }
        }
    }
    if root.get("id").is_some() {
        check_id(o, "parser");
    }
    if let Some(params) = root.get("FunctionParams").filter(|n| !n.is_null()) {
        for p in params.items() {
            for member in ["Name", "Type"] {
                if p.get(member).and_then(Node::as_str).is_none() {
                    o.push(
                        p,
                        Diagnostic::error(
                            "parser-function",
                            format!("a function parameter without `{member}`"),
                        )
                        .with_hint(
                            "each parameter needs `Name` and `Type` (and may have `Default`)",
                        ),
                    );
                }
            }
        }
    }
}

/// The function a parser declares: name, Kusto parameter list, body. `None` when the file
/// lacks a name or a body.
pub fn parser_function(root: &Node) -> Option<(String, String, &Node)> {
    let name = root
        .get("FunctionAlias")
        .and_then(Node::as_str)
        .or_else(|| root.get("FunctionName").and_then(Node::as_str))?;
    let body = root.get("FunctionQuery").filter(|n| n.as_str().is_some())?;
    let params: Vec<String> = root
        .get("FunctionParams")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|p| {
            let n = p.get("Name")?.as_str()?;
            let t = p.get("Type")?.as_str()?;
            Some(match p.get("Default").and_then(|d| d.scalar()) {
                Some(d) if t == "string" => {
                    format!("{n}:{t}={}", serde_json::Value::from(d.value.as_str()))
                }
                Some(d) if !d.value.is_empty() => format!("{n}:{t}={}", d.value),
                _ => format!("{n}:{t}"),
            })
        })
        .collect();
    Some((name.to_string(), format!("({})", params.join(", ")), body))
}

/// A workbook: an object with `version` and `items`, and a `fromTemplateId` the packager
/// can keep stable.
pub fn check_workbook(o: &mut Out<'_>, text: &str) {
    let root = o.doc.root.clone();
    if serde_json::from_str::<serde_json::Value>(text).is_err() {
        o.push(
            &root,
            Diagnostic::error(
                "workbook-json",
                "the workbook is not JSON (it reads only as YAML)",
            )
            .with_hint("workbooks are JSON files: quote every string and member name"),
        );
        return;
    }
    if !root.is_mapping() {
        o.push(
            &root,
            Diagnostic::error(
                "workbook-shape",
                format!("a workbook is an object, not {}", root.describe()),
            )
            .with_hint("save the workbook's Gallery template (Advanced editor) as the file"),
        );
        return;
    }
    match root.get("version") {
        Some(v) if v.as_str().is_some_and(|s| s.starts_with("Notebook/")) => {}
        Some(v) => o.push(
            v,
            Diagnostic::error(
                "workbook-shape",
                format!(
                    "workbook version `{}` is not `Notebook/1.0`",
                    v.as_str().unwrap_or("")
                ),
            )
            .with_hint("a workbook template starts with `\"version\": \"Notebook/1.0\"`"),
        ),
        None => o.missing(
            "workbook-shape",
            "workbook",
            "version",
            "a workbook template starts with `\"version\": \"Notebook/1.0\"`",
        ),
    }
    match root.get("items") {
        Some(i) if i.is_sequence() => {}
        Some(i) => o.push(
            i,
            Diagnostic::error(
                "workbook-shape",
                format!("`items` must be an array, not {}", i.describe()),
            )
            .with_hint("the workbook's steps"),
        ),
        None => o.missing(
            "workbook-shape",
            "workbook",
            "items",
            "the workbook's steps: an array",
        ),
    }
    match root.get("fromTemplateId") {
        Some(t) if t.as_str().is_some_and(|s| s.starts_with("sentinel-") && s.len() > 9) => {}
        Some(t) => o.push(
            t,
            Diagnostic::warning(
                "workbook-template-id",
                format!("fromTemplateId `{}` does not start with `sentinel-`", t.as_str().unwrap_or("")),
            )
            .with_hint("the packager writes `sentinel-<workbook key>`; keep it stable across versions so that saved workbooks recognise their template"),
        ),
        None => o.findings.push(Finding {
            diagnostic: Diagnostic::warning("workbook-template-id", "the workbook has no `fromTemplateId`")
                .with_hint("add `\"fromTemplateId\": \"sentinel-<workbook key>\"` and never change it: it links saved workbooks to this template"),
            span: root.span.start..root.span.start,
        }),
    }
}

/// `workbook-template-id`: two workbooks of a solution with one `fromTemplateId`.
pub fn template_ids_unique(files: &[ContentFile], out: &mut [Vec<Finding>]) {
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    for (i, f) in files.iter().enumerate() {
        if f.kind != ContentKind::Workbook {
            continue;
        }
        let Ok(doc) = &f.doc else { continue };
        let Some(t) = doc.root.get("fromTemplateId") else {
            continue;
        };
        let Some(s) = t.as_str() else { continue };
        if let Some(&first) = seen.get(s) {
            out[i].push(Finding {
                diagnostic: Diagnostic::error(
                    "workbook-template-id",
                    format!(
                        "fromTemplateId `{s}` is also the template id of `{}`",
                        files[first].rel
                    ),
                )
                .with_hint("each workbook needs its own template id"),
                span: t.span.clone(),
            });
        } else {
            seen.insert(s, i);
        }
    }
}

/// Every KQL query item of a workbook (step type 3 reading a Log Analytics workspace),
/// nested groups included: the `query` node of each.
pub fn workbook_queries(root: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    let mut stack: Vec<&Node> = root
        .get("items")
        .map(|i| i.items().iter().rev().collect())
        .unwrap_or_default();
    while let Some(item) = stack.pop() {
        let Some(content) = item.get("content") else {
            continue;
        };
        if let Some(nested) = content.get("items") {
            stack.extend(nested.items().iter().rev());
        }
        let ty = item
            .get("type")
            .and_then(|t| t.scalar())
            .map(|s| s.value.as_str());
        if ty != Some("3") {
            continue;
        }
        let query_type = content
            .get("queryType")
            .and_then(|t| t.scalar())
            .map(|s| s.value.as_str());
        let resource = content
            .get("resourceType")
            .and_then(Node::as_str)
            .unwrap_or("microsoft.operationalinsights/workspaces");
        if matches!(query_type, None | Some("0"))
            && resource.eq_ignore_ascii_case("microsoft.operationalinsights/workspaces")
            && let Some(q) = content.get("query").filter(|q| q.as_str().is_some())
        {
            out.push(q);
        }
    }
    out
}
