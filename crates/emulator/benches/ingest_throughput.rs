//! How fast the emulator accepts batches (so it is never the bottleneck of the push
//! client's benchmark): sends fixed batches over HTTPS with a few concurrent clients
//! and prints requests/s, records/s and MB/s.
//!
//! `cargo bench -p ccfgen-emulator --bench ingest_throughput`

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ccfgen_emulator::{Config, StreamColumn, StreamDecl};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

const STREAM: &str = "Custom-Bench";
const REQUESTS: usize = 48;
const CONCURRENCY: usize = 4;

fn stream() -> StreamDecl {
    StreamDecl::new(
        STREAM,
        vec![
            StreamColumn::new("TimeGenerated", "datetime"),
            StreamColumn::new("Message", "string"),
            StreamColumn::new("Count", "long"),
            StreamColumn::new("Ratio", "real"),
            StreamColumn::new("Props", "dynamic"),
        ],
    )
}

fn batch(records: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..records)
        .map(|i| {
            serde_json::json!({
                "TimeGenerated": format!("2024-05-01T10:{:02}:{:02}Z", (i / 60) % 60, i % 60),
                "Message": format!("GET /api/items/{i} 200 user={} agent=bench/1.0", i % 97),
                "Count": i,
                "Ratio": i as f64 / 7.0,
                "Props": {"host": format!("web-{}", i % 13), "tags": ["a", "b"]},
            })
        })
        .collect();
    serde_json::to_vec(&items).expect("serializes")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn http_client(ca_pem: &str) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.expect("pem")).expect("root");
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .tls_backend_preconfigured(tls)
        .build()
        .expect("client")
}

async fn scenario(name: &str, records: usize, gzipped: bool) {
    let emulator = ccfgen_emulator::start(Config::single_stream(stream()))
        .await
        .expect("starts");
    let client = http_client(emulator.ca_pem().expect("tls"));
    let c = emulator.connection();
    let form = [
        ("client_id", c.client_id.as_str()),
        ("client_secret", c.client_secret.as_str()),
        ("grant_type", "client_credentials"),
        ("scope", c.scope.as_str()),
    ];
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let token: serde_json::Value = client
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            c.authority_host, c.tenant_id
        ))
        .body(body)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = token["access_token"].as_str().expect("token").to_owned();
    let raw = batch(records);
    let wire = if gzipped { gzip(&raw) } else { raw.clone() };
    assert!(
        wire.len() <= 1_048_576,
        "{name}: batch must fit the 1 MB limit"
    );
    let url = format!(
        "{}/dataCollectionRules/{}/streams/{}?api-version=2023-01-01",
        c.dce_uri, c.dcr_immutable_id, c.stream_name
    );
    let wire = bytes_of(wire);
    let started = Instant::now();
    let cpu_before = process_cpu_seconds();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..CONCURRENCY {
        let (client, url, token, wire) = (client.clone(), url.clone(), token.clone(), wire.clone());
        workers.spawn(async move {
            for _ in (worker..REQUESTS).step_by(CONCURRENCY) {
                let mut request = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(wire.clone());
                if gzipped {
                    request = request.header("content-encoding", "gzip");
                }
                let status = request.send().await.expect("answered").status();
                assert_eq!(status, 204);
            }
        });
    }
    while let Some(result) = workers.join_next().await {
        result.expect("worker");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    assert_eq!(emulator.row_count(STREAM), (REQUESTS * records) as u64);
    let mb = (REQUESTS * raw.len()) as f64 / 1e6;
    let cpu_per_record = cpu.map_or_else(
        || "n/a".to_owned(),
        |cpu| format!("{:.2} us", cpu * 1e6 / (REQUESTS * records) as f64),
    );
    println!(
        "{name:<28} {REQUESTS} requests x {records} records ({:.2} MB raw, {:.2} MB wire): {:.1} req/s, {:.0} records/s, {:.1} MB/s raw; CPU (emulator + client) {cpu_per_record} per record",
        raw.len() as f64 / 1e6,
        wire.len() as f64 / 1e6,
        REQUESTS as f64 / elapsed,
        (REQUESTS * records) as f64 / elapsed,
        mb / elapsed,
    );
    emulator.shutdown().await;
}

/// User + system CPU time of this process (Linux `/proc`; `None` elsewhere).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn bytes_of(v: Vec<u8>) -> bytes::Bytes {
    bytes::Bytes::from(v)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        scenario("identity, ~1 MB batches", 5_000, false).await;
        scenario("gzip, ~1 MB-wire batches", 40_000, true).await;
    });
}
