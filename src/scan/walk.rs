//! The one walker of solution trees: every file under a root, in sorted order.
//!
//! Symbolic links are followed only while they stay inside the root: a link that leads out of
//! it, that is broken, or that leads back to one of its own ancestor folders (a loop) is not
//! followed but reported. A folder or entry that cannot be read is reported too, and the walk
//! goes on (ripgrep's rule): callers turn each [`Skipped`] entry into a finding or a note,
//! never into an abort.

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};

/// One file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The path to open (the root as given, joined with the relative path).
    pub path: PathBuf,
    /// The path relative to the root, `/`-separated (the file name when the root is a file).
    pub rel: String,
}

/// An entry the walk did not enter or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The entry's path (the root as given, joined with the relative path).
    pub path: PathBuf,
    /// The path relative to the root, `/`-separated.
    pub rel: String,
    /// Why.
    pub reason: SkipReason,
}

/// Why an entry was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// It could not be read (permissions, I/O error): the message.
    Unreadable(String),
    /// A symbolic link to one of its own ancestor folders: following it would never end.
    LinkLoop,
    /// A symbolic link that leads outside the root (to this path).
    LinkOutside(PathBuf),
    /// A symbolic link whose target does not exist or cannot be resolved.
    LinkBroken(String),
}

impl SkipReason {
    /// Whether what was skipped could hide content inside the root (an unreadable folder, a
    /// link out of the root), as opposed to a link whose content is reached another way
    /// (a loop) or that leads nowhere.
    pub fn hides_content(&self) -> bool {
        matches!(self, SkipReason::Unreadable(_) | SkipReason::LinkOutside(_))
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Unreadable(e) => write!(f, "cannot be read ({e})"),
            SkipReason::LinkLoop => {
                f.write_str("is a symbolic link to one of its own parent folders (a loop)")
            }
            SkipReason::LinkOutside(to) => write!(
                f,
                "is a symbolic link that leads outside the folder being read (to {})",
                to.display()
            ),
            SkipReason::LinkBroken(e) => write!(f, "is a broken symbolic link ({e})"),
        }
    }
}

/// What a walk found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Walk {
    /// The files (the folders, for [`walk_dirs`]), sorted by path.
    pub files: Vec<Entry>,
    /// The entries not entered or read, in walk order.
    pub skipped: Vec<Skipped>,
}

/// Which entries a walk lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter {
    /// Only files with this extension (compared ignoring ASCII case), e.g. `json`.
    pub extension: Option<&'static str>,
    /// Skip hidden folders (`.git`, …), `node_modules` and `target`.
    pub skip_tool_dirs: bool,
}

impl Filter {
    /// Every `*.json` file outside hidden folders, `node_modules` and `target`.
    pub const JSON: Filter = Filter {
        extension: Some("json"),
        skip_tool_dirs: true,
    };

    /// Every file outside hidden folders, `node_modules` and `target`.
    pub const ALL: Filter = Filter {
        extension: None,
        skip_tool_dirs: true,
    };
}

fn is_tool_dir(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|n| n.starts_with('.') || n == "node_modules" || n == "target")
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path
        .strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if rel.is_empty() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        rel
    }
}

/// Walks `root` (a folder, or a single file). Fails only when the root itself cannot be
/// read; everything below it that cannot be is reported in [`Walk::skipped`].
pub fn walk(root: &Path, filter: Filter) -> std::io::Result<Walk> {
    run(root, filter, usize::MAX, false)
}

/// The folders under `root` down to `max_depth` levels (as [`Entry`]s, in sorted order), with
/// the same rules for links and unreadable entries as [`walk`].
pub fn walk_dirs(root: &Path, max_depth: usize) -> std::io::Result<Walk> {
    let filter = Filter {
        extension: None,
        skip_tool_dirs: true,
    };
    run(root, filter, max_depth, true)
}

