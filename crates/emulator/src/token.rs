//! The fake Microsoft Entra token endpoint (client credentials) and IMDS, with Entra's
//! error shapes, and the store binding each opaque token to tenant, client, audience
//! and expiry.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::body::Incoming;
use hyper::{Method, Request};
use serde_json::json;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::arrival::{Arrival, arrival_faults};
use crate::conn::ConnCtx;
use crate::fault::FaultTarget;
use crate::http::{HttpResponse, RequestBody, header, json_response, query_param, set_header};
use crate::ids;
use crate::introspect::{RequestKind, RequestLog};
use crate::state::{Shared, persist_log};
use crate::token_store::IssuedToken;

/// Largest form body read.
const FORM_LIMIT: u64 = 64 * 1024;

/// An Entra error: OAuth `error`, AADSTS code (0 for none) and description.
struct EntraError {
    status: u16,
    error: &'static str,
    code: u32,
    description: String,
}

impl EntraError {
    fn new(
        status: u16,
        error: &'static str,
        code: u32,
        description: impl Into<String>,
    ) -> EntraError {
        EntraError {
            status,
            error,
            code,
            description: description.into(),
        }
    }

    fn missing(parameter: &str) -> EntraError {
        EntraError::new(
            400,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }

    /// Entra's body: `error_description` carries the AADSTS prefix and the trace lines.
    fn into_response(
        self,
        shared: &Shared,
        log: &RequestLog,
        retry_after_secs: Option<u64>,
    ) -> HttpResponse {
        let timestamp = OffsetDateTime::now_utc()
            .format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]Z"
            ))
            .unwrap_or_default();
        let correlation_id = correlation_id(log);
        let body = if self.code == 0 {
            // IMDS errors carry no AADSTS code.
            json!({"error": self.error, "error_description": self.description})
        } else {
            let description = format!(
                "AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
                self.code, self.description, log.request_id, correlation_id, timestamp
            );
            json!({
                "error": self.error,
                "error_description": description,
                "error_codes": [self.code],
                "timestamp": timestamp,
                "trace_id": log.request_id,
                "correlation_id": correlation_id,
                "error_uri": format!("{}/error?code={}", shared.config.cloud.authority_host(), self.code),
            })
        };
        let mut response = json_response(self.status, &body);
        entra_headers(&mut response, log);
        if let Some(secs) = retry_after_secs {
            set_header(&mut response, "retry-after", &secs.to_string());
        }
        response
    }
}

fn correlation_id(log: &RequestLog) -> String {
    log.client_request_id
        .clone()
        .filter(|id| uuid::Uuid::parse_str(id).is_ok())
        .unwrap_or_else(ids::guid)
}

fn entra_headers(response: &mut HttpResponse, log: &RequestLog) {
    set_header(response, "cache-control", "no-store, no-cache");
    set_header(response, "x-ms-request-id", &log.request_id);
    if let Some(id) = &log.client_request_id {
        set_header(response, "client-request-id", id);
    }
}

/// An injected failure in Entra's shape.
fn injected(status: u16) -> EntraError {
    EntraError::new(
        status,
        "temporarily_unavailable",
        90033,
        "A transient error has occurred. Please try again.",
    )
}

