//! `ccfgen push`: streams records from files, directories or stdin to a DCR stream through
//! `ccfgen-push` — validated against the spec's stream when `--spec` is given, packed by
//! compressed size, retried, checkpointed (a killed push resumes) and dead-lettered with the
//! reason when they cannot be delivered.

mod progress;
mod report;

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use ccfgen::solution::StreamChoiceError;
use ccfgen::spec::LoadError;
use ccfgen_push::{
    Client, Column, Config, NoProgress, Progress, RetryPolicy, Source, UnknownFields,
    ValidationOptions,
};

use super::connection::{self, ConnectionArgs};
use super::logging::{self, LogArgs, LogFormat};
use super::{Context, Outcome};
use progress::{ProgressMode, Shown};

/// Arguments of `ccfgen push`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Input: JSON arrays or NDJSON (detected per file), streamed in constant memory. A directory \
means every *.json, *.ndjson and *.jsonl file below it, in sorted path order.

Exit status:
  0  every record was delivered, and the dead-letter file is empty
  1  the push finished, but records are in the dead-letter file (invalid, unparseable, too
     large, refused by the service), this run's or an earlier run's; each line says why: fix
     the cause, then `ccfgen push --replay` sends them again
  2  usage, configuration, authentication (AADSTS…), permission (403), not found (404),
     untrusted certificate, unresolvable host, the service failing for all of
     --max-retry-time, or I/O error: the push could not start or stopped early — nothing is
     lost, run the same command again (same --state-dir) to send the rest
  130  interrupted (Ctrl-C, SIGTERM): requests in flight were settled; run the same command
     again to send the rest (a second Ctrl-C stops at once; nothing is lost either)")]
pub struct Args {
    /// Files or directories of records; `-` (or nothing, with piped input) reads stdin.
    inputs: Vec<PathBuf>,
    /// Send again the records of a dead-letter file (default: the one of --state-dir or
    /// --dead-letter), validated again: those delivered leave the file, the others stay with
    /// their new reason. Fix the cause first (the spec, the records in the file, the service).
    #[arg(long, value_name = "DEAD_LETTER", num_args = 0..=1, conflicts_with = "inputs")]
    replay: Option<Option<PathBuf>>,
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Validate every record against this spec's stream (ccfgen.toml or its directory)
    /// before sending. Without it, records are only checked to be JSON objects.
    #[arg(long, value_name = "SPEC")]
    spec: Option<PathBuf>,
    /// Checkpoint store and default dead-letter file.
    #[arg(long, value_name = "DIR", default_value = ".ccfgen/push")]
    state_dir: PathBuf,
    /// Where undeliverable records go (default: <state-dir>/dead-letter.ndjson).
    #[arg(long, value_name = "FILE")]
    dead_letter: Option<PathBuf>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// At most this many records per request (default: as many as fit in 1 MB compressed).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    batch_records: Option<u64>,
    /// gzip level of request bodies, 1 (fastest, the default) to 9 (smallest). Level 6
    /// sends ~45% fewer bytes and ~40% fewer requests for several times the CPU.
    #[arg(long, value_name = "LEVEL", value_parser = clap::value_parser!(u32).range(1..=9))]
    gzip_level: Option<u32>,
    /// How long one request may be retried (5xx, 429, network errors) before the push stops;
    /// its records stay pending for the next run.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = super::duration::parse)]
    max_retry_time: Duration,
    /// Keep retrying 403 (the app's Monitoring Metrics Publisher role not applied yet), backing
    /// off up to 30 s between tries, for this long after start, for a push right after the connector was deployed: a new
    /// role assignment can take up to 30 minutes. Default 0: 403 stops the push at once.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = super::duration::parse)]
    role_grace: Duration,
    /// With --spec: send fields the stream does not declare (the service drops them)
    /// instead of dead-lettering the record.
    #[arg(long)]
    allow_unknown_fields: bool,
    /// Name of stdin in the checkpoint store. Give the same name to resume an interrupted
    /// push of the same piped data; by default every run is new (piped data is never skipped).
    #[arg(long, value_name = "ID")]
    stdin_id: Option<String>,
    /// When to show progress on stderr: `auto` draws a bar on a terminal; `always` draws it on
    /// a terminal and prints a plain-text line every second elsewhere (a file, a pipe, CI).
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    progress: ProgressMode,
    #[command(flatten)]
    log: LogArgs,
}

