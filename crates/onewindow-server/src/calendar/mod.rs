//! The working-day calendar: the API to count working days and set holidays, its
//! administration page, and `cell`, the calendar in force in this process.

pub mod api;
pub mod cell;
pub mod pages;
pub mod service;

use crate::web::access::{Access, Pages};
use crate::web::nav::NavEntry;
use crate::web::room::Room;
use axum::http::Method;
use axum::routing::{get, post};
use onewindow_core::role::Permission;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The calendar room.
pub fn room() -> Room {
    let manage = Access::Needs(Permission::ManageCalendar);
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::add_working_days))
            .routes(routes!(api::working_days_between))
            .routes(routes!(api::list_days))
            .routes(routes!(api::set_day))
            .routes(routes!(api::publish_year)),
        pages: Pages::default().page(Method::GET, "/admin/calendar", manage, get(pages::calendar)).page(
            Method::POST,
            "/admin/calendar",
            manage,
            post(pages::calendar_post),
        ),
        nav: vec![NavEntry { order: 90, href: "/admin/calendar", label: "工作日历", shown_to: manage }],
    }
}
