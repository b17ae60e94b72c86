//! Shared test helpers: a standard stream, an emulator per test, an HTTPS client that
//! trusts the emulator's CA, token and ingestion requests, error assertions, timeouts.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ccfgen_emulator::{Config, Emulator, StreamColumn, StreamDecl};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use serde_json::Value;

pub const STREAM: &str = "Custom-Test";
pub const API: &str = "2023-01-01";
/// Every test finishes within this bound.
pub const TEST_BOUND: Duration = Duration::from_secs(60);
/// Every HTTP request finishes within this bound unless a test sets a shorter one.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs a test body, failing it if it takes longer than [`TEST_BOUND`].
pub async fn bounded<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(TEST_BOUND, body)
        .await
        .expect("test exceeded its time bound")
}

pub fn stream() -> StreamDecl {
    StreamDecl::new(
        STREAM,
        vec![
            StreamColumn::new("TimeGenerated", "datetime"),
            StreamColumn::new("Message", "string"),
            StreamColumn::new("Count", "int"),
            StreamColumn::new("Big", "long"),
            StreamColumn::new("Ratio", "real"),
            StreamColumn::new("Flag", "boolean"),
            StreamColumn::new("Props", "dynamic"),
        ],
    )
}

/// Starts an emulator on 127.0.0.1 with the standard stream, adjusted by `adjust`.
pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Emulator {
    let mut config = Config::single_stream(stream());
    adjust(&mut config);
    ccfgen_emulator::start(config)
        .await
        .expect("emulator starts")
}

pub async fn start() -> Emulator {
    start_with(|_| {}).await
}

/// An emulator, a client and a valid token.
pub async fn ready(adjust: impl FnOnce(&mut Config)) -> (Emulator, reqwest::Client, String) {
    let emulator = start_with(adjust).await;
    let client = client(&emulator);
    let token = token(&emulator, &client).await;
    (emulator, client, token)
}

/// A rustls client configuration trusting only `ca_pem` (nothing when empty).
pub fn tls_config(ca_pem: &str) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots
            .add(cert.expect("CA PEM parses"))
            .expect("CA is a valid root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// An HTTP client (reqwest) that trusts the emulator's CA only, with `timeout`.
pub fn client_with_timeout(emulator: &Emulator, timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .tls_backend_preconfigured(tls_config(emulator.ca_pem().unwrap_or("")))
        .build()
        .expect("client builds")
}

pub fn client(emulator: &Emulator) -> reqwest::Client {
    client_with_timeout(emulator, REQUEST_TIMEOUT)
}

pub fn token_url(emulator: &Emulator, tenant: &str) -> String {
    format!("{}/{tenant}/oauth2/v2.0/token", emulator.base_url())
}

/// Form fields of a valid client-credentials request for the first client.
pub fn token_form(emulator: &Emulator) -> Vec<(&'static str, String)> {
    let c = emulator.connection();
    vec![
        ("client_id", c.client_id),
        ("client_secret", c.client_secret),
        ("grant_type", "client_credentials".to_owned()),
        ("scope", c.scope),
    ]
}

pub async fn post_form(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, String)],
) -> reqwest::Response {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("token request answered")
}

/// A token for the first client with `scope`.
pub async fn token_for(emulator: &Emulator, client: &reqwest::Client, scope: &str) -> String {
    let mut form = token_form(emulator);
    form[3].1 = scope.to_owned();
    let response = post_form(
        client,
        &token_url(emulator, &emulator.connection().tenant_id),
        &form,
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub async fn token(emulator: &Emulator, client: &reqwest::Client) -> String {
    token_for(emulator, client, &emulator.connection().scope).await
}

pub fn ingest_url(emulator: &Emulator, dcr: &str, stream: &str, api: Option<&str>) -> String {
    let base = format!(
        "{}/dataCollectionRules/{dcr}/streams/{stream}",
        emulator.base_url()
    );
    match api {
        Some(api) => format!("{base}?api-version={api}"),
        None => base,
    }
}

/// The standard ingestion URL of the emulator's DCR and stream.
pub fn default_ingest_url(emulator: &Emulator) -> String {
    let c = emulator.connection();
    ingest_url(emulator, &c.dcr_immutable_id, &c.stream_name, Some(API))
}

/// A JSON ingestion request with a bearer token, not yet sent.
pub fn ingest_request(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::RequestBuilder {
    client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
}

/// Sends a JSON ingestion request with a bearer token.
pub async fn post_json(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    send(ingest_request(client, url, token, body)).await
}

pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.expect("request answered")
}

/// Asserts an ingestion error: status, `x-ms-error-code`, `x-ms-request-id`, body shape.
/// Returns the error message.
pub async fn assert_ingest_error(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status().as_u16(), status, "status");
    let headers = response.headers().clone();
    assert_eq!(
        headers.get("x-ms-error-code").and_then(|v| v.to_str().ok()),
        Some(code),
        "x-ms-error-code"
    );
    let request_id = headers
        .get("x-ms-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-ms-request-id");
    assert!(
        uuid::Uuid::parse_str(request_id).is_ok(),
        "request id is a GUID: {request_id}"
    );
    let body: Value = response.json().await.expect("error body is JSON");
    assert_eq!(body["error"]["code"], code, "body: {body}");
    body["error"]["message"]
        .as_str()
        .expect("error.message")
        .to_owned()
}

pub fn records(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| {
                serde_json::json!({
                    "TimeGenerated": "2024-05-01T10:00:00Z",
                    "Message": format!("record {i}"),
                    "Count": i,
                    "Big": 9_000_000_000i64 + i as i64,
                    "Ratio": 0.5,
                    "Flag": i % 2 == 0,
                    "Props": {"i": i},
                })
            })
            .collect(),
    )
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip write");
    encoder.finish().expect("gzip finish")
}

/// Asserts an Entra token error in full: status, `error`, `error_codes`, the
/// `AADSTSnnnn: ` prefix and the trace fields. Returns the description.
pub async fn assert_entra_error(
    response: reqwest::Response,
    status: u16,
    error: &str,
    code: u64,
) -> String {
    assert_eq!(response.status().as_u16(), status, "status");
    let body: Value = response.json().await.expect("Entra error is JSON");
    assert_eq!(body["error"], error, "body: {body}");
    assert_eq!(body["error_codes"], serde_json::json!([code]));
    let description = body["error_description"]
        .as_str()
        .expect("error_description")
        .to_owned();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    for field in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[field].is_string(), "{field} missing in {body}");
    }
    assert!(uuid::Uuid::parse_str(body["trace_id"].as_str().unwrap_or("")).is_ok());
    assert_eq!(
        body["error_uri"],
        format!("https://login.microsoftonline.com/error?code={code}")
    );
    description
}
