//! cveBuster's push client: turns scan findings into the `CveBusterVulnerability` records
//! generated from `../ccfgen.toml` (see `build.rs`) and pushes them to Microsoft Sentinel
//! through `ccfgen_push::Client`, reading the connector config file that the connector page
//! (or `ccfgen emulate`) provides.
//!
//! ```text
//! cvebuster-client --config connector_config.json [--count 1000] [--scan-id ID] [--state-dir DIR]
//! ```
//!
//! Exit status: 0 every finding delivered, 1 some findings dead-lettered, 2 configuration,
//! authentication or permission error (run again with the same `--scan-id` to resume).

use std::path::PathBuf;
use std::process::ExitCode;

use ccfgen_push::time::{Duration, OffsetDateTime};
use ccfgen_push::{Client, Config};
use clap::Parser;

/// The record structs generated from the spec.
mod records {
    include!(concat!(env!("OUT_DIR"), "/cve_buster.rs"));
}

use records::CveBusterVulnerability;

/// Pushes cveBuster scan findings to the Sentinel connector.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Connector config JSON (tenant_id, application_id, application_secret, dce_endpoint,
    /// dcr_immutable_id, stream_name; ca_file for `ccfgen emulate`). Missing values come
    /// from AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, CCFGEN_DCE_URI, ….
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Findings to report (a stand-in for a real scan).
    #[arg(long, default_value_t = 1000)]
    count: u64,
    /// Identifies this scan's findings in the checkpoint store: running the same scan id
    /// again resumes an interrupted push and never sends a delivered finding twice.
    /// Default: the current time.
    #[arg(long)]
    scan_id: Option<String>,
    /// Checkpoint store and dead-letter file.
    #[arg(long, default_value = ".ccfgen/cvebuster-client")]
    state_dir: PathBuf,
}

/// A deterministic stand-in for the scanner's output: finding `i` of a scan.
fn finding(i: u64, scanned_at: OffsetDateTime) -> CveBusterVulnerability {
    const SEVERITIES: [(&str, f64); 4] = [
        ("Critical", 9.8),
        ("High", 7.5),
        ("Medium", 5.3),
        ("Low", 2.1),
    ];
    const TIERS: [&str; 3] = ["Tier 0", "Tier 1", "Tier 2"];
    const STATUSES: [&str; 3] = ["Open", "In Progress", "Patched"];
    let (severity, cvss) = SEVERITIES[(i % 4) as usize];
    let discovered = scanned_at - Duration::days((i % 30) as i64);
    CveBusterVulnerability {
        vuln_id: format!("CVE-2026-{:05}", i % 100_000),
        vuln_title: format!("Out-of-bounds write in libexample {}.{}", i % 7, i % 13),
        severity: severity.to_owned(),
        cvss,
        machine_name: format!("srv-{:04}.corp.example", i % 5000),
        asset_criticality: TIERS[(i % 3) as usize].to_owned(),
        patch_available: i.is_multiple_of(2),
        exploit_available: i.is_multiple_of(5),
        discovery_date: discovered,
        last_modified: scanned_at,
        status: STATUSES[(i % 3) as usize].to_owned(),
    }
}

fn load_config(args: &Args) -> Result<Config, ccfgen_push::ConfigError> {
    let mut config = match &args.config {
        Some(path) => Config::from_json_file(path)?,
        None => Config::default(),
    };
    config.apply_env(|k| std::env::var(k).ok())?;
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = match load_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cvebuster-client: {e}");
            return ExitCode::from(2);
        }
    };
    let client = match Client::builder(config, &args.state_dir).build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cvebuster-client: {e}");
            return ExitCode::from(2);
        }
    };
    let scanned_at = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let scan_id = args
        .scan_id
        .clone()
        .unwrap_or_else(|| scanned_at.unix_timestamp().to_string());
    let findings = (0..args.count).map(|i| finding(i, scanned_at));
    match client.send_all(&format!("scan-{scan_id}"), findings).await {
        Ok(summary) => {
            println!(
                "scan {scan_id}: {} findings delivered, {} dead-lettered, {} skipped (sent earlier), {} requests",
                summary.delivered,
                summary.dead_lettered(),
                summary.skipped,
                summary.requests
            );
            if summary.dead_lettered() > 0 {
                eprintln!(
                    "see {} for the findings that were not delivered",
                    client.dead_letter_path().display()
                );
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(incomplete) => {
            eprintln!(
                "cvebuster-client: {incomplete}; run again with --scan-id {scan_id} to resume"
            );
            ExitCode::from(2)
        }
    }
}
