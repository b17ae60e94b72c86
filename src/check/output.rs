//! Machine-readable reports: a plain JSON document, and SARIF 2.1.0 for GitHub code scanning
//! (`github/codeql-action/upload-sarif`): the rule catalogue as the tool's rules, one result
//! per finding with its file, line and column, and a fingerprint that survives reformatting
//! (rule, file, JSON path and message; no line numbers).

use std::path::{Component, Path};

use serde_json::{Map, Value, json};

use super::catalog;
use super::{Finding, Report};
use crate::diagnostic::Severity;
use crate::source::SourceFile;

/// The SARIF schema URI written into reports.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The report as plain JSON.
pub fn json(report: &Report) -> Value {
    // findings come sorted by file: each file's path is written once
    let mut file: Option<(&Path, Value)> = None;
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            let mut map = Map::new();
            map.insert("rule".into(), d.rule.into());
            map.insert("severity".into(), json!(d.severity));
            map.insert("message".into(), d.message.as_str().into());
            if let Some(h) = &d.hint {
                map.insert("hint".into(), h.as_str().into());
            }
            if let Some(l) = &d.location {
                let path = match &file {
                    Some((p, v)) if *p == l.file => v.clone(),
                    _ => {
                        let v = Value::from(slash_path(&l.file));
                        file = Some((&l.file, v.clone()));
                        v
                    }
                };
                map.insert("file".into(), path);
                map.insert("line".into(), l.line.into());
                map.insert("column".into(), l.column.into());
            }
            if let Some(p) = &f.json_path {
                map.insert("jsonPath".into(), p.as_str().into());
            }
            Value::Object(map)
        })
        .collect();
    let mut out = json!({
        "tool": { "name": "ccfgen", "version": env!("CARGO_PKG_VERSION") },
        "root": slash_path(&report.root),
        "stats": report.stats,
        "summary": {
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "notes": report.count(Severity::Note),
        },
    });
    // moved in, not serialized again as `json!` would
    if let Value::Object(map) = &mut out {
        map.insert("findings".into(), Value::Array(findings));
    }
    out
}

/// The report as a SARIF 2.1.0 log with one run.
pub fn sarif(report: &Report) -> Value {
    let rules: Vec<Value> = catalog::RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": pascal_case(r.id),
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.help },
                "help": {
                    "text": format!("{} {}", r.summary, r.help),
                    "markdown": format!("**{}**\n\n{}", r.summary, r.help),
                },
                "defaultConfiguration": { "level": level(r.level) },
                "properties": { "tags": ["ccfgen", "sentinel", "ccf"] },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, &report.sources))
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "ccfgen",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn result(f: &Finding, sources: &[SourceFile]) -> Value {
    let d = &f.diagnostic;
    let text = match &d.hint {
        Some(h) => format!("{} (hint: {h})", d.message),
        None => d.message.clone(),
    };
    let mut r = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": { "text": text },
    });
    let map = r.as_object_mut().expect("an object");
    if let Some(index) = catalog::RULES.iter().position(|c| c.id == d.rule) {
        map.insert("ruleIndex".into(), json!(index));
    }
    if let Some(l) = &d.location {
        let (end_line, end_column) = sources
            .iter()
            .find(|s| s.path() == l.file)
            .map_or((l.line, l.column), |s| {
                s.line_col(l.span.end.max(l.span.start))
            });
        let mut region = json!({ "startLine": l.line, "startColumn": l.column });
        if (end_line, end_column) > (l.line, l.column) {
            region["endLine"] = json!(end_line);
            region["endColumn"] = json!(end_column);
        }
        map.insert(
            "locations".into(),
            json!([{
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(&l.file) },
                    "region": region,
                }
            }]),
        );
        let anchor = f
            .json_path
            .clone()
            .unwrap_or_else(|| format!("@{}", l.span.start));
        let key = format!(
            "{}\0{}\0{}\0{}",
            d.rule,
            slash_path(&l.file),
            anchor,
            d.message
        );
        map.insert(
            "partialFingerprints".into(),
            json!({ "ccfgenFinding/v1": format!("{:016x}", fnv1a(key.as_bytes())) }),
        );
    }
    r
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// `transform-column-missing` → `TransformColumnMissing`.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A path with `/` separators and without `./` steps.
fn slash_path(path: &Path) -> String {
    let mut out = String::new();
    for (i, c) in path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .enumerate()
    {
        if i > 0 {
            out.push('/');
        }
        if !matches!(c, Component::RootDir) {
            out.push_str(&c.as_os_str().to_string_lossy());
        }
    }
    out
}

/// A URI reference for a path: relative paths stay relative (GitHub resolves them against
/// the repository root), absolute ones become `file://` URIs; unsafe characters are
/// percent-encoded.
pub fn uri(path: &Path) -> String {
    let text = slash_path(path);
    let encoded: String = text
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    if path.is_absolute() {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// FNV-1a, 64 bits: a fingerprint that is the same on every platform and Rust version.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_names() {
        assert_eq!(
            uri(Path::new("./Solutions/Red Canary/Data Connectors/x.json")),
            "Solutions/Red%20Canary/Data%20Connectors/x.json"
        );
        assert_eq!(uri(Path::new("/tmp/a b.json")), "file:///tmp/a%20b.json");
        assert_eq!(uri(Path::new("../shared/c.json")), "../shared/c.json");
        assert_eq!(
            pascal_case("transform-column-missing"),
            "TransformColumnMissing"
        );
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }
}
