//! What a request handler knows of its connection: the peer, and how to end the connection
//! without answering (a fault's close or reset). The listener ([`crate::server`]) makes one
//! per connection.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

use crate::http::HttpResponse;

/// Per-connection handle given to request handlers.
#[derive(Clone)]
pub(crate) struct ConnCtx {
    pub(crate) peer: SocketAddr,
    abort: Arc<Notify>,
    reset: Arc<AtomicBool>,
}

impl ConnCtx {
    /// The handle of a new connection from `peer`.
    pub(crate) fn new(peer: SocketAddr) -> ConnCtx {
        ConnCtx {
            peer,
            abort: Arc::new(Notify::new()),
            reset: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Notified when a handler abandons the connection: the listener then drops it.
    pub(crate) fn abort_signal(&self) -> Arc<Notify> {
        Arc::clone(&self.abort)
    }

    /// Set when the abandoned connection must be reset rather than closed.
    pub(crate) fn reset_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.reset)
    }

    /// Ends the connection without answering: a reset (RST) when `reset`, else a close.
    /// Never returns; the connection task drops this request with the connection.
    pub(crate) async fn abandon(&self, reset: bool) -> HttpResponse {
        self.reset.store(reset, Ordering::SeqCst);
        self.abort.notify_one();
        std::future::pending().await
    }
}
