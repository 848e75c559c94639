//! Extractors whose rejections are problem documents, not axum's plain text.

use crate::web::problem::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// JSON body; a malformed body is a 400 problem naming what is wrong.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(ApiError::bad_request(format!("请求内容无法解析：{}", e.body_text()), e.body_text())),
        }
    }
}

/// Query string; a malformed one is a 400 problem.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(ApiError::bad_request(format!("查询参数有误：{}", e.body_text()), e.body_text())),
        }
    }
}

/// JSON body that may be empty (then `T::default()`); a malformed body is a 400 problem.
pub struct ApiJsonOrEmpty<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for ApiJsonOrEmpty<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes =
            axum::body::Bytes::from_request(req, state).await.map_err(|e| ApiError::bad_request("请求内容无法读取", e.body_text()))?;
        json_or_empty(&bytes).map(ApiJsonOrEmpty)
    }
}

/// Parses a JSON body that may be empty (then `T::default()`); a malformed body is a 400
/// problem. For handlers that check something before they read the body.
pub fn json_or_empty<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("请求内容无法解析：{e}"), e.to_string()))
}

/// Parses a JSON body; a malformed one is a 400 problem. For handlers that check something
/// before they read the body.
pub fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("请求内容无法解析：{e}"), e.to_string()))
}
