//! Command-line parsing (clap) and dispatch. Each subcommand lives in its own module; they
//! return [`Outcome`] or an error, which [`main`] maps to the documented exit codes.

mod build;
mod check;
mod completions;
mod conformance;
mod connection;
mod doctor;
mod duration;
mod emulate;
mod import;
mod infer;
mod init;
mod logging;
mod new;
mod preview;
mod push;
mod sample;
mod schema;
mod studio;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use ccfgen::diagnostic::{Diagnostics, render};
use ccfgen::source::SourceFile;
use ccfgen::spec::LoadError;

/// One spec → every Microsoft Sentinel CCF Push connector artifact.
#[derive(Debug, Parser)]
#[command(name = "ccfgen", version, about, long_about = None)]
#[command(after_help = "Exit status: 0 ok, 1 findings or failures, 2 usage or I/O error.")]
pub struct Cli {
    /// When to color diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a commented ccfgen.toml (its schema, a starter rule, hunting query, workbook).
    Init(init::Args),
    /// Add a starter analytic rule, hunting query, workbook or parser for a table of a spec.
    New(new::Args),
    /// Build every artifact of a spec: connector files, package, Rust record module.
    Build(build::Args),
    /// Print the JSON Schema of ccfgen.toml.
    Schema(schema::Args),
    /// Print realistic sample records for a stream of a spec.
    Sample(sample::Args),
    /// Propose table columns from sample JSON events (object, array or NDJSON).
    Infer(infer::Args),
    /// Write a ccfgen.toml from an existing solution folder or packaged mainTemplate.json.
    Import(import::Args),
    /// Import, rebuild and compare every solution of a corpus (default ../shared/corpus).
    Conformance(conformance::Args),
    /// Check connector files (or a spec's output): DCR, transform and table agree.
    Check(check::Args),
    /// Run a data flow's transform on records; print the rows the table would store.
    Preview(preview::Args),
    /// Serve a local Entra + Logs Ingestion API for the DCRs of a spec or solution.
    Emulate(emulate::Args),
    /// Push JSON/NDJSON records to a DCR stream: validated, batched, retried, resumable.
    Push(push::Args),
    /// Check a push configuration: settings, file permissions, DNS, TLS, token, DCR stream.
    Doctor(doctor::Args),
    /// Serve a local web app: connector page preview, push configuration, transform preview.
    Studio(studio::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the man page (or write every command's page with --out DIR).
    Man(completions::ManArgs),
}

/// How a command ended when it did not fail outright.
pub enum Outcome {
    /// Everything fine: exit 0.
    Ok,
    /// Findings or failures were reported: exit 1.
    Findings,
    /// Interrupted by Ctrl-C or SIGTERM after settling what was in flight: exit 130.
    Interrupted,
}

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let ctx = Context { color };
    let result = match cli.command {
        Command::Init(a) => init::run(a, &ctx),
        Command::New(a) => new::run(a, &ctx),
        Command::Build(a) => build::run(a, &ctx),
        Command::Schema(a) => schema::run(a, &ctx),
        Command::Sample(a) => sample::run(a, &ctx),
        Command::Infer(a) => infer::run(a, &ctx),
        Command::Import(a) => import::run(a, &ctx),
        Command::Conformance(a) => conformance::run(a, &ctx),
        Command::Check(a) => check::run(a, &ctx),
        Command::Preview(a) => preview::run(a, &ctx),
        Command::Emulate(a) => emulate::run(a, &ctx),
        Command::Push(a) => push::run(a, &ctx),
        Command::Doctor(a) => doctor::run(a, &ctx),
        Command::Studio(a) => studio::run(a, &ctx),
        Command::Completions(a) => completions::completions(a, &ctx),
        Command::Man(a) => completions::man(a, &ctx),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("ccfgen: error: {}", error_chain(&err));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes joined with `: `, like anyhow's `{:#}`, except that a cause its
/// parent already quotes (a thiserror message that embeds its `source`) is not repeated.
fn error_chain(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.ends_with(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// Settings every command sees.
pub struct Context {
    /// Whether diagnostics are colored.
    pub color: bool,
}

impl Context {
    /// Prints findings (sorted, rustc style) and a summary to stderr.
    pub fn print_diagnostics(&self, diagnostics: Diagnostics, sources: &[&SourceFile]) {
        if diagnostics.is_empty() {
            return;
        }
        eprint!("{}", render::render_all(diagnostics, sources, self.color));
    }

    /// Handles a spec that failed to load: findings → exit 1, I/O → error (exit 2).
    pub fn spec_error(&self, err: LoadError) -> anyhow::Result<Outcome> {
        match err {
            LoadError::Invalid { diagnostics, file } => {
                self.print_diagnostics(diagnostics, &[&file]);
                Ok(Outcome::Findings)
            }
            io @ LoadError::Io { .. } => Err(anyhow::Error::new(io)),
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
