//! The push configuration form: the six connector-page values plus cloud, authority and CA
//! file, checked field by field as the user types (each message says what to change), and
//! the `connector_config.json` they make — the same bytes `ccfgen emulate` writes for the same
//! values ([`ccfgen_push::connector_file`]). A saved secret is never sent back: the page only
//! learns that one is saved, and an empty secret field keeps it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ccfgen_push::connector_file::ConnectorFile;
use ccfgen_push::{Cloud, Config};
use serde::{Deserialize, Serialize};

/// The form's values as the page sends them (every field a string, empty when blank).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct Form {
    /// Tenant ID.
    pub tenant_id: String,
    /// Application ID.
    pub application_id: String,
    /// Application secret; never serialized back to the page.
    #[serde(skip_serializing)]
    pub application_secret: String,
    /// Data collection endpoint URI.
    pub dce_endpoint: String,
    /// DCR immutable ID.
    pub dcr_immutable_id: String,
    /// Stream name.
    pub stream_name: String,
    /// `public`, `usgov` or `china`.
    pub cloud: String,
    /// Authority host override.
    pub authority_host: String,
    /// Extra CA certificate file.
    pub ca_file: String,
}

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Form")
            .field("tenant_id", &self.tenant_id)
            .field("application_id", &self.application_id)
            .field("application_secret", &"<redacted>")
            .field("dce_endpoint", &self.dce_endpoint)
            .field("dcr_immutable_id", &self.dcr_immutable_id)
            .field("stream_name", &self.stream_name)
            .field("cloud", &self.cloud)
            .field("authority_host", &self.authority_host)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// Field name → what is wrong with it and how to fix it.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// What the page may know about a saved file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Saved {
    /// The values, the secret left out.
    pub values: Form,
    /// Whether the file holds a secret.
    pub secret_saved: bool,
}

/// Why the form cannot be saved or a file read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFormError {
    /// Some fields are wrong.
    #[error("{} field(s) need a change before saving", .0.len())]
    Fields(FieldErrors),
    /// The saved file cannot be read.
    #[error("{0}")]
    Read(String),
    /// The file cannot be written.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_domain(s: &str) -> bool {
    s.contains('.')
        && s.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn url_problem(value: &str, what: &str, loopback_http: bool) -> Option<String> {
    let url = match url::Url::parse(value.trim()) {
        Ok(u) => u,
        Err(e) => {
            return Some(format!(
                "{what} must be an absolute URL such as https://…: {e}"
            ));
        }
    };
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => None,
        "http" if loopback && loopback_http => None,
        "http" => Some(format!(
            "{what} must use https:// (tokens and records are never sent over plain http)"
        )),
        other => Some(format!("{what} has the scheme {other}: use https://")),
    }
}

