//! `ccfgen check`: the CI gate. Checks a ccfgen.toml (and what it generates), one solution,
//! or a whole `Solutions/` repository; prints findings as rustc-style text, JSON or SARIF.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::ValueEnum;

use super::{Context, Outcome};
use ccfgen::check::{self, Options, output};
use ccfgen::diagnostic::{Severity, render};

/// Arguments of `ccfgen check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A ccfgen.toml (or a directory holding one), a solution folder, or a Solutions/ tree.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format: rustc-style text on stderr, or JSON / SARIF 2.1.0 on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Fail (exit 1) on warnings too, not only on errors.
    #[arg(long)]
    deny_warnings: bool,
    /// Print, for every data flow of this DCR file, the inferred output columns and the KQL
    /// diagnostics as JSON (the kql-oracle's format) instead of checking.
    #[arg(long, value_name = "DCR.json", conflicts_with_all = ["format", "deny_warnings"])]
    explain: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Also run each data flow's transformation on N generated records and report runtime
    /// defects (a column always null, values nulled by their type, TimeGenerated replaced,
    /// every record filtered out).
    #[arg(long, value_name = "N", default_value_t = 0)]
    sample: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
}

/// Runs `ccfgen check`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let options = Options {
        threads: args
            .threads
            .unwrap_or_else(|| Options::default().threads)
            .max(1),
        sample: args.sample.min(MAX_SAMPLE),
    };
    if let Some(dcr) = &args.explain {
        // Every explain error names the file.
        let answer = check::explain::explain(dcr, options.threads)?;
        print_json(&answer)?;
        return Ok(Outcome::Ok);
    }
    let report = check::check_path(&args.path, options)
        .with_context(|| format!("checking {}", args.path.display()))?;
    match args.format {
        Format::Human => {
            let sources: Vec<&_> = report.sources.iter().collect();
            if report.findings.is_empty() {
                eprintln!("{}", render::summary(0, 0));
            } else {
                eprint!(
                    "{}",
                    render::render_all(report.diagnostics(), &sources, ctx.color)
                );
            }
            let s = report.stats;
            let spec = report.root.extension().is_some_and(|e| e == "toml");
            if spec && s.files == 0 {
                eprintln!(
                    "ccfgen: {} is not a valid spec; nothing was generated to check",
                    report.root.display()
                );
                return Ok(Outcome::Findings);
            }
            eprintln!(
                "ccfgen: checked {}{} ({}, {}, {}) under {}{}",
                plural(s.files, "JSON file"),
                match s.content {
                    0 => String::new(),
                    n => format!(" and {}", plural(n, "content file")),
                },
                plural(s.connectors, "connector"),
                plural(s.flows, "data flow"),
                plural(s.packages, "package"),
                report.root.display(),
                match report.count(Severity::Note) {
                    0 => String::new(),
                    n => format!("; {}", plural(n, "note")),
                }
            );
        }
        Format::Json => print_json(&output::json(&report))?,
        Format::Sarif => print_json(&output::sarif(&report))?,
    }
    Ok(if report.fails(args.deny_warnings) {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}

/// `--sample` above this is capped (the runtime checks need a few dozen records, not more).
const MAX_SAMPLE: u64 = 10_000;

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value).context("writing to stdout")?;
    writeln!(out).context("writing to stdout")?;
    out.flush().context("writing to stdout")
}
