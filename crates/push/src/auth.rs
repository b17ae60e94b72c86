//! Credential flows that produce an access token for the Logs Ingestion API: client secret
//! (the CCF path), workload identity, managed identity and the Azure CLI; plus the mapping of
//! Entra `AADSTS` codes to messages that say what to change.
//!
//! The flows are implemented directly on the crate's one `reqwest` client instead of through
//! `azure_identity`; `NOTES.md` in this crate records why.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use url::Url;

use crate::config::{AuthMethod, Config, ConfigError, Endpoints};
use crate::retry::TransportError;
use crate::secret::Secret;

/// How long the Azure CLI may take to print a token.
const CLI_TIMEOUT: Duration = Duration::from_secs(60);
/// The managed identity endpoint on Azure VMs.
const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

/// An access token and when it expires.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The bearer token.
    pub token: Secret,
    /// When the token was obtained.
    pub obtained: Instant,
    /// When it expires.
    pub expires: Instant,
}

impl AccessToken {
    /// The instant after which the token should be replaced: ahead of expiry by 5 minutes or by
    /// 10% of its lifetime, whichever margin is smaller.
    pub fn refresh_at(&self) -> Instant {
        let lifetime = self.expires.saturating_duration_since(self.obtained);
        let margin = (lifetime / 10).min(Duration::from_secs(300));
        self.expires - margin
    }
}

/// Why no token could be obtained.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Entra (or a managed identity endpoint) refused the request.
    #[error("token request refused (HTTP {status}, {error}{code}): {hint}", code = code.map(|c| format!(", AADSTS{c}")).unwrap_or_default())]
    Refused {
        /// HTTP status.
        status: u16,
        /// The OAuth `error` field (`invalid_client`, …).
        error: String,
        /// The first `AADSTS` code, if any.
        code: Option<u32>,
        /// What to change (or the server's description when the code is unknown).
        hint: String,
    },
    /// The token endpoint could not be reached or answered garbage (retryable unless the
    /// fault is a certificate or DNS failure).
    #[error("token endpoint unreachable: {0}")]
    Transport(crate::retry::TransportError),
    /// The token endpoint is throttled or failing (retryable).
    #[error("token endpoint returned HTTP {status}; will retry")]
    Unavailable {
        /// HTTP status.
        status: u16,
        /// `Retry-After` hint.
        retry_after: Option<Duration>,
    },
    /// The Azure CLI failed.
    #[error("azure cli: {0}")]
    Cli(String),
    /// The workload identity token file could not be read.
    #[error("cannot read federated token file {path}: {message}")]
    TokenFile {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        message: String,
    },
}

impl AuthError {
    /// Whether retrying later may succeed (throttling, outage, network).
    pub fn is_transient(&self) -> bool {
        match self {
            AuthError::Transport(t) => t.fault.is_transient(),
            AuthError::Unavailable { .. } => true,
            _ => false,
        }
    }
}

/// What to tell the user for an `AADSTS` code.
pub fn aadsts_hint(code: u32) -> Option<&'static str> {
    Some(match code {
        7000215 => {
            "invalid client secret: paste the secret's *Value* (shown once when it was created), not its Secret ID; check for truncated characters such as `~`"
        }
        7000222 => {
            "the client secret has expired: create a new secret in the app registration (or redeploy the connector) and update client_secret"
        }
        700016 => {
            "application (client) id not found in this tenant: check client_id and tenant_id (wrong tenant, or the app registration was deleted)"
        }
        90002 => "tenant not found: check tenant_id (Directory ID) and the cloud setting",
        70011 => {
            "invalid scope: use `<resource>/.default`, e.g. https://monitor.azure.com/.default (or set the cloud: usgov, china)"
        }
        500011 => {
            "resource not found in the tenant: check the scope and the cloud setting (monitor.azure.com / .us / .cn)"
        }
        7000216 => "client_assertion or client_secret is required: configure client_secret",
        _ => return None,
    })
}

/// The credential flow chosen from a [`Config`].
#[derive(Debug, Clone)]
pub enum Credential {
    /// Client credentials with a secret.
    ClientSecret {
        /// Token endpoint `{authority}/{tenant}/oauth2/v2.0/token`.
        token_url: Url,
        /// Application id.
        client_id: String,
        /// Secret value.
        secret: Secret,
    },
    /// Client credentials with a federated token read from a file on every request.
    WorkloadIdentity {
        /// Token endpoint.
        token_url: Url,
        /// Application id.
        client_id: String,
        /// The projected service account token.
        token_file: std::path::PathBuf,
    },
    /// Managed identity.
    ManagedIdentity {
        /// IMDS or `IDENTITY_ENDPOINT`.
        endpoint: Url,
        /// `IDENTITY_HEADER` for App Service; `None` means IMDS (`Metadata: true`).
        identity_header: Option<Secret>,
        /// User-assigned identity client id.
        client_id: Option<String>,
    },
    /// `az account get-access-token`.
    AzureCli {
        /// `--tenant`, when configured.
        tenant_id: Option<String>,
    },
}

