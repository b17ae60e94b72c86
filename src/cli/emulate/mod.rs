//! `ccfgen emulate`: a local Entra token endpoint + Logs Ingestion API for a spec or a
//! solution directory. Prints the connector page's six values, writes them as a ready
//! connector config (mode 0600) and the CA certificate to trust, and serves until Ctrl-C or
//! SIGTERM. Each data flow's `transformKql` runs on what its stream receives and the
//! destination table's rows are stored beside the stream's; a transformation the evaluator
//! cannot run is reported at start (on stderr and on the page).

mod faults;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use ccfgen::emulation::{self, Model, Paths};
use ccfgen_emulator::{ConnectionFile, Emulator, Fault, Identity};

use super::logging::{self, LogArgs};
use super::{Context, Outcome};

/// How long open connections may take to finish after Ctrl-C.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Arguments of `ccfgen emulate`.
#[derive(Debug, clap::Args)]
#[command(after_help = concat!(
    "Faults (--faults, repeatable): ", "[TARGET:]ACTION[=COUNT][:KEY=VALUE]...\n",
    "  TARGET  ingest (default), token or any\n",
    "  ACTION  fail (status=503, retry-after=SECS), latency (ms=N), drop (store, then lose the answer),\n",
    "          reset (reset mid-body), stall (ms=N)\n",
    "  COUNT   how many requests (default 1), * for all\n",
    "  e.g. --faults ingest:fail=3:status=429:retry-after=2 --faults latency=*:ms=50\n\n",
    "Control API (loopback only): POST/DELETE /_emulator/faults (JSON faults), GET /_emulator/streams/{stream}/rows,\n",
    "GET /_emulator/streams/{stream}/count, GET /_emulator/tables, GET /_emulator/tables/{table}/rows,\n",
    "GET /_emulator/tables/{table}/count, GET /_emulator/requests, GET /_emulator/diagnostics,\n",
    "GET /_emulator/counters, GET /_emulator/metrics, POST /_emulator/reset, POST /_emulator/tokens/expire,\n",
    "GET /_emulator/ca.pem.\n\n",
    "Exit status: 0 stopped by Ctrl-C/SIGTERM, 1 invalid spec, 2 usage or I/O error."
))]
pub struct Args {
    /// A spec (ccfgen.toml or a directory holding one), or a solution directory whose
    /// `Data Connectors/` JSON files hold the DCRs.
    #[arg(default_value = ".")]
    source: PathBuf,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// SQLite state file (stored rows, request log). Default:
    /// .ccfgen/emulator/<solution>/state.sqlite; identifiers are kept beside it.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Lifetime of issued access tokens (e.g. 3599s, 5m, 10s to exercise refresh).
    #[arg(long, default_value = "3599s", value_parser = super::duration::parse)]
    token_ttl: Duration,
    /// Inject a fault at start (repeatable); syntax below.
    #[arg(long = "faults", value_name = "FAULT", value_parser = parse_fault)]
    faults: Vec<Fault>,
    /// Act like a DCR whose role assignment was just made: for this long after start, the
    /// configured application is refused with 403 (try `ccfgen push --role-grace`).
    #[arg(long, value_name = "DURATION", value_parser = super::duration::parse)]
    role_delay: Option<Duration>,
    /// Serve plain HTTP instead of HTTPS (the config file then allows http to loopback).
    #[arg(long)]
    plain_http: bool,
    /// Where to write the connector config. Default: connector_config.json beside the state.
    #[arg(long, value_name = "FILE")]
    config_out: Option<PathBuf>,
    /// Where to write the CA certificate. Default: ca.pem beside the state.
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    #[command(flatten)]
    log: LogArgs,
}

fn parse_fault(text: &str) -> Result<Fault, String> {
    faults::parse(text).map_err(|e| format!("{e:#}"))
}

/// Runs `ccfgen emulate`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let is_spec = ccfgen::spec::spec_file(&args.source).is_some_and(|f| f.is_file());
    let model = if is_spec {
        match ccfgen::load::solution(&args.source) {
            Ok((solution, _, _)) => Model::from_solution(&solution),
            Err(e) => return ctx.spec_error(e),
        }
    } else {
        Model::from_files(&args.source)?
    };
    let paths = Paths::new(
        &model.solution,
        args.state.clone(),
        args.config_out.clone(),
        args.ca_out.clone(),
    );
    let identity =
        Identity::load_or_create(&paths.identity, model.dcrs.iter().map(|d| d.name.as_str()))?;
    logging::init(&args.log, ctx.color, &[], None);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(&args, &model, &identity, &paths, is_spec))?;
    Ok(Outcome::Ok)
}

async fn serve(
    args: &Args,
    model: &Model,
    identity: &Identity,
    paths: &Paths,
    is_spec: bool,
) -> anyhow::Result<()> {
    if let Some(dir) = paths.state.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let settings = emulation::Settings {
        port: args.port,
        plain_http: args.plain_http,
        token_ttl: args.token_ttl,
        role_delay: args.role_delay,
    };
    let config = emulation::config(model, identity, paths, &settings);
    let emulator = ccfgen_emulator::start(config)
        .await
        .context("starting the emulator")?;
    for fault in &args.faults {
        emulator.inject(*fault);
    }
    for error in emulator.transform_errors() {
        eprintln!("ccfgen: warning: {error}");
    }
    let ca_file = (!args.plain_http).then(|| absolute(&paths.ca));
    let targets = emulator
        .write_connection_files(&paths.config)
        .with_context(|| format!("writing {}", paths.config.display()))?;
    print!(
        "{}",
        page(
            args,
            model,
            &emulator,
            &targets,
            paths,
            ca_file.as_deref(),
            is_spec
        )
    );
    use std::io::Write as _;
    std::io::stdout().flush().context("writing to stdout")?;
    wait_for_signal().await?;
    println!("stopping: finishing open requests…");
    if tokio::time::timeout(SHUTDOWN_GRACE, emulator.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "ccfgen: some connections did not finish within {SHUTDOWN_GRACE:?}; stopped anyway"
        );
    }
    println!("stopped; rows are kept in {}", paths.state.display());
    Ok(())
}

