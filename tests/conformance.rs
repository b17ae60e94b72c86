//! The conformance run over the real-world corpus (`../shared/corpus`, never copied into the
//! repository): every solution imported, rebuilt and compared; no unexplained difference is
//! allowed, and the packages that are genuine output of the official packager reproduce in
//! `--compat official` mode. Skipped when the corpus is absent, unless
//! `CCFGEN_REQUIRE_CORPUS=1` (then its absence fails the test).

mod support;

use std::path::Path;

use support::corpus::corpus;
use support::{assert_code, ccfgen, run};

#[test]
fn every_corpus_solution_conforms() {
    let Some(dir) = corpus() else { return };
    let report = ccfgen::conformance::run(&dir);
    println!("{}", report.summary());
    assert!(
        report.solutions.len() >= 20,
        "too few solutions: {}",
        report.solutions.len()
    );
    assert_eq!(report.unexplained(), 0, "{}", report.details());
    assert!(report.stale.is_empty(), "{}", report.summary());
    // Genuine packager output reproduces as JSON values, and byte for byte where the
    // corpus files keep the packager's key order.
    for (solution, bytes) in [
        ("cveBusterCCFPush", true),
        ("azure-sentinel/GambitSecurity", true),
        ("azure-sentinel/Red Sift", true),
        ("azure-sentinel/Orca Security Alerts", true),
        ("azure-sentinel/NordStellar", false),
    ] {
        let s = report
            .solutions
            .iter()
            .find(|s| s.solution == solution)
            .unwrap();
        let official = s
            .comparisons
            .iter()
            .find(|c| c.label == "package, --compat official")
            .unwrap();
        assert!(
            official.diffs.is_empty(),
            "{solution}: {:?}",
            official.diffs
        );
        assert_eq!(official.bytes_identical, Some(bytes), "{solution}");
    }
}

#[test]
fn cli_import_then_build_reproduces_an_official_package_byte_for_byte() {
    let Some(dir) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("orca/ccfgen.toml");
    let status = run(ccfgen()
        .args(["import", "--out"])
        .arg(&spec)
        .arg(dir.join("azure-sentinel/Orca Security Alerts/Package/mainTemplate.json")));
    assert_code(&status, 0);
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(text.contains("columns = [\n  { name = "), "{text}");
    assert!(tmp.path().join("orca/extra-content.json").is_file());
    let out = tmp.path().join("out");
    let build = run(ccfgen()
        .args(["build", "--compat", "official", "--out"])
        .arg(&out)
        .arg(&spec));
    assert_code(&build, 0);
    // Orca's package: a legacy connector and a workbook carried verbatim around the CCF one.
    for file in ["mainTemplate.json", "testParameters.json"] {
        let ours = std::fs::read(out.join("Package").join(file)).unwrap();
        let theirs = std::fs::read(
            dir.join("azure-sentinel/Orca Security Alerts/Package")
                .join(file),
        )
        .unwrap();
        assert!(ours == theirs, "{file} differs from the official package");
    }
}

/// Without the corpus: what ccfgen builds for each example imports back to a spec that
/// builds the same connector artifacts and the same package.
#[test]
fn built_examples_import_back_without_differences() {
    for name in ["cvebuster", "contoso", "fabrikam"] {
        let tmp = tempfile::tempdir().unwrap();
        let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name);
        let out = tmp.path().join("out");
        let build = run(ccfgen()
            .args(["build", "--compat", "official", "--out"])
            .arg(&out)
            .arg(&spec));
        assert_code(&build, 0);
        for input in [out.clone(), out.join("Package")] {
            let imported = ccfgen::import::import(&input).unwrap();
            let notes: Vec<String> = imported.notes.iter().map(ToString::to_string).collect();
            assert!(notes.is_empty(), "{name} {}: {notes:?}", input.display());
            let mut diffs = ccfgen::import::verify::connector_artifacts(&imported).unwrap();
            diffs.extend(
                ccfgen::import::verify::package(&imported, ccfgen::solution::Compat::Official)
                    .unwrap(),
            );
            assert!(diffs.is_empty(), "{name} {}: {diffs:?}", input.display());
        }
    }
}
