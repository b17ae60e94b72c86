//! `ccfgen import`: an existing solution folder, Package folder, mainTemplate.json or package
//! zip → an equivalent ccfgen.toml; reports what could not be carried over and verifies the
//! result by building it again.

use std::path::PathBuf;

use anyhow::{Context as _, bail};

use super::{Context, Outcome};

/// Arguments of `ccfgen import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A solution folder (with Data/, SolutionMetadata.json, Data Connectors/), a Package
    /// folder, a mainTemplate.json, or a package zip (Package/<version>.zip, read in memory;
    /// a folder holding only version zips is read from the highest version).
    input: PathBuf,
    /// Where to write the spec (extra-content.json and logo.svg go beside it when needed).
    #[arg(long, short, default_value = "ccfgen.toml")]
    out: PathBuf,
    /// Overwrite an existing spec (and the extra-content.json and logo.svg beside it).
    #[arg(long)]
    force: bool,
}

/// Runs `ccfgen import`: exit 0 when the spec was written and builds what was read; 1 when
/// it was written but the rebuilt output differs where no note explains it, the spec breaks
/// ccfgen's rules or part of the input could not be read — or when the input was refused
/// (a name or path that breaks the path rules: nothing written); 2 on usage or I/O errors
/// (an existing spec without `--force`).
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let imported = match ccfgen::import::import(&args.input) {
        Ok(imported) => imported,
        Err(e @ ccfgen::import::ImportError::UnsafeInput { .. }) => {
            eprintln!(
                "ccfgen: error: {} refused: {e}; nothing written",
                args.input.display()
            );
            return Ok(Outcome::Findings);
        }
        Err(e @ ccfgen::import::ImportError::Zip { .. }) => {
            // The message names the zip and the member already.
            return Err(anyhow::anyhow!("{e}; nothing read, nothing written"));
        }
        Err(e) => {
            return Err(e).with_context(|| format!("importing {}", args.input.display()));
        }
    };
    if let Some(why) = &imported.read_from {
        eprintln!("ccfgen: {why}");
    }
    if !args.force
        && let Some(existing) = imported
            .files(&args.out)
            .into_iter()
            .find(|p| p.symlink_metadata().is_ok())
    {
        bail!(
            "{} already exists; pass --force to overwrite it",
            existing.display()
        );
    }
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
    let written = ccfgen::import::write(&imported, &args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    for p in &written {
        eprintln!("wrote {}", p.display());
    }
    // The spec must also pass ccfgen's own rules to build; say so now if it does not.
    let mut broken = false;
    match ccfgen::load::solution(&args.out) {
        Err(ccfgen::spec::LoadError::Invalid { diagnostics, file }) => {
            eprintln!(
                "ccfgen: the imported spec breaks ccfgen's rules; `ccfgen build` refuses it until they are fixed:"
            );
            ctx.print_diagnostics(diagnostics, &[&file]);
            broken = true;
        }
        Err(e) => return Err(e).context("reading the imported spec again"),
        Ok(_) => {}
    }
    let not_read = imported
        .notes
        .iter()
        .filter(|n| n.kind == ccfgen::import::NoteKind::NotRead)
        .count();
    eprintln!(
        "ccfgen: imported {} connector(s); {} note(s); rebuilt output: {} difference(s), {} unexplained{}{}",
        imported.spec.connectors.len(),
        imported.notes.len(),
        differences.len(),
        unexplained.len(),
        if broken {
            "; the spec breaks ccfgen's rules"
        } else {
            ""
        },
        if not_read > 0 {
            format!("; {not_read} entr(ies) of the input could not be read")
        } else {
            String::new()
        }
    );
    Ok(if unexplained.is_empty() && !broken && not_read == 0 {
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
