//! Who may use which route, checked before the handler runs (so before the request body is
//! read: a clerk posting a malformed item gets 403, not the item schema).
//!
//! Every route has one [`Access`]: an API operation declares it in its `#[utoipa::path]` as a
//! security requirement — `security(())` for public, `security(("session" = []))` for any
//! logged-in user, `security(("session" = ["edit_catalogue"]))` for a permission (the scope is
//! the [`Permission`]'s code) — so the OpenAPI document states it too; a page declares it when
//! it is registered ([`Pages::page`]). Whether a role holds a permission is core's table
//! ([`onewindow_core::role::Role::grants`]). Finer rules that depend on the record (an
//! applicant's own case, a supervisor's department) stay in the handlers' services.

use crate::state::AppState;
use crate::web::auth::{self, Resolved};
use crate::web::problem::ApiError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;
use onewindow_core::role::Permission;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::openapi::OpenApi;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not.
    Public,
    /// Any logged-in user (the handler may check more, e.g. the case is their own).
    LoggedIn,
    /// A logged-in user with a role granting the permission.
    Needs(Permission),
}

impl Access {
    /// Whether a user with `roles` (none: not logged in) passes.
    pub fn admits(self, roles: Option<&[onewindow_core::role::Role]>) -> bool {
        match (self, roles) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::LoggedIn, Some(_)) => true,
            (Access::Needs(p), Some(roles)) => onewindow_core::role::any_grants(roles, p),
        }
    }
}

/// The access rule of every route: (method, path template as axum matches it) → access.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    map: HashMap<(Method, String), Access>,
}

impl Rules {
    /// Records the rule of one route. A route given two rules is a programming error.
    pub fn insert(&mut self, method: Method, path: &str, access: Access) {
        let previous = self.map.insert((method.clone(), path.to_string()), access);
        assert!(previous.is_none(), "two access rules for {method} {path}");
    }

    /// The rule of a route, if it has one.
    pub fn get(&self, method: &Method, path: &str) -> Option<Access> {
        let method = if method == Method::HEAD { &Method::GET } else { method };
        self.map.get(&(method.clone(), path.to_string())).copied()
    }

    /// Every rule, sorted by path and method (for tests and documentation).
    pub fn all(&self) -> Vec<(Method, String, Access)> {
        let mut v: Vec<_> = self.map.iter().map(|((m, p), a)| (m.clone(), p.clone(), *a)).collect();
        v.sort_by(|a, b| (a.1.as_str(), a.0.as_str()).cmp(&(b.1.as_str(), b.0.as_str())));
        v
    }

    /// Adds the rules of every operation of an OpenAPI document, read from its security
    /// requirements.
    ///
    /// # Panics
    /// When an operation declares no security requirement, or names an unknown permission:
    /// every API route must say who may call it.
    pub fn add_openapi(&mut self, doc: &OpenApi) {
        let value = serde_json::to_value(doc).expect("the OpenAPI document serialises");
        for (path, item) in value.get("paths").and_then(|p| p.as_object()).into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else { continue };
                if !op.is_object() || op.get("responses").is_none() {
                    continue;
                }
                let access = operation_access(op).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
                assert!(path.starts_with("/api/"), "{method} {path}: API operations live under /api/");
                self.insert(method, path, access);
            }
        }
    }
}

fn operation_access(op: &serde_json::Value) -> Result<Access, String> {
    let Some(security) = op.get("security").and_then(|s| s.as_array()) else {
        return Err("no security requirement in #[utoipa::path]: say who may call it (security(()) for public)".into());
    };
    // `security(())` is one empty requirement: no credentials needed.
    if security.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())) {
        return Ok(Access::Public);
    }
    let scopes: Vec<&str> =
        security.iter().filter_map(|r| r.get("bearer").and_then(|s| s.as_array())).flatten().filter_map(|s| s.as_str()).collect();
    match scopes.as_slice() {
        [] => Ok(Access::LoggedIn),
        [one] => Permission::parse(one).map(Access::Needs).ok_or_else(|| format!("unknown permission {one:?}")),
        more => Err(format!("one permission per route, not {more:?}")),
    }
}

/// Page routes with their access rules, registered together so that neither exists without
/// the other.
pub struct Pages {
    router: axum::Router<AppState>,
    rules: Vec<(Method, String, Access)>,
}

impl Default for Pages {
    fn default() -> Self {
        Pages { router: axum::Router::new(), rules: Vec::new() }
    }
}

impl Pages {
    /// Adds a page: `method` at `path`, needing `access`, served by `handler` (e.g.
    /// `axum::routing::get(pages::list)`).
    pub fn page(mut self, method: Method, path: &str, access: Access, handler: MethodRouter<AppState>) -> Pages {
        self.rules.push((method, path.to_string(), access));
        self.router = self.router.route(path, handler);
        self
    }

    /// Merges another set of pages.
    pub fn merge(mut self, other: Pages) -> Pages {
        self.rules.extend(other.rules);
        self.router = self.router.merge(other.router);
        self
    }

    /// The router and the rules.
    pub fn into_parts(self) -> (axum::Router<AppState>, Vec<(Method, String, Access)>) {
        (self.router, self.rules)
    }
}

/// The middleware (a route layer, so it knows the matched route): resolves the session once,
/// keeps it for the handler, and refuses what the route's rule does not admit — 401/403
/// problem+json on the API, the log-in page or a 403 page on pages.
pub async fn enforce(State((state, rules)): State<(AppState, Arc<Rules>)>, request: Request, next: Next) -> Response {
    let path = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let Some(path) = path else { return next.run(request).await };
    let Some(access) = rules.get(request.method(), &path) else {
        // A method the route does not serve: let the router answer 405.
        return next.run(request).await;
    };
    if access == Access::Public {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let user = match auth::resolve(&parts, &state).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let api = path.starts_with("/api/");
    let admitted = access.admits(user.as_ref().map(|u| u.user.roles.as_slice()));
    if !admitted {
        return match (&user, api) {
            (None, true) => ApiError::unauthenticated().into_response(),
            (None, false) => {
                let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                Redirect::to(&format!("/login?next={}&reason=login", urlencoding::encode(target))).into_response()
            }
            (Some(u), api) => {
                let Access::Needs(p) = access else { unreachable!("a logged-in user passes LoggedIn") };
                let (zh, en) = p.what();
                if api {
                    ApiError::forbidden(zh, en).into_response()
                } else {
                    crate::web::error_page(
                        axum::http::StatusCode::FORBIDDEN,
                        Some(u),
                        "无权访问",
                        &format!("您的角色无权{zh}。如需办理，请联系系统管理员分配角色。"),
                    )
                }
            }
        };
    }
    parts.extensions.insert(Resolved(user));
    next.run(axum::extract::Request::from_parts(parts, body)).await
}
