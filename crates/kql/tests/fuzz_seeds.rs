//! The fuzz targets' seed corpus (`fuzz/seeds/kql_*`) through the targets' own harness
//! (`fuzz/harness/kql.rs`), so every CI run exercises what `cargo +nightly fuzz run` starts
//! from: deep nesting, every hand-written oracle fixture, crashes found by fuzzing.

#[path = "../../../fuzz/harness/kql.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    files.sort();
    files
}

fn run(target: &str, harness: fn(&[u8]), at_least: usize) {
    let files = seeds(target);
    assert!(
        files.len() >= at_least,
        "{target}: {} seeds, expected at least {at_least}",
        files.len()
    );
    for f in files {
        let data = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        harness(&data);
    }
}

#[test]
fn kql_query_seeds() {
    run("kql_query", harness::query, 200);
}

#[test]
fn kql_full_seeds() {
    run("kql_full", harness::full, 300);
}

#[test]
fn kql_case_seeds() {
    run("kql_case", harness::case, 50);
}
