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
//! [`crate::build_paths`] applies the rules to every path a spec makes; `ccfgen import`, the
//! solution scanner and the output writer ([`crate::output`]) use the same functions.

use std::fmt;
use std::path::{Component, Path, PathBuf};

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

/// A value for a message: control characters shown escaped, so a message never carries them
/// to a terminal.
pub fn escape(value: &str) -> String {
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
