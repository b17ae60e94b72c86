//! `ccfgen check` on a `ccfgen.toml`: the spec is loaded and validated (findings located in
//! the TOML), then every artifact it would generate is rendered in memory and put through the
//! same checks as hand-written files. Generated files are shown under `out/<Solution>/…`,
//! where `ccfgen build` writes them by default.

use std::path::Path;

use super::files::Doc;
use super::{CheckError, Finding, Options, Report};
use crate::spec::{LoadError, SPEC_FILE_NAME};

/// Checks a spec and what it generates.
pub fn check_spec(spec_file: &Path, options: Options) -> Result<Report, CheckError> {
    let dir = spec_file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let (solution, loaded, warnings) = match crate::load::solution(spec_file) {
        Ok(ok) => ok,
        Err(LoadError::Invalid { diagnostics, file }) => {
            return Ok(spec_only(diagnostics, *file));
        }
        Err(LoadError::Io { path, source }) => return Err(CheckError::Io { path, source }),
    };
    let spec_name = spec_file.file_name().map_or_else(
        || SPEC_FILE_NAME.to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let artifacts =
        crate::artifacts::render_solution(&solution, &spec_name).map_err(|e| CheckError::Io {
            path: spec_file.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
    let out = dir.join("out").join(&solution.name);
    let docs = rendered_docs(&out, &artifacts);
    let mut report = super::check_docs(&out, &docs, options);
    // The resource types ccfgen writes without a published schema are its own choice, not the
    // spec's (tests/published_schemas.rs keeps them to the unpublished ones): nothing to act on.
    report
        .findings
        .retain(|f| f.diagnostic.rule != "package-schema-unchecked");
    report.root = spec_file.to_path_buf();
    let (content, sources) = content_findings_of(&dir, &solution, &docs);
    report.stats.content = solution.content.items().len();
    report.findings.extend(content);
    report.sources.extend(sources);
    report
        .findings
        .extend(warnings.into_iter().map(|diagnostic| Finding {
            diagnostic,
            json_path: None,
        }));
    super::findings::sort(&mut report.findings);
    report.sources.push(loaded.source);
    Ok(report)
}

/// The findings of the content rules ([`crate::rules::content`]) on the content files of a
/// spec's solution (read by [`crate::content::load`]), checked against the tables and
/// connectors of what it renders, as a solution folder's content is checked: what `ccfgen
/// check` and `ccfgen build` report about `[content]` files, located in them.
pub fn content_findings(
    dir: &Path,
    solution: &crate::solution::Solution,
    artifacts: &crate::output::Artifacts,
) -> (Vec<Finding>, Vec<crate::source::SourceFile>) {
    if solution.content.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let out = dir.join("out").join(&solution.name);
    let docs = rendered_docs(&out, artifacts);
    content_findings_of(dir, solution, &docs)
}

/// The JSON files among a spec's rendered artifacts, as the documents `check` reads (placed
/// under `out`, where `build` would write them).
fn rendered_docs(out: &Path, artifacts: &crate::output::Artifacts) -> Vec<Doc> {
    artifacts
        .iter()
        .filter(|(rel, _)| rel.ends_with(".json"))
        .map(|(rel, bytes)| {
            Doc::from_text(
                out.join(rel),
                rel,
                String::from_utf8_lossy(bytes).into_owned(),
            )
        })
        .collect()
}

fn content_findings_of(
    dir: &Path,
    solution: &crate::solution::Solution,
    docs: &[Doc],
) -> (Vec<Finding>, Vec<crate::source::SourceFile>) {
    let files: Vec<(std::path::PathBuf, crate::rules::content::ContentFile)> = solution
        .content
        .items()
        .into_iter()
        .filter_map(|(section, file, text)| {
            let kind = super::content::kind_of_section(section)?;
            Some((
                dir.join(file),
                crate::rules::content::ContentFile::new(file, kind, text.to_string()),
            ))
        })
        .collect();
    if files.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let model = super::model::Model::build(docs);
    let graph = super::links::Graph::build(&model);
    let (mut findings, sources) = super::content::check_read(files, &model, &graph);
    super::findings::sort(&mut findings);
    (findings, sources)
}

fn spec_only(
    diagnostics: crate::diagnostic::Diagnostics,
    file: crate::source::SourceFile,
) -> Report {
    let mut findings: Vec<Finding> = diagnostics
        .into_iter()
        .map(|diagnostic| Finding {
            diagnostic,
            json_path: None,
        })
        .collect();
    super::findings::sort(&mut findings);
    Report {
        root: file.path().to_path_buf(),
        findings,
        sources: vec![file],
        stats: super::Stats::default(),
    }
}
