//! Snapshots of every artifact of every bundled example (glob-driven: a new example directory
//! is picked up automatically), and byte-for-byte determinism of the build.
//!
//! Review changes with `cargo insta review` (or accept with `INSTA_UPDATE=always`).

use std::path::Path;

use ccfgen::artifacts::render_solution;

fn render(spec: &Path) -> ccfgen::output::Artifacts {
    let (solution, _, warnings) = ccfgen::load::solution(spec)
        .unwrap_or_else(|e| panic!("{} does not load: {e:?}", spec.display()));
    assert!(
        warnings.is_empty(),
        "{} has findings: {warnings:?}",
        spec.display()
    );
    render_solution(&solution, "ccfgen.toml").expect("renders")
}

#[test]
fn every_artifact_of_every_example() {
    insta::glob!("../examples", "*/ccfgen.toml", |spec| {
        let artifacts = render(spec);
        assert!(
            artifacts.len() >= 8,
            "too few artifacts: {}",
            artifacts.len()
        );
        for (path, bytes) in artifacts.iter() {
            let name = path.replace(['/', ' '], "_");
            if path.ends_with(".zip") {
                insta::assert_snapshot!(name, zip_listing(bytes));
                continue;
            }
            let text = std::str::from_utf8(bytes).expect("artifacts are UTF-8");
            insta::assert_snapshot!(name, text);
        }
    });
}

/// A zip as text: each entry's name, size, mode and sha256, then the archive's sha256.
fn zip_listing(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut out = String::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        out.push_str(&format!(
            "{}  {} bytes  mode {:o}  {}  sha256 {:x}\n",
            entry.name().unwrap(),
            content.len(),
            entry.unix_mode().unwrap_or(0),
            entry
                .last_modified()
                .map(|t| t.to_string())
                .unwrap_or_default(),
            Sha256::digest(&content)
        ));
    }
    out.push_str(&format!(
        "archive: {} bytes  sha256 {:x}\n",
        bytes.len(),
        Sha256::digest(bytes)
    ));
    out
}

#[test]
fn the_zip_holds_exactly_the_package_files_beside_it() {
    use std::io::Read;
    insta::glob!("../examples", "*/ccfgen.toml", |spec| {
        let artifacts = render(spec);
        let (solution, _, _) = ccfgen::load::solution(spec).unwrap();
        let zip_bytes = artifacts
            .get(&format!("Package/{}.zip", solution.version))
            .expect("the package zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|n| n.unwrap().into_owned())
            .collect();
        assert_eq!(names, ["createUiDefinition.json", "mainTemplate.json"]);
        for name in names {
            let mut inside = Vec::new();
            archive
                .by_name(&name)
                .unwrap()
                .read_to_end(&mut inside)
                .unwrap();
            let beside = artifacts.get(&format!("Package/{name}")).unwrap();
            assert_eq!(
                inside, beside,
                "{name} in the zip differs from the one beside it"
            );
        }
    });
}

#[test]
fn the_package_passes_the_content_hub_validations() {
    insta::glob!("../examples", "*/ccfgen.toml", |spec| {
        let (solution, _, _) = ccfgen::load::solution(spec).unwrap();
        let package = ccfgen::package::build(&solution, ccfgen::solution::Compat::Ccfgen).unwrap();
        let findings = package.check();
        assert!(
            findings.is_empty(),
            "{}",
            findings
                .iter()
                .map(|f| format!("{f}\n"))
                .collect::<String>()
        );
        let test_parameters = &package.test_parameters;
        assert_eq!(test_parameters, &package.main_template["parameters"]);
    });
}

#[test]
fn rendering_is_deterministic() {
    insta::glob!("../examples", "*/ccfgen.toml", |spec| {
        assert_eq!(render(spec), render(spec));
    });
}

#[test]
fn json_artifacts_parse_and_agree() {
    insta::glob!("../examples", "*/ccfgen.toml", |spec| {
        let artifacts = render(spec);
        for (path, bytes) in artifacts.iter() {
            if path.ends_with(".json") {
                let v: serde_json::Value = serde_json::from_slice(bytes)
                    .unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
                // One resource, or several sharing a file (tables, Push instances).
                let items = v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
                assert!(!items.is_empty(), "{path}");
                assert!(items.iter().all(|i| i.is_object()), "{path}");
            }
        }
        let (solution, _, _) = ccfgen::load::solution(spec).unwrap();
        for c in &solution.connectors {
            let dir = ccfgen::render::connector_dir(c);
            let dcr: serde_json::Value =
                serde_json::from_slice(artifacts.get(&format!("{dir}/DCR.json")).unwrap()).unwrap();
            let dc: serde_json::Value = serde_json::from_slice(
                artifacts.get(&format!("{dir}/dataConnector.json")).unwrap(),
            )
            .unwrap();
            let def: serde_json::Value = serde_json::from_slice(
                artifacts
                    .get(&format!("{dir}/connectorDefinition.json"))
                    .unwrap(),
            )
            .unwrap();
            // Every instance names the definition and a declared stream.
            let instances = dc.as_array().cloned().unwrap_or_else(|| vec![dc.clone()]);
            assert_eq!(instances.len(), c.instances.len());
            for dc in &instances {
                assert_eq!(dc["properties"]["connectorDefinitionName"], def["name"]);
                let stream = dc["properties"]["dcrConfig"]["streamName"]
                    .as_str()
                    .unwrap();
                assert!(
                    dcr["properties"]["streamDeclarations"]
                        .get(stream)
                        .is_some()
                );
            }
            let flows = dcr["properties"]["dataFlows"].as_array().unwrap();
            // Every data flow reads a declared stream.
            for f in flows {
                let stream = f["streams"][0].as_str().unwrap();
                assert!(
                    dcr["properties"]["streamDeclarations"]
                        .get(stream)
                        .is_some()
                );
            }
            for t in &c.tables {
                let writes = |f: &&serde_json::Value| {
                    f["outputStream"] == t.output_stream() && f["streams"][0] == t.stream.as_str()
                };
                if t.is_builtin() {
                    // A built-in table has no resource: only data flows into `Microsoft-<table>`.
                    assert!(artifacts.get(&format!("{dir}/{}", t.file)).is_none());
                    assert!(flows.iter().any(|f| writes(&f)), "{}: a data flow", t.name);
                    continue;
                }
                let file: serde_json::Value = serde_json::from_slice(
                    artifacts
                        .get(&format!("{dir}/{}", ccfgen::render::table_file_name(c, t)))
                        .unwrap(),
                )
                .unwrap();
                let table = match file {
                    serde_json::Value::Array(items) => items
                        .into_iter()
                        .find(|i| i["name"] == t.name.as_str())
                        .expect("the shared file holds the table"),
                    one => one,
                };
                // A table with `data_flow = false` is written, and no flow writes it.
                let written = flows
                    .iter()
                    .any(|f| f["outputStream"] == format!("Custom-{}", t.name));
                assert_eq!(written, t.data_flow, "{}", t.name);
                if t.data_flow {
                    assert!(flows.iter().any(|f| writes(&f)), "{}", t.name);
                }
                assert_eq!(table["properties"]["schema"]["name"], table["name"]);
                let cols = table["properties"]["schema"]["columns"].as_array().unwrap();
                assert!(
                    cols.iter()
                        .any(|c| c["name"] == "TimeGenerated" && c["type"] == "datetime")
                );
            }
        }
    });
}
