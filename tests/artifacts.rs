//! Snapshots of every artifact of every bundled example (glob-driven: a new example directory
//! is picked up automatically), and byte-for-byte determinism of the build.
//!
//! Review changes with `cargo insta review` (or accept with `INSTA_UPDATE=always`).

use std::path::Path;

use ccfgen::artifacts::render_solution;

fn render(spec: &Path) -> ccfgen::output::Artifacts {
    let (solution, _, warnings) = ccfgen::spec::load_solution(spec)
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
            let text = std::str::from_utf8(bytes).expect("artifacts are UTF-8");
            let name = path.replace(['/', ' '], "_");
            insta::assert_snapshot!(name, text);
        }
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
                assert!(v.is_object(), "{path}");
            }
        }
        let (solution, _, _) = ccfgen::spec::load_solution(spec).unwrap();
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
            // The instance names the definition and a declared stream.
            assert_eq!(dc["properties"]["connectorDefinitionName"], def["name"]);
            let stream = dc["properties"]["dcrConfig"]["streamName"]
                .as_str()
                .unwrap();
            assert!(
                dcr["properties"]["streamDeclarations"]
                    .get(stream)
                    .is_some()
            );
            for t in &c.tables {
                let table: serde_json::Value = serde_json::from_slice(
                    artifacts
                        .get(&format!("{dir}/{}", ccfgen::render::table_file_name(c, t)))
                        .unwrap(),
                )
                .unwrap();
                let flow = dcr["properties"]["dataFlows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|f| f["outputStream"] == format!("Custom-{}", t.name))
                    .expect("a data flow writes the table");
                assert_eq!(flow["streams"][0], t.stream.as_str());
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