/// Runs `ccfgen push`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let mut config = args.connection.load()?;
    let (columns, validation) = match &args.spec {
        Some(spec) => {
            let columns = spec_columns(spec, &mut config, ctx)?;
            let unknown_fields = if args.allow_unknown_fields {
                UnknownFields::Allow
            } else {
                UnknownFields::Reject
            };
            (columns, ValidationOptions { unknown_fields })
        }
        None => (
            Vec::new(),
            ValidationOptions {
                unknown_fields: UnknownFields::Allow,
            },
        ),
    };
    let replay = match &args.replay {
        None => None,
        Some(file) => {
            let file = file.clone().unwrap_or_else(|| {
                args.dead_letter
                    .clone()
                    .unwrap_or_else(|| args.state_dir.join(ccfgen_push::client::DEAD_LETTER_FILE))
            });
            let prepared = ccfgen_push::replay::prepare(&file, &args.state_dir)?;
            if prepared.records() == 0 {
                println!(
                    "{}: {} entries, none to replay ({} not JSON: fix their record_text first)",
                    file.display(),
                    prepared.entries(),
                    prepared.unreplayable()
                );
                return Ok(if prepared.entries() == 0 {
                    Outcome::Ok
                } else {
                    Outcome::Findings
                });
            }
            eprintln!(
                "replaying {} records of {}{}",
                prepared.records(),
                file.display(),
                if prepared.unreplayable() > 0 {
                    format!(
                        " ({} entries whose text is not JSON stay)",
                        prepared.unreplayable()
                    )
                } else {
                    String::new()
                }
            );
            Some(prepared)
        }
    };
    let sources = match &replay {
        Some(prepared) => vec![Source::File(prepared.input.clone())],
        None => sources(&args.inputs, args.stdin_id.as_deref())?,
    };
    let json_logs = args.log.log_format == LogFormat::Json;
    let shown = args.progress.display(json_logs).map(|display| {
        let known_total = !sources.iter().any(|s| matches!(s, Source::Stdin { .. }));
        Shown::start(display, known_total)
    });
    logging::init(
        &args.log,
        ctx.color,
        &connection::secrets(&config),
        shown.as_ref().and_then(Shown::bar),
    );
    if args.spec.is_none() {
        eprintln!(
            "note: no --spec given: records are only checked to be JSON objects, not against the stream's columns"
        );
    }
    let progress: Arc<dyn Progress> = match &shown {
        Some(shown) => shown.progress(),
        None => Arc::new(NoProgress),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(push(
        &args,
        replay,
        config,
        &columns,
        sources,
        validation,
        (progress, shown.as_ref()),
    ));
    if let Some(shown) = &shown {
        shown.finish();
    }
    result
}

/// The stream's columns from the spec; the config's stream must be one of the spec's
/// (`--stream` or `stream_name`), or the spec must have exactly one.
fn spec_columns(
    spec: &std::path::Path,
    config: &mut Config,
    ctx: &Context,
) -> anyhow::Result<Vec<Column>> {
    let solution = match ccfgen::load::solution(spec) {
        Ok((solution, _, _)) => solution,
        Err(LoadError::Invalid { diagnostics, file }) => {
            ctx.print_diagnostics(diagnostics, &[&file]);
            bail!("the spec {} is invalid", file.path().display());
        }
        Err(e) => return Err(e.into()),
    };
    let table = match solution.table_for_stream(config.stream_name.as_deref()) {
        Ok(table) => table,
        Err(StreamChoiceError::Unknown { wanted, streams }) => bail!(
            "stream {wanted} (from --stream or the config's stream_name) is not in the spec {}; its streams: {}",
            spec.display(),
            streams.join(", ")
        ),
        Err(StreamChoiceError::Ambiguous { streams }) => bail!(
            "no stream_name in the config: choose one of the spec's streams with --stream ({})",
            streams.join(", ")
        ),
    };
    config.stream_name = Some(table.stream.clone());
    Ok(table.push_columns())
}

