//! `ccfgen doctor`: checks a push configuration step by step — the settings, the permissions
//! of files holding a secret, DNS and TLS to the Entra authority and the ingestion endpoint,
//! the token (AADSTS codes mapped to fixes) and the DCR stream (an empty POST, mapping
//! 401/403/404 to what to change). One line per check; exit 1 when any check fails.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use ccfgen_push::config::Endpoints;
use ccfgen_push::{Client, Config, PushError};
use url::Url;

use super::connection::{self, ConnectionArgs};
use super::logging::{self, LogArgs};
use super::{Context, Outcome};
use ccfgen_base::private_file::too_open;

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

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// Prints each check as it completes and remembers whether any failed.
#[derive(Default)]
struct Checks {
    failed: bool,
}

impl Checks {
    fn report(&mut self, status: Status, name: &str, detail: &str) -> Status {
        self.failed |= status == Status::Fail;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{:<5} {name:<12} {detail}", status.label());
        let _ = out.flush();
        status
    }
}

/// Runs `ccfgen doctor`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let mut checks = Checks::default();
    let state = tempfile::tempdir().context("creating a temporary directory")?;
    let (config, endpoints, client) = match prepare(&args, state.path()) {
        Ok(prepared) => prepared,
        Err(message) => {
            checks.report(Status::Fail, "config", &message);
            skip_rest(
                &mut checks,
                &["permissions", "dns", "tls", "token", "stream"],
            );
            return Ok(Outcome::Findings);
        }
    };
    logging::init(&args.log, ctx.color, &connection::secrets(&config), None);
    checks.report(Status::Ok, "config", &describe(&config, &args.connection));
    check_permissions(&mut checks, &config, args.connection.config.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(network_checks(
        &mut checks,
        &config,
        &endpoints,
        &client,
        args.timeout,
    ))?;
    Ok(if checks.failed {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}

/// The config check: loads and validates the settings and builds a client (in a throw-away
/// state directory) that trusts what `push` would trust.
fn prepare(args: &Args, state: &Path) -> Result<(Config, Endpoints, Client), String> {
    let config = args.connection.load().map_err(|e| format!("{e:#}"))?;
    let endpoints = config.validate().map_err(|e| e.to_string())?;
    let client = Client::builder(config.clone(), state)
        .connect_timeout(args.timeout)
        .build()
        .map_err(|e| e.to_string())?;
    Ok((config, endpoints, client))
}

fn skip_rest(checks: &mut Checks, names: &[&str]) {
    for name in names {
        checks.report(Status::Skip, name, "an earlier check failed");
    }
}

fn describe(config: &Config, args: &ConnectionArgs) -> String {
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let source = match &args.config {
        Some(path) => format!("{} + environment", path.display()),
        None => "environment".into(),
    };
    format!(
        "tenant {}, application {}, DCR {}, stream {} (from {source})",
        value(&config.tenant_id),
        value(&config.client_id),
        value(&config.dcr_immutable_id),
        value(&config.stream_name),
    )
}

/// Warns, like ssh, when group or others can read a file that holds a secret.
fn check_permissions(
    checks: &mut Checks,
    config: &Config,
    config_file: Option<&Path>,
) -> anyhow::Result<()> {
    let mut files: Vec<(PathBuf, &str)> = Vec::new();
    if let Some(path) = config_file {
        let holds_secret = Config::from_json_file(path)
            .map(|c| c.client_secret.is_some())
            .unwrap_or(false);
        if holds_secret {
            files.push((path.to_owned(), "the client secret"));
        }
    }
    if let Some(path) = &config.federated_token_file {
        files.push((path.clone(), "the federated token"));
    }
    if files.is_empty() {
        checks.report(
            Status::Ok,
            "permissions",
            "no file holds a secret (it comes from the environment)",
        );
    }
    for (path, what) in files {
        match too_open(&path).with_context(|| format!("reading {}", path.display()))? {
            Some(mode) => checks.report(
                Status::Warn,
                "permissions",
                &format!(
                    "{} is mode {mode:04o}: group or others can read {what}; run `chmod 600 {}`",
                    path.display(),
                    path.display()
                ),
            ),
            None => checks.report(
                Status::Ok,
                "permissions",
                &format!("{} is readable by its owner only", path.display()),
            ),
        };
    }
    Ok(())
}

async fn network_checks(
    checks: &mut Checks,
    config: &Config,
    endpoints: &Endpoints,
    client: &Client,
    timeout: Duration,
) -> anyhow::Result<()> {
    let http = tls_client(config, timeout)?;
    let mut reachable = true;
    let mut seen: Vec<(String, u16)> = Vec::new();
    for (role, url) in [
        ("authority", &endpoints.authority),
        ("ingestion endpoint", &endpoints.ingest),
    ] {
        let host = url.host_str().unwrap_or_default().to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        if seen.contains(&(host.clone(), port)) {
            continue;
        }
        seen.push((host.clone(), port));
        let role = if endpoints.authority.host_str() == endpoints.ingest.host_str()
            && endpoints.authority.port_or_known_default()
                == endpoints.ingest.port_or_known_default()
        {
            "authority and ingestion endpoint"
        } else {
            role
        };
        if !check_dns(checks, &host, port, role, timeout).await {
            checks.report(Status::Skip, "tls", "DNS failed");
            reachable = false;
            continue;
        }
        reachable &= check_tls(checks, &http, url, role).await != Status::Fail;
    }
    if !reachable {
        skip_rest(checks, &["token", "stream"]);
        return Ok(());
    }
    let budget = timeout * 2;
    let token = match tokio::time::timeout(budget, client.check_token()).await {
        Err(_) => Err(format!("no answer within {budget:?}")),
        Ok(Err(PushError::Auth(e))) => Err(e.to_string()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(())) => Ok(()),
    };
    match token {
        Ok(()) => checks.report(
            Status::Ok,
            "token",
            &format!(
                "issued by {}/{}/ for scope {}",
                endpoints.authority.as_str().trim_end_matches('/'),
                config.tenant_id.as_deref().unwrap_or("-"),
                endpoints.scope
            ),
        ),
        Err(message) => {
            checks.report(Status::Fail, "token", &message);
            skip_rest(checks, &["stream"]);
            return Ok(());
        }
    };
    let probe = match tokio::time::timeout(budget, client.probe()).await {
        Err(_) => Err(format!("no answer within {budget:?}")),
        Ok(r) => r.map_err(|e| e.to_string()),
    };
    match probe {
        Ok(()) => checks.report(
            Status::Ok,
            "stream",
            &format!(
                "POST [] to {} / {} accepted: this application may ingest into the stream",
                config.dcr_immutable_id.as_deref().unwrap_or("-"),
                config.stream_name.as_deref().unwrap_or("-"),
            ),
        ),
        Err(message) => checks.report(Status::Fail, "stream", &message),
    };
    Ok(())
}

/// An HTTP client trusting what the push client trusts (system roots plus `ca_file`).
fn tls_client(config: &Config, timeout: Duration) -> anyhow::Result<reqwest::Client> {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing this race to the push client, which installs the same provider, is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout);
    for pem in config.ca_pem()? {
        let certs = reqwest::Certificate::from_pem_bundle(&pem).context("reading ca_file")?;
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().context("building the HTTP client")
}

async fn check_dns(
    checks: &mut Checks,
    host: &str,
    port: u16,
    role: &str,
    timeout: Duration,
) -> bool {
    let lookup = tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await;
    match lookup {
        Ok(Ok(addrs)) => {
            let mut ips: Vec<String> = addrs.map(|a| a.ip().to_string()).collect();
            ips.dedup();
            checks.report(
                Status::Ok,
                "dns",
                &format!("{host} → {} ({role})", ips.join(", ")),
            );
            true
        }
        Ok(Err(e)) => {
            checks.report(
                Status::Fail,
                "dns",
                &format!("cannot resolve {host} ({role}): {e}; check the URL in the config and the network's DNS"),
            );
            false
        }
        Err(_) => {
            checks.report(
                Status::Fail,
                "dns",
                &format!("resolving {host} ({role}) took longer than {timeout:?}"),
            );
            false
        }
    }
}

async fn check_tls(checks: &mut Checks, http: &reqwest::Client, url: &Url, role: &str) -> Status {
    let host = url.host_str().unwrap_or_default();
    if url.scheme() == "http" {
        return checks.report(
            Status::Warn,
            "tls",
            &format!("{host}: plain http to a loopback emulator ({role}); real endpoints always use https"),
        );
    }
    let mut root = url.clone();
    root.set_path("/");
    root.set_query(None);
    match http.get(root).send().await {
        Ok(_) => checks.report(
            Status::Ok,
            "tls",
            &format!(
                "{host}:{}: handshake ok, certificate trusted ({role})",
                url.port_or_known_default().unwrap_or(443)
            ),
        ),
        Err(e) => {
            let message = error_chain(&e);
            let lower = message.to_ascii_lowercase();
            let hint = if lower.contains("certificate") || lower.contains("unknownissuer") {
                "the server's certificate is not trusted: for `ccfgen emulate` set ca_file to the CA it wrote; behind a TLS-inspecting proxy add the proxy's CA with ca_file"
            } else if e.is_timeout() {
                "no answer in time: check firewalls and proxies"
            } else {
                "cannot connect: check the URL's host and port, firewalls and proxies"
            };
            checks.report(
                Status::Fail,
                "tls",
                &format!("{host} ({role}): {hint} ({message})"),
            )
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
