//! `ccfgen completions <shell>` and `ccfgen man`: shell completion scripts (clap_complete)
//! and man pages (clap_mangen), generated from the same clap definition as the parser, so
//! they never drift from the real options.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::CommandFactory;

use super::{Cli, Context, Outcome};

/// Arguments of `ccfgen completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    ccfgen completions bash > ~/.local/share/bash-completion/completions/ccfgen\n  \
    ccfgen completions zsh > \"${fpath[1]}/_ccfgen\"\n  \
    ccfgen completions fish > ~/.config/fish/completions/ccfgen.fish\n  \
    ccfgen completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Arguments of `ccfgen man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write `ccfgen.1` and one `ccfgen-<command>.1` per command into this directory
    /// (created if needed; files are written only when they change) instead of printing
    /// `ccfgen.1`.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Runs `ccfgen completions`.
pub fn completions(args: CompletionsArgs, _: &Context) -> anyhow::Result<Outcome> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "ccfgen", &mut script);
    std::io::stdout()
        .write_all(&script)
        .context("writing to stdout")?;
    Ok(Outcome::Ok)
}

/// Runs `ccfgen man`.
pub fn man(args: ManArgs, _: &Context) -> anyhow::Result<Outcome> {
    let cmd = Cli::command();
    match args.out {
        None => std::io::stdout()
            .write_all(&page(&cmd, "ccfgen")?)
            .context("writing to stdout")?,
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            write_page(&dir, "ccfgen.1", &page(&cmd, "ccfgen")?)?;
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                let name = format!("ccfgen-{}", sub.get_name());
                let sub = sub
                    .clone()
                    .display_name(name.clone())
                    .bin_name(format!("ccfgen {}", sub.get_name()));
                write_page(&dir, &format!("{name}.1"), &page(&sub, &name)?)?;
            }
        }
    }
    Ok(Outcome::Ok)
}

fn page(cmd: &clap::Command, title: &str) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .title(title.to_string())
        .source(format!("ccfgen {}", env!("CARGO_PKG_VERSION")))
        .render(&mut out)
        .context("rendering the man page")?;
    Ok(out)
}

fn write_page(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(name);
    ccfgen::output::write_if_changed(&path, bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
