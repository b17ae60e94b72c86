//! Diagnosing a push configuration step by step, the checks behind `ccfgen doctor` (and any
//! page that wants to show the same): the settings, the permissions of files holding a
//! secret, DNS and TLS to the Entra authority and the ingestion endpoint, the token (AADSTS
//! codes mapped to fixes) and the DCR stream (an empty POST, mapping 401/403/404 to what to
//! change).
//!
//! [`diagnose`] runs the checks in the order of [`CHECKS`] and hands each result to a callback
//! as soon as it is known; a check that cannot run because an earlier one failed is reported
//! as [`Status::Skip`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::config::Endpoints;
use crate::{Client, Config, ConfigError, PushError};

/// The checks, in the order they run.
pub const CHECKS: [&str; 6] = ["config", "permissions", "dns", "tls", "token", "stream"];

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The check passed.
    Ok,
    /// The check passed with a warning (a file others can read, plain HTTP to an emulator).
    Warn,
    /// The check failed: the detail says what to change.
    Fail,
    /// The check did not run because an earlier one failed.
    Skip,
}

impl Status {
    /// `ok`, `warn`, `fail` or `skip`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// One of [`CHECKS`].
    pub name: &'static str,
    /// The verdict.
    pub status: Status,
    /// What was found, and for a failure how to fix it.
    pub detail: String,
}

/// How to run the checks.
#[derive(Debug, Clone)]
pub struct Options {
    /// The connector config file the settings came from (besides the environment), if any:
    /// its permissions are checked when it holds the client secret.
    pub config_file: Option<PathBuf>,
    /// How long one network check may take (the token and stream checks get twice that).
    pub timeout: Duration,
}

/// A check could not run at all (not a finding: an I/O or setup error).
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    /// A file that holds a secret could not be examined.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The configured CA file could not be read.
    #[error(transparent)]
    Ca(#[from] ConfigError),
    /// The configured CA file holds no usable certificate.
    #[error("reading ca_file: {0}")]
    Certificate(#[source] reqwest::Error),
    /// The HTTP client for the DNS and TLS checks could not be built.
    #[error("building the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

/// Runs every check against `config` (or reports why the settings are unusable), handing
/// each result to `report` as it completes. `state_dir` is a throw-away directory for the
/// client the token and stream checks use. Returns whether any check failed.
pub async fn diagnose(
    config: Result<Config, String>,
    options: &Options,
    state_dir: &Path,
    report: &mut dyn FnMut(&Check),
) -> Result<bool, DoctorError> {
    let mut checks = Checks {
        report,
        failed: false,
    };
    let prepared = config.and_then(|config| prepare(config, options.timeout, state_dir));
    let (config, endpoints, client) = match prepared {
        Ok(prepared) => prepared,
        Err(message) => {
            checks.report(Status::Fail, "config", message);
            checks.skip_rest(&CHECKS[1..]);
            return Ok(true);
        }
    };
    checks.report(Status::Ok, "config", describe(&config, options));
    check_permissions(&mut checks, &config, options.config_file.as_deref())?;
    network_checks(&mut checks, &config, &endpoints, &client, options.timeout).await?;
    Ok(checks.failed)
}

/// Passes each result on and remembers whether any failed.
struct Checks<'r> {
    report: &'r mut dyn FnMut(&Check),
    failed: bool,
}

impl Checks<'_> {
    fn report(&mut self, status: Status, name: &'static str, detail: impl Into<String>) -> Status {
        self.failed |= status == Status::Fail;
        (self.report)(&Check {
            name,
            status,
            detail: detail.into(),
        });
        status
    }

    fn skip_rest(&mut self, names: &[&'static str]) {
        for name in names {
            self.report(Status::Skip, name, "an earlier check failed");
        }
    }
}

/// The config check: validates the settings and builds a client (in a throw-away state
/// directory) that trusts what `push` would trust.
fn prepare(
    config: Config,
    timeout: Duration,
    state: &Path,
) -> Result<(Config, Endpoints, Client), String> {
    let endpoints = config.validate().map_err(|e| e.to_string())?;
    let client = Client::builder(config.clone(), state)
        .connect_timeout(timeout)
        .build()
        .map_err(|e| e.to_string())?;
    Ok((config, endpoints, client))
}

fn describe(config: &Config, options: &Options) -> String {
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let source = match &options.config_file {
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
    checks: &mut Checks<'_>,
    config: &Config,
    config_file: Option<&Path>,
) -> Result<(), DoctorError> {
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
        let mode = ccfgen_base::private_file::too_open(&path).map_err(|source| {
            DoctorError::Read {
                path: path.clone(),
                source,
            }
        })?;
        match mode {
            Some(mode) => checks.report(
                Status::Warn,
                "permissions",
                format!(
                    "{} is mode {mode:04o}: group or others can read {what}; run `chmod 600 {}`",
                    path.display(),
                    path.display()
                ),
            ),
            None => checks.report(
                Status::Ok,
                "permissions",
                format!("{} is readable by its owner only", path.display()),
            ),
        };
    }
    Ok(())
}

async fn network_checks(
    checks: &mut Checks<'_>,
    config: &Config,
    endpoints: &Endpoints,
    client: &Client,
    timeout: Duration,
) -> Result<(), DoctorError> {
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
        checks.skip_rest(&["token", "stream"]);
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
            format!(
                "issued by {}/{}/ for scope {}",
                endpoints.authority.as_str().trim_end_matches('/'),
                config.tenant_id.as_deref().unwrap_or("-"),
                endpoints.scope
            ),
        ),
        Err(message) => {
            checks.report(Status::Fail, "token", message);
            checks.skip_rest(&["stream"]);
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
            format!(
                "POST [] to {} / {} accepted: this application may ingest into the stream",
                config.dcr_immutable_id.as_deref().unwrap_or("-"),
                config.stream_name.as_deref().unwrap_or("-"),
            ),
        ),
        Err(message) => checks.report(Status::Fail, "stream", message),
    };
    Ok(())
}

/// An HTTP client trusting what the push client trusts (system roots plus `ca_file`).
fn tls_client(config: &Config, timeout: Duration) -> Result<reqwest::Client, DoctorError> {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing this race to the push client, which installs the same provider, is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout);
    for pem in config.ca_pem()? {
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(DoctorError::Certificate)?;
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(DoctorError::Http)
}

async fn check_dns(
    checks: &mut Checks<'_>,
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
                format!("{host} → {} ({role})", ips.join(", ")),
            );
            true
        }
        Ok(Err(e)) => {
            checks.report(
                Status::Fail,
                "dns",
                format!("cannot resolve {host} ({role}): {e}; check the URL in the config and the network's DNS"),
            );
            false
        }
        Err(_) => {
            checks.report(
                Status::Fail,
                "dns",
                format!("resolving {host} ({role}) took longer than {timeout:?}"),
            );
            false
        }
    }
}

async fn check_tls(checks: &mut Checks<'_>, http: &reqwest::Client, url: &Url, role: &str) -> Status {
    let host = url.host_str().unwrap_or_default();
    if url.scheme() == "http" {
        return checks.report(
            Status::Warn,
            "tls",
            format!("{host}: plain http to a loopback emulator ({role}); real endpoints always use https"),
        );
    }
    let mut root = url.clone();
    root.set_path("/");
    root.set_query(None);
    match http.get(root).send().await {
        Ok(_) => checks.report(
            Status::Ok,
            "tls",
            format!(
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
                format!("{host} ({role}): {hint} ({message})"),
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