impl Credential {
    /// Chooses and checks the credential flow for `config`.
    pub fn from_config(config: &Config, endpoints: &Endpoints) -> Result<Credential, ConfigError> {
        let method = match config.auth {
            AuthMethod::Auto if config.client_secret.is_some() => AuthMethod::ClientSecret,
            AuthMethod::Auto if config.federated_token_file.is_some() => {
                AuthMethod::WorkloadIdentity
            }
            AuthMethod::Auto if config.identity_endpoint.is_some() => AuthMethod::ManagedIdentity,
            AuthMethod::Auto => {
                return Err(ConfigError::Missing {
                    what: "credential",
                    hint: "set client_secret (the connector page's application secret, or AZURE_CLIENT_SECRET), or choose auth = managed_identity / workload_identity / azure_cli",
                });
            }
            m => m,
        };
        let token_url = || -> Result<Url, ConfigError> {
            let tenant = config.tenant_id.as_deref().ok_or(ConfigError::Missing {
                what: "tenant_id",
                hint: "copy the tenant (directory) id from the connector page or set AZURE_TENANT_ID",
            })?;
            let mut url = endpoints.authority.clone();
            url.path_segments_mut()
                .map_err(|()| ConfigError::Invalid {
                    what: "authority_host",
                    value: endpoints.authority.to_string(),
                    hint: "must be an absolute https URL".into(),
                })?
                .pop_if_empty()
                .extend([tenant, "oauth2", "v2.0", "token"]);
            Ok(url)
        };
        let client_id = || {
            config.client_id.clone().ok_or(ConfigError::Missing {
                what: "client_id",
                hint: "copy the application (client) id from the connector page or set AZURE_CLIENT_ID",
            })
        };
        Ok(match method {
            AuthMethod::ClientSecret => Credential::ClientSecret {
                token_url: token_url()?,
                client_id: client_id()?,
                secret: config.client_secret.clone().ok_or(ConfigError::Missing {
                    what: "client_secret",
                    hint: "copy the application secret value from the connector page or set AZURE_CLIENT_SECRET",
                })?,
            },
            AuthMethod::WorkloadIdentity => Credential::WorkloadIdentity {
                token_url: token_url()?,
                client_id: client_id()?,
                token_file: config.federated_token_file.clone().ok_or(ConfigError::Missing {
                    what: "federated_token_file",
                    hint: "set AZURE_FEDERATED_TOKEN_FILE (injected by AKS workload identity)",
                })?,
            },
            AuthMethod::ManagedIdentity => {
                let text = config.identity_endpoint.as_deref().unwrap_or(IMDS_ENDPOINT);
                let endpoint = Url::parse(text).map_err(|e| ConfigError::Invalid {
                    what: "identity_endpoint",
                    value: text.to_owned(),
                    hint: format!("not an absolute URL ({e})"),
                })?;
                Credential::ManagedIdentity {
                    identity_header: config
                        .identity_endpoint
                        .as_ref()
                        .and(config.identity_header.clone()),
                    endpoint,
                    client_id: config.client_id.clone(),
                }
            }
            AuthMethod::AzureCli => Credential::AzureCli {
                tenant_id: config.tenant_id.clone(),
            },
            AuthMethod::Auto => unreachable!("resolved above"),
        })
    }

    /// A short name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::ClientSecret { .. } => "client_secret",
            Credential::WorkloadIdentity { .. } => "workload_identity",
            Credential::ManagedIdentity { .. } => "managed_identity",
            Credential::AzureCli { .. } => "azure_cli",
        }
    }

    /// Requests a new token for `scope`.
    pub async fn fetch(
        &self,
        http: &reqwest::Client,
        scope: &str,
    ) -> Result<AccessToken, AuthError> {
        match self {
            Credential::ClientSecret {
                token_url,
                client_id,
                secret,
            } => {
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    ("client_secret", secret.expose()),
                    ("scope", scope),
                ];
                post_form(http, token_url, &form).await
            }
            Credential::WorkloadIdentity {
                token_url,
                client_id,
                token_file,
            } => {
                let assertion = tokio::fs::read_to_string(token_file).await.map_err(|e| {
                    AuthError::TokenFile {
                        path: token_file.clone(),
                        message: e.to_string(),
                    }
                })?;
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", assertion.trim()),
                    ("scope", scope),
                ];
                post_form(http, token_url, &form).await
            }
            Credential::ManagedIdentity {
                endpoint,
                identity_header,
                client_id,
            } => managed_identity(http, endpoint, identity_header.as_ref(), client_id, scope).await,
            Credential::AzureCli { tenant_id } => azure_cli(tenant_id.as_deref(), scope).await,
        }
    }
}

