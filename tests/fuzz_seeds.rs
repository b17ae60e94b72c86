//! The fuzz targets' inputs on stable: every seed (`fuzz/seeds/<target>/`) and every input a
//! fuzzer once crashed on (`fuzz/regressions/<target>/`) goes through the same harness the
//! cargo-fuzz targets run (`fuzz/harness/readers.rs`), and so do the corpus's packages, solution
//! folders and JSON files when `../shared/corpus` is there.

#[path = "../fuzz/harness/readers.rs"]
mod harness;
#[path = "../fuzz/harness/push.rs"]
mod push_harness;
#[path = "support/corpus.rs"]
mod support_corpus;

use std::fs;
use std::path::{Path, PathBuf};

use support_corpus::{content_corpus, corpus};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The seed and regression inputs of a target (at least one seed).
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["fuzz/seeds", "fuzz/regressions"] {
        let Ok(entries) = fs::read_dir(repo(dir).join(target)) else {
            continue;
        };
        files.extend(entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
    }
    files.sort();
    assert!(!files.is_empty(), "no seeds for {target}");
    files
}

fn run(target: &str, f: fn(&[u8])) {
    for path in inputs(target) {
        let data = fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| f(&data));
        assert!(result.is_ok(), "{target} panicked on {}", path.display());
    }
}

#[test]
fn spec_loader_seeds() {
    run("spec_loader", harness::spec_loader);
}

#[test]
fn import_package_seeds() {
    run("import_package", harness::import_package);
}

#[test]
fn import_folder_seeds() {
    run("import_folder", harness::import_folder);
}

#[test]
fn json_spans_seeds() {
    run("json_spans", harness::json_spans);
}

#[test]
fn push_reader_seeds() {
    run("push_reader", push_harness::push_reader);
}

#[test]
fn yaml_spans_seeds() {
    run("yaml_spans", harness::yaml_spans);
}

/// The seeds of the folder target are what they claim: an import of one of them finds a
/// connector (so fuzzing starts from inputs that reach deep into the reader).
#[test]
fn folder_seeds_import_a_connector() {
    for path in inputs("import_folder")
        .into_iter()
        .filter(|p| p.starts_with(repo("fuzz/seeds")))
    {
        let data = fs::read(&path).unwrap();
        let folder = ccfgen::scan::SolutionFolder::from_files("Seed", harness::folder_files(&data));
        let imported = ccfgen::import::import_folder(&folder).unwrap();
        assert!(!imported.spec.connectors.is_empty(), "{}", path.display());
    }
}

/// Every file of the corpus in sorted order.
fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    ccfgen::scan::walk::walk(
        dir,
        ccfgen::scan::Filter {
            extension: None,
            skip_tool_dirs: true,
        },
    )
    .unwrap()
    .files
    .into_iter()
    .map(|e| e.path)
    .collect()
}

/// The corpus through the harness: each package, each solution folder in the folder target's
/// framing, each JSON file through the span parser.
#[test]
fn corpus_inputs() {
    let Some(dir) = corpus() else { return };
    let files = corpus_files(&dir);
    let mut packages = 0;
    for main in files
        .iter()
        .filter(|p| p.ends_with("Package/mainTemplate.json"))
    {
        let mut data = fs::read(main).unwrap();
        if let Ok(ui) = fs::read(main.with_file_name("createUiDefinition.json")) {
            data.extend_from_slice(b"\n@@ui\n");
            data.extend(ui);
        }
        harness::import_package(&data);
        packages += 1;
    }
    assert!(packages >= 5, "{packages} packages");
    let (solutions, _) = ccfgen::scan::solution_dirs(&dir).unwrap();
    for solution in &solutions {
        let mut data = Vec::new();
        for f in files.iter().filter(|f| f.starts_with(solution)) {
            let rel = f
                .strip_prefix(solution)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.starts_with("Package/") {
                continue;
            }
            data.extend(format!("@@ {rel}\n").into_bytes());
            data.extend(fs::read(f).unwrap());
            data.push(b'\n');
        }
        harness::import_folder(&data);
    }
    assert!(solutions.len() >= 20, "{} solutions", solutions.len());
    for json in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        harness::json_spans(&fs::read(json).unwrap());
    }
}

/// The content corpus's YAML (rules, hunting queries, parsers) and JSON (workbooks, tables)
/// through the YAML span parser: JSON is YAML too, and each must parse.
#[test]
fn content_corpus_yaml() {
    let Some(dir) = content_corpus() else { return };
    let mut yaml = 0;
    for f in corpus_files(&dir) {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "yaml" | "yml" | "json") {
            continue;
        }
        let data = fs::read(&f).unwrap();
        harness::yaml_spans(&data);
        if ext != "json" {
            let text = String::from_utf8(data).unwrap();
            ccfgen::yaml_spans::Document::parse(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            yaml += 1;
        }
    }
    assert!(yaml >= 50, "{yaml} YAML files");
}
