//! The `/_emulator/...` control API for tests and operators (loopback peers only):
//! fault injection, stored rows, request log, diagnostics, counters, reset, token expiry.
//!
//! | Method and path | Effect |
//! |---|---|
//! | `POST /_emulator/faults` | inject a [`Fault`] (or a JSON array of them) |
//! | `DELETE /_emulator/faults` | drop pending faults |
//! | `GET /_emulator/streams/{stream}/rows` | stored rows (JSON array) |
//! | `GET /_emulator/streams/{stream}/count` | `{"count": n}` |
//! | `GET /_emulator/tables` | the destination tables, their columns and data flows (with the error of a transformation the evaluator cannot run) |
//! | `GET /_emulator/tables/{table}/rows` | the table's stored rows: what the data flows' transformations made of the records (JSON array) |
//! | `GET /_emulator/tables/{table}/count` | `{"count": n}` |
//! | `GET /_emulator/requests` | request log |
//! | `GET /_emulator/diagnostics` | silent-behaviour diagnostics |
//! | `GET /_emulator/counters` | counters (JSON) |
//! | `GET /_emulator/metrics` | counters (Prometheus text) |
//! | `POST /_emulator/reset` | forget rows, logs, counters, faults, rate windows |
//! | `POST /_emulator/tokens/expire` | expire every issued token now |
//! | `GET /_emulator/ca.pem` | the CA certificate (TLS mode) |

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request};
use serde_json::{Value, json};

use crate::conn::ConnCtx;
use crate::fault::Fault;
use crate::http::{HttpResponse, RequestBody, empty_response, json_response, response};
use crate::state::{Shared, blocking};

/// Largest control request body.
const CONTROL_BODY_LIMIT: u64 = 64 * 1024;

fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    json_response(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

/// Serves one control request.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    ctx: ConnCtx,
    request: Request<Incoming>,
    path: Vec<String>,
) -> HttpResponse {
    if !is_control_peer_allowed(ctx.peer) {
        return error(
            403,
            "Forbidden",
            "The emulator control API only answers loopback clients.",
        );
    }
    let method = request.method().clone();
    let mut body = RequestBody::new(request.into_body());
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    match (&method, path.as_slice()) {
        (&Method::POST, ["faults"]) => {
            let Some(bytes) = body.read_small(CONTROL_BODY_LIMIT).await else {
                return error(413, "TooLarge", "Control requests are limited to 64 KiB.");
            };
            match parse_faults(&bytes) {
                Ok(faults) => {
                    let mut queue = shared.faults();
                    faults.into_iter().for_each(|fault| queue.push(fault));
                    empty_response(204)
                }
                Err(message) => error(400, "InvalidFault", &message),
            }
        }
        (&Method::DELETE, ["faults"]) => {
            shared.faults().clear();
            empty_response(204)
        }
        (&Method::GET, ["streams", stream, "rows"]) => {
            let stream = (*stream).to_owned();
            read(&shared, move |s| s.store.rows(&stream).map(Value::Array)).await
        }
        (&Method::GET, ["streams", stream, "count"]) => {
            let stream = (*stream).to_owned();
            read(&shared, move |s| {
                s.store.count(&stream).map(|n| json!({"count": n}))
            })
            .await
        }
        (&Method::GET, ["tables"]) => json_response(200, &tables(&shared)),
        (&Method::GET, ["tables", table, "rows" | "count"]) if !shared.store.has_table(table) => {
            error(404, "NotFound", "No data flow writes this table.")
        }
        (&Method::GET, ["tables", table, "rows"]) => {
            let table = (*table).to_owned();
            read(&shared, move |s| {
                s.store.table_rows(&table).map(Value::Array)
            })
            .await
        }
        (&Method::GET, ["tables", table, "count"]) => {
            let table = (*table).to_owned();
            read(&shared, move |s| {
                s.store.table_count(&table).map(|n| json!({"count": n}))
            })
            .await
        }
        (&Method::GET, ["requests"]) => {
            read(&shared, |s| s.store.requests().map(|r| json!(r))).await
        }
        (&Method::GET, ["diagnostics"]) => {
            read(&shared, |s| s.store.diagnostics().map(|d| json!(d))).await
        }
        (&Method::GET, ["counters"]) => json_response(200, &json!(shared.counters().clone())),
        (&Method::GET, ["metrics"]) => {
            let text = shared.counters().to_prometheus();
            response(200, "text/plain; version=0.0.4; charset=utf-8", text)
        }
        (&Method::POST, ["reset"]) => match blocking(&shared, |s| s.reset()).await {
            Some(Ok(())) => empty_response(204),
            _ => error(500, "StateError", "The state file could not be reset."),
        },
        (&Method::POST, ["tokens", "expire"]) => {
            shared.tokens().expire_all(std::time::Instant::now());
            empty_response(204)
        }
        (&Method::GET, ["ca.pem"]) => match &shared.ca_pem {
            Some(pem) => response(200, "application/x-pem-file", pem.clone()),
            None => error(
                404,
                "NotFound",
                "The emulator serves plain HTTP; there is no CA.",
            ),
        },
        _ => error(404, "NotFound", "No such control endpoint."),
    }
}

