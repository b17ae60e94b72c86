//! `ccfgen infer`: proposes table columns from sample events.

use std::path::PathBuf;

use anyhow::Context as _;

use super::{Context, Outcome};
use ccfgen::input;

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
    let limit = input::MAX_JSON_BYTES;
    let what = "an infer sample (a few thousand events are plenty: `head -n 5000 events.ndjson | ccfgen infer - …`)";
    let text = if args.input.as_os_str() == "-" {
        let mut bytes = Vec::new();
        input::read_limited(std::io::stdin().lock(), limit, what, &mut bytes)
            .context("reading stdin")?;
        String::from_utf8(bytes).context("reading stdin: not UTF-8 text")?
    } else {
        input::read_to_string(&args.input, limit, what)
            .with_context(|| format!("reading {}", args.input.display()))?
    };
    let events = ccfgen::infer::parse_events(&text)
        .with_context(|| format!("reading events from {}", args.input.display()))?;
    let findings = ccfgen::rules::naming::table_name(&args.table);
    let proposal = ccfgen::infer::infer(&events, &args.table);
    print!("{}", ccfgen::infer::to_toml(&proposal));
    // The proposal is printed either way; a finding about the table name is reported after
    // it (on stderr) and makes the command fail, as every other command's findings do.
    for d in &findings {
        eprintln!("ccfgen: {d} (`--table {}`)", args.table);
    }
    Ok(
        if findings
            .iter()
            .any(|d| d.severity == ccfgen::diagnostic::Severity::Error)
        {
            Outcome::Findings
        } else {
            Outcome::Ok
        },
    )
}
