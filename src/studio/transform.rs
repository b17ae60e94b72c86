//! The studio's transform preview: the data flows of what the studio shows (a spec's tables,
//! or every data flow of the solution files' DCRs), and for records the user pastes, uploads
//! or generates, the rows the table would store — through [`crate::preview`], the same code
//! as `ccfgen preview`: the stream's conversion, the `transformKql` run by the evaluator, and
//! what the service does before storing, with the notes of each column.

use std::path::Path;
use std::sync::Arc;

use ccfgen_kql::eval::store;
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::project::Target as StudioTarget;
use super::shared::{Body, Flows, Shared, json_response};
use crate::preview::{self, PreviewError, Target};

/// Most records one preview runs.
const MAX_RECORDS: usize = 10_000;
/// Most rows one preview sends back to the page (the summary counts them all).
const MAX_ROWS_SHOWN: usize = 500;
/// Most sample records one click generates.
const MAX_SAMPLES: u64 = 1_000;

/// Handles `/api/transform…`.
pub(crate) async fn handle(
    shared: &Shared,
    method: &Method,
    rest: &[&str],
    body: Value,
) -> Response<Body> {
    let flows = flows(shared).await;
    match (method, rest) {
        (&Method::GET, []) => list(shared, &flows),
        (&Method::POST, ["run"]) => {
            let root = shared.target.path().to_path_buf();
            let result = tokio::task::spawn_blocking(move || run(&flows, &root, &body)).await;
            match result {
                Ok((status, value)) => json_response(status, &value),
                Err(e) => json_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &json!({ "error": format!("the preview stopped: {e}") }),
                ),
            }
        }
        _ => json_response(StatusCode::NOT_FOUND, &json!({"error": "not found"})),
    }
}

/// The data flows of the files as they are now (cached per version of the files).
async fn flows(shared: &Shared) -> Flows {
    let view = shared.view();
    if let Some(flows) = shared.cached_flows(&view) {
        return flows;
    }
    let target = shared.target.clone();
    let flows = tokio::task::spawn_blocking(move || read_flows(&target))
        .await
        .unwrap_or_else(|e| Err(format!("reading the data flows stopped: {e}")));
    let flows = Arc::new(flows);
    shared.cache_flows(view, flows.clone());
    flows
}

