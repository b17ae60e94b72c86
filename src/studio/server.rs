//! The studio's HTTP server: loopback only, one session token, a strict content security
//! policy, and the routes the page uses.
//!
//! Security model: the server binds `127.0.0.1`; every request must name it in `Host` (no DNS
//! rebinding); the page is served only to a browser that presents the session token (in the
//! URL printed at start, then an `HttpOnly`, `SameSite=Strict` cookie); every `/api/` request
//! needs the token, and a state-changing one needs it in the `X-Ccfgen-Token` header (which no
//! other site can set) with no foreign `Origin`. Responses forbid framing and load nothing
//! from elsewhere. No request body or secret is logged.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::emulator::StudioEmulator;
use super::project::{self, Snapshot, Target};
use super::render::{self, Live};
use super::shared::{Body, Shared, json_response, response};
use super::{StudioError, assets};

/// Largest request body accepted (records pasted into the transform preview are the
/// largest).
const MAX_BODY: usize = 4 * 1024 * 1024;
/// How often the watched files are looked at.
const POLL: Duration = Duration::from_millis(400);

/// How to run the studio.
#[derive(Debug, Clone)]
pub struct Options {
    /// What to show.
    pub target: Target,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The connector config file the form reads and writes.
    pub config_file: PathBuf,
}

/// A running studio.
pub struct Studio {
    addr: SocketAddr,
    token: String,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    watcher: tokio::task::JoinHandle<()>,
}

impl Studio {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to open: it carries the session token.
    pub fn url(&self) -> String {
        format!("http://{}/?token={}", self.addr, self.token)
    }

    /// Stops serving and watching, and the emulator the studio started.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
        self.watcher.abort();
        let _ = self.watcher.await;
        self.shared.emulator.lock().await.shutdown().await;
    }
}

/// A random session token (two v4 UUIDs: 244 random bits).
fn new_token() -> String {
    let a = ccfgen_push::uuid::Uuid::new_v4().simple().to_string();
    let b = ccfgen_push::uuid::Uuid::new_v4().simple().to_string();
    format!("{a}{b}")
}

