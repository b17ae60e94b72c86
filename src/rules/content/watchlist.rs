//! Watchlists (`Watchlists/**/*.json`): ARM templates of `…/providers/Watchlists` resources in
//! the repository's format (`Watchlists/Templates/WatchlistTemplate.json`: `displayName`,
//! `source`, `description`, `provider`, `contentType`, `numberOfLinesToSkip`,
//! `itemsSearchKey`, `rawContent`). A JSON file under `Watchlists/` holding no such resource
//! is not a watchlist and is not checked.
//!
//! The packager (`GenerateWatchList`, docs/package.md) reads `resources[0]` only, names two
//! variables after `displayName` and makes `watchlistAlias` the watchlist's name in the
//! workspace; [`check_watchlist`] and [`unique`] check what that needs.

use std::ops::Range;

use super::{ContentFile, ContentKind, Finding, Out};
use crate::diagnostic::Diagnostic;
use crate::yaml_spans::Node;

/// Whether a resource is a watchlist (`…/providers/Watchlists`, `Microsoft.SecurityInsights/watchlists`).
fn is_watchlist(resource: &Node) -> bool {
    resource
        .get("type")
        .and_then(Node::as_str)
        .is_some_and(|t| t.to_ascii_lowercase().ends_with("/watchlists"))
}

/// The watchlist resources of a file: the root's `resources`, or the root itself.
pub fn watchlists(root: &Node) -> Vec<&Node> {
    if is_watchlist(root) {
        return vec![root];
    }
    root.get("resources")
        .map(|r| r.items().iter().filter(|r| is_watchlist(r)).collect())
        .unwrap_or_default()
}

/// `watchlist-required` and `watchlist-search-key`: each watchlist resource has the members
/// Sentinel needs, and its `itemsSearchKey` is a column of the CSV header of `rawContent`
/// (after `numberOfLinesToSkip` lines).
pub fn check_watchlist(o: &mut Out<'_>) {
    let root = o.doc.root.clone();
    if !is_watchlist(&root) && !watchlists(&root).is_empty() {
        check_first(o, &root);
    }
    for resource in watchlists(&root) {
        let Some(props) = resource.get("properties").filter(|p| p.is_mapping()) else {
            o.push(
                resource,
                Diagnostic::error(
                    "watchlist-required",
                    "the watchlist resource has no `properties` object",
                )
                .with_hint("see Azure-Sentinel's Watchlists/Templates/WatchlistTemplate.json"),
            );
            continue;
        };
        check_alias(o, props);
        for member in [
            "displayName",
            "watchlistAlias",
            "provider",
            "itemsSearchKey",
            "rawContent",
        ] {
            let ok = props
                .get(member)
                .and_then(Node::as_str)
                .is_some_and(|s| !s.trim().is_empty());
            if !ok {
                let at = props.get(member).unwrap_or(props);
                o.push(
                    at,
                    Diagnostic::error(
                        "watchlist-required",
                        format!("the watchlist has no `{member}` (a non-empty string)"),
                    )
                    .with_hint(match member {
                        "rawContent" => "the watchlist's items: the CSV text, header line first",
                        "itemsSearchKey" => "the CSV column that `_GetWatchlist()` lookups join on",
                        "watchlistAlias" => "the watchlist's name in the workspace (`_GetWatchlist('<alias>')`); the packager makes it the `watchlistN-id` parameter's default",
                        _ => "see Azure-Sentinel's Watchlists/Templates/WatchlistTemplate.json",
                    }),
                );
            }
        }
        if let Some(ct) = props.get("contentType").and_then(Node::as_str)
            && !ct.eq_ignore_ascii_case("text/csv")
        {
            let node = props.get("contentType").unwrap_or(props);
            o.push(
                node,
                Diagnostic::error(
                    "watchlist-required",
                    format!("contentType `{ct}` is not `text/csv`"),
                )
                .with_hint(
                    "watchlist content in a solution is CSV: `\"contentType\": \"text/csv\"`",
                ),
            );
        }
        let (Some(key_node), Some(raw)) = (props.get("itemsSearchKey"), props.get("rawContent"))
        else {
            continue;
        };
        let (Some(key), Some(text)) = (key_node.as_str(), raw.as_str()) else {
            continue;
        };
        if key.trim().is_empty() || text.trim().is_empty() {
            continue;
        }
        let skip = props
            .get("numberOfLinesToSkip")
            .and_then(|n| n.to_json().as_u64())
            .unwrap_or(0) as usize;
        let rows = match csv_rows(text) {
            Ok(rows) => rows,
            Err(at) => {
                let node = raw.clone();
                o.inside(
                    &node,
                    at..at + 1,
                    Diagnostic::error(
                        "watchlist-csv",
                        "rawContent is not CSV: this quote is never closed",
                    )
                    .with_hint("a quoted field ends with `\"`; a quote inside it is written twice (`\"\"`)"),
                );
                continue;
            }
        };
        let Some(header) = rows.get(skip) else {
            o.push(
                raw,
                Diagnostic::error(
                    "watchlist-search-key",
                    format!("rawContent has no header line after the {skip} skipped line(s)"),
                )
                .with_hint("the first line after numberOfLinesToSkip names the columns"),
            );
            continue;
        };
        let columns: Vec<&str> = header.fields.iter().map(|c| c.trim()).collect();
        if !columns.iter().any(|c| *c == key.trim()) {
            let node = key_node.clone();
            o.push(
                &node,
                Diagnostic::error(
                    "watchlist-search-key",
                    format!(
                        "itemsSearchKey `{key}` is not a column of the CSV header ({})",
                        columns.join(", ")
                    ),
                )
                .with_hint("name one of the header's columns (case-sensitive): lookups by `SearchKey` use it"),
            );
        }
        let raw_node = raw.clone();
        for row in rows.iter().skip(skip + 1) {
            if row.fields.len() != header.fields.len() && !row.is_blank() {
                o.inside(
                    &raw_node,
                    row.span.clone(),
                    Diagnostic::warning(
                        "watchlist-csv",
                        format!(
                            "this CSV line has {} field(s), the header {}",
                            row.fields.len(),
                            header.fields.len()
                        ),
                    )
                    .with_hint("quote a field that holds a comma (`\"a,b\"`); every item has the header's columns"),
                );
                break;
            }
        }
    }
}

