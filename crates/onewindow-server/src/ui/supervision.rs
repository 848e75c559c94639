//! The e-supervision centre (电子监察中心) for supervision officers and leaders: running cases
//! by department and warning level, warned and overdue cases, accountability records to review,
//! paused clocks and extensions, with filters and a CSV export; and the working-day calendar
//! page for system administrators.

use super::time_limit::{Badge, badge};
use super::{Page, check_csrf, html_error, render, see_other, staff};
use crate::auth::MaybeUser;
use crate::routes::supervision::{SupervisionQuery, review};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use onewindow_core::calendar::DayKind;
use onewindow_core::case::clock::{PauseKind, WarningLevel};
use onewindow_core::role::Permission;
use onewindow_store::{AccountabilityRecord, SupervisedCase, SupervisionFilter};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A supervised case with its department's name and live badge.
struct Row {
    c: SupervisedCase,
    department: String,
    badge: Option<Badge>,
    pause_label: String,
}

/// Counts of one department.
#[derive(Default)]
struct DepartmentRow {
    name: String,
    code: String,
    none: i64,
    yellow: i64,
    red: i64,
    overdue: i64,
    paused: i64,
}

impl DepartmentRow {
    fn total(&self) -> i64 {
        self.none + self.yellow + self.red + self.overdue + self.paused
    }
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct DashboardPage {
    page: Page,
    q: SupervisionQuery,
    query_string: String,
    message: Option<String>,
    errors: Vec<String>,
    departments: Vec<(String, String)>,
    counts: Vec<DepartmentRow>,
    totals: DepartmentRow,
    warned: Vec<Row>,
    paused: Vec<Row>,
    extended: Vec<Row>,
    records: Vec<(AccountabilityRecord, String)>,
    may_review: bool,
}

/// The dashboard's filters, and `?done=` after a review.
#[derive(Debug, Default, Deserialize)]
pub struct DashboardParams {
    level: Option<String>,
    department: Option<String>,
    item: Option<String>,
    from: Option<String>,
    to: Option<String>,
    done: Option<String>,
}

const LIST_MAX: i64 = 100;

async fn dashboard_page(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    q: SupervisionQuery,
    message: Option<String>,
    errors: Vec<String>,
) -> Response {
    let filter = match q.filter() {
        Ok(f) => f,
        Err(e) => return html_error(e, Some(user)),
    };
    let loaded = async {
        let snap = state.catalogue.get(&state.store).await?;
        let counts = state.store.dashboard_counts(&filter).await?;
        let warned = state.store.warnings(&filter, LIST_MAX).await?;
        let paused = state.store.paused_cases(&SupervisionFilter { level: None, ..filter.clone() }, LIST_MAX).await?;
        let extended = state.store.extended_cases(&SupervisionFilter { level: None, ..filter.clone() }, LIST_MAX).await?;
        let records = state.store.accountability(Some("open"), filter.department.as_deref(), None, LIST_MAX).await?;
        Ok::<_, onewindow_store::StoreError>((snap, counts, warned, paused, extended, records))
    }
    .await;
    let (snap, cells, warned, paused, extended, records) = match loaded {
        Ok(v) => v,
        Err(e) => return html_error(e.into(), Some(user)),
    };
    let calendar = state.calendar.get();
    let today = state.clock.today();
    let row = |c: SupervisedCase| Row {
        department: snap.department_name(&c.department).to_string(),
        badge: badge(c.clock.as_ref(), &calendar, today),
        pause_label: c.pause.as_ref().and_then(|(k, _, _)| PauseKind::parse(k)).map(|k| k.label_zh().to_string()).unwrap_or_default(),
        c,
    };
    let mut by_department: BTreeMap<String, DepartmentRow> = BTreeMap::new();
    let mut totals = DepartmentRow { name: "合计".into(), ..Default::default() };
    for cell in cells {
        let d = by_department.entry(cell.department.clone()).or_insert_with(|| DepartmentRow {
            name: snap.department_name(&cell.department).to_string(),
            code: cell.department.clone(),
            ..Default::default()
        });
        for target in [&mut *d, &mut totals] {
            let slot = if cell.clock_state == "paused" {
                &mut target.paused
            } else {
                match WarningLevel::parse(&cell.warning_level).unwrap_or_default() {
                    WarningLevel::None => &mut target.none,
                    WarningLevel::Yellow => &mut target.yellow,
                    WarningLevel::Red => &mut target.red,
                    WarningLevel::Overdue => &mut target.overdue,
                }
            };
            *slot += cell.cases;
        }
    }
    let query_string = serde_urlencoded_query(&q);
    let t = DashboardPage {
        page: Page::new("电子监察中心", Some(user)),
        departments: snap.departments.iter().map(|d| (d.code.clone(), d.name.clone())).collect(),
        counts: by_department.into_values().collect(),
        totals,
        warned: warned.into_iter().map(&row).collect(),
        paused: paused.into_iter().map(&row).collect(),
        extended: extended.into_iter().map(&row).collect(),
        records: records
            .into_iter()
            .map(|r| {
                let name = snap.department_name(&r.department).to_string();
                (r, name)
            })
            .collect(),
        may_review: user.can(Permission::ReviewAccountability),
        query_string,
        message,
        errors,
        q,
    };
    let status = if t.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(&t)).into_response()
}

