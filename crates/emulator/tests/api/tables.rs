//! Data flows: each stream's transformKql runs on what the stream receives, and the table rows
//! it gives (after the service's storage rules) are stored beside the stream's rows, committed
//! with them before the 204, readable through the Rust API and the control API, kept across a
//! restart; a transformation the evaluator cannot run is reported at start.

use ccfgen_emulator::{DataFlow, StreamColumn};
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::common::*;

const TABLE: &str = "Test_CL";

/// A flow into `Custom-Test_CL`: keeps records with a `Count`, renames and converts columns,
/// outputs a column the table does not have and a value of the wrong type.
fn flow() -> DataFlow {
    DataFlow::new(
        "source
         | where isnotnull(Count)
         | extend Level = iff(Count > 1, 'high', 'low'), Size = Big * 2
         | extend Tag = iff(Count == 2, strrep(strrep('x', 100), 700), tostring(Props.tag))
         | extend NotInTable = 1, Wrong = 'x'
         | project-away Ratio",
        "Custom-Test_CL",
        Some(vec![
            StreamColumn::new("TimeGenerated", "dateTime"),
            StreamColumn::new("Message", "string"),
            StreamColumn::new("Level", "string"),
            StreamColumn::new("Size", "long"),
            StreamColumn::new("Tag", "string"),
            StreamColumn::new("Wrong", "int"),
            StreamColumn::new("Props", "dynamic"),
        ]),
    )
}

