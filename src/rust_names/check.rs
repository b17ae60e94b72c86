//! The `rust-name` rules of a whole solution: every `rust_name` written in the spec is a
//! usable Rust name, and no two generated structs, nor two fields of one struct, get the
//! same name (which would make the generated module fail to compile). Findings carry the
//! spec key path they are about; the caller locates them.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::solution::Solution;
use crate::spec::LoadedSpec;

/// A finding about the spec key at `path`.
pub type PathFinding = (String, Diagnostic);

/// Checks the Rust names of `solution`, read from `spec` (whose locations the hints name).
pub fn check(solution: &Solution, spec: &LoadedSpec) -> Vec<PathFinding> {
    let written = |path: &str| spec.spans.contains(path);
    let at = |path: &str| spec.at(path).to_string();
    let mut out = Vec::new();
    let mut structs: BTreeMap<&str, &crate::solution::Table> = BTreeMap::new();
    let records = solution.record_tables();
    for (_, table) in solution.tables() {
        let name_path = format!("{}.rust_name", table.path);
        if written(&name_path) && !records.iter().any(|r| std::ptr::eq(*r, table)) {
            out.push((
                name_path,
                Diagnostic::warning(
                    "rust-name",
                    format!(
                        "`rust_name` has no effect: `{}` reads the stream `{}` of an earlier table, whose struct it shares",
                        table.name, table.stream
                    ),
                )
                .with_hint("set `rust_name` on the table that declares the stream, or remove it here"),
            ));
        }
    }
    for table in records {
        let name_path = format!("{}.rust_name", table.path);
        let explicit = written(&name_path);
        if explicit {
            for d in super::check_struct_name(&table.rust_name) {
                out.push((name_path.clone(), d));
            }
        }
        if let Some(first) = structs.insert(&table.rust_name, table) {
            let key = if explicit {
                name_path.clone()
            } else {
                format!("{}.name", table.path)
            };
            out.push((
                key,
                Diagnostic::error(
                    "rust-name",
                    format!(
                        "tables `{}` and `{}` both become the Rust struct `{}`",
                        first.name, table.name, table.rust_name
                    ),
                )
                .with_hint(format!(
                    "set `rust_name = \"{}\"` (or another name) on one of them; the other is at {}",
                    suggest(&table.rust_name, |n| structs.contains_key(n)),
                    at(&format!("{}.name", first.path))
                )),
            ));
        }
        let mut fields: BTreeMap<&str, &crate::solution::Column> = BTreeMap::new();
        for (column, _) in table.stream_columns() {
            let field_path = format!("{}.rust_name", column.path);
            let explicit = written(&field_path);
            if explicit {
                for d in super::check_field_name(&column.rust_name) {
                    out.push((field_path.clone(), d));
                }
            }
            match fields.get(column.rust_name.as_str()) {
                // Names equal ignoring case are already a `column-duplicate` error.
                Some(first) if first.name.eq_ignore_ascii_case(&column.name) => {}
                Some(first) => {
                    let key = if explicit {
                        field_path.clone()
                    } else {
                        format!("{}.name", column.path)
                    };
                    out.push((
                        key,
                        Diagnostic::error(
                            "rust-name",
                            format!(
                                "columns `{}` and `{}` both become the field `{}` of the Rust struct `{}`",
                                first.name, column.name, column.rust_name, table.rust_name
                            ),
                        )
                        .with_hint(format!(
                            "set `rust_name = \"{}\"` (or another name) on one of them; the other is at {}",
                            suggest(&column.rust_name, |n| fields.contains_key(n)),
                            at(&format!("{}.name", first.path))
                        )),
                    ));
                }
                None => {
                    fields.insert(&column.rust_name, column);
                }
            }
        }
    }
    out
}

/// `name` with the smallest number suffix that is not `taken` (`vuln_id` → `vuln_id2`).
fn suggest(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let base = name.trim_end_matches('_');
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|n| !taken(n))
        .expect("some suffix is free")
}
