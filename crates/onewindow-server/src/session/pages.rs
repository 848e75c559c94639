//! Log-in and log-out pages.

use crate::state::AppState;
use crate::web::auth::{self, MaybeUser};
use crate::web::{Page, html_error, render, see_other};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use onewindow_core::role::{Permission, Role};
use onewindow_store::SessionKind;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "session/login.html")]
struct LoginPage {
    page: Page,
    error: Option<String>,
    next: String,
    username: String,
}

/// `?next=`.
#[derive(Debug, Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// `GET /login`.
pub async fn login_form(MaybeUser(user): MaybeUser, Query(n): Query<NextParam>) -> Response {
    render(&LoginPage { page: Page::new("登录", user.as_ref()), error: None, next: n.next.unwrap_or_default(), username: String::new() })
}

/// The log-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Only same-site relative paths are followed after log-in (no open redirect).
fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')).then_some(next)
}

/// `POST /login`: opens a cookie session and goes to `next` or the user's home page.
pub async fn login(State(state): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    match auth::log_in(&state, &form.username, &form.password, SessionKind::Cookie).await {
        Ok((user, token, _)) => {
            // Each user's home is the workspace of their first permission in this order.
            let homes = [
                (Permission::EditCatalogue, "/admin/items"),
                (Permission::ReadAudit, "/audit"),
                (Permission::WindowDesk, "/desk"),
                (Permission::WorkTasks, "/inbox"),
            ];
            let can = |p: Permission| onewindow_core::role::any_grants(&user.roles, p);
            let home = homes.iter().find(|(p, _)| can(*p)).map(|(_, h)| *h).unwrap_or("/");
            let to = safe_next(&form.next).unwrap_or(home).to_string();
            let cookie = auth::session_cookie(&token, state.settings.session_hours, state.settings.secure_cookies);
            (StatusCode::SEE_OTHER, [(header::LOCATION, to), (header::SET_COOKIE, cookie)]).into_response()
        }
        Err(e) => {
            let page = LoginPage { page: Page::new("登录", None), error: Some(e.detail), next: form.next, username: form.username };
            (e.status, render(&page)).into_response()
        }
    }
}

/// The log-out form.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, MaybeUser(user): MaybeUser, Form(form): Form<CsrfForm>) -> Response {
    if let Some(u) = user {
        if let Err(r) = crate::web::check_csrf(&u, form.csrf.as_deref()) {
            return r;
        }
        let role = u.user.roles.first().copied().unwrap_or(Role::Applicant);
        if let Err(e) = state.store.delete_session(&auth::token_hash(&u.token), &state.actor(&u.user, role)).await {
            return html_error(e.into(), Some(&u));
        }
    }
    let mut r = see_other("/");
    if let Ok(v) = auth::clear_cookie(state.settings.secure_cookies).parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(super::safe_next("/admin/items"), Some("/admin/items"));
        assert_eq!(super::safe_next("//evil.example"), None);
        assert_eq!(super::safe_next("https://evil.example"), None);
        assert_eq!(super::safe_next("/\\evil"), None);
    }
}
