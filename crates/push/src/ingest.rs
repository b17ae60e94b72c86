//! One ingestion request: POST a gzip body with the bearer token and a stable
//! `x-ms-client-request-id`, and read back status, server ids, error code and retry hints.

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use url::Url;
use uuid::Uuid;

use crate::retry::TransportError;
use crate::secret::Secret;

/// The parts of a response the client acts on.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `x-ms-request-id`.
    pub request_id: Option<String>,
    /// `x-ms-error-code` (or `error.code` of the body).
    pub error_code: Option<String>,
    /// `error.message` of the body.
    pub message: Option<String>,
    /// `Retry-After` family.
    pub retry_after: Option<Duration>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Longest error body read.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Sends one body. `Err` is a transport failure or timeout (the request may or may not have
/// been applied), classified: a certificate or DNS failure cannot heal by retrying.
pub async fn post(
    http: &reqwest::Client,
    url: &Url,
    token: &Secret,
    client_request_id: Uuid,
    body: bytes::Bytes,
    timeout: Duration,
) -> Result<Reply, TransportError> {
    let send = async {
        let mut resp = http
            .post(url.clone())
            .bearer_auth(token.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .header("x-ms-client-request-id", client_request_id.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| TransportError::from_reqwest(&e))?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let mut reply = Reply {
            status,
            request_id: header("x-ms-request-id"),
            error_code: header("x-ms-error-code"),
            message: None,
            retry_after: crate::retry::retry_after(resp.headers(), SystemTime::now()),
        };
        if !(200..300).contains(&status) {
            let mut buf = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| TransportError::from_reqwest(&e))?
            {
                buf.extend_from_slice(
                    &chunk[..chunk
                        .len()
                        .min(MAX_ERROR_BODY - buf.len().min(MAX_ERROR_BODY))],
                );
                if buf.len() >= MAX_ERROR_BODY {
                    break;
                }
            }
            if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(&buf) {
                reply.error_code = reply.error_code.or(parsed.error.code);
                reply.message = parsed.error.message;
            } else if !buf.is_empty() {
                reply.message = Some(String::from_utf8_lossy(&buf).chars().take(500).collect());
            }
        } else {
            // Drain (204 has no body) so the connection goes back to the pool.
            let _ = resp.bytes().await;
        }
        Ok(reply)
    };
    match tokio::time::timeout(timeout, send).await {
        Ok(r) => r,
        Err(_) => Err(TransportError::transient(format!(
            "no response within {} s",
            timeout.as_secs_f64()
        ))),
    }
}
