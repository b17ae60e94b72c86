//! §1.5 error table and §1.7 B: each ingestion check, in order, over HTTPS.

use std::time::Duration;

use ccfgen_emulator::{ClientApp, DcrConfig, Fault, RateLimit, RbacPropagation};
use futures_util::stream;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn api_version_missing_or_unsupported_is_400() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let c = emulator.connection();
        let missing = ingest_url(&emulator, &c.dcr_immutable_id, STREAM, None);
        let message = assert_ingest_error(
            post_json(&client, &missing, &token, "[]").await,
            400,
            "MissingApiVersionParameter",
        )
        .await;
        assert!(message.contains("api-version"));
        let old = ingest_url(&emulator, &c.dcr_immutable_id, STREAM, Some("2020-01-01"));
        let message = assert_ingest_error(
            post_json(&client, &old, &token, "[]").await,
            400,
            "InvalidApiVersionParameter",
        )
        .await;
        assert!(message.contains("'2020-01-01'"));
        let preview = ingest_url(
            &emulator,
            &c.dcr_immutable_id,
            STREAM,
            Some("2021-11-01-preview"),
        );
        assert_eq!(
            post_json(&client, &preview, &token, "[]").await.status(),
            204
        );
        // api-version is checked before the token.
        let response = send(client.post(&old).body("[]")).await;
        assert_ingest_error(response, 400, "InvalidApiVersionParameter").await;
    })
    .await;
}

#[tokio::test]
async fn missing_or_unknown_token_is_401() {
    bounded(async {
        let (emulator, client, _) = ready(|_| {}).await;
        let url = default_ingest_url(&emulator);
        let no_token = client
            .post(&url)
            .header("content-type", "application/json")
            .body("[]");
        assert_ingest_error(send(no_token).await, 401, "InvalidAuthenticationToken").await;
        let forged = ingest_request(&client, &url, "eyJ0eXAiOiJKV1QifQ.e30.forged", "[]");
        assert_ingest_error(send(forged).await, 401, "InvalidAuthenticationToken").await;
        assert_eq!(emulator.row_count(STREAM), 0);
    })
    .await;
}

#[tokio::test]
async fn expired_token_is_401_after_ttl_or_forced_expiry() {
    bounded(async {
        let (emulator, client, token) = ready(|c| c.token_ttl = Duration::from_secs(2)).await;
        let url = default_ingest_url(&emulator);
        assert_eq!(post_json(&client, &url, &token, "[]").await.status(), 204);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let response = post_json(&client, &url, &token, "[]").await;
        assert_ingest_error(response, 401, "ExpiredAuthenticationToken").await;

        let fresh = crate::common::token(&emulator, &client).await;
        emulator.expire_tokens();
        let response = post_json(&client, &url, &fresh, "[]").await;
        assert_ingest_error(response, 401, "ExpiredAuthenticationToken").await;
    })
    .await;
}

#[tokio::test]
async fn token_for_another_resource_is_401_invalid_audience() {
    bounded(async {
        let emulator = start().await;
        let client = client(&emulator);
        let arm = token_for(&emulator, &client, "https://management.azure.com/.default").await;
        let response = post_json(&client, &default_ingest_url(&emulator), &arm, "[]").await;
        let message = assert_ingest_error(response, 401, "InvalidAudience").await;
        assert_eq!(message, "Invalid authorization token audience.");
    })
    .await;
}

#[tokio::test]
async fn non_bearer_token_type_is_401_unsupported_access_token_type() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let request = client
            .post(default_ingest_url(&emulator))
            .header("authorization", format!("PoP {token}"))
            .header("content-type", "application/json")
            .body("[]");
        let message =
            assert_ingest_error(send(request).await, 401, "UnsupportedAccessTokenType").await;
        assert!(
            message.starts_with(
                "S2S17001: SAL was able to validate the protocol, but validation failed"
            )
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_dcr_is_404_not_found_with_verbatim_message() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let dcr = "dcr-00000000000000000000000000000000";
        let url = ingest_url(&emulator, dcr, STREAM, Some(API));
        let message = assert_ingest_error(
            post_json(&client, &url, &token, "[]").await,
            404,
            "NotFound",
        )
        .await;
        assert_eq!(
            message,
            format!("Data collection rule with immutable Id '{dcr}' not found.")
        );
    })
    .await;
}