fn sources(inputs: &[PathBuf], stdin_id: Option<&str>) -> anyhow::Result<Vec<Source>> {
    let stdin = || Source::Stdin {
        id: stdin_id.map_or_else(
            || format!("stdin-{}", ccfgen_push::uuid::Uuid::new_v4()),
            str::to_owned,
        ),
    };
    if inputs.is_empty() {
        if std::io::stdin().is_terminal() {
            bail!("no input: give files or directories, or pipe records into `ccfgen push -`");
        }
        return Ok(vec![stdin()]);
    }
    let mut out = Vec::new();
    let mut seen_stdin = false;
    for input in inputs {
        if input.as_os_str() == "-" {
            if seen_stdin {
                bail!("`-` (stdin) is given twice");
            }
            seen_stdin = true;
            out.push(stdin());
            continue;
        }
        let meta = std::fs::metadata(input)
            .with_context(|| format!("cannot read input {}", input.display()))?;
        out.push(if meta.is_dir() {
            Source::Dir(input.clone())
        } else {
            Source::File(input.clone())
        });
    }
    Ok(out)
}

async fn push(
    args: &Args,
    replay: Option<ccfgen_push::replay::Prepared>,
    config: Config,
    columns: &[Column],
    sources: Vec<Source>,
    validation: ValidationOptions,
    (progress, shown): (Arc<dyn Progress>, Option<&Shown>),
) -> anyhow::Result<Outcome> {
    let stream = config.stream_name.clone().unwrap_or_default();
    let dcr = config.dcr_immutable_id.clone().unwrap_or_default();
    let mut limits = ccfgen_push::Limits::default();
    if let Some(level) = args.gzip_level {
        limits.level = level;
    }
    if let Some(n) = args.batch_records {
        limits.max_records = usize::try_from(n).unwrap_or(usize::MAX);
    }
    let mut builder = Client::builder(config, &args.state_dir)
        .concurrency(usize::from(args.concurrency))
        .limits(limits)
        .retry(RetryPolicy {
            max_elapsed: args.max_retry_time,
            role_grace: args.role_grace,
            ..RetryPolicy::default()
        })
        .progress(progress);
    if let Some(prepared) = &replay {
        builder = builder.dead_letter_file(&prepared.new_dead_letter);
    } else if let Some(file) = &args.dead_letter {
        builder = builder.dead_letter_file(file);
    }
    let client = builder.build()?;
    let report = client.open_report();
    if report.interrupted_batches > 0 {
        eprintln!(
            "resuming: {} records of {} requests in flight when the previous run stopped are sent again (they may be duplicated)",
            report.duplicates_possible, report.interrupted_batches
        );
    }
    let signals = tokio::spawn(interrupt_on_signal(client.interrupter()));
    let mut result = client.push_sources(columns, sources, validation).await;
    signals.abort();
    if let Some(prepared) = replay {
        // The records delivered leave the dead-letter file, the others stay with their new
        // reason; an incomplete replay leaves the file as it was (run it again to resume).
        let file = prepared.dead_letter.clone();
        let unreplayable = prepared.unreplayable() as u64;
        let summary = match &mut result {
            Ok(summary) => {
                let kept = ccfgen_push::replay::finish(prepared)?;
                summary.earlier_dead_letters = kept - summary.dead_lettered().min(kept);
                debug_assert_eq!(summary.earlier_dead_letters, unreplayable);
                summary
            }
            Err(incomplete) => &mut incomplete.summary,
        };
        summary.dead_letter_file = Some(file);
    }
    if let Some(shown) = shown {
        shown.finish(); // before the summary
    }
    let target = report::Target {
        stream: &stream,
        dcr: &dcr,
    };
    let (summary, error) = match &result {
        Ok(summary) => (summary, None),
        Err(incomplete) => (&incomplete.summary, Some(incomplete.error.to_string())),
    };
    let text = match args.log.log_format {
        LogFormat::Text => report::text(summary, &target, error.as_deref()),
        LogFormat::Json => report::json(summary, &target, error.as_deref()),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing to stdout")?;
    drop(stdout);
    match result {
        Ok(summary) if summary.undelivered() > 0 => {
            eprintln!(
                "{} records are in the dead-letter file {}{}: each line says why; fix the cause, then `ccfgen push --replay` sends them again",
                summary.undelivered(),
                summary
                    .dead_letter_file
                    .as_deref()
                    .map_or_else(String::new, |p| p.display().to_string()),
                if summary.earlier_dead_letters > 0 {
                    format!(
                        " ({} of them from earlier runs)",
                        summary.earlier_dead_letters
                    )
                } else {
                    String::new()
                }
            );
            Ok(Outcome::Findings)
        }
        Ok(_) => Ok(Outcome::Ok),
        Err(incomplete) if matches!(incomplete.error, ccfgen_push::PushError::Interrupted) => {
            eprintln!(
                "ccfgen: interrupted: {} records read but not sent, and any input not read yet: run the same command again (state in {}) to send them",
                incomplete.summary.pending(),
                args.state_dir.display()
            );
            Ok(Outcome::Interrupted)
        }
        Err(incomplete) => Err(anyhow::anyhow!(
            "{}\n{} records read but not sent, and any input not read yet: fix the cause, then run the same command again (state in {}) to send them{}",
            incomplete.error,
            incomplete.summary.pending(),
            args.state_dir.display(),
            edited_input_warning(&incomplete)
        )),
    }
}

/// What editing a broken input file does to the records already delivered from it: the
/// checkpoint store knows a file by its content (path, size, first and last MiB), so an edited
/// file is a new source whose records are all sent again. Said when the input stopped the push
/// after deliveries, so that "fix the cause" is not followed blindly into duplicates.
fn edited_input_warning(incomplete: &ccfgen_push::Incomplete) -> String {
    let delivered = incomplete.summary.delivered;
    if !matches!(incomplete.error, ccfgen_push::PushError::Input { .. }) || delivered == 0 {
        return String::new();
    }
    format!(
        "\nwarning: this run delivered {delivered} records before the input broke. The state knows a file by its \
         content (path, size, first and last MiB): once edited, a file is a new source and all its records are sent \
         again, so those already delivered arrive twice (up to {delivered} duplicates in the table)"
    )
}

/// Waits for Ctrl-C or SIGTERM: the first stops the push gracefully (requests in flight are
/// settled and committed), a second exits at once with 130 (the checkpoint store is always
/// consistent; requests then in flight are reported as possible duplicates by the next run).
async fn interrupt_on_signal(interrupter: ccfgen_push::Interrupter) {
    if wait_signal().await.is_err() {
        return;
    }
    eprintln!(
        "ccfgen: interrupted: settling the requests in flight (press Ctrl-C again to stop at once)"
    );
    interrupter.interrupt();
    if wait_signal().await.is_ok() {
        eprintln!(
            "ccfgen: stopped at once: run the same command again; requests that were in flight are resent"
        );
        std::process::exit(130);
    }
}

/// One Ctrl-C (SIGINT) or SIGTERM.
async fn wait_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::select! {
            _ = term.recv() => Ok(()),
            _ = int.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
