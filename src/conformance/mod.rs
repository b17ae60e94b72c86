//! The conformance runner (`ccfgen conformance [DIR]` and `tests/conformance.rs`): for every
//! solution of the corpus (`../shared/corpus`),
//!
//! 1. **package**: import its `Package/mainTemplate.json` (with the createUiDefinition.json
//!    beside it), build, and compare with the committed package — in `--compat official`
//!    mode (JSON value equality, plus whether the bytes are identical) and in ccfgen's mode
//!    (every difference must be one of the deliberate fixes, [`crate::package::differences`]);
//! 2. **sources → package**: where the corpus says the connector files are of the package's
//!    revision ([`EXPECTED`]), import the source files instead and compare the package built
//!    from them (content ccfgen does not generate, and the corpus does not hold, is taken
//!    from the package import);
//! 3. **round trip**: import the solution folder and compare the connector artifacts ccfgen
//!    builds with the original files (the members the packager reads: `name`, `kind`,
//!    `properties`).
//!
//! A difference is explained when an import note names its path (ccfgen said it cannot
//! express it), when it is a deliberate fix, or when [`EXPECTED`] lists it with a reason
//! (revision skew and hand edits in the corpus). docs/conformance.md describes all of it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::import::{self, Imported, verify};
use crate::package::{self, differences};
use crate::solution::Compat;

/// The runner's expectations about the corpus (embedded `expected.toml`).
pub const EXPECTED: &str = include_str!("expected.toml");

/// What `expected.toml` holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Solutions whose connector files are of the same revision as their package.
    pub sources_agree: Vec<String>,
    /// Differences explained by the corpus itself.
    #[serde(default)]
    pub explained: Vec<Explained>,
}

/// A difference the corpus explains.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explained {
    /// Solution directory relative to the corpus.
    pub solution: String,
    /// `package`, `sources` or `round-trip`.
    pub compare: String,
    /// File the difference is in.
    pub file: String,
    /// JSON path prefix.
    pub path: String,
    /// Why.
    pub reason: String,
    /// The corpus it applies to (the corpus folder's name, e.g. `corpus-content`); every
    /// corpus when absent.
    #[serde(default)]
    pub corpus: Option<String>,
}

/// One difference, classified.
#[derive(Debug, Clone)]
pub struct Diff {
    /// File.
    pub file: String,
    /// JSON path.
    pub path: String,
    /// Why it is there (None: unexplained).
    pub reason: Option<String>,
}

/// One comparison of one solution.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// What was compared.
    pub label: String,
    /// The differences.
    pub diffs: Vec<Diff>,
    /// For package comparisons in official mode: whether every file is byte-identical.
    pub bytes_identical: Option<bool>,
    /// The comparison could not run (import failed): why.
    pub error: Option<String>,
}

impl Comparison {
    /// Unexplained differences (an error counts as one).
    pub fn unexplained(&self) -> usize {
        self.diffs.iter().filter(|d| d.reason.is_none()).count() + usize::from(self.error.is_some())
    }

    fn line(&self) -> String {
        if let Some(e) = &self.error {
            return format!("{}: failed: {e}", self.label);
        }
        let n = self.diffs.len();
        let mut s = if n == 0 {
            format!("{}: identical", self.label)
        } else {
            let u = self.unexplained();
            format!(
                "{}: {n} differences ({} explained, {u} unexplained)",
                self.label,
                n - u
            )
        };
        if let Some(b) = self.bytes_identical {
            s.push_str(if b {
                "; bytes identical"
            } else {
                "; bytes differ"
            });
        }
        s
    }
}

/// The report of one solution.
#[derive(Debug, Clone)]
pub struct SolutionReport {
    /// Directory relative to the corpus.
    pub solution: String,
    /// Its comparisons.
    pub comparisons: Vec<Comparison>,
}

/// The whole run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per solution, in directory order.
    pub solutions: Vec<SolutionReport>,
    /// `[[explained]]` entries of solutions that ran but that explained no difference: the
    /// corpus or ccfgen changed and the explanation is out of date (remove or fix it).
    pub stale: Vec<Explained>,
}

impl Report {
    /// Unexplained differences over everything.
    pub fn unexplained(&self) -> usize {
        self.solutions
            .iter()
            .flat_map(|s| &s.comparisons)
            .map(Comparison::unexplained)
            .sum()
    }

    /// Whether nothing is unexplained and no explanation is stale.
    pub fn passed(&self) -> bool {
        self.unexplained() == 0 && self.stale.is_empty()
    }

