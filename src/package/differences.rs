//! The deliberate differences between ccfgen's package and the official packager's: each is
//! a flaw of the official tool that ccfgen fixes by default (`--compat official` reproduces
//! it). [`classify`] tells, for one JSON difference between the two, which fix explains it;
//! the conformance runner uses it so that only unexplained differences fail. docs/package.md
//! has the same table with the reasons.

use serde_json::Value;

/// One deliberate difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deliberate {
    /// Short id.
    pub id: &'static str,
    /// What ccfgen does instead.
    pub what: &'static str,
}

/// Every deliberate difference, in the order of docs/package.md.
pub const DELIBERATE: &[Deliberate] = &[
    Deliberate {
        id: "auth-default",
        what: "the Connections template's `auth` default is well-formed (`[[parameters('auth').appId]`, no stray `]`)",
    },
    Deliberate {
        id: "per-connector-version",
        what: "each connector keeps its own `version` (`dataConnectorCCPVersionN` variables when they differ)",
    },
    Deliberate {
        id: "literal-description",
        what: "the description is substituted literally (`$` in it is text, not a regex token)",
    },
    Deliberate {
        id: "arm-literal",
        what: "user text that looks like an ARM expression (`[…]`) gets one extra `[` per evaluation",
    },
    Deliberate {
        id: "securestring",
        what: "secret-looking parameters (validateFieldTypes.ps1 names) are `securestring`",
    },
    Deliberate {
        id: "no-blanks",
        what: "no `kind: null` on tables and no `kind: [variables('blanks')]` on DCRs (nor the `blanks` variable)",
    },
    Deliberate {
        id: "dce-variable",
        what: "the DCR's `dataCollectionEndpointId` always refers to a `dataCollectionEndpointIdN` variable",
    },
    Deliberate {
        id: "workbook-description",
        what: "a workbook's metadata `description` is its description, not the whole metadata entry printed as `@{…}.description`",
    },
    Deliberate {
        id: "technique-duplicates",
        what: "a rule's `techniques` list each parent technique once (the packager repeats it per sub-technique)",
    },
    Deliberate {
        id: "description-quotes",
        what: "only a matching pair of quotes around a rule description is removed",
    },
    Deliberate {
        id: "expression-quotes",
        what: "a `'` in a content id or name (a watchlist's display name too) placed inside an ARM expression is doubled",
    },
];

fn find(id: &str) -> &'static Deliberate {
    DELIBERATE.iter().find(|d| d.id == id).expect("known id")
}

