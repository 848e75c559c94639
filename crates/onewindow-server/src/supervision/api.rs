//! The supervision API: warnings, accountability records and their review, the CSV export.
use super::service::*;
use crate::state::AppState;
use crate::web::auth::CurrentUser;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::problem::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use onewindow_core::role::Permission;
use onewindow_store::{AccountabilityRecord, SupervisedCase};
use serde::{Deserialize, Serialize};
/// A page of warned cases.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WarningList {
    /// Cases, newest first.
    #[schema(value_type = Vec<Object>)]
    pub cases: Vec<SupervisedCase>,
    /// Cursor of the next page, when there may be one.
    pub next_cursor: Option<String>,
}
/// Running cases with a warning: `yellow` (≤ 20% of the working days left), `red` (due today),
/// `overdue`. Supervision officers and leaders; 403 for everyone else.
#[utoipa::path(get, path = "/api/v1/supervision/warnings", tag = "supervision", security(("session" = ["supervise"])), params(SupervisionQuery),
    responses((status = 200, body = WarningList), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem),
        (status = 422, body = crate::web::problem::Problem)))]
pub async fn list_warnings(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<SupervisionQuery>,
) -> Result<Json<WarningList>, ApiError> {
    user.require(Permission::Supervise)?;
    let limit = q.limit.unwrap_or(50).clamp(1, onewindow_store::CASE_PAGE_MAX);
    let cases = state.store.warnings(&q.filter()?, limit).await?;
    let next_cursor = (cases.len() as i64 == limit).then(|| cases.last().map(|c| c.number.clone())).flatten();
    Ok(Json(WarningList { cases, next_cursor }))
}
/// Accountability list options.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountabilityQuery {
    /// `open`, `confirmed` or `excused`.
    pub state: Option<String>,
    /// Department code.
    pub department: Option<String>,
    /// The last id of the previous page.
    pub cursor: Option<i64>,
    /// Page size (≤ 200).
    pub limit: Option<i64>,
}
/// Accountability records (问责), newest first: one per case that went overdue, naming the
/// department, the step and the person holding it.
#[utoipa::path(get, path = "/api/v1/supervision/accountability", tag = "supervision", security(("session" = ["supervise"])), params(AccountabilityQuery),
    responses((status = 200, body = Vec<Object>), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem)))]
pub async fn list_accountability(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<AccountabilityQuery>,
) -> Result<Json<Vec<AccountabilityRecord>>, ApiError> {
    user.require(Permission::Supervise)?;
    if let Some(s) = q.state.as_deref().filter(|s| !matches!(*s, "" | "open" | "confirmed" | "excused")) {
        return Err(bad("state", "state应为open、confirmed或excused", &format!("unknown state {s:?}")));
    }
    let records = state
        .store
        .accountability(q.state.as_deref().filter(|s| !s.is_empty()), q.department.as_deref(), q.cursor, q.limit.unwrap_or(50))
        .await?;
    Ok(Json(records))
}
/// The officer's reason.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Review {
    /// Why the record is confirmed or excused.
    pub reason: String,
}
/// Confirms (`confirm`) or excuses (`excuse`) an open accountability record, with a reason;
/// supervision officers only, once. Nothing deletes a record.
#[utoipa::path(post, path = "/api/v1/supervision/accountability/{id}/{verdict}", tag = "supervision", security(("session" = ["review_accountability"])),
    params(("id" = i64, Path, description = "Record id"), ("verdict" = String, Path, description = "confirm | excuse")),
    request_body = Review,
    responses((status = 200, body = Object), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem),
        (status = 404, body = crate::web::problem::Problem), (status = 409, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn review_accountability(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, verdict)): Path<(i64, String)>,
    ApiJson(body): ApiJson<Review>,
) -> Result<Json<AccountabilityRecord>, ApiError> {
    Ok(Json(review(&state, &user, id, &verdict, &body.reason).await?))
}
/// The dashboard as CSV (UTF-8 with BOM, for spreadsheets): every running case with a warning,
/// a paused clock or an extension, under the filters.
#[utoipa::path(get, path = "/api/v1/supervision/dashboard.csv", tag = "supervision", security(("session" = ["supervise"])), params(SupervisionQuery),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 401, body = crate::web::problem::Problem),
        (status = 403, body = crate::web::problem::Problem)))]
pub async fn dashboard_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<SupervisionQuery>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(Permission::Supervise)?;
    let f = q.filter()?;
    let csv = dashboard_rows_csv(&state, &f).await?;
    let name = format!("supervision-{}.csv", state.clock.today());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        csv,
    ))
}
