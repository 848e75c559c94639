//! Administration: users (system administrator) and the audit trail (auditor).

use crate::auth::{self, CurrentUser};
use crate::problem::ApiError;
use crate::routes::extract::{ApiJson, ApiQuery};
use crate::routes::session::UserView;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use onewindow_core::role::{Permission, Role};
use onewindow_store::{AuditEntry, AuditVerification, NewUser};
use serde::Deserialize;

const PASSWORD_CHARS_MIN: usize = 10;
const AUDIT_PAGE_MAX: i64 = 500;

/// Lists users (system administrator).
#[utoipa::path(get, path = "/api/v1/users", tag = "administration", responses((status = 200, body = Vec<UserView>), (status = 403, body = crate::problem::Problem)))]
pub async fn list_users(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Vec<UserView>>, ApiError> {
    user.require(Permission::ManageUsers, "管理用户", "manage users")?;
    Ok(Json(state.store.users().await?.iter().map(UserView::from).collect()))
}

/// A user to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateUser {
    /// Log-in name: letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Initial password, at least 10 characters.
    pub password: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Department code (staff).
    pub department: Option<String>,
    /// Service point id (staff).
    pub service_point_id: Option<i64>,
}

/// Creates a user (system administrator).
#[utoipa::path(post, path = "/api/v1/users", tag = "administration", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let role = user.require(Permission::ManageUsers, "管理用户", "manage users")?;
    let mut errors = Vec::new();
    let username = body.username.trim();
    if username.is_empty() || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        errors.push(serde_json::json!({"field": "username", "message_zh": "用户名只能包含字母、数字和._-", "message_en": "username may hold letters, digits and ._- only"}));
    }
    if body.password.chars().count() < PASSWORD_CHARS_MIN {
        errors.push(serde_json::json!({"field": "password", "message_zh": format!("密码至少{PASSWORD_CHARS_MIN}位"), "message_en": format!("password needs {PASSWORD_CHARS_MIN} characters")}));
    }
    if body.roles.is_empty() {
        errors.push(serde_json::json!({"field": "roles", "message_zh": "至少分配一个角色", "message_en": "at least one role"}));
    }
    if body.display_name.trim().is_empty() {
        errors.push(serde_json::json!({"field": "display_name", "message_zh": "请填写姓名", "message_en": "display name is empty"}));
    }
    if let Some(d) = &body.department
        && !state.store.departments().await?.iter().any(|x| &x.code == d)
    {
        errors.push(serde_json::json!({"field": "department", "message_zh": format!("部门“{d}”不存在"), "message_en": format!("no department {d:?}")}));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(serde_json::Value::Array(errors)));
    }
    let new = NewUser {
        username: username.to_string(),
        display_name: body.display_name.trim().to_string(),
        password_hash: auth::hash_password(&body.password),
        roles: body.roles,
        department_code: body.department,
        service_point_id: body.service_point_id,
    };
    let created = state.store.create_user(&new, &state.actor(&user.user, role)).await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&created))))
}

/// Audit page parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries after this id.
    pub after: Option<i64>,
    /// Page size, at most 500 (default 100).
    pub limit: Option<i64>,
    /// Only entries about this subject (an item code, a username).
    pub subject: Option<String>,
}

/// Reads the audit trail (auditor, system administrator).
#[utoipa::path(get, path = "/api/v1/audit", tag = "administration", params(AuditQuery),
    responses((status = 200, body = Vec<Object>), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem)))]
pub async fn list_audit(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    user.require(Permission::ReadAudit, "查阅审计日志", "read the audit trail")?;
    let limit = q.limit.unwrap_or(100).clamp(1, AUDIT_PAGE_MAX);
    Ok(Json(state.store.audit_entries(q.after.unwrap_or(0), limit, q.subject.as_deref()).await?))
}

/// Recomputes the audit hash chain (auditor, system administrator).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "administration",
    responses((status = 200, body = Object), (status = 403, body = crate::problem::Problem)))]
pub async fn verify_audit(State(state): State<AppState>, user: CurrentUser) -> Result<Json<AuditVerification>, ApiError> {
    user.require(Permission::ReadAudit, "查阅审计日志", "read the audit trail")?;
    Ok(Json(state.store.verify_audit().await?))
}
