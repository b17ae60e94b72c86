//! `ccfgen conformance [DIR]`: import every corpus solution, build it again and compare with
//! the committed files (docs/conformance.md). Exits 1 on any unexplained difference or stale explanation.

use std::path::PathBuf;

use super::{Context, Outcome};

/// Arguments of `ccfgen conformance`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The corpus: a directory of solution folders (or of groups of them).
    #[arg(default_value = "../shared/corpus")]
    corpus: PathBuf,
    /// Also list every difference by JSON path, with its explanation.
    #[arg(long, short)]
    verbose: bool,
}

/// Runs `ccfgen conformance`.
pub fn run(args: Args, _ctx: &Context) -> anyhow::Result<Outcome> {
    if !args.corpus.is_dir() {
        anyhow::bail!("{} is not a directory", args.corpus.display());
    }
    let report = ccfgen::conformance::run(&args.corpus);
    print!("{}", report.summary());
    if args.verbose || report.unexplained() > 0 {
        print!("{}", report.details());
    }
    Ok(if report.passed() {
        Outcome::Ok
    } else {
        Outcome::Findings
    })
}
