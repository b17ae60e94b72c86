//! `ccfgen import`: an existing solution (its `Data/Solution_*.json`, `SolutionMetadata.json`
//! and `Data Connectors/**.json`), a packaged `mainTemplate.json` or a package zip
//! (`Package/<version>.zip`, read in memory: [`zip_package`]) becomes an equivalent
//! `ccfgen.toml`.
//!
//! Both inputs are read into the same raw form ([`RawSolution`]), mapped onto the spec model
//! ([`connector`]), minimised (every optional value that the default renders identically is
//! left out) and then **verified**: the spec is rendered again and compared with what was read
//! ([`verify`]). Whatever ccfgen cannot express is reported as a [`Note`] naming the file and
//! JSON path, never approximated silently.

pub mod connector;
pub mod content;
pub mod markdown;
pub mod minimize;
pub mod package;
pub mod package_content;
pub mod release_notes;
pub mod solution_dir;
pub mod toml_writer;
pub mod verify;
pub mod yaml_writer;
pub mod zip_package;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::extra_content::ExtraContent;
use crate::spec::Spec;

/// How serious a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// ccfgen cannot express it: the rebuilt artifact will differ here.
    Unsupported,
    /// ccfgen writes it in its canonical form (e.g. a type spelled `Datetime`).
    Normalized,
    /// Read but not carried over, because the package or the packager drops it anyway.
    Ignored,
    /// An entry of the folder that could not be read (or a link out of it): what it holds
    /// may be missing from the import.
    NotRead,
    /// Package content ccfgen does not model (or not in this form), carried verbatim in
    /// `extra-content.json`: the rebuilt package holds it unchanged, so it explains nothing.
    Verbatim,
}

impl fmt::Display for NoteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoteKind::Unsupported => "cannot express",
            NoteKind::Normalized => "normalized",
            NoteKind::Ignored => "ignored",
            NoteKind::NotRead => "not read",
            NoteKind::Verbatim => "carried verbatim",
        })
    }
}

/// Something the import could not carry over exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// How serious.
    pub kind: NoteKind,
    /// The file it concerns (relative to the imported path).
    pub file: String,
    /// JSON path inside the file (`$` for the whole file).
    pub path: String,
    /// What and why.
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {}: {}",
            self.kind, self.file, self.path, self.message
        )
    }
}

/// Collects notes.
#[derive(Debug, Default, Clone)]
pub struct Notes(pub Vec<Note>);

impl Notes {
    /// Adds a note.
    pub fn add(&mut self, kind: NoteKind, file: &str, path: &str, message: impl Into<String>) {
        self.0.push(Note {
            kind,
            file: file.to_string(),
            path: path.to_string(),
            message: message.into(),
        });
    }
}

/// A JSON resource read from a file, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Res {
    /// The file (relative to the imported path).
    pub file: String,
    /// JSON path of the resource in the file (`$`, `$[1]`, `$.resources[0]…`).
    pub path: String,
    /// The resource.
    pub value: Value,
}

impl Res {
    /// The file name without folders.
    pub fn file_name(&self) -> String {
        self.file
            .rsplit('/')
            .next()
            .unwrap_or(&self.file)
            .to_string()
    }
}

/// One CCF Push connector as found: its definition and the resources linked to it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawConnector {
    /// Folder under `Data Connectors/` (source import only).
    pub folder: Option<String>,
    /// The `dataConnectorDefinitions` resource.
    pub definition: Res,
    /// The Push `dataConnectors` resources naming the definition.
    pub instances: Vec<Res>,
    /// The DCR whose first flow reads the instance's stream.
    pub dcr: Option<Res>,
    /// The tables the DCR writes.
    pub tables: Vec<Res>,
    /// The content-template version (`dataConnectorCCPVersion`), from a package.
    pub version: Option<String>,
    /// Whether the definition was made up (a DCR no definition reads): not compared.
    pub synthetic: bool,
}

