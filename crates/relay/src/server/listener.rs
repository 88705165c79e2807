//! [`CappedListener`]: a TCP listener that accepts at most `max_connections` connections
//! at a time.
//!
//! When the cap is reached the relay stops calling `accept` until a connection closes, so
//! further connections wait in the kernel's accept queue and hold no file descriptor, task
//! or buffer of the relay's. (Accepting and then closing them would refuse real devices
//! whenever someone holds the cap; accepting and parking them would grow the relay's open
//! files without bound.) Every served connection is bounded in time by the header-read
//! timeout, so the queue keeps moving.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum_server::{AddrListener, Address};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The peer address of a connection (what handlers see as `ConnectInfo<PeerAddr>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerAddr(pub SocketAddr);

impl Address for PeerAddr {
    type Stream = CappedStream;
    type Listener = CappedListener;
}

impl Connected<PeerAddr> for PeerAddr {
    fn connect_info(target: PeerAddr) -> Self {
        target
    }
}

/// A bound listener and the permits for connections being served.
pub(crate) struct CappedListener {
    inner: TcpListener,
    permits: Arc<Semaphore>,
}

impl CappedListener {
    /// Wraps a bound, non-blocking listener; `max_connections` at least 1.
    pub fn new(listener: std::net::TcpListener, max_connections: usize) -> io::Result<Self> {
        Ok(CappedListener {
            inner: TcpListener::from_std(listener)?,
            permits: Arc::new(Semaphore::new(
                max_connections.clamp(1, Semaphore::MAX_PERMITS),
            )),
        })
    }
}

impl AddrListener<CappedStream, PeerAddr> for CappedListener {
    async fn bind_to(addr: PeerAddr) -> io::Result<Self> {
        // The relay always binds its own listener first (so callers know the port); this
        // path is never taken, but the trait asks for it.
        let listener = TcpListener::bind(addr.0).await?.into_std()?;
        CappedListener::new(listener, 1)
    }

    async fn accept_stream(&self) -> io::Result<(CappedStream, PeerAddr)> {
        // Wait for a free slot before taking a connection off the kernel's queue.
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| io::Error::other("the connection limiter was closed"))?;
        let (stream, peer) = self.inner.accept().await?;
        Ok((
            CappedStream {
                inner: stream,
                _permit: permit,
            },
            PeerAddr(peer),
        ))
    }

    fn get_local_addr(&self) -> io::Result<PeerAddr> {
        self.inner.local_addr().map(PeerAddr)
    }
}

/// An accepted connection; its slot is given back when it is dropped (closed).
pub(crate) struct CappedStream {
    inner: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for CappedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CappedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
