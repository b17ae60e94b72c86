//! The one rule set for paths and names that come from input.
//!
//! Spec values (`folder`, `file`, `logo`, `extra_content`, the solution name…), names read
//! from a package or a solution folder, and the entries of the build's bookkeeping file all
//! end up as parts of file system paths. Every such value goes through this module before
//! ccfgen reads, writes or removes anything with it:
//!
//! * a **name** (one folder or file name) is not empty, not `.` or `..`, holds no `/` or `\`,
//!   no control character and none of `< > : " | ? *` (so no drive letter and no NTFS stream),
//!   does not start or end with whitespace nor end with `.`, is not a Windows device name
//!   (`CON`, `NUL`, `COM1`, … with or without extension) and is at most 255 bytes: a name that
//!   means the same file on Linux, macOS and Windows;
//! * a **relative path** is one or more names joined by `/`: never absolute, never `..`;
//! * a path is **inside its root** when, after every symbolic link of the part that exists is
//!   followed, it still lies under the root ([`resolve_inside`], [`is_inside`]).
//!
//! [`spec_findings`] applies the rules to every path a spec makes; `ccfgen import` and the
//! output writer ([`crate::output`]) use the same functions.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::solution::Solution;
use crate::spec::LoadedSpec;

/// The rule id of every finding about an unsafe path or name.
pub const RULE: &str = "unsafe-path";

/// Longest name in bytes (the limit of common file systems).
pub const MAX_NAME_BYTES: usize = 255;

/// Characters Windows forbids in names (besides `/`, `\` and control characters).
const FORBIDDEN: &[char] = &['<', '>', ':', '"', '|', '?', '*'];

/// Windows device names: a file named so (with any extension) is the device.
const DEVICE_NAMES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
    "COM8", "COM9", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// What is wrong with a path or name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The value (or one of its parts) is empty.
    Empty,
    /// The value is an absolute path.
    Absolute,
    /// A part is `..`.
    Parent,
    /// A part is `.`.
    Current,
    /// A name holds `/` or `\`.
    Separator,
    /// A name holds a control character.
    Control,
    /// A name holds a character Windows forbids (`:` also makes drive letters).
    Forbidden(char),
    /// A name starts or ends with whitespace, or ends with `.`.
    Edge,
    /// A name is a Windows device name.
    Device(String),
    /// A name is longer than [`MAX_NAME_BYTES`].
    TooLong(usize),
    /// The path leads outside its root through a symbolic link.
    Escapes(PathBuf),
}

/// A value refused by the rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}` {problem}", escape(value))]
pub struct PathError {
    /// The value as given.
    pub value: String,
    /// Why it is refused.
    pub problem: Problem,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Empty => f.write_str("is empty or has an empty part"),
            Problem::Absolute => f.write_str("is an absolute path"),
            Problem::Parent => f.write_str("goes up with `..`"),
            Problem::Current => f.write_str("has a `.` part"),
            Problem::Separator => f.write_str("holds a path separator (`/` or `\\`)"),
            Problem::Control => f.write_str("holds a control character"),
            Problem::Forbidden(c) => write!(f, "holds `{c}`, which Windows forbids in names"),
            Problem::Edge => f.write_str("starts or ends with whitespace, or ends with `.`"),
            Problem::Device(d) => write!(f, "is the Windows device name `{d}`"),
            Problem::TooLong(n) => write!(f, "is {n} bytes long (at most {MAX_NAME_BYTES})"),
            Problem::Escapes(to) => write!(
                f,
                "leads outside its folder through a symbolic link (to {})",
                to.display()
            ),
        }
    }
}

impl PathError {
    /// How to fix it, in one sentence.
    pub fn hint(&self) -> &'static str {
        match self.problem {
            Problem::Escapes(_) => {
                "replace the symbolic link with the file itself, or point it inside the folder"
            }
            Problem::Absolute | Problem::Parent | Problem::Current => {
                "write a plain relative path below the folder (no `..`, no leading `/`)"
            }
            _ => {
                "use a plain name: letters, digits, spaces and `_ - . ( )`; no `/ \\ : * ? \" < > |`"
            }
        }
    }
}

/// Control characters shown escaped, so a message never carries them to a terminal.
fn escape(value: &str) -> String {
    value.chars().flat_map(char::escape_debug).collect()
}

/// Checks one folder or file name against the rules of the module docs.
pub fn check_name(name: &str) -> Result<(), PathError> {
    name_problem(name).map_or(Ok(()), |problem| {
        Err(PathError {
            value: name.to_string(),
            problem,
        })
    })
}

fn name_problem(name: &str) -> Option<Problem> {
    if name.is_empty() {
        return Some(Problem::Empty);
    }
    if name == ".." {
        return Some(Problem::Parent);
    }
    if name == "." {
        return Some(Problem::Current);
    }
    if name.contains(['/', '\\']) {
        return Some(Problem::Separator);
    }
    if name.chars().any(char::is_control) {
        return Some(Problem::Control);
    }
    if let Some(c) = name.chars().find(|c| FORBIDDEN.contains(c)) {
        return Some(Problem::Forbidden(c));
    }
    if name.starts_with(char::is_whitespace)
        || name.ends_with(char::is_whitespace)
        || name.ends_with('.')
    {
        return Some(Problem::Edge);
    }
    let stem = name.split('.').next().unwrap_or(name);
    if let Some(d) = DEVICE_NAMES.iter().find(|d| d.eq_ignore_ascii_case(stem)) {
        return Some(Problem::Device((*d).to_string()));
    }
    if name.len() > MAX_NAME_BYTES {
        return Some(Problem::TooLong(name.len()));
    }
    None
}

