//! Errors as `application/problem+json` (RFC 9457): a stable English `type`, a Chinese
//! `title` and `detail` for people, English versions beside them for logs and integrators,
//! and the request path as `instance`. A 5xx says nothing internal; it is logged.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onewindow_store::StoreError;
use serde::Serialize;

/// An error a handler returns.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Problem type slug, e.g. `forbidden` (rendered as `/problems/forbidden`).
    pub kind: &'static str,
    /// Chinese title.
    pub title: &'static str,
    /// English title.
    pub title_en: &'static str,
    /// Chinese detail.
    pub detail: String,
    /// English detail.
    pub detail_en: String,
    /// Field errors, import errors or other structured detail.
    pub errors: Option<serde_json::Value>,
}

/// The problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Chinese title.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Chinese explanation of this occurrence.
    pub detail: String,
    /// English title.
    pub title_en: String,
    /// English explanation.
    pub detail_en: String,
    /// Request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Structured detail (field errors with Chinese and English messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub errors: Option<serde_json::Value>,
}

/// Request path stored in response extensions so that the problem can name its instance.
#[derive(Clone)]
pub struct RequestPath(pub String);

impl ApiError {
    fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        title_en: &'static str,
        detail: impl Into<String>,
        detail_en: impl Into<String>,
    ) -> ApiError {
        ApiError { status, kind, title, title_en, detail: detail.into(), detail_en: detail_en.into(), errors: None }
    }

    /// 401: not logged in.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "未登录", "Not logged in", "请先登录", "log in first")
    }

    /// 403: logged in without the needed role.
    pub fn forbidden(what_zh: &str, what_en: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "无权操作",
            "Forbidden",
            format!("您的角色无权{what_zh}"),
            format!("your role may not {what_en}"),
        )
    }

    /// 404.
    pub fn not_found(what_zh: impl Into<String>, what_en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", "未找到", "Not found", what_zh, what_en)
    }

    /// 400: the request cannot be read.
    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", "请求有误", "Bad request", zh, en)
    }

    /// 422: readable, but breaks a rule; `errors` lists every field.
    pub fn validation(errors: serde_json::Value) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "填写内容有误",
            "Validation failed",
            "请按提示修改后重新提交",
            "fix the listed fields and submit again",
        );
        e.errors = Some(errors);
        e
    }

    /// 409: conflicts with what is stored.
    pub fn conflict(zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", "与现有数据冲突", "Conflict", zh, en)
    }

    /// 429: too many failed log-ins.
    pub fn throttled(minutes: i64) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-attempts",
            "尝试次数过多",
            "Too many attempts",
            format!("登录失败次数过多，请{minutes}分钟后再试"),
            format!("too many failed log-ins; try again in {minutes} minutes"),
        )
    }

    /// 500: logged with the cause; the client learns nothing internal.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "Internal error: {cause}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误",
            "Internal server error",
            "系统暂时无法处理，请稍后再试",
            "the server could not handle the request",
        )
    }

    /// Attaches structured detail.
    pub fn with_errors(mut self, errors: serde_json::Value) -> ApiError {
        self.errors = Some(errors);
        self
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(format!("未找到：{what}"), what),
            StoreError::Conflict(what) => ApiError::conflict(format!("已存在：{what}"), format!("already exists: {what}")),
            StoreError::Stale(what) => ApiError::conflict(format!("该记录已被他人修改，请刷新后重试（{what}）"), what),
            StoreError::Rejected(zh) => {
                let en = format!("rejected: {zh}");
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "rejected", "无法执行", "Rejected", zh, en)
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: format!("/problems/{}", self.kind),
            title: self.title.into(),
            status: self.status.as_u16(),
            detail: self.detail,
            title_en: self.title_en.into(),
            detail_en: self.detail_en,
            instance: None,
            errors: self.errors,
        };
        let mut response = (self.status, Json(problem)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response.extensions_mut().insert(ProblemMarker);
        response
    }
}

/// Marks problem responses so that the instance layer can fill in the request path.
#[derive(Clone, Copy)]
pub struct ProblemMarker;