/// A solution as found, before it is mapped onto the spec.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawSolution {
    /// `Name`.
    pub name: String,
    /// `Author` (`Name - email`).
    pub author: String,
    /// `Description` (markdown), if known.
    pub description: Option<String>,
    /// `Logo` HTML.
    pub logo: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// SolutionMetadata `publisherId`.
    pub publisher_id: Option<String>,
    /// SolutionMetadata `offerId`.
    pub offer_id: Option<String>,
    /// `firstPublishDate`.
    pub first_publish_date: Option<String>,
    /// `lastPublishDate`.
    pub last_publish_date: Option<String>,
    /// `providers`.
    pub providers: Vec<String>,
    /// `categories` object.
    pub categories: Option<Value>,
    /// `support` object.
    pub support: Option<Value>,
    /// The CCF Push connectors, in order.
    pub connectors: Vec<RawConnector>,
    /// Package content ccfgen does not generate, carried verbatim.
    pub extra: ExtraContent,
    /// Where the solution-level values came from (for notes).
    pub metadata_file: String,
    /// Where the solution name came from: file and JSON path.
    pub name_source: (String, String),
    /// The release notes (`ReleaseNotes.md`), newest first as written.
    pub release_notes: Vec<crate::spec::model::ReleaseNote>,
    /// Analytic rules, hunting queries, workbooks and parsers, as native files.
    pub content: crate::content::Content,
}

/// What the import produced.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The spec.
    pub spec: Spec,
    /// Verbatim package content, written beside the spec when not empty.
    pub extra: Option<ExtraContent>,
    /// The SVG logo, written beside the spec as `logo.svg`.
    pub logo_svg: Option<String>,
    /// Everything not carried over exactly.
    pub notes: Vec<Note>,
    /// What was read, for verification.
    pub raw: RawSolution,
    /// The package that was read (mainTemplate, createUiDefinition), if any.
    pub package: Option<(Value, Option<Value>)>,
    /// The content files written beside the spec (analytic rules, hunting queries, workbooks
    /// with their metadata file, parsers).
    pub content: crate::content::Content,
    /// When the input was a folder without `mainTemplate.json` and the package was read from
    /// one of its version zips: which zip, and why that one (the CLI prints it).
    pub read_from: Option<String>,
}

/// Why nothing could be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The input is not a solution ccfgen can read.
    #[error("{0}")]
    Invalid(String),
    /// A name or path read from the input breaks the path rules ([`crate::safe_path`]):
    /// nothing is written.
    #[error("{file} {path}: {message}; {hint}")]
    UnsafeInput {
        /// The file it was read from (relative to the imported path).
        file: String,
        /// JSON path in the file (`$` for the file itself, or its folder's name).
        path: String,
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: String,
    },
    /// A package zip that cannot be read safely or is not a package (hostile, damaged or
    /// oversized): nothing is read from it, nothing is written.
    #[error("{}: {problem}", zip.display())]
    Zip {
        /// The zip.
        zip: PathBuf,
        /// What is wrong, and with which member.
        problem: zip_package::ZipProblem,
    },
}

impl ImportError {
    /// An [`ImportError::UnsafeInput`] for a path read from `file` at `path`.
    pub fn unsafe_path(file: &str, path: &str, error: crate::safe_path::PathError) -> ImportError {
        ImportError::UnsafeInput {
            file: file.to_string(),
            path: path.to_string(),
            hint: error.hint().to_string(),
            message: error.to_string(),
        }
    }
}

/// A JSON path as notes write it: `$`, `$[1]`, `$.resources[0]…`.
pub fn note_path(path: &crate::json_spans::JsonPath) -> String {
    if path.is_root() {
        return "$".to_string();
    }
    let text = path.to_string();
    if text.starts_with('[') {
        format!("${text}")
    } else {
        format!("$.{text}")
    }
}

/// File name of the extra-content file written beside the spec.
pub const EXTRA_CONTENT_FILE: &str = "extra-content.json";

/// File name of the SVG logo written beside the spec.
pub const LOGO_FILE: &str = "logo.svg";

/// Imports a solution folder, a `Package` folder, a `mainTemplate.json` or a package zip. A
/// folder without `mainTemplate.json` that holds version zips (`<version>.zip`, what `build`
/// and the packager write in `Package/`) is imported from its highest version zip
/// ([`Imported::read_from`] says which).
pub fn import(path: &Path) -> Result<Imported, ImportError> {
    let main_template = path.join(crate::scan::MAIN_TEMPLATE);
    if path.is_file() && package::is_zip(path) {
        let (raw, pkg, notes) = package::read_zip(path)?;
        finish(raw, Some(pkg), notes)
    } else if path.is_file() || main_template.is_file() {
        let file = if path.is_file() { path } else { &main_template };
        let (raw, pkg, notes) = package::read(file)?;
        finish(raw, Some(pkg), notes)
    } else if let Some((zip, why)) = package::highest_version_zip(path) {
        let (raw, pkg, notes) = package::read_zip(&zip)?;
        let mut imported = finish(raw, Some(pkg), notes)?;
        imported.read_from = Some(why);
        Ok(imported)
    } else {
        let (raw, notes) = solution_dir::read(path)?;
        finish(raw, None, notes)
    }
}

