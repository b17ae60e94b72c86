//! `ccfgen build`: validates a spec and writes every artifact, or with `--check` verifies that
//! the output on disk is up to date.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::{Context, Outcome};
use ccfgen::diagnostic::Severity;

/// Arguments of `ccfgen build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The spec: a ccfgen.toml, or a directory holding one.
    #[arg(default_value = ".")]
    spec: PathBuf,
    /// Output directory. Default: ./out/<Solution name>.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Write nothing; exit 1 if any file on disk differs from what would be written.
    #[arg(long)]
    check: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
    /// Package flavour: `ccfgen` (fixes the official packager's flaws, see docs/package.md) or
    /// `official` (the official packager's bytes). Default: the spec's `[package] compat`.
    #[arg(long, value_enum)]
    compat: Option<CompatArg>,
}

/// `--compat` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompatArg {
    /// ccfgen's corrected package.
    Ccfgen,
    /// The official packager's output, byte for byte.
    Official,
}

impl From<CompatArg> for ccfgen::solution::Compat {
    fn from(c: CompatArg) -> Self {
        match c {
            CompatArg::Ccfgen => ccfgen::solution::Compat::Ccfgen,
            CompatArg::Official => ccfgen::solution::Compat::Official,
        }
    }
}

/// Runs `ccfgen build`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let (solution, loaded, warnings) = match ccfgen::load::solution(&args.spec) {
        Ok(ok) => ok,
        Err(e) => return ctx.spec_error(e),
    };
    let has_warnings = warnings.count(Severity::Warning) > 0;
    ctx.print_diagnostics(warnings, &[&loaded.source]);
    if has_warnings && args.deny_warnings {
        eprintln!("ccfgen: warnings are errors (--deny-warnings): nothing written");
        return Ok(Outcome::Findings);
    }
    let spec_name = loaded
        .source
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ccfgen.toml".to_string());
    let compat = args.compat.map(Into::into).unwrap_or(solution.compat);
    let artifacts = ccfgen::artifacts::render_with(&solution, &spec_name, compat)
        .context("rendering artifacts")?;
    // The content files go through the content rules, as `ccfgen check` puts them.
    let (content, sources) =
        ccfgen::check::spec::content_findings(&loaded.dir, &solution, &artifacts);
    if !content.is_empty() {
        let diagnostics: ccfgen::diagnostic::Diagnostics = content
            .into_iter()
            .map(|f| f.diagnostic)
            .collect::<Vec<_>>()
            .into();
        let errors = diagnostics.has_errors();
        let warnings = diagnostics.count(Severity::Warning) > 0;
        ctx.print_diagnostics(diagnostics, &sources.iter().collect::<Vec<_>>());
        if errors {
            eprintln!("ccfgen: the content files have errors: nothing written");
            return Ok(Outcome::Findings);
        }
        if warnings && args.deny_warnings {
            eprintln!("ccfgen: warnings are errors (--deny-warnings): nothing written");
            return Ok(Outcome::Findings);
        }
    }
    let out = args
        .out
        .unwrap_or_else(|| Path::new("out").join(&solution.name));
    if args.check {
        let stale: Vec<&str> = artifacts
            .iter()
            .filter(|(rel, bytes)| std::fs::read(out.join(rel)).map_or(true, |b| b != *bytes))
            .map(|(rel, _)| rel)
            .collect();
        if stale.is_empty() {
            eprintln!(
                "ccfgen: {} is up to date ({} files)",
                out.display(),
                artifacts.len()
            );
            return Ok(Outcome::Ok);
        }
        for rel in &stale {
            eprintln!("stale: {}", out.join(rel).display());
        }
        eprintln!(
            "ccfgen: {} of {} files are out of date; run `ccfgen build`",
            stale.len(),
            artifacts.len()
        );
        return Ok(Outcome::Findings);
    }
    let report = ccfgen::output::write_artifacts(&out, &artifacts)
        .with_context(|| format!("writing the output to {}", out.display()))?;
    for (rel, why) in &report.kept {
        eprintln!("kept: {} ({why})", rel.escape_debug());
    }
    eprintln!(
        "ccfgen: {} → {}: {} written, {} unchanged{}",
        solution.name,
        out.display(),
        report.written.len(),
        report.unchanged.len(),
        if report.removed.is_empty() {
            String::new()
        } else {
            format!(", {} stale removed", report.removed.len())
        }
    );
    if let Some(line) = deploy_hint(&artifacts, &out) {
        eprintln!("{line}");
    }
    Ok(Outcome::Ok)
}

/// The last line of a build: how to deploy the package to a workspace for a test, with the
/// parameters the generated mainTemplate.json needs a value for (those whose default is
/// empty), read from the template itself so the command always matches it.
fn deploy_hint(artifacts: &ccfgen::output::Artifacts, out: &Path) -> Option<String> {
    let template: serde_json::Value =
        serde_json::from_slice(artifacts.get("Package/mainTemplate.json")?).ok()?;
    // No hint for a template without parameters (not one ccfgen writes).
    template.get("parameters")?.as_object()?;
    let parameters: Vec<String> = ccfgen::package::required_parameters(&template)
        .into_iter()
        .map(|name| {
            let value = match name {
                "workspace" => "<workspace-name>",
                "workspace-location" => "<workspace-region>",
                _ => "<value>",
            };
            format!("{name}={value}")
        })
        .collect();
    Some(format!(
        "ccfgen: to try it, deploy the package to a test workspace (README, \"Deploying for a test\"):\n  \
         az deployment group create --resource-group <resource-group> --template-file '{}' --parameters {}",
        out.join("Package").join("mainTemplate.json").display(),
        parameters.join(" ")
    ))
}
