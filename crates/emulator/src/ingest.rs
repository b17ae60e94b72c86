//! The fake Logs Ingestion endpoint: `POST /dataCollectionRules/{id}/streams/{stream}`
//! checked in the service's order (push-client.md §1.7 B), answered with the service's
//! error shape, run through the stream's data flows (their transformations and the tables'
//! storage rules), and stored (stream rows and table rows in one commit) before the 204.

use std::io::Read as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::Request;
use hyper::body::Incoming;
use hyper::http::request::Parts;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::arrival::{Arrival, arrival_faults};
use crate::config::DcrConfig;
use crate::conn::ConnCtx;
use crate::fault::FaultTarget;
use crate::http::{
    BodyError, HttpResponse, RequestBody, empty_response, header, json_response, query_param,
    set_header,
};
use crate::introspect::{RequestKind, RequestLog};
use crate::rate::retry_after_secs;
use crate::schema::{Coerced, RawRecord, coerce, json_kind};
use crate::state::{LogGuard, Shared, blocking, persist_log};
use crate::store::RowMeta;
use crate::transform::TableRows;
use ccfgen_kql::eval::time as ticks;

/// An error answer: `{"error":{"code","message"}}` with `x-ms-error-code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    status: u16,
    code: String,
    message: String,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
            retry_after_secs: None,
        }
    }

    fn retry_after(mut self, secs: Option<u64>) -> ApiError {
        self.retry_after_secs = secs;
        self
    }

    /// An injected failure; the code follows the status.
    fn injected(status: u16) -> ApiError {
        let code = match status {
            408 => "RequestTimeout",
            429 => "TooManyRequests",
            500 => "InternalServerError",
            502 => "BadGateway",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            _ => "InjectedFault",
        };
        ApiError::new(
            status,
            code,
            format!("Injected failure: the emulator was told to answer {status}."),
        )
    }

    pub(crate) fn into_response(self, request_id: &str) -> HttpResponse {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut response = json_response(self.status, &body);
        set_header(&mut response, "x-ms-error-code", &self.code);
        set_header(&mut response, "x-ms-request-id", request_id);
        if let Some(secs) = self.retry_after_secs {
            set_header(&mut response, "retry-after", &secs.to_string());
        }
        response
    }
}

/// Why processing stopped before storing.
enum Stop {
    Reject(ApiError),
    Abandon { reset: bool },
}

impl From<ApiError> for Stop {
    fn from(error: ApiError) -> Stop {
        Stop::Reject(error)
    }
}

/// A batch ready to be committed.
struct Accepted {
    stream: String,
    coerced: Coerced,
    tables: TableRows,
    meta: RowMeta,
}

/// Handles one ingestion request from arrival to answer.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    ctx: ConnCtx,
    request: Request<Incoming>,
    dcr_id: String,
    stream: String,
) -> HttpResponse {
    let (parts, incoming) = request.into_parts();
    let mut body = RequestBody::new(incoming);
    let mut guard = shared.begin(
        RequestKind::Ingest,
        header(&parts.headers, "x-ms-client-request-id"),
    );
    let log = guard.log();
    log.dcr_id = Some(dcr_id);
    log.stream = Some(stream);
    log.content_encoding = header(&parts.headers, "content-encoding").map(str::to_owned);
    {
        let mut counters = shared.counters();
        counters.ingest_requests += 1;
        if log.attempt > 1 {
            counters.ingest_retries += 1;
        }
    }
    let checked = check(&shared, &parts, &mut body, guard.log()).await;
    match checked {
        Ok(accepted) => store(&shared, &ctx, guard.finish(), accepted).await,
        Err(Stop::Reject(error)) => reject(&shared, &mut body, guard, error).await,
        Err(Stop::Abandon { reset }) => {
            let mut log = guard.finish();
            log.wire_bytes = body.received();
            shared.counters().ingest_unanswered += 1;
            persist_log(&shared, log).await;
            ctx.abandon(reset).await
        }
    }
}

