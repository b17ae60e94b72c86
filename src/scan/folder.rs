//! Reading a solution folder (`Solutions/<Name>` in Azure-Sentinel) into its parts: the data
//! input files (`Data/*.json`), the connector files (`Data Connectors/**.json`) with the CCF
//! resources they hold, and the other files at its top (`SolutionMetadata.json`,
//! `ReleaseNotes.md`), found by name ignoring case. Everything is found by one [`walk`] of
//! the folder, so no symbolic link leads out of it and an unreadable entry is reported, not
//! fatal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::kind::{Found, resources};
use super::walk::{Filter, Skipped, walk};
use super::{DATA, DATA_CONNECTORS, NOT_RESOURCES, read_json};
use crate::json_spans::JsonPath;

/// A JSON file of the folder.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonFile {
    /// Path relative to the folder, `/`-separated.
    pub rel: String,
    /// The path to open.
    pub path: PathBuf,
    /// The parsed value, or why there is none.
    pub json: Result<Value, String>,
}

impl JsonFile {
    /// Reads and parses `path` (`rel` relative to the folder).
    pub fn read(path: &Path, rel: &str) -> JsonFile {
        JsonFile {
            rel: rel.to_string(),
            path: path.to_path_buf(),
            json: read_json(path),
        }
    }

    /// Parses bytes read elsewhere (a UTF-8 byte order mark is skipped).
    pub fn parse(path: &Path, rel: &str, bytes: &[u8]) -> JsonFile {
        let json = std::str::from_utf8(bytes)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
                    .map_err(|e| e.to_string())
            });
        JsonFile {
            rel: rel.to_string(),
            path: path.to_path_buf(),
            json,
        }
    }

    /// The CCF resources the file holds ([`resources`]).
    pub fn resources(&self) -> Vec<(JsonPath, Found<'_>)> {
        self.json.as_ref().map(resources).unwrap_or_default()
    }
}

/// A solution folder as read.
#[derive(Debug, Clone, Default)]
pub struct SolutionFolder {
    /// The folder read.
    pub root: PathBuf,
    /// The folder's own name.
    pub name: String,
    /// `Data/*.json`, sorted by name.
    pub data_files: Vec<JsonFile>,
    /// `Data Connectors/**.json` except files that are never resources ([`NOT_RESOURCES`]),
    /// sorted by path.
    pub connector_files: Vec<JsonFile>,
    /// Every other file of the folder (relative paths), for lookups by name.
    pub other_files: Vec<String>,
    /// Entries the walk did not enter or read.
    pub skipped: Vec<Skipped>,
    /// The text of the other files, for a folder made in memory ([`SolutionFolder::from_files`]).
    texts: BTreeMap<String, String>,
}

/// Whether `rel` is below a folder named `dir` (ignoring case) at the top.
fn under<'r>(rel: &'r str, dir: &str) -> Option<&'r str> {
    let (first, rest) = rel.split_once('/')?;
    first.eq_ignore_ascii_case(dir).then_some(rest)
}

impl SolutionFolder {
    /// Reads `dir`. Fails only when `dir` itself cannot be read.
    pub fn read(dir: &Path) -> std::io::Result<SolutionFolder> {
        let found = walk(
            dir,
            Filter {
                extension: None,
                skip_tool_dirs: true,
            },
        )?;
        let mut folder = SolutionFolder {
            root: dir.to_path_buf(),
            name: std::path::absolute(dir)
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_default(),
            skipped: found.skipped,
            ..SolutionFolder::default()
        };
        for entry in found.files {
            folder.add(&entry.rel, |rel| JsonFile::read(&entry.path, rel));
        }
        Ok(folder)
    }