#[tokio::test]
async fn caller_without_role_is_403_operation_failed() {
    bounded(async {
        let outsider = "44444444-0000-0000-0000-000000000004";
        let emulator = start_with(|c| {
            c.clients.push(ClientApp {
                client_id: outsider.into(),
                secret: "outsider-secret".into(),
                secret_expired: false,
            })
        })
        .await;
        let client = client(&emulator);
        let form = vec![
            ("client_id", outsider.to_owned()),
            ("client_secret", "outsider-secret".to_owned()),
            ("grant_type", "client_credentials".to_owned()),
            ("scope", "https://monitor.azure.com//.default".to_owned()),
        ];
        let url = token_url(&emulator, &emulator.connection().tenant_id);
        let body: serde_json::Value = post_form(&client, &url, &form).await.json().await.expect("json");
        let token = body["access_token"].as_str().expect("token");
        let dcr = emulator.connection().dcr_immutable_id;
        let response = post_json(&client, &default_ingest_url(&emulator), token, "[]").await;
        let message = assert_ingest_error(response, 403, "OperationFailed").await;
        let expected_start = format!(
            "The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '{dcr}' PipelineAccessResult: AccessGranted: False, IsRbacPresent: False, IsDcrDceBindingValid: , DcrArmId: "
        );
        assert!(message.starts_with(&expected_start), "{message}");
        assert!(message.contains("Message: Required authorization action was not found for tenantId"));
        assert!(message.contains(&format!("objectId {outsider}")));
    })
    .await;
}

#[tokio::test]
async fn recent_grant_answers_503_while_propagating() {
    bounded(async {
        let (emulator, client, token) = ready(|c| {
            c.rbac_propagation = Some(RbacPropagation {
                delay: Duration::from_secs(600),
                status: 503,
            })
        })
        .await;
        let response = post_json(&client, &default_ingest_url(&emulator), &token, "[]").await;
        let message = assert_ingest_error(response, 503, "ServiceUnavailable").await;
        assert!(message.contains("30 minutes"));
    })
    .await;
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    bounded(async {
        let (emulator, client, token) = ready(|c| {
            c.rate_limit = RateLimit {
                requests: 2,
                bytes: 1_000_000,
                window: Duration::from_secs(30),
            }
        })
        .await;
        let url = default_ingest_url(&emulator);
        for _ in 0..2 {
            assert_eq!(post_json(&client, &url, &token, "[]").await.status(), 204);
        }
        let response = post_json(&client, &url, &token, "[]").await;
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!((1..=30).contains(&retry_after), "{retry_after}");
        assert_ingest_error(response, 429, "TooManyRequests").await;

        // Volume: one request over the byte budget makes the next one wait.
        let (emulator, client, token) = ready(|c| {
            c.rate_limit = RateLimit {
                requests: 100,
                bytes: 1000,
                window: Duration::from_secs(30),
            }
        })
        .await;
        let url = default_ingest_url(&emulator);
        let big = records(20).to_string();
        assert!(big.len() > 1000);
        assert_eq!(post_json(&client, &url, &token, big).await.status(), 204);
        let response = post_json(&client, &url, &token, "[]").await;
        assert!(response.headers().contains_key("retry-after"));
        assert_ingest_error(response, 429, "TooManyRequests").await;
    })
    .await;
}

#[tokio::test]
async fn declared_body_over_1_mib_is_413_content_length_limit_exceeded() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let body = vec![b' '; 1_048_577];
        let response = post_json(&client, &default_ingest_url(&emulator), &token, body).await;
        let message = assert_ingest_error(response, 413, "ContentLengthLimitExceeded").await;
        assert_eq!(
            message,
            "Maximum allowed content length: 1048576 bytes (1 MB). Provided content length: 1048577 bytes."
        );
        // Exactly at the limit is accepted.
        let mut body = records(1).to_string().into_bytes();
        body.resize(1_048_576, b' ');
        let response = post_json(&client, &default_ingest_url(&emulator), &token, body).await;
        assert_eq!(response.status(), 204);
        assert_eq!(emulator.row_count(STREAM), 1);
    })
    .await;
}

