//! Shared helpers: an in-process emulator with a small stream, a client config pointed at it,
//! and input files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use ccfgen_emulator::{Emulator, StreamColumn, StreamDecl};
use ccfgen_push::{Column, Config, RetryPolicy, StreamType};

pub const STREAM: &str = "Custom-PushTest";

pub const COLUMNS: &[Column] = &[
    Column::new("TimeGenerated", StreamType::DateTime, true),
    Column::new("Id", StreamType::Long, true),
    Column::new("Host", StreamType::String, false),
    Column::new("Message", StreamType::String, false),
];

pub fn stream_decl() -> StreamDecl {
    StreamDecl::new(
        STREAM,
        COLUMNS
            .iter()
            .map(|c| StreamColumn::new(c.name.to_string(), c.ty.as_str()))
            .collect(),
    )
}

pub fn emulator_config() -> ccfgen_emulator::Config {
    ccfgen_emulator::Config::single_stream(stream_decl())
}

pub async fn start(config: ccfgen_emulator::Config) -> Emulator {
    tokio::time::timeout(Duration::from_secs(30), ccfgen_emulator::start(config))
        .await
        .expect("emulator starts in time")
        .expect("emulator starts")
}

/// A client config for the emulator, built the way a user would: from the connector values.
pub fn client_config(emu: &Emulator) -> Config {
    let json = emu.connection().to_json(None).to_string();
    let mut config = Config::from_json_str(&json).expect("the emulator's connection file loads");
    config.ca_cert_pem = emu.ca_pem().map(|p| p.as_bytes().to_vec());
    config
}

/// Fast retries so fault tests finish quickly.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_elapsed: Duration::from_secs(20),
        attempt_timeout: Duration::from_secs(5),
        role_grace: Duration::ZERO,
    }
}

pub fn record(i: u64) -> serde_json::Value {
    serde_json::json!({
        "TimeGenerated": "2025-11-06T10:30:00Z",
        "Id": i,
        "Host": format!("host-{}", i % 13),
        "Message": format!("event number {i} with some text to compress"),
    })
}

pub fn write_ndjson(path: &Path, ids: impl IntoIterator<Item = u64>) {
    let mut text = String::new();
    for i in ids {
        text.push_str(&record(i).to_string());
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// Ids stored by the emulator, sorted (duplicates kept).
pub fn stored_ids(emu: &Emulator) -> Vec<u64> {
    let mut ids: Vec<u64> = emu
        .rows(STREAM)
        .iter()
        .map(|r| r["Id"].as_u64().expect("Id stored"))
        .collect();
    ids.sort_unstable();
    ids
}

pub fn dead_letters(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn state_dir(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("state")
}

/// Every test body runs under this bound.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(120);
