//! One access token shared by all concurrent uploads, refreshed ahead of expiry by a single
//! request (single flight), and invalidated when the ingestion endpoint answers 401.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::auth::{AccessToken, AuthError, Credential};

/// Shared token state for one credential and scope.
#[derive(Debug)]
pub struct TokenCache {
    credential: Credential,
    scope: String,
    http: reqwest::Client,
    current: Mutex<Option<Arc<AccessToken>>>,
    refresh: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
}

impl TokenCache {
    /// A cache that fetches with `credential` over `http`.
    pub fn new(credential: Credential, scope: String, http: reqwest::Client) -> TokenCache {
        TokenCache {
            credential,
            scope,
            http,
            current: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
        }
    }

    /// How many token requests were made.
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The credential in use.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    fn cached(&self) -> Option<Arc<AccessToken>> {
        self.current.lock().expect("token lock").clone()
    }

    /// A valid token. Inside the refresh window one caller refreshes while the others keep using
    /// the still-valid token; once it has expired, every caller waits for the one refresh.
    pub async fn token(&self) -> Result<Arc<AccessToken>, AuthError> {
        let now = Instant::now();
        if let Some(t) = self.cached() {
            if now < t.refresh_at() {
                return Ok(t);
            }
            if now < t.expires {
                // Early refresh: only one caller does it; the others go on with the old token.
                let Ok(_guard) = self.refresh.try_lock() else {
                    return Ok(t);
                };
                if let Some(fresh) = self.cached().filter(|c| !Arc::ptr_eq(c, &t)) {
                    return Ok(fresh);
                }
                return match self.fetch().await {
                    Ok(fresh) => Ok(fresh),
                    Err(e) if e.is_transient() => {
                        tracing::warn!(error = %e, "early token refresh failed; using the current token");
                        Ok(t)
                    }
                    Err(e) => Err(e),
                };
            }
        }
        let stale = self.cached();
        let _guard = self.refresh.lock().await;
        match self.cached() {
            Some(t) if Instant::now() < t.expires && !same(&stale, &t) => Ok(t),
            Some(t) if Instant::now() < t.refresh_at() => Ok(t),
            _ => self.fetch().await,
        }
    }

    /// Forgets `rejected` (the ingestion endpoint answered 401 with it) so that the next
    /// [`TokenCache::token`] fetches a new one; a token already replaced is left alone.
    pub fn invalidate(&self, rejected: &Arc<AccessToken>) {
        let mut cur = self.current.lock().expect("token lock");
        if cur.as_ref().is_some_and(|c| Arc::ptr_eq(c, rejected)) {
            *cur = None;
        }
    }

    async fn fetch(&self) -> Result<Arc<AccessToken>, AuthError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            credential = self.credential.kind(),
            "requesting access token"
        );
        let token = Arc::new(self.credential.fetch(&self.http, &self.scope).await?);
        tracing::debug!(
            lifetime_s = token
                .expires
                .saturating_duration_since(token.obtained)
                .as_secs(),
            "access token obtained"
        );
        *self.current.lock().expect("token lock") = Some(token.clone());
        Ok(token)
    }
}

fn same(a: &Option<Arc<AccessToken>>, b: &Arc<AccessToken>) -> bool {
    a.as_ref().is_some_and(|a| Arc::ptr_eq(a, b))
}