/// Imports a package from its parsed mainTemplate.json (and createUiDefinition.json).
pub fn import_package(template: Value, ui: Option<Value>) -> Result<Imported, ImportError> {
    let mut notes = Notes::default();
    let raw = package::solution(&template, ui.as_ref(), &mut notes)?;
    finish(raw, Some((template, ui)), notes)
}

/// Imports a solution folder already read ([`crate::scan::SolutionFolder`]).
pub fn import_folder(folder: &crate::scan::SolutionFolder) -> Result<Imported, ImportError> {
    let (raw, notes) = solution_dir::from_folder(folder)?;
    finish(raw, None, notes)
}

/// Maps what was read onto the spec, minimises it and checks the paths it makes.
fn finish(
    mut raw: RawSolution,
    package: Option<package::PackageJson>,
    mut notes: Notes,
) -> Result<Imported, ImportError> {
    if let Some((template, ui)) = &package {
        let candidate = package_content::reconstruct(template, ui.as_ref(), &mut notes)?;
        lift_content(&mut raw, candidate, package.as_ref(), &mut notes);
    }
    let mut imported = assemble(raw, package, notes);
    minimize::minimize(&mut imported);
    check_paths(&imported)?;
    Ok(imported)
}

/// The import of what was read, before minimisation.
fn assemble(raw: RawSolution, package: Option<package::PackageJson>, mut notes: Notes) -> Imported {
    let (spec, logo_svg) = connector::solution_spec(&raw, &mut notes);
    let extra = (!raw.extra.is_empty()).then(|| raw.extra.clone());
    let content = raw.content.clone();
    let mut spec = spec;
    spec.content = content_spec(&content);
    Imported {
        spec,
        extra,
        logo_svg,
        notes: notes.0,
        raw,
        package,
        content,
        read_from: None,
    }
}

/// One difference of a trial build: file, JSON path, the value read, the value built.
type TrialDifference = (String, String, Option<Value>, Option<Value>);

/// The differences of the official package built from `raw` (with `content` taking the place
/// of its kinds in the verbatim content) from the package read: file, path and both values.
fn trial(
    raw: &RawSolution,
    content: &crate::content::Content,
    package: Option<&package::PackageJson>,
    notes: &Notes,
) -> Option<Vec<TrialDifference>> {
    let mut raw = raw.clone();
    raw.extra = content::without_content(&raw.extra, content);
    raw.content = content.clone();
    let imported = assemble(raw, package.cloned(), notes.clone());
    let diffs = verify::package(&imported, crate::solution::Compat::Official).ok()?;
    Some(
        diffs
            .into_iter()
            .map(|d| (d.file, d.path, d.original, d.ours))
            .collect(),
    )
}