impl Form {
    /// The problems of each field. `secret_saved`: a secret is already saved (an empty
    /// secret field keeps it); `streams`: the streams of the shown solution, if known;
    /// `base`: the folder a relative `ca_file` is resolved against.
    pub fn check(&self, secret_saved: bool, streams: &[String], base: &Path) -> FieldErrors {
        let mut e = FieldErrors::new();
        let t = self.tenant_id.trim();
        if t.is_empty() {
            e.insert(
                "tenant_id",
                "required: the Tenant ID (Directory ID) the connector page shows".into(),
            );
        } else if !is_guid(t) && !is_domain(t) {
            e.insert("tenant_id", "a tenant is a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47 (or a domain such as contoso.onmicrosoft.com)".into());
        }
        let a = self.application_id.trim();
        if a.is_empty() {
            e.insert(
                "application_id",
                "required: the Entra App Registration Application ID the connector page shows"
                    .into(),
            );
        } else if !is_guid(a) {
            e.insert(
                "application_id",
                "an application (client) ID is a GUID such as 00000000-0000-0000-0000-000000000000"
                    .into(),
            );
        }
        let s = &self.application_secret;
        if s.is_empty() {
            if !secret_saved {
                e.insert("application_secret", "required: the Entra App Registration Secret the connector page shows after Deploy".into());
            }
        } else if s.trim() != s {
            e.insert("application_secret", "the secret starts or ends with a space: copy it again without the surrounding blanks".into());
        } else if is_guid(s) {
            e.insert("application_secret", "this is a GUID: that is the secret's ID, not its value (AADSTS7000215). Copy the secret's Value".into());
        }
        let d = self.dce_endpoint.trim();
        if d.is_empty() {
            e.insert(
                "dce_endpoint",
                "required: the Data Collection Endpoint Uri the connector page shows".into(),
            );
        } else if let Some(p) = url_problem(d, "the endpoint", false) {
            e.insert("dce_endpoint", p);
        } else if d.to_ascii_lowercase().contains("/datacollectionrules") {
            e.insert("dce_endpoint", "give only the endpoint (https://<name>.<region>.ingest.monitor.azure.com), not the full ingestion URL".into());
        }
        let r = self.dcr_immutable_id.trim();
        if r.is_empty() {
            e.insert(
                "dcr_immutable_id",
                "required: the Data Collection Rule Immutable ID (dcr-…) the connector page shows"
                    .into(),
            );
        } else if !r.starts_with("dcr-")
            || r.len() != 36
            || !r[4..].chars().all(|c| c.is_ascii_hexdigit())
        {
            e.insert("dcr_immutable_id", "an immutable ID is dcr- followed by 32 hexadecimal digits (not the DCR's name or resource ID)".into());
        }
        let st = self.stream_name.trim();
        if st.is_empty() {
            e.insert(
                "stream_name",
                "required: the Stream Name the connector page shows (Custom-…)".into(),
            );
        } else if !st.starts_with("Custom-") && !st.starts_with("Microsoft-") {
            e.insert(
                "stream_name",
                "a DCR input stream is named Custom-<name> (the connector page's Stream Name)"
                    .into(),
            );
        } else if !streams.is_empty() && !streams.iter().any(|k| k == st) {
            e.insert(
                "stream_name",
                format!(
                    "not a stream of this solution's DCRs: {}",
                    streams.join(", ")
                ),
            );
        }
        if !self.cloud.is_empty() && Cloud::parse(&self.cloud).is_none() {
            e.insert("cloud", "choose public, usgov or china".into());
        }
        let h = self.authority_host.trim();
        if !h.is_empty()
            && let Some(p) = url_problem(h, "the authority host", false)
        {
            e.insert("authority_host", p);
        }
        let c = self.ca_file.trim();
        if !c.is_empty() {
            let path = base.join(c);
            match std::fs::read(&path) {
                Err(err) => {
                    e.insert("ca_file", format!("cannot read {}: {err}", path.display()));
                }
                Ok(bytes)
                    if !bytes
                        .windows(27)
                        .any(|w| w == b"-----BEGIN CERTIFICATE-----") =>
                {
                    e.insert(
                        "ca_file",
                        "not a PEM certificate file (no BEGIN CERTIFICATE)".into(),
                    );
                }
                Ok(_) => {}
            }
        }
        e
    }

    /// The file these values make; `saved_secret` is used when the secret field is empty.
    pub fn file(&self, saved_secret: Option<&str>) -> ConnectorFile {
        let secret = if self.application_secret.is_empty() {
            saved_secret.unwrap_or_default().to_string()
        } else {
            self.application_secret.clone()
        };
        let opt = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        let cloud = match Cloud::parse(self.cloud.trim()) {
            None | Some(Cloud::Public) => None,
            Some(_) => opt(&self.cloud.to_ascii_lowercase()),
        };
        ConnectorFile {
            tenant_id: self.tenant_id.trim().to_string(),
            application_id: self.application_id.trim().to_string(),
            application_secret: secret,
            dce_endpoint: self.dce_endpoint.trim().to_string(),
            dcr_immutable_id: self.dcr_immutable_id.trim().to_string(),
            stream_name: self.stream_name.trim().to_string(),
            authority_host: opt(&self.authority_host),
            ca_file: opt(&self.ca_file),
            cloud,
            allow_http_loopback: false,
        }
    }

    /// The push client's configuration for these values (what `push --config` would read
    /// from the saved file), the CA file resolved against `base`.
    pub fn config(&self, saved_secret: Option<&str>, base: &Path) -> Result<Config, String> {
        let mut config =
            Config::from_json_str(&self.file(saved_secret).to_text()).map_err(|e| e.to_string())?;
        if let Some(ca) = &mut config.ca_cert_file
            && ca.is_relative()
        {
            *ca = base.join(&*ca);
        }
        Ok(config)
    }
}