    /// One line per solution and comparison (`identical` / `N differences`), then the stale
    /// explanations.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for s in &self.solutions {
            let _ = writeln!(out, "{}", s.solution);
            for c in &s.comparisons {
                let _ = writeln!(out, "  {}", c.line());
            }
        }
        let _ = writeln!(out, "unexplained differences: {}", self.unexplained());
        for e in &self.stale {
            let _ = writeln!(
                out,
                "stale explanation in src/conformance/expected.toml: {} ({}) {} {} explains no difference",
                e.solution, e.compare, e.file, e.path
            );
        }
        out
    }

    /// The differences by JSON path, grouped by reason.
    pub fn details(&self) -> String {
        let mut out = String::new();
        for s in &self.solutions {
            for c in &s.comparisons {
                if c.diffs.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "{} — {}", s.solution, c.label);
                for d in &c.diffs {
                    let why = d.reason.as_deref().unwrap_or("UNEXPLAINED");
                    let _ = writeln!(out, "  {} {}  [{why}]", d.file, d.path);
                }
            }
        }
        out
    }
}

/// Every solution directory of the corpus: `<corpus>/<group>/<solution>` holding
/// `Data Connectors/` or `Package/`, and the corpus root's own such directories
/// ([`crate::scan::solution_dirs`]).
pub fn solutions(corpus: &Path) -> Vec<PathBuf> {
    crate::scan::solution_dirs(corpus)
        .map(|(dirs, _)| dirs)
        .unwrap_or_default()
}

fn relative(corpus: &Path, dir: &Path) -> String {
    dir.strip_prefix(corpus)
        .unwrap_or(dir)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Runs everything over `corpus`.
pub fn run(corpus: &Path) -> Report {
    let mut expected: Expectations = toml::from_str(EXPECTED).expect("expected.toml is valid");
    let corpus_name = std::path::absolute(corpus)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    expected
        .explained
        .retain(|e| e.corpus.as_deref().is_none_or(|c| c == corpus_name));
    let mut report = Report::default();
    let mut used = vec![false; expected.explained.len()];
    for dir in solutions(corpus) {
        let name = relative(corpus, &dir);
        report
            .solutions
            .push(run_one(&dir, &name, &expected, &mut used));
    }
    report.stale = stale(&expected, &used, &report);
    report
}

/// The explanations of solutions that ran that matched no difference.
fn stale(expected: &Expectations, used: &[bool], report: &Report) -> Vec<Explained> {
    let ran = |solution: &str| report.solutions.iter().any(|s| s.solution == solution);
    expected
        .explained
        .iter()
        .zip(used)
        .filter(|(e, used)| !**used && ran(&e.solution))
        .map(|(e, _)| e.clone())
        .collect()
}

/// The corpus's explanation of a difference; marks the entry used.
fn known(
    expected: &Expectations,
    used: &mut [bool],
    at: (&str, &str),
    file: &str,
    path: &str,
) -> Option<String> {
    let (solution, compare) = at;
    let i = expected.explained.iter().position(|e| {
        e.solution == solution
            && e.compare == compare
            && e.file == file
            && verify::under(path, &e.path)
    })?;
    used[i] = true;
    Some(format!("corpus: {}", expected.explained[i].reason))
}

fn classify(
    d: &verify::Difference,
    compat: Compat,
    expected: &Expectations,
    used: &mut [bool],
    at: (&str, &str),
) -> Diff {
    let reason = d
        .explained
        .clone()
        .or_else(|| match compat {
            Compat::Ccfgen => differences::classify(&d.path, d.original.as_ref(), d.ours.as_ref())
                .map(|x| format!("deliberate: {}", x.id)),
            Compat::Official => None,
        })
        .or_else(|| known(expected, used, at, &d.file, &d.path));
    Diff {
        file: d.file.clone(),
        path: d.path.clone(),
        reason,
    }
}

fn failed(label: &str, error: String) -> Comparison {
    Comparison {
        label: label.to_string(),
        diffs: Vec::new(),
        bytes_identical: None,
        error: Some(error),
    }
}

fn run_one(dir: &Path, name: &str, expected: &Expectations, used: &mut [bool]) -> SolutionReport {
    let mut comparisons = Vec::new();
    let package_dir = dir.join(crate::scan::PACKAGE);
    let mut from_package: Option<Imported> = None;
    if package_dir.join(crate::scan::MAIN_TEMPLATE).is_file() {
        match import::import(&package_dir) {
            Ok(imported) => {
                for compat in [Compat::Official, Compat::Ccfgen] {
                    let label = format!("package, --compat {}", mode(compat));
                    comparisons.push(match verify::package(&imported, compat) {
                        Ok(diffs) => Comparison {
                            label,
                            diffs: diffs
                                .iter()
                                .map(|d| classify(d, compat, expected, used, (name, "package")))
                                .collect(),
                            bytes_identical: (compat == Compat::Official)
                                .then(|| bytes_identical(&imported, &package_dir)),
                            error: None,
                        },
                        Err(e) => failed(&label, e),
                    });
                }
                from_package = Some(imported);
            }
            Err(e) => comparisons.push(failed("package", e.to_string())),
        }
    }
    if dir.join(crate::scan::DATA_CONNECTORS).is_dir() {
        match import::import(dir) {
            Ok(mut imported) => {
                let label = "round trip (sources → connector artifacts)".to_string();
                comparisons.push(match verify::connector_artifacts(&imported) {
                    Ok(diffs) => Comparison {
                        label,
                        diffs: diffs
                            .iter()
                            .map(|d| {
                                classify(d, Compat::Official, expected, used, (name, "round-trip"))
                            })
                            .collect(),
                        bytes_identical: None,
                        error: None,
                    },
                    Err(e) => failed(&label, e),
                });
                if let Some(pkg) = from_package
                    .as_ref()
                    .filter(|_| expected.sources_agree.iter().any(|s| s == name))
                {
                    imported.package = pkg.package.clone();
                    // Content the sources hold as files is built from them; the rest of the
                    // package's verbatim content (and all of it when the corpus lacks the
                    // files) comes from the package import.
                    // Kinds the package import rebuilt as files but the folder lacks come
                    // from the package import too.
                    let own = &mut imported.content;
                    let theirs = &pkg.content;
                    if own.analytic_rules.is_empty() {
                        own.analytic_rules = theirs.analytic_rules.clone();
                    }
                    if own.hunting_queries.is_empty() {
                        own.hunting_queries = theirs.hunting_queries.clone();
                    }
                    if own.parsers.is_empty() {
                        own.parsers = theirs.parsers.clone();
                    }
                    if own.watchlists.is_empty() {
                        own.watchlists = theirs.watchlists.clone();
                    }
                    if own.workbooks.is_empty() && !theirs.workbooks.is_empty() {
                        own.workbooks = theirs.workbooks.clone();
                        own.workbooks_metadata_file = theirs.workbooks_metadata_file.clone();
                        own.workbooks_metadata_text = theirs.workbooks_metadata_text.clone();
                    }
                    for section in theirs.order.iter() {
                        if !own.order.contains(section) {
                            own.order.push(*section);
                        }
                    }
                    imported.spec.content = crate::import::content_spec(&imported.content);
                    imported.extra = pkg
                        .extra
                        .as_ref()
                        .map(|e| crate::import::content::without_content(e, &imported.content))
                        .filter(|e| !e.is_empty());
                    let label = "sources → package, --compat official".to_string();
                    comparisons.push(match verify::package(&imported, Compat::Official) {
                        Ok(diffs) => Comparison {
                            label,
                            diffs: diffs
                                .iter()
                                .map(|d| {
                                    classify(d, Compat::Official, expected, used, (name, "sources"))
                                })
                                .collect(),
                            bytes_identical: None,
                            error: None,
                        },
                        Err(e) => failed(&label, e),
                    });
                }
            }
            Err(e) => comparisons.push(failed("round trip", e.to_string())),
        }
    }
    SolutionReport {
        solution: name.to_string(),
        comparisons,
    }
}

fn mode(c: Compat) -> &'static str {
    match c {
        Compat::Ccfgen => "ccfgen",
        Compat::Official => "official",
    }
}

