//! The onewindow server: JSON API under `/api/v1`, the server-rendered web UI (zh-CN), and
//! the operational endpoints (`/metrics`, request ids, request logs).
//!
//! Handlers are thin: extract, check the role, call onewindow-core, persist through the
//! store, render. Everything a handler needs is in [`AppState`].

#![expect(
    clippy::result_large_err,
    reason = "ApiError carries the bilingual problem text; it is built only on the error path and boxing it would add noise to every handler"
)]

pub mod admin;
pub mod app;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod clock;
pub mod demo;
pub mod openapi;
pub mod session;
pub mod state;
pub mod supervision;
pub mod tasks;
pub mod web;

pub use clock::Clock;
pub use state::{AppState, Settings};

use axum::Router;
use std::net::SocketAddr;

/// Builds the whole application: API, UI, assets, metrics, with the common layers.
pub fn app(state: AppState) -> Router {
    let router = app::router(&state);
    web::observe::layers(router.with_state(state.clone()), state)
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let worker = supervision::spawn_worker(state.clone());
    let app = app(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await?;
    worker.abort();
    store.close().await;
    Ok(())
}