/// Binds 127.0.0.1, reads the target once and starts serving and watching.
pub async fn start(options: Options) -> Result<Studio, StudioError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))
        .await
        .map_err(|source| StudioError::Bind {
            port: options.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StudioError::Bind {
        port: options.port,
        source,
    })?;
    let target = options.target.clone();
    let first = {
        let target = target.clone();
        tokio::task::spawn_blocking(move || project::load(&target, None))
            .await
            .unwrap_or_default()
    };
    let (version, _) = watch::channel(0u64);
    let token = new_token();
    let port = addr.port();
    let shared = Arc::new(Shared {
        cookie: format!("ccfgen_studio_{port}"),
        hosts: [format!("127.0.0.1:{port}"), format!("localhost:{port}")],
        origins: [
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
        ],
        token: token.clone(),
        target,
        snapshot: RwLock::new(Arc::new(first)),
        version,
        config_file: options.config_file,
        emulator: tokio::sync::Mutex::new(StudioEmulator::default()),
        flows: std::sync::Mutex::new(None),
    });
    let (shutdown, stop) = watch::channel(false);
    let server = tokio::spawn(serve(listener, shared.clone(), stop));
    let watcher = tokio::spawn(watch_files(shared.clone()));
    Ok(Studio {
        addr,
        token,
        shared,
        shutdown,
        server,
        watcher,
    })
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(route(req, &shared).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// Reloads the view when a watched file changes, and tells the pages.
async fn watch_files(shared: Arc<Shared>) {
    let target = shared.target.clone();
    let fingerprint = |t: Target| async move {
        tokio::task::spawn_blocking(move || t.fingerprint())
            .await
            .unwrap_or(0)
    };
    let mut last = fingerprint(target.clone()).await;
    loop {
        tokio::time::sleep(POLL).await;
        let now = fingerprint(target.clone()).await;
        if now == last {
            continue;
        }
        last = now;
        let previous = shared.view();
        let t = target.clone();
        let Ok(next) =
            tokio::task::spawn_blocking(move || project::load(&t, Some(&previous))).await
        else {
            continue;
        };
        *shared
            .snapshot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(next);
        shared.version.send_modify(|v| *v += 1);
    }
}

fn error(status: StatusCode, message: &str) -> Response<Body> {
    json_response(status, &json!({ "error": message }))
}

/// Headers every response carries.
fn harden(resp: &mut Response<Body>) {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

/// Compares without leaking where the first difference is.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn query_token(req: &Request<Incoming>) -> Option<String> {
    let q = req.uri().query()?;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

fn cookie_token(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn header_token(req: &Request<Incoming>) -> Option<&str> {
    req.headers()
        .get("x-ccfgen-token")
        .and_then(|v| v.to_str().ok())
}

async fn route(req: Request<Incoming>, shared: &Arc<Shared>) -> Response<Body> {
    let mut resp = dispatch(req, shared).await;
    harden(&mut resp);
    resp
}

async fn dispatch(req: Request<Incoming>, shared: &Arc<Shared>) -> Response<Body> {
    // DNS rebinding: only our own host names.
    let host_ok = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| shared.hosts.iter().any(|ours| ours.eq_ignore_ascii_case(h)));
    if !host_ok {
        return error(StatusCode::MISDIRECTED_REQUEST, "unknown Host");
    }
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    if let Some(asset) = path.strip_prefix("/assets/") {
        return match (method, assets::get(asset)) {
            (Method::GET, Some((content_type, bytes))) => {
                let mut r = response(StatusCode::OK, content_type, Bytes::from_static(bytes));
                r.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                r
            }
            _ => error(StatusCode::NOT_FOUND, "no such asset"),
        };
    }
    let presented = header_token(&req)
        .map(str::to_string)
        .or_else(|| query_token(&req))
        .or_else(|| cookie_token(&req, &shared.cookie));
    let authorised = presented.as_deref().is_some_and(|t| same(t, &shared.token));
    if path == "/" && method == Method::GET {
        if !authorised {
            return response(
                StatusCode::FORBIDDEN,
                "text/plain; charset=utf-8",
                "ccfgen studio: open the URL that `ccfgen studio` printed (it carries the session token).\n",
            );
        }
        let html = assets::INDEX_HTML.replace("{{TOKEN}}", &shared.token);
        let mut r = response(StatusCode::OK, "text/html; charset=utf-8", html);
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict",
            shared.cookie, shared.token
        )) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
        return r;
    }
    if !authorised {
        return error(StatusCode::FORBIDDEN, "missing or wrong session token");
    }
    if method != Method::GET && method != Method::HEAD {
        // A state change: the token must come in our header (no form or link can send it),
        // and no other site may have started the request.
        let header_ok = header_token(&req).is_some_and(|t| same(t, &shared.token));
        let origin_ok = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .is_none_or(|o| shared.origins.iter().any(|ours| ours == o));
        if !header_ok || !origin_ok {
            return error(
                StatusCode::FORBIDDEN,
                "state-changing requests need the session token header and our origin",
            );
        }
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (Method::GET, ["api", "state"]) => json_response(StatusCode::OK, &state_json(shared)),
        (Method::GET, ["api", "events"]) => events(shared),
        (Method::GET, ["api", "pages", index]) => page_html(shared, index).await,
        (Method::GET, ["api", "pages", index, "logo"]) => logo(shared, index),
        (method, ["api", rest @ ..]) => {
            let body = match read_body(req).await {
                Ok(b) => b,
                Err(resp) => return resp,
            };
            super::actions::handle(shared, &method, rest, body).await
        }
        _ => error(StatusCode::NOT_FOUND, "not found"),
    }
}

/// The request body as JSON (`null` when empty), at most [`MAX_BODY`] bytes.
async fn read_body(req: Request<Incoming>) -> Result<Value, Response<Body>> {
    let bytes = Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|_| {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large or broken",
            )
        })?
        .to_bytes();
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("request body is not JSON: {e}"),
        )
    })
}

fn target_label(target: &Target) -> String {
    let kind = match target {
        Target::Spec(_) => "spec",
        Target::Solutions(_) => "solution files",
        Target::File(_) => "file",
    };
    format!("{} ({kind})", target.path().display())
}

