//! The e-supervision centre (电子监察): warnings, overdue cases, accountability and the figures
//! per department.

use super::service::{SupervisionQuery, review};
use crate::cases::time_limit::{Badge, badge};
use crate::state::AppState;
use crate::web::auth::MaybeUser;
use crate::web::{Page, check_csrf, html_error, render, see_other, staff};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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
#[template(path = "supervision/supervision.html")]
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
    schedule_warning: Option<String>,
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
    user: &crate::web::auth::CurrentUser,
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
    let schedule_warning = match super::service::schedule_warning(state).await {
        Ok(w) => w.map(|w| w.text()),
        Err(e) => return html_error(e, Some(user)),
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
        schedule_warning,
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
            let lines = crate::web::problem_lines_of(&e);
            dashboard_page(&state, &user, SupervisionQuery::default(), None, lines).await
        }
    }
}
