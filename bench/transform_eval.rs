//! The evaluator's speed on real transformations: every distinct data flow of the corpus
//! (`../shared/corpus`: each solution's DCRs, their streams and tables, as `ccfgen preview`
//! reads them) run on `ccfgen sample` records generated for its stream. `bench/transform.sh`
//! runs it several times, interleaved with the emulator runs.
//!
//! Usage: `transform_eval <corpus dir> [records per flow]` (default 20,000). For each flow it
//! measures, on this one thread, the CPU time (`CLOCK_THREAD_CPUTIME_ID`) of
//! * `flow`: `Flow::run_record` on the JSON records — the stream's conversion, the
//!   transformation and the table's rules (what `ccfgen preview` and `check --sample` do);
//! * `transform`: `Program::run_row` on the records already converted to stream rows (the
//!   transformation alone; what the emulator adds per record after its own stream typing).
//!
//! Prints one line per flow, then `TOTAL flows=N records=R flow_cpu_s=… transform_cpu_s=…
//! flow_rps=… transform_rps=…` (records per CPU second, all flows together) and the flows the
//! evaluator cannot run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ccfgen::preview::{self, Target};
use ccfgen_kql::eval::{Ctx, Flow, input_row};

/// CPU time of the calling thread, in seconds.
fn thread_cpu() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec for the duration of the call.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(r, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// The solution folders of the corpus: every directory holding a JSON file with a DCR, at
/// the second level (`azure-sentinel/<Solution>`) or the first (`cveBusterCCFPush`).
fn solutions(corpus: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus)
        .expect("corpus readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut inner: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("readable")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        inner.sort();
        let nested = inner.iter().any(|p| p.join("Data Connectors").is_dir());
        if nested {
            out.extend(inner);
        } else {
            out.push(dir);
        }
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let corpus = PathBuf::from(
        args.next()
            .expect("usage: transform_eval <corpus dir> [records per flow]"),
    );
    let count: u64 = args
        .next()
        .map_or(20_000, |n| n.parse().expect("records is a number"));
    let base = time::OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("2026-01-01");
    let now = preview::ticks_of(base);
    let ctx = Ctx { now };
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut targets: Vec<(String, Target)> = Vec::new();
    for dir in solutions(&corpus) {
        let Ok(found) = preview::targets(&dir) else {
            continue;
        };
        let name = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        for t in found {
            let columns: Vec<String> = t
                .stream_columns
                .iter()
                .map(|c| format!("{}:{}", c.name, c.ty.kusto_name()))
                .collect();
            if seen.insert((t.transform.clone(), columns.join(","))) {
                targets.push((name.clone(), t));
            }
        }
    }
    let (mut records_total, mut flow_cpu, mut transform_cpu) = (0u64, 0f64, 0f64);
    let mut flows = 0usize;
    let mut unsupported = Vec::new();
    for (solution, target) in &targets {
        let table = target.table_columns.clone().unwrap_or_else(|| {
            ccfgen_kql::eval::Program::compile(&target.transform, &target.stream_columns)
                .map(|p| p.output().to_vec())
                .unwrap_or_default()
        });
        let flow = match Flow::new(&target.transform, &target.stream_columns, &table) {
            Ok(f) => f,
            Err(e) => {
                unsupported.push(format!(
                    "{solution} {} → {}: {e}",
                    target.stream, target.table
                ));
                continue;
            }
        };
        let records = preview::sample_records(target, count, 7, base);
        let maps: Vec<&serde_json::Map<String, serde_json::Value>> =
            records.iter().filter_map(|r| r.as_object()).collect();
        // flow: JSON record → stored row
        let t0 = thread_cpu();
        let mut stored = 0u64;
        for map in &maps {
            if flow.run_record(map, &ctx).row.is_some() {
                stored += 1;
            }
        }
        let flow_s = thread_cpu() - t0;
        // transform: typed stream row → output row
        let rows: Vec<Vec<ccfgen_kql::eval::Value>> = maps
            .iter()
            .map(|m| input_row(m, &target.stream_columns).values)
            .collect();
        let program = flow.program();
        let t0 = thread_cpu();
        let mut out = 0u64;
        for row in rows {
            if program.run_row(row, &ctx).is_some() {
                out += 1;
            }
        }
        let transform_s = thread_cpu() - t0;
        let n = maps.len() as u64;
        println!(
            "{solution:<36} {:<40} → {:<32} records={n} stored={stored} kept={out} flow_rps={:.0} transform_rps={:.0}",
            target.stream,
            target.table,
            n as f64 / flow_s,
            n as f64 / transform_s
        );
        records_total += n;
        flow_cpu += flow_s;
        transform_cpu += transform_s;
        flows += 1;
    }
    println!(
        "TOTAL flows={flows} records={records_total} flow_cpu_s={flow_cpu:.3} transform_cpu_s={transform_cpu:.3} flow_rps={:.0} transform_rps={:.0}",
        records_total as f64 / flow_cpu,
        records_total as f64 / transform_cpu
    );
    for u in &unsupported {
        println!("UNSUPPORTED {u}");
    }
}
