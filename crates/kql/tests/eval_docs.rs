//! Acceptance test of the evaluator: the examples of the Kusto documentation, with the results
//! the documentation gives, reproduced.
//!
//! `tests/fixtures/eval-docs/*.json` hold one file per documentation page: the page's path and
//! the commit of `MicrosoftDocs/dataexplorer-docs` it was read at, then its examples, each with
//! the line it starts at, the query (and the query as documented plus how it was adapted, when
//! it had to be: a bare expression put in a `print`, a `range` written as a `datatable`), and
//! the documented output table as text. Cells are compared by the output column's type
//! (numbers by value, reals to the digits the documentation shows, datetimes whatever their
//! display format, dynamic values as JSON). Rows are compared in order when `ordered`, as a
//! multiset otherwise (Kusto does not order rows without `sort`).
//!
//! Where the documentation is wrong, the example carries `divergence`: the rows the evaluator
//! produces and a `note` saying why the documented ones cannot be right; the test then requires
//! exactly those rows *and* that they differ from the documented ones. A documented query that
//! Kusto.Language itself rejects carries `divergence.error`, the analyser code it must get.
//!
//! `EVAL_DOCS_FILE=path` runs one file (any path) instead; `EVAL_DOCS_VERBOSE=1` prints every
//! failing example with the evaluator's rows; `EVAL_DOCS_REPORT=path` writes each example's
//! status and rows as JSON (used when drafting fixtures, see `fixtures/eval-docs/README.md`).

use std::path::{Path, PathBuf};

use ccfgen_kql::ScalarType;
use ccfgen_kql::eval::{Ctx, Program, Value, time};
use serde::Deserialize;

#[derive(Deserialize)]
struct Page {
    doc: String,
    repo: String,
    commit: String,
    examples: Vec<Example>,
}

#[derive(Deserialize)]
struct Example {
    line: u32,
    query: String,
    #[serde(default)]
    doc_query: Option<String>,
    #[serde(default)]
    adapted: Option<String>,
    #[serde(default)]
    columns: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
    #[serde(default)]
    ordered: bool,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    divergence: Option<Divergence>,
    /// Fixed `now()` for the example (ISO 8601), when its result depends on the clock.
    #[serde(default)]
    now: Option<String>,
}

#[derive(Deserialize)]
struct Divergence {
    #[serde(default)]
    rows: Vec<Vec<String>>,
    #[serde(default)]
    columns: Option<Vec<String>>,
    /// The query is rejected with this analyser code (as Kusto.Language rejects it).
    #[serde(default)]
    error: Option<String>,
}

fn fixture_files() -> Vec<PathBuf> {
    if let Ok(list) = std::env::var("EVAL_DOCS_FILE") {
        return list.split(':').map(PathBuf::from).collect();
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval-docs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// A documentation cell as text: markdown escapes and decorations removed.
fn clean(cell: &str) -> String {
    let c = cell
        .trim()
        .replace("\\|", "|")
        .replace("&nbsp;", "")
        .replace("<br />", "\n")
        .replace("<br/>", "\n")
        .replace("<br>", "\n");
    let c = c.trim();
    let c = c
        .strip_prefix('`')
        .and_then(|s| s.strip_suffix('`'))
        .unwrap_or(c);
    // markdown autolinks and the "(null)" some pages show for nulls
    let c = match c.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
        Some(url) if url.starts_with("http") => url,
        _ => c,
    };
    if c == "(null)" {
        return String::new();
    }
    c.trim().to_string()
}

fn parse_real(s: &str) -> Option<f64> {
    match s {
        "∞" | "Infinity" | "+Infinity" | "inf" => Some(f64::INFINITY),
        "-∞" | "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
        "NaN" | "nan" => Some(f64::NAN),
        _ => s.replace(',', "").parse().ok(),
    }
}

/// Reals compare to the precision the documentation displays.
fn real_matches(actual: f64, cell: &str) -> bool {
    let Some(expected) = parse_real(cell) else {
        return false;
    };
    if expected == actual {
        return true;
    }
    if expected.is_nan() || actual.is_nan() {
        return expected.is_nan() && actual.is_nan();
    }
    if expected.is_infinite() || actual.is_infinite() {
        return expected == actual;
    }
    let mantissa = cell.split(['e', 'E']).next().unwrap_or(cell);
    let decimals = mantissa.split('.').nth(1).map_or(0, str::len) as i32;
    let exp: i32 = cell
        .split(['e', 'E'])
        .nth(1)
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    let unit = 10f64.powi(exp - decimals);
    (actual - expected).abs() <= unit * 0.5000001 + expected.abs() * 1e-12
}

fn json_value(cell: &str) -> Option<Value> {
    ccfgen_kql::eval::parse_json(cell)
}

/// Dynamic values: structure equal, numbers by value, datetimes and strings by text.
fn dynamic_matches(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| dynamic_matches(x, y))
        }
        (Value::Bag(a), Value::Bag(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| dynamic_matches(v, w)))
        }
        (Value::Real(x), y @ (Value::Int(_) | Value::Long(_) | Value::Real(_))) => {
            real_matches(*x, &y.to_kusto_string())
        }
        (Value::DateTime(_) | Value::TimeSpan(_) | Value::Guid(_), Value::String(s)) => {
            scalar_matches(actual, s)
        }
        _ => actual == expected,
    }
}