/// Checks a relative path: names (see [`check_name`]) joined by `/`.
pub fn check_relative(path: &str) -> Result<(), PathError> {
    let err = |problem| {
        Err(PathError {
            value: path.to_string(),
            problem,
        })
    };
    if path.starts_with(['/', '\\']) || Path::new(path).is_absolute() {
        return err(Problem::Absolute);
    }
    for part in path.split('/') {
        if let Some(problem) = name_problem(part) {
            return err(problem);
        }
    }
    Ok(())
}

/// `path` made absolute and with every symbolic link of its existing part followed; the part
/// that does not exist yet is appended as written (it can hold no link).
fn resolved(path: &Path) -> std::io::Result<PathBuf> {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(real) => {
                return Ok(rest.iter().rev().fold(real, |p, part| p.join(part)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match (existing.parent(), existing.file_name()) {
                    (Some(parent), Some(name)) => {
                        rest.push(name.to_os_string());
                        existing = parent;
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether `path` (existing or not) lies under `root` once symbolic links are followed.
/// A path that cannot be resolved (an unreadable folder on the way) is not inside.
pub fn is_inside(root: &Path, path: &Path) -> bool {
    match (resolved(root), resolved(path)) {
        (Ok(root), Ok(path)) => path.starts_with(&root),
        _ => false,
    }
}

/// `root/rel` after checking that `rel` is a plain relative path ([`check_relative`]) and
/// that no symbolic link takes it outside `root`.
pub fn resolve_inside(root: &Path, rel: &str) -> Result<PathBuf, PathError> {
    check_relative(rel)?;
    let path = root.join(rel);
    if !is_inside(root, &path) {
        return Err(PathError {
            value: rel.to_string(),
            problem: Problem::Escapes(resolved(&path).unwrap_or_else(|_| path.clone())),
        });
    }
    Ok(path)
}

/// Whether every component of `rel` below `root` that exists is a real folder or file, not
/// a symbolic link (what the output writer demands before it removes a file).
pub fn has_no_links(root: &Path, rel: &str) -> bool {
    let mut at = root.to_path_buf();
    for part in Path::new(rel).components() {
        let Component::Normal(part) = part else {
            return false;
        };
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return false,
            Ok(_) => {}
            Err(_) => return true,
        }
    }
    true
}

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
        crate::artifacts::rust_module_path(solution),
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
            ("definition_file", &c.definition_file),
            ("dcr_file", &c.dcr_file),
            ("data_connector_file", &c.data_connector_file),
        ] {
            made.push(Made {
                path: format!("{dir}/{file}"),
                value: file.clone(),
                nested: false,
                key: key(format!("{}.{name}", c.path), &c.path),
                shared: None,
            });
        }
        for t in &c.tables {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(name: &str) -> Option<Problem> {
        check_name(name).err().map(|e| e.problem)
    }

    #[test]
    fn names() {
        for ok in [
            "DCR.json",
            "Orca Security Alerts",
            "RedSift_ccp",
            "a.b.c",
            "(v2) table.json",
            "Données",
            ".hidden",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        assert_eq!(problem(""), Some(Problem::Empty));
        assert_eq!(problem(".."), Some(Problem::Parent));
        assert_eq!(problem("."), Some(Problem::Current));
        assert_eq!(problem("Acme/EDR"), Some(Problem::Separator));
        assert_eq!(problem("a\\b"), Some(Problem::Separator));
        assert_eq!(problem("C:x"), Some(Problem::Forbidden(':')));
        assert_eq!(problem("a\nb"), Some(Problem::Control));
        assert_eq!(problem("a\0b"), Some(Problem::Control));
        assert_eq!(problem("x "), Some(Problem::Edge));
        assert_eq!(problem(" x"), Some(Problem::Edge));
        assert_eq!(problem("x."), Some(Problem::Edge));
        assert_eq!(problem("nul.json"), Some(Problem::Device("NUL".into())));
        assert_eq!(problem("Com1"), Some(Problem::Device("COM1".into())));
        assert_eq!(problem("console"), None);
        assert_eq!(problem(&"x".repeat(256)), Some(Problem::TooLong(256)));
    }

    #[test]
    fn relative_paths() {
        assert!(check_relative("a/b c/d.json").is_ok());
        for (bad, p) in [
            ("/etc/passwd", Problem::Absolute),
            ("\\\\server\\x", Problem::Absolute),
            ("../x", Problem::Parent),
            ("a/../../x", Problem::Parent),
            ("a//b", Problem::Empty),
            ("a/", Problem::Empty),
            ("./a", Problem::Current),
            ("C:/x", Problem::Forbidden(':')),
            ("a\\..\\b", Problem::Separator),
        ] {
            assert_eq!(check_relative(bad).map_err(|e| e.problem), Err(p), "{bad}");
        }
    }

    #[test]
    fn messages_escape_control_characters() {
        let e = check_name("a\u{1b}[31mb").unwrap_err();
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_out_of_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside"), root.join("out")).unwrap();
        std::os::unix::fs::symlink("sub", root.join("in")).unwrap();
        assert!(resolve_inside(&root, "sub/new/file.json").is_ok());
        assert!(resolve_inside(&root, "in/file.json").is_ok());
        let e = resolve_inside(&root, "out/file.json").unwrap_err();
        assert!(matches!(e.problem, Problem::Escapes(_)), "{e}");
        assert!(has_no_links(&root, "sub/x.json"));
        assert!(!has_no_links(&root, "in/x.json"));
    }
}