/// Whether the official-mode package files are byte-identical to the committed ones.
fn bytes_identical(imported: &Imported, package_dir: &Path) -> bool {
    let Ok(solution) = verify::resolve(imported) else {
        return false;
    };
    let Ok(built) = package::build(&solution, Compat::Official) else {
        return false;
    };
    let Ok(files) = built.files() else {
        return false;
    };
    files
        .iter()
        .filter(|(p, _)| p.ends_with(".json"))
        .all(|(p, bytes)| {
            let name = p.rsplit('/').next().unwrap_or(p);
            match std::fs::read(package_dir.join(name)) {
                Ok(original) => original == *bytes,
                Err(_) => true,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(solution: &str, path: &str) -> Explained {
        Explained {
            solution: solution.into(),
            compare: "package".into(),
            file: "mainTemplate.json".into(),
            path: path.into(),
            reason: "why".into(),
            corpus: None,
        }
    }

    #[test]
    fn an_explanation_that_explains_nothing_is_stale() {
        let expected = Expectations {
            sources_agree: Vec::new(),
            explained: vec![
                entry("a", "$.resources[1]"),
                entry("a", "$.resources[2]"),
                entry("not-run", "$.x"),
            ],
        };
        let mut used = vec![false; 3];
        let at = ("a", "package");
        let found = known(
            &expected,
            &mut used,
            at,
            "mainTemplate.json",
            "$.resources[1].name",
        );
        assert_eq!(found.as_deref(), Some("corpus: why"));
        assert_eq!(used, [true, false, false]);
        let report = Report {
            solutions: vec![SolutionReport {
                solution: "a".into(),
                comparisons: Vec::new(),
            }],
            stale: Vec::new(),
        };
        let stale = stale(&expected, &used, &report);
        assert_eq!(stale.len(), 1, "only the entry of a solution that ran");
        assert_eq!(stale[0].path, "$.resources[2]");
    }
}
