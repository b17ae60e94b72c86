//! Rust code generation: one record struct per stream, implementing `ccfgen_push::Record`,
//! built as tokens (quote) and formatted in-process (prettyplease). Also the build-script
//! entry point [`Builder`], in the manner of prost-build.

pub mod records;

pub use records::{ModuleOptions, records_module};

use std::path::{Path, PathBuf};

/// Generating Rust from a spec failed.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The spec is invalid; the rendered findings say why.
    #[error("{0}")]
    Spec(String),
    /// Writing the generated file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `OUT_DIR` is not set (not running in a build script) and no output directory was given.
    #[error("no output directory: set one with Builder::out_dir or run from a build script")]
    NoOutDir,
}

/// Generates the record module of a spec from a `build.rs`:
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     ccfgen::codegen::Builder::new("ccfgen.toml").generate()?;
///     Ok(())
/// }
/// // src/main.rs: include!(concat!(env!("OUT_DIR"), "/<solution>.rs"));
/// ```
///
/// The file is written only when its bytes change, and cargo is told to re-run the build
/// script when the spec changes.
#[derive(Debug, Clone)]
pub struct Builder {
    spec: PathBuf,
    out_dir: Option<PathBuf>,
    file_name: Option<String>,
}

impl Builder {
    /// Generates from the spec at `spec` (a `ccfgen.toml` or a directory holding one).
    pub fn new(spec: impl Into<PathBuf>) -> Builder {
        Builder {
            spec: spec.into(),
            out_dir: None,
            file_name: None,
        }
    }

    /// Where to write (default: `$OUT_DIR`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.out_dir = Some(dir.into());
        self
    }

    /// The file name (default: `<solution name in snake_case>.rs`).
    pub fn file_name(mut self, name: impl Into<String>) -> Builder {
        self.file_name = Some(name.into());
        self
    }

    /// Generates and writes the module; returns the path written.
    pub fn generate(self) -> Result<PathBuf, CodegenError> {
        let spec_file = crate::spec::spec_path(&self.spec);
        println!("cargo:rerun-if-changed={}", spec_file.display());
        let (solution, loaded, _) = crate::load::solution(&self.spec).map_err(|e| match e {
            crate::spec::LoadError::Invalid { diagnostics, file } => CodegenError::Spec(
                crate::diagnostic::render::render_all(diagnostics, &[&file], false),
            ),
            other => CodegenError::Spec(other.to_string()),
        })?;
        let out_dir = match self
            .out_dir
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from))
        {
            Some(d) => d,
            None => return Err(CodegenError::NoOutDir),
        };
        let name = self
            .file_name
            .unwrap_or_else(|| format!("{}.rs", crate::rust_names::module_name(&solution.name)));
        let source_name = loaded
            .source
            .path()
            .file_name()
            .map(Path::new)
            .unwrap_or(Path::new("ccfgen.toml"));
        let text = records_module(
            &solution,
            &ModuleOptions {
                source: source_name.display().to_string(),
            },
        );
        let path = out_dir.join(name);
        crate::output::write_if_changed(&path, text.as_bytes()).map_err(|source| {
            CodegenError::Io {
                path: path.clone(),
                source,
            }
        })?;
        Ok(path)
    }
}
