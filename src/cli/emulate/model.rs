//! What `ccfgen emulate` emulates, in the emulator's terms: the DCR streams the library reads
//! from a spec or from a solution's files ([`ccfgen::scan::streams`]), with the declarations
//! the emulator serves.

use std::path::Path;

use ccfgen::scan::streams::{self, Streams};
use ccfgen::solution::Solution;
use ccfgen_emulator::{StreamColumn, StreamDecl};

/// A DCR to emulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Dcr {
    /// A stable name: the DCR resource name (keys the persisted immutable id).
    pub name: String,
    /// Its stream declarations, with the first data flow of each.
    pub streams: Vec<StreamDecl>,
    /// Whether it feeds an Auxiliary table (the 30-minute `TimeGenerated` rule applies).
    pub auxiliary: bool,
}

/// Everything to emulate, and notes for the user about what was simplified.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Solution name (names the default state directory).
    pub solution: String,
    /// The DCRs in a stable order.
    pub dcrs: Vec<Dcr>,
    /// Things the user should know (e.g. extra data flows that are not emulated).
    pub notes: Vec<String>,
}

/// The DCRs of a resolved spec.
pub fn from_solution(solution: &Solution) -> Model {
    convert(streams::from_solution(solution))
}

/// The DCRs of a solution directory or JSON file.
pub fn from_files(path: &Path) -> anyhow::Result<Model> {
    Ok(convert(streams::read(path)?))
}

fn convert(found: Streams) -> Model {
    Model {
        solution: found.solution,
        dcrs: found
            .dcrs
            .into_iter()
            .map(|d| Dcr {
                name: d.name,
                streams: d
                    .streams
                    .into_iter()
                    .map(|s| StreamDecl {
                        name: s.name,
                        columns: s
                            .columns
                            .into_iter()
                            .map(|(name, ty)| StreamColumn::new(name, ty.as_str()))
                            .collect(),
                        transform_kql: s.transform_kql,
                        output_table: s.output_table,
                    })
                    .collect(),
                auxiliary: d.auxiliary,
            })
            .collect(),
        notes: found.notes,
    }
}