#[tokio::test]
async fn chunked_body_over_1_mib_is_413_by_received_bytes() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..5).map(|_| Ok(vec![b' '; 256 * 1024])).collect();
        let body = reqwest::Body::wrap_stream(stream::iter(chunks));
        let response = post_json(&client, &default_ingest_url(&emulator), &token, body).await;
        let message = assert_ingest_error(response, 413, "ContentLengthLimitExceeded").await;
        assert_eq!(
            message,
            "Maximum allowed content length: 1048576 bytes (1 MB). Provided content length: 1310720 bytes."
        );
    })
    .await;
}

#[tokio::test]
async fn corrupt_gzip_is_400() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let mut body = gzip(records(5).to_string().as_bytes());
        let middle = body.len() / 2;
        body[middle] ^= 0xff;
        body.truncate(body.len() - 4);
        let request = ingest_request(&client, &default_ingest_url(&emulator), &token, body)
            .header("content-encoding", "gzip");
        assert_ingest_error(send(request).await, 400, "InvalidContentEncoding").await;
        let request = ingest_request(&client, &default_ingest_url(&emulator), &token, "[]")
            .header("content-encoding", "gzip");
        assert_ingest_error(send(request).await, 400, "InvalidContentEncoding").await;
        assert_eq!(emulator.row_count(STREAM), 0);
    })
    .await;
}

/// `n` bytes of JSON (`[{},{},...]`, spaces as filler) gzip-compressed.
fn inflating_to(n: usize) -> Vec<u8> {
    let mut json = Vec::with_capacity(n);
    json.extend_from_slice(b"[{}");
    json.resize(n - 1, b' ');
    json.push(b']');
    gzip(&json)
}

#[tokio::test]
async fn inflated_body_over_50_mib_is_payload_size_limit_exceeded_413() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let body = inflating_to(50 * 1024 * 1024 + 1);
        assert!(
            body.len() < 1_048_576,
            "the wire size is within the 1 MB limit"
        );
        let request = ingest_request(&client, &default_ingest_url(&emulator), &token, body)
            .header("content-encoding", "gzip");
        let message =
            assert_ingest_error(send(request).await, 413, "PayloadSizeLimitExceeded").await;
        assert!(message.contains("52428800"));
        // Exactly 50 MiB inflated is accepted.
        let body = inflating_to(50 * 1024 * 1024);
        let request = ingest_request(&client, &default_ingest_url(&emulator), &token, body)
            .header("content-encoding", "gzip");
        assert_eq!(send(request).await.status(), 204);
        let log = emulator.requests();
        assert_eq!(log.last().map(|l| l.inflated_bytes), Some(50 * 1024 * 1024));
    })
    .await;
}

#[tokio::test]
async fn payload_size_limit_status_is_configurable() {
    bounded(async {
        let (emulator, client, token) = ready(|c| {
            c.limits.max_inflated_bytes = 1000;
            c.behaviour.payload_too_large_status = 400;
        })
        .await;
        let request = ingest_request(
            &client,
            &default_ingest_url(&emulator),
            &token,
            inflating_to(1001),
        )
        .header("content-encoding", "gzip");
        assert_ingest_error(send(request).await, 400, "PayloadSizeLimitExceeded").await;
    })
    .await;
}

#[tokio::test]
async fn other_content_encoding_is_501() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let request = ingest_request(&client, &default_ingest_url(&emulator), &token, "[]")
            .header("content-encoding", "br");
        let message =
            assert_ingest_error(send(request).await, 501, "UnsupportedContentEncoding").await;
        assert!(message.contains("'br'"));
        for identity in ["identity", "none"] {
            let request = ingest_request(&client, &default_ingest_url(&emulator), &token, "[]")
                .header("content-encoding", identity);
            assert_eq!(send(request).await.status(), 204, "{identity}");
        }
    })
    .await;
}

