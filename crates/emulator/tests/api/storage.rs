//! Storage and introspection: gzip, silent behaviours, durability, SQLite layout,
//! the control API, connection files, plain HTTP mode.

use std::time::Duration;

use ccfgen_emulator::{DiagnosticKind, Fault, RequestKind};
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn gzip_body_is_inflated_and_both_sizes_are_logged() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let json = records(200).to_string();
        let compressed = gzip(json.as_bytes());
        let request = ingest_request(
            &client,
            &default_ingest_url(&emulator),
            &token,
            compressed.clone(),
        )
        .header("content-encoding", "gzip");
        assert_eq!(send(request).await.status(), 204);
        assert_eq!(emulator.row_count(STREAM), 200);
        assert_eq!(emulator.rows(STREAM)[199]["Message"], "record 199");
        let entry = emulator.requests().pop().expect("logged");
        assert_eq!(entry.kind, RequestKind::Ingest);
        assert_eq!(entry.content_encoding.as_deref(), Some("gzip"));
        assert_eq!(entry.wire_bytes, compressed.len() as u64);
        assert_eq!(entry.inflated_bytes, json.len() as u64);
        let counters = emulator.counters();
        assert_eq!(
            (counters.records_stored, counters.wire_bytes),
            (200, compressed.len() as u64)
        );
    })
    .await;
}

#[tokio::test]
async fn silent_drops_nulls_and_truncations_answer_204_and_show_in_diagnostics() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let long = "é".repeat(40_000); // 80,000 bytes
        let body = json!([
            {"Message": long, "Count": "seven", "Unknown": 1, "Props": {"k": "v"}},
            {"Message": "short", "Count": 4_000_000_000i64, "Unknown": 2, "Flag": "yes", "TimeGenerated": "not a date"},
        ]);
        let response = send(
            ingest_request(&client, &default_ingest_url(&emulator), &token, body.to_string())
                .header("x-ms-client-request-id", "5a0c6e0a-1111-4222-8333-444455556666"),
        )
        .await;
        assert_eq!(response.status(), 204);
        let request_id = response.headers()["x-ms-request-id"].to_str().expect("ascii").to_owned();

        let rows = emulator.rows(STREAM);
        let stored = rows[0]["Message"].as_str().expect("text");
        assert_eq!(stored.len(), 65_536, "truncated to 64 KB on a character boundary");
        assert!(stored.chars().all(|c| c == 'é'));
        assert_eq!(rows[0]["Count"], Value::Null);
        assert!(rows[0].get("Unknown").is_none());
        assert_eq!(rows[0]["Props"], json!({"k": "v"}));
        assert_eq!(rows[1]["Count"], Value::Null);
        assert_eq!(rows[1]["Flag"], Value::Null);
        assert_eq!(rows[1]["TimeGenerated"], Value::Null);

        let diagnostics = emulator.diagnostics();
        let summary: Vec<(&str, DiagnosticKind, u64, u64)> = diagnostics
            .iter()
            .map(|d| (d.column.as_str(), d.kind, d.count, d.first_record))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("Message", DiagnosticKind::Truncated, 1, 0),
                ("Count", DiagnosticKind::TypeMismatch, 2, 0),
                ("Unknown", DiagnosticKind::DroppedColumn, 2, 0),
                ("Flag", DiagnosticKind::TypeMismatch, 1, 1),
                ("TimeGenerated", DiagnosticKind::TypeMismatch, 1, 1),
            ]
        );
        assert!(diagnostics.iter().all(|d| d.request_id == request_id && d.stream == STREAM));
        assert_eq!(diagnostics[0].client_request_id.as_deref(), Some("5a0c6e0a-1111-4222-8333-444455556666"));
        assert!(diagnostics[1].detail.contains("declared int, received string"), "{}", diagnostics[1].detail);
        let silent = emulator.counters().silent;
        assert_eq!(silent[&DiagnosticKind::TypeMismatch], 4);
        assert_eq!(silent[&DiagnosticKind::DroppedColumn], 2);
        assert_eq!(silent[&DiagnosticKind::Truncated], 1);
    })
    .await;
}

