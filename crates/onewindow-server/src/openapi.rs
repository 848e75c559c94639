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
    components(schemas(crate::web::problem::Problem)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        components
            .add_security_scheme("cookie", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::web::auth::SESSION_COOKIE))));
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
    DOC.get_or_init(|| crate::app::parts().1)
}

/// Turns the handlers' `session` security requirement (how `#[utoipa::path]` names the
/// permission a route needs, see `web::access`) into the two ways a client presents a session:
/// a bearer token or the session cookie, each with the same scope.
pub fn finish(doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut value = serde_json::to_value(&doc).expect("the OpenAPI document serialises");
    if let Some(paths) = value.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for item in paths.values_mut().filter_map(|i| i.as_object_mut()) {
            for op in item.values_mut() {
                let Some(security) = op.get_mut("security").and_then(|s| s.as_array_mut()) else { continue };
                let mut out = Vec::new();
                let mut needs_session = false;
                let mut needs_permission = false;
                for requirement in security.drain(..) {
                    match requirement.get("session") {
                        Some(scopes) => {
                            needs_session = true;
                            needs_permission |= scopes.as_array().is_some_and(|s| !s.is_empty());
                            out.push(serde_json::json!({"bearer": scopes}));
                            out.push(serde_json::json!({"cookie": scopes}));
                        }
                        None => out.push(requirement),
                    }
                }
                *security = out;
                document_problems(op, needs_session, needs_permission);
            }
        }
    }
    serde_json::from_value(value).expect("the OpenAPI document reads back")
}

/// What the access layer answers is part of every secured operation's contract (401 without a
/// session, 403 without the permission), and every problem is `application/problem+json`.
fn document_problems(op: &mut serde_json::Value, needs_session: bool, needs_permission: bool) {
    let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else { return };
    let problem = |description: &str| {
        serde_json::json!({"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
    };
    if needs_session {
        responses.entry("401").or_insert_with(|| problem("Not logged in (未登录)"));
    }
    if needs_permission {
        responses.entry("403").or_insert_with(|| problem("The user's roles lack the permission this operation needs (无权操作)"));
    }
    for response in responses.values_mut() {
        let Some(content) = response.get_mut("content").and_then(|c| c.as_object_mut()) else { continue };
        let is_problem = content
            .get("application/json")
            .and_then(|c| c.pointer("/schema/$ref"))
            .and_then(|r| r.as_str())
            .is_some_and(|r| r.ends_with("/Problem"));
        if is_problem && let Some(json) = content.remove("application/json") {
            content.insert("application/problem+json".into(), json);
        }
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(document())
}
