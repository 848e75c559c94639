//! Log-in and log-out: sessions for browsers (cookie) and systems (bearer token).

pub mod api;
pub mod pages;
pub mod service;

use crate::web::access::{Access, Pages};
use crate::web::room::Room;
use axum::http::Method;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The session room.
pub fn room() -> Room {
    Room {
        api: OpenApiRouter::new().routes(routes!(api::create_session, api::delete_session)).routes(routes!(api::me)),
        pages: Pages::default()
            .page(Method::GET, "/login", Access::Public, get(pages::login_form))
            .page(Method::POST, "/login", Access::Public, post(pages::login))
            .page(Method::POST, "/logout", Access::Public, post(pages::logout)),
        nav: Vec::new(),
    }
}
