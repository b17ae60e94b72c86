//! What to do with an ingestion response (retry, re-authenticate, split, bisect, stop), the
//! server's `Retry-After` family of hints, and jittered exponential backoff.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The client's reaction to one ingestion response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Accepted (204).
    Delivered,
    /// Transient (408, 429, 5xx, network, timeout): wait and resend the same batch.
    Retry,
    /// 401: refresh the token once and resend.
    Reauthenticate,
    /// 413 or a size error code: split the batch in two and send the halves.
    Split,
    /// 400: some record is refused; bisect to isolate it.
    Bisect,
    /// A configuration problem (403, 404, 501, other 4xx): stop everything.
    Fatal,
}

/// What kind of transport failure a request met (no HTTP status was received).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFault {
    /// The server's certificate was not accepted (unknown issuer, expired, wrong name): a
    /// configuration fault (`ca_file`, the endpoint's host) that retrying cannot heal.
    Certificate,
    /// The configured host name does not resolve: a typo in the endpoint or the authority.
    Dns,
    /// Connection refused or reset, timeout, a broken body: may heal, retried.
    Transient,
}

impl TransportFault {
    /// Whether retrying may heal it.
    pub fn is_transient(self) -> bool {
        self == TransportFault::Transient
    }

    /// What the user should check for a fault that stops the push.
    pub fn hint(self) -> &'static str {
        match self {
            TransportFault::Certificate => {
                "the server's TLS certificate is not trusted: check the endpoint's host name and, for an emulator or a TLS-inspecting proxy, that ca_file (or CCFGEN_CA_CERT) is the CA that signed it (an emulator started again may have a new CA: use the config it wrote)"
            }
            TransportFault::Dns => {
                "the host name does not resolve: check dce_endpoint / authority_host for typos, and the DNS or proxy settings of this machine"
            }
            TransportFault::Transient => "the connection failed; it is retried",
        }
    }
}

/// A transport failure: its kind and the error text with its causes.
#[derive(Debug, Clone)]
pub struct TransportError {
    /// The kind.
    pub fault: TransportFault,
    /// The message (never holds a secret: URLs carry none).
    pub message: String,
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl TransportError {
    /// A failure that may heal.
    pub fn transient(message: impl Into<String>) -> TransportError {
        TransportError {
            fault: TransportFault::Transient,
            message: message.into(),
        }
    }

    /// Classifies a `reqwest` error by walking its causes: a rustls certificate error is
    /// [`TransportFault::Certificate`], a resolver failure [`TransportFault::Dns`],
    /// anything else transient.
    pub fn from_reqwest(e: &reqwest::Error) -> TransportError {
        let mut message = e.to_string();
        let mut fault = TransportFault::Transient;
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            // rustls errors reach here directly or inside an io::Error (whose `source` skips
            // the wrapped error itself).
            let tls = s.downcast_ref::<rustls::Error>().or_else(|| {
                s.downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref())
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            });
            if matches!(
                tls,
                Some(
                    rustls::Error::InvalidCertificate(_)
                        | rustls::Error::NoCertificatesPresented
                        | rustls::Error::InvalidCertRevocationList(_)
                )
            ) {
                fault = TransportFault::Certificate;
            }
            let text = s.to_string();
            if fault == TransportFault::Transient && is_dns_failure(&text) {
                fault = TransportFault::Dns;
            }
            message.push_str(": ");
            message.push_str(&text);
            source = s.source();
        }
        if fault == TransportFault::Transient {
            if message.contains("invalid peer certificate") {
                fault = TransportFault::Certificate;
            } else if is_dns_failure(&message) {
                fault = TransportFault::Dns;
            }
        }
        TransportError { fault, message }
    }
}

/// Resolver failures as hyper-util and the system resolver word them.
fn is_dns_failure(text: &str) -> bool {
    text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("Name or service not known")
        || text.contains("No such host is known")
        || text.contains("nodename nor servname provided")
}

/// Classifies a response status and `x-ms-error-code`.
pub fn classify(status: u16, error_code: Option<&str>) -> Disposition {
    if matches!(
        error_code,
        Some("ContentLengthLimitExceeded" | "PayloadSizeLimitExceeded" | "PayloadTooLarge")
    ) {
        return Disposition::Split;
    }
    match status {
        200..=299 => Disposition::Delivered,
        401 => Disposition::Reauthenticate,
        413 => Disposition::Split,
        400 => Disposition::Bisect,
        408 | 429 => Disposition::Retry,
        501 | 505 => Disposition::Fatal,
        500..=599 => Disposition::Retry,
        _ => Disposition::Fatal,
    }
}

