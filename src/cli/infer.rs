//! `ccfgen infer`: proposes table columns from sample events.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context as _;

use super::{Context, Outcome};

/// Arguments of `ccfgen infer`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A JSON event, array of events, or NDJSON file (`-` for stdin).
    input: PathBuf,
    /// Name of the proposed table (must end with _CL).
    #[arg(long)]
    table: String,
}

/// Runs `ccfgen infer`.
pub fn run(args: Args, _: &Context) -> anyhow::Result<Outcome> {
    let text = if args.input.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading stdin")?;
        s
    } else {
        std::fs::read_to_string(&args.input)
            .with_context(|| format!("reading {}", args.input.display()))?
    };
    let events = ccfgen::infer::parse_events(&text)
        .with_context(|| format!("reading events from {}", args.input.display()))?;
    for d in ccfgen::rules::naming::table_name(&args.table) {
        eprintln!("ccfgen: {d}");
    }
    let proposal = ccfgen::infer::infer(&events, &args.table);
    print!("{}", ccfgen::infer::to_toml(&proposal));
    Ok(Outcome::Ok)
}
