//! Log-in and log-out for browsers (cookie) and systems (bearer token).
use super::service::UserView;
use crate::state::AppState;
use crate::web::auth::{self, CurrentUser};
use crate::web::extract::ApiJson;
use crate::web::problem::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use onewindow_core::role::Role;
use onewindow_store::SessionKind;
use serde::{Deserialize, Serialize};
/// Credentials.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// Log-in name.
    pub username: String,
    /// Password.
    pub password: String,
}
/// A new session.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Bearer token for `Authorization: Bearer …` (the same session as the cookie).
    pub token: String,
    /// When it expires, RFC 3339.
    pub expires_at: String,
    /// Who.
    pub user: UserView,
}
/// Logs in: sets the session cookie and returns a bearer token for the same session.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", security(()), request_body = LoginRequest,
    responses((status = 201, body = SessionView), (status = 401, body = crate::web::problem::Problem), (status = 429, body = crate::web::problem::Problem)))]
pub async fn create_session(State(state): State<AppState>, ApiJson(body): ApiJson<LoginRequest>) -> Result<Response, ApiError> {
    let (user, token, expires) = auth::log_in(&state, &body.username, &body.password, SessionKind::Bearer).await?;
    let cookie = auth::session_cookie(&token, state.settings.session_hours, state.settings.secure_cookies);
    let view = SessionView { token, expires_at: expires.to_string(), user: UserView::from(&user) };
    Ok((StatusCode::CREATED, [(header::SET_COOKIE, cookie)], Json(view)).into_response())
}
/// Logs out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", security(("session" = [])), responses((status = 204), (status = 401, body = crate::web::problem::Problem)))]
pub async fn delete_session(State(state): State<AppState>, user: CurrentUser) -> Result<Response, ApiError> {
    let role = user.user.roles.first().copied().unwrap_or(Role::Applicant);
    state.store.delete_session(&auth::token_hash(&user.token), &state.actor(&user.user, role)).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, auth::clear_cookie(state.settings.secure_cookies))]).into_response())
}
/// The logged-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", security(("session" = [])), responses((status = 200, body = UserView), (status = 401, body = crate::web::problem::Problem)))]
pub async fn me(user: CurrentUser) -> Json<UserView> {
    Json(UserView::from(&user.user))
}