#[tokio::test]
async fn accepted_rows_are_committed_before_the_204_and_survive_a_restart() {
    bounded(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("state.sqlite");
        let emulator = start_with(|c| c.state_path = Some(state.clone())).await;
        let config = emulator.config().clone();
        let client = client(&emulator);
        let token = token(&emulator, &client).await;
        let request = ingest_request(
            &client,
            &default_ingest_url(&emulator),
            &token,
            records(5).to_string(),
        )
        .header(
            "x-ms-client-request-id",
            "9b2f0e4c-0000-4000-8000-00000000abcd",
        );
        assert_eq!(send(request).await.status(), 204);

        // Another connection (as the sqlite3 shell would be) sees the rows while the
        // emulator still runs: the commit happened before the answer.
        let reader = Connection::open(&state).expect("opens");
        let messages: Vec<String> = reader
            .prepare("SELECT \"Message\" FROM \"Custom-Test\" ORDER BY _ccfgen_seq")
            .expect("prepares")
            .query_map([], |row| row.get(0))
            .expect("queries")
            .collect::<Result<_, _>>()
            .expect("reads");
        assert_eq!(
            messages,
            (0..5).map(|i| format!("record {i}")).collect::<Vec<_>>()
        );
        let types: Vec<(String, String)> = reader
            .prepare("SELECT name, type FROM pragma_table_info('Custom-Test')")
            .expect("prepares")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("queries")
            .collect::<Result<_, _>>()
            .expect("reads");
        let expected = [
            ("TimeGenerated", "TEXT"),
            ("Message", "TEXT"),
            ("Count", "INTEGER"),
            ("Big", "INTEGER"),
            ("Ratio", "REAL"),
            ("Flag", "INTEGER"),
            ("Props", "TEXT"),
            ("_ccfgen_dcr_id", "TEXT"),
            ("_ccfgen_request_id", "TEXT"),
            ("_ccfgen_client_request_id", "TEXT"),
            ("_ccfgen_attempt", "INTEGER"),
            ("_ccfgen_received_at", "TEXT"),
            ("_ccfgen_seq", "INTEGER"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, t)| ((*n).into(), (*t).into()))
            .collect();
        assert_eq!(types, expected);
        drop(reader);
        emulator.shutdown().await;

        let reopened = ccfgen_emulator::start(config)
            .await
            .expect("restarts on the same state file");
        assert_eq!(reopened.row_count(STREAM), 5);
        assert_eq!(reopened.rows(STREAM)[4]["Message"], "record 4");
        // Attempt numbering continues across restarts.
        let client = crate::common::client(&reopened);
        let token = crate::common::token(&reopened, &client).await;
        let request = ingest_request(
            &client,
            &default_ingest_url(&reopened),
            &token,
            records(1).to_string(),
        )
        .header(
            "x-ms-client-request-id",
            "9b2f0e4c-0000-4000-8000-00000000abcd",
        );
        assert_eq!(send(request).await.status(), 204);
        assert_eq!(reopened.rows(STREAM)[5]["_ccfgen_attempt"], 2);
        reopened.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn control_api_mirrors_the_rust_api() {
    bounded(async {
        let (emulator, client, token) = ready(|_| {}).await;
        let url = default_ingest_url(&emulator);
        let body = json!([{"Message": "a", "Extra": 1}, {"Message": "b"}]).to_string();
        assert_eq!(post_json(&client, &url, &token, body).await.status(), 204);
        let control = |path: &str| format!("{}/_emulator/{path}", emulator.base_url());
        let get_json = |path: String| {
            let client = client.clone();
            async move {
                let response = client.get(path).send().await.expect("answered");
                assert_eq!(response.status(), 200);
                response.json::<Value>().await.expect("json")
            }
        };

        let rows = get_json(control(&format!("streams/{STREAM}/rows"))).await;
        assert_eq!(rows, Value::Array(emulator.rows(STREAM)));
        assert_eq!(get_json(control(&format!("streams/{STREAM}/count"))).await, json!({"count": 2}));
        let requests = get_json(control("requests")).await;
        assert_eq!(requests, serde_json::to_value(emulator.requests()).expect("serializes"));
        assert_eq!(requests[1]["kind"], "ingest");
        let diagnostics = get_json(control("diagnostics")).await;
        assert_eq!(diagnostics[0]["kind"], "dropped_column");
        assert_eq!(diagnostics[0]["column"], "Extra");
        let counters = get_json(control("counters")).await;
        assert_eq!(counters["records_stored"], 2);
        assert_eq!(counters["ingest_statuses"]["204"], 1);

        let metrics = client.get(control("metrics")).send().await.expect("answered");
        assert!(metrics.headers()["content-type"].to_str().expect("ascii").starts_with("text/plain"));
        let text = metrics.text().await.expect("text");
        assert!(text.contains("# TYPE ccfgen_emulator_records_stored_total counter\nccfgen_emulator_records_stored_total 2\n"), "{text}");
        assert!(text.contains("ccfgen_emulator_ingest_responses_total{status=\"204\"} 1"), "{text}");
        assert!(text.contains(&format!(
            "ccfgen_emulator_token_requests_total{{client_id=\"{}\",outcome=\"issued\"}} 1",
            emulator.connection().client_id
        )));

        let ca = client.get(control("ca.pem")).send().await.expect("answered").text().await.expect("text");
        assert_eq!(Some(ca.as_str()), emulator.ca_pem());

        let expire = client.post(control("tokens/expire")).send().await.expect("answered");
        assert_eq!(expire.status(), 204);
        let response = post_json(&client, &url, &token, "[]").await;
        assert_ingest_error(response, 401, "ExpiredAuthenticationToken").await;

        emulator.inject(Fault::fail(500));
        let reset = client.post(control("reset")).send().await.expect("answered");
        assert_eq!(reset.status(), 204);
        assert_eq!(emulator.row_count(STREAM), 0);
        assert!(emulator.requests().is_empty());
        assert!(emulator.diagnostics().is_empty());
        assert_eq!(emulator.counters(), ccfgen_emulator::Counters::default());
        let fresh = crate::common::token(&emulator, &client).await;
        assert_eq!(post_json(&client, &url, &fresh, "[]").await.status(), 204, "reset dropped the fault");

        let missing = client.get(control("nothing-here")).send().await.expect("answered");
        assert_eq!(missing.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn connection_file_holds_the_seed_keys_and_a_trusted_ca() {
    bounded(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let emulator = start().await;
        let path = dir.path().join("connector.json");
        emulator.write_connection_file(&path).expect("writes");
        let text = std::fs::read_to_string(&path).expect("reads");
        let file: Value = serde_json::from_str(&text).expect("json");
        let c = emulator.connection();
        assert_eq!(file["tenant_id"], c.tenant_id.as_str());
        assert_eq!(file["application_id"], c.client_id.as_str());
        assert_eq!(file["application_secret"], c.client_secret.as_str());
        assert_eq!(file["dce_endpoint"], emulator.base_url().as_str());
        assert_eq!(file["dcr_immutable_id"], c.dcr_immutable_id.as_str());
        assert!(c.dcr_immutable_id.starts_with("dcr-") && c.dcr_immutable_id.len() == 36);
        assert_eq!(file["stream_name"], STREAM);
        assert_eq!(file["authority_host"], emulator.base_url().as_str());
        let ca_path = file["ca_file"].as_str().expect("ca_file");
        let ca = std::fs::read_to_string(ca_path).expect("CA written");
        assert_eq!(Some(ca.as_str()), emulator.ca_pem());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the file holds a secret");
        }
        assert!(
            !format!("{c:?}").contains(&c.client_secret),
            "Debug redacts the secret"
        );

        // A client configured only from the file's CA reaches the emulator.
        let trusted = reqwest::Client::builder()
            .no_proxy()
            .timeout(REQUEST_TIMEOUT)
            .tls_backend_preconfigured(tls_config(&ca))
            .build()
            .expect("client");
        let token = crate::common::token(&emulator, &trusted).await;
        assert!(!token.is_empty());
        // And a client without it is refused by TLS.
        let untrusting = reqwest::Client::builder()
            .no_proxy()
            .timeout(REQUEST_TIMEOUT)
            .tls_backend_preconfigured(tls_config(&generated_other_ca()))
            .build()
            .expect("client");
        let error = untrusting
            .get(emulator.base_url())
            .send()
            .await
            .expect_err("untrusted");
        assert!(error.is_connect(), "{error}");
    })
    .await;
}

/// The CA of another emulator instance (a certificate this one did not sign).
fn generated_other_ca() -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    std::thread::spawn(move || {
        runtime.block_on(async {
            let other = start().await;
            let pem = other.ca_pem().expect("TLS mode").to_owned();
            other.shutdown().await;
            pem
        })
    })
    .join()
    .expect("thread")
}

#[tokio::test]
async fn plain_http_is_served_only_when_asked() {
    bounded(async {
        let emulator = start_with(|c| c.tls = false).await;
        assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
        assert_eq!(emulator.ca_pem(), None);
        let client = client(&emulator);
        let token = token(&emulator, &client).await;
        let response = post_json(
            &client,
            &default_ingest_url(&emulator),
            &token,
            records(2).to_string(),
        )
        .await;
        assert_eq!(response.status(), 204);
        assert_eq!(emulator.row_count(STREAM), 2);
        let dir = tempfile::tempdir().expect("tempdir");
        emulator
            .write_connection_file(dir.path().join("c.json"))
            .expect("writes");
        let file: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("c.json")).expect("reads"),
        )
        .expect("json");
        assert_eq!(file["ca_file"], Value::Null);

        // The default (TLS) emulator does not speak plain HTTP.
        let tls = start().await;
        let plain = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .tls_backend_preconfigured(tls_config(""))
            .build()
            .expect("client");
        let url = tls.base_url().replacen("https://", "http://", 1);
        assert!(plain.get(url).send().await.is_err());
    })
    .await;
}

#[tokio::test]
async fn one_connection_file_per_stream_and_plain_http_allowed_on_loopback() {
    bounded(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let emulator = start_with(|c| {
            c.tls = false;
            let mut second = stream();
            second.name = "Custom-Second".into();
            c.dcrs[0].streams.push(second);
        })
        .await;
        let path = dir.path().join("connector_config.json");
        let files = emulator.write_connection_files(&path).expect("writes");
        let written: Vec<_> = files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            written,
            [
                path.clone(),
                dir.path().join("connector_config.Custom-Second.json")
            ]
        );
        for f in &files {
            assert_eq!(f.dcr_index, 0);
            let file: Value =
                serde_json::from_str(&std::fs::read_to_string(&f.path).expect("reads"))
                    .expect("json");
            assert_eq!(file["stream_name"], f.values.stream_name.as_str());
            assert_eq!(file["allow_http_loopback"], true, "plain HTTP needs it");
            assert_eq!(file["ca_file"], Value::Null);
        }
        assert_eq!(files[1].values.stream_name, "Custom-Second");
    })
    .await;
}
