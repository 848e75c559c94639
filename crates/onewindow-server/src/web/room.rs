//! A feature room's contribution to the application: its API routes (with their OpenAPI
//! description), its pages (with their access rules) and its navigation entries.

use crate::state::AppState;
use crate::web::access::Pages;
use crate::web::nav::NavEntry;
use utoipa_axum::router::OpenApiRouter;

/// What a room adds; `app::router` merges every room's.
pub struct Room {
    /// JSON routes, each with `#[utoipa::path]`.
    pub api: OpenApiRouter<AppState>,
    /// Server-rendered pages.
    pub pages: Pages,
    /// Links in the main navigation.
    pub nav: Vec<NavEntry>,
}

impl Default for Room {
    fn default() -> Self {
        Room { api: OpenApiRouter::new(), pages: Pages::default(), nav: Vec::new() }
    }
}