/// The destination tables: name, columns (name and Kusto type), whether the columns are the
/// table's definition, and the data flows writing it.
fn tables(shared: &Shared) -> Value {
    let transforms = &shared.transforms;
    let tables = transforms.tables.iter().map(|t| {
        let flows: Vec<Value> = transforms
            .flows
            .iter()
            .filter(|f| f.table == t.name)
            .map(
                |f| json!({"stream": f.stream, "transform_kql": f.transform_kql, "error": f.error}),
            )
            .collect();
        let columns: Vec<Value> = t
            .columns
            .iter()
            .map(|c| json!({"name": c.name, "type": c.ty.kusto_name()}))
            .collect();
        json!({"table": t.name, "defined": t.defined, "columns": columns, "flows": flows})
    });
    // flows whose table could not be made (its transformation does not run, no definition)
    let orphans = transforms
        .flows
        .iter()
        .filter(|f| !transforms.tables.iter().any(|t| t.name == f.table))
        .map(|f| {
            json!({"table": f.table, "defined": false, "columns": [], "flows": [
                {"stream": f.stream, "transform_kql": f.transform_kql, "error": f.error}
            ]})
        });
    Value::Array(tables.chain(orphans).collect())
}

/// One fault object or an array of them.
fn parse_faults(bytes: &[u8]) -> Result<Vec<Fault>, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let items = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    items
        .into_iter()
        .map(|item| serde_json::from_value(item).map_err(|e| format!("not a fault: {e}")))
        .collect()
}

async fn read(
    shared: &Arc<Shared>,
    query: impl FnOnce(&Shared) -> rusqlite::Result<Value> + Send + 'static,
) -> HttpResponse {
    match blocking(shared, query).await {
        Some(Ok(value)) => json_response(200, &value),
        _ => error(500, "StateError", "The state file could not be read."),
    }
}

/// Whether a peer may use the control API: loopback addresses only (IPv4-mapped too).
pub(crate) fn is_control_peer_allowed(peer: SocketAddr) -> bool {
    peer.ip().to_canonical().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_api_is_loopback_only() {
        let allowed = |s: &str| is_control_peer_allowed(s.parse().expect("address"));
        assert!(allowed("127.0.0.1:5000"));
        assert!(allowed("127.8.9.10:5000"));
        assert!(allowed("[::1]:5000"));
        assert!(allowed("[::ffff:127.0.0.1]:5000"));
        assert!(!allowed("10.0.0.5:5000"));
        assert!(!allowed("192.168.1.2:5000"));
        assert!(!allowed("[::ffff:10.0.0.5]:5000"));
        assert!(!allowed("[2001:db8::1]:5000"));
    }
}
