//! The listeners: accepting connections for the handler and the admin
//! endpoints (each within its connection cap and timeouts, see
//! [`super::connection`]) until a shutdown signal, then draining in-flight
//! requests for up to the grace period.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use super::admin;
use super::connection::{BusyBody, Connections};
use super::handler::{self, App};

/// Serves until `shutdown` resolves, then stops accepting, lets in-flight
/// requests (and their `ctx.waitUntil` work) finish for up to the grace
/// period, and returns.
pub async fn run(
    app: Arc<App>,
    listener: TcpListener,
    admin_listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) {
    let ready = Arc::new(AtomicBool::new(true));
    let graceful = GracefulShutdown::new();
    let admin_task = tokio::spawn(admin_loop(app.clone(), ready.clone(), admin_listener));
    let watch_task = app
        .config
        .watch
        .then(|| tokio::spawn(super::watch::watch(app.clone())));
    tokio::pin!(shutdown);
    let connections = Arc::new(Connections::new(app.config.connections));
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = connections.room() => permit,
        };
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let local = stream.local_addr().unwrap_or(app.config.listen);
                    let (stream, state) = connections.track(stream);
                    let app = app.clone();
                    let requests = state.clone();
                    let service = service_fn(move |request| {
                        let busy = requests.begin();
                        let response = handler::serve(app.clone(), request, peer, local, busy.clone());
                        async move {
                            let response = response.await?;
                            Ok::<_, std::convert::Infallible>(
                                response.map(|body| BusyBody::new(body, busy)),
                            )
                        }
                    });
                    let connection = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    let connection = graceful.watch(connection);
                    let connections = connections.clone();
                    tokio::spawn(async move {
                        // A client that goes away mid-request is not an
                        // error worth a log line.
                        connections.supervise(connection, state, permit).await;
                    });
                }
                Err(error) => accept_failed(&error).await,
            },
        }
    }
    ready.store(false, Ordering::Release);
    drop(listener);
    let deadline = Instant::now() + app.config.grace;
    tracing::info!(
        target: "jsbox::serve",
        app = &*app.app_name,
        grace_ms = app.config.grace.as_millis() as u64,
        "shutting down: no new connections; draining in-flight requests"
    );
    let drained = tokio::time::timeout_at(deadline.into(), async {
        graceful.shutdown().await;
        // Responses are out; runs may still be doing `waitUntil` work.
        while app.admission.in_use() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    admin_task.abort();
    if let Some(task) = watch_task {
        task.abort();
    }
    match drained {
        Ok(()) => tracing::info!(target: "jsbox::serve", app = &*app.app_name, "drained; exiting"),
        Err(_) => tracing::warn!(
            target: "jsbox::serve",
            app = &*app.app_name,
            in_flight = app.admission.in_use(),
            "the grace period ended with requests still running; exiting anyway"
        ),
    }
}

async fn admin_loop(app: Arc<App>, ready: Arc<AtomicBool>, listener: TcpListener) {
    let connections = Arc::new(Connections::new(app.config.connections));
    loop {
        let permit = connections.room().await;
        match listener.accept().await {
            Ok((stream, _)) => {
                let (stream, state) = connections.track(stream);
                let app = app.clone();
                let ready = ready.clone();
                let requests = state.clone();
                let service = service_fn(move |request| {
                    let busy = requests.begin();
                    let response = admin::serve(app.clone(), ready.clone(), request);
                    async move {
                        let response = response.await?;
                        Ok::<_, std::convert::Infallible>(
                            response.map(|body| BusyBody::new(body, busy)),
                        )
                    }
                });
                let connection =
                    http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let connections = connections.clone();
                tokio::spawn(async move {
                    connections.supervise(connection, state, permit).await;
                });
            }
            Err(error) => accept_failed(&error).await,
        }
    }
}

/// Accepting fails when the process runs out of file descriptors (or on
/// similar pressure); pausing briefly lets in-flight requests free some.
async fn accept_failed(error: &io::Error) {
    tracing::warn!(target: "jsbox::serve", %error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(50)).await;
}
