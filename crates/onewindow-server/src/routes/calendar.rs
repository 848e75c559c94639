//! The working-day calendar, public: the arithmetic every deadline uses, so that applicants
//! and clerks can check a due date by hand.

use crate::auth::CurrentUser;
use crate::problem::ApiError;
use crate::routes::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use onewindow_core::calendar::{CalendarError, DayKind, WorkingDays};
use onewindow_core::role::Permission;
use serde::{Deserialize, Serialize};

const DAYS_MAX: u32 = 1000;

fn date(field: &str, raw: &str) -> Result<jiff::civil::Date, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::bad_request(format!("{field}应为YYYY-MM-DD格式的日期"), format!("{field} must be YYYY-MM-DD")))
}

fn calendar_error(e: CalendarError) -> ApiError {
    match e {
        CalendarError::NotPublished { year } => ApiError::validation(serde_json::json!([{
            "field": "from",
            "message_zh": format!("{year}年的节假日安排尚未录入，无法计算工作日"),
            "message_en": format!("the holiday schedule of {year} is not published in the calendar"),
        }])),
        other => ApiError::internal(other),
    }
}

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
}

/// The Nth working day after `from` (`from` not counted): weekends and official holidays
/// skipped, adjusted working days (调休) counted.
#[utoipa::path(get, path = "/api/v1/calendar/add-working-days", tag = "calendar", params(AddQuery),
    responses((status = 200, body = AddResult), (status = 400, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
pub async fn add_working_days(State(state): State<AppState>, ApiQuery(q): ApiQuery<AddQuery>) -> Result<Json<AddResult>, ApiError> {
    let from = date("from", &q.from)?;
    if q.days > DAYS_MAX {
        return Err(ApiError::bad_request(format!("days不能超过{DAYS_MAX}"), format!("days above {DAYS_MAX}")));
    }
    let to = state.calendar.get().add_working_days(from, WorkingDays(q.days)).map_err(calendar_error)?;
    Ok(Json(AddResult { from: from.to_string(), days: q.days, date: to.to_string() }))
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
#[utoipa::path(get, path = "/api/v1/calendar/working-days-between", tag = "calendar", params(BetweenQuery),
    responses((status = 200, body = BetweenResult), (status = 400, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
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
    /// The State Council notice that decided it.
    pub source: String,
}

/// The days off and adjusted working days of a year, each with its source notice (the
/// shipped State Council schedules and the days administrators set).
#[utoipa::path(get, path = "/api/v1/calendar/days", tag = "calendar", params(YearQuery), responses((status = 200, body = Vec<SpecialDay>)))]
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
            })
            .collect(),
    )
}

/// A day to set: `holiday` (e.g. a local closure) or `working`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetDay {
    /// `holiday` or `working`.
    pub kind: String,
    /// Why: the name shown for the day (台风停工, 2027年春节…).
    pub reason: String,
    /// The document that decided it; "管理员设置" when absent.
    #[serde(default)]
    pub source: String,
}

/// A year declared complete.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearPublished {
    /// Year.
    pub year: i16,
    /// Years whose schedule is published.
    pub years_published: Vec<i16>,
    /// Running cases whose due dates were recomputed.
    pub recomputed: u64,
}

/// A day set, and the running cases recomputed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DaySet {
    /// Date.
    pub date: String,
    /// `holiday` or `working`.
    pub kind: String,
    /// Name shown.
    pub name: String,
    /// Source document.
    pub source: String,
    /// Running cases whose due dates were recomputed.
    pub recomputed: u64,
}

/// Sets one day of the calendar (system administrator): next year's notice or a local closure.
/// Due dates and alarms of running cases are recomputed before it answers.
#[utoipa::path(put, path = "/api/v1/calendar/days/{date}", tag = "calendar", params(("date" = String, Path, description = "YYYY-MM-DD")),
    request_body = SetDay,
    responses((status = 200, body = DaySet), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
pub async fn set_day(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<SetDay>,
) -> Result<Json<DaySet>, ApiError> {
    Ok(Json(set(&state, &user, &raw, body).await?))
}

/// Sets a day; shared by the API and the calendar page.
pub async fn set(state: &AppState, user: &CurrentUser, raw: &str, body: SetDay) -> Result<DaySet, ApiError> {
    let role = user.require(Permission::ManageCalendar, "维护工作日历", "set calendar days")?;
    let day = date("date", raw)?;
    let kind = DayKind::from_code(body.kind.trim()).ok_or_else(|| {
        ApiError::validation(serde_json::json!([{"field": "kind", "message_zh": "kind应为holiday（放假）或working（上班）", "message_en": "kind must be holiday or working"}]))
    })?;
    let source = if body.source.trim().is_empty() { "管理员设置".to_string() } else { body.source.trim().to_string() };
    let mut check = (*state.calendar.get()).clone();
    check.set_day(day, kind, &body.reason, &source).map_err(|p| {
        ApiError::validation(
            serde_json::json!([{"field": "reason", "message_zh": format!("该日设置不符合规则：{p}"), "message_en": p.to_string()}]),
        )
    })?;
    let actor = state.actor(&user.user, role);
    state.store.set_calendar_day(&day.to_string(), kind.code(), body.reason.trim(), &source, &actor).await?;
    let recomputed = crate::supervision::recompute(state).await?;
    Ok(DaySet { date: day.to_string(), kind: kind.code().into(), name: body.reason.trim().into(), source, recomputed })
}

/// Declares a year's schedule complete (system administrator), once all its days are entered:
/// only then do time limits run through it.
#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar", params(("year" = i16, Path, description = "Year")),
    responses((status = 200, body = YearPublished), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem)))]
pub async fn publish_year(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i16>,
) -> Result<Json<YearPublished>, ApiError> {
    Ok(Json(publish(&state, &user, year).await?))
}

/// Publishes a year; shared by the API and the calendar page.
pub async fn publish(state: &AppState, user: &CurrentUser, year: i16) -> Result<YearPublished, ApiError> {
    let role = user.require(Permission::ManageCalendar, "维护工作日历", "set calendar days")?;
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::validation(
            serde_json::json!([{"field": "year", "message_zh": "年份应在2000至2100之间", "message_en": "year out of range"}]),
        ));
    }
    state.store.publish_calendar_year(i64::from(year), &state.actor(&user.user, role)).await?;
    let recomputed = crate::supervision::recompute(state).await?;
    Ok(YearPublished { year, years_published: state.calendar.get().years_published().collect(), recomputed })
}
