//! Throughput of `analyze` (run with `cargo bench -p ccfgen-kql`): every hand-written fixture
//! query, and a wide transformation close to the 15,360-character limit (checks that the cost
//! grows linearly with the query and the stream width).

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

fn time(label: &str, queries: &[(String, Vec<Column>)], budget: Duration) {
    let opts = Options::default();
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < budget {
        for (q, input) in queries {
            black_box(analyze(black_box(q), black_box(input), &opts));
        }
        runs += 1;
    }
    let per_query = start.elapsed() / (runs as u32 * queries.len() as u32).max(1);
    let bytes: usize = queries.iter().map(|(q, _)| q.len()).sum();
    let mib_s = (bytes as f64 * runs as f64) / start.elapsed().as_secs_f64() / (1024.0 * 1024.0);
    let n = queries.len();
    println!(
        "{label}: {n} queries x {runs} runs, {per_query:?} per query, {mib_s:.1} MiB/s of query text"
    );
}

fn main() {
    let fixtures = fixture_queries();
    time("hand-written fixtures", &fixtures, Duration::from_secs(2));
    for cols in [50, 400] {
        let wide = vec![wide_query(cols)];
        time(
            &format!("15 KB transformation over a {cols}-column stream"),
            &wide,
            Duration::from_secs(2),
        );
    }
}