/// Reads a saved connector config: its values without the secret, and the secret itself
/// (for the server only). A missing file reads as empty.
pub fn read(path: &Path) -> Result<(Saved, Option<String>), ConfigFormError> {
    if !path.exists() {
        return Ok((
            Saved {
                values: Form {
                    cloud: "public".into(),
                    ..Form::default()
                },
                secret_saved: false,
            },
            None,
        ));
    }
    let config = Config::from_json_file(path).map_err(|e| ConfigFormError::Read(e.to_string()))?;
    // The file's own spelling of the CA path (from_json_file resolves it).
    let raw: serde_json::Value = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let ca_file = ["ca_file", "ca_cert_file", "ca_cert", "caCertFile"]
        .iter()
        .find_map(|k| raw.get(*k).and_then(|v| v.as_str()))
        .unwrap_or_default()
        .to_string();
    let secret = config
        .client_secret
        .as_ref()
        .map(|s| s.expose().to_string());
    let values = Form {
        tenant_id: config.tenant_id.unwrap_or_default(),
        application_id: config.client_id.unwrap_or_default(),
        application_secret: String::new(),
        dce_endpoint: config.dce_uri.unwrap_or_default(),
        dcr_immutable_id: config.dcr_immutable_id.unwrap_or_default(),
        stream_name: config.stream_name.unwrap_or_default(),
        cloud: cloud_name(config.cloud).into(),
        authority_host: config.authority_host.unwrap_or_default(),
        ca_file,
    };
    Ok((
        Saved {
            values,
            secret_saved: secret.is_some(),
        },
        secret,
    ))
}

fn cloud_name(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "public",
        Cloud::UsGovernment => "usgov",
        Cloud::China => "china",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Form {
        Form {
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            application_id: "00000000-0000-0000-0000-0000000000d4".into(),
            application_secret: "abc~def".into(),
            dce_endpoint: "https://x.westeurope-1.ingest.monitor.azure.com".into(),
            dcr_immutable_id: "dcr-0123456789abcdef0123456789abcdef".into(),
            stream_name: "Custom-X".into(),
            cloud: "public".into(),
            ..Form::default()
        }
    }

    #[test]
    fn good_values_pass() {
        assert_eq!(good().check(false, &[], Path::new(".")), FieldErrors::new());
    }

    #[test]
    fn each_field_says_what_to_change() {
        let f = Form {
            tenant_id: "nope".into(),
            application_secret: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            dce_endpoint: "http://x.ingest.monitor.azure.com".into(),
            dcr_immutable_id: "myDcr".into(),
            stream_name: "Custom-Y".into(),
            ..good()
        };
        let e = f.check(false, &["Custom-X".into()], Path::new("."));
        assert!(e["tenant_id"].contains("GUID"));
        assert!(e["application_secret"].contains("secret's ID"));
        assert!(e["dce_endpoint"].contains("https"));
        assert!(e["dcr_immutable_id"].contains("dcr-"));
        assert!(e["stream_name"].contains("Custom-X"));
    }

    #[test]
    fn an_empty_secret_keeps_the_saved_one() {
        let f = Form {
            application_secret: String::new(),
            ..good()
        };
        assert!(
            !f.check(true, &[], Path::new("."))
                .contains_key("application_secret")
        );
        assert!(
            f.check(false, &[], Path::new("."))
                .contains_key("application_secret")
        );
        assert_eq!(f.file(Some("kept")).application_secret, "kept");
    }

    #[test]
    fn the_secret_is_never_serialized_for_the_page() {
        let text = serde_json::to_string(&good()).unwrap();
        assert!(!text.contains("abc~def"), "{text}");
        assert!(!format!("{:?}", good()).contains("abc~def"));
    }

    #[test]
    fn the_file_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, good().file(None).to_text()).unwrap();
        let (saved, secret) = read(&path).unwrap();
        assert!(saved.secret_saved);
        assert_eq!(secret.as_deref(), Some("abc~def"));
        assert_eq!(saved.values.application_secret, "");
        assert_eq!(saved.values.tenant_id, good().tenant_id);
        assert!(good().config(None, dir.path()).unwrap().validate().is_ok());
    }
}
