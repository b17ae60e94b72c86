//! The values a CCF Push connector page shows, pointed at the emulator, and the ready
//! configuration file a push client can read.

use std::fmt;
use std::path::Path;

use crate::error::Error;

/// The six connector-page values plus where to get tokens, pointed at the emulator.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionValues {
    /// Tenant id.
    pub tenant_id: String,
    /// Application (client) id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// DCE URI (the emulator's base URL).
    pub dce_uri: String,
    /// DCR immutable id.
    pub dcr_immutable_id: String,
    /// Stream name.
    pub stream_name: String,
    /// Entra authority host (the emulator's base URL).
    pub authority_host: String,
    /// Scope to request.
    pub scope: String,
}

impl fmt::Debug for ConnectionValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionValues")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("dce_uri", &self.dce_uri)
            .field("dcr_immutable_id", &self.dcr_immutable_id)
            .field("stream_name", &self.stream_name)
            .field("authority_host", &self.authority_host)
            .field("scope", &self.scope)
            .finish()
    }
}

impl ConnectionValues {
    /// The connection file ([`ccfgen_push::connector_file`]): the connector seed's keys
    /// (`tenant_id`, `application_id`, `application_secret`, `dce_endpoint`,
    /// `dcr_immutable_id`, `stream_name`) plus `authority_host` and, in TLS mode, `ca_file`.
    pub fn file(&self, ca_file: Option<&Path>) -> ccfgen_push::connector_file::ConnectorFile {
        ccfgen_push::connector_file::ConnectorFile {
            tenant_id: self.tenant_id.clone(),
            application_id: self.client_id.clone(),
            application_secret: self.client_secret.clone(),
            dce_endpoint: self.dce_uri.clone(),
            dcr_immutable_id: self.dcr_immutable_id.clone(),
            stream_name: self.stream_name.clone(),
            authority_host: Some(self.authority_host.clone()),
            ca_file: ca_file.map(|p| p.display().to_string()),
            cloud: None,
            allow_http_loopback: false,
        }
    }

    /// [`ConnectionValues::file`] as JSON.
    pub fn to_json(&self, ca_file: Option<&Path>) -> serde_json::Value {
        self.file(ca_file).to_json()
    }
}

/// Writes `contents` to `path`, readable by the owner only (it may hold a secret).
pub(crate) fn write_private(path: &Path, contents: &[u8]) -> Result<(), Error> {
    ccfgen_base::private_file::write_private(path, contents).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}
