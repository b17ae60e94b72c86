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
    build_official(&spec, &out);
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

/// `ccfgen build --compat official --out OUT SPEC`, which must succeed.
fn build_official(spec: &Path, out: &Path) {
    assert_code(
        &run(ccfgen()
            .args(["build", "--compat", "official", "--out"])
            .arg(out)
            .arg(spec)),
        0,
    );
}

/// Without the corpus: what ccfgen builds for each example imports back to a spec that
/// builds the same connector artifacts and the same package.
#[test]
fn built_examples_import_back_without_differences() {
    for name in ["cvebuster", "contoso", "fabrikam", "woodgrove", "litware"] {
        let tmp = tempfile::tempdir().unwrap();
        let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name);
        let out = tmp.path().join("out");
        build_official(&spec, &out);
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

/// Without the corpus: a package whose tables are not in data-flow order (woodgrove's
/// `table_order`), with several Push instances, imports back to a spec that rebuilds it byte
/// for byte in `--compat official`.
#[test]
fn reordered_multi_table_package_round_trips_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/woodgrove");
    let first = tmp.path().join("first");
    build_official(&example, &first);
    let spec = tmp.path().join("imported/ccfgen.toml");
    let import = run(ccfgen()
        .args(["import", "--out"])
        .arg(&spec)
        .arg(first.join("Package")));
    assert_code(&import, 0);
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(
        text.contains(
            "table_order = [\"WoodgroveDevices_CL\", \"WoodgroveTransfers_CL\", \"WoodgroveSignIns_CL\"]"
        ),
        "{text}"
    );
    let second = tmp.path().join("second");
    build_official(&spec, &second);
    for file in [
        "mainTemplate.json",
        "createUiDefinition.json",
        "testParameters.json",
    ] {
        let a = std::fs::read(first.join("Package").join(file)).unwrap();
        let b = std::fs::read(second.join("Package").join(file)).unwrap();
        assert!(a == b, "{file} differs after import and rebuild");
    }
}

/// `ccfgen import` exits 1 (and names the place) when the rebuilt package differs where no
/// note explains it: here a metadata resource edited by hand after packaging.
#[test]
fn import_exits_1_on_unexplained_differences() {
    let tmp = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/woodgrove");
    let out = tmp.path().join("out");
    build_official(&example, &out);
    let main = out.join("Package/mainTemplate.json");
    let mut template: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&main).unwrap()).unwrap();
    template["resources"][2]["properties"]["support"]["email"] = "edited@woodgrove.example".into();
    std::fs::write(&main, serde_json::to_vec_pretty(&template).unwrap()).unwrap();
    let spec = tmp.path().join("imported/ccfgen.toml");
    let import = run(ccfgen().args(["import", "--out"]).arg(&spec).arg(&main));
    assert_code(&import, 1);
    let stderr = String::from_utf8_lossy(&import.stderr);
    assert!(
        stderr.contains("differs: mainTemplate.json $.resources[2].properties.support.email"),
        "{stderr}"
    );
    assert!(stderr.contains("1 unexplained"), "{stderr}");
}

/// The solution-content corpus (`../shared/corpus-content`): its solutions' sources include
/// their analytic rules, parsers and workbooks, which are built from the files; every package
/// and every sources → package comparison has no unexplained difference.
#[test]
fn content_corpus_solutions_conform() {
    let Some(dir) = support::corpus::content_corpus() else {
        return;
    };
    let report = ccfgen::conformance::run(&dir);
    println!("{}", report.summary());
    assert_eq!(report.unexplained(), 0, "{}", report.details());
    assert!(report.stale.is_empty(), "{}", report.summary());
    let gambit = report
        .solutions
        .iter()
        .find(|s| s.solution == "azure-sentinel/GambitSecurity")
        .unwrap();
    let sources = gambit
        .comparisons
        .iter()
        .find(|c| c.label == "sources → package, --compat official")
        .unwrap();
    // Only the connector version the corpus explains: the rule and the parser come out as the
    // official packager wrote them.
    assert_eq!(sources.diffs.len(), 1, "{:?}", sources.diffs);
    assert_eq!(sources.diffs[0].path, "$.variables.dataConnectorCCPVersion");
}
