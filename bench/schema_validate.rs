//! The cost of validating packages against Microsoft's published schemas
//! (`ccfgen::published_schemas`, docs/schemas.md), on this one thread: the CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`) of compiling the vendored schemas (once per process), and per
//! package file of validating it, beside parsing it with `serde_json` (the floor every check
//! pays anyway). `bench/schemas.sh` runs it several times.
//!
//! Usage: `schema_validate <dir> [rounds]` (default 20): every `mainTemplate.json` and
//! `createUiDefinition.json` under `dir`, each parsed and validated `rounds` times.
//! Prints `compile_cpu_ms=…`, one line per file with the median per-round figures, then
//! `TOTAL files=N parse_cpu_ms=… validate_cpu_ms=… per_template_ms=… per_ui_ms=…` (sums of
//! the medians; per-file averages by kind).

use std::path::{Path, PathBuf};

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

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if let Some(name) = p.file_name().and_then(|n| n.to_str())
            && (name == "mainTemplate.json" || name == "createUiDefinition.json")
        {
            out.push(p);
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: schema_validate <dir> [rounds]"));
    let rounds: usize = args.next().map_or(20, |r| r.parse().expect("rounds"));
    let start = thread_cpu();
    let schemas = ccfgen::published_schemas::schemas().expect("schemas compile");
    println!("compile_cpu_ms={:.1}", (thread_cpu() - start) * 1e3);
    let mut found = Vec::new();
    files(&dir, &mut found);
    let (mut parse_total, mut validate_total) = (0.0, 0.0);
    let (mut templates, mut template_ms, mut uis, mut ui_ms) = (0, 0.0, 0, 0.0);
    for path in &found {
        let text = std::fs::read_to_string(path).expect("readable");
        let text = text.trim_start_matches('\u{feff}');
        let ui = path.ends_with("createUiDefinition.json");
        let (mut parse, mut validate) = (Vec::new(), Vec::new());
        let mut violations = 0;
        for _ in 0..rounds {
            let t0 = thread_cpu();
            let value: serde_json::Value = serde_json::from_str(text).expect("JSON");
            let t1 = thread_cpu();
            let report = if ui {
                schemas.validate_ui_definition(&value)
            } else {
                schemas.validate_template(&value)
            };
            let t2 = thread_cpu();
            violations = report.violations.len();
            parse.push((t1 - t0) * 1e3);
            validate.push((t2 - t1) * 1e3);
        }
        let (p, v) = (median(parse), median(validate));
        parse_total += p;
        validate_total += v;
        if ui {
            uis += 1;
            ui_ms += v;
        } else {
            templates += 1;
            template_ms += v;
        }
        println!(
            "{} bytes={} parse_cpu_ms={p:.3} validate_cpu_ms={v:.3} violations={violations}",
            path.strip_prefix(&dir).unwrap_or(path).display(),
            text.len()
        );
    }
    println!(
        "TOTAL files={} parse_cpu_ms={parse_total:.2} validate_cpu_ms={validate_total:.2} per_template_ms={:.2} per_ui_ms={:.2}",
        found.len(),
        template_ms / templates.max(1) as f64,
        ui_ms / uis.max(1) as f64
    );
}