fn now_rfc3339(offset_hours: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::hours(offset_hours);
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

#[tokio::test]
async fn transformed_rows_are_stored_per_table_with_the_service_rules() {
    bounded(async {
        let (emulator, client, token) = ready(|c| {
            c.dcrs[0].streams[0].flows = vec![flow()];
        })
        .await;
        assert_eq!(emulator.tables(), vec![TABLE.to_owned()]);
        assert!(emulator.transform_errors().is_empty());
        let recent = now_rfc3339(-1);
        let body = json!([
            {"TimeGenerated": recent, "Message": "a", "Count": 1, "Big": 10,
             "Ratio": 0.5, "Props": {"tag": "t1"}},
            {"TimeGenerated": "2020-01-01T00:00:00Z", "Message": "b", "Count": 5, "Big": 1},
            {"Message": "no count"},
            {"Message": "c", "Count": 2},
        ]);
        let response = post_json(
            &client,
            &default_ingest_url(&emulator),
            &token,
            body.to_string(),
        )
        .await;
        assert_eq!(response.status(), 204);

        // the stream keeps every record as received
        assert_eq!(emulator.row_count(STREAM), 4);
        // the table: the `where` dropped one record
        assert_eq!(emulator.table_row_count(TABLE), 3);
        let rows = emulator.table_rows(TABLE);
        let received = rows[0]["_ccfgen_received_at"]
            .as_str()
            .expect("received_at")
            .to_owned();
        let columns: Vec<&str> = rows[0]
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            columns,
            [
                "TimeGenerated",
                "Message",
                "Level",
                "Size",
                "Tag",
                "Wrong",
                "Props",
                "_ccfgen_stream",
                "_ccfgen_dcr_id",
                "_ccfgen_request_id",
                "_ccfgen_client_request_id",
                "_ccfgen_attempt",
                "_ccfgen_received_at",
                "_ccfgen_seq"
            ],
            "the table's columns (NotInTable dropped, Ratio projected away), then the metadata"
        );
        let same_instant = |a: &str, b: &str| {
            let parse = |s: &str| {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .expect("RFC 3339")
                    .unix_timestamp_nanos()
                    / 100
            };
            parse(a) == parse(b)
        };
        // a recent TimeGenerated is kept
        assert!(same_instant(
            rows[0]["TimeGenerated"].as_str().unwrap(),
            &recent
        ));
        assert_eq!(rows[0]["Level"], "low");
        assert_eq!(rows[0]["Size"], 20);
        assert_eq!(rows[0]["Tag"], "t1");
        assert_eq!(
            rows[0]["Wrong"],
            Value::Null,
            "a string does not fit an int column"
        );
        assert_eq!(rows[0]["Props"], json!({"tag": "t1"}));
        assert_eq!(rows[0]["_ccfgen_stream"], STREAM);
        // more than 2 days old: the received time
        assert!(same_instant(
            rows[1]["TimeGenerated"].as_str().unwrap(),
            &received
        ));
        assert_eq!(rows[1]["Level"], "high");
        assert_eq!(rows[1]["Tag"], "", "tostring(null) is the empty string");
        // missing TimeGenerated: the received time; a 70 KB value truncated to 64 KB
        assert!(same_instant(
            rows[2]["TimeGenerated"].as_str().unwrap(),
            &received
        ));
        assert_eq!(rows[2]["Tag"].as_str().map(str::len), Some(64 * 1024));
        assert_eq!(rows[2]["Size"], Value::Null, "Big * 2 of a null Big");
        let request_id = &emulator.requests()[1].request_id;
        assert!(rows.iter().all(|r| &r["_ccfgen_request_id"] == request_id));

        // the control API: the same rows, the count, the tables and their flows
        let control = |path: &str| format!("{}/_emulator/{path}", emulator.base_url());
        let get = |path: String| {
            let client = client.clone();
            async move {
                let response = client.get(path).send().await.expect("answered");
                (
                    response.status().as_u16(),
                    response.json::<Value>().await.expect("json"),
                )
            }
        };
        assert_eq!(
            get(control(&format!("tables/{TABLE}/rows"))).await,
            (200, Value::Array(rows.clone()))
        );
        assert_eq!(
            get(control(&format!("tables/{TABLE}/count"))).await,
            (200, json!({"count": 3}))
        );
        assert_eq!(
            get(control(&format!("streams/{STREAM}/count"))).await,
            (200, json!({"count": 4}))
        );
        let (status, tables) = get(control("tables")).await;
        assert_eq!(status, 200);
        assert_eq!(tables[0]["table"], TABLE);
        assert_eq!(tables[0]["defined"], true);
        assert_eq!(
            tables[0]["columns"][3],
            json!({"name": "Size", "type": "long"})
        );
        assert_eq!(tables[0]["flows"][0]["stream"], STREAM);
        assert_eq!(tables[0]["flows"][0]["error"], Value::Null);
        let (status, _) = get(control("tables/Other_CL/rows")).await;
        assert_eq!(status, 404);
        let counters = emulator.counters();
        assert_eq!(
            (
                counters.records_stored,
                counters.table_rows_stored,
                counters.records_filtered
            ),
            (4, 3, 1)
        );

        // the SQLite view named after the table, for the sqlite3 shell
        let reader = Connection::open(emulator.state_path()).expect("opens");
        let levels: Vec<String> = reader
            .prepare("SELECT Level FROM \"Test_CL\" ORDER BY _ccfgen_seq")
            .expect("prepares")
            .query_map([], |row| row.get(0))
            .expect("queries")
            .collect::<Result<_, _>>()
            .expect("reads");
        assert_eq!(levels, ["low", "high", "high"]);
        drop(reader);

        emulator.reset();
        assert_eq!(emulator.table_row_count(TABLE), 0);
    })
    .await;
}

