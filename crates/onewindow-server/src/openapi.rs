//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use std::sync::OnceLock;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "onewindow API", description = "一窗受理、一网通办：政务服务一体化平台接口。Errors are application/problem+json with Chinese and English messages."),
    tags(
        (name = "catalogue", description = "事项清单 · item catalogue and service guides"),
        (name = "calendar", description = "工作日历 · working days, holidays and adjusted working days"),
        (name = "cases", description = "办件 · applications, acceptance, examination, decision, delivery, tracking"),
        (name = "session", description = "登录 · log-in, cookie and bearer sessions"),
        (name = "administration", description = "用户与审计 · users and the audit trail"),
        (name = "operations", description = "运行 · health"),
    ),
    components(schemas(crate::problem::Problem)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        components.add_security_scheme("cookie", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))));
    }
}

/// The document's base (info, tags, security schemes); routes add their paths.
pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc
}

/// The full document.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| crate::routes::router().split_for_parts().1)
}

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(document())
}
