//! The allow-list: violations of the published schemas that are the schema's fault, not the
//! package's (`schema/published-schemas-allow.toml`). Every entry names the document, the
//! resource type and API version, a JSON path pattern, the failing schema keyword, the reason
//! and the evidence (an official package that fails the same way). There is no blanket entry:
//! a violation is explained only when all four coordinates match.

use serde::Deserialize;

use crate::json_spans::{JsonPath, Segment};

/// The document an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Document {
    /// `Package/mainTemplate.json`.
    #[serde(rename = "mainTemplate")]
    MainTemplate,
    /// `Package/createUiDefinition.json`.
    #[serde(rename = "createUiDefinition")]
    CreateUiDefinition,
}

/// One allow-list entry, as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    /// The document.
    pub document: Document,
    /// `type@apiVersion` of the resource the value is in, exactly as the template writes
    /// them (the type compared ignoring case, as ARM does); absent for values outside any
    /// resource. Matches a resource at any nesting depth.
    #[serde(default)]
    pub resource: Option<String>,
    /// Where the value is, relative to the resource (or to the document without `resource`):
    /// the `ccfgen check` path syntax (`properties.dataFlows[0].streams`) where `*` stands for
    /// any one member name and `[*]` for any one index.
    pub path: String,
    /// The schema keyword that fails (`enum`, `required`, `additionalProperties`, …).
    pub keyword: String,
    /// Text the violation's message must contain (the missing member of a `required`, the
    /// rejected value of an `enum`), so that an entry explains one fault and no other at the
    /// same place.
    #[serde(default)]
    pub message: Option<String>,
    /// Why the published schema is wrong or older than the service.
    pub reason: String,
    /// The evidence: which official package fails the same way, or what the service accepts.
    pub evidence: String,
}

/// The file's shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    allow: Vec<AllowEntry>,
}

/// One step of a path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    AnyKey,
    Index(usize),
    AnyIndex,
}

/// An entry with its pattern parsed.
#[derive(Debug, Clone)]
pub(super) struct Compiled {
    pub entry: AllowEntry,
    steps: Vec<Step>,
    resource: Option<(String, String)>,
}

/// Reads the allow-list text.
pub(super) fn parse(text: &str) -> Result<Vec<Compiled>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    file.allow
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let steps = pattern(&entry.path).map_err(|e| format!("entry {}: {e}", i + 1))?;
            let resource = match &entry.resource {
                None => None,
                Some(r) => {
                    let (ty, api) = r.split_once('@').ok_or_else(|| {
                        format!("entry {}: `resource` is `type@apiVersion`", i + 1)
                    })?;
                    Some((ty.to_ascii_lowercase(), api.to_string()))
                }
            };
            if entry.reason.trim().is_empty() || entry.evidence.trim().is_empty() {
                return Err(format!(
                    "entry {}: `reason` and `evidence` are required",
                    i + 1
                ));
            }
            Ok(Compiled {
                entry,
                steps,
                resource,
            })
        })
        .collect()
}

impl Compiled {
    /// Whether this entry explains a violation of `keyword` at `path` (relative to the
    /// resource `resource`, a `(type, apiVersion)` pair, or to the document).
    pub fn matches(
        &self,
        document: Document,
        resource: Option<(&str, &str)>,
        path: &JsonPath,
        keyword: &str,
        message: &str,
    ) -> bool {
        if self.entry.document != document || self.entry.keyword != keyword {
            return false;
        }
        if let Some(m) = &self.entry.message
            && !message.contains(m.as_str())
        {
            return false;
        }
        match (&self.resource, resource) {
            (None, None) => {}
            (Some((ty, api)), Some((t, a))) if ty.eq_ignore_ascii_case(t) && api == a => {}
            _ => return false,
        }
        let segs = path.segments();
        segs.len() == self.steps.len()
            && self
                .steps
                .iter()
                .zip(segs)
                .all(|(step, seg)| match (step, seg) {
                    (Step::AnyKey, Segment::Key(_)) | (Step::AnyIndex, Segment::Index(_)) => true,
                    (Step::Key(k), Segment::Key(s)) => k == s,
                    (Step::Index(n), Segment::Index(i)) => n == i,
                    _ => false,
                })
    }
}

