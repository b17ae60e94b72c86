//! What the files of a tree are: the CCF resources they hold (a file may hold one resource,
//! an array of them, or an ARM template with a `resources` array), the solution packages
//! (`Package/mainTemplate.json`), the files ccfgen knows and ignores, and stray files.
//!
//! Every resource remembers its file, its JSON path in the file and its *scope*: the solution
//! folder it belongs to (the folder above `Data Connectors` or `Package`), so that two
//! solutions in one repository never link to each other.

use serde_json::Value;

use super::files::Doc;
use crate::json_spans::JsonPath;

pub use crate::scan::Kind;
use crate::scan::kind::is_template;
pub use crate::scan::scope_key;
use crate::scan::{NOT_RESOURCES, in_data_connectors};

/// One CCF resource found in a file.
#[derive(Debug, Clone)]
pub struct Resource<'a> {
    /// Index of the file in the tree.
    pub doc: usize,
    /// JSON path of the resource object in the file.
    pub path: JsonPath,
    /// What it is.
    pub kind: Kind,
    /// The resource object.
    pub value: &'a Value,
    /// Index of its scope (solution folder) in [`Model::scopes`].
    pub scope: usize,
}

impl<'a> Resource<'a> {
    /// The resource `name`.
    pub fn name(&self) -> &'a str {
        self.value.get("name").and_then(Value::as_str).unwrap_or("")
    }

    /// `properties`, or null.
    pub fn properties(&self) -> &'a Value {
        self.value.get("properties").unwrap_or(&Value::Null)
    }

    /// JSON path of `properties.<keys…>`.
    pub fn prop_path(&self, keys: &[&str]) -> JsonPath {
        self.path.key("properties").keys(keys)
    }
}

/// A `Package/mainTemplate.json`.
#[derive(Debug, Clone)]
pub struct Package<'a> {
    /// Index of the file.
    pub doc: usize,
    /// The template.
    pub value: &'a Value,
    /// Its scope.
    pub scope: usize,
}

/// Everything found in a tree.
#[derive(Debug)]
pub struct Model<'a> {
    /// The files.
    pub docs: &'a [Doc],
    /// Every resource, in file order.
    pub resources: Vec<Resource<'a>>,
    /// Every package template.
    pub packages: Vec<Package<'a>>,
    /// Files under `Data Connectors` that are no CCF resource (index, why).
    pub strays: Vec<(usize, &'static str)>,
    /// Scope folders (relative paths; `""` is the root).
    pub scopes: Vec<String>,
}

impl<'a> Model<'a> {
    /// Classifies every file.
    pub fn build(docs: &'a [Doc]) -> Model<'a> {
        let mut m = Model {
            docs,
            resources: Vec::new(),
            packages: Vec::new(),
            strays: Vec::new(),
            scopes: Vec::new(),
        };
        for (i, doc) in docs.iter().enumerate() {
            let Ok(value) = &doc.json else { continue };
            let scope = m.scope_of(&doc.rel);
            let before = m.resources.len();
            let name = doc.file_name();
            if name.eq_ignore_ascii_case(crate::scan::MAIN_TEMPLATE) && is_template(value) {
                m.packages.push(Package {
                    doc: i,
                    value,
                    scope,
                });
                continue;
            }
            for (path, found) in crate::scan::kind::resources(value) {
                m.resources.push(Resource {
                    doc: i,
                    path,
                    kind: found.kind,
                    value: found.value,
                    scope,
                });
            }
            if m.resources.len() > before || !in_data_connectors(&doc.rel) {
                continue;
            }
            if NOT_RESOURCES.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                continue;
            }
            let why = if value.get("connectivityCriterias").is_some() {
                "a legacy (GenericUI) data connector, not a CCF resource"
            } else if is_template(value) {
                "an ARM template without CCF resources"
            } else {
                "not a CCF resource (no known `type`)"
            };
            m.strays.push((i, why));
        }
        m
    }

    fn scope_of(&mut self, rel: &str) -> usize {
        let scope = scope_key(rel);
        match self.scopes.iter().position(|s| s == scope) {
            Some(i) => i,
            None => {
                self.scopes.push(scope.to_string());
                self.scopes.len() - 1
            }
        }
    }

    /// The resources of a kind.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = (usize, &Resource<'a>)> {
        self.resources
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.kind == kind)
    }

    /// The folder of a resource's file (relative, `/`-separated).
    pub fn dir(&self, r: &Resource<'_>) -> &str {
        let rel = &self.docs[r.doc].rel;
        rel.rsplit_once('/').map_or("", |(d, _)| d)
    }

    /// Among `candidates` (resource indices), the one closest to `from` in the folder tree:
    /// the same folder first, then the deepest common ancestor; ties go to file order.
    pub fn closest(
        &self,
        from: &Resource<'_>,
        candidates: impl IntoIterator<Item = usize>,
    ) -> Option<usize> {
        let here = self.dir(from);
        candidates
            .into_iter()
            .filter(|&c| self.resources[c].scope == from.scope)
            .max_by_key(|&c| {
                (
                    common_depth(here, self.dir(&self.resources[c])),
                    std::cmp::Reverse(c),
                )
            })
    }
}

fn common_depth(a: &str, b: &str) -> usize {
    if a == b {
        return usize::MAX;
    }
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(rel: &str, text: &str) -> Doc {
        Doc::from_text(rel, rel, text.to_string())
    }

    #[test]
    fn classifies_files_and_scopes() {
        let docs = vec![
            doc(
                "A/Data Connectors/x/dcr.json",
                r#"{"type":"Microsoft.Insights/dataCollectionRules","name":"d"}"#,
            ),
            doc(
                "A/Data Connectors/x/tables.json",
                r#"[{"type":"Microsoft.OperationalInsights/workspaces/tables","name":"T_CL"},{"type":"Microsoft.OperationalInsights/workspaces/tables","name":"U_CL"}]"#,
            ),
            doc("A/Data Connectors/x/notes.json", r#"{"hello":1}"#),
            doc("A/Data Connectors/x/host.json", r#"{"version":"2.0"}"#),
            doc(
                "A/Package/mainTemplate.json",
                r#"{"$schema":"x","resources":[]}"#,
            ),
            doc(
                "B/Data Connectors/arm.json",
                r#"{"$schema":"x","resources":[{"type":"Microsoft.OperationalInsights/workspaces/providers/dataConnectors","name":"p"}]}"#,
            ),
            doc("A/Workbooks/w.json", r#"{"version":"Notebook/1.0"}"#),
        ];
        let m = Model::build(&docs);
        let kinds: Vec<(Kind, String, usize)> = m
            .resources
            .iter()
            .map(|r| (r.kind, r.path.to_string(), r.scope))
            .collect();
        assert_eq!(
            kinds,
            [
                (Kind::Dcr, "$".to_string(), 0),
                (Kind::Table, "[0]".to_string(), 0),
                (Kind::Table, "[1]".to_string(), 0),
                (Kind::DataConnector, "resources[0]".to_string(), 1),
            ]
        );
        assert_eq!(m.scopes, ["A", "B", ""]);
        assert_eq!(m.packages.len(), 1);
        assert_eq!(m.strays.iter().map(|(d, _)| *d).collect::<Vec<_>>(), [2]);
        let dcr = &m.resources[0];
        assert_eq!(
            m.closest(dcr, [1, 2, 3]),
            Some(1),
            "same folder and scope; other scopes never"
        );
    }
}
