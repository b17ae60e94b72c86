//! Where the shared corpora are, for every test of the workspace (the root crate's tests
//! through `support`, `crates/kql`'s tests through `#[path]`): one rule, in one place.
//!
//! `CCFGEN_CORPUS_DIR` names the corpus; otherwise it is `../shared/corpus` beside the
//! workspace (CI clones the repository with `shared/` beside it). A test that needs it calls
//! [`corpus`]: `None` (the test is skipped, with a note) when it is absent, unless
//! `CCFGEN_REQUIRE_CORPUS=1`, which `.ci/run` always sets: then its absence fails the test.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The workspace root: the nearest ancestor of the including crate's manifest directory that
/// holds `Cargo.lock`.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .unwrap_or(manifest)
        .to_path_buf()
}

/// The `shared/` folder beside the workspace.
pub fn shared_dir() -> PathBuf {
    workspace_root().join("../shared")
}

/// The corpus path, whether or not it exists (`CCFGEN_CORPUS_DIR`, else `../shared/corpus`).
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("CCFGEN_CORPUS_DIR") {
        Some(p) => PathBuf::from(p),
        None => shared_dir().join("corpus"),
    }
}

/// Whether the corpus is required (`CCFGEN_REQUIRE_CORPUS=1`).
pub fn corpus_required() -> bool {
    std::env::var("CCFGEN_REQUIRE_CORPUS").as_deref() == Ok("1")
}

/// The corpus, or `None` when it is absent and not required; panics when it is absent and
/// required.
pub fn corpus() -> Option<PathBuf> {
    let dir = corpus_dir();
    if dir.join("MANIFEST.md").is_file() {
        return Some(dir);
    }
    assert!(
        !corpus_required(),
        "CCFGEN_REQUIRE_CORPUS=1 but the corpus is not at {} (set CCFGEN_CORPUS_DIR or put shared/ beside the clone)",
        dir.display()
    );
    eprintln!(
        "note: no corpus at {}: corpus checks skipped",
        dir.display()
    );
    None
}

/// The solution-content corpus (`CCFGEN_CONTENT_CORPUS_DIR`, else `../shared/corpus-content`):
/// solutions with their content sources and official packages. `None` when absent and not
/// required, as [`corpus`].
pub fn content_corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("CCFGEN_CONTENT_CORPUS_DIR") {
        Some(p) => PathBuf::from(p),
        None => shared_dir().join("corpus-content"),
    };
    if dir.join("MANIFEST.md").is_file() {
        return Some(dir);
    }
    assert!(
        !corpus_required(),
        "CCFGEN_REQUIRE_CORPUS=1 but the content corpus is not at {} (set CCFGEN_CONTENT_CORPUS_DIR or put shared/ beside the clone)",
        dir.display()
    );
    eprintln!(
        "note: no content corpus at {}: content corpus checks skipped",
        dir.display()
    );
    None
}
