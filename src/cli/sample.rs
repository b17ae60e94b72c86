//! `ccfgen sample`: realistic records for a stream of a spec, to stdout or a file.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Context, Outcome};
use ccfgen::sample::{self, Format};

/// Arguments of `ccfgen sample`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The spec: a ccfgen.toml, or a directory holding one.
    #[arg(default_value = ".")]
    spec: PathBuf,
    /// Table (or stream) to sample; required when the spec has several.
    #[arg(long)]
    table: Option<String>,
    /// Number of records.
    #[arg(long, default_value_t = 100)]
    count: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Ndjson)]
    format: FormatArg,
    /// Seed of the generator (same seed and base time → same output).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Datetimes fall in the 24 hours before this instant (RFC 3339). Default: now.
    #[arg(long, value_name = "RFC3339")]
    base_time: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Ndjson,
    Json,
}

/// Runs `ccfgen sample`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let (solution, _, _) = match ccfgen::load::solution(&args.spec) {
        Ok(ok) => ok,
        Err(e) => return ctx.spec_error(e),
    };
    // Records are generated for a stream: the table that declares it (a table reading an
    // earlier table's stream, or a built-in destination, samples that stream).
    let tables = solution.record_tables();
    let table = match &args.table {
        Some(name) => match solution.table_for_stream(Some(name)) {
            Ok(t) => t,
            Err(_) => bail!(
                "no table or stream `{name}` in the spec; it has: {}",
                solution
                    .tables()
                    .map(|(_, t)| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        None if tables.len() == 1 => tables[0],
        None => bail!(
            "the spec has {} streams; choose one with --table (a table or stream: {})",
            tables.len(),
            tables
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let base_time = match &args.base_time {
        Some(s) => OffsetDateTime::parse(s, &Rfc3339)
            .with_context(|| format!("--base-time `{s}` is not an RFC 3339 timestamp"))?,
        None => OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    };
    let options = sample::Options {
        count: args.count,
        seed: args.seed,
        base_time,
        format: match args.format {
            FormatArg::Ndjson => Format::Ndjson,
            FormatArg::Json => Format::Json,
        },
    };
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut w = BufWriter::with_capacity(1 << 20, file);
            sample::write_samples(table, &options, &mut w)
                .and_then(|()| w.flush())
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
            sample::write_samples(table, &options, &mut w).context("writing to stdout")?;
        }
    }
    Ok(Outcome::Ok)
}
