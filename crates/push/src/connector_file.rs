//! The connector config file (`connector_config.json`) as ccfgen writes it — `ccfgen emulate`
//! for its streams, `ccfgen studio` from its form — so both write the same bytes for the same
//! values. The keys are the connector seed's (`tenant_id`, `application_id`,
//! `application_secret`, `dce_endpoint`, `dcr_immutable_id`, `stream_name`) followed by the
//! optional `authority_host`, `ca_file`, `cloud` and `allow_http_loopback`; the push client's
//! [`Config`](crate::config::Config) reads them (and common aliases) back.

use serde::Serialize;

/// The values of a connector config file, in the order they are written.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConnectorFile {
    /// Directory (tenant) id.
    pub tenant_id: String,
    /// Application (client) id.
    pub application_id: String,
    /// Client secret value.
    pub application_secret: String,
    /// Logs ingestion endpoint (DCE URI).
    pub dce_endpoint: String,
    /// DCR immutable id.
    pub dcr_immutable_id: String,
    /// Stream name.
    pub stream_name: String,
    /// Entra authority host, when not the cloud's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority_host: Option<String>,
    /// Extra CA certificate file to trust (an emulator's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// Cloud preset (`usgov`, `china`), when not the public cloud.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    /// Allow plain `http://` to loopback (an emulator in plain HTTP mode).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_http_loopback: bool,
}

impl std::fmt::Debug for ConnectorFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorFile")
            .field("tenant_id", &self.tenant_id)
            .field("application_id", &self.application_id)
            .field("application_secret", &"<redacted>")
            .field("dce_endpoint", &self.dce_endpoint)
            .field("dcr_immutable_id", &self.dcr_immutable_id)
            .field("stream_name", &self.stream_name)
            .field("authority_host", &self.authority_host)
            .field("ca_file", &self.ca_file)
            .field("cloud", &self.cloud)
            .field("allow_http_loopback", &self.allow_http_loopback)
            .finish()
    }
}

impl ConnectorFile {
    /// The file as a JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The file's text: pretty-printed JSON and a final newline.
    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_keys_are_left_out() {
        let file = ConnectorFile {
            tenant_id: "t".into(),
            ..ConnectorFile::default()
        };
        let text = file.to_text();
        assert!(
            text.starts_with("{\n  \"tenant_id\": \"t\",\n  \"application_id\": \"\""),
            "{text}"
        );
        assert!(
            !text.contains("authority_host") && !text.contains("allow_http"),
            "{text}"
        );
        assert!(!format!("{file:?}").contains("application_secret: \"\""));
    }
}
