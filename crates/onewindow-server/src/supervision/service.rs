//! What the supervision API and pages share: the filters and reviewing an accountability
//! record.

use crate::state::AppState;
use crate::web::auth::CurrentUser;
use crate::web::problem::ApiError;
use onewindow_core::case::clock::WarningLevel;
use onewindow_core::role::Permission;
use onewindow_store::{AccountabilityRecord, SupervisedCase, SupervisionFilter};
use serde::Deserialize;

/// Filters of the supervision lists.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupervisionQuery {
    /// `yellow`, `red` or `overdue`; all warned cases when absent.
    pub level: Option<String>,
    /// Handling department code.
    pub department: Option<String>,
    /// Item code.
    pub item: Option<String>,
    /// Submitted on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Submitted on or before (YYYY-MM-DD).
    pub to: Option<String>,
    /// The last case number of the previous page.
    pub cursor: Option<String>,
    /// Page size (≤ 200).
    pub limit: Option<i64>,
}

/// Next year's holiday schedule is not entered yet (from 1 November), and how many running
/// cases hold dates counted provisionally meanwhile: shown to the system administrator and the
/// supervision officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleWarning {
    /// The year to enter.
    pub year: i16,
    /// Running or paused cases with a provisional due date.
    pub cases: i64,
}

impl ScheduleWarning {
    /// The sentence shown.
    pub fn text(&self) -> String {
        format!(
            "{}年节假日安排尚未录入。在办办件中有{}件的办结日期暂按法定节假日计算，录入并确认该年度安排后将自动重新计算。",
            self.year, self.cases
        )
    }
}

/// The warning, if a schedule is missing today.
pub async fn schedule_warning(state: &AppState) -> Result<Option<ScheduleWarning>, ApiError> {
    let calendar = state.calendar.get();
    let Some(year) = calendar.schedule_missing(state.clock.today()) else { return Ok(None) };
    let cases = match calendar.provisional_from() {
        Some(from) => state.store.cases_due_from(from).await?,
        None => 0,
    };
    Ok(Some(ScheduleWarning { year, cases }))
}

pub fn bad(field: &str, zh: &str, en: &str) -> ApiError {
    ApiError::validation(serde_json::json!([{"field": field, "message_zh": zh, "message_en": en}]))
}

pub fn check_date(field: &str, raw: &Option<String>) -> Result<Option<String>, ApiError> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match s.parse::<jiff::civil::Date>() {
            Ok(d) => Ok(Some(d.to_string())),
            Err(_) => Err(bad(field, &format!("{field}应为YYYY-MM-DD格式的日期"), &format!("{field} must be YYYY-MM-DD"))),
        },
    }
}

impl SupervisionQuery {
    /// The store's filter, or a 422 naming the bad field.
    pub fn filter(&self) -> Result<SupervisionFilter, ApiError> {
        let level = match self.level.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => match WarningLevel::parse(raw) {
                Some(WarningLevel::None) | None => {
                    return Err(bad("level", "预警等级应为yellow、red或overdue", "level must be yellow, red or overdue"));
                }
                some => some,
            },
        };
        let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        Ok(SupervisionFilter {
            level,
            department: text(&self.department),
            item: text(&self.item),
            from: check_date("from", &self.from)?,
            to: check_date("to", &self.to)?,
            before: text(&self.cursor),
        })
    }
}

/// Reviews a record; shared by the API and the dashboard's form.
pub async fn review(state: &AppState, user: &CurrentUser, id: i64, verdict: &str, reason: &str) -> Result<AccountabilityRecord, ApiError> {
    let role = user.require(Permission::ReviewAccountability)?;
    let stored = match verdict {
        "confirm" => "confirmed",
        "excuse" => "excused",
        other => return Err(ApiError::not_found(format!("没有“{other}”这项操作"), format!("no verdict {other:?}"))),
    };
    let n = reason.trim().chars().count();
    if n == 0 || n > 2000 {
        return Err(bad("reason", "请填写审核理由（不超过2000字）", "a reason of at most 2000 characters is required"));
    }
    Ok(state.store.review_accountability(id, stored, reason, &state.actor(&user.user, role)).await?)
}

/// The CSV text of the supervised cases under `f`.
pub async fn dashboard_rows_csv(state: &AppState, f: &SupervisionFilter) -> Result<String, ApiError> {
    let mut rows: Vec<SupervisedCase> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let lists = [
        state.store.warnings(f, onewindow_store::CASE_PAGE_MAX).await?,
        state.store.paused_cases(f, CSV_ROWS_MAX).await?,
        state.store.extended_cases(f, CSV_ROWS_MAX).await?,
    ];
    // Warned cases beyond the first page.
    let mut warned = lists[0].clone();
    let mut cursor = warned.last().map(|c| c.number.clone());
    while warned.len() as i64 == onewindow_store::CASE_PAGE_MAX && (rows.len() as i64) < CSV_ROWS_MAX {
        rows.append(&mut warned);
        warned = state.store.warnings(&SupervisionFilter { before: cursor.clone(), ..f.clone() }, onewindow_store::CASE_PAGE_MAX).await?;
        cursor = warned.last().map(|c| c.number.clone());
    }
    rows.append(&mut warned);
    rows.extend(lists[1].iter().cloned());
    rows.extend(lists[2].iter().cloned());
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "办件编号",
        "事项名称",
        "事项编码",
        "办理部门",
        "申请人",
        "办件状态",
        "预警等级",
        "计时状态",
        "承诺办结日期",
        "法定办结日期",
        "延期工作日",
        "暂停原因",
    ];
    let csv_error = |e: csv::Error| ApiError::internal(e);
    w.write_record(header).map_err(csv_error)?;
    for c in rows {
        if !seen.insert(c.number.clone()) {
            continue;
        }
        let level = WarningLevel::parse(&c.warning_level).unwrap_or_default().label_zh();
        let clock = match c.clock_state.as_str() {
            "running" => "计时中",
            "paused" => "暂停计时",
            "stopped" => "已停止",
            _ => "",
        };
        let state_label = onewindow_core::case::CaseState::parse(&c.state).map(|s| s.label_zh()).unwrap_or("");
        let pause = c.pause.as_ref().map(|(_, reason, from)| format!("{from}起：{reason}")).unwrap_or_default();
        w.write_record([
            c.number.as_str(),
            &c.item_name,
            &c.item_code,
            &c.department,
            &c.applicant_name,
            state_label,
            level,
            clock,
            c.due_date.as_deref().unwrap_or(""),
            c.legal_due_date.as_deref().unwrap_or(""),
            &c.extended_days.to_string(),
            &pause,
        ])
        .map_err(csv_error)?;
    }
    let bytes = w.into_inner().map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

pub const CSV_ROWS_MAX: i64 = 50_000;
