//! Administration: users and their roles, log-in lock-outs, and the audit trail, kept apart
//! by the three administrator roles (三员分立).

pub mod api;
pub mod pages;

use crate::web::access::{Access, Pages};
use crate::web::nav::NavEntry;
use crate::web::room::Room;
use axum::http::Method;
use axum::routing::get;
use onewindow_core::role::Permission;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The administration room.
pub fn room() -> Room {
    let audit = Access::Needs(Permission::ReadAudit);
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_users, api::create_user))
            .routes(routes!(api::list_audit))
            .routes(routes!(api::verify_audit))
            .routes(routes!(api::set_roles))
            .routes(routes!(api::list_lockouts))
            .routes(routes!(api::lift_lockout)),
        pages: Pages::default().page(Method::GET, "/audit", audit, get(pages::audit)),
        nav: vec![NavEntry { order: 100, href: "/audit", label: "审计日志", shown_to: audit }],
    }
}