/// Every data flow of the studio's target. A single definition file is looked at with the
/// files beside it (its DCR and table sit in the same folder).
fn read_flows(target: &StudioTarget) -> Result<Vec<Target>, String> {
    let found = match target {
        StudioTarget::File(file) => match preview::targets(file) {
            Err(PreviewError::NoFlow(_)) => file
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map_or_else(|| preview::targets(Path::new(".")), preview::targets),
            other => other,
        },
        _ => preview::targets(target.path()),
    };
    match found {
        Ok(flows) => Ok(flows),
        Err(PreviewError::Spec(_)) => {
            Err("the spec does not load: nothing to preview until it does".to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Where a flow was read, relative to the studio's target.
fn origin(flow: &Target, root: &Path) -> String {
    let base = if root.is_dir() {
        root
    } else {
        root.parent().unwrap_or(root)
    };
    flow.origin
        .strip_prefix(base)
        .ok()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(&flow.origin)
        .display()
        .to_string()
}

fn columns_json(columns: &[ccfgen_kql::Column]) -> Value {
    columns
        .iter()
        .map(|c| json!({ "name": c.name, "type": c.ty.kusto_name() }))
        .collect()
}

fn list(shared: &Shared, flows: &Flows) -> Response<Body> {
    let root = shared.target.path();
    match flows.as_ref() {
        Err(e) => {
            // Why the files do not load: the errors among the view's findings.
            let view = shared.view();
            let errors: Vec<&super::project::Problem> = view
                .problems
                .iter()
                .filter(|p| p.severity == crate::diagnostic::Severity::Error)
                .collect();
            json_response(
                StatusCode::OK,
                &json!({ "flows": [], "error": e, "problems": errors }),
            )
        }
        Ok(found) => {
            let items: Vec<Value> = found
                .iter()
                .map(|f| {
                    json!({
                        "origin": origin(f, root),
                        "stream": f.stream,
                        "table": f.table,
                        "transform": f.transform,
                        "stream_columns": columns_json(&f.stream_columns),
                        "table_known": f.table_columns.is_some(),
                    })
                })
                .collect();
            let error = items
                .is_empty()
                .then_some("no DCR data flow found in these files");
            json_response(StatusCode::OK, &json!({ "flows": items, "error": error }))
        }
    }
}

fn bad(message: impl Into<String>) -> (StatusCode, Value) {
    (
        StatusCode::BAD_REQUEST,
        json!({ "error": message.into(), "where": "request" }),
    )
}

/// Runs one preview: `{origin, stream, table}` names the flow, then `records` (text: a JSON
/// array, NDJSON or one object) or `samples` (how many to generate).
fn run(flows: &Flows, root: &Path, body: &Value) -> (StatusCode, Value) {
    let found = match flows.as_ref() {
        Ok(f) => f,
        Err(e) => {
            return (
                StatusCode::CONFLICT,
                json!({ "error": e, "where": "files" }),
            );
        }
    };
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
    let Some(flow) = found.iter().find(|f| {
        f.stream == field("stream")
            && f.table == field("table")
            && origin(f, root) == field("origin")
    }) else {
        return (
            StatusCode::CONFLICT,
            json!({ "error": "that data flow is gone from the files: choose one again", "where": "files" }),
        );
    };
    let now = OffsetDateTime::now_utc();
    let (records, generated) = if let Some(n) = body.get("samples").and_then(Value::as_u64) {
        let n = n.clamp(1, MAX_SAMPLES);
        let seed = ccfgen_push::uuid::Uuid::new_v4().as_u64_pair().0;
        let base = now.replace_nanosecond(0).unwrap_or(now);
        let records = preview::sample_records(flow, n, seed, base);
        let text: String = records
            .iter()
            .map(|r| r.to_string() + "\n")
            .collect::<String>();
        (records, Some(text))
    } else {
        let Some(text) = body.get("records").and_then(Value::as_str) else {
            return bad("give records (JSON text) or samples (a count)");
        };
        match preview::parse_records(text) {
            Ok(r) => (r, None),
            Err((line, why)) => {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({
                        "error": format!("line {line}: not JSON records: {why}"),
                        "where": "records",
                        "line": line,
                    }),
                );
            }
        }
    };
    if records.len() > MAX_RECORDS {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "error": format!("{} records: the studio previews at most {MAX_RECORDS} at once (ccfgen preview has no limit)", records.len()),
                "where": "records",
            }),
        );
    }
    let result = match preview::run(flow, &records, preview::ticks_of(now)) {
        Ok(r) => r,
        Err(PreviewError::Transform { error, .. }) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({
                    "error": format!("the transformKql cannot be run: {}", error.message),
                    "where": "transform",
                    "code": error.code,
                    "line": error.line,
                    "column": error.column,
                    "generated": generated,
                }),
            );
        }
        Err(PreviewError::NotAnObject { index }) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({
                    "error": format!("record {index} is not a JSON object"),
                    "where": "records",
                    "generated": generated,
                }),
            );
        }
        Err(e) => return bad(e.to_string()),
    };
    let findings = result.findings();
    let columns: Vec<Value> = result
        .columns
        .iter()
        .map(|c| {
            let notes: Vec<&str> = findings
                .iter()
                .filter(|n| n.column.as_deref() == Some(c.name.as_str()))
                .map(|n| n.text.as_str())
                .collect();
            json!({
                "name": c.name,
                "type": c.ty.table_api_name().unwrap_or(c.ty.kusto_name()),
                "notes": notes,
            })
        })
        .collect();
    let rows: Vec<Value> = result
        .rows
        .iter()
        .take(MAX_ROWS_SHOWN)
        .map(|row| {
            store::row_json(&result.columns, row)
                .into_iter()
                .map(|(_, v)| v)
                .collect()
        })
        .collect();
    let s = &result.summary;
    (
        StatusCode::OK,
        json!({
            "records": s.records,
            "filtered": s.filtered,
            "stored": s.stored,
            "columns": columns,
            "rows": rows,
            "rows_shown": rows.len(),
            "notes": findings.iter().map(|n| json!({ "column": n.column, "text": n.text })).collect::<Vec<_>>(),
            "table_known": result.table_known,
            "generated": generated,
        }),
    )
}
