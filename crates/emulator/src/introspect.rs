//! What tests read back: the request log, silent-behaviour diagnostics and counters
//! (also rendered as Prometheus text).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Which endpoint a logged request hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// `POST /{tenant}/oauth2/v2.0/token`.
    Token,
    /// `GET /metadata/identity/oauth2/token`.
    Imds,
    /// `POST /dataCollectionRules/{id}/streams/{stream}`.
    Ingest,
}

impl RequestKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RequestKind::Token => "token",
            RequestKind::Imds => "imds",
            RequestKind::Ingest => "ingest",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<RequestKind> {
        Some(match text {
            "token" => RequestKind::Token,
            "imds" => RequestKind::Imds,
            "ingest" => RequestKind::Ingest,
            _ => return None,
        })
    }
}

/// One handled request, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLog {
    /// Position in the log (1-based, increasing).
    pub seq: u64,
    /// Arrival time, RFC 3339 UTC.
    pub received_at: String,
    /// Endpoint.
    pub kind: RequestKind,
    /// `x-ms-request-id` the emulator answered (or would have answered).
    pub request_id: String,
    /// The request's `x-ms-client-request-id` (token requests: `client-request-id`).
    pub client_request_id: Option<String>,
    /// How many times this client request id has been seen, this request included
    /// (1 when the request carried none).
    pub attempt: u32,
    /// Client id: the form field for token requests, the token's client for ingestion.
    pub client_id: Option<String>,
    /// DCR immutable id from the path.
    pub dcr_id: Option<String>,
    /// Stream name from the path.
    pub stream: Option<String>,
    /// `Content-Encoding` as sent.
    pub content_encoding: Option<String>,
    /// Body bytes received on the wire.
    pub wire_bytes: u64,
    /// Body bytes after inflation (equal to `wire_bytes` without compression).
    pub inflated_bytes: u64,
    /// Records stored.
    pub records: u64,
    /// Status answered; `None` when the connection was dropped without an answer.
    pub status: Option<u16>,
    /// `x-ms-error-code` (ingestion) or `error` (token) of an error answer.
    pub error_code: Option<String>,
    /// The injected fault that shaped this request, if any.
    pub fault: Option<String>,
}

/// A silent behaviour of the real service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    /// A property not declared in the stream was dropped.
    DroppedColumn,
    /// A value of the wrong JSON type was stored as null.
    TypeMismatch,
    /// A value longer than the field limit was truncated.
    Truncated,
}

impl DiagnosticKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::DroppedColumn => "dropped_column",
            DiagnosticKind::TypeMismatch => "type_mismatch",
            DiagnosticKind::Truncated => "truncated",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<DiagnosticKind> {
        Some(match text {
            "dropped_column" => DiagnosticKind::DroppedColumn,
            "type_mismatch" => DiagnosticKind::TypeMismatch,
            "truncated" => DiagnosticKind::Truncated,
            _ => return None,
        })
    }
}

/// Silent changes of one kind to one column within one accepted request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilentDiagnostic {
    /// `x-ms-request-id` of the accepted request.
    pub request_id: String,
    /// Its `x-ms-client-request-id`.
    pub client_request_id: Option<String>,
    /// DCR immutable id.
    pub dcr_id: String,
    /// Stream name.
    pub stream: String,
    /// The property or column concerned.
    pub column: String,
    /// What happened.
    pub kind: DiagnosticKind,
    /// How many records of the request it happened to.
    pub count: u64,
    /// Index (0-based) of the first such record in the request.
    pub first_record: u64,
    /// Human-readable detail of the first occurrence.
    pub detail: String,
}

/// Token requests seen for one client id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCounters {
    /// Requests received.
    pub requests: u64,
    /// Tokens issued.
    pub issued: u64,
    /// Requests refused (errors and injected failures).
    pub rejected: u64,
}

