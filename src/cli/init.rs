//! `ccfgen init`: writes a commented starter spec and the schema next to it, and a starter
//! analytic rule, hunting query and workbook for its table.

use std::path::PathBuf;

use anyhow::{Context as _, bail};

use super::{Context, Outcome};
use ccfgen::init::scaffold::{self, Kind, Request};

/// Arguments of `ccfgen init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Solution name (e.g. `cveBuster`).
    #[arg(long)]
    name: String,
    /// Directory to write into (created if missing).
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Date used for the publish dates and the first release note (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// Overwrite an existing ccfgen.toml (and starter content files).
    #[arg(long)]
    force: bool,
    /// Write only the spec and its schema: no starter analytic rule, hunting query and
    /// workbook.
    #[arg(long)]
    no_content: bool,
}

/// Runs `ccfgen init`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    // The name becomes the solution's folder and file names: the one rule set for names.
    if let Err(e) = ccfgen::safe_path::check_name(&args.name) {
        bail!("--name {e}; {}", e.hint());
    }
    let spec_path = args.dir.join(ccfgen::spec::SPEC_FILE_NAME);
    if spec_path.exists() && !args.force {
        bail!(
            "{} already exists; pass --force to overwrite it",
            spec_path.display()
        );
    }
    let date = match args.date {
        Some(d) => {
            if !ccfgen::rules::metadata::date("--date", &d).is_empty() {
                bail!("--date `{d}` is not a date; write YYYY-MM-DD");
            }
            d
        }
        None => today()?,
    };
    let text =
        ccfgen::init::starter_spec(&args.name, &date).context("rendering the starter spec")?;
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    ccfgen::output::write_if_changed(&spec_path, text.as_bytes())
        .with_context(|| format!("writing {}", spec_path.display()))?;
    let schema_path = args.dir.join("ccfgen.schema.json");
    ccfgen::output::write_if_changed(&schema_path, ccfgen::spec::schema::schema_text().as_bytes())
        .with_context(|| format!("writing {}", schema_path.display()))?;
    eprintln!(
        "ccfgen: wrote {} and {}; edit it, then run `ccfgen build {}`",
        spec_path.display(),
        schema_path.display(),
        args.dir.display()
    );
    if !args.no_content {
        // The starter content queries the starter table's real columns.
        let (solution, loaded, _) = match ccfgen::load::solution(&spec_path) {
            Ok(ok) => ok,
            Err(e) => return ctx.spec_error(e),
        };
        for kind in [Kind::Rule, Kind::Hunting, Kind::Workbook] {
            let added = scaffold::add(
                &loaded,
                &solution,
                &Request {
                    kind,
                    table: None,
                    name: None,
                    date: &date,
                    force: args.force,
                },
            )
            .with_context(|| format!("writing the starter {}", kind.what()))?;
            report(&loaded, &added);
        }
    }
    Ok(Outcome::Ok)
}

/// Today's date, UTC, `YYYY-MM-DD`.
pub(super) fn today() -> anyhow::Result<String> {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!("[year]-[month]-[day]");
    now.format(&format).context("formatting today's date")
}

/// Prints what a scaffold wrote.
pub(super) fn report(loaded: &ccfgen::spec::LoadedSpec, added: &scaffold::Added) {
    for file in &added.files {
        eprintln!("wrote: {}", loaded.dir.join(file).display());
    }
    if let Some(key) = &added.spec_key {
        eprintln!(
            "added: `{}` to `{key}` in {}",
            added.files[0],
            loaded.source.path().display()
        );
    }
}
