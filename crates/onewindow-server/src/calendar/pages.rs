//! The working-day calendar administration page.

use crate::state::AppState;
use crate::web::auth::MaybeUser;
use crate::web::{Page, check_csrf, html_error, render, see_other, staff};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use onewindow_core::calendar::DayKind;
use onewindow_core::role::Permission;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "calendar/calendar_admin.html")]
struct CalendarPage {
    page: Page,
    year: i16,
    /// Date, arrangement, name, source, worked, provisional.
    days: Vec<(String, &'static str, String, String, bool, bool)>,
    years_published: Vec<i16>,
    years_provisional: Vec<i16>,
    schedule_warning: Option<String>,
    message: Option<String>,
    errors: Vec<String>,
}

/// `?year=`.
#[derive(Debug, Default, Deserialize)]
pub struct CalendarParams {
    year: Option<i16>,
    done: Option<String>,
}

async fn calendar_page(
    state: &AppState,
    user: &crate::web::auth::CurrentUser,
    year: i16,
    message: Option<String>,
    errors: Vec<String>,
) -> Response {
    let schedule_warning = match crate::supervision::service::schedule_warning(state).await {
        Ok(w) => w.map(|w| w.text()),
        Err(e) => return html_error(e, Some(user)),
    };
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
                info.provisional,
            )
        })
        .collect();
    let t = CalendarPage {
        page: Page::new("工作日历", Some(user)),
        year,
        days,
        years_published: calendar.years_published().collect(),
        years_provisional: calendar.years_provisional().collect(),
        schedule_warning,
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
    calendar_page(&state, &user, p.year.unwrap_or_else(|| state.clock.today().year()), message, vec![]).await
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
            Ok(y) => crate::calendar::service::publish(&state, &user, y).await.map(|_| (y, "publish".to_string())),
            Err(_) => Err(crate::web::problem::ApiError::bad_request("年份无效", "bad year")),
        },
        _ => {
            let body = crate::calendar::service::SetDay { kind: f.kind.clone(), reason: f.reason.clone(), source: f.source.clone() };
            crate::calendar::service::set(&state, &user, &f.date, body).await.map(|d| (d.date[..4].parse().unwrap_or(0), d.date))
        }
    };
    match result {
        Ok((year, done)) => see_other(&format!("/admin/calendar?year={year}&done={}", urlencoding::encode(&done))),
        Err(e) if e.status.is_server_error() => html_error(e, Some(&user)),
        Err(e) => {
            let year = f.date.get(..4).and_then(|y| y.parse().ok()).unwrap_or_else(|| state.clock.today().year());
            calendar_page(&state, &user, year, None, crate::web::problem_lines_of(&e)).await
        }
    }
}
