//! The application: every feature room's routes, pages and navigation merged, the access rule
//! of every route enforced before its handler, and the operational endpoints.

use crate::state::AppState;
use crate::web::access::{self, Access, Rules};
use crate::web::room::Room;
use axum::Router;
use axum::http::Method;
use std::sync::Arc;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Every feature room, in the order their navigation entries were designed around.
pub fn rooms() -> Vec<Room> {
    vec![
        crate::web::health::room(),
        crate::session::room(),
        crate::catalogue::room(),
        crate::cases::room(),
        crate::tasks::room(),
        crate::supervision::room(),
        crate::calendar::room(),
        crate::admin::room(),
    ]
}

/// The routes without their state, the OpenAPI document, and the access rule of every route.
pub fn parts() -> (Router<AppState>, OpenApi, Rules) {
    let mut api = OpenApiRouter::with_openapi(crate::openapi::base());
    let mut pages = access::Pages::default();
    let mut nav = Vec::new();
    for room in rooms() {
        api = api.merge(room.api);
        pages = pages.merge(room.pages);
        nav.extend(room.nav);
    }
    crate::web::nav::install(nav);
    let (api_router, doc) = api.split_for_parts();
    let doc = crate::openapi::finish(doc);
    let mut rules = Rules::default();
    rules.add_openapi(&doc);
    let (page_router, page_rules) = pages
        .page(Method::GET, "/api/v1/openapi.json", Access::Public, axum::routing::get(crate::openapi::serve))
        .page(Method::GET, "/metrics", Access::Public, axum::routing::get(crate::web::observe::metrics))
        .page(Method::GET, "/static/{*path}", Access::Public, axum::routing::get(crate::web::assets::serve))
        .into_parts();
    for (method, path, access) in page_rules {
        rules.insert(method, &path, access);
    }
    (api_router.merge(page_router), doc, rules)
}

/// The router with its access layer, ready for a state.
pub fn router(state: &AppState) -> Router<AppState> {
    let (router, _, rules) = parts();
    router.route_layer(axum::middleware::from_fn_with_state((state.clone(), Arc::new(rules)), access::enforce))
}
