//! The push runtime against the real emulator (HTTPS with its own CA, loopback): the happy
//! path, every fault, bisecting, dead letters, fatal configuration errors and resuming.

mod common;

use std::sync::Arc;
use std::time::Duration;

use ccfgen_emulator::Fault;
use ccfgen_push::batch::Limits;
use ccfgen_push::{
    Client, PushError, PushOptions, Record, Source, Summary, ValidationOptions, push_sources,
};
use common::*;

async fn push_file(
    emu: &ccfgen_emulator::Emulator,
    dir: &tempfile::TempDir,
    file: &std::path::Path,
    tweak: impl FnOnce(&mut PushOptions),
) -> Result<Summary, Box<ccfgen_push::Incomplete>> {
    let mut options = PushOptions::new(state_dir(dir));
    options.retry = fast_retry();
    tweak(&mut options);
    tokio::time::timeout(
        TEST_TIMEOUT,
        push_sources(
            client_config(emu),
            COLUMNS,
            vec![Source::File(file.to_owned())],
            options,
        ),
    )
    .await
    .expect("push finishes in time")
}

fn all_ids(n: u64) -> Vec<u64> {
    (0..n).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_directory_of_ndjson_and_json_array() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    write_ndjson(&input.join("a.ndjson"), 0..3000);
    let array: Vec<_> = (3000..5000).map(record).collect();
    std::fs::write(
        input.join("sub/b.json"),
        serde_json::to_vec_pretty(&array).unwrap(),
    )
    .unwrap();
    std::fs::write(input.join("notes.txt"), "not an input").unwrap();
    let mut options = PushOptions::new(state_dir(&dir));
    options.limits = Limits {
        max_records: 700,
        ..Limits::default()
    };
    let summary = tokio::time::timeout(
        TEST_TIMEOUT,
        push_sources(
            client_config(&emu),
            COLUMNS,
            vec![Source::Dir(input.clone())],
            options,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(stored_ids(&emu), all_ids(5000));
    assert_eq!(summary.records_read, 5000);
    assert_eq!(summary.delivered, 5000);
    assert_eq!(summary.dead_lettered(), 0);
    assert_eq!(summary.pending(), 0);
    assert_eq!(
        summary.requests, 8,
        "5000 records in batches of at most 700: {summary:?}"
    );
    assert_eq!(summary.token_requests, 1, "one token shared by all uploads");
    assert!(summary.bytes_wire < summary.bytes_raw / 3, "{summary:?}");
    // Every request was gzip with its own client request id.
    let reqs: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.stream.is_some())
        .collect();
    assert_eq!(reqs.len(), 8);
    assert!(
        reqs.iter()
            .all(|r| r.content_encoding.as_deref() == Some("gzip"))
    );
    let ids: std::collections::BTreeSet<_> =
        reqs.iter().map(|r| r.client_request_id.clone()).collect();
    assert_eq!(ids.len(), 8);

    // A second run finds everything done and sends nothing.
    let options = PushOptions::new(state_dir(&dir));
    let again = push_sources(
        client_config(&emu),
        COLUMNS,
        vec![Source::Dir(input)],
        options,
    )
    .await
    .unwrap();
    assert_eq!(
        (again.skipped, again.requests, again.delivered),
        (5000, 0, 0)
    );
    assert_eq!(stored_ids(&emu), all_ids(5000));
    emu.shutdown().await;
}

/// A typed record, as ccfgen generates them.
#[derive(serde::Serialize)]
struct Event {
    #[serde(rename = "TimeGenerated", with = "ccfgen_push::rfc3339")]
    time_generated: time::OffsetDateTime,
    #[serde(rename = "Id")]
    id: i64,
    #[serde(rename = "Message")]
    message: String,
}

impl Record for Event {
    const STREAM: &'static str = STREAM;
    const COLUMNS: &'static [ccfgen_push::Column] = COLUMNS;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_records_through_a_sink() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::builder(client_config(&emu), state_dir(&dir))
        .concurrency(3)
        .limits(Limits {
            max_records: 100,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let events = (0..1000).map(|i| Event {
        time_generated: time::macros::datetime!(2025-11-06 10:30 UTC),
        id: i,
        message: format!("typed {i}"),
    });
    let summary = tokio::time::timeout(TEST_TIMEOUT, client.send_all("typed-events", events))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.delivered, 1000);
    assert_eq!(summary.requests, 10);
    assert_eq!(stored_ids(&emu), all_ids(1000));
    let row = &emu.rows(STREAM)[0];
    assert_eq!(
        row["TimeGenerated"].as_str().unwrap().get(..19),
        Some("2025-11-06T10:30:00")
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_storm_honours_retry_after_with_stable_request_ids() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    write_ndjson(&file, 0..200);
    emu.inject(Fault::fail(429).times(3).retry_after(1));
    let started = std::time::Instant::now();
    let summary = push_file(&emu, &dir, &file, |o| o.concurrency = 1)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "Retry-After: 1 honoured three times"
    );
    assert_eq!(summary.delivered, 200);
    assert_eq!(summary.retried_requests, 3);
    assert_eq!(summary.requests, 4);
    assert_eq!(summary.duplicates_possible, 0, "429 is never applied");
    let reqs: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.stream.is_some())
        .collect();
    let statuses: Vec<_> = reqs.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![Some(429), Some(429), Some(429), Some(204)]);
    assert!(
        reqs.windows(2)
            .all(|w| w[0].client_request_id == w[1].client_request_id)
    );
    assert_eq!(stored_ids(&emu), all_ids(200));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_resets_and_stalls_are_retried() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    write_ndjson(&file, 0..300);
    emu.inject(Fault::fail(503).times(2));
    emu.inject(Fault::fail(502));
    emu.inject(Fault::reset_mid_body());
    emu.inject(Fault::stall(Duration::from_secs(3)));
    let summary = push_file(&emu, &dir, &file, |o| {
        o.concurrency = 1;
        o.retry.attempt_timeout = Duration::from_millis(800);
    })
    .await
    .unwrap();
    assert_eq!(summary.delivered, 300);
    assert_eq!(summary.requests, 6, "{summary:?}");
    assert_eq!(summary.retried_requests, 5);
    assert_eq!(
        stored_ids(&emu),
        all_ids(300),
        "nothing lost, nothing doubled"
    );
    assert_eq!(
        summary.duplicates_possible, 300,
        "502 / reset / timeout are ambiguous"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_budget_exhausted_stops_with_the_records_pending() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    write_ndjson(&file, 0..50);
    emu.inject(Fault::fail(503).times(1000));
    let incomplete = push_file(&emu, &dir, &file, |o| {
        o.retry.max_elapsed = Duration::from_secs(1);
    })
    .await
    .unwrap_err();
    emu.clear_faults();
    let message = incomplete.error.to_string();
    assert!(
        matches!(incomplete.error, PushError::RetryTimeExhausted { .. }),
        "{message}"
    );
    assert!(message.contains("HTTP 503"), "{message}");
    assert!(message.contains("role assignment"), "{message}");
    let summary = &incomplete.summary;
    assert_eq!(summary.delivered, 0);
    assert_eq!(summary.dead_lettered(), 0);
    assert_eq!(summary.pending(), 50);
    assert!(summary.requests >= 3, "{summary:?}");
    assert!(dead_letters(&state_dir(&dir).join("dead-letter.ndjson")).is_empty());
    // The service healed: the same push sends them.
    let summary = push_file(&emu, &dir, &file, |_| {}).await.unwrap();
    assert_eq!(summary.delivered, 50);
    assert_eq!(stored_ids(&emu), all_ids(50));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_expiry_mid_run_refreshes_once_and_resends() {
    let mut config = emulator_config();
    config.token_ttl = Duration::from_secs(2);
    let emu = start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::builder(client_config(&emu), state_dir(&dir))
        .retry(fast_retry())
        .concurrency(2)
        .limits(Limits {
            max_records: 50,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let mut sink = client
        .value_sink(COLUMNS, "slow-feed", ValidationOptions::default())
        .unwrap();
    let run = async {
        for i in 0..400u64 {
            sink.push(&record(i)).await.unwrap();
            if i % 50 == 0 {
                tokio::time::sleep(Duration::from_millis(120)).await;
            }
            if i == 200 {
                // Revoke every issued token: the next request gets 401 and must re-authenticate.
                emu.expire_tokens();
            }
        }
        sink.finish().await
    };
    let summary = tokio::time::timeout(TEST_TIMEOUT, run)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.delivered, 400);
    assert_eq!(stored_ids(&emu), all_ids(400));
    assert!(summary.token_requests >= 2, "{summary:?}");
    let unauthorized = emu
        .requests()
        .iter()
        .filter(|r| r.stream.is_some() && r.status == Some(401))
        .count();
    assert!(unauthorized >= 1, "the revoked token was tried once");
    assert!(
        unauthorized <= 2,
        "one 401 per concurrent request at most: {unauthorized}"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_record_is_dead_lettered_before_sending() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    let mut text = String::new();
    // ~1.6 MB of incompressible text: cannot fit 1 MB even gzip-compressed.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let noise: String = (0..1_600_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'!' + (x % 90) as u8)
        })
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    for i in 0..10u64 {
        let mut r = record(i);
        if i == 4 {
            r["Message"] = noise.clone().into();
        }
        text.push_str(&r.to_string());
        text.push('\n');
    }
    std::fs::write(&file, text).unwrap();
    let summary = push_file(&emu, &dir, &file, |_| {}).await.unwrap();
    assert_eq!((summary.delivered, summary.too_large), (9, 1));
    let stored = stored_ids(&emu);
    assert_eq!(stored, vec![0, 1, 2, 3, 5, 6, 7, 8, 9]);
    assert!(
        emu.requests().iter().all(|r| r.status != Some(413)),
        "never sent"
    );
    let dead = dead_letters(&state_dir(&dir).join("dead-letter.ndjson"));
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["reason"], "too_large");
    assert_eq!(dead[0]["ordinal"], 4);
    assert!(
        dead[0]["message"]
            .as_str()
            .unwrap()
            .contains("exceed the request limit")
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_413_splits_the_batch_and_delivers_everything() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    write_ndjson(&file, 0..100);
    emu.inject(Fault::fail(413).times(2));
    let summary = push_file(&emu, &dir, &file, |o| o.concurrency = 1)
        .await
        .unwrap();
    assert_eq!(summary.delivered, 100);
    assert_eq!(summary.splits, 2);
    assert_eq!(
        summary.requests, 5,
        "413, 413 on the first half, then 25 + 25 + 50: {summary:?}"
    );
    assert_eq!(stored_ids(&emu), all_ids(100));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_then_drop_duplicates_are_bounded_and_reported() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    write_ndjson(&file, 0..1000);
    emu.inject(Fault::store_then_drop());
    let summary = push_file(&emu, &dir, &file, |o| {
        o.concurrency = 1;
        o.limits.max_records = 100;
    })
    .await
    .unwrap();
    assert_eq!(summary.delivered, 1000);
    let stored = stored_ids(&emu);
    let mut unique = stored.clone();
    unique.dedup();
    assert_eq!(unique, all_ids(1000), "every record stored");
    let duplicates = stored.len() as u64 - 1000;
    assert_eq!(
        duplicates, 100,
        "exactly the dropped batch was stored twice"
    );
    assert!(duplicates <= summary.duplicates_possible, "{summary:?}");
    assert_eq!(summary.duplicates_possible, 100);
    emu.shutdown().await;
}

/// A record whose serialization is refused by the service (not a JSON object) when poisoned.
struct Maybe {
    id: i64,
    poison: bool,
}

impl serde::Serialize for Maybe {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.poison {
            return s.serialize_i64(self.id);
        }
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("TimeGenerated", "2025-11-06T10:30:00Z")?;
        m.serialize_entry("Id", &self.id)?;
        m.end()
    }
}

impl Record for Maybe {
    const STREAM: &'static str = STREAM;
    const COLUMNS: &'static [ccfgen_push::Column] = COLUMNS;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_records_are_bisected_out_and_the_rest_delivered() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::builder(client_config(&emu), state_dir(&dir))
        .retry(fast_retry())
        .concurrency(1)
        .build()
        .unwrap();
    let poison = [17i64, 500, 501, 999];
    let records = (0..1000).map(|id| Maybe {
        id,
        poison: poison.contains(&id),
    });
    let summary = tokio::time::timeout(TEST_TIMEOUT, client.send_all("poison", records))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((summary.delivered, summary.rejected), (996, 4));
    let expected: Vec<u64> = (0..1000u64)
        .filter(|i| !poison.contains(&(*i as i64)))
        .collect();
    assert_eq!(stored_ids(&emu), expected);
    // Bisecting costs O(poison × log n) requests, not n.
    assert!(summary.requests < 60, "{summary:?}");
    let dead = dead_letters(&client.dead_letter_path());
    let ords: Vec<_> = dead
        .iter()
        .map(|d| d["ordinal"].as_i64().unwrap())
        .collect();
    assert_eq!(ords, poison.to_vec());
    assert!(dead.iter().all(|d| d["reason"] == "rejected"
        && d["status"] == 400
        && d["error_code"] == "InvalidPayload"
        && d["server_request_id"].is_string()));
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_records_go_to_the_dead_letter_file_with_reasons() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    let lines = [
        record(0).to_string(),
        r#"{"TimeGenerated":"yesterday","Id":1}"#.to_string(),
        r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Id":"two"}"#.to_string(),
        r#"{"Id":3}"#.to_string(),
        r#"{"TimeGenerated":"2025-11-06T10:30:00Z","Id":4,"Colour":"red"}"#.to_string(),
        r#"{"TimeGenerated": oops"#.to_string(),
        record(6).to_string(),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let summary = push_file(&emu, &dir, &file, |_| {}).await.unwrap();
    assert_eq!(
        (summary.delivered, summary.invalid, summary.unparseable),
        (2, 4, 1)
    );
    assert_eq!(stored_ids(&emu), vec![0, 6]);
    let dead = dead_letters(&state_dir(&dir).join("dead-letter.ndjson"));
    let got: Vec<(i64, &str, &str)> = dead
        .iter()
        .map(|d| {
            (
                d["ordinal"].as_i64().unwrap(),
                d["reason"].as_str().unwrap(),
                d["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got.len(), 5);
    assert!(got[0].2.contains("TimeGenerated (datetime)"), "{got:?}");
    assert!(
        got[1].2.contains("Id (long): expected an integer"),
        "{got:?}"
    );
    assert!(
        got[2]
            .2
            .contains("required column TimeGenerated is missing"),
        "{got:?}"
    );
    assert!(got[3].2.contains("field Colour is not a column"), "{got:?}");
    assert_eq!((got[4].0, got[4].1), (5, "unparseable"));
    assert_eq!(dead[4]["record_text"], r#"{"TimeGenerated": oops"#);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_stop_at_once_with_what_to_change() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    write_ndjson(&file, 0..10);

    let mut wrong_dcr = client_config(&emu);
    wrong_dcr.dcr_immutable_id = Some("dcr-00000000000000000000000000000000".into());
    let mut options = PushOptions::new(dir.path().join("s1"));
    options.retry = fast_retry();
    let err = push_sources(
        wrong_dcr,
        COLUMNS,
        vec![Source::File(file.clone())],
        options,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err.error, PushError::Refused { status: 404, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("check dcr_immutable_id"), "{err}");
    assert_eq!(err.summary.requests, 1, "not retried");
    assert_eq!(err.summary.pending(), 10, "kept for the next run");

    let mut wrong_secret = client_config(&emu);
    wrong_secret.client_secret = Some(ccfgen_push::Secret::new("the-secret-id-not-the-value"));
    let mut options = PushOptions::new(dir.path().join("s2"));
    options.retry = fast_retry();
    let err = push_sources(
        wrong_secret,
        COLUMNS,
        vec![Source::File(file.clone())],
        options,
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("AADSTS7000215") && text.contains("not its Secret ID"),
        "{text}"
    );
    assert!(!text.contains("the-secret-id-not-the-value"));
    assert_eq!(err.summary.requests, 0);

    // A client the DCR does not grant: 403 with the role to assign.
    let mut config = emulator_config();
    config.dcrs[0].publishers.clear();
    let emu2 = start(config).await;
    let mut options = PushOptions::new(dir.path().join("s3"));
    options.retry = fast_retry();
    let err = push_sources(
        client_config(&emu2),
        COLUMNS,
        vec![Source::File(file)],
        options,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err.error, PushError::Refused { status: 403, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("Monitoring Metrics Publisher"),
        "{err}"
    );
    emu.shutdown().await;
    emu2.shutdown().await;
}

/// Right after deployment the role assignment may not apply yet (403). With a role grace the
/// push waits it out and delivers everything; without one it stops at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_grace_waits_out_a_propagating_role_assignment() {
    let propagating = || {
        let mut config = emulator_config();
        config.rbac_propagation = Some(ccfgen_emulator::RbacPropagation {
            delay: Duration::from_millis(1500),
            status: 403,
        });
        config
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    write_ndjson(&file, 0..50);

    let emu = start(propagating()).await;
    let summary = push_file(&emu, &dir, &file, |o| {
        o.retry.role_grace = Duration::from_secs(20);
    })
    .await
    .unwrap();
    assert_eq!(summary.delivered, 50);
    assert!(
        summary.retried_requests >= 1,
        "403 was retried: {summary:?}"
    );
    assert_eq!(stored_ids(&emu), all_ids(50));
    emu.shutdown().await;

    let emu = start(propagating()).await;
    let err = push_file(&emu, &tempfile::tempdir().unwrap(), &file, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err.error, PushError::Refused { status: 403, .. }),
        "{err}"
    );
    assert_eq!(err.summary.requests, 1, "no grace: not retried");
    assert_eq!(err.summary.pending(), 50, "kept for the next run");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_and_token_check_for_doctor() {
    let emu = start(emulator_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::builder(client_config(&emu), state_dir(&dir))
        .build()
        .unwrap();
    client.check_token().await.unwrap();
    client.probe().await.unwrap();
    assert_eq!(emu.row_count(STREAM), 0);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_identity_through_the_imds_fake() {
    let mut config = emulator_config();
    let mi = "00000000-aaaa-bbbb-cccc-000000000001".to_string();
    config.managed_identity = Some(mi.clone());
    config.dcrs[0].publishers.push(mi.clone());
    let emu = start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let mut c = client_config(&emu);
    c.client_secret = None;
    c.client_id = Some(mi);
    c.auth = ccfgen_push::AuthMethod::ManagedIdentity;
    c.identity_endpoint = Some(format!("{}/metadata/identity/oauth2/token", emu.base_url()));
    let client = Client::builder(c, state_dir(&dir)).build().unwrap();
    let summary = client
        .send_all(
            "mi",
            (0..10).map(|i| Event {
                time_generated: time::OffsetDateTime::now_utc(),
                id: i,
                message: "mi".into(),
            }),
        )
        .await
        .unwrap();
    assert_eq!(summary.delivered, 10);
    assert_eq!(stored_ids(&emu), all_ids(10));
    emu.shutdown().await;
}

#[test]
fn killed_mid_run_resumes_with_every_record_and_bounded_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    let n = 3000u64;
    write_ndjson(&file, 0..n);
    // The emulator lives on its own runtime so that killing the push leaves it running.
    let emu_rt = tokio::runtime::Runtime::new().unwrap();
    let emu = Arc::new(emu_rt.block_on(start(emulator_config())));
    emu.inject(Fault::latency(Duration::from_millis(150)).times(10_000));
    let options = || {
        let mut o = PushOptions::new(state_dir(&dir));
        o.retry = fast_retry();
        o.concurrency = 3;
        o.limits.max_records = 100;
        o
    };
    // Run 1: killed (its runtime dropped, every task and connection gone) mid-run.
    let push_rt = tokio::runtime::Runtime::new().unwrap();
    let config = client_config(&emu);
    let f = file.clone();
    let o = options();
    let handle =
        push_rt.spawn(async move { push_sources(config, COLUMNS, vec![Source::File(f)], o).await });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while emu.row_count(STREAM) < 900 {
        assert!(
            std::time::Instant::now() < deadline,
            "run 1 made no progress"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    push_rt.shutdown_timeout(Duration::from_secs(10));
    drop(handle);
    let after_kill = emu.row_count(STREAM);
    assert!(after_kill < n, "killed before the end ({after_kill})");
    emu.clear_faults();

    // Run 2: resumes from the checkpoint store.
    let summary = emu_rt
        .block_on(async {
            tokio::time::timeout(
                TEST_TIMEOUT,
                push_sources(
                    client_config(&emu),
                    COLUMNS,
                    vec![Source::File(file.clone())],
                    options(),
                ),
            )
            .await
        })
        .unwrap()
        .unwrap();
    let stored = stored_ids(&emu);
    let mut unique = stored.clone();
    unique.dedup();
    assert_eq!(unique, all_ids(n), "every record delivered");
    let duplicates = stored.len() as u64 - n;
    assert!(
        duplicates <= summary.duplicates_possible,
        "duplicates {duplicates} within the reported bound {}",
        summary.duplicates_possible
    );
    assert!(
        summary.duplicates_possible <= 3 * 100 + 100,
        "bounded by batches in flight: {summary:?}"
    );
    assert!(
        summary.skipped > 0,
        "run 2 skipped what run 1 committed: {summary:?}"
    );
    assert_eq!(summary.skipped + summary.delivered, n);
    let emu = Arc::try_unwrap(emu).ok().expect("sole owner");
    emu_rt.block_on(emu.shutdown());
}
