//! What the calendar API and page share: setting a day and publishing a year, each recomputing
//! the running cases' dates.

use crate::state::AppState;
use crate::web::auth::CurrentUser;
use crate::web::problem::ApiError;
use onewindow_core::calendar::{CalendarError, DayKind};
use onewindow_core::role::Permission;
use serde::{Deserialize, Serialize};

pub fn date(field: &str, raw: &str) -> Result<jiff::civil::Date, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::bad_request(format!("{field}应为YYYY-MM-DD格式的日期"), format!("{field} must be YYYY-MM-DD")))
}

pub fn calendar_error(e: CalendarError) -> ApiError {
    match e {
        CalendarError::NotPublished { year } => ApiError::validation(serde_json::json!([{
            "field": "from",
            "message_zh": format!("{year}年的节假日安排尚未录入，无法计算工作日"),
            "message_en": format!("the holiday schedule of {year} is not published in the calendar"),
        }])),
        other => ApiError::internal(other),
    }
}

/// Sets a day; shared by the API and the calendar page.
pub async fn set(state: &AppState, user: &CurrentUser, raw: &str, body: SetDay) -> Result<DaySet, ApiError> {
    let role = user.require(Permission::ManageCalendar)?;
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
    let recomputed = crate::supervision::worker::recompute(state).await?;
    Ok(DaySet { date: day.to_string(), kind: kind.code().into(), name: body.reason.trim().into(), source, recomputed })
}

/// Publishes a year; shared by the API and the calendar page.
pub async fn publish(state: &AppState, user: &CurrentUser, year: i16) -> Result<YearPublished, ApiError> {
    let role = user.require(Permission::ManageCalendar)?;
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::validation(
            serde_json::json!([{"field": "year", "message_zh": "年份应在2000至2100之间", "message_en": "year out of range"}]),
        ));
    }
    state.store.publish_calendar_year(i64::from(year), &state.actor(&user.user, role)).await?;
    let recomputed = crate::supervision::worker::recompute(state).await?;
    Ok(YearPublished { year, years_published: state.calendar.get().years_published().collect(), recomputed })
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
