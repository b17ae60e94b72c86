//! The floor for `ccfgen check`'s speed: walk a tree, read every `*.json` file and parse it
//! with `serde_json` into a `Value` — nothing else. `bench/check.sh` runs it beside
//! `ccfgen check` on the same tree.
//!
//! Usage: `json_floor <dir> [threads]` (default 1 thread). Prints `files bytes seconds`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("usage: json_floor <dir> [threads]"));
    let threads: usize = args
        .next()
        .map_or(1, |t| t.parse().expect("threads is a number"));
    let start = Instant::now();
    let files: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| e.into_path())
        .collect();
    let next = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    let parsed = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let text = std::fs::read_to_string(path).expect("readable UTF-8");
                    bytes.fetch_add(text.len(), Ordering::Relaxed);
                    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
                    if serde_json::from_str::<serde_json::Value>(text).is_ok() {
                        parsed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let seconds = start.elapsed().as_secs_f64();
    println!("{} {} {seconds:.6}", files.len(), bytes.into_inner());
    eprintln!(
        "json_floor: {} of {} files parsed",
        parsed.into_inner(),
        files.len()
    );
}
