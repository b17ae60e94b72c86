//! Writing generated files safely: everything is rendered in memory first; then changed files
//! are staged next to their targets, synced, and renamed into place; unchanged files are not
//! touched; files a previous build wrote and this one does not are removed. If staging fails,
//! the staged files are deleted and the previous output is left as it was.
//!
//! Nothing is written or removed outside the output directory: every file's relative path
//! passes [`crate::safe_path`] and may not pass through a symbolic link that leads out of the
//! directory. The bookkeeping file ([`MANIFEST`]) records, for every file written, its SHA-256
//! and (on Unix) its device and inode numbers. A stale file is removed only when the manifest
//! lists it, it is a regular file inside the directory reached without any symbolic link, its
//! bytes are still the ones recorded and it is still the very file the build wrote — so a
//! tampered manifest, a hand-edited file or a file put in its place is never deleted.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The manifest listing the files a build wrote: a header line, then one line per file,
/// `<sha256 hex> <device:inode, or -> <relative path>`.
pub const MANIFEST: &str = ".ccfgen-manifest";

/// The first line of the manifest (a manifest without it names no file ccfgen may remove).
const MANIFEST_HEADER: &str = "# ccfgen build manifest v2: sha256 file-id path";

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
    /// Entries of the previous manifest that were not removed, with the reason: changed
    /// since they were written, not a regular file, or an entry no build writes.
    pub kept: Vec<(String, String)>,
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
    for (rel, _) in artifacts.iter() {
        crate::safe_path::resolve_inside(dir, rel).map_err(|e| OutputError {
            path: dir.join(rel),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e),
        })?;
    }
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
    for (rel, recorded) in read_manifest(dir) {
        if artifacts.get(&rel).is_some() {
            continue;
        }
        match removable(dir, &rel, recorded.as_ref()) {
            Ok(path) => {
                fs::remove_file(&path).map_err(io_err(&path))?;
                remove_empty_parents(dir, &path);
                report.removed.push(rel);
            }
            Err(Some(why)) => report.kept.push((rel, why)),
            Err(None) => {}
        }
    }
    let mut manifest = format!("{MANIFEST_HEADER}\n");
    for (p, bytes) in artifacts.iter() {
        let id = file_id(&dir.join(p)).unwrap_or_else(|| "-".into());
        manifest.push_str(&format!("{} {id} {p}\n", sha256_hex(bytes)));
    }
    write_if_changed(&dir.join(MANIFEST), manifest.as_bytes())
        .map_err(io_err(&dir.join(MANIFEST)))?;
    Ok(report)
}

/// The file a previous manifest entry names, if the build may remove it; else why not
/// (`None`: it is already gone).
fn removable(
    dir: &Path,
    rel: &str,
    recorded: Option<&Recorded>,
) -> Result<PathBuf, Option<String>> {
    if let Err(e) = crate::safe_path::check_relative(rel) {
        return Err(Some(format!("not a path inside the output: {e}")));
    }
    if !crate::safe_path::has_no_links(dir, rel) {
        return Err(Some("reached through a symbolic link".into()));
    }
    let path = dir.join(rel);
    match fs::symlink_metadata(&path) {
        Err(_) => return Err(None),
        Ok(m) if !m.file_type().is_file() => return Err(Some("not a regular file".into())),
        Ok(_) => {}
    }
    let Some(recorded) = recorded else {
        return Err(Some(
            "the manifest records no checksum for it (an older ccfgen wrote it); remove it by hand if it is stale".into(),
        ));
    };
    if let Some(id) = &recorded.id
        && file_id(&path).as_ref() != Some(id)
    {
        return Err(Some(
            "not the file ccfgen wrote (replaced, copied or checked out since); remove it by hand if it is stale".into(),
        ));
    }
    match fs::read(&path) {
        Ok(bytes) if sha256_hex(&bytes).eq_ignore_ascii_case(&recorded.sha256) => Ok(path),
        Ok(_) => Err(Some("changed since ccfgen wrote it".into())),
        Err(e) => Err(Some(format!("cannot read it: {e}"))),
    }
}

