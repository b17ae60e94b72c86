//! Connection settings: the six values of a CCF connector page, the Azure SDK environment
//! variables, cloud presets and the TLS rules (https everywhere unless loopback is allowed).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

use crate::cloud::Cloud;
use crate::secret::Secret;

/// The Logs Ingestion API version this client speaks.
pub const API_VERSION: &str = "2023-01-01";

/// Errors in the connection settings. Every message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The config file is not valid JSON or has an unknown key.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file (or `<string>`).
        path: PathBuf,
        /// What serde said (never contains values of secret keys).
        message: String,
    },
    /// A required value is missing.
    #[error("missing {what}: {hint}")]
    Missing {
        /// The value.
        what: &'static str,
        /// Where it comes from.
        hint: &'static str,
    },
    /// A value is malformed.
    #[error("invalid {what} {value:?}: {hint}")]
    Invalid {
        /// The setting.
        what: &'static str,
        /// The offending value (never a secret).
        value: String,
        /// What to change.
        hint: String,
    },
    /// The CA certificate file could not be used.
    #[error("CA certificate {path}: {message}")]
    CaCert {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// How the client obtains its access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// Client secret if one is configured, else workload identity if a federated token file is,
    /// else App Service managed identity if `IDENTITY_ENDPOINT` is set.
    #[default]
    Auto,
    /// Client credentials with a client secret (what a CCF connector page hands out).
    ClientSecret,
    /// Managed identity (IMDS on VMs, `IDENTITY_ENDPOINT` on App Service / Functions).
    ManagedIdentity,
    /// Workload identity: a federated token file exchanged as a client assertion.
    WorkloadIdentity,
    /// The token of the signed-in Azure CLI (`az account get-access-token`).
    AzureCli,
}

impl AuthMethod {
    /// Parses `auto`, `client_secret`, `managed_identity`, `workload_identity`, `azure_cli`.
    pub fn parse(name: &str) -> Option<AuthMethod> {
        match name.to_ascii_lowercase().replace('-', "_").as_str() {
            "auto" => Some(AuthMethod::Auto),
            "client_secret" | "secret" => Some(AuthMethod::ClientSecret),
            "managed_identity" | "msi" => Some(AuthMethod::ManagedIdentity),
            "workload_identity" => Some(AuthMethod::WorkloadIdentity),
            "azure_cli" | "az" | "cli" => Some(AuthMethod::AzureCli),
            _ => None,
        }
    }
}

/// Everything the client needs to reach one DCR stream.
///
/// Build it from a connector-page JSON file ([`Config::from_json_file`]), from the environment
/// ([`Config::apply_env`]) or field by field; then [`Config::validate`] it.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Directory (tenant) id.
    pub tenant_id: Option<String>,
    /// Application (client) id.
    pub client_id: Option<String>,
    /// Client secret value (not the secret's id).
    pub client_secret: Option<Secret>,
    /// Logs ingestion endpoint (DCE URI or the DCR's own endpoint).
    pub dce_uri: Option<String>,
    /// DCR immutable id (`dcr-…`).
    pub dcr_immutable_id: Option<String>,
    /// Stream declaration name (`Custom-…`).
    pub stream_name: Option<String>,
    /// Credential flow.
    pub auth: AuthMethod,
    /// Cloud preset for authority and scope.
    pub cloud: Cloud,
    /// Overrides the cloud's Entra authority host.
    pub authority_host: Option<String>,
    /// Overrides the cloud's token scope (`…/.default`).
    pub scope: Option<String>,
    /// Workload identity: the federated token file.
    pub federated_token_file: Option<PathBuf>,
    /// Managed identity endpoint (`IDENTITY_ENDPOINT`); IMDS when absent.
    pub identity_endpoint: Option<String>,
    /// Header value for `identity_endpoint` (`IDENTITY_HEADER`).
    pub identity_header: Option<Secret>,
    /// Extra PEM CA certificate(s) to trust (e.g. the emulator's).
    pub ca_cert_file: Option<PathBuf>,
    /// Extra PEM CA certificate(s) given inline (tests, embedding applications).
    pub ca_cert_pem: Option<Vec<u8>>,
    /// Allow plain `http://` to loopback hosts (emulator tests only).
    pub allow_http_loopback: bool,
}

