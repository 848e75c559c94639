//! Cases (办件): applying, the window's acceptance, the back office's decision, delivery,
//! the case page, printed notices, materials and public tracking. `service` is what the API
//! and the pages share; `documents` renders notices; `courier` is the express-delivery seam;
//! `time_limit` the remaining-days badges.

pub mod api;
pub mod courier;
pub mod documents;
pub mod pages;
pub mod service;
pub mod time_limit;
pub mod views;

use crate::web::access::{Access, Pages};
use crate::web::nav::NavEntry;
use crate::web::room::Room;
use axum::http::Method;
use axum::routing::{get, post};
use onewindow_core::role::Permission;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The cases room.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::upload_material))
            .routes(routes!(api::create_case, api::list_cases))
            .routes(routes!(api::get_case))
            .routes(routes!(api::list_case_events))
            .routes(routes!(api::act_on_case))
            .routes(routes!(api::track))
            .routes(routes!(api::get_document))
            .routes(routes!(api::case_deadline)),
        pages: Pages::default()
            .page(Method::GET, "/apply/{code}", Access::Needs(Permission::Apply), get(pages::apply_form))
            .page(Method::POST, "/apply/{code}", Access::Needs(Permission::Apply), post(pages::apply))
            .page(Method::GET, "/cases", Access::LoggedIn, get(pages::list))
            .page(Method::GET, "/cases/{number}", Access::LoggedIn, get(pages::detail))
            .page(Method::POST, "/cases/{number}", Access::LoggedIn, post(pages::act))
            .page(Method::GET, "/cases/{number}/documents/{file}", Access::LoggedIn, get(pages::document))
            .page(Method::GET, "/materials/{id}", Access::LoggedIn, get(pages::material))
            .page(Method::GET, "/desk", Access::Needs(Permission::WindowDesk), get(pages::desk))
            .page(Method::GET, "/track", Access::Public, get(pages::track)),
        nav: vec![
            NavEntry { order: 20, href: "/track", label: "进度查询", shown_to: Access::Public },
            NavEntry { order: 30, href: "/cases", label: "我的办件", shown_to: Access::Needs(Permission::ListOwnCases) },
            NavEntry { order: 40, href: "/desk", label: "综合窗口", shown_to: Access::Needs(Permission::WindowDesk) },
            NavEntry { order: 60, href: "/cases", label: "办件查询", shown_to: Access::Needs(Permission::ReadCases) },
            NavEntry { order: 61, href: "/cases", label: "办件查询", shown_to: Access::Needs(Permission::ReadDepartmentCases) },
        ],
    }
}
