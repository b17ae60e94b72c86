//! `ccfgen preview`: parses the arguments, reads or generates the records, and prints what
//! [`ccfgen::preview`] says the table would store (rows to stdout, notes to stderr).

use std::io::{IsTerminal, Read as _, Write as _};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Context, Outcome};
use ccfgen::preview::{self, Preview};

/// Arguments of `ccfgen preview`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A spec (ccfgen.toml or a directory holding one), a DCR.json, or a solution directory.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Records to send (JSON array, NDJSON or one object; `-` for stdin). Default: generated
    /// samples.
    records: Option<PathBuf>,
    /// The table (or stream) whose data flow to run; required when there are several.
    #[arg(long)]
    table: Option<String>,
    /// Generate this many sample records (`ccfgen sample`'s generator) instead of reading them.
    #[arg(long, conflicts_with = "records")]
    sample: Option<u64>,
    /// Seed of the sample generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The received time (RFC 3339): `now()` in the transformation, the reference of the
    /// TimeGenerated window, and the samples' base time. Default: the current time.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Output format (default: an aligned table on a terminal, NDJSON otherwise).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Ndjson,
}

/// The default number of sample records.
const DEFAULT_SAMPLES: u64 = 5;

/// Runs `ccfgen preview`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let targets = match preview::targets(&args.path) {
        Ok(t) => t,
        Err(preview::PreviewError::Spec(e)) => return ctx.spec_error(e),
        Err(e) => return Err(e.into()),
    };
    let chosen = preview::choose(targets, args.table.as_deref())?;
    let now = match &args.now {
        Some(s) => OffsetDateTime::parse(s, &Rfc3339)
            .with_context(|| format!("--now `{s}` is not an RFC 3339 timestamp"))?,
        None => OffsetDateTime::now_utc(),
    };
    let records = match &args.records {
        Some(path) => read_records(path)?,
        None => preview::sample_records(
            &chosen[0],
            args.sample.unwrap_or(DEFAULT_SAMPLES),
            args.seed,
            now.replace_nanosecond(0).unwrap_or(now),
        ),
    };
    let ticks = preview::ticks_of(now);
    let results = chosen
        .iter()
        .map(|target| preview::run(target, &records, ticks))
        .collect::<Result<Vec<_>, _>>()?;
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        FormatArg::Table
    } else {
        FormatArg::Ndjson
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let rows: Vec<_> = results.iter().flat_map(Preview::json_rows).collect();
    match format {
        FormatArg::Table => results
            .iter()
            .zip(&chosen)
            .try_for_each(|(result, target)| {
                if chosen.len() > 1 {
                    writeln!(
                        out,
                        "== {} → {} ({})",
                        target.stream,
                        target.table,
                        target.origin.display()
                    )?;
                }
                out.write_all(render_table(result).as_bytes())
            }),
        FormatArg::Json => {
            let text = serde_json::to_string_pretty(&rows).context("encoding rows")?;
            writeln!(out, "{text}")
        }
        FormatArg::Ndjson => rows.iter().try_for_each(|row| {
            let line = serde_json::to_string(row).map_err(std::io::Error::other)?;
            writeln!(out, "{line}")
        }),
    }
    .and_then(|()| out.flush())
    .context("writing to stdout")?;
    for (result, target) in results.iter().zip(&chosen) {
        let s = &result.summary;
        eprintln!(
            "preview: {} records → {} rows stored in {} ({} dropped by the transformation) \
             [data flow {} → {}, {}]",
            s.records,
            s.stored,
            target.table,
            s.filtered,
            target.stream,
            target.table,
            target.origin.display()
        );
        for note in result.notes() {
            eprintln!("  - {note}");
        }
    }
    Ok(Outcome::Ok)
}

fn read_records(path: &PathBuf) -> anyhow::Result<Vec<serde_json::Value>> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading records from stdin")?;
        s
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    match preview::parse_records(&text) {
        Ok(records) => Ok(records),
        Err((line, why)) => bail!("{}:{line}: not JSON records: {why}", path.display()),
    }
}

/// Cells wider than this are cut with `…`.
const MAX_CELL: usize = 40;

/// The rows as an aligned text table (nulls empty).
fn render_table(p: &Preview) -> String {
    let header: Vec<String> = p.columns.iter().map(|c| c.name.clone()).collect();
    let rows: Vec<Vec<String>> = p
        .json_rows()
        .iter()
        .map(|row| {
            row.values()
                .map(|v| {
                    let text = match v {
                        serde_json::Value::Null => String::new(),
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let text = text.replace(['\n', '\r', '\t'], " ");
                    if text.chars().count() > MAX_CELL {
                        let cut: String = text.chars().take(MAX_CELL - 1).collect();
                        format!("{cut}…")
                    } else {
                        text
                    }
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain(std::iter::once(h.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    let mut out = line(&header);
    out.push_str(&line(
        &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
    ));
    for r in &rows {
        out.push_str(&line(r));
    }
    out
}
