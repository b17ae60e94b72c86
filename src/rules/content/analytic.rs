//! Analytic rules and hunting queries: the members the PR pipeline's model requires
//! (`ScheduledTemplateInternalModel`, `NrtTemplateInternalModel`), their formats and bounds,
//! ATT&CK tactics and techniques, entity mappings, custom details, alert details override,
//! version, and the connectors and tables they name.

use super::{Out, Solution, attack, check_id, entities, note};
use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml_spans::Node;

/// Longest rule name.
pub const MAX_NAME: usize = 256;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 5000;
/// Longest query, in characters.
pub const MAX_QUERY: usize = 10_000;
/// Shortest query frequency or period, in minutes (5 minutes).
pub const MIN_MINUTES: u64 = 5;
/// Longest query frequency or period, in minutes (14 days).
pub const MAX_MINUTES: u64 = 14 * 24 * 60;
/// Most custom details.
pub const MAX_CUSTOM_DETAILS: usize = 20;
/// Most `{{column}}` placeholders in an alert name or description format.
pub const MAX_PLACEHOLDERS: usize = 3;

/// An analytic rule (`Analytic Rules/*.yaml`).
pub fn check_rule(o: &mut Out<'_>, solution: &Solution) {
    let root = o.doc.root.clone();
    let what = "analytic rule";
    for member in ["id", "name", "description", "severity", "query", "kind"] {
        if root.get(member).is_none_or(Node::is_null) {
            o.missing(
                "content-required",
                what,
                member,
                "the PR pipeline's schema requires it (the packager copies it into the template)",
            );
        }
    }
    check_id(o, what);
    let kind = root.get("kind");
    let kind_text = kind.and_then(Node::as_str).unwrap_or("");
    let scheduled = kind_text == "Scheduled";
    if let Some(k) = kind
        && !k.is_null()
        && !matches!(kind_text, "Scheduled" | "NRT")
    {
        o.push(
            k,
            Diagnostic::error(
                "rule-kind",
                format!("kind `{kind_text}` is not a template kind: `Scheduled` or `NRT`"),
            )
            .with_hint("write `kind: Scheduled` (runs every queryFrequency) or `kind: NRT` (near real time)"),
        );
    }
    if scheduled {
        for member in [
            "requiredDataConnectors",
            "queryFrequency",
            "queryPeriod",
            "triggerOperator",
            "triggerThreshold",
        ] {
            if root.get(member).is_none() {
                o.missing(
                    "content-required",
                    "scheduled analytic rule",
                    member,
                    "a Scheduled rule needs its schedule, its trigger and its data connectors",
                );
            }
        }
        schedule(o, &root);
        trigger(o, &root);
    }
    if let Some(sev) = root.get("severity").filter(|n| !n.is_null()) {
        let s = sev.as_str().unwrap_or("");
        if !matches!(s, "Informational" | "Low" | "Medium" | "High") {
            o.push(
                sev,
                Diagnostic::error(
                    "rule-severity",
                    format!("severity `{s}` is not one of Informational, Low, Medium, High"),
                )
                .with_hint("the names are case-sensitive"),
            );
        }
    }
    lengths(o, &root, what, true);
    attack_refs(o, &root, what);
    entity_mappings(o, &root);
    custom_details(o, &root);
    alert_details(o, &root);
    version(o, &root);
    connectors(o, &root, solution);
}

/// A hunting query (`Hunting Queries/*.yaml`).
pub fn check_hunting(o: &mut Out<'_>, solution: &Solution) {
    let root = o.doc.root.clone();
    let what = "hunting query";
    for member in ["id", "name", "description", "query"] {
        if root.get(member).is_none_or(Node::is_null) {
            o.missing(
                "content-required",
                what,
                member,
                "the packager reads it into the hunting query's saved search",
            );
        }
    }
    check_id(o, what);
    lengths(o, &root, what, false);
    attack_refs(o, &root, what);
    entity_mappings(o, &root);
    connectors(o, &root, solution);
}

