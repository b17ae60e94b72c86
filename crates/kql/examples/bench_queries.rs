//! The query benchmark's measured process (`bench/queries.sh`): reads every analytic rule and
//! hunting query YAML of `shared/corpus-content/queries` and extracts its query — the floor —
//! and, in `analyse` mode, also analyses each query against the corpus database (custom
//! tables, parsers, the catalogue), ROUNDS times over.
//!
//! `cargo run --release -p ccfgen-kql --example bench_queries -- floor|analyse ROUNDS`

#[path = "../tests/support/queries.rs"]
#[allow(dead_code)]
mod queries;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "analyse".into());
    let rounds: usize = args.next().map_or(Ok(20), |s| s.parse())?;
    let dir = queries::corpus_content_dir();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.join("queries")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let database = queries::corpus_database(&dir).to_database();
    let analyse = mode == "analyse";
    let (mut n, mut errors, mut columns) = (0usize, 0usize, 0usize);
    for _ in 0..rounds {
        for f in &files {
            let text = std::fs::read_to_string(f)?;
            let Some(query) = queries::yaml_value(&text, "query") else {
                continue;
            };
            n += 1;
            if analyse {
                let a = ccfgen_kql::analyze_query(&query, &database, &ccfgen_kql::Options::query());
                errors += usize::from(!a.is_ok());
                columns += a.output.map_or(0, |o| o.len());
            } else {
                columns += query.len();
            }
        }
    }
    println!("{n} {errors} {columns}");
    Ok(())
}
