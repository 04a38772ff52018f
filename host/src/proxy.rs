//! A recording Engine API proxy: listens on a unix socket, forwards every request to the
//! real Engine's unix socket unchanged (responses streamed back, so the events API works),
//! and records each request's method and path.
//!
//! Tests point a client at the proxy (`-H unix://<proxy socket>`) and then count the write
//! calls ([`Recording::writes`]: POST, PUT, DELETE) to prove, for example, that re-applying an
//! unchanged stack sends none. The proxy sees every byte the client sends, so a client cannot
//! write around it.

use http_body_util::{BodyExt, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One request that went through the proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub method: String,
    /// Path and query, e.g. `/v1.41/services?status=true`.
    pub path: String,
}

impl Call {
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "DELETE" | "PATCH")
    }
}

/// The calls recorded so far (shared with the proxy's thread).
#[derive(Clone, Default)]
pub struct Recording(Arc<Mutex<Vec<Call>>>);

impl Recording {
    pub fn calls(&self) -> Vec<Call> {
        self.0.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn writes(&self) -> Vec<Call> {
        self.calls().into_iter().filter(Call::is_write).collect()
    }

    pub fn clear(&self) {
        if let Ok(mut calls) = self.0.lock() {
            calls.clear();
        }
    }

    fn push(&self, call: Call) {
        if let Ok(mut calls) = self.0.lock() {
            calls.push(call);
        }
    }
}

/// A running proxy; it stops when dropped (its thread ends with the process at the latest).
pub struct RecordingProxy {
    pub socket: PathBuf,
    pub recording: Recording,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl RecordingProxy {
    /// Starts a proxy listening on `socket` (replaced if it exists) in front of `upstream`.
    pub fn start(socket: &Path, upstream: &Path) -> std::io::Result<RecordingProxy> {
        let _ = std::fs::remove_file(socket);
        let std_listener = std::os::unix::net::UnixListener::bind(socket)?;
        std_listener.set_nonblocking(true)?;
        let recording = Recording::default();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let upstream = upstream.to_path_buf();
        let record = recording.clone();
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::UnixListener::from_std(std_listener) else {
                    return;
                };
                tokio::select! {
                    _ = accept_loop(listener, upstream, record) => {}
                    _ = stopped => {}
                }
            });
        });
        Ok(RecordingProxy {
            socket: socket.to_path_buf(),
            recording,
            stop: Some(stop),
        })
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = std::fs::remove_file(&self.socket);
    }
}

async fn accept_loop(listener: tokio::net::UnixListener, upstream: PathBuf, record: Recording) {
    while let Ok((client, _)) = listener.accept().await {
        let upstream = upstream.clone();
        let record = record.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let upstream = upstream.clone();
                let record = record.clone();
                async move { forward(request, &upstream, &record).await }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(client), service)
                .await;
        });
    }
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

async fn forward(
    request: Request<Incoming>,
    upstream: &Path,
    record: &Recording,
) -> Result<Response<ProxyBody>, std::io::Error> {
    record.push(Call {
        method: request.method().to_string(),
        path: request
            .uri()
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
    });
    let io = tokio::net::UnixStream::connect(upstream).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(std::io::Error::other)?;
    Ok(response.map(BodyExt::boxed))
}
