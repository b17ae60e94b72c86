//! Names of tables, streams and columns, and the reserved column names.

use super::Findings;
use crate::diagnostic::Diagnostic;

/// Longest column name the Tables API accepts.
pub const MAX_COLUMN_NAME: usize = 45;

/// Reserved column names of the current documentation (create-custom-table, the Logs
/// Ingestion API overview, the standard columns of every table).
pub const RESERVED_COLUMNS: &[&str] = &[
    "id",
    "BilledSize",
    "IsBillable",
    "InvalidTimeGenerated",
    "TenantId",
    "Title",
    "Type",
    "UniqueId",
    "_ItemId",
    "_ResourceGroup",
    "_ResourceId",
    "_SubscriptionId",
    "_TimeReceived",
    "_IsBillable",
    "_BilledSize",
];

/// Reserved names of an older revision of the Logs Ingestion API overview, no longer listed.
pub const LEGACY_RESERVED_COLUMNS: &[&str] = &[
    "resource",
    "resourceid",
    "resourcename",
    "resourcetype",
    "subscriptionid",
    "tenanted",
];

/// How a column name collides with a reserved name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    /// Exactly a name of the current lists: rejected.
    Exact(&'static str),
    /// A current name in another letter case (shipped packages use e.g. `Id`): risky.
    Case(&'static str),
    /// A name of the older list (shipped packages use e.g. `ResourceType`): risky.
    Legacy(&'static str),
}

impl Reserved {
    /// The reserved name collided with.
    pub fn name(self) -> &'static str {
        match self {
            Reserved::Exact(r) | Reserved::Case(r) | Reserved::Legacy(r) => r,
        }
    }
}

/// The reserved name `name` collides with, if any (compared case-insensitively, over the
/// union of the current and the older list).
pub fn reserved(name: &str) -> Option<Reserved> {
    if let Some(r) = RESERVED_COLUMNS.iter().copied().find(|r| *r == name) {
        return Some(Reserved::Exact(r));
    }
    if let Some(r) = RESERVED_COLUMNS
        .iter()
        .copied()
        .find(|r| r.eq_ignore_ascii_case(name))
    {
        return Some(Reserved::Case(r));
    }
    LEGACY_RESERVED_COLUMNS
        .iter()
        .copied()
        .find(|r| r.eq_ignore_ascii_case(name))
        .map(Reserved::Legacy)
}

/// A custom table name: ends with `_CL`, 4–63 characters from letters, digits, `_` and `-`
/// (Tables API); ccfgen also wants a letter first and no `-` (kql.md §2, our conservative choice).
pub fn table_name(name: &str) -> Findings {
    let mut out = Vec::new();
    if !name.ends_with("_CL") {
        let hint = if name.to_ascii_lowercase().ends_with("_cl") {
            format!(
                "the suffix is case-sensitive: rename to `{}_CL`",
                &name[..name.len() - 3]
            )
        } else {
            format!("custom tables fed by a DCR must end with `_CL`: rename to `{name}_CL`")
        };
        out.push(
            Diagnostic::error(
                "table-name",
                format!("table name `{name}` does not end with `_CL`"),
            )
            .with_hint(hint),
        );
    }
    let len = name.chars().count();
    if !(4..=63).contains(&len) {
        out.push(
            Diagnostic::error(
                "table-name",
                format!("table name `{name}` has {len} characters; the Tables API allows 4 to 63"),
            )
            .with_hint("shorten the table name"),
        );
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        out.push(
            Diagnostic::error(
                "table-name",
                format!("table name `{name}` contains `{bad}`; only letters, digits, `_` and `-` are allowed"),
            )
            .with_hint("use letters, digits and underscores"),
        );
    } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) || name.contains('-') {
        out.push(
            Diagnostic::warning(
                "table-name-style",
                format!("table name `{name}` should start with a letter and contain no `-`"),
            )
            .with_hint(
                "column naming rules applied to tables avoid quoting the name in every query",
            ),
        );
    }
    out
}

/// A stream declaration name: `Custom-` followed by a name without spaces.
pub fn stream_name(name: &str) -> Findings {
    let mut out = Vec::new();
    match name.strip_prefix("Custom-") {
        None => out.push(
            Diagnostic::error("stream-name", format!("stream name `{name}` does not start with `Custom-`"))
                .with_hint(format!("stream declarations must be prefixed: `Custom-{}`", name.trim_start_matches("Custom"))),
        ),
        Some(rest) if rest.is_empty() || rest.chars().any(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')) => out.push(
            Diagnostic::error("stream-name", format!("stream name `{name}` must be `Custom-` followed by letters, digits, `_`, `-` or `.`"))
                .with_hint("remove spaces and punctuation from the stream name"),
        ),
        Some(_) => {}
    }
    out
}

