//! Liveness and readiness.

use crate::state::AppState;
use crate::web::problem::ApiError;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

/// Health of the server and its database.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Version of onewindow.
    pub version: &'static str,
}

/// Reports whether the server and its database answer.
#[utoipa::path(get, path = "/api/v1/health", tag = "operations", security(()), responses((status = 200, body = Health), (status = 500, body = crate::web::problem::Problem)))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.ping().await?;
    Ok(Json(Health { status: "ok", database: state.store.backend().name(), version: env!("CARGO_PKG_VERSION") }))
}

/// The operations room: health.
pub fn room() -> crate::web::room::Room {
    crate::web::room::Room { api: utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(health)), ..Default::default() }
}