/// A token response: Entra sends numbers, managed identity endpoints send strings.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<NumOrString>,
    #[serde(default)]
    expires_on: Option<NumOrString>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrString {
    Num(u64),
    Str(String),
}

impl NumOrString {
    fn get(&self) -> Option<u64> {
        match self {
            NumOrString::Num(n) => Some(*n),
            NumOrString::Str(s) => s.trim().parse().ok(),
        }
    }
}

/// Entra's error body.
#[derive(Deserialize, Default)]
struct EntraError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u32>,
}

fn token_from(resp: TokenResponse) -> AccessToken {
    let now = Instant::now();
    let lifetime = match (
        resp.expires_in.as_ref().and_then(NumOrString::get),
        resp.expires_on.as_ref().and_then(NumOrString::get),
    ) {
        (Some(secs), _) => Duration::from_secs(secs),
        (None, Some(epoch)) => {
            let now_epoch = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            Duration::from_secs(epoch.saturating_sub(now_epoch))
        }
        // No expiry given: assume a short lifetime so the token is refreshed early.
        (None, None) => Duration::from_secs(600),
    };
    AccessToken {
        token: Secret::new(resp.access_token),
        obtained: now,
        expires: now + lifetime,
    }
}

async fn post_form(
    http: &reqwest::Client,
    url: &Url,
    form: &[(&str, &str)],
) -> Result<AccessToken, AuthError> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let resp = http
        .post(url.clone())
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(|e| AuthError::Transport(TransportError::from_reqwest(&e)))?;
    read_token_response(resp).await
}

async fn managed_identity(
    http: &reqwest::Client,
    endpoint: &Url,
    identity_header: Option<&Secret>,
    client_id: &Option<String>,
    scope: &str,
) -> Result<AccessToken, AuthError> {
    let resource = scope.trim_end_matches("/.default");
    let mut url = endpoint.clone();
    {
        let mut q = url.query_pairs_mut();
        match identity_header {
            Some(_) => q.append_pair("api-version", "2019-08-01"),
            None => q.append_pair("api-version", "2018-02-01"),
        };
        q.append_pair("resource", resource);
        if let Some(id) = client_id {
            q.append_pair("client_id", id);
        }
    }
    let req = http.get(url);
    let req = match identity_header {
        Some(h) => req.header("X-IDENTITY-HEADER", h.expose()),
        None => req.header("Metadata", "true"),
    };
    let resp = req
        .send()
        .await
        .map_err(|e| AuthError::Transport(TransportError::from_reqwest(&e)))?;
    read_token_response(resp).await
}

async fn read_token_response(resp: reqwest::Response) -> Result<AccessToken, AuthError> {
    let status = resp.status().as_u16();
    let retry_after = crate::retry::retry_after(resp.headers(), SystemTime::now());
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| AuthError::Transport(TransportError::from_reqwest(&e)))?;
    if status == 200 {
        let parsed: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|e| AuthError::Transport(TransportError::transient(format!("token response is not a token ({e})"))))?;
        return Ok(token_from(parsed));
    }
    if status == 408 || status == 429 || status >= 500 {
        return Err(AuthError::Unavailable {
            status,
            retry_after,
        });
    }
    let err: EntraError = serde_json::from_slice(&bytes).unwrap_or_default();
    let code = err
        .error_codes
        .first()
        .copied()
        .or_else(|| parse_aadsts(&err.error_description));
    let hint = code
        .and_then(aadsts_hint)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let first_line = err.error_description.lines().next().unwrap_or("").trim();
            if first_line.is_empty() {
                "check tenant_id, client_id, client_secret and the cloud setting".to_owned()
            } else {
                first_line.to_owned()
            }
        });
    Err(AuthError::Refused {
        status,
        error: if err.error.is_empty() {
            "unknown_error".into()
        } else {
            err.error
        },
        code,
        hint,
    })
}

