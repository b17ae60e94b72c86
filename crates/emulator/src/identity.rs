//! The emulated tenant's identifiers (tenant id, application id and secret, one immutable id
//! per DCR), kept in a file beside the state database so that a restarted emulator keeps
//! accepting the connector config written by the previous start.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::ids;

/// Persisted identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Directory (tenant) id.
    pub tenant_id: String,
    /// Application (client) id granted on every DCR.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// Immutable id per DCR name.
    pub dcrs: BTreeMap<String, String>,
}

impl Identity {
    /// Loads `path`, or generates new identifiers; adds an immutable id for every DCR in
    /// `dcr_names` that has none yet and saves the file (mode 0600) when it changed.
    pub fn load_or_create<'a>(
        path: &Path,
        dcr_names: impl IntoIterator<Item = &'a str>,
    ) -> Result<Identity, Error> {
        let existing = match std::fs::read_to_string(path) {
            Ok(text) => Some(serde_json::from_str::<Identity>(&text).map_err(|source| {
                Error::NotIdentity {
                    path: path.to_owned(),
                    source,
                }
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(Error::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let mut identity = existing.clone().unwrap_or_else(|| Identity {
            tenant_id: ids::guid(),
            client_id: ids::guid(),
            client_secret: ids::client_secret(),
            dcrs: BTreeMap::new(),
        });
        for name in dcr_names {
            identity
                .dcrs
                .entry(name.to_owned())
                .or_insert_with(ids::dcr_id);
        }
        if existing.as_ref() != Some(&identity) {
            let text =
                serde_json::to_string_pretty(&identity).expect("an identity serializes") + "\n";
            crate::connection::write_private(path, text.as_bytes())?;
        }
        Ok(identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_survive_a_restart_and_new_dcrs_are_added() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.identity.json");
        let first = Identity::load_or_create(&path, ["A"]).unwrap();
        let again = Identity::load_or_create(&path, ["A"]).unwrap();
        assert_eq!(first, again);
        let more = Identity::load_or_create(&path, ["A", "B"]).unwrap();
        assert_eq!(more.dcrs["A"], first.dcrs["A"]);
        assert!(more.dcrs["B"].starts_with("dcr-"));
        assert_eq!(more.client_secret, first.client_secret);
        assert_eq!(ccfgen_base::private_file::too_open(&path).unwrap(), None);
    }
}
