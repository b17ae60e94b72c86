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
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::conn::ConnCtx;
use crate::control;
use crate::http::{HttpResponse, path_segments};
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
    let ctx = ConnCtx::new(peer);
    let stream = ResettableStream {
        tcp,
        reset: ctx.reset_flag(),
    };
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
    let abort = ctx.abort_signal();
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
