//! The `ccfgen.toml` file format and reading it: parse with spans, check its shape against
//! the schema (every missing, unknown or mistyped key at once, the `shape` module),
//! deserialize. This is the lowest layer of the pipeline: it knows nothing of the resolved
//! model. Defaults are filled in by [`crate::resolve`], the rules applied by
//! [`crate::validate`]; [`crate::load`] does all three.

pub mod date;
pub mod model;
pub mod schema;
mod settings;
pub(crate) mod shape;

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::source::{SourceFile, TomlSpans};
pub use model::Spec;

/// The file name ccfgen looks for when given a directory.
pub const SPEC_FILE_NAME: &str = "ccfgen.toml";

/// A spec as read from disk, with what is needed to point at places in it.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The deserialized file.
    pub spec: Spec,
    /// The file text (for excerpts).
    pub source: SourceFile,
    /// Span of every key path.
    pub spans: TomlSpans,
    /// The directory relative paths (logo) are resolved against.
    pub dir: PathBuf,
}

impl LoadedSpec {
    /// A location for a key path: the value's span, or the closest written ancestor.
    pub fn at(&self, path: &str) -> Location {
        Location::new(&self.source, self.spans.value_span(path))
    }

    /// A location for the key (not the value) of a path.
    pub fn at_key(&self, path: &str) -> Location {
        Location::new(&self.source, self.spans.key_span(path))
    }
}

/// Why a spec could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path tried.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid spec; the findings say where and why.
    #[error("{} is not a valid ccfgen spec", file.path().display())]
    Invalid {
        /// What is wrong.
        diagnostics: Diagnostics,
        /// The file text, to render excerpts.
        file: Box<SourceFile>,
    },
}

/// Finds the spec file for a path given on the command line: the file itself, or
/// `<dir>/ccfgen.toml`.
pub fn spec_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(SPEC_FILE_NAME)
    } else {
        path.to_path_buf()
    }
}

/// The spec file `path` designates, if it designates one: a `.toml` file, or a directory
/// holding `ccfgen.toml` (any other path is a solution folder or JSON file).
pub fn spec_file(path: &Path) -> Option<PathBuf> {
    if path.is_dir() {
        let f = path.join(SPEC_FILE_NAME);
        f.is_file().then_some(f)
    } else {
        path.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
            .then(|| path.to_path_buf())
    }
}

/// Reads and deserializes a spec. Syntax and type errors are reported with their location;
/// every unknown key is reported (not only the first).
pub fn load(path: &Path) -> Result<LoadedSpec, LoadError> {
    let file = spec_path(path);
    let text = crate::input::read_to_string(&file, crate::input::MAX_SPEC_BYTES, "a spec")
        .map_err(|source| LoadError::Io {
            path: file.clone(),
            source,
        })?;
    parse(&file, text)
}

/// Deserializes spec text that claims to come from `file`.
pub fn parse(file: &Path, text: String) -> Result<LoadedSpec, LoadError> {
    let source = SourceFile::new(file, text);
    let invalid = |diagnostics: Diagnostics, file: SourceFile| LoadError::Invalid {
        diagnostics,
        file: Box::new(file),
    };
    let spans = match TomlSpans::index(source.text()) {
        Ok(spans) => spans,
        Err(e) => {
            let d = toml_error(&e, &source, "spec-syntax")
                .with_hint("fix the TOML syntax at the marked place");
            return Err(invalid(vec![d].into(), source));
        }
    };
    // Every shape problem at once (deserializing stops at the first one).
    if let Ok(doc) = toml::from_str::<toml::Table>(source.text()) {
        let problems = shape::check(&doc, &spans, &source);
        if !problems.is_empty() {
            return Err(invalid(problems, source));
        }
    }
    let mut unknown = Vec::new();
    let result = toml::Deserializer::parse(source.text()).and_then(|de| {
        serde_ignored::deserialize(de, |path| unknown.push(key_path(&path)))
            .map_err(|e: toml::de::Error| e)
    });
    let spec: Spec = match result {
        Ok(spec) => spec,
        Err(e) => {
            let d = toml_error(&e, &source, "spec-type")
                .with_hint("see schema/ccfgen.schema.json or `ccfgen init` for the expected shape");
            return Err(invalid(vec![d].into(), source));
        }
    };
    if !unknown.is_empty() {
        let mut diagnostics = Diagnostics::new();
        for path in unknown {
            let field = path.rsplit(['.', '[']).next().unwrap_or(&path).to_string();
            let mut d = Diagnostic::error("spec-unknown-key", format!("unknown key `{field}`"))
                .at(Location::new(&source, spans.key_span(&path)));
            if let Some(s) = schema::suggest_key(&path) {
                d = d.with_hint(format!("did you mean `{s}`?"));
            } else {
                d = d.with_hint("remove it, or see schema/ccfgen.schema.json for the known keys");
            }
            diagnostics.push(d);
        }
        return Err(invalid(diagnostics, source));
    }
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(LoadedSpec {
        spec,
        source,
        spans,
        dir,
    })
}

fn toml_error(e: &toml::de::Error, source: &SourceFile, rule: &'static str) -> Diagnostic {
    let message = e.message().trim().to_string();
    let d = Diagnostic::error(rule, message);
    match e.span() {
        Some(span) => d.at(Location::new(source, span)),
        None => d.at(Location::file(source.path())),
    }
}

/// `connectors.0.tables.1.colums` (serde_ignored) → `connectors[0].tables[1].colums`.
fn key_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path as P;
    match path {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", key_path(parent)),
        P::Map { parent, key } => {
            let p = key_path(parent);
            if p.is_empty() {
                key.to_string()
            } else {
                format!("{p}.{key}")
            }
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            key_path(parent)
        }
    }
}

/// The deserialized spec as a TOML value (for `ccfgen import` output and tests).
pub fn to_toml_string(spec: &Spec) -> Result<String, toml::ser::Error> {
    toml::to_string(spec)
}