/// Moves the content rebuilt from a package out of the verbatim content, kind by kind: a kind
/// is taken as files only when the package built from them has no difference that the
/// verbatim package has not; the others stay verbatim with a note naming the first difference.
/// Every resource left verbatim is then noted by its JSON path.
fn lift_content(
    raw: &mut RawSolution,
    candidate: crate::content::Content,
    package: Option<&package::PackageJson>,
    notes: &mut Notes,
) {
    use crate::content::{Content, Section};
    let only = |sections: &[Section]| -> Content {
        let mut c = candidate.clone();
        if !sections.contains(&Section::AnalyticRules) {
            c.analytic_rules.clear();
        }
        if !sections.contains(&Section::HuntingQueries) {
            c.hunting_queries.clear();
        }
        if !sections.contains(&Section::Workbooks) {
            c.workbooks.clear();
        }
        if !sections.contains(&Section::Parsers) {
            c.parsers.clear();
        }
        if !sections.contains(&Section::Watchlists) {
            c.watchlists.clear();
        }
        c
    };
    let kinds: Vec<Section> = Section::ALL
        .into_iter()
        .filter(|s| *s != Section::DataConnectors && !candidate.files(*s).is_empty())
        .collect();
    let mut accepted: Vec<Section> = Vec::new();
    let read_notes = notes.clone();
    if !kinds.is_empty()
        && let Some(base) = trial(raw, &Content::default(), package, &read_notes)
    {
        // The deployed template decides; a createUiDefinition.json edited by hand shows as a
        // difference of the verification, not as a reason to keep content verbatim.
        let new_difference = |sections: &[Section]| {
            let diffs = trial(raw, &only(sections), package, &read_notes);
            match diffs {
                None => Some(None),
                Some(d) => d
                    .into_iter()
                    .find(|x| x.0 == package::MT && !base.contains(x))
                    .map(Some),
            }
        };
        // The largest set of kinds (all of them, as a rule) that adds no difference: kinds
        // interact through their place in the template, so sets are tried, not kinds alone.
        let n = kinds.len();
        let mut subsets: Vec<Vec<Section>> = (1..(1u32 << n))
            .map(|bits| {
                (0..n)
                    .filter(|i| bits & (1 << i) != 0)
                    .map(|i| kinds[i])
                    .collect()
            })
            .collect();
        subsets.sort_by_key(|s: &Vec<Section>| std::cmp::Reverse(s.len()));
        if let Some(best) = subsets.into_iter().find(|s| new_difference(s).is_none()) {
            accepted = best;
        }
        for kind in kinds.iter().filter(|k| !accepted.contains(k)) {
            let mut with = accepted.clone();
            with.push(*kind);
            let message = match new_difference(&with).flatten() {
                Some((_, path, original, ours)) => (
                    path.clone(),
                    format!(
                        "the {} rebuilt as files would package differently at {path} (read {}, built {}): they stay verbatim in {EXTRA_CONTENT_FILE}",
                        kind.key(),
                        original.map_or("nothing".into(), |v| v.to_string()),
                        ours.map_or("nothing".into(), |v| v.to_string()),
                    ),
                ),
                None => (
                    "$.resources".to_string(),
                    format!(
                        "the {} rebuilt as files do not build: they stay verbatim in {EXTRA_CONTENT_FILE}",
                        kind.key()
                    ),
                ),
            };
            notes.add(NoteKind::Verbatim, package::MT, &message.0, message.1);
        }
    }
    let content = only(&accepted);
    raw.extra = content::without_content(&raw.extra, &content);
    raw.content = content;
    // What stays verbatim, by JSON path.
    if let Some((template, _)) = package {
        let kept: Vec<&Value> = raw
            .extra
            .before
            .resources
            .iter()
            .chain(&raw.extra.after.resources)
            .collect();
        for (i, r) in crate::json_get::arr(template, "resources")
            .iter()
            .enumerate()
        {
            let path = format!("$.resources[{i}]");
            if !kept.contains(&r) || notes.0.iter().any(|n| n.path == path) {
                continue;
            }
            let what = r
                .pointer("/properties/contentKind")
                .or_else(|| r.pointer("/properties/kind"))
                .and_then(Value::as_str)
                .or_else(|| r.get("type").and_then(Value::as_str))
                .unwrap_or("resource");
            notes.add(
                NoteKind::Verbatim,
                package::MT,
                &path,
                format!("{what}: not modelled by ccfgen, carried verbatim in {EXTRA_CONTENT_FILE}"),
            );
        }
    }
}

/// The `[content]` table of imported content: the data file's list order when it differs
/// from the default, and the install wizard texts (the files are found in their folders).
pub(crate) fn content_spec(content: &crate::content::Content) -> crate::spec::model::ContentSpec {
    use crate::content::Section;
    let present = |s: &Section| *s == Section::DataConnectors || !content.files(*s).is_empty();
    let given: Vec<Section> = content.order.iter().copied().filter(present).collect();
    let default: Vec<Section> = Section::ALL.iter().copied().filter(present).collect();
    let order = (given != default && !given.is_empty())
        .then(|| given.iter().map(|s| s.key().to_string()).collect());
    crate::spec::model::ContentSpec {
        order,
        analytic_rules_blade_description: content.analytic_rules_blade_description.clone(),
        hunting_queries_blade_description: content.hunting_queries_blade_description.clone(),
        workbooks_blade_description: content.workbooks_blade_description.clone(),
        watchlist_description: content.watchlist_description.clone(),
        workbooks_metadata: content
            .workbooks_metadata_file
            .clone()
            .filter(|f| f != crate::content::WORKBOOKS_METADATA && !content.workbooks.is_empty()),
        ..Default::default()
    }
}

/// Refuses an import whose spec would make a path that breaks the path rules
/// ([`crate::build_paths::spec_problems`]), naming the file and JSON path of the input the
/// value came from.
fn check_paths(imported: &Imported) -> Result<(), ImportError> {
    let Ok(solution) = verify::resolve(imported) else {
        // Verification reports what cannot be resolved.
        return Ok(());
    };
    let Some(problem) = crate::build_paths::spec_problems(&solution, &|_| true)
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let (file, path) = source_of(&imported.raw, &problem.key);
    Err(ImportError::UnsafeInput {
        file,
        path,
        message: problem.message,
        hint: problem.hint,
    })
}

