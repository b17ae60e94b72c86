//! The access tokens the emulated Entra has issued: what each stands for (tenant, client,
//! audience, expiry), looked up by the ingestion endpoint.

use std::collections::HashMap;
use std::time::Instant;

use crate::ids;

/// What an access token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IssuedToken {
    pub(crate) tenant: String,
    pub(crate) client_id: String,
    pub(crate) audience: String,
    pub(crate) expires_at: Instant,
}

/// Tokens issued since start.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, IssuedToken>,
}

impl TokenStore {
    /// Issues a new access token standing for `token`; returns its value.
    pub(crate) fn issue(&mut self, token: IssuedToken) -> String {
        let value = ids::access_token();
        self.tokens.insert(value.clone(), token);
        value
    }

    /// What the access token `value` stands for, if this emulator issued it.
    pub(crate) fn lookup(&self, value: &str) -> Option<&IssuedToken> {
        self.tokens.get(value)
    }

    /// Makes every issued token expired as of `now`.
    pub(crate) fn expire_all(&mut self, now: Instant) {
        for token in self.tokens.values_mut() {
            token.expires_at = token.expires_at.min(now);
        }
    }
}