/// How a token request ended, for the log and counters.
enum Outcome {
    Issued(HttpResponse),
    Refused(EntraError, Option<u64>),
    Abandon { reset: bool },
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`: the discovery document
/// MSAL-based clients (azure-identity for Python, .NET, Java, JS) fetch before their first
/// token request. An unknown tenant gets Entra's 400 with AADSTS90002.
pub(crate) fn openid_configuration(
    shared: &Shared,
    request: &Request<Incoming>,
    tenant: &str,
) -> HttpResponse {
    if !tenant.eq_ignore_ascii_case(&shared.config.tenant_id) {
        return json_response(
            400,
            &json!({
                "error": "invalid_tenant",
                "error_description": format!("AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
                "error_codes": [90002],
            }),
        );
    }
    let scheme = if shared.ca_pem.is_some() {
        "https"
    } else {
        "http"
    };
    let host = header(request.headers(), "host").unwrap_or("127.0.0.1");
    let base = format!("{scheme}://{host}/{tenant}");
    json_response(
        200,
        &json!({
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{base}/v2.0"),
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
            "tenant_region_scope": null,
            "cloud_instance_name": "microsoftonline.com",
        }),
    )
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub(crate) async fn token(
    shared: Arc<Shared>,
    ctx: ConnCtx,
    request: Request<Incoming>,
    tenant: String,
) -> HttpResponse {
    let (parts, incoming) = request.into_parts();
    let mut body = RequestBody::new(incoming);
    let mut guard = shared.begin(
        RequestKind::Token,
        header(&parts.headers, "client-request-id"),
    );
    let declared = header(&parts.headers, "content-length").and_then(|v| v.parse().ok());
    let fault = &mut guard.log().fault;
    let arrival = arrival_faults(&shared, FaultTarget::Token, &mut body, declared, fault).await;
    let form = body.read_small(FORM_LIMIT).await.unwrap_or_default();
    let mut log = guard.finish();
    log.wire_bytes = body.received();
    log.inflated_bytes = log.wire_bytes;
    let fields: HashMap<String, String> = form_urlencoded::parse(&form).into_owned().collect();
    log.client_id = fields.get("client_id").cloned();

    let outcome = match arrival {
        Arrival::Abandon { reset } => Outcome::Abandon { reset },
        Arrival::Fail {
            status,
            retry_after_secs,
        } => Outcome::Refused(injected(status), retry_after_secs),
        Arrival::Proceed if parts.method != Method::POST => Outcome::Refused(
            EntraError::new(
                400,
                "invalid_request",
                900561,
                "The endpoint only accepts POST requests.",
            ),
            None,
        ),
        Arrival::Proceed => match client_credentials(&shared, &tenant, &fields) {
            Ok(issued) => Outcome::Issued(issued_response(&shared, issued, &log)),
            Err(error) => Outcome::Refused(error, None),
        },
    };
    finish(&shared, &ctx, log, outcome).await
}

/// Counts, logs and answers a token or IMDS request.
async fn finish(
    shared: &Arc<Shared>,
    ctx: &ConnCtx,
    mut log: RequestLog,
    outcome: Outcome,
) -> HttpResponse {
    let client = log.client_id.clone().unwrap_or_default();
    {
        let mut counters = shared.counters();
        let entry = counters.token_requests.entry(client).or_default();
        entry.requests += 1;
        match &outcome {
            Outcome::Issued(_) => entry.issued += 1,
            Outcome::Refused(..) | Outcome::Abandon { .. } => entry.rejected += 1,
        }
    }
    match outcome {
        Outcome::Issued(response) => {
            log.status = Some(response.status().as_u16());
            persist_log(shared, log).await;
            response
        }
        Outcome::Refused(error, retry_after_secs) => {
            log.status = Some(error.status);
            log.error_code = Some(error.error.to_owned());
            let response = error.into_response(shared, &log, retry_after_secs);
            persist_log(shared, log).await;
            response
        }
        Outcome::Abandon { reset } => {
            persist_log(shared, log).await;
            ctx.abandon(reset).await
        }
    }
}

/// Validates a client-credentials request in Entra's order and issues a token.
fn client_credentials(
    shared: &Shared,
    tenant: &str,
    fields: &HashMap<String, String>,
) -> Result<(String, IssuedToken), EntraError> {
    let config = &shared.config;
    if !tenant.eq_ignore_ascii_case(&config.tenant_id) {
        return Err(EntraError::new(
            400,
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        ));
    }
    let grant_type = fields
        .get("grant_type")
        .ok_or_else(|| EntraError::missing("grant_type"))?;
    if grant_type != "client_credentials" {
        return Err(EntraError::new(
            400,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        ));
    }
    let client_id = fields
        .get("client_id")
        .ok_or_else(|| EntraError::missing("client_id"))?;
    let app = config
        .clients
        .iter()
        .find(|app| app.client_id.eq_ignore_ascii_case(client_id))
        .ok_or_else(|| {
            EntraError::new(
                400,
                "unauthorized_client",
                700016,
                format!(
                    "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
                ),
            )
        })?;
    let secret = fields.get("client_secret").ok_or_else(|| {
        EntraError::new(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    })?;
    if secret != &app.secret {
        return Err(EntraError::new(
            401,
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                app.client_id
            ),
        ));
    }
    if app.secret_expired {
        return Err(EntraError::new(
            401,
            "invalid_client",
            7000222,
            format!(
                "The provided client secret keys for app '{}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
                app.client_id
            ),
        ));
    }
    let scope = fields.get("scope").ok_or_else(|| {
        EntraError::new(
            400,
            "invalid_scope",
            70011,
            "The provided request must include a 'scope' input parameter.",
        )
    })?;
    let audience = resolve_scope(shared, scope)?;
    let issued = IssuedToken {
        tenant: config.tenant_id.clone(),
        client_id: app.client_id.clone(),
        audience: audience.to_owned(),
        expires_at: Instant::now() + config.token_ttl,
    };
    let value = shared.tokens().issue(issued.clone());
    Ok((value, issued))
}

/// A client-credentials scope must be exactly one `<resource>/.default`.
fn resolve_scope(shared: &Shared, scope: &str) -> Result<&'static str, EntraError> {
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let resource = match scopes.as_slice() {
        [single] => single.strip_suffix("/.default"),
        _ => None,
    };
    let Some(resource) = resource else {
        return Err(EntraError::new(
            400,
            "invalid_scope",
            70011,
            format!(
                "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        ));
    };
    crate::cloud::resolve_resource(shared.config.cloud, resource)
        .ok_or_else(|| unknown_resource(shared, resource))
}

fn unknown_resource(shared: &Shared, resource: &str) -> EntraError {
    EntraError::new(
        400,
        "invalid_resource",
        500011,
        format!(
            "The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
            shared.config.tenant_id
        ),
    )
}

fn issued_response(
    shared: &Shared,
    (value, _): (String, IssuedToken),
    log: &RequestLog,
) -> HttpResponse {
    let ttl = shared.config.token_ttl.as_secs();
    let body = json!({
        "token_type": "Bearer",
        "expires_in": ttl,
        "ext_expires_in": ttl,
        "access_token": value,
    });
    let mut response = json_response(200, &body);
    entra_headers(&mut response, log);
    response
}

/// `GET /metadata/identity/oauth2/token` (Azure Instance Metadata Service).
pub(crate) async fn imds(
    shared: Arc<Shared>,
    ctx: ConnCtx,
    request: Request<Incoming>,
) -> HttpResponse {
    let (parts, incoming) = request.into_parts();
    let mut body = RequestBody::new(incoming);
    let mut guard = shared.begin(
        RequestKind::Imds,
        header(&parts.headers, "x-ms-client-request-id"),
    );
    guard.log().client_id = shared.config.managed_identity.clone();
    let fault = &mut guard.log().fault;
    let arrival = arrival_faults(&shared, FaultTarget::Token, &mut body, None, fault).await;
    body.drain().await;
    let log = guard.finish();
    let query = parts.uri.query();
    let outcome = match arrival {
        Arrival::Abandon { reset } => Outcome::Abandon { reset },
        Arrival::Fail {
            status,
            retry_after_secs,
        } => Outcome::Refused(injected(status), retry_after_secs),
        Arrival::Proceed => {
            let metadata =
                header(&parts.headers, "metadata").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            match managed_identity_token(&shared, metadata, query) {
                Ok(response) => Outcome::Issued(response),
                Err(error) => Outcome::Refused(error, None),
            }
        }
    };
    finish(&shared, &ctx, log, outcome).await
}

fn managed_identity_token(
    shared: &Shared,
    metadata: bool,
    query: Option<&str>,
) -> Result<HttpResponse, EntraError> {
    let imds_error = |description: &str| EntraError::new(400, "invalid_request", 0, description);
    if !metadata {
        return Err(imds_error("Required metadata header not specified"));
    }
    for required in ["api-version", "resource"] {
        if query_param(query, required).is_none() {
            return Err(imds_error(&format!(
                "Required query variable '{required}' is missing"
            )));
        }
    }
    let identity = shared.config.managed_identity.as_deref();
    let requested = query_param(query, "client_id");
    let identity = match (identity, requested.as_deref()) {
        (Some(id), None) => id,
        (Some(id), Some(wanted)) if id.eq_ignore_ascii_case(wanted) => id,
        _ => return Err(imds_error("Identity not found")),
    };
    let resource = query_param(query, "resource").unwrap_or_default();
    let audience = crate::cloud::resolve_resource(shared.config.cloud, &resource)
        .ok_or_else(|| unknown_resource(shared, &resource))?;
    let ttl = shared.config.token_ttl;
    let value = shared.tokens().issue(IssuedToken {
        tenant: shared.config.tenant_id.clone(),
        client_id: identity.to_owned(),
        audience: audience.to_owned(),
        expires_at: Instant::now() + ttl,
    });
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let body = json!({
        "access_token": value,
        "client_id": identity,
        "expires_in": ttl.as_secs().to_string(),
        "expires_on": (now + ttl.as_secs()).to_string(),
        "ext_expires_in": ttl.as_secs().to_string(),
        "not_before": now.to_string(),
        "resource": resource,
        "token_type": "Bearer",
    });
    Ok(json_response(200, &body))
}