/// Drains the unread body, logs the error and answers it.
async fn reject(
    shared: &Arc<Shared>,
    body: &mut RequestBody,
    guard: LogGuard,
    error: ApiError,
) -> HttpResponse {
    let drained = body.drain().await;
    let mut log = guard.finish();
    log.wire_bytes = body.received();
    log.status = Some(error.status);
    log.error_code = Some(error.code.clone());
    *shared
        .counters()
        .ingest_statuses
        .entry(error.status)
        .or_default() += 1;
    let request_id = log.request_id.clone();
    persist_log(shared, log).await;
    let mut response = error.into_response(&request_id);
    if !drained {
        set_header(&mut response, "connection", "close");
    }
    response
}

/// Commits an accepted batch, then answers 204 (or drops the connection when a
/// store-then-drop fault is pending).
async fn store(
    shared: &Arc<Shared>,
    ctx: &ConnCtx,
    mut log: RequestLog,
    accepted: Accepted,
) -> HttpResponse {
    let drop_answer = shared.faults().drop_after_apply(FaultTarget::Ingest);
    if drop_answer {
        shared.note_fault(&mut log.fault, "store_then_drop");
    } else {
        log.status = Some(204);
    }
    let Accepted {
        stream,
        coerced,
        tables,
        meta,
    } = accepted;
    log.records = coerced.len() as u64;
    let request_id = log.request_id.clone();
    // Counted with the commit, so a client that leaves meanwhile cannot skew counters.
    let committed = blocking(shared, move |s| {
        let findings = &coerced.findings;
        s.store
            .commit_batch(&stream, &coerced, &tables, &meta, findings, &log)?;
        let mut counters = s.counters();
        counters.records_stored += log.records;
        counters.table_rows_stored += tables.len() as u64;
        counters.records_filtered += tables.filtered;
        counters.wire_bytes += log.wire_bytes;
        counters.inflated_bytes += log.inflated_bytes;
        for finding in findings {
            *counters.silent.entry(finding.kind).or_default() += finding.count;
        }
        match log.status {
            Some(status) => *counters.ingest_statuses.entry(status).or_default() += 1,
            None => counters.ingest_unanswered += 1,
        }
        Ok::<_, rusqlite::Error>(())
    })
    .await;
    if !matches!(committed, Some(Ok(()))) {
        tracing::error!("ccfgen emulator: cannot commit an accepted batch to the state file");
        *shared.counters().ingest_statuses.entry(500).or_default() += 1;
        return ApiError::new(
            500,
            "InternalServerError",
            "The emulator could not store the records.",
        )
        .into_response(&request_id);
    }
    if drop_answer {
        return ctx.abandon(false).await;
    }
    let mut response = empty_response(204);
    set_header(&mut response, "x-ms-request-id", &request_id);
    response
}