/// The filter as a query string, for the CSV link.
fn serde_urlencoded_query(q: &SupervisionQuery) -> String {
    let mut parts = Vec::new();
    for (k, v) in [("level", &q.level), ("department", &q.department), ("item", &q.item), ("from", &q.from), ("to", &q.to)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", urlencoding::encode(v)));
        }
    }
    parts.join("&")
}

/// `GET /supervision`.
pub async fn dashboard(State(state): State<AppState>, maybe: MaybeUser, Query(p): Query<DashboardParams>) -> Response {
    let user = match staff(maybe, Permission::Supervise, "/supervision") {
        Ok(u) => u,
        Err(r) => return r,
    };
    let message = match p.done.as_deref() {
        Some("confirm") => Some("已确认问责。".to_string()),
        Some("excuse") => Some("已免责，理由已记录。".to_string()),
        _ => None,
    };
    let q = SupervisionQuery { level: p.level, department: p.department, item: p.item, from: p.from, to: p.to, cursor: None, limit: None };
    dashboard_page(&state, &user, q, message, vec![]).await
}

/// A review posted from the dashboard.
#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    csrf: String,
    id: i64,
    verdict: String,
    reason: String,
}

/// `POST /supervision`: confirm or excuse an accountability record.
pub async fn review_form(State(state): State<AppState>, maybe: MaybeUser, Form(f): Form<ReviewForm>) -> Response {
    let user = match staff(maybe, Permission::Supervise, "/supervision") {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Err(r) = check_csrf(&user, Some(&f.csrf)) {
        return r;
    }
    match review(&state, &user, f.id, &f.verdict, &f.reason).await {
        Ok(_) => see_other(&format!("/supervision?done={}", if f.verdict == "confirm" { "confirm" } else { "excuse" })),
        Err(e) if e.status.is_server_error() => html_error(e, Some(&user)),
        Err(e) => {
            let lines = super::problem_lines_of(&e);
            dashboard_page(&state, &user, SupervisionQuery::default(), None, lines).await
        }
    }
}

#[derive(Template)]
#[template(path = "calendar_admin.html")]
struct CalendarPage {
    page: Page,
    year: i16,
    days: Vec<(String, &'static str, String, String, bool)>,
    years_published: Vec<i16>,
    message: Option<String>,
    errors: Vec<String>,
}

/// `?year=`.
#[derive(Debug, Default, Deserialize)]
pub struct CalendarParams {
    year: Option<i16>,
    done: Option<String>,
}

fn calendar_page(state: &AppState, user: &crate::auth::CurrentUser, year: i16, message: Option<String>, errors: Vec<String>) -> Response {
    let calendar = state.calendar.get();
    let days = calendar
        .days_of_year(year)
        .into_iter()
        .map(|(d, info)| {
            (
                d.to_string(),
                if info.kind == DayKind::Working { "上班（调休）" } else { "放假" },
                info.name.unwrap_or_default().to_string(),
                info.source.unwrap_or_default().to_string(),
                info.kind == DayKind::Working,
            )
        })
        .collect();
    let t = CalendarPage {
        page: Page::new("工作日历", Some(user)),
        year,
        days,
        years_published: calendar.years_published().collect(),
        message,
        errors,
    };
    let status = if t.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(&t)).into_response()
}

/// `GET /admin/calendar`.
pub async fn calendar(State(state): State<AppState>, maybe: MaybeUser, Query(p): Query<CalendarParams>) -> Response {
    let user = match staff(maybe, Permission::ManageCalendar, "/admin/calendar") {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Err(e) = state.calendar.refresh(&state.store).await {
        return html_error(e.into(), Some(&user));
    }
    let message = p.done.map(|d| {
        if d == "publish" {
            "已确认该年度节假日安排完整，办理时限可跨入该年度计算。".into()
        } else {
            format!("已保存{d}的设置，在办办件的办结日期已重新计算。")
        }
    });
    calendar_page(&state, &user, p.year.unwrap_or_else(|| state.clock.today().year()), message, vec![])
}

/// A calendar form: set a day, or publish a year.
#[derive(Debug, Deserialize)]
pub struct CalendarForm {
    csrf: String,
    action: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    year: String,
}

/// `POST /admin/calendar`.
pub async fn calendar_post(State(state): State<AppState>, maybe: MaybeUser, Form(f): Form<CalendarForm>) -> Response {
    let user = match staff(maybe, Permission::ManageCalendar, "/admin/calendar") {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Err(r) = check_csrf(&user, Some(&f.csrf)) {
        return r;
    }
    let result = match f.action.as_str() {
        "publish" => match f.year.trim().parse::<i16>() {
            Ok(y) => crate::routes::calendar::publish(&state, &user, y).await.map(|_| (y, "publish".to_string())),
            Err(_) => Err(crate::problem::ApiError::bad_request("年份无效", "bad year")),
        },
        _ => {
            let body = crate::routes::calendar::SetDay { kind: f.kind.clone(), reason: f.reason.clone(), source: f.source.clone() };
            crate::routes::calendar::set(&state, &user, &f.date, body).await.map(|d| (d.date[..4].parse().unwrap_or(0), d.date))
        }
    };
    match result {
        Ok((year, done)) => see_other(&format!("/admin/calendar?year={year}&done={}", urlencoding::encode(&done))),
        Err(e) if e.status.is_server_error() => html_error(e, Some(&user)),
        Err(e) => {
            let year = f.date.get(..4).and_then(|y| y.parse().ok()).unwrap_or_else(|| state.clock.today().year());
            calendar_page(&state, &user, year, None, super::problem_lines_of(&e))
        }
    }
}