fn state_json(shared: &Shared) -> Value {
    let snap = shared.view();
    let pages: Vec<Value> = snap
        .pages
        .iter()
        .map(|p| {
            json!({
                "title": p.page.title,
                "rel": p.rel,
                "ui_path": p.ui_path.to_string(),
                "findings": p.findings.len(),
                "steps": p.page.steps.len(),
                "data_types": p.page.data_types.len(),
            })
        })
        .collect();
    let streams: Vec<&str> = snap
        .streams
        .iter()
        .flat_map(|s| s.dcrs.iter())
        .flat_map(|d| d.streams.iter())
        .map(|s| s.name.as_str())
        .collect();
    json!({
        "version": *shared.version.borrow(),
        "target": target_label(&shared.target),
        "solution": snap.solution_name,
        "error": snap.error,
        "stale": snap.stale,
        "pages": pages,
        "problems": snap.problems,
        "streams": streams,
    })
}

/// Server-sent events: `change` with the view's version, now and after every reload.
fn events(shared: &Arc<Shared>) -> Response<Body> {
    let (mut tx, body) = http_body_util::channel::Channel::<Bytes, Infallible>::new(4);
    let mut rx = shared.version.subscribe();
    tokio::spawn(async move {
        let mut current = *rx.borrow_and_update();
        if tx
            .send_data(Bytes::from(format!("event: change\ndata: {current}\n\n")))
            .await
            .is_err()
        {
            return;
        }
        loop {
            let changed = tokio::time::timeout(Duration::from_secs(15), rx.changed()).await;
            let message = match changed {
                Ok(Ok(())) => {
                    current = *rx.borrow_and_update();
                    format!("event: change\ndata: {current}\n\n")
                }
                Ok(Err(_)) => return,
                Err(_) => ": keep-alive\n\n".to_string(),
            };
            if tx.send_data(Bytes::from(message)).await.is_err() {
                return;
            }
        }
    });
    let mut resp = Response::new(body.boxed());
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    resp
}

fn page_index(snap: &Snapshot, index: &str) -> Option<usize> {
    index
        .parse::<usize>()
        .ok()
        .filter(|i| *i < snap.pages.len())
}

async fn page_html(shared: &Shared, index: &str) -> Response<Body> {
    let snap = shared.view();
    let Some(i) = page_index(&snap, index) else {
        return response(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "no such page (the files changed: reload)",
        );
    };
    let entry = &snap.pages[i];
    let version = *shared.version.borrow();
    let logo_url = format!("/api/pages/{i}/logo?v={version}");
    let days = last_days(14);
    let names: Vec<String> = entry
        .page
        .data_types
        .iter()
        .map(|d| d.name.clone())
        .collect();
    let live = shared
        .emulator
        .lock()
        .await
        .live(&names, &days)
        .unwrap_or_else(|| Live {
            status_source: "The preview has no workspace: the portal shows Connected once a connectivity query finds data".into(),
            days,
            ..Live::default()
        });
    let html = render::render(
        &entry.page,
        &render::Context {
            logo_url: &logo_url,
            findings: &entry.findings,
            live: &live,
        },
    );
    response(StatusCode::OK, "text/html; charset=utf-8", html)
}

/// The labels of the last `n` days (`MM-DD`, today last), with no records.
pub(crate) fn last_days(n: i64) -> Vec<(String, u64)> {
    let today = time::OffsetDateTime::now_utc().date();
    (0..n)
        .rev()
        .map(|back| {
            let d = today - time::Duration::days(back);
            (format!("{:02}-{:02}", u8::from(d.month()), d.day()), 0)
        })
        .collect()
}

fn logo(shared: &Shared, index: &str) -> Response<Body> {
    let snap = shared.view();
    let bytes: Bytes = match page_index(&snap, index).and_then(|i| snap.pages[i].logo.clone()) {
        Some(svg) => Bytes::from(svg.as_ref().clone()),
        None => Bytes::from_static(assets::DEFAULT_LOGO),
    };
    let mut resp = response(StatusCode::OK, "image/svg+xml", bytes);
    // An SVG from a definition is shown as an image only; opened directly, it runs nothing.
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    resp
}