/// Runs every check of §1.7 B in order; on success the batch is typed and ready.
async fn check(
    shared: &Arc<Shared>,
    parts: &Parts,
    body: &mut RequestBody,
    log: &mut RequestLog,
) -> Result<Accepted, Stop> {
    let declared: Option<u64> =
        header(&parts.headers, "content-length").and_then(|v| v.trim().parse().ok());
    match arrival_faults(shared, FaultTarget::Ingest, body, declared, &mut log.fault).await {
        Arrival::Proceed => {}
        Arrival::Fail {
            status,
            retry_after_secs,
        } => {
            return Err(ApiError::injected(status)
                .retry_after(retry_after_secs)
                .into());
        }
        Arrival::Abandon { reset } => return Err(Stop::Abandon { reset }),
    }
    let config = &shared.config;
    let dcr_id = log.dcr_id.clone().unwrap_or_default();
    let stream = log.stream.clone().unwrap_or_default();

    // 1. api-version
    check_api_version(shared, parts.uri.query())?;
    // 2. bearer token
    let client_id = check_token(shared, header(&parts.headers, "authorization"))?;
    log.client_id = Some(client_id.clone());
    // 3. DCR
    let dcr = shared.dcr(&dcr_id).ok_or_else(|| {
        ApiError::new(
            404,
            "NotFound",
            format!("Data collection rule with immutable Id '{dcr_id}' not found."),
        )
    })?;
    // 4. role assignment
    check_role(shared, dcr, &client_id)?;
    // 5. rate limits
    if let Err(wait) = shared.rate().admit(&dcr.immutable_id, Instant::now()) {
        let secs = retry_after_secs(wait);
        let limit = config.rate_limit;
        let message = format!(
            "Rate limit exceeded for data collection rule '{}': at most {} requests and {} bytes per {} seconds. Retry after {secs} seconds.",
            dcr.immutable_id,
            limit.requests,
            limit.bytes,
            limit.window.as_secs()
        );
        return Err(ApiError::new(429, "TooManyRequests", message)
            .retry_after(Some(secs))
            .into());
    }
    // 6. body size, declared then received
    let max = config.limits.max_body_bytes;
    let too_large = |n: u64| {
        ApiError::new(
            413,
            "ContentLengthLimitExceeded",
            format!(
                "Maximum allowed content length: {max} bytes (1 MB). Provided content length: {n} bytes."
            ),
        )
    };
    if let Some(n) = declared.filter(|&n| n > max) {
        return Err(too_large(n).into());
    }
    let wire = match body
        .read_to_limit(max, declared, crate::pool::BYTES.take(0))
        .await
    {
        Ok(wire) => wire,
        Err(BodyError::TooLarge) => {
            body.drain().await;
            return Err(too_large(body.received()).into());
        }
        Err(BodyError::Transport) => return Err(Stop::Abandon { reset: false }),
    };
    log.wire_bytes = wire.len() as u64;
    shared
        .rate()
        .charge_bytes(&dcr.immutable_id, Instant::now(), log.wire_bytes);
    // 7. Content-Encoding
    let encoding = log.content_encoding.clone();
    let max_inflated = config.limits.max_inflated_bytes;
    let behaviour = config.behaviour.clone();
    let inflated = blocking(shared, move |_| {
        decode(wire, encoding.as_deref(), max_inflated, &behaviour)
    })
    .await
    .unwrap_or_else(|| {
        Err(ApiError::new(
            500,
            "InternalServerError",
            "Decoding failed.",
        ))
    })?;
    log.inflated_bytes = inflated.len() as u64;
    // 8. Content-Type
    check_content_type(shared, header(&parts.headers, "content-type"))?;
    // 9.-12. JSON, stream, Auxiliary rule, typing
    // Then the data flows, at the time the request arrived (`now()`, `TimeGenerated`).
    let dcr = dcr.clone();
    let accept_single = config.behaviour.accept_single_object;
    let received = ticks::parse_datetime(&log.received_at).unwrap_or_default();
    let (coerced, tables) = blocking(shared, move |s| {
        let coerced = parse_and_type(s, &dcr, &stream, inflated, accept_single)?;
        let tables = match s.store.schema(&stream) {
            Some(schema) => s.transforms.run(schema, &coerced, received),
            None => TableRows::default(),
        };
        Ok((coerced, tables))
    })
    .await
    .unwrap_or_else(|| Err(ApiError::new(500, "InternalServerError", "Parsing failed.")))?;
    Ok(Accepted {
        stream: log.stream.clone().unwrap_or_default(),
        coerced,
        tables,
        meta: RowMeta {
            dcr_id: shared
                .dcr(&dcr_id)
                .map(|d| d.immutable_id.clone())
                .unwrap_or(dcr_id),
            request_id: log.request_id.clone(),
            client_request_id: log.client_request_id.clone(),
            attempt: log.attempt,
            received_at: log.received_at.clone(),
        },
    })
}