/// Counters since start or the last reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Token requests (endpoint and IMDS) per client id as sent (`""` when missing).
    pub token_requests: BTreeMap<String, TokenCounters>,
    /// Ingestion requests received.
    pub ingest_requests: u64,
    /// Ingestion answers per status.
    pub ingest_statuses: BTreeMap<u16, u64>,
    /// Ingestion requests whose connection was dropped without an answer.
    pub ingest_unanswered: u64,
    /// Ingestion requests whose client request id had been seen before.
    pub ingest_retries: u64,
    /// Records stored (stream rows).
    pub records_stored: u64,
    /// Rows the data flows stored in destination tables.
    pub table_rows_stored: u64,
    /// Records a data flow's transformation dropped (a `where`), counted per data flow.
    pub records_filtered: u64,
    /// Body bytes received on the wire by ingestion.
    pub wire_bytes: u64,
    /// Body bytes after inflation.
    pub inflated_bytes: u64,
    /// Silent behaviours per kind (counted per record).
    pub silent: BTreeMap<DiagnosticKind, u64>,
    /// Injected faults applied, per action.
    pub faults_applied: BTreeMap<String, u64>,
}

impl Counters {
    /// Prometheus text exposition format.
    pub fn to_prometheus(&self) -> String {
        let mut out = String::new();
        let tokens = self
            .token_requests
            .iter()
            .flat_map(|(client, c)| {
                [("issued", c.issued), ("rejected", c.rejected)].map(|(outcome, n)| {
                    let labels = format!(
                        "client_id=\"{}\",outcome=\"{outcome}\"",
                        escape_label(client)
                    );
                    (labels, n)
                })
            })
            .collect();
        family(
            &mut out,
            "token_requests_total",
            "Token requests by client id and outcome.",
            tokens,
        );
        let plain = [
            (
                "ingest_requests_total",
                "Ingestion requests received.",
                self.ingest_requests,
            ),
            (
                "ingest_unanswered_total",
                "Ingestion requests dropped without an answer.",
                self.ingest_unanswered,
            ),
            (
                "ingest_retries_total",
                "Ingestion requests repeating a client request id.",
                self.ingest_retries,
            ),
            (
                "records_stored_total",
                "Records stored.",
                self.records_stored,
            ),
            (
                "table_rows_stored_total",
                "Rows the data flows stored in destination tables.",
                self.table_rows_stored,
            ),
            (
                "records_filtered_total",
                "Records a data flow's transformation dropped.",
                self.records_filtered,
            ),
            (
                "wire_bytes_total",
                "Ingestion body bytes received on the wire.",
                self.wire_bytes,
            ),
            (
                "inflated_bytes_total",
                "Ingestion body bytes after inflation.",
                self.inflated_bytes,
            ),
        ];
        for (name, help, value) in plain {
            family(&mut out, name, help, vec![(String::new(), value)]);
        }
        let statuses = self
            .ingest_statuses
            .iter()
            .map(|(s, n)| (label("status", &s.to_string()), *n));
        family(
            &mut out,
            "ingest_responses_total",
            "Ingestion answers by status.",
            statuses.collect(),
        );
        let silent = self
            .silent
            .iter()
            .map(|(k, n)| (label("kind", k.as_str()), *n));
        family(
            &mut out,
            "silent_total",
            "Silent behaviours applied to records, by kind.",
            silent.collect(),
        );
        let faults = self
            .faults_applied
            .iter()
            .map(|(k, n)| (label("action", k), *n));
        family(
            &mut out,
            "faults_applied_total",
            "Injected faults applied, by action.",
            faults.collect(),
        );
        out
    }
}

/// Appends one counter family with its samples (`labels` empty for an unlabelled one).
fn family(out: &mut String, name: &str, help: &str, samples: Vec<(String, u64)>) {
    let _ = writeln!(out, "# HELP ccfgen_emulator_{name} {help}");
    let _ = writeln!(out, "# TYPE ccfgen_emulator_{name} counter");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "ccfgen_emulator_{name} {value}");
        } else {
            let _ = writeln!(out, "ccfgen_emulator_{name}{{{labels}}} {value}");
        }
    }
}

fn label(name: &str, value: &str) -> String {
    format!("{name}=\"{}\"", escape_label(value))
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
