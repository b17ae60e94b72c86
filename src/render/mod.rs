//! Renders the connector artifacts of a resolved solution: the files a Content Hub solution
//! folder holds (`Data Connectors/<folder>/…`, `Data/Solution_<Name>.json`,
//! `SolutionMetadata.json`, `ReleaseNotes.md`). Shapes follow the Microsoft CCF Push guide
//! and the real solutions in the Azure-Sentinel repository.

pub mod api;
pub mod data_connector;
pub mod dcr;
pub mod definition;
pub mod solution_files;
pub mod table;

use crate::solution::{Connector, Solution, Table};

/// File name of a table artifact inside the connector folder (the spec's `file`; default
/// `table.json` for a connector with one table, `<Table>_table.json` when there are several).
pub fn table_file_name(_connector: &Connector, table: &Table) -> String {
    table.file.clone()
}

/// The solution-relative folder of a connector: `Data Connectors/<folder>`.
pub fn connector_dir(connector: &Connector) -> String {
    format!("{}/{}", crate::scan::DATA_CONNECTORS, connector.folder)
}

/// `Data/Solution_<Name>.json` (spaces removed from the name).
pub fn data_file_name(solution: &Solution) -> String {
    let compact: String = solution
        .name
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    format!("Data/Solution_{compact}.json")
}
