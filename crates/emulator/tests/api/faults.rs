//! §1.7 C: fault injection, through the Rust API and the control endpoint.

use std::time::{Duration, Instant};

use ccfgen_emulator::{Emulator, Fault, FaultTarget, RequestLog};
use serde_json::json;

use crate::common::*;

const CLIENT_REQUEST_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

/// Polls the request log until an entry satisfies `found` (bounded).
async fn wait_for_log(emulator: &Emulator, found: impl Fn(&RequestLog) -> bool) -> RequestLog {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(entry) = emulator.requests().into_iter().find(|l| found(l)) {
            return entry;
        }
        assert!(Instant::now() < deadline, "log entry never appeared");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn fail_next_n_with_retry_after_then_succeed_counting_attempts() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        emulator.inject(Fault::fail(503).times(2).retry_after(7));
        let url = default_ingest_url(&emulator);
        let attempt = || {
            ingest_request(&client, &url, &token, records(2).to_string())
                .header("x-ms-client-request-id", CLIENT_REQUEST_ID)
        };
        for _ in 0..2 {
            let response = send(attempt()).await;
            assert_eq!(response.headers()["retry-after"], "7");
            assert_ingest_error(response, 503, "ServiceUnavailable").await;
        }
        assert_eq!(send(attempt()).await.status(), 204);
        let rows = emulator.rows(STREAM);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r["_ccfgen_attempt"] == 3));
        let attempts: Vec<(u32, Option<u16>, Option<String>)> = emulator
            .requests()
            .into_iter()
            .filter(|l| l.client_request_id.as_deref() == Some(CLIENT_REQUEST_ID))
            .map(|l| (l.attempt, l.status, l.fault))
            .collect();
        assert_eq!(
            attempts,
            vec![
                (1, Some(503), Some("fail".into())),
                (2, Some(503), Some("fail".into())),
                (3, Some(204), None)
            ]
        );
        let counters = emulator.counters();
        assert_eq!(counters.ingest_retries, 2);
        assert_eq!(counters.faults_applied["fail"], 2);
        assert_eq!(counters.ingest_statuses[&503], 2);
    })
    .await;
}

#[tokio::test]
async fn latency_delays_the_answer() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        emulator.inject(Fault::latency(Duration::from_millis(400)));
        let started = Instant::now();
        let response = post_json(&client, &default_ingest_url(&emulator), &token, "[]").await;
        assert_eq!(response.status(), 204);
        assert!(
            started.elapsed() >= Duration::from_millis(400),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            emulator
                .requests()
                .last()
                .and_then(|l| l.fault.clone())
                .as_deref(),
            Some("latency")
        );
    })
    .await;
}

#[tokio::test]
async fn store_then_drop_keeps_rows_and_the_client_sees_a_connection_error() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        emulator.inject(Fault::store_then_drop());
        let url = default_ingest_url(&emulator);
        let attempt = || {
            ingest_request(&client, &url, &token, records(2).to_string())
                .header("x-ms-client-request-id", CLIENT_REQUEST_ID)
        };
        let error = attempt().send().await.expect_err("no answer arrives");
        assert!(!error.is_timeout(), "{error}");
        assert_eq!(
            emulator.row_count(STREAM),
            2,
            "stored before the connection was dropped"
        );

        // The client retries the same batch: a duplicate, detectable by attempt number.
        assert_eq!(send(attempt()).await.status(), 204);
        let attempts: Vec<serde_json::Value> = emulator
            .rows(STREAM)
            .iter()
            .map(|r| r["_ccfgen_attempt"].clone())
            .collect();
        assert_eq!(attempts, vec![json!(1), json!(1), json!(2), json!(2)]);
        let first = &emulator.requests()[1];
        assert_eq!(
            (first.status, first.fault.as_deref(), first.records),
            (None, Some("store_then_drop"), 2)
        );
        assert_eq!(emulator.counters().ingest_unanswered, 1);
    })
    .await;
}

