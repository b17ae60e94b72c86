//! The studio's actions behind the push configuration form: read and check the form, save
//! it (owner-only, through the one private-file writer), "Test connection" (the checks of
//! `ccfgen doctor`, streamed one by one), "Send sample records" (`ccfgen sample` records
//! pushed through the push client, the push summary back) and "Use the local emulator"
//! (point at a running `ccfgen emulate`, or start one in the studio).
//!
//! No response carries a secret: the page learns only whether one is saved.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use ccfgen_push::doctor::{self, Check};
use ccfgen_push::{Client, Column, UnknownFields, ValidationOptions};
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::config::{self, ConfigFormError, Form};
use super::shared::{Body, Shared, json_response, ndjson_stream};

/// Where sample pushes keep their checkpoints and dead letters: `ccfgen push`'s default, so
/// `ccfgen push --replay` finds them.
const PUSH_STATE_DIR: &str = ".ccfgen/push";
/// Largest number of sample records one click sends.
const MAX_SAMPLES: u64 = 100_000;
/// How long one network check of "Test connection" may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// Handles `/api/<rest>` requests other than the page views.
pub(crate) async fn handle(
    shared: &Shared,
    method: &Method,
    rest: &[&str],
    body: Value,
) -> Response<Body> {
    match (method, rest) {
        (&Method::GET, ["config"]) => get_config(shared),
        (&Method::POST, ["config", "check"]) => check_config(shared, body),
        (&Method::POST, ["config"]) => save_config(shared, body),
        (&Method::POST, ["test"]) => test_connection(shared, body),
        (&Method::POST, ["samples"]) => send_samples(shared, body).await,
        (&Method::POST, ["emulator"]) => use_emulator(shared).await,
        (_, ["transform", rest @ ..]) => super::transform::handle(shared, method, rest, body).await,
        _ => json_response(StatusCode::NOT_FOUND, &json!({"error": "not found"})),
    }
}

fn bad_request(message: &str) -> Response<Body> {
    json_response(StatusCode::BAD_REQUEST, &json!({ "error": message }))
}

fn form_of(body: Value) -> Result<Form, String> {
    serde_json::from_value(body).map_err(|e| format!("not a form: {e}"))
}

/// The folder a relative `ca_file` in the config file is read from.
fn base_dir(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn stream_names(shared: &Shared) -> Vec<String> {
    shared
        .view()
        .streams
        .iter()
        .flat_map(|s| s.dcrs.iter())
        .flat_map(|d| d.streams.iter())
        .map(|s| s.name.clone())
        .collect()
}

fn get_config(shared: &Shared) -> Response<Body> {
    let path = &shared.config_file;
    match config::read(path) {
        Ok((saved, _secret)) => json_response(
            StatusCode::OK,
            &json!({
                "path": path.display().to_string(),
                "values": saved.values,
                "secret_saved": saved.secret_saved,
            }),
        ),
        Err(e) => json_response(
            StatusCode::OK,
            &json!({
                "path": path.display().to_string(),
                "error": format!("{} cannot be read: {e}; saving replaces it", path.display()),
                "secret_saved": false,
            }),
        ),
    }
}

fn secret_saved(shared: &Shared) -> bool {
    config::read(&shared.config_file).is_ok_and(|(saved, _)| saved.secret_saved)
}

fn check_config(shared: &Shared, body: Value) -> Response<Body> {
    let form = match form_of(body) {
        Ok(f) => f,
        Err(e) => return bad_request(&e),
    };
    let errors = form.check(
        secret_saved(shared),
        &stream_names(shared),
        &base_dir(&shared.config_file),
    );
    json_response(StatusCode::OK, &json!({ "errors": errors }))
}

/// Writes the form to the config file; returns what the page may see.
fn save(shared: &Shared, form: &Form) -> Result<config::Saved, ConfigFormError> {
    let path = &shared.config_file;
    let (_, saved_secret) = config::read(path).unwrap_or_default();
    let errors = form.check(
        saved_secret.is_some(),
        &stream_names(shared),
        &base_dir(path),
    );
    if !errors.is_empty() {
        return Err(ConfigFormError::Fields(errors));
    }
    let text = form.file(saved_secret.as_deref()).to_text();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ConfigFormError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    ccfgen_base::private_file::write_private(path, text.as_bytes()).map_err(|source| {
        ConfigFormError::Write {
            path: path.clone(),
            source,
        }
    })?;
    Ok(config::read(path)?.0)
}

fn saved_json(shared: &Shared, saved: &config::Saved) -> Value {
    json!({
        "path": shared.config_file.display().to_string(),
        "values": saved.values,
        "secret_saved": saved.secret_saved,
    })
}

fn save_config(shared: &Shared, body: Value) -> Response<Body> {
    let form = match form_of(body) {
        Ok(f) => f,
        Err(e) => return bad_request(&e),
    };
    match save(shared, &form) {
        Ok(saved) => json_response(StatusCode::OK, &saved_json(shared, &saved)),
        Err(ConfigFormError::Fields(errors)) => json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"errors": errors, "error": "some fields need a change: nothing was saved"}),
        ),
        Err(e) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": e.to_string()}),
        ),
    }
}

