//! The paths a solution's build makes (the output files relative to `--out`, the solution
//! folder name, the file stems), derived from the spec's names and defaults, checked with the
//! rules of [`crate::safe_path`]: every name is legal, nothing leaves the output root, and no
//! two outputs are the same file. [`spec_findings`] reports them as spec findings, at the key
//! that wrote the value.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::safe_path::{RULE, check_name, check_relative, escape};
use crate::solution::Solution;
use crate::spec::LoadedSpec;

/// Every path a resolved spec makes, with the spec key a finding about it points at: the
/// output files (relative to `--out`), the solution folder name, the file stems.
struct Made<'a> {
    /// The generated file or folder, relative to the output directory.
    path: String,
    /// The part of it that comes from the spec, checked by the rules.
    value: String,
    /// Whether `value` is a relative path (else one name).
    nested: bool,
    /// The spec key that wrote the value (or the closest one when it is a default).
    key: String,
    /// Tables of one connector may share a file: the connector and file they share.
    shared: Option<(&'a str, &'a str)>,
}

/// A path a spec makes that breaks the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    /// The spec key that wrote the value (`connectors[0].folder`), or the key a default
    /// derives from (`connectors[0].id` for a default folder).
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
    /// For a file made twice: the key of its first use.
    pub first: Option<String>,
}

/// The problems of every path `solution` makes: names and relative paths that break the
/// rules, an empty solution name or file stem, and two generated files that would be the
/// same file (ignoring case, as on Windows and macOS). `written(key)` says whether the spec
/// wrote a key (a problem with a default value is reported at the key it derives from).
pub fn spec_problems(solution: &Solution, written: &dyn Fn(&str) -> bool) -> Vec<SpecProblem> {
    let mut out = Vec::new();
    if solution.name.trim().is_empty() {
        out.push(SpecProblem {
            key: "solution.name".into(),
            message: "the solution name is empty".into(),
            hint: "name the solution: it names its folder and its files".into(),
            first: None,
        });
        return out;
    }
    let made = made(solution, written);
    let mut reported: Vec<&str> = Vec::new();
    for m in &made {
        let result = if m.nested {
            check_relative(&m.value)
        } else {
            check_name(&m.value)
        };
        if let Err(e) = result
            && !reported.contains(&m.key.as_str())
        {
            reported.push(&m.key);
            let message = if m.path == m.value {
                format!("{e}: it names the solution folder")
            } else {
                format!("{e}: it would make the path `{}`", escape(&m.path))
            };
            out.push(SpecProblem {
                key: m.key.clone(),
                message,
                hint: e.hint().to_string(),
                first: None,
            });
        }
    }
    let stem: String = solution
        .name
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if stem.is_empty() && !reported.contains(&"solution.name") {
        out.push(SpecProblem {
            key: "solution.name".into(),
            message: format!(
                "the solution name `{}` leaves an empty file name stem",
                escape(&solution.name)
            ),
            hint: "use letters or digits in the solution name".into(),
            first: None,
        });
    }
    collisions(&made, &mut out);
    out
}

/// [`spec_problems`] as findings located in the spec.
pub fn spec_findings(solution: &Solution, spec: &LoadedSpec) -> Diagnostics {
    let mut out = Diagnostics::new();
    for p in spec_problems(solution, &|key| spec.spans.contains(key)) {
        let hint = match &p.first {
            Some(first) => format!("{}; the first is {}", p.hint, spec.at(first)),
            None => p.hint,
        };
        out.push(
            Diagnostic::error(RULE, p.message)
                .with_hint(hint)
                .at(spec.at(&p.key)),
        );
    }
    out
}

fn made<'a>(solution: &'a Solution, written: &dyn Fn(&str) -> bool) -> Vec<Made<'a>> {
    let key = |key: String, fallback: &str| {
        if written(&key) {
            key
        } else {
            fallback.to_string()
        }
    };
    let mut made: Vec<Made<'_>> = Vec::new();
    let mut solution_file = |path: String, prefix: &str, key: &str| {
        made.push(Made {
            value: path.trim_start_matches(prefix).to_string(),
            path,
            nested: false,
            key: key.into(),
            shared: None,
        })
    };
    solution_file(solution.name.clone(), "", "solution.name");
    solution_file(
        crate::render::data_file_name(solution),
        "Data/",
        "solution.name",
    );
    solution_file(
        crate::rust_names::module_path(solution),
        "Rust/",
        "solution.name",
    );
    let package = format!("{}/", crate::package::PACKAGE_DIR);
    solution_file(
        format!("{package}{}.zip", solution.version),
        &package,
        "solution.version",
    );
    for c in &solution.connectors {
        let id = format!("{}.id", c.path);
        let dir = crate::render::connector_dir(c);
        made.push(Made {
            path: dir.clone(),
            value: c.folder.clone(),
            nested: true,
            key: key(format!("{}.folder", c.path), &id),
            shared: None,
        });
        for (name, file) in [
            ("definition_file", &c.settings.definition_file),
            ("dcr_file", &c.settings.dcr_file),
            ("data_connector_file", &c.settings.data_connector_file),
        ] {
            made.push(Made {
                path: format!("{dir}/{file}"),
                value: file.clone(),
                nested: false,
                key: key(format!("{}.{name}", c.path), &c.path),
                shared: None,
            });
        }
        for t in c.tables.iter().filter(|t| !t.is_builtin()) {
            made.push(Made {
                path: format!("{dir}/{}", t.file),
                value: t.file.clone(),
                nested: false,
                key: key(format!("{}.file", t.path), &format!("{}.name", t.path)),
                shared: Some((&c.path, &t.file)),
            });
        }
    }
    made
}

/// Two generated files that are one file on a case-insensitive file system (tables of one
/// connector naming the same file share it on purpose).
fn collisions(made: &[Made<'_>], out: &mut Vec<SpecProblem>) {
    let mut seen: Vec<(String, &Made<'_>)> = Vec::new();
    let mut reported: Vec<&str> = Vec::new();
    for m in made.iter().filter(|m| !m.nested && m.path.contains('/')) {
        let folded = m.path.to_lowercase();
        let Some((_, first)) = seen.iter().find(|(f, _)| *f == folded) else {
            seen.push((folded, m));
            continue;
        };
        let shared = first.shared.is_some() && first.shared == m.shared;
        if shared || reported.contains(&m.key.as_str()) {
            continue;
        }
        reported.push(&m.key);
        out.push(SpecProblem {
            key: m.key.clone(),
            message: format!(
                "`{}` would be written twice (names are compared ignoring case, as Windows and macOS do)",
                escape(&m.path)
            ),
            hint: "give one of them another name".into(),
            first: Some(first.key.clone()),
        });
    }
}
