//! The back office's tasks and site inspections: the inbox, completing a task with an
//! opinion, ordering and recording inspections.

pub mod api;
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

/// The tasks room.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_tasks))
            .routes(routes!(api::complete_task))
            .routes(routes!(api::order_inspection))
            .routes(routes!(api::complete_inspection)),
        pages: Pages::default().page(Method::GET, "/inbox", Access::Needs(Permission::WorkTasks), get(pages::inbox)).page(
            Method::POST,
            "/cases/{number}/work",
            Access::Needs(Permission::WorkTasks),
            post(pages::work),
        ),
        nav: vec![NavEntry { order: 50, href: "/inbox", label: "待办任务", shown_to: Access::Needs(Permission::WorkTasks) }],
    }
}
