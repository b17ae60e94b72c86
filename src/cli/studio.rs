//! `ccfgen studio`: starts the local web app of [`ccfgen::studio`] on 127.0.0.1, prints its
//! URL (and opens it with `--open`), and serves until Ctrl-C.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use ccfgen::studio::{self, Target};

use super::{Context, Outcome};

/// Arguments of `ccfgen studio`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The studio shows the connector page as the Microsoft Sentinel portal renders it (updated when
the files change, with `ccfgen check`'s findings), a form for the push client's connection
values (saved to --config, readable by you only) with Test connection, Send sample records and
Use the local emulator, and a transform preview: records in, the rows the table stores out (what
`ccfgen preview` prints). It listens on 127.0.0.1 only; the printed URL carries a session token.

Exit status: 0 stopped by Ctrl-C / SIGTERM, 2 usage or I/O error (e.g. port in use).")]
pub struct Args {
    /// A ccfgen.toml (or a directory holding one), a solution folder, a folder of solutions,
    /// or one connector definition / package JSON file.
    #[arg(default_value = ".")]
    source: PathBuf,
    /// Port on 127.0.0.1 (default: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Open the studio in the default browser.
    #[arg(long)]
    open: bool,
    /// The connector config file the push form reads and saves.
    #[arg(long, value_name = "FILE", default_value = "connector_config.json")]
    config: PathBuf,
}

/// Runs `ccfgen studio`.
pub fn run(args: Args, _ctx: &Context) -> anyhow::Result<Outcome> {
    let target = Target::resolve(&args.source)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let studio = studio::start(studio::Options {
            target,
            port: args.port,
            config_file: args.config.clone(),
        })
        .await?;
        let url = studio.url();
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "ccfgen studio: {}\n\n  {url}\n\nconnector config: {}\nCtrl-C stops it.",
            args.source.display(),
            args.config.display()
        )
        .and_then(|()| out.flush())
        .context("writing to stdout")?;
        drop(out);
        if args.open {
            open_browser(&url);
        }
        super::emulate::wait_for_signal().await?;
        studio.shutdown().await;
        println!("stopped");
        anyhow::Ok(())
    })?;
    Ok(Outcome::Ok)
}

/// Opens `url` with the platform's opener; a failure is reported, not fatal.
fn open_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let spawned = std::process::Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!("ccfgen: could not run {program} to open the browser ({e}); open the URL above");
    }
}
