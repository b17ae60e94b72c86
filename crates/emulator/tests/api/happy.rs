//! The happy path: token, ingest, rows back with metadata.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn token_then_ingest_stores_rows_with_metadata() {
    bounded(async {
        let emulator = start().await;
        assert!(emulator.base_url().starts_with("https://127.0.0.1:"));
        let client = client(&emulator);
        let token = token(&emulator, &client).await;
        let response = send(
            ingest_request(
                &client,
                &default_ingest_url(&emulator),
                &token,
                records(3).to_string(),
            )
            .header(
                "x-ms-client-request-id",
                "7d3c1e2a-0000-4000-8000-000000000001",
            ),
        )
        .await;
        assert_eq!(response.status(), 204);
        let request_id = response.headers()["x-ms-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(response.bytes().await.expect("body").is_empty());

        let rows = emulator.rows(STREAM);
        assert_eq!(rows.len(), 3);
        assert_eq!(emulator.row_count(STREAM), 3);
        let first = &rows[0];
        assert_eq!(first["TimeGenerated"], "2024-05-01T10:00:00Z");
        assert_eq!(first["Message"], "record 0");
        assert_eq!(first["Count"], 0);
        assert_eq!(first["Big"], 9_000_000_000i64);
        assert_eq!(first["Ratio"], 0.5);
        assert_eq!(first["Flag"], true);
        assert_eq!(first["Props"], json!({"i": 0}));
        assert_eq!(first["_ccfgen_request_id"], request_id.as_str());
        assert_eq!(
            first["_ccfgen_client_request_id"],
            "7d3c1e2a-0000-4000-8000-000000000001"
        );
        assert_eq!(first["_ccfgen_attempt"], 1);
        assert_eq!(
            first["_ccfgen_dcr_id"],
            emulator.connection().dcr_immutable_id.as_str()
        );
        assert_eq!(rows[2]["_ccfgen_seq"], 3);

        let log = emulator.requests();
        let ingest = log.last().expect("logged");
        assert_eq!(ingest.status, Some(204));
        assert_eq!(ingest.records, 3);
        assert_eq!(ingest.request_id, request_id);
        emulator.shutdown().await;
    })
    .await;
}