/// Finds `AADSTSnnnn` in a description.
fn parse_aadsts(text: &str) -> Option<u32> {
    let at = text.find("AADSTS")? + "AADSTS".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A transport error's message with its causes (URLs here never carry secrets).
pub(crate) fn transport_message(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[derive(Deserialize)]
struct CliToken {
    #[serde(rename = "accessToken")]
    access_token: String,
    #[serde(default)]
    expires_on: Option<u64>,
}

async fn azure_cli(tenant: Option<&str>, scope: &str) -> Result<AccessToken, AuthError> {
    let mut cmd = tokio::process::Command::new(if cfg!(windows) { "az.cmd" } else { "az" });
    cmd.args([
        "account",
        "get-access-token",
        "--output",
        "json",
        "--scope",
        scope,
    ]);
    if let Some(t) = tenant {
        cmd.args(["--tenant", t]);
    }
    cmd.kill_on_drop(true);
    let out = tokio::time::timeout(CLI_TIMEOUT, cmd.output())
        .await
        .map_err(|_| AuthError::Cli("`az account get-access-token` timed out".into()))?
        .map_err(|e| {
            AuthError::Cli(format!(
                "cannot run `az` ({e}); install the Azure CLI or choose another auth method"
            ))
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output");
        return Err(AuthError::Cli(format!(
            "`az account get-access-token` failed: {}; run `az login` first",
            line.trim()
        )));
    }
    let parsed: CliToken = serde_json::from_slice(&out.stdout)
        .map_err(|e| AuthError::Cli(format!("unexpected output of `az` ({e})")))?;
    Ok(token_from(TokenResponse {
        access_token: parsed.access_token,
        expires_in: None,
        expires_on: parsed.expires_on.map(NumOrString::Num),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_window_is_min_of_five_minutes_and_ten_percent() {
        let now = Instant::now();
        let t = |secs| AccessToken {
            token: Secret::new("t"),
            obtained: now,
            expires: now + Duration::from_secs(secs),
        };
        assert_eq!(t(3600).refresh_at(), now + Duration::from_secs(3300));
        assert_eq!(t(10).refresh_at(), now + Duration::from_secs(9));
    }

    #[test]
    fn aadsts_codes_are_found_in_descriptions() {
        assert_eq!(
            parse_aadsts("AADSTS7000215: Invalid client secret provided."),
            Some(7000215)
        );
        assert_eq!(parse_aadsts("nothing"), None);
        assert!(aadsts_hint(7000215).unwrap().contains("Secret ID"));
        assert!(aadsts_hint(7000222).unwrap().contains("expired"));
        assert!(aadsts_hint(700016).unwrap().contains("client_id"));
        assert!(aadsts_hint(90002).unwrap().contains("tenant_id"));
        assert!(aadsts_hint(70011).unwrap().contains("scope"));
        assert!(aadsts_hint(500011).unwrap().contains("scope"));
    }

    #[test]
    fn token_lifetime_from_strings_or_numbers() {
        let r: TokenResponse =
            serde_json::from_str(r#"{"access_token":"a","expires_in":"120"}"#).unwrap();
        let t = token_from(r);
        assert_eq!(t.expires - t.obtained, Duration::from_secs(120));
        let r: TokenResponse =
            serde_json::from_str(r#"{"access_token":"a","expires_in":3599,"token_type":"Bearer"}"#)
                .unwrap();
        let t = token_from(r);
        assert_eq!(t.expires - t.obtained, Duration::from_secs(3599));
    }

    #[test]
    fn credential_choice_and_token_url() {
        let mut c = Config::from_json_str(
            r#"{"tenant_id":"t-1","client_id":"c","dce_uri":"https://h","dcr_immutable_id":"dcr-1","stream_name":"Custom-X"}"#,
        )
        .unwrap();
        let e = c.validate().unwrap();
        assert!(Credential::from_config(&c, &e).is_err());
        c.client_secret = Some(Secret::new("s"));
        match Credential::from_config(&c, &e).unwrap() {
            Credential::ClientSecret { token_url, .. } => assert_eq!(
                token_url.as_str(),
                "https://login.microsoftonline.com/t-1/oauth2/v2.0/token"
            ),
            other => panic!("{other:?}"),
        }
        c.auth = AuthMethod::ManagedIdentity;
        match Credential::from_config(&c, &e).unwrap() {
            Credential::ManagedIdentity {
                endpoint,
                identity_header,
                ..
            } => {
                assert_eq!(endpoint.as_str(), IMDS_ENDPOINT);
                assert!(identity_header.is_none());
            }
            other => panic!("{other:?}"),
        }
    }
}