fn var_index(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// Which deliberate difference explains `official` → `ours` at `path` (a JSON path in
/// mainTemplate.json or createUiDefinition.json), if any.
pub fn classify(
    path: &str,
    official: Option<&Value>,
    ours: Option<&Value>,
) -> Option<&'static Deliberate> {
    let last = path.rsplit('.').next().unwrap_or(path);
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    if path.contains(".parameters.auth.defaultValue.") {
        return Some(find("auth-default"));
    }
    if last.starts_with("techniques") {
        return Some(find("technique-duplicates"));
    }
    if path == "$.variables.blanks"
        || (last == "tags"
            && ours.is_none()
            && official.is_some_and(|v| v.as_array().is_some_and(Vec::is_empty)))
        || (last == "kind"
            && ours.is_none()
            && (official.is_some_and(Value::is_null)
                || text(official).as_deref() == Some("[variables('blanks')]")))
        || (ours.is_none()
            && official.is_some_and(|v| {
                v.is_null()
                    || v.as_str().is_some_and(str::is_empty)
                    || v.as_array().is_some_and(Vec::is_empty)
                    || v.as_object().is_some_and(serde_json::Map::is_empty)
            }))
    {
        return Some(find("no-blanks"));
    }
    if let Some(name) = path.strip_prefix("$.variables.") {
        if var_index(name, "dataCollectionEndpointId") && official.is_none() {
            return Some(find("dce-variable"));
        }
        if var_index(name, "dataConnectorCCPVersion") || name == "dataConnectorCCPVersion" {
            return Some(find("per-connector-version"));
        }
    }
    if last == "dataCollectionEndpointId"
        && text(ours).is_some_and(|o| o.starts_with("[variables('dataCollectionEndpointId"))
    {
        return Some(find("dce-variable"));
    }
    if text(ours).is_some_and(|o| o.contains("dataConnectorCCPVersion"))
        && text(official).is_some_and(|o| o.contains("dataConnectorCCPVersion"))
    {
        return Some(find("per-connector-version"));
    }
    if last == "type" && text(ours).as_deref() == Some("securestring") {
        return Some(find("securestring"));
    }
    if let (Some(o), Some(u)) = (text(official), text(ours)) {
        if last == "description" && o.starts_with("@{") && o.ends_with("}.description") {
            return Some(find("workbook-description"));
        }
        if (u.starts_with('\'') || u.starts_with('"'))
            && u.chars().count() == o.chars().count() + 2
            && u.chars().skip(1).take(o.chars().count()).eq(o.chars())
        {
            return Some(find("description-quotes"));
        }
        if u != o && u.contains("''") && u.replace("''", "'") == o {
            return Some(find("expression-quotes"));
        }
        if u.len() > o.len() && u.ends_with(&o) && u[..u.len() - o.len()].chars().all(|c| c == '[')
        {
            return Some(find("arm-literal"));
        }
        if (last == "descriptionHtml" || last == "description")
            && (o.contains('{') || u.contains('$'))
        {
            return Some(find("literal-description"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The `id` column of docs/package.md's "Deliberate differences" table, in order.
    fn documented_ids() -> Vec<String> {
        let doc = include_str!("../../docs/package.md");
        let section = doc
            .split("\n## ")
            .find(|s| s.starts_with("Deliberate differences"))
            .expect("docs/package.md has a `## Deliberate differences` section");
        section
            .lines()
            .filter(|l| l.starts_with("| `"))
            .filter_map(|l| l.split('`').nth(1).map(str::to_string))
            .collect()
    }

    #[test]
    fn docs_list_every_deliberate_difference_in_order() {
        let ours: Vec<&str> = DELIBERATE.iter().map(|d| d.id).collect();
        assert_eq!(
            documented_ids(),
            ours,
            "docs/package.md's table of deliberate differences and DELIBERATE disagree: \
             a row per difference, in the same order"
        );
    }

    #[test]
    fn classifies_each_fix() {
        let c = |p: &str, o: Option<Value>, u: Option<Value>| {
            classify(p, o.as_ref(), u.as_ref()).map(|d| d.id)
        };
        assert_eq!(
            c(
                "$.resources[3].properties.mainTemplate.parameters.auth.defaultValue.appId",
                Some(json!("[[x]]")),
                Some(json!("[[x]"))
            ),
            Some("auth-default")
        );
        assert_eq!(
            c(
                "$.variables.blanks",
                Some(json!("[replace('b', 'b', '')]")),
                None
            ),
            Some("no-blanks")
        );
        assert_eq!(
            c(
                "$.resources[0].properties.mainTemplate.resources[3].kind",
                Some(Value::Null),
                None
            ),
            Some("no-blanks")
        );
        assert_eq!(
            c(
                "$.variables.dataCollectionEndpointId1",
                None,
                Some(json!("[concat()]"))
            ),
            Some("dce-variable")
        );
        assert_eq!(
            c(
                "$.x.properties.dataCollectionEndpointId",
                Some(json!("[concat()]")),
                Some(json!("[variables('dataCollectionEndpointId1')]"))
            ),
            Some("dce-variable")
        );
        assert_eq!(
            c("$.x.title", Some(json!("[beta]")), Some(json!("[[beta]"))),
            Some("arm-literal")
        );
        assert_eq!(
            c(
                "$.parameters.apiToken.type",
                Some(json!("string")),
                Some(json!("securestring"))
            ),
            Some("securestring")
        );
        assert_eq!(
            c(
                "$.resources[0].properties.mainTemplate.resources[1].properties.description",
                Some(json!("@{workbookKey=K; description=D}.description")),
                Some(json!("D"))
            ),
            Some("workbook-description")
        );
        assert_eq!(
            c("$.r.properties.techniques[1]", Some(json!("T1078")), None),
            Some("technique-duplicates")
        );
        assert_eq!(
            c(
                "$.r.properties.description",
                Some(json!("abc")),
                Some(json!("'abcd"))
            ),
            Some("description-quotes")
        );
        assert_eq!(
            c(
                "$.variables.x",
                Some(json!("[resourceId('a', 'it's')]")),
                Some(json!("[resourceId('a', 'it''s')]"))
            ),
            Some("expression-quotes")
        );
        assert_eq!(
            c("$.r.properties.tags", Some(json!([])), None),
            Some("no-blanks")
        );
        assert_eq!(c("$.x.title", Some(json!("a")), Some(json!("b"))), None);
    }
}