/// The text printed at start: the connector page, the files, what to try.
fn page(
    args: &Args,
    model: &Model,
    emulator: &Emulator,
    targets: &[ConnectionFile],
    paths: &Paths,
    ca_file: Option<&Path>,
    is_spec: bool,
) -> String {
    let first = &targets[0].values;
    let base = emulator.base_url();
    let mut out = String::new();
    let mut line = |label: &str, value: &str| {
        let _ = writeln!(out, "  {label:<30} {value}");
    };
    let mut text = format!(
        "ccfgen emulate: {} — Entra token endpoint + Logs Ingestion API at {base}\n\n\
         Connector page values (what Deploy shows), pointed at the emulator:\n",
        model.solution
    );
    line("Tenant ID", &first.tenant_id);
    line("Application ID", &first.client_id);
    line("Application Secret", &first.client_secret);
    line("Data Collection Endpoint URI", &first.dce_uri);
    let mut last_dcr = None;
    for t in targets {
        if last_dcr != Some(&t.values.dcr_immutable_id) {
            line(
                "DCR Immutable ID",
                &format!(
                    "{} ({})",
                    t.values.dcr_immutable_id, model.dcrs[t.dcr_index].name
                ),
            );
            last_dcr = Some(&t.values.dcr_immutable_id);
        }
        line("Stream Name", &t.values.stream_name);
    }
    text.push_str(&out);
    text.push_str("\nFiles\n");
    for (i, t) in targets.iter().enumerate() {
        let why = if i == 0 {
            "; mode 0600: it holds the secret"
        } else {
            ""
        };
        let _ = writeln!(
            text,
            "  connector config   {} (stream {}{why})",
            absolute(&t.path).display(),
            t.values.stream_name,
        );
    }
    match ca_file {
        Some(ca) => {
            let _ = writeln!(
                text,
                "  CA certificate     {} (push reads it from the config; curl --cacert; REQUESTS_CA_BUNDLE)",
                ca.display()
            );
        }
        None => text.push_str(
            "  no CA certificate  plain HTTP (--plain-http): the config allows http to loopback\n",
        ),
    }
    let _ = writeln!(
        text,
        "  state              {} (rows and request log, kept across restarts; delete the directory to start over)",
        absolute(&paths.state).display()
    );
    if !args.faults.is_empty() {
        let _ = writeln!(text, "\nFaults injected: {}", args.faults.len());
    }
    text.push_str(&tables(emulator));
    for note in &model.notes {
        let _ = writeln!(text, "Note: {note}");
    }
    let spec = if is_spec {
        format!(" --spec {}", args.source.display())
    } else {
        String::new()
    };
    let table = if targets.len() > 1 {
        format!(" --table {}", first.stream_name)
    } else {
        String::new()
    };
    let sample_source = if is_spec {
        format!(
            "ccfgen sample {}{table} --count 1000",
            args.source.display()
        )
    } else {
        "cat records.ndjson".into()
    };
    let cacert = ca_file
        .map(|ca| format!("--cacert {} ", ca.display()))
        .unwrap_or_default();
    let table_count = emulator
        .config()
        .dcrs
        .iter()
        .flat_map(|d| &d.streams)
        .find(|s| s.name == first.stream_name)
        .and_then(|s| s.flows.first())
        .map(|f| {
            format!(
                "\n  curl {cacert}{base}/_emulator/tables/{}/count",
                f.table()
            )
        })
        .unwrap_or_default();
    let _ = write!(
        text,
        "\nTry it\n  {sample_source} | ccfgen push --config {config}{spec}\n  \
         curl {cacert}{base}/_emulator/streams/{stream}/count{table_count}\n\n\
         Serving until Ctrl-C (control API: {base}/_emulator/…, see --help).\n",
        config = targets[0].path.display(),
        stream = first.stream_name,
    );
    text
}

/// The page's section on data flows: which stream writes which table, and every
/// transformation the evaluator cannot run.
fn tables(emulator: &Emulator) -> String {
    let mut text = String::from(
        "\nData flows (each record a stream accepts runs through its transformKql; the table keeps the result,\n\
         the stream keeps the record as received)\n",
    );
    let errors = emulator.transform_errors();
    let mut any = false;
    for stream in emulator.config().dcrs.iter().flat_map(|d| &d.streams) {
        for flow in &stream.flows {
            any = true;
            let broken = errors
                .iter()
                .any(|e| e.stream == stream.name && e.table == flow.table());
            let state = if broken {
                "  NOT RUN (see the warning below)"
            } else {
                ""
            };
            let _ = writeln!(text, "  {} → {}{state}", stream.name, flow.table());
        }
    }
    if !any {
        text.push_str("  none: only the streams' rows are stored\n");
    }
    for error in errors {
        let _ = writeln!(text, "Warning: {error}");
    }
    text
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

pub(super) async fn wait_for_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("listening for Ctrl-C"),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .context("listening for Ctrl-C")
    }
}
