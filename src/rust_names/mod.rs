//! Names for generated Rust: struct names from table names, field names from column names,
//! and the rules a name written in the spec (`rust_name`) must follow so that the generated
//! module compiles without warnings.

pub mod check;

use crate::diagnostic::Diagnostic;
use crate::rules::Findings;

/// Where `ccfgen build` writes the Rust record module, relative to the output directory.
pub fn module_path(solution: &crate::solution::Solution) -> String {
    format!("Rust/{}.rs", module_name(&solution.name))
}

/// `cveBusterVulnerabilities` → `CveBusterVulnerability`: words split at case changes and
/// non-alphanumerics, the last word made singular, PascalCase.
pub fn struct_name(table_base: &str) -> String {
    let mut words = split_words(table_base);
    if let Some(last) = words.last_mut() {
        *last = singular(last);
    }
    let name: String = words.iter().map(|w| capitalize(w)).collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("Record{name}")
    } else if RESERVED_TYPE_NAMES.contains(&name.as_str()) {
        format!("{name}Record")
    } else {
        name
    }
}

/// `VulnId` → `vuln_id`, `CVSS` → `cvss`, `TimeGenerated` → `time_generated`; Rust keywords
/// get a trailing underscore (`type` → `type_`).
pub fn field_name(column: &str) -> String {
    let name = split_words(column)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    let name = if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("field_{name}")
    } else {
        name
    };
    if RUST_KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// Names a struct of the generated module must not take: `Self`, and the types the module
/// names unqualified (a struct `String` would shadow the field type `String`), with the rest
/// of the standard prelude's types and variants for good measure.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Self",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Default",
    "Debug",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Iterator",
    "IntoIterator",
    "Extend",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "AsRef",
    "AsMut",
];

/// The `rust-name` rule for a struct name written in the spec: an UpperCamelCase Rust
/// identifier (ASCII letter first, then letters and digits: what `non_camel_case_types`
/// accepts), not `Self` nor a standard prelude name the generated code relies on.
pub fn check_struct_name(name: &str) -> Findings {
    let suggestion = struct_name(name);
    let hint = |why: &str| {
        if suggestion != name && !suggestion.is_empty() {
            format!("{why}: e.g. `rust_name = \"{suggestion}\"`")
        } else {
            why.to_string()
        }
    };
    let problem = if name.is_empty() {
        Some("is empty".to_string())
    } else if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        Some("does not start with an uppercase ASCII letter".to_string())
    } else if let Some(bad) = name.chars().find(|c| !c.is_ascii_alphanumeric()) {
        Some(format!("contains `{bad}`"))
    } else if RESERVED_TYPE_NAMES.contains(&name) {
        Some("would shadow a type of the Rust prelude that the generated code uses".to_string())
    } else {
        None
    };
    problem
        .map(|why| {
            vec![
                Diagnostic::error(
                    "rust-name",
                    format!("`{name}` is not usable as a Rust struct name: it {why}"),
                )
                .with_hint(hint(
                    "write an UpperCamelCase name of ASCII letters and digits",
                )),
            ]
        })
        .unwrap_or_default()
}

/// The `rust-name` rule for a field name written in the spec: a snake_case Rust identifier
/// (lowercase ASCII letter first, then lowercase letters, digits and single underscores, an
/// optional trailing `_`: what `non_snake_case` accepts), not a keyword.
pub fn check_field_name(name: &str) -> Findings {
    let suggestion = field_name(name);
    let body = name.strip_suffix('_').unwrap_or(name);
    let problem = if name.is_empty() {
        Some("is empty".to_string())
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("does not start with a lowercase ASCII letter".to_string())
    } else if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        Some(format!("contains `{bad}`"))
    } else if body.contains("__") || body.ends_with('_') {
        Some("has a doubled underscore".to_string())
    } else if RUST_KEYWORDS.contains(&name) {
        Some("is a Rust keyword".to_string())
    } else {
        None
    };
    problem
        .map(|why| {
            let mut hint =
                "write a snake_case name of lowercase ASCII letters, digits and `_`".to_string();
            if suggestion != name {
                hint.push_str(&format!(": e.g. `rust_name = \"{suggestion}\"`"));
            }
            vec![
                Diagnostic::error(
                    "rust-name",
                    format!("`{name}` is not usable as a Rust field name: it {why}"),
                )
                .with_hint(hint),
            ]
        })
        .unwrap_or_default()
}

/// `solution name` → a Rust module/file name (`cveBuster` → `cve_buster`).
pub fn module_name(name: &str) -> String {
    field_name(name)
}

fn split_words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_ascii_uppercase() => {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            }
            _ => false,
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => {
            first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
        }
        None => String::new(),
    }
}

fn singular(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let cut = |n: usize| word[..word.len() - n].to_string();
    if lower.ends_with("ies") && word.len() > 3 {
        cut(3) + if word.ends_with("IES") { "Y" } else { "y" }
    } else if ["sses", "shes", "ches", "xes", "zes"]
        .iter()
        .any(|s| lower.ends_with(s))
    {
        cut(2)
    } else if lower.ends_with('s')
        && !["ss", "us", "is"].iter().any(|s| lower.ends_with(s))
        && word.len() > 1
    {
        cut(1)
    } else {
        word.to_string()
    }
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type",
    "unsafe", "use", "where", "while", "yield", "abstract", "become", "box", "do", "final",
    "macro", "override", "priv", "typeof", "unsized", "virtual",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_names() {
        assert_eq!(
            struct_name("cveBusterVulnerabilities"),
            "CveBusterVulnerability"
        );
        assert_eq!(struct_name("ContosoSecurityAlerts"), "ContosoSecurityAlert");
        assert_eq!(struct_name("ZNAudit"), "ZnAudit");
        assert_eq!(struct_name("databahn_audit_logs"), "DatabahnAuditLog");
        assert_eq!(struct_name("Processes"), "Process");
        assert_eq!(struct_name("Status"), "Status");
    }

    #[test]
    fn field_names() {
        assert_eq!(field_name("VulnId"), "vuln_id");
        assert_eq!(field_name("CVSS"), "cvss");
        assert_eq!(field_name("TimeGenerated"), "time_generated");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("SourceIPAddress"), "source_ip_address");
        assert_eq!(field_name("event_v2"), "event_v2");
    }
}