fn lengths(o: &mut Out<'_>, root: &Node, what: &str, rule: bool) {
    let limits: &[(&str, usize)] = if rule {
        &[
            ("name", MAX_NAME),
            ("description", MAX_DESCRIPTION),
            ("query", MAX_QUERY),
        ]
    } else {
        &[("query", MAX_QUERY)]
    };
    for &(member, max) in limits {
        let Some(n) = root.get(member) else { continue };
        if let Some(s) = n.as_str() {
            let len = s.chars().count();
            if len > max {
                o.push(
                    n,
                    Diagnostic::error(
                        "content-length",
                        format!("the {what}'s `{member}` has {len} characters; at most {max} are accepted"),
                    )
                    .with_hint("shorten it (a long query can move shared parts into a parser function)"),
                );
            }
        } else if !n.is_null() {
            o.push(
                n,
                Diagnostic::error(
                    "content-required",
                    format!("the {what}'s `{member}` must be text, not {}", n.describe()),
                )
                .with_hint("quote it or use a `|` block"),
            );
        }
    }
}

/// Parses a query frequency or period as the pipeline's converter does: `<n>m`, `<n>h`,
/// `<n>d`, or a .NET TimeSpan (`[d.]hh:mm[:ss]`, `d`). Minutes.
pub fn duration_minutes(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(last) = s.chars().last()
        && matches!(last, 'm' | 'h' | 'd')
    {
        let n: u64 = s[..s.len() - 1].parse().ok()?;
        return n.checked_mul(match last {
            'm' => 1,
            'h' => 60,
            _ => 1440,
        });
    }
    // TimeSpan: d | [d.]hh:mm[:ss[.fff]]
    let (days, rest) = match s.split_once('.') {
        Some((d, r)) if r.contains(':') && !d.contains(':') => (d.parse::<u64>().ok()?, r),
        _ => (0, s),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    match parts.as_slice() {
        [d] => d.parse::<u64>().ok()?.checked_mul(1440),
        [h, m] | [h, m, _] => {
            let h: u64 = h.parse().ok()?;
            let m: u64 = m.parse().ok()?;
            if h > 23 || m > 59 {
                return None;
            }
            Some(days * 1440 + h * 60 + m)
        }
        _ => None,
    }
}

fn schedule(o: &mut Out<'_>, root: &Node) {
    let mut minutes = [None, None];
    for (i, member) in ["queryFrequency", "queryPeriod"].into_iter().enumerate() {
        let Some(n) = root.get(member) else { continue };
        let written = n.scalar().map(|s| s.value.as_str()).unwrap_or("");
        match duration_minutes(written) {
            None => o.push(
                n,
                Diagnostic::error(
                    "rule-schedule",
                    format!("{member} `{written}` is not a duration: write a number followed by m, h or d (`5m`, `1h`, `14d`)"),
                )
                .with_hint("ISO 8601 durations (`PT5M`) are what the packager writes into the template, not what the YAML holds"),
            ),
            Some(m) if !(MIN_MINUTES..=MAX_MINUTES).contains(&m) => o.push(
                n,
                Diagnostic::error(
                    "rule-schedule",
                    format!("{member} `{written}` is outside the accepted range of 5 minutes to 14 days"),
                )
                .with_hint("Sentinel refuses scheduled rules that run more often than every 5 minutes or look back more than 14 days"),
            ),
            Some(m) => minutes[i] = Some(m),
        }
    }
    if let [Some(freq), Some(period)] = minutes
        && freq > period
        && let Some(n) = root.get("queryFrequency")
    {
        o.push(
            n,
            Diagnostic::error(
                "rule-schedule",
                "queryFrequency is longer than queryPeriod: events between two runs would never be queried",
            )
            .with_hint("make queryPeriod at least as long as queryFrequency"),
        );
    }
}

fn trigger(o: &mut Out<'_>, root: &Node) {
    if let Some(n) = root.get("triggerOperator") {
        let s = n.as_str().unwrap_or("");
        if !matches!(
            s,
            "gt" | "lt" | "eq" | "ne" | "GreaterThan" | "LessThan" | "Equal" | "NotEqual"
        ) {
            o.push(
                n,
                Diagnostic::error(
                    "rule-trigger",
                    format!("triggerOperator `{s}` is not one of gt, lt, eq, ne"),
                )
                .with_hint("`gt` with `triggerThreshold: 0` raises an alert whenever the query returns rows"),
            );
        }
    }
    if let Some(n) = root.get("triggerThreshold") {
        let ok = n
            .style_plain_int()
            .is_some_and(|v| (0..=10_000).contains(&v));
        if !ok {
            o.push(
                n,
                Diagnostic::error(
                    "rule-trigger",
                    format!(
                        "triggerThreshold `{}` is not a whole number from 0 to 10000",
                        n.scalar().map(|s| s.value.as_str()).unwrap_or("")
                    ),
                )
                .with_hint("write a number of results, e.g. `triggerThreshold: 0`"),
            );
        }
    }
}

/// Integer value of a scalar (plain or quoted digits).
trait PlainInt {
    fn style_plain_int(&self) -> Option<i64>;
}

impl PlainInt for Node {
    fn style_plain_int(&self) -> Option<i64> {
        self.scalar()?.value.trim().parse().ok()
    }
}

fn list(node: Option<&Node>) -> Vec<&Node> {
    match node {
        Some(n) if n.is_sequence() => n.items().iter().collect(),
        Some(n) if n.is_null() => Vec::new(),
        Some(n) => vec![n],
        None => Vec::new(),
    }
}

fn attack_refs(o: &mut Out<'_>, root: &Node, what: &str) {
    let tactics: Vec<&str> = list(root.get("tactics"))
        .into_iter()
        .filter_map(|t| {
            let name = t.as_str().unwrap_or("");
            if attack::TACTICS.contains(&name) {
                Some(name)
            } else {
                let hint = attack::TACTICS
                    .iter()
                    .find(|v| v.eq_ignore_ascii_case(&name.replace(' ', "")))
                    .map(|v| format!("write `{v}` (no spaces, this case)"))
                    .unwrap_or_else(|| format!("one of {}", attack::TACTICS.join(", ")));
                o.push(
                    t,
                    Diagnostic::error(
                        "content-tactic",
                        format!("`{name}` is not a MITRE ATT&CK tactic Sentinel knows"),
                    )
                    .with_hint(hint),
                );
                None
            }
        })
        .collect();
    let table = attack::techniques();
    for t in list(root.get("relevantTechniques")) {
        let id = t.as_str().unwrap_or("").trim();
        if !attack::is_technique_id(id) {
            o.push(
                t,
                Diagnostic::error(
                    "content-technique",
                    format!("`{id}` is not a technique id (`T1234` or `T1234.001`)"),
                )
                .with_hint("use the ATT&CK technique id, not its name"),
            );
            continue;
        }
        let parent = &id[..5];
        let Some(tech) = table.get(id).or_else(|| table.get(parent)) else {
            let d = if id.starts_with("T0") {
                note(
                    "content-technique",
                    format!(
                        "`{id}` is not in the ATT&CK Enterprise matrix (an ICS technique?): its tactics are not checked"
                    ),
                )
            } else {
                Diagnostic::error(
                    "content-technique",
                    format!("`{id}` is not a technique of {}", attack::VERSION),
                )
            };
            o.push(t, d.with_hint("check the id at attack.mitre.org"));
            continue;
        };
        if tech.status != attack::Status::Active {
            o.push(
                t,
                Diagnostic::warning(
                    "content-technique",
                    format!(
                        "`{id}` is {} in {}",
                        if tech.status == attack::Status::Revoked {
                            "revoked"
                        } else {
                            "deprecated"
                        },
                        attack::VERSION
                    ),
                )
                .with_hint("use the technique that replaces it"),
            );
        }
        // the pipeline checks the technique without its sub-technique part
        let tactics_of = table.get(parent).map_or(&tech.tactics, |p| &p.tactics);
        if !tactics_of.is_empty() && !tactics_of.iter().any(|x| tactics.contains(x)) {
            o.push(
                t,
                Diagnostic::error(
                    "content-technique",
                    format!(
                        "technique `{id}` belongs to {}, none of which is in this {what}'s tactics",
                        tactics_of.join(", ")
                    ),
                )
                .with_hint("add one of its tactics to `tactics` (the PR pipeline rejects a technique without a matching tactic)".to_string()),
            );
        }
    }
}

fn is_column_name(s: &str, first_underscore: bool) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || (first_underscore && first == '_'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn entity_mappings(o: &mut Out<'_>, root: &Node) {
    let Some(em) = root.get("entityMappings").filter(|n| !n.is_null()) else {
        return;
    };
    let bad = |msg: String| {
        Diagnostic::error("rule-entity-mapping", msg).with_hint(
            "see the entity types reference of Microsoft Sentinel for each type's identifiers",
        )
    };
    if !em.is_sequence() {
        o.push(
            em,
            bad(format!(
                "entityMappings must be a list, not {}",
                em.describe()
            )),
        );
        return;
    }
    let n = em.items().len();
    if n == 0 || n > entities::MAX_MAPPINGS {
        o.push(
            em,
            bad(format!(
                "{n} entity mappings; between 1 and {} are accepted",
                entities::MAX_MAPPINGS
            )),
        );
    }
    for m in em.items() {
        let Some(ty_node) = m.get("entityType") else {
            o.push(m, bad("an entity mapping without `entityType`".to_string()));
            continue;
        };
        let ty_name = ty_node.as_str().unwrap_or("");
        let Some(ty) = entities::entity_type(ty_name) else {
            o.push(
                ty_node,
                bad(format!(
                    "`{ty_name}` is not an entity type ({})",
                    entities::TYPES
                        .iter()
                        .map(|t| t.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            continue;
        };
        let fields = m.get("fieldMappings").map(Node::items).unwrap_or(&[]);
        if fields.is_empty() || fields.len() > entities::MAX_FIELDS {
            o.push(
                m.get("fieldMappings").unwrap_or(m),
                bad(format!(
                    "{} field mappings for entity type {ty_name}; between 1 and {} are accepted",
                    fields.len(),
                    entities::MAX_FIELDS
                )),
            );
        }
        let mut used: Vec<&str> = Vec::new();
        for f in fields {
            let id_node = f.get("identifier");
            let id = id_node.and_then(Node::as_str).unwrap_or("");
            if !ty.identifiers.contains(&id) {
                o.push(
                    id_node.unwrap_or(f),
                    bad(format!(
                        "`{id}` is not an identifier of entity type {ty_name} ({})",
                        ty.identifiers.join(", ")
                    )),
                );
            } else if used.contains(&id) {
                o.push(
                    id_node.unwrap_or(f),
                    bad(format!(
                        "identifier `{id}` is mapped twice for entity type {ty_name}"
                    )),
                );
            } else {
                used.push(id);
            }
            let col_node = f.get("columnName");
            let col = col_node.and_then(Node::as_str).unwrap_or("");
            if col.chars().count() > entities::MAX_COLUMN || !is_column_name(col, true) {
                o.push(
                    col_node.unwrap_or(f),
                    bad(format!("column name `{col}` is not a column name (a letter or `_`, then letters, digits or `_`)")),
                );
            }
        }
        if !fields.is_empty()
            && !ty
                .required
                .iter()
                .any(|set| set.iter().all(|r| used.contains(r)))
        {
            let sets: Vec<String> = ty.required.iter().map(|s| s.join(" + ")).collect();
            o.push(
                ty_node,
                bad(format!(
                    "entity type {ty_name} maps none of the identifiers that identify it: {}",
                    sets.join(" or ")
                )),
            );
        }
    }
}

fn custom_details(o: &mut Out<'_>, root: &Node) {
    let Some(cd) = root.get("customDetails").filter(|n| !n.is_null()) else {
        return;
    };
    let bad = |msg: String| {
        Diagnostic::error("rule-custom-details", msg)
            .with_hint("keys: a letter, then letters, digits or `_`, at most 20 characters; values: a column name of the query's results")
    };
    if !cd.is_mapping() {
        o.push(
            cd,
            bad(format!(
                "customDetails must be a mapping, not {}",
                cd.describe()
            )),
        );
        return;
    }
    if cd.entries().len() > MAX_CUSTOM_DETAILS {
        o.push(
            cd,
            bad(format!(
                "{} custom details; at most {MAX_CUSTOM_DETAILS} are accepted",
                cd.entries().len()
            )),
        );
    }
    for e in cd.entries() {
        let key = e.key.as_str().unwrap_or("");
        if key.chars().count() > 20 || !is_column_name(key, false) {
            o.at_key(e, bad(format!("custom detail key `{key}` is not a name of at most 20 letters, digits or `_` starting with a letter")));
        }
        let value = e.value.as_str().unwrap_or("");
        if value.chars().count() > 500 || !is_column_name(value, true) {
            o.push(
                &e.value,
                bad(format!(
                    "custom detail value `{value}` is not a column name"
                )),
            );
        }
    }
}

fn alert_details(o: &mut Out<'_>, root: &Node) {
    let Some(ad) = root.get("alertDetailsOverride").filter(|n| !n.is_null()) else {
        return;
    };
    for (member, max) in [
        ("alertDisplayNameFormat", 256usize),
        ("alertDescriptionFormat", 5000),
    ] {
        let Some(n) = ad.get(member) else { continue };
        let s = n.as_str().unwrap_or("");
        let len = s.chars().count();
        let placeholders = s.matches("{{").count();
        let msg = if len == 0 || s.trim().is_empty() {
            Some(format!("{member} is empty"))
        } else if len > max {
            Some(format!(
                "{member} has {len} characters; at most {max} are accepted"
            ))
        } else if placeholders > MAX_PLACEHOLDERS {
            Some(format!(
                "{member} has {placeholders} `{{{{column}}}}` placeholders; at most {MAX_PLACEHOLDERS} are accepted"
            ))
        } else {
            None
        };
        if let Some(msg) = msg {
            o.push(
                n,
                Diagnostic::error("rule-alert-details", msg)
                    .with_hint("alert names take at most 256 characters and descriptions 5000, each with at most 3 `{{column}}` placeholders"),
            );
        }
    }
}

fn version(o: &mut Out<'_>, root: &Node) {
    let Some(n) = root.get("version") else {
        o.push(
            &root.clone(),
            Diagnostic::new(Severity::Warning, "rule-version", "the analytic rule has no `version`")
                .with_hint("add `version: 1.0.0`: the packager writes it as the template version, and raising it is how workspaces learn of an update"),
        );
        return;
    };
    let s = n.scalar().map(|s| s.value.as_str()).unwrap_or("");
    let parts: Vec<&str> = s.split('.').collect();
    let ok = s.len() <= 20
        && parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        o.push(
            n,
            Diagnostic::error(
                "rule-version",
                format!("version `{s}` is not X.Y.Z (three numbers)"),
            )
            .with_hint("write e.g. `version: 1.0.0`"),
        );
    }
}

fn connectors(o: &mut Out<'_>, root: &Node, solution: &Solution) {
    let Some(rdc) = root.get("requiredDataConnectors").filter(|n| !n.is_null()) else {
        return;
    };
    for c in rdc.items() {
        let Some(id_node) = c.get("connectorId") else {
            o.push(
                c,
                Diagnostic::error(
                    "content-connector-id",
                    "a required data connector without `connectorId`",
                )
                .with_hint("name the connector whose tables the query reads"),
            );
            continue;
        };
        let id = id_node.as_str().unwrap_or("");
        let own = solution.connectors.iter().find(|k| k.id == id);
        if own.is_none() && !known_connector(id) {
            let case = solution
                .connectors
                .iter()
                .find(|k| k.id.eq_ignore_ascii_case(id));
            o.push(
                id_node,
                Diagnostic::warning(
                    "content-connector-id",
                    match case {
                        Some(k) => format!("connector id `{id}` differs in case from this solution's connector `{}`", k.id),
                        None => format!("`{id}` is neither a connector of this solution nor a known connector id"),
                    },
                )
                .with_hint("use the connector definition's `connectorUiConfig.id`; an id outside the solution must be in Azure-Sentinel's ValidConnectorIds.json"),
            );
        }
        let Some(own) = own else { continue };
        for dt in c.get("dataTypes").map(Node::items).unwrap_or(&[]) {
            let table = dt.as_str().unwrap_or("");
            if !own.tables.iter().any(|t| t == table) {
                o.push(
                    dt,
                    Diagnostic::warning(
                        "content-data-type",
                        format!(
                            "`{table}` is not a table connector `{id}` writes ({})",
                            if own.tables.is_empty() {
                                "it writes none".to_string()
                            } else {
                                own.tables.join(", ")
                            }
                        ),
                    )
                    .with_hint("list the tables the query reads that this connector fills"),
                );
            }
        }
    }
}

/// Whether `id` is in the bundled list of connector ids the PR pipeline accepts.
pub fn known_connector(id: &str) -> bool {
    include_str!("known-connector-ids.txt")
        .lines()
        .any(|l| !l.starts_with('#') && l == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_the_pipeline() {
        assert_eq!(duration_minutes("5m"), Some(5));
        assert_eq!(duration_minutes("1h"), Some(60));
        assert_eq!(duration_minutes("14d"), Some(14 * 1440));
        assert_eq!(duration_minutes("00:05:00"), Some(5));
        assert_eq!(duration_minutes("1.00:00:00"), Some(1440));
        assert_eq!(duration_minutes("PT5M"), None);
        assert_eq!(duration_minutes("5 m"), None);
        assert_eq!(duration_minutes(""), None);
    }
}
