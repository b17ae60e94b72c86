//! `ccfgen schema`: prints the JSON Schema of ccfgen.toml (or writes it with `--out`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

use super::{Context, Outcome};

/// Arguments of `ccfgen schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the schema to this file (only when it changed) instead of printing it.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `ccfgen schema`.
pub fn run(args: Args, _: &Context) -> anyhow::Result<Outcome> {
    let text = ccfgen::spec::schema::schema_text();
    match args.out {
        Some(path) => {
            ccfgen::output::write_if_changed(&path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("writing to stdout")?,
    }
    Ok(Outcome::Ok)
}
