//! Writing generated files safely: everything is rendered in memory first; then changed files
//! are staged next to their targets, synced, and renamed into place; unchanged files are not
//! touched; files a previous build wrote and this one does not are removed. If staging fails,
//! the staged files are deleted and the previous output is left as it was.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The manifest listing the files a build wrote (relative paths, one per line).
pub const MANIFEST: &str = ".ccfgen-manifest";

/// A set of generated files: relative path (forward slashes) → bytes, in path order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Artifacts {
    files: BTreeMap<String, Vec<u8>>,
}

impl Artifacts {
    /// No files.
    pub fn new() -> Artifacts {
        Artifacts::default()
    }

    /// Adds a JSON file: pretty-printed (2 spaces), with a final newline.
    pub fn add_json(&mut self, path: impl Into<String>, value: &serde_json::Value) {
        let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
        text.push('\n');
        self.add(path, text.into_bytes());
    }

    /// Adds a file.
    pub fn add(&mut self, path: impl Into<String>, bytes: Vec<u8>) {
        self.files.insert(path.into(), bytes);
    }

    /// The bytes of a file.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// Every file in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(p, b)| (p.as_str(), b.as_slice()))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or replaced.
    pub written: Vec<String>,
    /// Files already up to date.
    pub unchanged: Vec<String>,
    /// Files of an earlier build that this build no longer produces, removed.
    pub removed: Vec<String>,
}

/// Writing output failed; the previous output is intact unless `partial` says otherwise.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct OutputError {
    /// The file or directory.
    pub path: PathBuf,
    /// The I/O error.
    pub source: std::io::Error,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `artifacts` under `dir` as described in the module docs.
pub fn write_artifacts(dir: &Path, artifacts: &Artifacts) -> Result<WriteReport, OutputError> {
    let mut report = WriteReport::default();
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for (rel, bytes) in artifacts.iter() {
            let target = dir.join(rel);
            if fs::read(&target).is_ok_and(|old| old == bytes) {
                report.unchanged.push(rel.to_string());
                continue;
            }
            let tmp = stage(&target, bytes)?;
            staged.push((tmp, target));
            report.written.push(rel.to_string());
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (tmp, target) in &staged {
        fs::rename(tmp, target).map_err(io_err(target))?;
    }
    let previous = read_manifest(dir);
    for rel in previous {
        if artifacts.get(&rel).is_none() && is_safe_relative(&rel) {
            let path = dir.join(&rel);
            if path.is_file() {
                fs::remove_file(&path).map_err(io_err(&path))?;
                report.removed.push(rel);
                remove_empty_parents(dir, &path);
            }
        }
    }
    let manifest: String = artifacts.iter().map(|(p, _)| format!("{p}\n")).collect();
    write_if_changed(&dir.join(MANIFEST), manifest.as_bytes())
        .map_err(io_err(&dir.join(MANIFEST)))?;
    Ok(report)
}

/// Writes one file atomically (stage + sync + rename), only when its bytes differ.
/// Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    let tmp = stage(path, bytes).map_err(|e| e.source)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })?;
    Ok(true)
}

/// Writes `bytes` to a temporary file next to `target` and syncs it.
fn stage(target: &Path, bytes: &[u8]) -> Result<PathBuf, OutputError> {
    let parent = target.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io_err(parent))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.ccfgen-tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    };
    write().map_err(|source| {
        let _ = fs::remove_file(&tmp);
        OutputError {
            path: target.to_path_buf(),
            source,
        }
    })?;
    Ok(tmp)
}

fn read_manifest(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join(MANIFEST))
        .map(|t| {
            t.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A manifest entry may only name a file inside the output directory.
fn is_safe_relative(rel: &str) -> bool {
    let p = Path::new(rel);
    !p.is_absolute()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_only_changes_and_removes_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Artifacts::new();
        a.add("x/a.txt", b"1".to_vec());
        a.add("b.txt", b"2".to_vec());
        let r = write_artifacts(dir.path(), &a).unwrap();
        assert_eq!(r.written, ["b.txt", "x/a.txt"]);

        let mut b = Artifacts::new();
        b.add("b.txt", b"2".to_vec());
        b.add("c.txt", b"3".to_vec());
        let r = write_artifacts(dir.path(), &b).unwrap();
        assert_eq!(r.unchanged, ["b.txt"]);
        assert_eq!(r.written, ["c.txt"]);
        assert_eq!(r.removed, ["x/a.txt"]);
        assert!(!dir.path().join("x").exists(), "empty folder removed");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("ccfgen-tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn failed_staging_leaves_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Artifacts::new();
        a.add("a.txt", b"old".to_vec());
        write_artifacts(dir.path(), &a).unwrap();
        // A file where a directory is needed makes staging of the second file fail.
        fs::write(dir.path().join("blocker"), b"").unwrap();
        let mut b = Artifacts::new();
        b.add("a.txt", b"new".to_vec());
        b.add("blocker/z.txt", b"z".to_vec());
        assert!(write_artifacts(dir.path(), &b).is_err());
        assert_eq!(fs::read(dir.path().join("a.txt")).unwrap(), b"old");
        assert!(fs::read_dir(dir.path()).unwrap().all(|e| {
            !e.unwrap()
                .file_name()
                .to_string_lossy()
                .contains("ccfgen-tmp")
        }));
    }

    #[test]
    fn manifest_cannot_escape_the_directory() {
        assert!(is_safe_relative("Data/Solution_X.json"));
        assert!(!is_safe_relative("../etc/passwd"));
        assert!(!is_safe_relative("/etc/passwd"));
    }
}