/// One CSV record of `rawContent`: its fields (quotes removed, `""` read as `"`) and its byte
/// range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// The fields.
    pub fields: Vec<String>,
    /// Where the record is in the text (line break excluded).
    pub span: Range<usize>,
}

impl CsvRow {
    /// Whether the record is an empty line.
    pub fn is_blank(&self) -> bool {
        self.fields.len() == 1 && self.fields[0].trim().is_empty()
    }
}

/// The records of CSV text (RFC 4180: `,` separates fields, `"…"` quotes a field that may
/// hold commas and line breaks, `""` inside it is a quote; lines end with `\r\n` or `\n`).
/// A final line break adds no record. `Err` is the byte offset of a quote never closed.
pub fn csv_rows(text: &str) -> Result<Vec<CsvRow>, usize> {
    let bytes = text.as_bytes();
    let mut rows = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut start = 0;
    let mut i = 0;
    let mut field_start = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' if i == field_start => {
                let open = i;
                i += 1;
                let mut closed = false;
                let mut piece_start = i;
                while i < bytes.len() {
                    if bytes[i] == b'"' {
                        field.push_str(&text[piece_start..i]);
                        if bytes.get(i + 1) == Some(&b'"') {
                            field.push('"');
                            i += 2;
                            piece_start = i;
                            continue;
                        }
                        i += 1;
                        closed = true;
                        break;
                    }
                    i += 1;
                }
                if !closed {
                    return Err(open);
                }
                // Text after the closing quote belongs to the field (as spreadsheets read it).
                let rest_start = i;
                while i < bytes.len() && !matches!(bytes[i], b',' | b'\n' | b'\r') {
                    i += 1;
                }
                field.push_str(&text[rest_start..i]);
            }
            b',' => {
                fields.push(std::mem::take(&mut field));
                i += 1;
                field_start = i;
            }
            b'\r' | b'\n' => {
                let end = i;
                if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                i += 1;
                fields.push(std::mem::take(&mut field));
                rows.push(CsvRow {
                    fields: std::mem::take(&mut fields),
                    span: start..end,
                });
                start = i;
                field_start = i;
            }
            _ => {
                let from = i;
                while i < bytes.len() && !matches!(bytes[i], b',' | b'\n' | b'\r') {
                    i += 1;
                }
                field.push_str(&text[from..i]);
            }
        }
    }
    if start < bytes.len() || !fields.is_empty() || !field.is_empty() {
        fields.push(field);
        rows.push(CsvRow {
            fields,
            span: start..bytes.len(),
        });
    }
    Ok(rows)
}

