//! `ccfgen import`: an existing solution folder, Package folder or mainTemplate.json → an
//! equivalent ccfgen.toml; reports what could not be carried over and verifies the result by
//! building it again.

use std::path::PathBuf;

use anyhow::Context as _;

use super::{Context, Outcome};

/// Arguments of `ccfgen import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A solution folder (with Data/, SolutionMetadata.json, Data Connectors/), a Package
    /// folder, or a mainTemplate.json.
    input: PathBuf,
    /// Where to write the spec (extra-content.json and logo.svg go beside it when needed).
    #[arg(long, short, default_value = "ccfgen.toml")]
    out: PathBuf,
}

/// Runs `ccfgen import`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let imported = ccfgen::import::import(&args.input)
        .with_context(|| format!("importing {}", args.input.display()))?;
    let written = ccfgen::import::write(&imported, &args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    for note in &imported.notes {
        eprintln!("{note}");
    }
    let mut differences = ccfgen::import::verify::connector_artifacts(&imported)
        .map_err(anyhow::Error::msg)
        .context("building the imported spec again")?;
    differences.extend(
        ccfgen::import::verify::package(&imported, ccfgen::solution::Compat::Official)
            .map_err(anyhow::Error::msg)?,
    );
    let unexplained: Vec<_> = differences
        .iter()
        .filter(|d| d.explained.is_none())
        .collect();
    for d in &unexplained {
        eprintln!(
            "differs: {} {}: read {}, ccfgen builds {}",
            d.file,
            d.path,
            brief(&d.original),
            brief(&d.ours)
        );
    }
    for p in &written {
        eprintln!("wrote {}", p.display());
    }
    // The spec must also pass ccfgen's own rules to build; say so now if it does not.
    if let Err(ccfgen::spec::LoadError::Invalid { diagnostics, file }) =
        ccfgen::spec::load_solution(&args.out)
    {
        eprintln!(
            "ccfgen: the imported spec breaks ccfgen's rules; `ccfgen build` refuses it until they are fixed:"
        );
        ctx.print_diagnostics(diagnostics, &[&file]);
    }
    eprintln!(
        "ccfgen: imported {} connector(s); {} note(s); rebuilt output: {} difference(s), {} unexplained",
        imported.spec.connectors.len(),
        imported.notes.len(),
        differences.len(),
        unexplained.len()
    );
    Ok(if unexplained.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Findings
    })
}

fn brief(v: &Option<serde_json::Value>) -> String {
    match v {
        None => "nothing".to_string(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 80 {
                format!("{}…", text.chars().take(80).collect::<String>())
            } else {
                text
            }
        }
    }
}