/// The keys accepted in a config file: the seed client's names plus common aliases.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(alias = "tenantId", alias = "AZURE_TENANT_ID")]
    tenant_id: Option<String>,
    #[serde(
        alias = "client_id",
        alias = "clientId",
        alias = "applicationId",
        alias = "app_id"
    )]
    application_id: Option<String>,
    #[serde(
        alias = "client_secret",
        alias = "clientSecret",
        alias = "applicationSecret"
    )]
    application_secret: Option<String>,
    // A Direct DCR has no DCE: its own `endpoints.logsIngestion` takes the DCE's place.
    #[serde(
        alias = "dce_uri",
        alias = "dceUri",
        alias = "dceEndpoint",
        alias = "endpoint",
        alias = "logs_ingestion_endpoint",
        alias = "logsIngestion",
        alias = "logsIngestionEndpoint"
    )]
    dce_endpoint: Option<String>,
    #[serde(alias = "dcrImmutableId", alias = "rule_id", alias = "dcr_id")]
    dcr_immutable_id: Option<String>,
    #[serde(alias = "streamName", alias = "stream")]
    stream_name: Option<String>,
    auth: Option<String>,
    cloud: Option<String>,
    #[serde(alias = "authorityHost")]
    authority_host: Option<String>,
    scope: Option<String>,
    federated_token_file: Option<PathBuf>,
    identity_endpoint: Option<String>,
    #[serde(alias = "ca_cert", alias = "ca_file", alias = "caCertFile")]
    ca_cert_file: Option<PathBuf>,
    allow_http_loopback: Option<bool>,
}

