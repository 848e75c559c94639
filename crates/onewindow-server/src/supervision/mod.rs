//! E-supervision (电子监察): warnings, overdue cases, accountability, the figures per
//! department, and the worker that raises time-limit alarms when they fall due.

pub mod api;
pub mod pages;
pub mod service;
pub mod worker;

pub use worker::{spawn_worker, tick};

use crate::web::access::{Access, Pages};
use crate::web::nav::NavEntry;
use crate::web::room::Room;
use axum::http::Method;
use axum::routing::{get, post};
use onewindow_core::role::Permission;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The supervision room.
pub fn room() -> Room {
    let supervise = Access::Needs(Permission::Supervise);
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_warnings))
            .routes(routes!(api::list_accountability))
            .routes(routes!(api::review_accountability))
            .routes(routes!(api::dashboard_csv)),
        pages: Pages::default().page(Method::GET, "/supervision", supervise, get(pages::dashboard)).page(
            Method::POST,
            "/supervision",
            Access::Needs(Permission::ReviewAccountability),
            post(pages::review_form),
        ),
        nav: vec![NavEntry { order: 80, href: "/supervision", label: "电子监察", shown_to: supervise }],
    }
}
