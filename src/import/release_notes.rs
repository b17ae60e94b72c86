//! `ReleaseNotes.md` → the spec's `[[solution.release_notes]]`: every row of its table
//! (`| version | DD-MM-YYYY | change |`) in the order written, the change text kept as
//! written (pipes unescaped), the date turned into `YYYY-MM-DD`. Without them `ccfgen build`
//! would write its own one-line "Initial Solution Release" in their place.

use super::{NoteKind, Notes};
use crate::spec::model::ReleaseNote;

/// The release notes of a file's text, or of why it could not be read (`label` names the
/// file in notes).
pub fn read(text: Result<String, String>, label: &str, notes: &mut Notes) -> Vec<ReleaseNote> {
    match text {
        Ok(text) => parse(&text, label, notes),
        Err(e) => {
            notes.add(
                NoteKind::Unsupported,
                label,
                "$",
                format!("cannot read it ({e}); `ccfgen build` writes one line of its own"),
            );
            Vec::new()
        }
    }
}

/// The rows of the release notes table in `text`.
pub fn parse(text: &str, label: &str, notes: &mut Notes) -> Vec<ReleaseNote> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        let Some(body) = line.strip_prefix('|') else {
            continue;
        };
        let body = body.strip_suffix('|').unwrap_or(body);
        let mut cells = split_cells(body);
        if cells.len() < 3 {
            notes.add(
                NoteKind::Unsupported,
                label,
                &format!("line {}", n + 1),
                "a row without version, date and change; not carried over",
            );
            continue;
        }
        let change = cells.split_off(2).join("|");
        let (version, date) = (cells[0].trim(), cells[1].trim());
        let plain = |s: &str| s.replace('*', "").trim().to_ascii_lowercase();
        let is_separator = |s: &str| {
            !s.trim().is_empty() && s.trim().chars().all(|c| matches!(c, '-' | ':' | ' '))
        };
        if plain(version) == "version" || (is_separator(version) && is_separator(&change)) {
            continue;
        }
        out.push(ReleaseNote {
            version: version.to_string(),
            date: iso_date(date).unwrap_or_else(|| {
                notes.add(
                    NoteKind::Unsupported,
                    label,
                    &format!("line {}", n + 1),
                    format!("the date `{date}` is not DD-MM-YYYY; written as it is"),
                );
                date.to_string()
            }),
            change: unescape(change.trim()),
        });
    }
    out
}

/// Cells split at `|` not escaped with a backslash.
fn split_cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = row.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().expect("one cell").push_str("\\|");
                chars.next();
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().expect("one cell").push(c),
        }
    }
    cells
}

fn unescape(cell: &str) -> String {
    cell.replace("\\|", "|")
}

/// `DD-MM-YYYY` (or `D-M-YYYY`) → `YYYY-MM-DD`.
fn iso_date(date: &str) -> Option<String> {
    let parts: Vec<&str> = date.split('-').collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let num = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !(num(d, 1..=2) && num(m, 1..=2) && num(y, 4..=4)) {
        return None;
    }
    Some(format!("{y}-{m:0>2}-{d:0>2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_kept_as_written() {
        let text = "# Release Notes\n\n| **Version** | **Date Modified (DD-MM-YYYY)** | **Change History** |\n|-------------|------|-----|\n|  3.0.2      |  17-09-2025  | Removed **Data Connector**: a \\| b.  |\n| 3.0.0 | 9-1-2024 | Initial release of the NordStellar (Push) connector\n| 1.0.0 | yesterday | x |\n";
        let mut notes = Notes::default();
        let rows = parse(text, "ReleaseNotes.md", &mut notes);
        let got: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|r| (r.version.as_str(), r.date.as_str(), r.change.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("3.0.2", "2025-09-17", "Removed **Data Connector**: a | b."),
                (
                    "3.0.0",
                    "2024-01-09",
                    "Initial release of the NordStellar (Push) connector"
                ),
                ("1.0.0", "yesterday", "x"),
            ]
        );
        assert_eq!(notes.0.len(), 1, "{:?}", notes.0);
    }
}
