//! The server-rendered web UI (zh-CN): the public portal and service guides, log-in, and the
//! catalogue administration pages. Forms post back to the same path; every staff form carries
//! the session's CSRF token.

mod admin;
mod cases;
mod forms;
mod public;
mod supervision;
mod time_limit;

use crate::auth::{self, CurrentUser, MaybeUser};
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use onewindow_core::role::{Permission, Role};
use utoipa_axum::router::OpenApiRouter;

/// What every page's layout needs.
pub struct Page {
    /// Title (without the site name).
    pub title: String,
    /// Name of the logged-in user.
    pub user: Option<String>,
    /// CSRF token for forms.
    pub csrf: String,
    /// Show the catalogue administration link.
    pub can_edit_catalogue: bool,
    /// Show the audit link.
    pub can_read_audit: bool,
    /// Show the window workstation link.
    pub is_clerk: bool,
    /// Show the task inbox link.
    pub has_inbox: bool,
    /// Show "my cases".
    pub is_applicant: bool,
    /// Show the case search.
    pub is_staff: bool,
    /// Show the e-supervision centre.
    pub can_supervise: bool,
    /// Show the working-day calendar.
    pub can_manage_calendar: bool,
}

impl Page {
    /// A page for `user` (or an anonymous visitor).
    pub fn new(title: impl Into<String>, user: Option<&CurrentUser>) -> Page {
        Page {
            title: title.into(),
            user: user.map(|u| u.user.display_name.clone()),
            csrf: user.map(|u| auth::csrf_token(&u.token)).unwrap_or_default(),
            can_edit_catalogue: user.is_some_and(|u| u.can(Permission::EditCatalogue)),
            can_read_audit: user.is_some_and(|u| u.can(Permission::ReadAudit)),
            is_clerk: user.is_some_and(|u| u.user.roles.contains(&Role::Clerk)),
            has_inbox: user.is_some_and(|u| u.user.roles.iter().any(|r| matches!(r, Role::Reviewer | Role::Leader | Role::Supervisor))),
            is_applicant: user.is_some_and(|u| u.user.roles.contains(&Role::Applicant)),
            is_staff: user.is_some_and(|u| u.can(Permission::StaffArea)),
            can_supervise: user.is_some_and(|u| u.can(Permission::Supervise)),
            can_manage_calendar: user.is_some_and(|u| u.can(Permission::ManageCalendar)),
        }
    }
}

/// Renders a template to an HTML response.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::internal(format!("template: {e}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    heading: String,
    message: String,
}

/// An HTML error page.
pub fn error_page(status: StatusCode, user: Option<&CurrentUser>, heading: &str, message: &str) -> Response {
    let t = ErrorPage { page: Page::new(heading, user), heading: heading.into(), message: message.into() };
    (status, render(&t)).into_response()
}

/// The Chinese messages of a problem, one per field, for a form's error list.
pub fn problem_lines_of(e: &ApiError) -> Vec<String> {
    match &e.errors {
        Some(serde_json::Value::Array(list)) if !list.is_empty() => {
            list.iter().filter_map(|x| x.get("message_zh").and_then(|m| m.as_str()).map(String::from)).collect()
        }
        _ => vec![e.detail.clone()],
    }
}

/// Turns an API error into an HTML page for the UI.
pub fn html_error(e: ApiError, user: Option<&CurrentUser>) -> Response {
    error_page(e.status, user, e.title, &e.detail)
}

/// The user of a staff page with `permission`: anonymous visitors are sent to log in, others
/// without the permission get a 403 page.
pub fn staff(maybe: MaybeUser, permission: Permission, path: &str) -> Result<CurrentUser, Response> {
    match maybe.0 {
        None => Err(Redirect::to(&format!("/login?next={}", urlencoding::encode(path))).into_response()),
        Some(u) if u.can(permission) => Ok(u),
        Some(u) => {
            Err(error_page(StatusCode::FORBIDDEN, Some(&u), "无权访问", "您的角色无权访问此页面。如需办理，请联系系统管理员分配角色。"))
        }
    }
}

/// Checks the CSRF token of a form post.
pub fn check_csrf(user: &CurrentUser, token: Option<&str>) -> Result<(), Response> {
    if token == Some(auth::csrf_token(&user.token).as_str()) {
        Ok(())
    } else {
        Err(error_page(StatusCode::FORBIDDEN, Some(user), "页面已过期", "表单已过期或来源不明，请返回上一页刷新后重试。"))
    }
}

/// A 303 redirect after a successful post.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// Percent-encodes an item code for a URL path.
pub fn code_url(code: &str) -> String {
    urlencoding::encode(code).into_owned()
}

/// UI routes.
pub fn router() -> OpenApiRouter<AppState> {
    use axum::routing::{get, post};
    OpenApiRouter::new()
        .route("/", get(public::index))
        .route("/items/{code}", get(public::item))
        .route("/login", get(public::login_form).post(public::login))
        .route("/logout", post(public::logout))
        .route("/admin/items", get(admin::items))
        .route("/admin/items/new", get(admin::new_form).post(admin::create))
        .route("/admin/items/{code}", get(admin::item))
        .route("/admin/items/{code}/edit", get(admin::edit_form).post(admin::save))
        .route("/admin/transfers", get(admin::transfers).post(admin::transfer))
        .route("/admin/import", get(admin::import_form).post(admin::import))
        .route("/admin/export.csv", get(admin::export_csv))
        .route("/admin/export.json", get(admin::export_json))
        .route("/audit", get(admin::audit))
        .route("/apply/{code}", get(cases::apply_form).post(cases::apply))
        .route("/cases", get(cases::list))
        .route("/cases/{number}", get(cases::detail).post(cases::act))
        .route("/cases/{number}/documents/{file}", get(cases::document))
        .route("/materials/{id}", get(cases::material))
        .route("/desk", get(cases::desk))
        .route("/inbox", get(cases::inbox))
        .route("/track", get(cases::track))
        .route("/supervision", get(supervision::dashboard).post(supervision::review_form))
        .route("/admin/calendar", get(supervision::calendar).post(supervision::calendar_post))
}
