//! The working-day calendar API: adding working days, counting them, listing and setting
//! special days, publishing a year.
use super::service::*;
use crate::state::AppState;
use crate::web::auth::CurrentUser;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::problem::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use onewindow_core::calendar::{DayKind, WorkingDays};
use serde::{Deserialize, Serialize};
const DAYS_MAX: u32 = 1000;
/// `from` and `days`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddQuery {
    /// Start date (YYYY-MM-DD), not counted.
    pub from: String,
    /// Working days to add.
    pub days: u32,
}
/// The Nth working day after a date.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AddResult {
    /// Start date.
    pub from: String,
    /// Working days added.
    pub days: u32,
    /// The Nth working day after `from` (`from` itself not counted).
    pub date: String,
    /// Counted provisionally, from the statutory holidays of a year whose schedule is not
    /// published yet (暂按法定节假日计算).
    pub provisional: bool,
}
/// The Nth working day after `from` (`from` not counted): weekends and official holidays
/// skipped, adjusted working days (调休) counted.
#[utoipa::path(get, path = "/api/v1/calendar/add-working-days", tag = "calendar", security(()), params(AddQuery),
    responses((status = 200, body = AddResult), (status = 400, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn add_working_days(State(state): State<AppState>, ApiQuery(q): ApiQuery<AddQuery>) -> Result<Json<AddResult>, ApiError> {
    let from = date("from", &q.from)?;
    if q.days > DAYS_MAX {
        return Err(ApiError::bad_request(format!("days不能超过{DAYS_MAX}"), format!("days above {DAYS_MAX}")));
    }
    let calendar = state.calendar.get();
    let to = calendar.add_working_days(from, WorkingDays(q.days)).map_err(calendar_error)?;
    Ok(Json(AddResult { from: from.to_string(), days: q.days, date: to.to_string(), provisional: calendar.is_provisional(to) }))
}
/// `from` and `to`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BetweenQuery {
    /// First date (YYYY-MM-DD), not counted.
    pub from: String,
    /// Last date (YYYY-MM-DD), counted.
    pub to: String,
}
/// Working days in an interval.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BetweenResult {
    /// First date.
    pub from: String,
    /// Last date.
    pub to: String,
    /// Working days after `from` up to and including `to`.
    pub working_days: u32,
}
/// Working days after `from` up to and including `to`.
#[utoipa::path(get, path = "/api/v1/calendar/working-days-between", tag = "calendar", security(()), params(BetweenQuery),
    responses((status = 200, body = BetweenResult), (status = 400, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn working_days_between(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<BetweenQuery>,
) -> Result<Json<BetweenResult>, ApiError> {
    let (from, to) = (date("from", &q.from)?, date("to", &q.to)?);
    let n = state.calendar.get().working_days_between(from, to).map_err(calendar_error)?;
    Ok(Json(BetweenResult { from: from.to_string(), to: to.to_string(), working_days: n.0 }))
}
/// `year`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Year, e.g. 2026.
    pub year: i16,
}
/// A day that differs from the Monday–Friday rule.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SpecialDay {
    /// Date.
    pub date: String,
    /// `holiday` (day off) or `working` (adjusted working day).
    pub kind: String,
    /// Name (春节, 国庆节, 春节调休…).
    pub name: String,
    /// The State Council notice that decided it (for a provisional year's statutory holiday,
    /// 全国年节及纪念日放假办法).
    pub source: String,
    /// A statutory holiday of a year whose schedule is not published yet.
    pub provisional: bool,
}
/// The days off and adjusted working days of a year, each with its source notice (the
/// shipped State Council schedules and the days administrators set).
#[utoipa::path(get, path = "/api/v1/calendar/days", tag = "calendar", security(()), params(YearQuery), responses((status = 200, body = Vec<SpecialDay>)))]
pub async fn list_days(State(state): State<AppState>, ApiQuery(q): ApiQuery<YearQuery>) -> Json<Vec<SpecialDay>> {
    Json(
        state
            .calendar
            .get()
            .days_of_year(q.year)
            .into_iter()
            .map(|(d, info)| SpecialDay {
                date: d.to_string(),
                kind: if info.kind == DayKind::Working { "working" } else { "holiday" }.into(),
                name: info.name.unwrap_or_default().into(),
                source: info.source.unwrap_or_default().into(),
                provisional: info.provisional,
            })
            .collect(),
    )
}
/// Sets one day of the calendar (system administrator): next year's notice or a local closure.
/// Due dates and alarms of running cases are recomputed before it answers.
#[utoipa::path(put, path = "/api/v1/calendar/days/{date}", tag = "calendar", security(("session" = ["manage_calendar"])), params(("date" = String, Path, description = "YYYY-MM-DD")),
    request_body = SetDay,
    responses((status = 200, body = DaySet), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem),
        (status = 422, body = crate::web::problem::Problem)))]
pub async fn set_day(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<SetDay>,
) -> Result<Json<DaySet>, ApiError> {
    Ok(Json(set(&state, &user, &raw, body).await?))
}
/// Declares a year's schedule complete (system administrator), once all its days are entered:
/// only then do time limits run through it.
#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar", security(("session" = ["manage_calendar"])), params(("year" = i16, Path, description = "Year")),
    responses((status = 200, body = YearPublished), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem),
        (status = 422, body = crate::web::problem::Problem)))]
pub async fn publish_year(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i16>,
) -> Result<Json<YearPublished>, ApiError> {
    Ok(Json(publish(&state, &user, year).await?))
}