/// What the manifest recorded about a file.
struct Recorded {
    sha256: String,
    /// Device and inode (`None` where the platform has none).
    id: Option<String>,
}

/// The identity of a file: `device:inode` on Unix (a checkout or copy makes a new one).
fn file_id(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        fs::symlink_metadata(path)
            .ok()
            .map(|m| format!("{}:{}", m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// SHA-256 of `bytes` in lowercase hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

/// The entries of the previous manifest: path and what was recorded (a manifest of an older
/// ccfgen lists bare paths, without checksums).
fn read_manifest(dir: &Path) -> Vec<(String, Option<Recorded>)> {
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    let mut lines = text.lines().filter(|l| !l.is_empty()).peekable();
    let hashed = lines.peek() == Some(&MANIFEST_HEADER);
    if hashed {
        lines.next();
    }
    lines
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(sha), Some(id), Some(rel))
                    if hashed && sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) =>
                {
                    let recorded = Recorded {
                        sha256: sha.to_string(),
                        id: (id != "-").then(|| id.to_string()),
                    };
                    (rel.to_string(), Some(recorded))
                }
                _ => (l.to_string(), None),
            }
        })
        .collect()
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
    fn a_tampered_manifest_removes_nothing_it_did_not_write() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let mut a = Artifacts::new();
        a.add("a.txt", b"1".to_vec());
        a.add("b.txt", b"2".to_vec());
        write_artifacts(&dir, &a).unwrap();
        fs::write(root.path().join("victim.txt"), b"keep").unwrap();
        fs::write(dir.join("mine.txt"), b"user").unwrap();
        fs::write(dir.join("b.txt"), b"edited").unwrap();
        let mut manifest = fs::read_to_string(dir.join(MANIFEST)).unwrap();
        // Entries with the right checksums: the victim outside, a user file inside (with a
        // made-up identity, and with none).
        let sha = sha256_hex(b"keep");
        let user = sha256_hex(b"user");
        manifest.push_str(&format!(
            "{sha} - ../victim.txt\n{user} 1:1 mine.txt\n{sha} - /tmp/victim.txt\n"
        ));
        fs::write(dir.join(MANIFEST), manifest).unwrap();
        let mut b = Artifacts::new();
        b.add("c.txt", b"3".to_vec());
        let r = write_artifacts(&dir, &b).unwrap();
        assert_eq!(r.removed, ["a.txt"], "{:?}", r.kept);
        let kept: Vec<&str> = r.kept.iter().map(|(p, _)| p.as_str()).collect();
        #[cfg(unix)]
        assert_eq!(
            kept,
            ["b.txt", "../victim.txt", "mine.txt", "/tmp/victim.txt"]
        );
        assert!(dir.join("mine.txt").exists());
        assert!(root.path().join("victim.txt").exists());
        assert_eq!(fs::read(dir.join("b.txt")).unwrap(), b"edited");
    }

    #[test]
    fn an_old_manifest_without_checksums_removes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("old.txt"), b"x").unwrap();
        fs::write(dir.path().join(MANIFEST), "old.txt\n").unwrap();
        let r = write_artifacts(dir.path(), &Artifacts::new()).unwrap();
        assert!(r.removed.is_empty());
        assert_eq!(r.kept.len(), 1);
        assert!(dir.path().join("old.txt").exists());
    }

    #[test]
    fn artifact_paths_may_not_leave_the_directory() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        for bad in ["../x.txt", "/tmp/x.txt", "a/../../x.txt"] {
            let mut a = Artifacts::new();
            a.add("ok.txt", b"1".to_vec());
            a.add(bad, b"1".to_vec());
            assert!(write_artifacts(&dir, &a).is_err(), "{bad}");
            assert!(!dir.join("ok.txt").exists(), "nothing written for {bad}");
        }
        assert!(!root.path().join("x.txt").exists());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_inside_the_output_are_not_followed_out() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let elsewhere = root.path().join("elsewhere");
        fs::create_dir_all(&dir).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.join("Data")).unwrap();
        let mut a = Artifacts::new();
        a.add("Data/x.json", b"{}".to_vec());
        assert!(write_artifacts(&dir, &a).is_err());
        assert!(!elsewhere.join("x.json").exists());
    }
}