fn check_api_version(shared: &Shared, query: Option<&str>) -> Result<(), ApiError> {
    let allowed = &shared.config.behaviour.api_versions;
    match query_param(query, "api-version") {
        None => Err(ApiError::new(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
        Some(version) if allowed.iter().any(|a| a == &version) => Ok(()),
        Some(version) => Err(ApiError::new(
            400,
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{version}' is invalid. The supported versions are '{}'.",
                allowed.join(",")
            ),
        )),
    }
}

/// Checks the bearer token; returns the client id it was issued to.
fn check_token(shared: &Shared, authorization: Option<&str>) -> Result<String, ApiError> {
    let invalid = |message: &str| ApiError::new(401, "InvalidAuthenticationToken", message);
    let authorization = authorization.ok_or_else(|| invalid("The access token is missing."))?;
    let (scheme, value) = authorization
        .trim()
        .split_once(' ')
        .unwrap_or((authorization, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::new(
            401,
            "UnsupportedAccessTokenType",
            format!(
                "S2S17001: SAL was able to validate the protocol, but validation failed as the access token type '{scheme}' is not supported. Send 'Authorization: Bearer <token>'."
            ),
        ));
    }
    let tokens = shared.tokens();
    let token = tokens
        .lookup(value.trim())
        .ok_or_else(|| invalid("The access token is invalid."))?;
    if Instant::now() >= token.expires_at {
        return Err(ApiError::new(
            401,
            "ExpiredAuthenticationToken",
            "The access token has expired.",
        ));
    }
    if token.audience != shared.config.cloud.monitor_audience()
        || token.tenant != shared.config.tenant_id
    {
        return Err(ApiError::new(
            401,
            "InvalidAudience",
            "Invalid authorization token audience.",
        ));
    }
    Ok(token.client_id.clone())
}

fn check_role(shared: &Shared, dcr: &DcrConfig, client_id: &str) -> Result<(), ApiError> {
    let granted = dcr
        .publishers
        .iter()
        .any(|p| p.eq_ignore_ascii_case(client_id));
    let propagating = shared
        .config
        .rbac_propagation
        .filter(|p| shared.started.elapsed() < p.delay);
    let refused_status = match (granted, propagating) {
        (true, None) => return Ok(()),
        (true, Some(propagation)) => propagation.status,
        (false, _) => 403,
    };
    if refused_status == 503 {
        return Err(ApiError::new(
            503,
            "ServiceUnavailable",
            "The service is temporarily unavailable. If permissions were granted recently, wait up to 30 minutes.",
        ));
    }
    let tenant = &shared.config.tenant_id;
    let id = &dcr.immutable_id;
    let arm_id = format!(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ccfgen-emulator/providers/Microsoft.Insights/dataCollectionRules/{id}"
    );
    Err(ApiError::new(
        refused_status,
        "OperationFailed",
        format!(
            "The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '{id}' PipelineAccessResult: AccessGranted: False, IsRbacPresent: False, IsDcrDceBindingValid: , DcrArmId: {arm_id}, Message: Required authorization action was not found for tenantId {tenant} objectId {client_id} on resourceId {arm_id} ConfigurationId: {id}.."
        ),
    ))
}

/// Inflates the body per `Content-Encoding`.
fn decode(
    wire: Vec<u8>,
    encoding: Option<&str>,
    max_inflated: u64,
    behaviour: &crate::config::Behaviour,
) -> Result<Vec<u8>, ApiError> {
    let encoding = encoding
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match encoding.as_str() {
        "" | "identity" | "none" => Ok(wire),
        "gzip" | "x-gzip" => {
            // A gzip member ends with the inflated size (mod 2^32): reserve it up front rather
            // than growing the buffer by doubling (bounded by the limit; only a hint).
            let hint = wire
                .last_chunk::<4>()
                .map_or(0, |isize| u32::from_le_bytes(*isize) as usize);
            let limit = usize::try_from(max_inflated.saturating_add(1)).unwrap_or(usize::MAX);
            let inflated = inflate(&wire, hint.saturating_add(1).min(limit), limit);
            crate::pool::BYTES.give(wire);
            let inflated = inflated.map_err(|e| {
                ApiError::new(
                    400,
                    "InvalidContentEncoding",
                    format!("The request body is not valid gzip: {e}."),
                )
            })?;
            if inflated.len() as u64 > max_inflated {
                return Err(ApiError::new(
                    behaviour.payload_too_large_status,
                    "PayloadSizeLimitExceeded",
                    format!(
                        "The decompressed payload exceeds the maximum allowed size of {max_inflated} bytes."
                    ),
                ));
            }
            Ok(inflated)
        }
        other => Err(ApiError::new(
            behaviour.unsupported_encoding_status,
            "UnsupportedContentEncoding",
            format!("Content-Encoding '{other}' is not supported; send gzip or no encoding."),
        )),
    }
}

/// Inflates the gzip members of `wire` into a pooled buffer ([`crate::pool::INFLATED`]):
/// at most `limit` bytes (more are not read), room for `hint` bytes made first (the size
/// the trailer announces and one more, so that the end is seen without growing). The bytes are read
/// straight into the buffer's initialised part (left from its last use), so only the part
/// beyond it is zeroed, once.
fn inflate(wire: &[u8], hint: usize, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut out = crate::pool::INFLATED.take_filled();
    if out.len() < hint {
        out.resize(hint, 0);
    }
    // `wire` is read in place (a slice is a `BufRead`): no copy through a read buffer
    let mut decoder = flate2::bufread::MultiGzDecoder::new(wire);
    let mut filled = 0;
    let result = loop {
        if filled == limit {
            break Ok(());
        }
        if filled == out.len() {
            let grown = out.len().saturating_mul(2).max(64 * 1024).min(limit);
            out.resize(grown, 0);
        }
        let end = out.len().min(limit);
        match decoder.read(&mut out[filled..end]) {
            Ok(0) => break Ok(()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    out.truncate(filled);
    match result {
        Ok(()) => Ok(out),
        Err(e) => {
            crate::pool::INFLATED.give_filled(out);
            Err(e)
        }
    }
}

fn check_content_type(shared: &Shared, content_type: Option<&str>) -> Result<(), ApiError> {
    let Some(status) = shared.config.behaviour.content_type_status else {
        return Ok(());
    };
    let media_type = content_type
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if media_type.is_some_and(|m| m.eq_ignore_ascii_case("application/json")) {
        return Ok(());
    }
    Err(ApiError::new(
        status,
        "UnsupportedMediaType",
        format!(
            "Content-Type '{}' is not supported; send application/json.",
            content_type.unwrap_or("")
        ),
    ))
}

/// Steps 9–12: JSON shape, stream declared, Auxiliary time range, typing.
fn parse_and_type(
    shared: &Shared,
    dcr: &DcrConfig,
    stream: &str,
    body: Vec<u8>,
    accept_single_object: bool,
) -> Result<Coerced, ApiError> {
    let invalid = |message: String| ApiError::new(400, "InvalidPayload", message);
    let shape_error = |e: serde_json::Error| {
        invalid(format!(
            "The request body is not a valid UTF-8 JSON array of objects: {e}."
        ))
    };
    let single = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => false,
        Some(b'{') if accept_single_object => true,
        _ => {
            let value: Value = serde_json::from_slice(&body).map_err(shape_error)?;
            return Err(invalid(format!(
                "The request body must be a JSON array of objects, not {}.",
                json_kind(&value)
            )));
        }
    };
    let decl = dcr.streams.iter().find(|s| s.name == stream);
    let schema = decl.and_then(|decl| shared.store.schema(&decl.name));
    let (Some(_), Some(schema)) = (decl, schema) else {
        // A malformed body is reported first.
        raw_records(&body, single).map_err(shape_error)?;
        return Err(match decl {
            None => ApiError::new(
                shared.config.behaviour.unknown_stream_status,
                "InvalidStream",
                format!(
                    "Stream '{stream}' is not declared in data collection rule with immutable Id '{}'.",
                    dcr.immutable_id
                ),
            ),
            Some(_) => ApiError::new(500, "InternalServerError", "The stream has no table."),
        });
    };
    if dcr.auxiliary {
        let records = raw_records(&body, single).map_err(shape_error)?;
        check_time_range(&records, shared.config.limits.auxiliary_max_span)?;
    }
    coerce(schema, body, single, shared.config.limits.max_field_bytes).map_err(shape_error)
}

/// The records as raw properties, for the checks that come before typing.
fn raw_records(body: &[u8], single: bool) -> serde_json::Result<Vec<RawRecord<'_>>> {
    if single {
        Ok(vec![serde_json::from_slice(body)?])
    } else {
        serde_json::from_slice(body)
    }
}

/// Auxiliary tables: `TimeGenerated` values of one call must span less than `max_span`.
fn check_time_range(records: &[RawRecord<'_>], max_span: Duration) -> Result<(), ApiError> {
    let times: Vec<OffsetDateTime> = records
        .iter()
        .filter_map(|r| serde_json::from_str::<&str>(r.get("TimeGenerated")?.get()).ok())
        .filter_map(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .collect();
    let (Some(min), Some(max)) = (times.iter().min(), times.iter().max()) else {
        return Ok(());
    };
    if (*max - *min).unsigned_abs() >= max_span {
        return Err(ApiError::new(
            400,
            "RecordsTimeRangeIsMoreThan30Minutes",
            "The time duration between DataEndTime and DataStartTime should be within the range of 0 to 30 minutes.",
        ));
    }
    Ok(())
}