#[tokio::test]
async fn content_type_other_than_json_is_415_unless_relaxed() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let url = default_ingest_url(&emulator);
        let request = client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "text/plain")
            .body("[]");
        assert_ingest_error(send(request).await, 415, "UnsupportedMediaType").await;
        let request = client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json; charset=utf-8")
            .body("[]");
        assert_eq!(send(request).await.status(), 204);

        let (emulator, client, token) = ready(|c| c.behaviour.content_type_status = None).await;
        let request = client
            .post(default_ingest_url(&emulator))
            .bearer_auth(&token)
            .body("[]");
        assert_eq!(send(request).await.status(), 204);
    })
    .await;
}

#[tokio::test]
async fn body_not_a_json_array_of_objects_is_400() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let url = default_ingest_url(&emulator);
        for body in [
            "{not json",
            "[1, 2]",
            "\"text\"",
            "[{\"Message\": \"ok\"}, []]",
            "\u{FEFF}[",
        ] {
            let response = post_json(&client, &url, &token, body).await;
            assert_ingest_error(response, 400, "InvalidPayload").await;
        }
        let invalid_utf8 = vec![b'[', b'"', 0xff, b'"', b']'];
        let response = post_json(&client, &url, &token, invalid_utf8).await;
        assert_ingest_error(response, 400, "InvalidPayload").await;
        assert_eq!(emulator.row_count(STREAM), 0);
    })
    .await;
}

#[tokio::test]
async fn single_object_is_accepted_unless_configured_otherwise() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let single = json!({"Message": "alone"}).to_string();
        let response = post_json(
            &client,
            &default_ingest_url(&emulator),
            &token,
            single.clone(),
        )
        .await;
        assert_eq!(response.status(), 204);
        assert_eq!(emulator.rows(STREAM)[0]["Message"], "alone");

        let (emulator, client, token) = ready(|c| c.behaviour.accept_single_object = false).await;
        let response = post_json(&client, &default_ingest_url(&emulator), &token, single).await;
        assert_ingest_error(response, 400, "InvalidPayload").await;
    })
    .await;
}

#[tokio::test]
async fn stream_not_in_dcr_is_404_by_default_and_configurable() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let url = ingest_url(
            &emulator,
            &emulator.connection().dcr_immutable_id,
            "Custom-Other",
            Some(API),
        );
        let message = assert_ingest_error(
            post_json(&client, &url, &token, "[]").await,
            404,
            "InvalidStream",
        )
        .await;
        assert!(message.contains("'Custom-Other'"));

        let (emulator, client, token) = ready(|c| c.behaviour.unknown_stream_status = 400).await;
        let url = ingest_url(
            &emulator,
            &emulator.connection().dcr_immutable_id,
            "Custom-Other",
            Some(API),
        );
        assert_ingest_error(
            post_json(&client, &url, &token, "[]").await,
            400,
            "InvalidStream",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn auxiliary_time_range_of_30_minutes_or_more_is_400() {
    bounded(async {
        let (emulator, client, token) = ready(|c| c.dcrs[0].auxiliary = true).await;
        let url = default_ingest_url(&emulator);
        let batch = |end: &str| {
            json!([
                {"TimeGenerated": "2024-05-01T10:00:00Z", "Message": "first"},
                {"TimeGenerated": end, "Message": "last"},
            ])
            .to_string()
        };
        let response = post_json(&client, &url, &token, batch("2024-05-01T10:30:00Z")).await;
        let message = assert_ingest_error(response, 400, "RecordsTimeRangeIsMoreThan30Minutes").await;
        assert_eq!(
            message,
            "The time duration between DataEndTime and DataStartTime should be within the range of 0 to 30 minutes."
        );
        let response = post_json(&client, &url, &token, batch("2024-05-01T10:29:59Z")).await;
        assert_eq!(response.status(), 204);
        assert_eq!(emulator.row_count(STREAM), 2);

        // The rule applies to Auxiliary DCRs only.
        let (emulator, client, token) = ready(|_| {}).await;
        let response = post_json(&client, &default_ingest_url(&emulator), &token, batch("2024-05-01T12:00:00Z")).await;
        assert_eq!(response.status(), 204);
    })
    .await;
}

#[tokio::test]
async fn injected_transient_statuses_carry_the_error_shape() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let url = default_ingest_url(&emulator);
        let cases = [
            (429, "TooManyRequests"),
            (500, "InternalServerError"),
            (502, "BadGateway"),
            (503, "ServiceUnavailable"),
            (504, "GatewayTimeout"),
        ];
        for (status, code) in cases {
            emulator.inject(Fault::fail(status).retry_after(2));
            let response = post_json(&client, &url, &token, records(2).to_string()).await;
            assert_eq!(response.headers()["retry-after"], "2");
            assert_ingest_error(response, status, code).await;
        }
        assert_eq!(emulator.row_count(STREAM), 0);
        assert_eq!(
            post_json(&client, &url, &token, records(2).to_string())
                .await
                .status(),
            204
        );
    })
    .await;
}