/// Whether a watchlist alias is a name the packager and Sentinel can use: letters, digits,
/// `_` and `-`, starting with a letter or digit, at most 64 characters. It becomes the last
/// segment of the watchlist's resource name and the argument of `_GetWatchlist('<alias>')`;
/// `ccfgen import` also names the watchlist's file after it.
pub fn alias_is_legal(alias: &str) -> bool {
    let mut chars = alias.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && alias.len() <= 64
}

/// `watchlist-alias`: the alias is a legal name (checked per file by [`check_watchlist`]).
fn check_alias(o: &mut Out<'_>, props: &Node) {
    let Some(node) = props.get("watchlistAlias") else {
        return;
    };
    let Some(alias) = node.as_str().filter(|a| !a.trim().is_empty()) else {
        return;
    };
    if !alias_is_legal(alias) {
        let node = node.clone();
        o.push(
            &node,
            Diagnostic::error(
                "watchlist-alias",
                format!("watchlistAlias `{alias}` is not a legal watchlist name"),
            )
            .with_hint("use letters, digits, `_` and `-` (at most 64, starting with a letter or digit): it names the watchlist in the workspace and in `_GetWatchlist('<alias>')`"),
        );
    }
}

/// `watchlist-resources`: the packager packages `resources[0]` only.
fn check_first(o: &mut Out<'_>, root: &Node) {
    let Some(resources) = root.get("resources") else {
        return;
    };
    let items = resources.items();
    let first_is_watchlist = items.first().is_some_and(is_watchlist);
    if items.len() > 1 || !first_is_watchlist {
        let at = items
            .get(1)
            .filter(|_| first_is_watchlist)
            .unwrap_or(resources);
        let at = at.clone();
        o.push(
            &at,
            Diagnostic::error(
                "watchlist-resources",
                if first_is_watchlist {
                    format!(
                        "the file holds {} resources; the packager packages the first only",
                        items.len()
                    )
                } else {
                    "the first resource is not the watchlist; the packager packages the first only"
                        .to_string()
                },
            )
            .with_hint(
                "one watchlist per file, as the only resource (the repo's Watchlists format)",
            ),
        );
    }
}

/// `watchlist-duplicate`: two watchlists of a solution with one `displayName` (the packager's
/// variable names and content id) or one `watchlistAlias` (the name in the workspace), case
/// ignored.
pub fn unique(files: &[ContentFile], out: &mut [Vec<Finding>]) {
    for member in ["displayName", "watchlistAlias"] {
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for (i, f) in files.iter().enumerate() {
            if f.kind != ContentKind::Watchlist {
                continue;
            }
            let Ok(doc) = &f.doc else { continue };
            for resource in watchlists(&doc.root) {
                let Some(node) = resource.get("properties").and_then(|p| p.get(member)) else {
                    continue;
                };
                let Some(text) = node.as_str() else { continue };
                let key = text.trim().to_lowercase();
                if key.is_empty() {
                    continue;
                }
                match seen.get(&key) {
                    Some(&first) => out[i].push(Finding {
                        diagnostic: Diagnostic::error(
                            "watchlist-duplicate",
                            format!(
                                "{member} `{text}` is also the {member} of the watchlist in `{}`",
                                files[first].rel
                            ),
                        )
                        .with_hint(if member == "displayName" {
                            "the packager names two variables after the display name: give each watchlist its own"
                        } else {
                            "the alias names the watchlist in the workspace: give each watchlist its own"
                        }),
                        span: node.span.clone(),
                    }),
                    None => {
                        seen.insert(key, i);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_follow_rfc_4180() {
        let rows = csv_rows("a,b\r\n\"1,2\",\"say \"\"hi\"\"\"\r\n\"x\ny\",z").unwrap();
        let fields: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.fields.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            fields,
            vec![vec!["a", "b"], vec!["1,2", "say \"hi\""], vec!["x\ny", "z"]]
        );
        assert_eq!(rows[0].span, 0..3);
        assert_eq!(csv_rows("a\n\"open,b\n"), Err(2));
        assert_eq!(csv_rows("").unwrap(), Vec::<CsvRow>::new());
        assert_eq!(csv_rows("a,\n").unwrap()[0].fields, vec!["a", ""]);
    }

    #[test]
    fn aliases_are_plain_names() {
        assert!(alias_is_legal("NetworkSession_Monitor_Configuration"));
        assert!(alias_is_legal("high-value-hosts2"));
        for bad in [
            "",
            "../x",
            "a/b",
            "a b",
            "_x",
            "x.json",
            "a'b",
            &"a".repeat(65),
        ] {
            assert!(!alias_is_legal(bad), "{bad}");
        }
    }
}
