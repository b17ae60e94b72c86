//! `ccfgen new rule|hunting|workbook|parser|watchlist`: adds a starter content file for a
//! table of a spec (see `ccfgen::init::scaffold`).

use std::path::PathBuf;

use anyhow::Context as _;

use super::{Context, Outcome};
use ccfgen::init::scaffold::{self, Kind, Request};

/// Arguments of `ccfgen new`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to add: an analytic rule, a hunting query, a workbook (with its
    /// WorkbooksMetadata.json entry), a parser (a KQL function) or a watchlist.
    #[arg(value_enum)]
    kind: KindArg,
    /// The table it queries (its name or stream). Default: the spec's only table.
    #[arg(long)]
    table: Option<String>,
    /// The file name without extension (for a parser, also its function name). Default: the
    /// table's name without `_CL`, then `Rule`, `Hunting`, `Workbook`, `Parser` or `Watchlist`
    /// (for a watchlist, also its alias).
    #[arg(long)]
    name: Option<String>,
    /// The spec: a ccfgen.toml, or a directory holding one.
    #[arg(long, default_value = ".")]
    spec: PathBuf,
    /// Overwrite an existing file (and a workbook's metadata entry).
    #[arg(long)]
    force: bool,
}

/// `ccfgen new` kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// A Scheduled analytic rule: `Analytic Rules/<name>.yaml`.
    Rule,
    /// A hunting query: `Hunting Queries/<name>.yaml`.
    Hunting,
    /// A workbook: `Workbooks/<name>.json` and its `Workbooks/WorkbooksMetadata.json` entry.
    Workbook,
    /// A parser (KQL function): `Parsers/<name>.yaml`.
    Parser,
    /// A watchlist keyed by a column of the table: `Watchlists/<name>.json`.
    Watchlist,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Rule => Kind::Rule,
            KindArg::Hunting => Kind::Hunting,
            KindArg::Workbook => Kind::Workbook,
            KindArg::Parser => Kind::Parser,
            KindArg::Watchlist => Kind::Watchlist,
        }
    }
}

/// Runs `ccfgen new`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<Outcome> {
    let (solution, loaded, _) = match ccfgen::load::solution(&args.spec) {
        Ok(ok) => ok,
        Err(e) => return ctx.spec_error(e),
    };
    let date = super::init::today()?;
    let kind: Kind = args.kind.into();
    let added = scaffold::add(
        &loaded,
        &solution,
        &Request {
            kind,
            table: args.table.as_deref(),
            name: args.name.as_deref(),
            date: &date,
            force: args.force,
        },
    )
    .with_context(|| format!("ccfgen new: the {}", kind.what()))?;
    super::init::report(&loaded, &added);
    eprintln!(
        "ccfgen: a starter {} `{}` for {}; edit it, then run `ccfgen build {}`",
        kind.what(),
        added.name,
        added.table,
        loaded.dir.display()
    );
    Ok(Outcome::Ok)
}
