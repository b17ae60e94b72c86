//! Everything `ccfgen build` produces for a solution, rendered in memory: the connector
//! artifacts, the solution files and the Rust record module.

use crate::codegen::{self, ModuleOptions};
use crate::output::Artifacts;
use crate::package::{self, PackageError};
use crate::render::{self, api::ApiVersionSet};
use crate::solution::{Compat, Solution};
use crate::templates::TemplateError;

/// Renders every artifact of `solution` with the package in the spec's compat mode.
/// `spec_file_name` labels the generated Rust.
pub fn render_solution(
    solution: &Solution,
    spec_file_name: &str,
) -> Result<Artifacts, PackageError> {
    render_with(solution, spec_file_name, solution.compat)
}

/// Renders every artifact of `solution`: the connector artifacts, the solution files, the
/// package in the given mode, and the Rust record module.
pub fn render_with(
    solution: &Solution,
    spec_file_name: &str,
    compat: Compat,
) -> Result<Artifacts, PackageError> {
    let mut out = render_connector_artifacts(solution)?;
    for (path, bytes) in package::build(solution, compat)?.files()? {
        out.add(path, bytes);
    }
    let rust = codegen::records_module(
        solution,
        &ModuleOptions {
            source: spec_file_name.to_string(),
        },
    );
    out.add(crate::rust_names::module_path(solution), rust.into_bytes());
    Ok(out)
}

/// The connector artifacts and solution files (what a Content Hub solution folder holds
/// besides `Package/`).
pub fn render_connector_artifacts(solution: &Solution) -> Result<Artifacts, TemplateError> {
    let api = ApiVersionSet::of(solution.api_versions);
    let mut out = Artifacts::new();
    for connector in &solution.connectors {
        let dir = render::connector_dir(connector);
        // Tables naming the same file share it as a JSON array (in resource order).
        let mut files: Vec<(&str, Vec<serde_json::Value>)> = Vec::new();
        for table in connector.tables_in_resource_order() {
            let resource = render::table::table_resource(table, &api);
            match files.iter_mut().find(|(f, _)| *f == table.file) {
                Some((_, list)) => list.push(resource),
                None => files.push((&table.file, vec![resource])),
            }
        }
        for (file, mut list) in files {
            let value = if list.len() == 1 {
                list.remove(0)
            } else {
                serde_json::Value::Array(list)
            };
            out.add_json(format!("{dir}/{file}"), &value);
        }
        out.add_json(
            format!("{dir}/{}", connector.settings.dcr_file),
            &render::dcr::dcr_resource(connector, &api),
        );
        out.add_json(
            format!("{dir}/{}", connector.settings.definition_file),
            &render::definition::definition_resource(connector, &api)?,
        );
        out.add_json(
            format!("{dir}/{}", connector.settings.data_connector_file),
            &render::data_connector::data_connector_resource(connector, &api),
        );
    }
    // The content files, as written (the data file lists them; `check` reads them there).
    for (file, text) in solution.content.source_files() {
        out.add(file.to_string(), text.as_bytes().to_vec());
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
    Ok(out)
}
