//! Service limits of data collection rules and tables (kql.md §1 "Limits").

use super::Findings;
use crate::diagnostic::Diagnostic;

/// Columns per table.
pub const MAX_TABLE_COLUMNS: usize = 500;
/// Stream declarations per DCR.
pub const MAX_DCR_STREAMS: usize = 10;
/// Data flows per DCR.
pub const MAX_DCR_FLOWS: usize = 10;
/// Characters in one transformation.
pub const MAX_TRANSFORM_CHARS: usize = 15_360;
/// DCR names longer than this risk the deployed name
/// `Microsoft-Sentinel-{name}-{workspace}-{random}` exceeding 64 characters.
pub const DCR_NAME_ADVISED: usize = 30;

/// Column count of one table.
pub fn table_columns(count: usize) -> Findings {
    if count > MAX_TABLE_COLUMNS {
        vec![Diagnostic::error("limit-columns", format!("the table has {count} columns; at most {MAX_TABLE_COLUMNS} are allowed"))
            .with_hint("split the data over several tables, or keep rarely used fields in one dynamic column")]
    } else {
        Vec::new()
    }
}

/// Streams and flows of one DCR.
pub fn dcr_streams(streams: usize, flows: usize) -> Findings {
    let mut out = Vec::new();
    if streams > MAX_DCR_STREAMS {
        out.push(
            Diagnostic::error(
                "limit-streams",
                format!(
                    "the DCR declares {streams} streams; at most {MAX_DCR_STREAMS} are allowed"
                ),
            )
            .with_hint("split the tables over several connectors (one DCR each)"),
        );
    }
    if flows > MAX_DCR_FLOWS {
        out.push(
            Diagnostic::error(
                "limit-flows",
                format!("the DCR has {flows} data flows; at most {MAX_DCR_FLOWS} are allowed"),
            )
            .with_hint("split the tables over several connectors (one DCR each)"),
        );
    }
    out
}

/// Length of a transformation.
pub fn transform_length(kql: &str) -> Findings {
    let n = kql.chars().count();
    if n > MAX_TRANSFORM_CHARS {
        vec![
            Diagnostic::error(
                "limit-transform",
                format!(
                    "the transform has {n} characters; at most {MAX_TRANSFORM_CHARS} are allowed"
                ),
            )
            .with_hint("shorten the transform, e.g. move conversions into the sending application"),
        ]
    } else {
        Vec::new()
    }
}

/// Length of a DCR resource name.
pub fn dcr_name(name: &str) -> Findings {
    let n = name.chars().count();
    if n > DCR_NAME_ADVISED {
        vec![Diagnostic::warning("dcr-name-length", format!("DCR name `{name}` has {n} characters"))
            .with_hint(format!("the deployed name `Microsoft-Sentinel-{name}-<workspace>-<random>` must stay within 64 characters or DCR creation fails silently; keep the name to {DCR_NAME_ADVISED} characters or fewer"))]
    } else {
        Vec::new()
    }
}

/// A KQL timespan literal such as `7d`, `12h`, `30m`.
pub fn timespan(text: &str) -> Findings {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let ok = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && ["d", "h", "m", "s", "ms"].contains(&unit);
    if ok {
        Vec::new()
    } else {
        vec![
            Diagnostic::error("timespan", format!("`{text}` is not a KQL timespan"))
                .with_hint("write a number and a unit: `7d`, `12h`, `30m`"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(table_columns(500).is_empty());
        assert_eq!(table_columns(501).len(), 1);
        assert_eq!(dcr_streams(11, 11).len(), 2);
        assert!(transform_length(&"x".repeat(MAX_TRANSFORM_CHARS)).is_empty());
        assert_eq!(
            transform_length(&"x".repeat(MAX_TRANSFORM_CHARS + 1)).len(),
            1
        );
        assert!(timespan("7d").is_empty());
        assert!(timespan("90ms").is_empty());
        assert_eq!(timespan("7 days").len(), 1);
        assert_eq!(timespan("d").len(), 1);
    }
}
