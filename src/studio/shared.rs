//! What the studio's request handlers share: the session's state ([`Shared`]: the token, the
//! current view of the files, the config file, the emulator) and the response builders, kept
//! below both the server and the actions so that neither depends on the other's internals.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;
use tokio::sync::watch;

use super::emulator::StudioEmulator;
use super::project::{Snapshot, Target};

/// A response body.
pub(crate) type Body = BoxBody<Bytes, Infallible>;

/// The transform preview's data flows of one view of the files (or why there are none).
pub(crate) type Flows = Arc<Result<Vec<crate::preview::Target>, String>>;

/// The state of one studio session.
pub(crate) struct Shared {
    /// The session token.
    pub(crate) token: String,
    /// The `Host` values the studio answers to.
    pub(crate) hosts: [String; 2],
    /// The `Origin` values state changes may come from.
    pub(crate) origins: [String; 2],
    /// The session cookie's name.
    pub(crate) cookie: String,
    /// What the studio was pointed at.
    pub(crate) target: Target,
    /// The current view of the files.
    pub(crate) snapshot: RwLock<Arc<Snapshot>>,
    /// Bumped whenever the pages should reload.
    pub(crate) version: watch::Sender<u64>,
    /// The connector config file of the push form.
    pub(crate) config_file: PathBuf,
    /// The emulator started from the push form, if any.
    pub(crate) emulator: tokio::sync::Mutex<StudioEmulator>,
    /// The transform preview's data flows, with the view they were read for.
    pub(crate) flows: std::sync::Mutex<Option<(Arc<Snapshot>, Flows)>>,
}

impl Shared {
    /// The current view.
    pub(crate) fn view(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The transform preview's data flows when they were read for `view`.
    pub(crate) fn cached_flows(&self, view: &Arc<Snapshot>) -> Option<Flows> {
        let cache = self
            .flows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .as_ref()
            .filter(|(seen, _)| Arc::ptr_eq(seen, view))
            .map(|(_, flows)| flows.clone())
    }

    /// Keeps the data flows read for `view`.
    pub(crate) fn cache_flows(&self, view: Arc<Snapshot>, flows: Flows) {
        *self
            .flows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((view, flows));
    }

    /// Tells the pages to reload (data changed outside the watched files).
    pub(crate) fn bump(&self) {
        self.version.send_modify(|v| *v += 1);
    }
}

/// A whole body.
fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// A response with a body of `content_type`.
pub(crate) fn response(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    response(
        status,
        "application/json",
        serde_json::to_vec(value).unwrap_or_default(),
    )
}

/// A streaming response of NDJSON lines, and the sender that writes them.
pub(crate) fn ndjson_stream() -> (
    http_body_util::channel::Sender<Bytes, Infallible>,
    Response<Body>,
) {
    let (tx, body) = http_body_util::channel::Channel::<Bytes, Infallible>::new(16);
    let mut resp = Response::new(body.boxed());
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    (tx, resp)
}
