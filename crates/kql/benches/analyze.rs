//! Throughput of `analyze` (run with `cargo bench -p ccfgen-kql`): every hand-written fixture
//! query, every DCR transformation of the corpus (when `shared/corpus` is present: the work
//! `ccfgen check` does per corpus copy when no two transforms are alike), and a wide
//! transformation close to the 15,360-character limit (checks that the cost grows linearly with
//! the query and the stream width).
//!
//! `cargo bench -p ccfgen-kql -- [--runs N] [FILTER]`: `--runs N` runs each group exactly `N`
//! times instead of for 2 seconds (for instruction counts under `valgrind --tool=callgrind`);
//! `FILTER` keeps the groups whose label contains it.

// the bench reads only the rebuilt cases, not the recorded oracle answers
#[allow(dead_code)]
#[path = "../tests/support/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use ccfgen_kql::{Column, Options, ScalarType, StreamType, analyze};

fn fixture_queries() -> Vec<(String, Vec<Column>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hand");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("fixture file");
        let items: serde_json::Value = serde_json::from_str(&text).expect("fixture JSON");
        for item in items.as_array().into_iter().flatten() {
            let case = &item["case"];
            let input = case["input"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    Column::new(
                        c["name"].as_str().unwrap_or_default(),
                        StreamType::parse(c["type"].as_str().unwrap_or_default()).scalar(),
                    )
                })
                .collect();
            out.push((
                case["query"].as_str().unwrap_or_default().to_string(),
                input,
            ));
        }
    }
    out
}

/// The corpus transformations with their stream columns (empty without the corpus).
fn corpus_queries() -> Vec<(String, Vec<Column>)> {
    if !corpus::corpus_dir().is_dir() {
        return Vec::new();
    }
    corpus::corpus_cases()
        .0
        .into_iter()
        .map(|c| {
            let input = c
                .case
                .input
                .iter()
                .map(|col| Column::new(col.name.clone(), StreamType::parse(&col.ty).scalar()))
                .collect();
            (c.case.query, input)
        })
        .collect()
}

fn wide_query(columns: usize) -> (String, Vec<Column>) {
    let input: Vec<Column> = (0..columns)
        .map(|i| Column::new(format!("c{i}"), ScalarType::String))
        .collect();
    let mut q = String::from("source\n| extend TimeGenerated = now()");
    let mut i = 0;
    while q.len() < 15_000 {
        q.push_str(&format!(
            "\n| extend x{i} = iff(isnotempty(c{}), tolower(c{}), strcat('a', c{}))",
            i % columns,
            (i + 1) % columns,
            (i + 2) % columns
        ));
        i += 1;
    }
    q.push_str("\n| project-away c1, c2");
    (q, input)
}

/// How long each group runs.
#[derive(Clone, Copy)]
enum Budget {
    Time(Duration),
    Runs(u64),
}

fn time(label: &str, queries: &[(String, Vec<Column>)], budget: Budget) {
    let opts = Options::default();
    let start = Instant::now();
    let mut runs = 0u64;
    while match budget {
        Budget::Time(t) => start.elapsed() < t,
        Budget::Runs(n) => runs < n,
    } {
        for (q, input) in queries {
            black_box(analyze(black_box(q), black_box(input), &opts));
        }
        runs += 1;
    }
    let elapsed = start.elapsed();
    let per_run = elapsed / (runs as u32).max(1);
    let per_query = elapsed / (runs as u32 * queries.len() as u32).max(1);
    let bytes: usize = queries.iter().map(|(q, _)| q.len()).sum();
    let mib_s = (bytes as f64 * runs as f64) / elapsed.as_secs_f64() / (1024.0 * 1024.0);
    let n = queries.len();
    println!(
        "{label}: {n} queries x {runs} runs, {per_run:?} per run, {per_query:?} per query, {mib_s:.1} MiB/s of query text"
    );
}

fn main() {
    let mut budget = Budget::Time(Duration::from_secs(2));
    let mut filter = String::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bench" => {}
            "--runs" => {
                let n = args.next().and_then(|n| n.parse().ok());
                budget = Budget::Runs(n.expect("--runs takes a number"));
            }
            f => filter = f.to_string(),
        }
    }
    let mut groups = vec![("hand-written fixtures".to_string(), fixture_queries())];
    let corpus = corpus_queries();
    if corpus.is_empty() {
        println!(
            "corpus transformations: skipped ({} is absent)",
            corpus::corpus_dir().display()
        );
    } else {
        groups.push((
            "corpus transformations (one corpus copy)".to_string(),
            corpus,
        ));
    }
    for cols in [50, 400] {
        groups.push((
            format!("15 KB transformation over a {cols}-column stream"),
            vec![wide_query(cols)],
        ));
    }
    for (label, queries) in groups.iter().filter(|(l, _)| l.contains(&filter)) {
        time(label, queries, budget);
    }
}