impl Config {
    /// Reads a connector config JSON file (the seed client's `connector_config.json` keys
    /// `tenant_id, application_id, application_secret, dce_endpoint, dcr_immutable_id,
    /// stream_name`, or `client_id` / `client_secret` / `dce_uri`).
    ///
    /// A relative `ca_cert_file` / `federated_token_file` is resolved against the file's directory.
    pub fn from_json_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Config::from_json_str(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.to_owned(),
                message,
            },
            other => other,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [&mut config.ca_cert_file, &mut config.federated_token_file]
            .into_iter()
            .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    /// Parses connector config JSON (see [`Config::from_json_file`]).
    pub fn from_json_str(text: &str) -> Result<Config, ConfigError> {
        let file: ConfigFile = serde_json::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::from("<string>"),
            // serde_json messages quote keys and positions, never the values of string fields.
            message: e.to_string(),
        })?;
        let auth = match file.auth.as_deref() {
            None => AuthMethod::Auto,
            Some(name) => AuthMethod::parse(name).ok_or_else(|| ConfigError::Invalid {
                what: "auth",
                value: name.to_owned(),
                hint: "use auto, client_secret, managed_identity, workload_identity or azure_cli"
                    .into(),
            })?,
        };
        let cloud = match file.cloud.as_deref() {
            None => Cloud::Public,
            Some(name) => Cloud::parse(name).ok_or_else(|| ConfigError::Invalid {
                what: "cloud",
                value: name.to_owned(),
                hint: "use public, usgov or china".into(),
            })?,
        };
        Ok(Config {
            tenant_id: non_empty(file.tenant_id),
            client_id: non_empty(file.application_id),
            client_secret: non_empty(file.application_secret).map(Secret::new),
            dce_uri: non_empty(file.dce_endpoint),
            dcr_immutable_id: non_empty(file.dcr_immutable_id),
            stream_name: non_empty(file.stream_name),
            auth,
            cloud,
            authority_host: non_empty(file.authority_host),
            scope: non_empty(file.scope),
            federated_token_file: file.federated_token_file,
            identity_endpoint: non_empty(file.identity_endpoint),
            identity_header: None,
            ca_cert_file: file.ca_cert_file,
            ca_cert_pem: None,
            allow_http_loopback: file.allow_http_loopback.unwrap_or(false),
        })
    }

    /// Fills settings that are still unset from environment variables: `AZURE_TENANT_ID`,
    /// `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_AUTHORITY_HOST`,
    /// `AZURE_FEDERATED_TOKEN_FILE`, `IDENTITY_ENDPOINT`, `IDENTITY_HEADER`, and ccfgen's own
    /// `CCFGEN_DCE_URI`, `CCFGEN_DCR_IMMUTABLE_ID`, `CCFGEN_STREAM_NAME`, `CCFGEN_SCOPE`,
    /// `CCFGEN_CLOUD`, `CCFGEN_CA_CERT`. Values already set (e.g. from a file) win.
    ///
    /// `lookup` is normally `|k| std::env::var(k).ok()`; tests pass a map.
    pub fn apply_env(
        &mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        fill(&mut self.tenant_id, get("AZURE_TENANT_ID"));
        fill(&mut self.client_id, get("AZURE_CLIENT_ID"));
        fill(
            &mut self.client_secret,
            get("AZURE_CLIENT_SECRET").map(Secret::new),
        );
        fill(&mut self.authority_host, get("AZURE_AUTHORITY_HOST"));
        fill(
            &mut self.federated_token_file,
            get("AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from),
        );
        fill(&mut self.identity_endpoint, get("IDENTITY_ENDPOINT"));
        fill(
            &mut self.identity_header,
            get("IDENTITY_HEADER").map(Secret::new),
        );
        fill(&mut self.dce_uri, get("CCFGEN_DCE_URI"));
        fill(&mut self.dcr_immutable_id, get("CCFGEN_DCR_IMMUTABLE_ID"));
        fill(&mut self.stream_name, get("CCFGEN_STREAM_NAME"));
        fill(&mut self.scope, get("CCFGEN_SCOPE"));
        fill(
            &mut self.ca_cert_file,
            get("CCFGEN_CA_CERT").map(PathBuf::from),
        );
        if let Some(name) = get("CCFGEN_CLOUD") {
            self.cloud = Cloud::parse(&name).ok_or_else(|| ConfigError::Invalid {
                what: "CCFGEN_CLOUD",
                value: name,
                hint: "use public, usgov or china".into(),
            })?;
        }
        Ok(())
    }

    /// Checks the settings and derives the URLs the client uses.
    pub fn validate(&self) -> Result<Endpoints, ConfigError> {
        let dce = self.dce_uri.as_deref().ok_or(ConfigError::Missing {
            what: "dce_uri",
            hint: "copy the DCE URI (logs ingestion endpoint) from the connector page",
        })?;
        let dcr = self
            .dcr_immutable_id
            .as_deref()
            .ok_or(ConfigError::Missing {
                what: "dcr_immutable_id",
                hint: "copy the DCR immutable ID (dcr-…) from the connector page",
            })?;
        let stream = self.stream_name.as_deref().ok_or(ConfigError::Missing {
            what: "stream_name",
            hint: "copy the stream name (Custom-…) from the connector page",
        })?;
        let base = self.checked_url("dce_uri", dce)?;
        let mut ingest = base.clone();
        ingest
            .path_segments_mut()
            .map_err(|()| ConfigError::Invalid {
                what: "dce_uri",
                value: dce.to_owned(),
                hint: "must be an absolute https URL".into(),
            })?
            .pop_if_empty()
            .extend(["dataCollectionRules", dcr, "streams", stream]);
        ingest
            .query_pairs_mut()
            .append_pair("api-version", API_VERSION);

        let authority_text = self
            .authority_host
            .as_deref()
            .unwrap_or(self.cloud.authority_host());
        let authority = self.checked_url("authority_host", authority_text)?;
        let scope = self
            .scope
            .clone()
            .unwrap_or_else(|| self.cloud.scope().to_owned());
        if !scope.ends_with("/.default") {
            return Err(ConfigError::Invalid {
                what: "scope",
                value: scope,
                hint: "a client-credentials scope is `<resource>/.default`, e.g. https://monitor.azure.com/.default".into(),
            });
        }
        Ok(Endpoints {
            ingest,
            authority,
            scope,
        })
    }

    /// Reads the extra CA certificates (file and inline), if any, as PEM bytes.
    pub fn ca_pem(&self) -> Result<Vec<Vec<u8>>, ConfigError> {
        let mut out = Vec::new();
        if let Some(path) = &self.ca_cert_file {
            let pem = std::fs::read(path).map_err(|e| ConfigError::CaCert {
                path: path.clone(),
                message: e.to_string(),
            })?;
            out.push(pem);
        }
        if let Some(pem) = &self.ca_cert_pem {
            out.push(pem.clone());
        }
        Ok(out)
    }

    fn checked_url(&self, what: &'static str, text: &str) -> Result<Url, ConfigError> {
        let url = Url::parse(text.trim()).map_err(|e| ConfigError::Invalid {
            what,
            value: text.to_owned(),
            hint: format!("not an absolute URL ({e})"),
        })?;
        match url.scheme() {
            "https" => Ok(url),
            "http" if self.allow_http_loopback && is_loopback(&url) => Ok(url),
            "http" => Err(ConfigError::Invalid {
                what,
                value: text.to_owned(),
                hint: if is_loopback(&url) {
                    "plain http is refused; use https, or set allow_http_loopback for a local emulator".into()
                } else {
                    "use https:// (tokens and data are never sent over plain http)".into()
                },
            }),
            other => Err(ConfigError::Invalid {
                what,
                value: text.to_owned(),
                hint: format!("unsupported scheme {other}; use https://"),
            }),
        }
    }
}