#[tokio::test]
async fn every_flow_of_a_stream_runs_and_a_table_without_definition_keeps_the_output() {
    bounded(async {
        let (emulator, client, token) = ready(|c| {
            c.dcrs[0].streams[0].flows = vec![
                flow(),
                DataFlow::new(
                    "source | project Message, Doubled = Count * 2",
                    "Microsoft-Builtin",
                    None,
                ),
            ];
        })
        .await;
        assert_eq!(
            emulator.tables(),
            vec![TABLE.to_owned(), "Builtin".to_owned()]
        );
        let body = records(3).to_string();
        let response = post_json(&client, &default_ingest_url(&emulator), &token, body).await;
        assert_eq!(response.status(), 204);
        assert_eq!(emulator.table_row_count(TABLE), 3);
        let builtin = emulator.table_rows("Builtin");
        let values: Vec<(Value, Value)> = builtin
            .iter()
            .map(|r| (r["Message"].clone(), r["Doubled"].clone()))
            .collect();
        assert_eq!(
            values,
            [
                (json!("record 0"), json!(0)),
                (json!("record 1"), json!(2)),
                (json!("record 2"), json!(4))
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn a_transformation_the_evaluator_cannot_run_is_reported_at_start() {
    bounded(async {
        let (emulator, client, token) = ready(|c| {
            c.dcrs[0].streams[0].flows = vec![DataFlow::new(
                "source | summarize n = count() by Message",
                "Custom-Test_CL",
                Some(vec![StreamColumn::new("TimeGenerated", "dateTime")]),
            )];
        })
        .await;
        let errors = emulator.transform_errors();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].stream.as_str(), errors[0].table.as_str()),
            (STREAM, TABLE)
        );
        assert!(
            errors[0].message.contains("summarize"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[0].message.contains("1:"),
            "line:column given: {}",
            errors[0].message
        );
        let tables: Value = client
            .get(format!("{}/_emulator/tables", emulator.base_url()))
            .send()
            .await
            .expect("answered")
            .json()
            .await
            .expect("json");
        assert_eq!(tables[0]["flows"][0]["error"], json!(errors[0].message));
        // the stream still stores what it receives; the table gets nothing from this flow
        let response = post_json(
            &client,
            &default_ingest_url(&emulator),
            &token,
            records(2).to_string(),
        )
        .await;
        assert_eq!(response.status(), 204);
        assert_eq!(emulator.row_count(STREAM), 2);
        assert_eq!(emulator.table_row_count(TABLE), 0);
    })
    .await;
}

#[tokio::test]
async fn table_rows_survive_a_restart_and_a_changed_table_is_refused() {
    bounded(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("state.sqlite");
        let emulator = start_with(|c| {
            c.state_path = Some(state.clone());
            c.dcrs[0].streams[0].flows = vec![flow()];
        })
        .await;
        let config = emulator.config().clone();
        let client = client(&emulator);
        let token = token(&emulator, &client).await;
        let response = post_json(
            &client,
            &default_ingest_url(&emulator),
            &token,
            records(4).to_string(),
        )
        .await;
        assert_eq!(response.status(), 204);
        let before = emulator.table_rows(TABLE);
        emulator.shutdown().await;

        let reopened = ccfgen_emulator::start(config.clone())
            .await
            .expect("restarts");
        assert_eq!(reopened.table_rows(TABLE), before);
        reopened.shutdown().await;

        let mut changed = config;
        let flow = &mut changed.dcrs[0].streams[0].flows[0];
        flow.table_columns
            .as_mut()
            .expect("defined")
            .push(StreamColumn::new("More", "string"));
        let refused = ccfgen_emulator::start(changed)
            .await
            .err()
            .expect("refused");
        assert!(
            refused
                .to_string()
                .contains("invalid emulator configuration"),
            "{refused}"
        );
    })
    .await;
}

#[tokio::test]
async fn table_names_that_clash_are_configuration_errors() {
    bounded(async {
        for (output, columns) in [
            ("Custom-custom-test", None),
            ("Custom-_ccfgen_x", None),
            (
                "Custom-T_CL",
                Some(vec![StreamColumn::new("_ccfgen_seq", "long")]),
            ),
            ("Custom-T_CL", Some(vec![StreamColumn::new("A", "uuid")])),
        ] {
            let mut config = ccfgen_emulator::Config::single_stream(stream());
            config.dcrs[0].streams[0].flows = vec![DataFlow::new("source", output, columns)];
            let error = ccfgen_emulator::start(config).await.err().expect("refused");
            assert!(
                error.to_string().contains("invalid emulator configuration"),
                "{output}: {error}"
            );
        }
    })
    .await;
}