fn check_json(check: &Check) -> Bytes {
    let mut line = json!({
        "name": check.name,
        "status": check.status.label(),
        "detail": check.detail,
    })
    .to_string();
    line.push('\n');
    Bytes::from(line)
}

/// Runs the doctor checks on the form's values (the saved secret when the field is empty),
/// streaming one NDJSON line per check as it completes.
fn test_connection(shared: &Shared, body: Value) -> Response<Body> {
    let form = match form_of(body) {
        Ok(f) => f,
        Err(e) => return bad_request(&e),
    };
    let path = shared.config_file.clone();
    let (_, saved_secret) = config::read(&path).unwrap_or_default();
    let base = base_dir(&path);
    let config = form.config(saved_secret.as_deref(), &base);
    // The permissions check looks at the file the secret comes from.
    let from_file = form.application_secret.is_empty() && saved_secret.is_some();
    let options = doctor::Options {
        config_file: from_file.then_some(path),
        timeout: CHECK_TIMEOUT,
    };
    let (mut tx, response) = ndjson_stream();
    let (lines, mut rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
    // The checks' callback is not Send: they run on a thread of their own.
    std::thread::spawn(move || {
        let error_line =
            |message: String| Bytes::from(json!({ "error": message }).to_string() + "\n");
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                let _ = lines.send(error_line(format!("starting the checks: {e}")));
                return;
            }
        };
        let state = match tempfile::tempdir() {
            Ok(s) => s,
            Err(e) => {
                let _ = lines.send(error_line(format!("creating a temporary directory: {e}")));
                return;
            }
        };
        let mut report = |check: &Check| {
            let _ = lines.send(check_json(check));
        };
        if let Err(e) = runtime.block_on(doctor::diagnose(
            config,
            &options,
            state.path(),
            &mut report,
        )) {
            let _ = lines.send(error_line(e.to_string()));
        }
    });
    tokio::spawn(async move {
        while let Some(line) = rx.recv().await {
            if tx.send_data(line).await.is_err() {
                break;
            }
        }
    });
    response
}

/// The columns and sample records of the configured stream.
fn samples_for(
    shared: &Shared,
    stream: &str,
    count: u64,
) -> Result<(Vec<Column>, Vec<Value>), String> {
    let view = shared.view();
    let options = crate::sample::Options {
        count,
        seed: ccfgen_push::uuid::Uuid::new_v4().as_u64_pair().0,
        base_time: time::OffsetDateTime::now_utc(),
        format: crate::sample::Format::Ndjson,
    };
    if let Some(solution) = &view.solution {
        // The table that declares the stream (a shared stream's later readers declare none).
        let table = solution
            .record_tables()
            .into_iter()
            .find(|t| t.stream == stream)
            .ok_or_else(|| format!("{stream} is not a stream of {}", solution.name))?;
        let mut generator = crate::sample::Generator::new(table, &options);
        let records = (0..count).map(|_| generator.record()).collect();
        return Ok((table.push_columns(), records));
    }
    // Solution files: the stream's declaration (each column generated from its name and type).
    let declared = view
        .streams
        .iter()
        .flat_map(|s| s.dcrs.iter())
        .flat_map(|d| d.streams.iter())
        .find(|s| s.name == stream)
        .ok_or_else(|| format!("{stream} is not declared by a DCR of these files"))?;
    let columns: Vec<_> = declared
        .columns
        .iter()
        .map(|(name, ty)| (name.clone(), *ty, None))
        .collect();
    let records = crate::sample::records_for_stream(stream, &columns, &options);
    let push_columns = declared
        .columns
        .iter()
        .map(|(name, ty)| Column {
            name: name.clone().into(),
            ty: *ty,
            required: false,
        })
        .collect();
    Ok((push_columns, records))
}

