//! Web plumbing every feature room shares: sessions and who the user is (`auth`), the access
//! rule of every route (`access`), errors as problem+json (`problem`), request ids, logs and
//! metrics (`observe`), embedded assets, JSON extractors, the main navigation, and the page
//! frame (below). Forms post back to the same path; every staff form carries the session's CSRF
//! token.

pub mod access;
pub mod assets;
pub mod auth;
pub mod extract;
pub mod form;
pub mod health;
pub mod nav;
pub mod observe;
pub mod problem;
pub mod room;
pub mod throttle;

use askama::Template;
use auth::{CurrentUser, MaybeUser};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use onewindow_core::role::Permission;
use problem::ApiError;

/// What every page's layout needs.
pub struct Page {
    /// Title (without the site name).
    pub title: String,
    /// Name of the logged-in user.
    pub user: Option<String>,
    /// CSRF token for forms.
    pub csrf: String,
    /// The main navigation links this user sees.
    pub nav: Vec<nav::NavLink>,
}

impl Page {
    /// A page for `user` (or an anonymous visitor).
    pub fn new(title: impl Into<String>, user: Option<&CurrentUser>) -> Page {
        Page {
            title: title.into(),
            user: user.map(|u| u.user.display_name.clone()),
            csrf: user.map(|u| auth::csrf_token(&u.token)).unwrap_or_default(),
            nav: nav::links_for(user),
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
#[template(path = "web/error.html")]
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

/// An instant as people in the hall read it: Beijing time, to the minute.
pub fn local_time(rfc3339: &str) -> String {
    rfc3339.parse::<jiff::Timestamp>().map(|t| t.beijing()).unwrap_or_else(|_| rfc3339.to_string())
}

/// Beijing time for the pages (`{{ c.submitted_at.beijing() }}` in a template).
pub trait Beijing {
    /// Beijing time to the minute, or "—" when there is none.
    fn beijing(&self) -> String;
}

impl Beijing for jiff::Timestamp {
    fn beijing(&self) -> String {
        self.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).strftime("%Y-%m-%d %H:%M").to_string()
    }
}

impl<T: Beijing> Beijing for Option<T> {
    fn beijing(&self) -> String {
        self.as_ref().map_or_else(|| "—".to_string(), Beijing::beijing)
    }
}

/// A date for the pages, or "—" (`{{ c.due_date.or_dash() }}`).
pub trait OrDash {
    /// The date, or "—".
    fn or_dash(&self) -> String;
}

impl OrDash for Option<jiff::civil::Date> {
    fn or_dash(&self) -> String {
        self.map_or_else(|| "—".to_string(), |d| d.to_string())
    }
}