/// A column name: a letter first, then letters, digits or `_`, 2–45 characters, not reserved.
pub fn column_name(name: &str) -> Findings {
    let mut out = Vec::new();
    let len = name.chars().count();
    if let Some(r) = reserved(name) {
        let suggestion = rename_suggestion(name);
        out.push(match r {
            Reserved::Exact(r) => Diagnostic::error(
                "column-reserved",
                format!("column name `{name}` is reserved (`{r}`)"),
            )
            .with_hint(format!("rename it, e.g. `{suggestion}`")),
            Reserved::Case(r) => Diagnostic::warning(
                "column-reserved",
                format!("column name `{name}` differs only in case from the reserved name `{r}`"),
            )
            .with_hint(format!(
                "shipped packages use such names, but the service may reserve them case-insensitively; prefer `{suggestion}`"
            )),
            Reserved::Legacy(r) => Diagnostic::warning(
                "column-reserved",
                format!("column name `{name}` is reserved in an older revision of the Logs Ingestion API documentation (`{r}`)"),
            )
            .with_hint(format!("shipped packages use it, but prefer `{suggestion}`")),
        });
        return out;
    }
    if name.starts_with('_') {
        out.push(
            Diagnostic::error(
                "column-name",
                format!("column name `{name}` starts with `_`"),
            )
            .with_hint(
                "names starting with `_` are reserved for system columns; drop the underscore",
            ),
        );
    } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.push(
            Diagnostic::error(
                "column-name",
                format!("column name `{name}` must start with a letter"),
            )
            .with_hint(format!("rename it, e.g. `{}`", rename_suggestion(name))),
        );
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        let what = match bad {
            ' ' => "a space".to_string(),
            '.' => "a dot".to_string(),
            '-' => "a dash".to_string(),
            c => format!("`{c}`"),
        };
        out.push(
            Diagnostic::error(
                "column-name",
                format!("column name `{name}` contains {what}"),
            )
            .with_hint(format!(
                "only ASCII letters, digits and `_` are allowed, e.g. `{}`",
                rename_suggestion(name)
            )),
        );
    }
    if len > MAX_COLUMN_NAME {
        out.push(
            Diagnostic::error(
                "column-name",
                format!("column name `{name}` has {len} characters; at most {MAX_COLUMN_NAME} are allowed"),
            )
            .with_hint("shorten the column name"),
        );
    } else if len < 2 {
        out.push(
            Diagnostic::error(
                "column-name",
                format!("column name `{name}` is shorter than 2 characters"),
            )
            .with_hint("use a descriptive name of at least 2 characters"),
        );
    }
    out
}

/// A legal name close to `name` (for hints): invalid characters become `_`, a letter prefix
/// where needed, reserved names get a `Value` suffix.
pub fn rename_suggestion(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    s = s.trim_start_matches('_').to_string();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s = format!("Col{s}");
    }
    if reserved(&s).is_some() {
        s.push_str("Value");
    }
    s.chars().take(MAX_COLUMN_NAME).collect()
}

/// Duplicate column names, compared case-insensitively; returns `(first, duplicate)` index pairs.
pub fn duplicates<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<(usize, usize)> {
    // sorted by lower-cased name, then position: each name follows the first of its kind
    let mut order: Vec<(&str, usize)> =
        names.into_iter().enumerate().map(|(i, n)| (n, i)).collect();
    fn folded(n: &str) -> impl Iterator<Item = u8> + '_ {
        n.bytes().map(|b| b.to_ascii_lowercase())
    }
    order.sort_unstable_by(|(a, i), (b, j)| folded(a).cmp(folded(b)).then(i.cmp(j)));
    let mut out = Vec::new();
    for run in order.chunk_by(|(a, _), (b, _)| a.eq_ignore_ascii_case(b)) {
        out.extend(run[1..].iter().map(|&(_, i)| (run[0].1, i)));
    }
    out.sort_unstable_by_key(|&(_, i)| i);
    out
}

/// A connector definition id: letters, digits, `_` and `-`, no spaces.
pub fn connector_id(id: &str) -> Findings {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Vec::new();
    }
    vec![
        Diagnostic::error(
            "connector-id",
            format!("connector id `{id}` must be letters, digits, `_` or `-` without spaces"),
        )
        .with_hint(format!(
            "e.g. `{}`",
            id.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
        )),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(f: Findings) -> Vec<&'static str> {
        f.iter().map(|d| d.rule).collect()
    }

    #[test]
    fn table_names() {
        assert!(table_name("cveBusterVulnerabilities_CL").is_empty());
        assert_eq!(rules(table_name("Foobar")), ["table-name"]);
        assert_eq!(rules(table_name("Foo")), ["table-name", "table-name"]);
        assert_eq!(rules(table_name("Foo_cl")), ["table-name"]);
        assert_eq!(rules(table_name("My Table_CL")), ["table-name"]);
        assert_eq!(rules(table_name("1abc_CL")), ["table-name-style"]);
        assert_eq!(rules(table_name("_CL")), ["table-name", "table-name-style"]);
    }

    #[test]
    fn column_names() {
        assert!(column_name("VulnId").is_empty());
        assert_eq!(rules(column_name("tenantid")), ["column-reserved"]);
        assert_eq!(
            column_name("TenantId")[0].severity,
            crate::diagnostic::Severity::Error
        );
        assert_eq!(
            column_name("Id")[0].severity,
            crate::diagnostic::Severity::Warning
        );
        assert_eq!(
            column_name("ResourceType")[0].severity,
            crate::diagnostic::Severity::Warning
        );
        assert_eq!(rules(column_name("_ResourceId")), ["column-reserved"]);
        assert_eq!(rules(column_name("_private")), ["column-name"]);
        assert_eq!(rules(column_name("has space")), ["column-name"]);
        assert_eq!(rules(column_name("a.b")), ["column-name"]);
        assert_eq!(rules(column_name("x")), ["column-name"]);
        assert_eq!(rules(column_name(&"a".repeat(46))), ["column-name"]);
        assert_eq!(rename_suggestion("has space"), "has_space");
        assert_eq!(rename_suggestion("Type"), "TypeValue");
        assert_eq!(rename_suggestion("1st"), "Col1st");
    }

    #[test]
    fn streams_and_duplicates() {
        assert!(stream_name("Custom-Foo").is_empty());
        assert_eq!(rules(stream_name("Foo")), ["stream-name"]);
        assert_eq!(rules(stream_name("Custom-")), ["stream-name"]);
        assert_eq!(duplicates(["a", "B", "A", "b"]), [(0, 2), (1, 3)]);
    }
}