/// URLs derived from a validated [`Config`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// `{dce}/dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01`, path-escaped.
    pub ingest: Url,
    /// Entra authority host.
    pub authority: Url,
    /// Token scope.
    pub scope: String,
}

/// Whether a URL's host is a loopback address or `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const SEED: &str = r#"{
      "tenant_id": "72f988bf-0000-0000-0000-000000000000",
      "application_id": "11111111-2222-3333-4444-555555555555",
      "application_secret": "abc~DEF.secret",
      "dce_endpoint": "https://my-dce.eastus-1.ingest.monitor.azure.com",
      "dcr_immutable_id": "dcr-0123456789abcdef0123456789abcdef",
      "stream_name": "Custom-cveBusterVulnerabilities"
    }"#;

    #[test]
    fn seed_keys_are_accepted_and_urls_derived() {
        let c = Config::from_json_str(SEED).unwrap();
        assert_eq!(
            c.client_id.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(c.client_secret.as_ref().unwrap().expose(), "abc~DEF.secret");
        let e = c.validate().unwrap();
        assert_eq!(
            e.ingest.as_str(),
            "https://my-dce.eastus-1.ingest.monitor.azure.com/dataCollectionRules/dcr-0123456789abcdef0123456789abcdef/streams/Custom-cveBusterVulnerabilities?api-version=2023-01-01"
        );
        assert_eq!(e.scope, "https://monitor.azure.com/.default");
        assert_eq!(e.authority.as_str(), "https://login.microsoftonline.com/");
        assert!(!format!("{c:?}").contains("abc~DEF"));
    }

    /// A Direct DCR (no data collection endpoint): the DCR's own logs ingestion endpoint, as
    /// its `endpoints.logsIngestion` names it, is the base of the ingestion URL.
    #[test]
    fn a_direct_dcr_endpoint_is_accepted() {
        let c = Config::from_json_str(
            r#"{"client_id":"a","client_secret":"b","logsIngestion":"https://woodgrove-dcr-a1b2.eastus-1.ingest.monitor.azure.com","dcr_immutable_id":"dcr-0123456789abcdef0123456789abcdef","stream_name":"Custom-WoodgroveSignIns"}"#,
        )
        .unwrap();
        let e = c.validate().unwrap();
        assert_eq!(
            e.ingest.as_str(),
            "https://woodgrove-dcr-a1b2.eastus-1.ingest.monitor.azure.com/dataCollectionRules/dcr-0123456789abcdef0123456789abcdef/streams/Custom-WoodgroveSignIns?api-version=2023-01-01"
        );
    }

    #[test]
    fn aliases_and_escaping() {
        let c = Config::from_json_str(
            r#"{"client_id":"a","client_secret":"b","dce_uri":"https://h/base/","dcr_immutable_id":"dcr-1/x","stream_name":"Custom-A B?"}"#,
        )
        .unwrap();
        let e = c.validate().unwrap();
        assert_eq!(
            e.ingest.as_str(),
            "https://h/base/dataCollectionRules/dcr-1%2Fx/streams/Custom-A%20B%3F?api-version=2023-01-01"
        );
    }

    #[test]
    fn unknown_key_is_an_error_without_echoing_values() {
        let err = Config::from_json_str(r#"{"application_secrte":"hunter2"}"#).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("application_secrte"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn clouds_and_overrides() {
        let mut c = Config::from_json_str(SEED).unwrap();
        c.cloud = Cloud::UsGovernment;
        let e = c.validate().unwrap();
        assert_eq!(e.scope, "https://monitor.azure.us/.default");
        assert_eq!(e.authority.host_str(), Some("login.microsoftonline.us"));
        c.cloud = Cloud::China;
        assert_eq!(
            c.validate().unwrap().scope,
            "https://monitor.azure.cn/.default"
        );
        c.scope = Some("https://monitor.azure.com//.default".into());
        c.authority_host = Some("https://127.0.0.1:8443".into());
        let e = c.validate().unwrap();
        assert_eq!(e.scope, "https://monitor.azure.com//.default");
        assert_eq!(e.authority.port(), Some(8443));
        c.scope = Some("https://monitor.azure.com".into());
        assert!(matches!(
            c.validate(),
            Err(ConfigError::Invalid { what: "scope", .. })
        ));
        assert_eq!(Cloud::parse("AzureUSGovernment"), Some(Cloud::UsGovernment));
        assert_eq!(Cloud::parse("azure-china-cloud"), Some(Cloud::China));
    }

    #[test]
    fn http_only_for_loopback_with_flag() {
        let mut c = Config::from_json_str(SEED).unwrap();
        c.dce_uri = Some("http://127.0.0.1:9000".into());
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("allow_http_loopback"), "{err}");
        c.allow_http_loopback = true;
        c.validate().unwrap();
        c.dce_uri = Some("http://example.com".into());
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("use https"), "{err}");
    }

    #[test]
    fn env_fills_missing_values_only() {
        let env: BTreeMap<&str, &str> = [
            ("AZURE_TENANT_ID", "env-tenant"),
            ("AZURE_CLIENT_SECRET", "env-secret"),
            ("CCFGEN_STREAM_NAME", "Custom-Env"),
            ("CCFGEN_CLOUD", "china"),
        ]
        .into_iter()
        .collect();
        let mut c = Config::from_json_str(r#"{"tenant_id":"file-tenant"}"#).unwrap();
        c.apply_env(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.tenant_id.as_deref(), Some("file-tenant"));
        assert_eq!(c.client_secret.unwrap().expose(), "env-secret");
        assert_eq!(c.stream_name.as_deref(), Some("Custom-Env"));
        assert_eq!(c.cloud, Cloud::China);
    }

    #[test]
    fn missing_values_say_where_to_find_them() {
        let c = Config::default();
        let msg = c.validate().unwrap_err().to_string();
        assert!(msg.contains("connector page"), "{msg}");
    }
}