async fn send_samples(shared: &Shared, body: Value) -> Response<Body> {
    let count = body["count"].as_u64().unwrap_or(10).clamp(1, MAX_SAMPLES);
    let path = &shared.config_file;
    let config = match ccfgen_push::Config::from_json_file(path) {
        Ok(c) => c,
        Err(e) => {
            return bad_request(&format!(
                "{e}: save the configuration first (samples go through the saved file, as `ccfgen push --config` sends)"
            ));
        }
    };
    let stream = config.stream_name.clone().unwrap_or_default();
    let (columns, records) = match samples_for(shared, &stream, count) {
        Ok(s) => s,
        Err(e) => return bad_request(&e),
    };
    let client = match Client::builder(config, Path::new(PUSH_STATE_DIR)).build() {
        Ok(c) => c,
        Err(e) => return bad_request(&e.to_string()),
    };
    let source = format!("studio-samples-{}", ccfgen_push::uuid::Uuid::new_v4());
    let validation = ValidationOptions {
        unknown_fields: UnknownFields::Reject,
    };
    let outcome = async {
        let mut sink = client
            .value_sink(&columns, &source, validation)
            .map_err(|e| e.to_string())?;
        for record in &records {
            sink.push(record).await.map_err(|e| e.to_string())?;
        }
        Ok::<_, String>(sink.finish().await)
    }
    .await;
    let (summary, error) = match outcome {
        Err(e) => return bad_request(&e),
        Ok(Ok(summary)) => (summary, None),
        Ok(Err(incomplete)) => (
            incomplete.summary.clone(),
            Some(incomplete.error.to_string()),
        ),
    };
    shared.bump();
    let rows: Vec<Value> = summary
        .rows(error.is_some())
        .into_iter()
        .map(|(k, v)| json!([k, v]))
        .collect();
    let message = format!(
        "{} of {count} sample records delivered to {stream}",
        summary.delivered
    );
    json_response(
        StatusCode::OK,
        &json!({"summary": rows, "message": message, "error": error, "delivered": summary.delivered}),
    )
}

/// Points the form at an emulator for the shown solution: a `ccfgen emulate` that is
/// running, or one the studio starts. The config file is written with its values.
async fn use_emulator(shared: &Shared) -> Response<Body> {
    let view = shared.view();
    let Some(streams) = view.streams.clone() else {
        return bad_request(
            "no DCR stream to emulate: the studio shows no spec or DCR with stream declarations",
        );
    };
    let outcome = shared.emulator.lock().await.use_for(&streams).await;
    let (file, message) = match outcome {
        Ok(done) => done,
        Err(e) => return bad_request(&e),
    };
    let path = &shared.config_file;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return bad_request(&format!("creating {}: {e}", dir.display()));
    }
    if let Err(e) = ccfgen_base::private_file::write_private(path, file.to_text().as_bytes()) {
        return bad_request(&format!("writing {}: {e}", path.display()));
    }
    shared.bump();
    match config::read(path) {
        Ok((saved, _)) => {
            let mut body = saved_json(shared, &saved);
            body["message"] = Value::from(format!("{message}; saved {}", path.display()));
            json_response(StatusCode::OK, &body)
        }
        Err(e) => bad_request(&e.to_string()),
    }
}