fn run(root: &Path, filter: Filter, max_depth: usize, dirs: bool) -> std::io::Result<Walk> {
    let real_root = root.canonicalize()?;
    if !real_root.is_dir() {
        std::fs::File::open(root)?;
    }
    let skipped = RefCell::new(Vec::new());
    let skip = |path: &Path, reason: SkipReason| {
        skipped.borrow_mut().push(Skipped {
            path: path.to_path_buf(),
            rel: relative(root, path),
            reason,
        });
    };
    let walker = walkdir::WalkDir::new(root)
        .max_depth(max_depth)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            if filter.skip_tool_dirs && e.file_type().is_dir() && is_tool_dir(e.file_name()) {
                return false;
            }
            if !e.path_is_symlink() {
                return true;
            }
            match e.path().canonicalize() {
                Ok(real) if real.starts_with(&real_root) => true,
                Ok(real) => {
                    skip(e.path(), SkipReason::LinkOutside(real));
                    false
                }
                Err(err) => {
                    skip(e.path(), SkipReason::LinkBroken(err.to_string()));
                    false
                }
            }
        });
    let mut files = Vec::new();
    for item in walker {
        match item {
            Ok(entry) => {
                if dirs {
                    if entry.depth() > 0 && entry.file_type().is_dir() {
                        files.push(Entry {
                            rel: relative(root, entry.path()),
                            path: entry.into_path(),
                        });
                    }
                    continue;
                }
                if !entry.file_type().is_file() {
                    continue;
                }
                let wanted = filter.extension.is_none_or(|ext| {
                    entry
                        .path()
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
                });
                if wanted {
                    files.push(Entry {
                        rel: relative(root, entry.path()),
                        path: entry.into_path(),
                    });
                }
            }
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                let reason = if err.loop_ancestor().is_some() {
                    SkipReason::LinkLoop
                } else if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink()) {
                    SkipReason::LinkBroken(io_message(&err))
                } else {
                    SkipReason::Unreadable(io_message(&err))
                };
                skip(&path, reason);
            }
        }
    }
    Ok(Walk {
        files,
        skipped: skipped.into_inner(),
    })
}

/// The I/O error's own message (walkdir's adds the path, which findings show separately).
fn io_message(err: &walkdir::Error) -> String {
    err.io_error()
        .map_or_else(|| err.to_string(), std::io::Error::to_string)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};

    #[test]
    fn loops_links_out_and_unreadable_folders_are_reported_and_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("S");
        let dc = root.join("Data Connectors");
        fs::create_dir_all(dc.join("x")).unwrap();
        fs::create_dir_all(tmp.path().join("outside")).unwrap();
        fs::write(tmp.path().join("outside/secret.json"), "{}").unwrap();
        fs::write(dc.join("x/a.json"), "{}").unwrap();
        fs::write(dc.join("x/b.txt"), "").unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join(".git/c.json"), "{}").unwrap();
        symlink("..", dc.join("loop")).unwrap();
        symlink(tmp.path().join("outside"), dc.join("out")).unwrap();
        symlink("x", dc.join("inside")).unwrap();
        symlink("missing", dc.join("broken")).unwrap();
        let locked = dc.join("locked");
        fs::create_dir_all(&locked).unwrap();
        fs::write(locked.join("d.json"), "{}").unwrap();
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        let can_read_anyway = fs::read_dir(&locked).is_ok(); // running as root
        let walk = walk(&root, Filter::JSON).unwrap();
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
        let rels: Vec<&str> = walk.files.iter().map(|e| e.rel.as_str()).collect();
        let mut expected = vec!["Data Connectors/inside/a.json"];
        if can_read_anyway {
            expected.push("Data Connectors/locked/d.json");
        }
        expected.push("Data Connectors/x/a.json");
        assert_eq!(rels, expected);
        let reason = |rel: &str| {
            walk.skipped
                .iter()
                .find(|s| s.rel == rel)
                .map(|s| s.reason.clone())
        };
        assert!(matches!(
            reason("Data Connectors/broken"),
            Some(SkipReason::LinkBroken(_))
        ));
        assert_eq!(reason("Data Connectors/loop"), Some(SkipReason::LinkLoop));
        assert!(matches!(
            reason("Data Connectors/out"),
            Some(SkipReason::LinkOutside(_))
        ));
        if !can_read_anyway {
            assert!(matches!(
                reason("Data Connectors/locked"),
                Some(SkipReason::Unreadable(_))
            ));
        }
        assert_eq!(walk.skipped.len(), if can_read_anyway { 3 } else { 4 });
    }

    #[test]
    fn a_file_root_is_its_own_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("DCR.json");
        fs::write(&f, "{}").unwrap();
        let walk = walk(&f, Filter::JSON).unwrap();
        assert_eq!(walk.files.len(), 1);
        assert_eq!(walk.files[0].rel, "DCR.json");
        assert!(super::walk(&tmp.path().join("nope"), Filter::JSON).is_err());
    }
}