/// What the user should change for a fatal ingestion status.
pub fn fatal_hint(status: u16, error_code: Option<&str>) -> &'static str {
    match (status, error_code) {
        (401, Some("InvalidAudience")) => {
            "the token is for another resource or cloud: check scope (https://monitor.azure.com/.default) and the cloud setting"
        }
        (401, _) => {
            "the ingestion endpoint rejected a freshly issued token: check the scope and cloud, and that the tenant of the app matches the DCR's"
        }
        (403, _) => {
            "the application lacks the Monitoring Metrics Publisher role on this DCR (a new role assignment can take up to 30 minutes to apply)"
        }
        (404, Some("InvalidStream")) => {
            "the DCR exists but does not declare this stream: check stream_name (Custom-<table>, as the connector page shows it; the names are case-sensitive)"
        }
        (404, _) => {
            "DCR not found: check dcr_immutable_id, that dce_uri is in the DCR's region, and that stream_name is declared in the DCR"
        }
        (501, _) => {
            "the endpoint does not support this request (Content-Encoding: gzip); check dce_uri"
        }
        _ => "the endpoint refused the request; check dce_uri, dcr_immutable_id and stream_name",
    }
}

/// The server's delay hint: `retry-after-ms`, `x-ms-retry-after-ms` (milliseconds) or
/// `Retry-After` (seconds or an HTTP date, relative to `now`).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
        {
            return Some(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn parse_http_date(text: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let dt = time::PrimitiveDateTime::parse(text, &format).ok()?;
    Some(SystemTime::from(dt.assume_utc()))
}

/// Backoff and time budget for one batch.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// First backoff step.
    pub initial_delay: Duration,
    /// Largest backoff step (server hints may be longer, up to the budget).
    pub max_delay: Duration,
    /// Total time a batch may spend being retried before it is dead-lettered.
    pub max_elapsed: Duration,
    /// Timeout of one HTTP attempt (connect + send + response).
    pub attempt_timeout: Duration,
    /// How long after the client is built a 403 (role not granted) is still retried, because
    /// a fresh *Monitoring Metrics Publisher* assignment can take up to 30 minutes to apply.
    /// Zero (the default) makes 403 a configuration error that stops the run at once.
    pub role_grace: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(600),
            attempt_timeout: Duration::from_secs(60),
            role_grace: Duration::ZERO,
        }
    }
}

/// The longest wait between 403 retries while the role grace lasts (the waits grow like the
/// backoff up to this; the whole run waits in between).
pub const ROLE_GRACE_POLL: Duration = Duration::from_secs(30);

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based): exponential with "equal jitter" (half
    /// fixed, half random), or the server's hint plus up to 10% jitter when it gave one.
    pub fn delay(&self, retry: u32, server_hint: Option<Duration>) -> Duration {
        if let Some(hint) = server_hint {
            return hint + hint.mul_f64(0.1 * unit_random());
        }
        let exp = self
            .initial_delay
            .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        exp / 2 + (exp / 2).mul_f64(unit_random())
    }
}

/// A random number in [0, 1) from the standard library's randomly keyed hasher.
pub(crate) fn unit_random() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64,
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn classification_follows_the_contract() {
        assert_eq!(classify(204, None), Disposition::Delivered);
        for s in [408, 429, 500, 502, 503, 504] {
            assert_eq!(classify(s, None), Disposition::Retry, "{s}");
        }
        assert_eq!(
            classify(401, Some("InvalidAudience")),
            Disposition::Reauthenticate
        );
        assert_eq!(
            classify(413, Some("ContentLengthLimitExceeded")),
            Disposition::Split
        );
        assert_eq!(
            classify(400, Some("PayloadSizeLimitExceeded")),
            Disposition::Split
        );
        assert_eq!(classify(400, Some("InvalidPayload")), Disposition::Bisect);
        assert_eq!(classify(403, Some("OperationFailed")), Disposition::Fatal);
        assert_eq!(classify(404, Some("NotFound")), Disposition::Fatal);
        assert_eq!(classify(501, None), Disposition::Fatal);
        assert!(fatal_hint(403, None).contains("Monitoring Metrics Publisher"));
        assert!(fatal_hint(404, None).contains("dcr_immutable_id"));
        assert!(fatal_hint(404, Some("InvalidStream")).contains("does not declare this stream"));
    }

    #[test]
    fn retry_after_family() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:47 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(10)));
        h.insert("x-ms-retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(250)));
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
        h.insert("retry-after-ms", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(250)));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        for retry in 0..40 {
            let d = p.delay(retry, None);
            let cap = (Duration::from_millis(100) * 2u32.pow(retry.min(20))).min(p.max_delay);
            assert!(d >= cap / 2 && d <= cap, "retry {retry}: {d:?} vs {cap:?}");
        }
        let hinted = p.delay(0, Some(Duration::from_secs(5)));
        assert!(hinted >= Duration::from_secs(5) && hinted <= Duration::from_millis(5500));
        let samples: std::collections::BTreeSet<_> = (0..20).map(|_| p.delay(3, None)).collect();
        assert!(samples.len() > 1, "no jitter: {samples:?}");
    }
}
