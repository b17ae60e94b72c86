//! Throughput benchmark: pushes N generated records from an NDJSON file into an emulator and
//! prints records/s, requests, wire and raw bytes, and peak memory.
//!
//! ```text
//! cargo run --release -p ccfgen-push --example bench -- [--records N] [--concurrency C]
//!     [--level L] [--input FILE.ndjson] [--connection emulator-connection.json]
//! ```
//! Without `--connection` an emulator runs in-process (sharing the CPU with the client).
//! Without `--input` a file of N records (~300 bytes each) is generated in a temp directory.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use ccfgen_emulator::{StreamColumn, StreamDecl};
use ccfgen_push::{Column, Config, PushOptions, Source, StreamType, push_sources};

const COLUMNS: &[Column] = &[
    Column::new("TimeGenerated", StreamType::DateTime, true),
    Column::new("Id", StreamType::Long, true),
    Column::new("Host", StreamType::String, false),
    Column::new("Severity", StreamType::String, false),
    Column::new("Score", StreamType::Real, false),
    Column::new("Message", StreamType::String, false),
];

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn generate(path: &PathBuf, n: u64) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let severities = ["Low", "Medium", "High", "Critical"];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        writeln!(
            out,
            r#"{{"TimeGenerated":"2025-11-06T10:{:02}:{:02}Z","Id":{i},"Host":"srv-{:04}.corp.example","Severity":"{}","Score":{:.1},"Message":"CVE-2025-{:05} found in package lib{} version {}.{}.{} on host srv-{:04} (scan {:x})"}}"#,
            (i / 60) % 60,
            i % 60,
            x % 5000,
            severities[(x % 4) as usize],
            (x % 100) as f64 / 10.0,
            x % 100_000,
            x % 300,
            x % 9,
            x % 20,
            x % 50,
            x % 5000,
            x
        )?;
    }
    out.flush()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = arg(&args, "--records").map_or(Ok(200_000), |v| v.parse())?;
    let concurrency: usize = arg(&args, "--concurrency").map_or(Ok(4), |v| v.parse())?;
    let level: u32 =
        arg(&args, "--level").map_or(Ok(ccfgen_push::Limits::default().level), |v| v.parse())?;
    let tmp = tempfile::tempdir()?;
    let input = match arg(&args, "--input") {
        Some(p) => PathBuf::from(p),
        None => {
            let p = tmp.path().join("bench.ndjson");
            generate(&p, n)?;
            p
        }
    };
    let input_bytes = std::fs::metadata(&input)?.len();

    let mut emulator = None;
    let config = match arg(&args, "--connection") {
        Some(path) => Config::from_json_file(std::path::Path::new(&path))?,
        None => {
            let decl = StreamDecl::new(
                "Custom-Bench",
                COLUMNS
                    .iter()
                    .map(|c| StreamColumn::new(c.name.to_string(), c.ty.as_str()))
                    .collect(),
            );
            let emu = ccfgen_emulator::start(ccfgen_emulator::Config::single_stream(decl)).await?;
            let mut config = Config::from_json_str(&emu.connection().to_json(None).to_string())?;
            config.ca_cert_pem = emu.ca_pem().map(|p| p.as_bytes().to_vec());
            emulator = Some(emu);
            config
        }
    };

    let mut options = PushOptions::new(tmp.path().join("state"));
    options.concurrency = concurrency;
    options.limits.level = level;
    let started = Instant::now();
    let summary = push_sources(config, COLUMNS, vec![Source::File(input)], options)
        .await
        .map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    println!("records        {}", summary.delivered);
    println!("input bytes    {input_bytes}");
    println!("elapsed        {secs:.2} s");
    println!("records/s      {:.0}", summary.delivered as f64 / secs);
    println!("input MB/s     {:.1}", input_bytes as f64 / secs / 1e6);
    println!("requests       {}", summary.requests);
    println!(
        "wire bytes     {} ({:.0} per request)",
        summary.bytes_wire,
        summary.bytes_wire as f64 / summary.requests.max(1) as f64
    );
    println!(
        "raw bytes      {} (ratio {:.1})",
        summary.bytes_raw,
        summary.bytes_raw as f64 / summary.bytes_wire.max(1) as f64
    );
    println!("dead-lettered  {}", summary.dead_lettered());
    if let Some(kib) = peak_rss_kib() {
        println!(
            "peak RSS       {:.1} MiB (client + in-process emulator)",
            kib as f64 / 1024.0
        );
    }
    if let Some(emu) = emulator {
        println!("stored rows    {}", emu.row_count("Custom-Bench"));
        emu.shutdown().await;
    }
    Ok(())
}
