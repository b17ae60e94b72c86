//! The pipeline's front door: read a spec ([`crate::spec`]), fill in its defaults
//! ([`crate::resolve`]) and apply the platform rules ([`crate::validate`]). Every command
//! and library entry point that starts from a `ccfgen.toml` calls [`solution`].

use std::path::Path;

use crate::diagnostic::Diagnostics;
use crate::solution::Solution;
use crate::spec::{LoadError, LoadedSpec};

/// Loads, resolves and validates: the one call every command that reads a spec makes.
/// Returns the solution and the non-fatal findings, or every finding when any is an error.
pub fn solution(path: &Path) -> Result<(Solution, LoadedSpec, Diagnostics), LoadError> {
    finish(crate::spec::load(path)?)
}

/// Resolves and validates a loaded spec (see [`solution`]).
pub fn finish(loaded: LoadedSpec) -> Result<(Solution, LoadedSpec, Diagnostics), LoadError> {
    let (solution, mut diagnostics) = crate::resolve::resolve(&loaded);
    diagnostics.extend(crate::validate::validate(&solution, &loaded));
    if diagnostics.has_errors() {
        return Err(LoadError::Invalid {
            diagnostics,
            file: Box::new(loaded.source),
        });
    }
    Ok((solution, loaded, diagnostics))
}