#[tokio::test]
async fn checks_run_in_the_documented_order() {
    bounded(async {
        // A request that breaks every rule reports them one at a time, in §1.7 B order.
        let (emulator, client, token) = ready(|c| {
            c.dcrs[0].auxiliary = true;
            c.dcrs.push(DcrConfig {
                immutable_id: "dcr-11111111111111111111111111111111".into(),
                streams: vec![stream()],
                publishers: Vec::new(),
                auxiliary: false,
            });
        })
        .await;
        let dcr = emulator.connection().dcr_immutable_id;
        let gzip_body = gzip(b"[{\"TimeGenerated\":\"2024-05-01T10:00:00Z\"},{\"TimeGenerated\":\"2024-05-01T11:00:00Z\"}]");
        let request = |url: String, token: &str, body: Vec<u8>, encoding: &str, content_type: &str| {
            client
                .post(url)
                .bearer_auth(token)
                .header("content-encoding", encoding)
                .header("content-type", content_type)
                .body(body)
        };
        let url = |dcr: &str, stream: &str, api: &str| ingest_url(&emulator, dcr, stream, Some(api));
        let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
            (request(url("dcr-x", "Custom-X", "1999"), "bad", vec![b' '; 2_000_000], "br", "text/plain"), 400, "InvalidApiVersionParameter"),
            (request(url("dcr-x", "Custom-X", API), "bad", vec![b' '; 2_000_000], "br", "text/plain"), 401, "InvalidAuthenticationToken"),
            (request(url("dcr-x", "Custom-X", API), &token, vec![b' '; 2_000_000], "br", "text/plain"), 404, "NotFound"),
            (
                request(url("dcr-11111111111111111111111111111111", "Custom-X", API), &token, vec![b' '; 2_000_000], "br", "text/plain"),
                403,
                "OperationFailed",
            ),
            (request(url(&dcr, "Custom-X", API), &token, vec![b' '; 2_000_000], "br", "text/plain"), 413, "ContentLengthLimitExceeded"),
            (request(url(&dcr, "Custom-X", API), &token, b"[]".to_vec(), "br", "text/plain"), 501, "UnsupportedContentEncoding"),
            (request(url(&dcr, "Custom-X", API), &token, b"[]".to_vec(), "identity", "text/plain"), 415, "UnsupportedMediaType"),
            (request(url(&dcr, "Custom-X", API), &token, b"[1]".to_vec(), "identity", "application/json"), 400, "InvalidPayload"),
            (request(url(&dcr, "Custom-X", API), &token, gzip_body.clone(), "gzip", "application/json"), 404, "InvalidStream"),
            (request(url(&dcr, STREAM, API), &token, gzip_body, "gzip", "application/json"), 400, "RecordsTimeRangeIsMoreThan30Minutes"),
        ];
        let mut expected = Vec::new();
        for (request, status, code) in cases {
            assert_ingest_error(send(request).await, status, code).await;
            expected.push((Some(status), Some(code.to_owned())));
        }
        let logged: Vec<(Option<u16>, Option<String>)> = emulator
            .requests()
            .into_iter()
            .filter(|l| l.kind == ccfgen_emulator::RequestKind::Ingest)
            .map(|l| (l.status, l.error_code))
            .collect();
        assert_eq!(logged, expected);
        assert_eq!(emulator.row_count(STREAM), 0);
    })
    .await;
}