fn scalar_matches(actual: &Value, cell: &str) -> bool {
    match actual {
        Value::Null => cell.is_empty() || cell == "null",
        Value::Bool(b) => {
            let c = cell.to_ascii_lowercase();
            c == b.to_string() || c == if *b { "1" } else { "0" }
        }
        Value::Int(i) => cell.parse::<i64>().ok() == Some(i64::from(*i)),
        Value::Long(l) => cell.parse::<i64>().ok() == Some(*l),
        Value::Real(r) => real_matches(*r, cell),
        Value::String(s) => **s == *cell,
        Value::DateTime(t) => time::parse_datetime(cell) == Some(*t),
        Value::TimeSpan(t) => time::parse_timespan(cell) == Some(*t),
        Value::Guid(_) => actual.to_kusto_string().eq_ignore_ascii_case(cell),
        Value::Array(_) | Value::Bag(_) => match json_value(cell) {
            Some(expected) => dynamic_matches(actual, &expected),
            None => false,
        },
    }
}

fn cell_matches(actual: &Value, ty: ScalarType, cell: &str) -> bool {
    if ty == ScalarType::String {
        // a markdown cell cannot show leading or trailing spaces
        return actual.to_kusto_string().trim() == cell;
    }
    if ty == ScalarType::Dynamic && !matches!(actual, Value::Array(_) | Value::Bag(_) | Value::Null)
    {
        // a dynamic scalar: shown as JSON or as its text
        return scalar_matches(actual, cell)
            || json_value(cell).is_some_and(|e| dynamic_matches(actual, &e));
    }
    scalar_matches(actual, cell)
}

fn row_matches(actual: &[Value], types: &[ScalarType], expected: &[String]) -> bool {
    actual.len() == expected.len()
        && actual
            .iter()
            .zip(types)
            .zip(expected)
            .all(|((a, t), e)| cell_matches(a, *t, &clean(e)))
}

fn rows_match(
    actual: &[Vec<Value>],
    types: &[ScalarType],
    expected: &[Vec<String>],
    ordered: bool,
) -> bool {
    if actual.len() != expected.len() {
        return false;
    }
    if ordered {
        return actual
            .iter()
            .zip(expected)
            .all(|(a, e)| row_matches(a, types, e));
    }
    let mut used = vec![false; expected.len()];
    actual.iter().all(|a| {
        match (0..expected.len()).find(|&i| !used[i] && row_matches(a, types, &expected[i])) {
            Some(i) => {
                used[i] = true;
                true
            }
            None => false,
        }
    })
}

fn columns_match(actual: &[String], expected: &Option<Vec<String>>) -> bool {
    match expected {
        None => true,
        Some(names) => {
            names.len() == actual.len() && names.iter().zip(actual).all(|(e, a)| clean(e) == *a)
        }
    }
}

