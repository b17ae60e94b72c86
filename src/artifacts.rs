//! Everything `ccfgen build` produces for a solution, rendered in memory: the connector
//! artifacts, the solution files and the Rust record module.

use crate::codegen::{self, ModuleOptions};
use crate::output::Artifacts;
use crate::render::{self, api::ApiVersionSet};
use crate::solution::Solution;
use crate::templates::TemplateError;

/// Where the Rust record module goes, relative to the output directory.
pub fn rust_module_path(solution: &Solution) -> String {
    format!("Rust/{}.rs", codegen::naming::module_name(&solution.name))
}

/// Renders every artifact of `solution`. `spec_file_name` labels the generated Rust.
pub fn render_solution(
    solution: &Solution,
    spec_file_name: &str,
) -> Result<Artifacts, TemplateError> {
    let api = ApiVersionSet::of(solution.api_versions);
    let mut out = Artifacts::new();
    for connector in &solution.connectors {
        let dir = render::connector_dir(connector);
        for table in &connector.tables {
            out.add_json(
                format!("{dir}/{}", render::table_file_name(connector, table)),
                &render::table::table_resource(table, &api),
            );
        }
        out.add_json(
            format!("{dir}/DCR.json"),
            &render::dcr::dcr_resource(connector, &api),
        );
        out.add_json(
            format!("{dir}/connectorDefinition.json"),
            &render::definition::definition_resource(connector, &api)?,
        );
        out.add_json(
            format!("{dir}/dataConnector.json"),
            &render::data_connector::data_connector_resource(connector, &api),
        );
    }
    out.add_json(
        render::data_file_name(solution),
        &render::solution_files::data_file(solution),
    );
    out.add_json(
        "SolutionMetadata.json",
        &render::solution_files::metadata_file(solution),
    );
    out.add(
        "ReleaseNotes.md",
        render::solution_files::release_notes(solution)?.into_bytes(),
    );
    let rust = codegen::records_module(
        solution,
        &ModuleOptions {
            source: spec_file_name.to_string(),
        },
    );
    out.add(rust_module_path(solution), rust.into_bytes());
    Ok(out)
}
