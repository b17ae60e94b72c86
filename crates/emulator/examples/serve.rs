//! Runs an emulator with a demo stream until Ctrl-C (or for a number of seconds), after
//! writing `connection.json`, its CA and the state file into a directory.
//!
//! `cargo run -p ccfgen-emulator --example serve -- DIR [SECONDS]`

use std::path::PathBuf;
use std::time::Duration;

use ccfgen_emulator::{Config, StreamColumn, StreamDecl};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let seconds: Option<u64> = args.next().map(|s| s.parse()).transpose()?;
    std::fs::create_dir_all(&dir)?;
    let stream = StreamDecl::new(
        "Custom-Demo",
        vec![
            StreamColumn::new("TimeGenerated", "datetime"),
            StreamColumn::new("Message", "string"),
            StreamColumn::new("Severity", "int"),
        ],
    );
    let mut config = Config::single_stream(stream);
    config.state_path = Some(dir.join("state.sqlite"));
    config.ca_path = Some(dir.join("ca.pem"));
    let emulator = ccfgen_emulator::start(config).await?;
    emulator.write_connection_file(dir.join("connection.json"))?;
    println!(
        "emulator at {}; configuration in {}",
        emulator.base_url(),
        dir.join("connection.json").display()
    );
    match seconds {
        Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
        None => tokio::signal::ctrl_c().await?,
    }
    emulator.shutdown().await;
    Ok(())
}
