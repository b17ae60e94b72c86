//! The connection settings `push` and `doctor` share: the connector config file, the Azure
//! SDK environment variables, and the flags that override them.

use std::path::PathBuf;

use anyhow::Context as _;
use ccfgen_push::Config;

/// Where the connection settings come from.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionArgs {
    /// Connector config JSON: the connector page's values (tenant_id, application_id,
    /// application_secret, dce_endpoint, dcr_immutable_id, stream_name) plus optional
    /// authority_host, ca_file, scope, cloud, auth. Values it lacks come from AZURE_TENANT_ID,
    /// AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST, AZURE_FEDERATED_TOKEN_FILE,
    /// CCFGEN_DCE_URI, CCFGEN_DCR_IMMUTABLE_ID, CCFGEN_STREAM_NAME, CCFGEN_CA_CERT, CCFGEN_CLOUD.
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Target this stream of the DCR instead of the config's stream_name.
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<String>,
    /// Allow plain http:// to a loopback address (an emulator started with --plain-http).
    #[arg(long)]
    pub allow_http: bool,
}

impl ConnectionArgs {
    /// Reads the file (if any), fills the gaps from the environment, applies the flags.
    pub fn load(&self) -> anyhow::Result<Config> {
        let mut config = match &self.config {
            Some(path) => Config::from_json_file(path)?,
            None => Config::default(),
        };
        config
            .apply_env(|k| std::env::var(k).ok())
            .context("reading the environment")?;
        if let Some(stream) = &self.stream {
            config.stream_name = Some(stream.clone());
        }
        if self.allow_http {
            config.allow_http_loopback = true;
        }
        Ok(config)
    }
}

/// The secret values of `config`, for log redaction.
pub fn secrets(config: &Config) -> Vec<&str> {
    [&config.client_secret, &config.identity_header]
        .into_iter()
        .flatten()
        .map(|s| s.expose())
        .collect()
}
