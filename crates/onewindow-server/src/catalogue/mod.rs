//! The item catalogue (事项清单): the public portal and service guides, the catalogue API, and
//! its administration (editor, transfers to the bureau, import and export). `cache` keeps the
//! current catalogue and its search index.

pub mod api;
pub mod cache;
pub mod editor;
pub mod forms;
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

/// The catalogue room.
pub fn room() -> Room {
    let edit = Access::Needs(Permission::EditCatalogue);
    let export = Access::Needs(Permission::ExportCatalogue);
    Room {
        api: OpenApiRouter::new()
            .routes(routes!(api::list_items, api::create_item))
            .routes(routes!(api::get_item, api::update_item))
            .routes(routes!(api::list_item_versions))
            .routes(routes!(api::list_transfers, api::create_transfer))
            .routes(routes!(api::list_departments))
            .routes(routes!(api::import_catalogue))
            .routes(routes!(api::export_catalogue)),
        pages: Pages::default()
            .page(Method::GET, "/", Access::Public, get(pages::index))
            .page(Method::GET, "/items/{code}", Access::Public, get(pages::item))
            .page(Method::GET, "/admin/items", edit, get(editor::items))
            .page(Method::GET, "/admin/items/new", edit, get(editor::new_form))
            .page(Method::POST, "/admin/items/new", edit, post(editor::create))
            .page(Method::GET, "/admin/items/{code}", edit, get(editor::item))
            .page(Method::GET, "/admin/items/{code}/edit", edit, get(editor::edit_form))
            .page(Method::POST, "/admin/items/{code}/edit", edit, post(editor::save))
            .page(Method::GET, "/admin/transfers", edit, get(editor::transfers))
            .page(Method::POST, "/admin/transfers", edit, post(editor::transfer))
            .page(Method::GET, "/admin/import", edit, get(editor::import_form))
            .page(Method::POST, "/admin/import", edit, post(editor::import))
            .page(Method::GET, "/admin/export.csv", export, get(editor::export_csv))
            .page(Method::GET, "/admin/export.json", export, get(editor::export_json)),
        nav: vec![
            NavEntry { order: 10, href: "/", label: "办事服务", shown_to: Access::Public },
            NavEntry { order: 70, href: "/admin/items", label: "事项管理", shown_to: edit },
        ],
    }
}