fn show(rows: &[Vec<Value>]) -> String {
    rows.iter()
        .map(|r| {
            let cells: Vec<String> = r.iter().map(Value::to_kusto_string).collect();
            format!("|{}|", cells.join("|"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn documented_examples_reproduce() {
    let verbose = std::env::var_os("EVAL_DOCS_VERBOSE").is_some();
    let mut total = 0;
    let mut reproduced = 0;
    let mut divergent = 0;
    let mut adapted = 0;
    let mut failures = Vec::new();
    let mut pages = 0;
    let mut report = Vec::new();
    for file in fixture_files() {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let page: Page =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            page.repo,
            "MicrosoftDocs/dataexplorer-docs",
            "{}",
            file.display()
        );
        assert_eq!(page.commit.len(), 40, "{}: commit", file.display());
        pages += 1;
        for ex in &page.examples {
            total += 1;
            if ex.doc_query.is_some() {
                assert!(
                    ex.adapted.is_some(),
                    "{}:{}: an adapted query says how",
                    page.doc,
                    ex.line
                );
                adapted += 1;
            }
            if ex.divergence.is_some() {
                assert!(
                    ex.note.is_some(),
                    "{}:{}: a divergence needs a note",
                    page.doc,
                    ex.line
                );
            }
            let where_ = format!("{}:{}", page.doc, ex.line);
            let now = ex
                .now
                .as_deref()
                .map(|n| time::parse_datetime(n).unwrap_or_else(|| panic!("{where_}: now")))
                .unwrap_or(time::UNIX_EPOCH_TICKS);
            if let Some(code) = ex.divergence.as_ref().and_then(|d| d.error.as_ref()) {
                match Program::compile(&ex.query, &[]) {
                    Err(e) if e.code.as_deref() == Some(code.as_str()) => divergent += 1,
                    other => failures.push(format!(
                        "{where_}: expected rejection {code}, got {:?}",
                        other.map(|p| p.output().to_vec())
                    )),
                }
                continue;
            }
            let program = match Program::compile(&ex.query, &[]) {
                Ok(p) => p,
                Err(e) => {
                    report.push(serde_json::json!({"doc": page.doc, "line": ex.line, "status": "compile", "error": e.to_string()}));
                    failures.push(format!("{where_}: does not compile: {e}\n{}", ex.query));
                    continue;
                }
            };
            let types: Vec<ScalarType> = program.output().iter().map(|c| c.ty).collect();
            let names: Vec<String> = program.output().iter().map(|c| c.name.clone()).collect();
            let rows = program.run(&[], &Ctx { now });
            let doc_ok = rows_match(&rows, &types, &ex.rows, ex.ordered)
                && columns_match(&names, &ex.columns);
            report.push(serde_json::json!({
                "doc": page.doc, "line": ex.line, "status": if doc_ok { "ok" } else { "mismatch" },
                "columns": names,
                "rows": rows.iter().map(|r| r.iter().map(Value::to_kusto_string).collect::<Vec<_>>()).collect::<Vec<_>>(),
            }));
            match &ex.divergence {
                None if doc_ok => reproduced += 1,
                None => failures.push(format!(
                    "{where_}: {}\ncolumns {names:?}\ngot:\n{}\ndocumented:\n{}",
                    ex.query,
                    show(&rows),
                    ex.rows
                        .iter()
                        .map(|r| format!("|{}|", r.join("|")))
                        .collect::<Vec<_>>()
                        .join("\n")
                )),
                Some(d) => {
                    let ours = rows_match(&rows, &types, &d.rows, ex.ordered);
                    let names_ok = match &d.columns {
                        Some(_) => columns_match(&names, &d.columns),
                        None => columns_match(&names, &ex.columns),
                    };
                    if ours && names_ok && !doc_ok {
                        divergent += 1;
                    } else {
                        failures.push(format!(
                            "{where_}: divergence no longer holds (documented rows match: {doc_ok})\ngot:\n{}",
                            show(&rows)
                        ));
                    }
                }
            }
        }
    }
    println!(
        "{total} documented examples from {pages} pages: {reproduced} reproduced exactly, \
         {divergent} where the documentation is wrong (divergence explained), {} failing; \
         {adapted} adapted to run",
        failures.len()
    );
    if let Ok(path) = std::env::var("EVAL_DOCS_REPORT") {
        std::fs::write(&path, serde_json::to_string_pretty(&report).expect("json"))
            .unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
    }
    if verbose || !failures.is_empty() {
        for f in &failures {
            println!("\n{f}");
        }
    }
    assert!(failures.is_empty(), "{} examples fail", failures.len());
    if std::env::var_os("EVAL_DOCS_FILE").is_none() {
        assert!(total >= 300, "only {total} documented examples");
    }
}
