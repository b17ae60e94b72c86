//! `ccfgen doctor`: the arguments, and one printed line per check of
//! [`ccfgen_push::doctor`] (settings, secret files' permissions, DNS, TLS, token, stream);
//! exit 1 when any check fails.

use std::io::Write as _;
use std::time::Duration;

use anyhow::Context as _;
use ccfgen_push::doctor::{self, Check};

use super::connection::{self, ConnectionArgs};
use super::logging::{self, LogArgs};
use super::{Context, Outcome};

/// Arguments of `ccfgen doctor`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Checks, in order: config, permissions, dns, tls (authority and ingestion endpoint), token,
stream. A check that cannot run because an earlier one failed is shown as `skip`.

Exit status: 0 no check failed (warnings allowed), 1 a check failed, 2 usage or I/O error.")]
pub struct Args {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Give up on one network check after this long.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = super::duration::parse)]
    timeout: Duration,
    #[command(flatten)]
    log: LogArgs,
}

/// Runs `ccfgen doctor`: the checks of [`ccfgen_push::doctor`], one line each as it completes.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let state = tempfile::tempdir().context("creating a temporary directory")?;
    let config = args.connection.load().map_err(|e| format!("{e:#}"));
    if let Ok(config) = &config {
        logging::init(&args.log, ctx.color, &connection::secrets(config), None);
    }
    let options = doctor::Options {
        config_file: args.connection.config.clone(),
        timeout: args.timeout,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let failed = runtime.block_on(doctor::diagnose(config, &options, state.path(), &mut print))?;
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}

/// `status name detail`, aligned, flushed at once (checks can take seconds each).
fn print(check: &Check) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<5} {:<12} {}",
        check.status.label(),
        check.name,
        check.detail
    );
    let _ = out.flush();
}