/// Where in the input the value of a spec key came from: file and JSON path.
fn source_of(raw: &RawSolution, key: &str) -> (String, String) {
    let (name_file, name_path) = raw.name_source.clone();
    if key == "solution.version" {
        let path = if name_path.starts_with("$.variables") {
            "$.variables._solutionVersion"
        } else {
            "$.Version"
        };
        return (name_file, path.to_string());
    }
    let index = |prefix: &str, rest: &str| -> Option<(usize, String)> {
        let rest = rest.strip_prefix(prefix)?;
        let (i, rest) = rest.split_once(']')?;
        Some((i.parse().ok()?, rest.to_string()))
    };
    let Some((c, rest)) = index("connectors[", key) else {
        return (name_file, name_path);
    };
    let Some(connector) = raw.connectors.get(c) else {
        return (name_file, name_path);
    };
    let at = |res: &Res, member: &str| (res.file.clone(), format!("{}{member}", res.path));
    let def = &connector.definition;
    if let Some((t, _)) = index(".tables[", &rest) {
        return match connector.tables.get(t) {
            Some(table) => at(table, ".name"),
            None => at(def, ""),
        };
    }
    match rest.as_str() {
        ".id" => at(def, ".properties.connectorUiConfig.id"),
        ".dcr_file" => connector
            .dcr
            .as_ref()
            .map_or_else(|| at(def, ""), |d| at(d, "")),
        ".data_connector_file" => connector
            .instances
            .first()
            .map_or_else(|| at(def, ""), |i| at(i, "")),
        _ => at(def, ""),
    }
}

/// The folder the files beside a spec at `out` go to.
fn out_dir(out: &Path) -> &Path {
    out.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes the spec (and `extra-content.json`, `logo.svg` when needed) to `out`; returns the
/// files written ([`Imported::files`]).
pub fn write(imported: &Imported, out: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let dir = out_dir(out);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ImportError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut written = Vec::new();
    let spec = imported.spec_for_output();
    if let Some(extra) = &imported.extra {
        let p = dir.join(EXTRA_CONTENT_FILE);
        let text = crate::package::json::to_text(&serde_json::to_value(extra).expect("serializes"));
        crate::output::write_if_changed(&p, text.as_bytes()).map_err(io(&p))?;
        written.push(p);
    }
    if let Some(svg) = &imported.logo_svg {
        let p = dir.join(LOGO_FILE);
        crate::output::write_if_changed(&p, format!("{svg}\n").as_bytes()).map_err(io(&p))?;
        written.push(p);
    }
    for (file, text) in imported.content.source_files() {
        let p = dir.join(file);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        crate::output::write_if_changed(&p, text.as_bytes()).map_err(io(&p))?;
        written.push(p);
    }
    let text = toml_writer::write(&spec);
    crate::output::write_if_changed(out, text.as_bytes()).map_err(io(out))?;
    written.push(out.to_path_buf());
    Ok(written)
}

impl Imported {
    /// The files [`write()`] would change for a spec at `out`: the spec, and beside it
    /// `extra-content.json`, `logo.svg` and the content files when the import has them (a
    /// content file that already holds the very text is left out: importing a solution folder
    /// into itself rewrites nothing).
    pub fn files(&self, out: &Path) -> Vec<PathBuf> {
        let dir = out_dir(out);
        let mut files = Vec::new();
        if self.extra.is_some() {
            files.push(dir.join(EXTRA_CONTENT_FILE));
        }
        if self.logo_svg.is_some() {
            files.push(dir.join(LOGO_FILE));
        }
        for (file, text) in self.content.source_files() {
            let p = dir.join(file);
            if std::fs::read(&p).ok().as_deref() != Some(text.as_bytes()) {
                files.push(p);
            }
        }
        files.push(out.to_path_buf());
        files
    }

    /// The spec as written to disk: extra content and the SVG logo point at their files.
    pub fn spec_for_output(&self) -> Spec {
        let mut spec = self.spec.clone();
        if self.extra.is_some() {
            spec.package.extra_content = Some(EXTRA_CONTENT_FILE.to_string());
        }
        if self.logo_svg.is_some() {
            spec.solution.logo_html = None;
            spec.solution.logo = Some(LOGO_FILE.to_string());
        }
        spec
    }
}
