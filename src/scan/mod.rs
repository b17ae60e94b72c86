//! Reading solutions: the one place that walks a solution folder or a repository of them and
//! recognises what its files hold. `check`, `import`, `conformance` and `emulate` all read
//! through it.
//!
//! * [`walk`] lists the files under a root in sorted order; it never follows a symbolic link
//!   out of the root or into a loop, and reports an entry it cannot read instead of stopping.
//! * [`kind`] says which CCF resource a JSON object is and finds the resources of a file (one
//!   resource, an array, an ARM template, a package's content templates).
//! * [`folder`] reads a solution folder into its parts (data files, connector files,
//!   metadata, release notes); [`streams`] reads the DCR stream declarations of a folder or
//!   file (what `ccfgen emulate` serves).
//!
//! The layout names of a solution folder are defined here once.

pub mod folder;
pub mod kind;
pub mod streams;
pub mod walk;

use std::path::Path;

use serde_json::Value;

pub use folder::{JsonFile, SolutionFolder};
pub use kind::{Kind, PackageKind};
pub use walk::{Filter, SkipReason, Skipped, Walk};

/// The folder of a solution that holds the connector files.
pub const DATA_CONNECTORS: &str = "Data Connectors";
/// The folder of a solution that holds the data input file (`Data/Solution_<Name>.json`).
pub const DATA: &str = "Data";
/// The folder of a solution that holds its package.
pub const PACKAGE: &str = "Package";
/// The solution's marketplace metadata file (the data file's `Metadata` may name another).
pub const METADATA_FILE: &str = "SolutionMetadata.json";
/// The solution's release notes.
pub const RELEASE_NOTES_FILE: &str = "ReleaseNotes.md";
/// The package's main template.
pub const MAIN_TEMPLATE: &str = "mainTemplate.json";

/// JSON file names that belong to a solution (or to an Azure Function beside a connector)
/// and never hold connector resources, compared ignoring case.
pub const NOT_RESOURCES: &[&str] = &[
    "SolutionMetadata.json",
    "createUiDefinition.json",
    "testParameters.json",
    "function.json",
    "host.json",
    "proxies.json",
    "local.settings.json",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
];

/// Reads and parses a JSON file (a UTF-8 byte order mark is skipped); the error says why.
pub fn read_json(path: &Path) -> Result<Value, String> {
    let text = crate::input::read_to_string(path, crate::input::MAX_JSON_BYTES, "a JSON file")
        .map_err(|e| e.to_string())?;
    serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(&text)).map_err(|e| e.to_string())
}

/// Whether a relative path has a `Data Connectors` folder in it.
pub fn in_data_connectors(rel: &str) -> bool {
    rel.split('/')
        .any(|p| p.eq_ignore_ascii_case(DATA_CONNECTORS))
}

/// Whether `dir` looks like a solution folder: it has `Data Connectors/` or `Package/`.
pub fn is_solution_dir(dir: &Path) -> bool {
    dir.join(DATA_CONNECTORS).is_dir() || dir.join(PACKAGE).is_dir()
}

/// The solution folder of a file (relative path): the folder above its last `Data
/// Connectors` or `Package` folder, or the root (`""`) when it has neither.
pub fn scope_key(rel: &str) -> &str {
    let mut cut = 0;
    let mut at = 0;
    for part in rel.split('/') {
        let end = at + part.len();
        if end < rel.len()
            && (part.eq_ignore_ascii_case(DATA_CONNECTORS) || part.eq_ignore_ascii_case(PACKAGE))
        {
            cut = at.saturating_sub(1);
        }
        at = end + 1;
    }
    &rel[..cut]
}

/// The solution folders under `root`: `root` itself when it is one, else its sub-folders that
/// are, one or two levels down (`<corpus>/<group>/<solution>`), in sorted order. The listing
/// goes through [`walk`], so links out of `root` and loops are not followed.
pub fn solution_dirs(root: &Path) -> std::io::Result<(Vec<std::path::PathBuf>, Vec<Skipped>)> {
    if is_solution_dir(root) {
        return Ok((vec![root.to_path_buf()], Vec::new()));
    }
    let listing = walk::walk_dirs(root, 2)?;
    let mut out: Vec<std::path::PathBuf> = Vec::new();
    for dir in listing.files {
        // A solution's own sub-folders are not solutions of their own.
        if out.iter().any(|s| dir.path.starts_with(s)) {
            continue;
        }
        if is_solution_dir(&dir.path) {
            out.push(dir.path);
        }
    }
    Ok((out, listing.skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        assert_eq!(scope_key("A/B/Data Connectors/x/y.json"), "A/B");
        assert_eq!(scope_key("Data Connectors/y.json"), "");
        assert_eq!(scope_key("A/Package/mainTemplate.json"), "A");
        assert_eq!(scope_key("A/Workbooks/w.json"), "");
        assert_eq!(scope_key("Package"), "");
        assert!(in_data_connectors("A/data connectors/x.json"));
    }
}
