//! Watchlists (`Watchlists/**/*.json`): ARM templates of `…/providers/Watchlists` resources in
//! the repository's format (`Watchlists/Templates/WatchlistTemplate.json`: `displayName`,
//! `source`, `description`, `provider`, `contentType`, `numberOfLinesToSkip`,
//! `itemsSearchKey`, `rawContent`). A JSON file under `Watchlists/` holding no such resource
//! is not a watchlist and is not checked.

use super::Out;
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
        for member in ["displayName", "provider", "itemsSearchKey", "rawContent"] {
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
        let Some(header) = text.lines().nth(skip) else {
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
        let columns: Vec<&str> = header
            .split(',')
            .map(|c| c.trim().trim_matches('"').trim())
            .collect();
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
    }
}