#[tokio::test]
async fn reset_mid_body_stores_nothing() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        emulator.inject(Fault::reset_mid_body());
        let mut body = records(1).to_string().into_bytes();
        body.resize(900_000, b' ');
        let error = ingest_request(&client, &default_ingest_url(&emulator), &token, body)
            .send()
            .await
            .expect_err("the connection is reset");
        assert!(!error.is_timeout(), "{error}");
        let entry = wait_for_log(&emulator, |l| l.fault.as_deref() == Some("reset_mid_body")).await;
        assert_eq!((entry.status, entry.records), (None, 0));
        assert!(
            entry.wire_bytes < 900_000,
            "only part of the body was read: {}",
            entry.wire_bytes
        );
        assert_eq!(emulator.row_count(STREAM), 0);
        assert_eq!(
            post_json(&client, &default_ingest_url(&emulator), &token, "[]")
                .await
                .status(),
            204
        );
    })
    .await;
}

#[tokio::test]
async fn stall_makes_the_client_time_out_and_stores_nothing() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let impatient = client_with_timeout(&emulator, Duration::from_millis(500));
        // Warm the impatient client's connection so only the stall can time it out.
        let url = default_ingest_url(&emulator);
        assert_eq!(
            post_json(&impatient, &url, &token, "[]").await.status(),
            204
        );
        emulator.inject(Fault::stall(Duration::from_millis(2000)));
        let error = ingest_request(
            &impatient,
            &default_ingest_url(&emulator),
            &token,
            records(3).to_string(),
        )
        .send()
        .await
        .expect_err("no answer within the client timeout");
        assert!(error.is_timeout(), "{error}");
        let entry = wait_for_log(&emulator, |l| l.fault.as_deref() == Some("stall")).await;
        assert_eq!(entry.status, None);
        assert_eq!(emulator.row_count(STREAM), 0);
        let url = default_ingest_url(&emulator);
        assert_eq!(
            post_json(&client, &url, &token, "[]").await.status(),
            204,
            "stall used up"
        );
    })
    .await;
}

#[tokio::test]
async fn token_endpoint_can_reset_or_stall() {
    bounded(async {
        let emulator = start().await;
        let client = client(&emulator);
        let url = token_url(&emulator, &emulator.connection().tenant_id);
        emulator.inject(Fault::reset_mid_body().on(FaultTarget::Token));
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(token_form(&emulator).iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let error = client
            .post(&url)
            .body(form.clone())
            .send()
            .await
            .expect_err("reset");
        assert!(!error.is_timeout(), "{error}");
        let impatient = client_with_timeout(&emulator, Duration::from_millis(500));
        // Warm the connection so only the stall can time the client out.
        let warm = impatient
            .post(&url)
            .body(form.clone())
            .send()
            .await
            .expect("answered");
        assert_eq!(warm.status(), 200);
        emulator.inject(Fault::stall(Duration::from_millis(2000)).on(FaultTarget::Any));
        let error = impatient
            .post(&url)
            .body(form)
            .send()
            .await
            .expect_err("stalled");
        assert!(error.is_timeout(), "{error}");
        assert_eq!(
            emulator
                .counters()
                .token_requests
                .values()
                .map(|c| c.issued)
                .sum::<u64>(),
            1,
            "only the warm-up request got a token"
        );
    })
    .await;
}

#[tokio::test]
async fn faults_can_be_injected_through_the_control_endpoint() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let faults = json!([
            {"target": "ingest", "count": 1, "action": "fail", "status": 500},
            {"action": "fail", "status": 429, "retry_after_secs": 4},
        ]);
        let response = client
            .post(format!("{}/_emulator/faults", emulator.base_url()))
            .json(&faults)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 204);
        let url = default_ingest_url(&emulator);
        assert_ingest_error(
            post_json(&client, &url, &token, "[]").await,
            500,
            "InternalServerError",
        )
        .await;
        let response = post_json(&client, &url, &token, "[]").await;
        assert_eq!(response.headers()["retry-after"], "4");
        assert_ingest_error(response, 429, "TooManyRequests").await;
        assert_eq!(post_json(&client, &url, &token, "[]").await.status(), 204);

        let bad = client
            .post(format!("{}/_emulator/faults", emulator.base_url()))
            .json(&json!({"action": "explode"}))
            .send()
            .await
            .expect("answered");
        assert_eq!(bad.status(), 400);

        emulator.inject(Fault::fail(500).times(5));
        let cleared = client
            .delete(format!("{}/_emulator/faults", emulator.base_url()))
            .send()
            .await
            .expect("answered");
        assert_eq!(cleared.status(), 204);
        assert_eq!(post_json(&client, &url, &token, "[]").await.status(), 204);
    })
    .await;
}
