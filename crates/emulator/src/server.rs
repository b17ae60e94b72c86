//! The listener: accepts connections (TLS or plain), serves HTTP/1.1 with hyper, routes
//! requests to the token, IMDS, ingestion and control endpoints, and can abandon a
//! connection (close, or reset) when a fault asks for it.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::control;
use crate::fault::{FaultAction, FaultTarget};
use crate::http::{HttpResponse, RequestBody, path_segments};
use crate::ids;
use crate::ingest;
use crate::ingest::ApiError;
use crate::state::Shared;
use crate::token;

/// Longest TLS handshake accepted.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Spawns the accept loop; it stops (and aborts open connections) when `shutdown`
/// changes or its sender is dropped.
pub(crate) fn spawn(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok((tcp, peer)) => {
                        connections.spawn(serve_connection(Arc::clone(&shared), tcp, peer, tls.clone()));
                    }
                    Err(error) => {
                        tracing::warn!(%error, "ccfgen emulator: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        connections.shutdown().await;
    })
}

/// Per-connection handle given to request handlers.
#[derive(Clone)]
pub(crate) struct ConnCtx {
    pub(crate) peer: SocketAddr,
    abort: Arc<Notify>,
    reset: Arc<AtomicBool>,
}

impl ConnCtx {
    /// Ends the connection without answering: a reset (RST) when `reset`, else a close.
    /// Never returns; the connection task drops this request with the connection.
    pub(crate) async fn abandon(&self, reset: bool) -> HttpResponse {
        self.reset.store(reset, Ordering::SeqCst);
        self.abort.notify_one();
        std::future::pending().await
    }
}

/// A TCP stream that resets instead of closing when asked to.
struct ResettableStream {
    tcp: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // SO_LINGER 0: close() sends RST and discards unsent data; it never blocks.
            let _ = socket2::SockRef::from(&self.tcp).set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

async fn serve_connection(
    shared: Arc<Shared>,
    tcp: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
) {
    let _ = tcp.set_nodelay(true);
    let reset = Arc::new(AtomicBool::new(false));
    let ctx = ConnCtx {
        peer,
        abort: Arc::new(Notify::new()),
        reset: Arc::clone(&reset),
    };
    let stream = ResettableStream { tcp, reset };
    match tls {
        Some(acceptor) => {
            if let Ok(Ok(tls_stream)) =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
            {
                serve_http(tls_stream, shared, ctx).await;
            }
        }
        None => serve_http(stream, shared, ctx).await,
    }
}

async fn serve_http<I>(io: I, shared: Arc<Shared>, ctx: ConnCtx)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let abort = Arc::clone(&ctx.abort);
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        let ctx = ctx.clone();
        async move { Ok::<_, Infallible>(route(shared, ctx, request).await) }
    });
    let connection = http1::Builder::new().serve_connection(TokioIo::new(io), service);
    tokio::select! {
        _ = connection => {}
        _ = abort.notified() => {}
    }
}

async fn route(shared: Arc<Shared>, ctx: ConnCtx, request: Request<Incoming>) -> HttpResponse {
    let segments = path_segments(request.uri().path());
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["_emulator", rest @ ..] => {
            let rest: Vec<String> = rest.iter().map(|s| (*s).to_owned()).collect();
            control::handle(shared, ctx, request, rest).await
        }
        ["metadata", "identity", "oauth2", "token"] => token::imds(shared, ctx, request).await,
        [tenant, "v2.0", ".well-known", "openid-configuration"]
            if request.method() == Method::GET =>
        {
            token::openid_configuration(&shared, &request, tenant)
        }
        [tenant, "oauth2", "v2.0", "token"] => {
            let tenant = (*tenant).to_owned();
            token::token(shared, ctx, request, tenant).await
        }
        [rules, dcr_id, streams, stream]
            if rules.eq_ignore_ascii_case("dataCollectionRules")
                && streams.eq_ignore_ascii_case("streams") =>
        {
            if request.method() != Method::POST {
                return ApiError::new(405, "MethodNotAllowed", "Use POST.")
                    .into_response(&ids::guid());
            }
            let (dcr_id, stream) = ((*dcr_id).to_owned(), (*stream).to_owned());
            ingest::handle(shared, ctx, request, dcr_id, stream).await
        }
        _ => ApiError::new(404, "NotFound", "No such endpoint.").into_response(&ids::guid()),
    }
}

/// What a request does after its arrival faults.
pub(crate) enum Arrival {
    /// Process normally.
    Proceed,
    /// Answer with this injected failure.
    Fail {
        status: u16,
        retry_after_secs: Option<u64>,
    },
    /// Close or reset the connection without answering (the body handling is done).
    Abandon { reset: bool },
}

/// Applies the faults injected for `target` to an arriving request: waits out injected
/// latency, stalls, or reads part of the body before a reset. Records what was applied.
pub(crate) async fn arrival_faults(
    shared: &Shared,
    target: FaultTarget,
    body: &mut RequestBody,
    declared_length: Option<u64>,
    applied: &mut Option<String>,
) -> Arrival {
    let faults = shared.faults().on_arrival(target);
    if !faults.latency.is_zero() {
        shared.note_fault(applied, "latency");
        tokio::time::sleep(faults.latency).await;
    }
    let Some(action) = faults.action else {
        return Arrival::Proceed;
    };
    shared.note_fault(applied, action.name());
    match action {
        FaultAction::Fail {
            status,
            retry_after_secs,
        } => Arrival::Fail {
            status,
            retry_after_secs,
        },
        FaultAction::ResetMidBody => {
            body.read_some(declared_length.map_or(1, |n| (n / 2).max(1)))
                .await;
            Arrival::Abandon { reset: true }
        }
        FaultAction::Stall { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Arrival::Abandon { reset: false }
        }
        FaultAction::Latency { .. } | FaultAction::StoreThenDrop => Arrival::Proceed,
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