/// Parses `properties.dataFlows[*].streams`, `*.kind`, `["odd key"]`, `$` (the root).
fn pattern(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    if text == "$" {
        return Ok(steps);
    }
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' if !steps.is_empty() => i += 1,
            b'[' => {
                let end = text[i..]
                    .find(']')
                    .map(|e| i + e)
                    .ok_or_else(|| format!("unclosed `[` in `{text}`"))?;
                let inner = &text[i + 1..end];
                steps.push(if inner == "*" {
                    Step::AnyIndex
                } else if let Ok(n) = inner.parse::<usize>() {
                    Step::Index(n)
                } else if let Ok(serde_json::Value::String(k)) = serde_json::from_str(inner) {
                    Step::Key(k)
                } else {
                    return Err(format!(
                        "`[{inner}]` in `{text}` is no index, `*` or quoted key"
                    ));
                });
                i = end + 1;
            }
            _ => {
                let end = text[i..]
                    .find(['.', '['])
                    .map(|e| i + e)
                    .unwrap_or(text.len());
                let key = &text[i..end];
                if key.is_empty() {
                    return Err(format!("empty member name in `{text}`"));
                }
                steps.push(if key == "*" {
                    Step::AnyKey
                } else {
                    Step::Key(key.to_string())
                });
                i = end;
            }
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(steps: &[Segment]) -> JsonPath {
        let mut p = JsonPath::root();
        for s in steps {
            p.push(s.clone());
        }
        p
    }

    #[test]
    fn patterns_match_keys_indexes_and_wildcards() {
        let text = r#"
            [[allow]]
            document = "mainTemplate"
            resource = "Microsoft.Insights/dataCollectionRules@2022-06-01"
            path = "properties.dataFlows[*].*"
            keyword = "enum"
            message = "\"Custom-"
            reason = "r"
            evidence = "e"
        "#;
        let entries = parse(text).unwrap();
        let e = &entries[0];
        let p = path(&[
            Segment::Key("properties".into()),
            Segment::Key("dataFlows".into()),
            Segment::Index(3),
            Segment::Key("streams".into()),
        ]);
        let dcr = Some(("microsoft.insights/datacollectionrules", "2022-06-01"));
        let m = "\"Custom-X\" is not one of";
        assert!(e.matches(Document::MainTemplate, dcr, &p, "enum", m));
        assert!(!e.matches(
            Document::MainTemplate,
            dcr,
            &p,
            "enum",
            "\"Other\" is not one of"
        ));
        assert!(!e.matches(Document::MainTemplate, dcr, &p, "type", m));
        assert!(!e.matches(Document::CreateUiDefinition, dcr, &p, "enum", m));
        let other_version = Some(("Microsoft.Insights/dataCollectionRules", "2023-03-11"));
        assert!(!e.matches(Document::MainTemplate, other_version, &p, "enum", m));
        assert!(!e.matches(Document::MainTemplate, None, &p, "enum", m));
        let shorter = path(&p.segments()[..3]);
        assert!(!e.matches(Document::MainTemplate, dcr, &shorter, "enum", m));
    }

    #[test]
    fn bad_entries_are_refused() {
        let base = "[[allow]]\ndocument = \"mainTemplate\"\nkeyword = \"enum\"\n";
        for (extra, needle) in [
            (
                "path = \"a[\"\nreason = \"r\"\nevidence = \"e\"",
                "unclosed",
            ),
            (
                "path = \"a[x]\"\nreason = \"r\"\nevidence = \"e\"",
                "no index",
            ),
            ("path = \"a\"\nreason = \" \"\nevidence = \"e\"", "required"),
            (
                "path = \"a\"\nresource = \"T\"\nreason = \"r\"\nevidence = \"e\"",
                "type@apiVersion",
            ),
            ("path = \"a\"\nreason = \"r\"", "evidence"),
        ] {
            let err = parse(&format!("{base}{extra}\n")).unwrap_err();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn root_and_quoted_keys_parse() {
        assert_eq!(pattern("$").unwrap(), vec![]);
        assert_eq!(
            pattern(r#"parameters["a b"][2]"#).unwrap(),
            vec![
                Step::Key("parameters".into()),
                Step::Key("a b".into()),
                Step::Index(2)
            ]
        );
    }
}
