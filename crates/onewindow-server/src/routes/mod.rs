//! Every route. API handlers carry `#[utoipa::path]` and are registered with
//! `utoipa_axum::routes!`, so the OpenAPI document covers each by construction; UI pages are
//! plain routes (HTML is not part of the API contract).

pub mod admin;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod extract;
pub mod health;
pub mod items;
pub mod session;
pub mod supervision;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The API router with its OpenAPI description, plus UI and assets.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::base())
        .routes(routes!(health::health))
        .routes(routes!(session::create_session, session::delete_session))
        .routes(routes!(session::me))
        .routes(routes!(items::list_items, items::create_item))
        .routes(routes!(items::get_item, items::update_item))
        .routes(routes!(items::list_item_versions))
        .routes(routes!(items::list_transfers, items::create_transfer))
        .routes(routes!(items::list_departments))
        .routes(routes!(cases::upload_material))
        .routes(routes!(cases::create_case, cases::list_cases))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::list_case_events))
        .routes(routes!(cases::act_on_case))
        .routes(routes!(cases::list_tasks))
        .routes(routes!(cases::complete_task))
        .routes(routes!(cases::order_inspection))
        .routes(routes!(cases::complete_inspection))
        .routes(routes!(cases::track))
        .routes(routes!(cases::get_document))
        .routes(routes!(calendar::add_working_days))
        .routes(routes!(calendar::working_days_between))
        .routes(routes!(calendar::list_days))
        .routes(routes!(calendar::set_day))
        .routes(routes!(calendar::publish_year))
        .routes(routes!(cases::case_deadline))
        .routes(routes!(supervision::list_warnings))
        .routes(routes!(supervision::list_accountability))
        .routes(routes!(supervision::review_accountability))
        .routes(routes!(supervision::dashboard_csv))
        .routes(routes!(catalogue::import_catalogue))
        .routes(routes!(catalogue::export_catalogue))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(admin::list_audit))
        .routes(routes!(admin::verify_audit))
        .merge(crate::ui::router())
        .route("/api/v1/openapi.json", axum::routing::get(crate::openapi::serve))
        .route("/metrics", axum::routing::get(crate::observe::metrics))
        .route("/static/{*path}", axum::routing::get(crate::assets::serve))
}