    /// A folder made in memory from `(relative path, bytes)` pairs (tests and fuzzing):
    /// files are classified as [`SolutionFolder::read`] does; paths that break the path
    /// rules are left out, as a walk never yields them.
    pub fn from_files(name: &str, files: Vec<(String, Vec<u8>)>) -> SolutionFolder {
        let mut folder = SolutionFolder {
            root: PathBuf::from(name),
            name: name.to_string(),
            ..SolutionFolder::default()
        };
        let mut files = files;
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files.dedup_by(|a, b| a.0 == b.0);
        for (rel, bytes) in files {
            if crate::safe_path::check_relative(&rel).is_err() {
                continue;
            }
            let path = folder.root.join(&rel);
            let is_other = folder.add(&rel, |rel| JsonFile::parse(&path, rel, &bytes));
            if is_other {
                folder
                    .texts
                    .insert(rel, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        folder
    }

    /// Files one found file under its part; returns whether it is one of the other files.
    fn add(&mut self, rel: &str, read: impl FnOnce(&str) -> JsonFile) -> bool {
        let is_json = rel
            .rsplit_once('.')
            .is_some_and(|(_, e)| e.eq_ignore_ascii_case("json"));
        if let Some(rest) = under(rel, DATA)
            && is_json
            && !rest.contains('/')
        {
            self.data_files.push(read(rel));
        } else if under(rel, DATA_CONNECTORS).is_some() && is_json {
            let name = rel.rsplit('/').next().unwrap_or_default();
            if !NOT_RESOURCES.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                self.connector_files.push(read(rel));
            }
        } else {
            self.other_files.push(rel.to_string());
            return true;
        }
        false
    }

    /// The text of a file of the folder (one of [`SolutionFolder::find`]'s answers).
    pub fn read_text(&self, rel: &str) -> Result<String, String> {
        match self.texts.get(rel) {
            Some(text) => Ok(text.clone()),
            None => crate::input::read_to_string(
                &self.path(rel),
                crate::input::MAX_TEXT_BYTES,
                "a text file",
            )
            .map_err(|e| e.to_string()),
        }
    }

    /// The parsed JSON of a file of the folder (a byte order mark is skipped).
    pub fn read_json(&self, rel: &str) -> Result<Value, String> {
        if let Some(f) = self
            .data_files
            .iter()
            .chain(&self.connector_files)
            .find(|f| f.rel == rel)
        {
            return f.json.clone();
        }
        let text = self.read_text(rel)?;
        serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(&text))
            .map_err(|e| e.to_string())
    }

    /// Whether the folder has a `Data Connectors` folder with JSON files.
    pub fn has_connectors(&self) -> bool {
        !self.connector_files.is_empty()
    }

    /// A file of the folder named by `rel` (a relative path read from one of its files,
    /// compared ignoring case), if the walk found it. A `rel` that breaks the path rules
    /// ([`crate::safe_path`]) is refused.
    pub fn find(&self, rel: &str) -> Result<Option<&str>, crate::safe_path::PathError> {
        let rel = rel.replace('\\', "/");
        crate::safe_path::check_relative(&rel)?;
        Ok(self
            .other_files
            .iter()
            .chain(self.data_files.iter().map(|f| &f.rel))
            .find(|f| f.eq_ignore_ascii_case(&rel))
            .map(String::as_str))
    }

    /// The path to open for a relative path of the folder.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn reads_the_parts_of_a_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("My Solution");
        fs::create_dir_all(dir.join("Data Connectors/x")).unwrap();
        fs::create_dir_all(dir.join("data/sub")).unwrap();
        fs::write(dir.join("data/Solution_X.json"), r#"{"Name": "X"}"#).unwrap();
        fs::write(dir.join("data/sub/ignored.json"), "{}").unwrap();
        fs::write(dir.join("SolutionMetadata.json"), "{}").unwrap();
        fs::write(dir.join("ReleaseNotes.md"), "|").unwrap();
        fs::write(
            dir.join("Data Connectors/x/dcr.json"),
            r#"[{"type": "Microsoft.Insights/dataCollectionRules"}]"#,
        )
        .unwrap();
        fs::write(dir.join("Data Connectors/x/host.json"), "{}").unwrap();
        fs::write(dir.join("Data Connectors/x/bad.json"), "{").unwrap();
        let folder = SolutionFolder::read(&dir).unwrap();
        assert_eq!(folder.name, "My Solution");
        let rels = |files: &[JsonFile]| files.iter().map(|f| f.rel.clone()).collect::<Vec<_>>();
        assert_eq!(rels(&folder.data_files), ["data/Solution_X.json"]);
        assert_eq!(
            rels(&folder.connector_files),
            ["Data Connectors/x/bad.json", "Data Connectors/x/dcr.json"]
        );
        assert!(folder.connector_files[0].json.is_err());
        assert_eq!(folder.connector_files[1].resources().len(), 1);
        assert_eq!(
            folder.find("solutionmetadata.json").unwrap(),
            Some("SolutionMetadata.json")
        );
        assert_eq!(
            folder.find("RELEASENOTES.md").unwrap(),
            Some("ReleaseNotes.md")
        );
        assert!(folder.find("../../etc/passwd").is_err());
        assert_eq!(folder.find("nope.json").unwrap(), None);
    }
}
