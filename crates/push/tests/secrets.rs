//! Secrets never appear in any output: all tracing output (at TRACE, including the HTTP
//! stack's), the dead-letter file, the checkpoint store and every error message of a run that
//! goes through token refreshes, faults, rejected records and a wrong secret.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccfgen_emulator::{Fault, FaultTarget};
use ccfgen_push::{PushOptions, Source, push_sources};
use common::*;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_dead_letters_store_or_errors() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let mut config = emulator_config();
    config.token_ttl = Duration::from_secs(1);
    let emu = start(config).await;
    let secret = emu.connection().client_secret;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    let mut text = String::new();
    for i in 0..2000u64 {
        let line = if i % 400 == 7 {
            r#"{"TimeGenerated":"bad","Id":1}"#.to_string()
        } else {
            record(i).to_string()
        };
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(&file, text).unwrap();
    emu.inject(Fault::fail(503).on(FaultTarget::Token));
    emu.inject(Fault::fail(500).times(2));
    emu.inject(Fault::store_then_drop());
    let mut options = PushOptions::new(state_dir(&dir));
    options.retry = fast_retry();
    options.limits.max_records = 100;
    let summary = tokio::time::timeout(
        TEST_TIMEOUT,
        push_sources(
            client_config(&emu),
            COLUMNS,
            vec![Source::File(file.clone())],
            options,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(summary.invalid, 5);
    assert_eq!(summary.delivered, 1995);
    let mut everything = format!("{summary:?}\n{:?}\n", client_config(&emu));

    // A wrong secret (a plausible secret *ID*) must not be echoed either.
    let wrong = "8f2c0b1e-5d3a-4c6b-9e7f-0a1b2c3d4e5f";
    let mut bad = client_config(&emu);
    bad.client_secret = Some(ccfgen_push::Secret::new(wrong));
    let err = push_sources(
        bad,
        COLUMNS,
        vec![Source::File(file)],
        PushOptions::new(dir.path().join("s2")),
    )
    .await
    .unwrap_err();
    everything.push_str(&format!("{err}\n{err:?}\n"));

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("ingestion request refused"),
        "tracing was captured"
    );
    everything.push_str(&logs);
    everything
        .push_str(&std::fs::read_to_string(state_dir(&dir).join("dead-letter.ndjson")).unwrap());
    let store = std::fs::read(state_dir(&dir).join("checkpoint.sqlite")).unwrap();
    everything.push_str(&String::from_utf8_lossy(&store));
    assert!(!logs.contains("Bearer "), "an access token was logged");
    for needle in [secret.as_str(), wrong] {
        assert!(!everything.contains(needle), "secret {needle:?} leaked");
    }
    emu.shutdown().await;
}
