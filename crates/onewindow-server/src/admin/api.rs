//! Administration, kept apart by the three administrator roles (三员分立, GB/T 22239 level 3):
//! users (system administrator), roles and lock-outs (security administrator), the audit
//! trail (audit administrator). Each one's own acts are audited.

use crate::session::service::UserView;
use crate::state::AppState;
use crate::web::auth::{self, CurrentUser};
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::problem::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use onewindow_core::role::{Permission, Role, separation_conflict};
use onewindow_store::{AuditEntry, AuditVerification, NewUser};
use serde::Deserialize;

const PASSWORD_CHARS_MIN: usize = 10;
const AUDIT_PAGE_MAX: i64 = 500;

/// Lists users (system administrator).
#[utoipa::path(get, path = "/api/v1/users", tag = "administration", security(("session" = ["manage_users"])), responses((status = 200, body = Vec<UserView>), (status = 403, body = crate::web::problem::Problem)))]
pub async fn list_users(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Vec<UserView>>, ApiError> {
    user.require(Permission::ManageUsers)?;
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
#[utoipa::path(post, path = "/api/v1/users", tag = "administration", security(("session" = ["manage_users"])), request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 403, body = crate::web::problem::Problem), (status = 409, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let role = user.require(Permission::ManageUsers)?;
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
    if let Some(e) = separation_error(&body.roles) {
        errors.push(e);
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

/// Reads the audit trail (audit administrator); the reading is recorded too.
#[utoipa::path(get, path = "/api/v1/audit", tag = "administration", security(("session" = ["read_audit"])), params(AuditQuery),
    responses((status = 200, body = Vec<Object>), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem)))]
pub async fn list_audit(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let role = user.require(Permission::ReadAudit)?;
    let limit = q.limit.unwrap_or(100).clamp(1, AUDIT_PAGE_MAX);
    let entries = state.store.audit_entries(q.after.unwrap_or(0), limit, q.subject.as_deref()).await?;
    // The audit administrator's reading is itself on the record.
    let detail = serde_json::json!({"after": q.after, "subject": q.subject, "entries": entries.len()});
    state.store.record(&state.actor(&user.user, role), "audit.read", "audit_log", detail).await?;
    Ok(Json(entries))
}

/// Recomputes the audit hash chain (audit administrator); the check is recorded too.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "administration", security(("session" = ["read_audit"])),
    responses((status = 200, body = Object), (status = 403, body = crate::web::problem::Problem)))]
pub async fn verify_audit(State(state): State<AppState>, user: CurrentUser) -> Result<Json<AuditVerification>, ApiError> {
    let role = user.require(Permission::ReadAudit)?;
    let check = state.store.verify_audit().await?;
    let detail = serde_json::json!({"entries": check.entries, "first_broken": check.first_broken});
    state.store.record(&state.actor(&user.user, role), "audit.verify", "audit_log", detail).await?;
    Ok(Json(check))
}

/// The validation error of a role set that gives one account two administrator roles.
fn separation_error(roles: &[Role]) -> Option<serde_json::Value> {
    let (a, b) = separation_conflict(roles)?;
    Some(serde_json::json!({"field": "roles",
        "message_zh": format!("“{}”与“{}”须由不同的人担任（三员分立），不能分配给同一账号", a.label_zh(), b.label_zh()),
        "message_en": format!("{} and {} must be different people (separation of the three administrators)", a.code(), b.code())}))
}

/// New roles of a user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetRoles {
    /// The roles, replacing the present ones; at least one, and at most one of the three
    /// administrator roles.
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
}

/// Replaces a user's roles (security administrator). One account never holds two of the
/// system, security and audit administrator roles.
#[utoipa::path(put, path = "/api/v1/users/{username}/roles", tag = "administration", security(("session" = ["manage_roles"])),
    params(("username" = String, Path, description = "Log-in name")), request_body = SetRoles,
    responses((status = 200, body = UserView), (status = 400, body = crate::web::problem::Problem), (status = 401, body = crate::web::problem::Problem),
        (status = 403, body = crate::web::problem::Problem), (status = 404, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn set_roles(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    ApiJson(body): ApiJson<SetRoles>,
) -> Result<Json<UserView>, ApiError> {
    let role = user.require(Permission::ManageRoles)?;
    if body.roles.is_empty() {
        return Err(ApiError::validation(
            serde_json::json!([{"field": "roles", "message_zh": "至少分配一个角色", "message_en": "at least one role"}]),
        ));
    }
    if let Some(e) = separation_error(&body.roles) {
        return Err(ApiError::validation(serde_json::Value::Array(vec![e])));
    }
    let changed = state.store.set_user_roles(&username, &body.roles, &state.actor(&user.user, role)).await?;
    Ok(Json(UserView::from(&changed)))
}

/// A username locked out after failed log-ins (in this server process).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Lockout {
    /// Log-in name.
    pub username: String,
    /// Minutes until the lock ends by itself.
    pub minutes_left: i64,
}

/// Usernames locked out after repeated failed log-ins (security administrator).
#[utoipa::path(get, path = "/api/v1/lockouts", tag = "administration", security(("session" = ["manage_lockouts"])),
    responses((status = 200, body = Vec<Lockout>), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem)))]
pub async fn list_lockouts(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Vec<Lockout>>, ApiError> {
    user.require(Permission::ManageLockouts)?;
    let now = state.clock.now();
    Ok(Json(state.throttle.locked(now).into_iter().map(|(username, minutes_left)| Lockout { username, minutes_left }).collect()))
}

/// Lifts the lock-out of a username (security administrator), audited as `lockout.lift`.
#[utoipa::path(delete, path = "/api/v1/lockouts/{username}", tag = "administration", security(("session" = ["manage_lockouts"])),
    params(("username" = String, Path, description = "Log-in name")),
    responses((status = 204, description = "Lifted"), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem),
        (status = 404, body = crate::web::problem::Problem)))]
pub async fn lift_lockout(State(state): State<AppState>, user: CurrentUser, Path(username): Path<String>) -> Result<StatusCode, ApiError> {
    let role = user.require(Permission::ManageLockouts)?;
    if state.throttle.locked_minutes(&username, state.clock.now()).is_none() {
        return Err(ApiError::not_found(format!("用户{username}未被锁定"), format!("{username} is not locked out")));
    }
    state.throttle.succeeded(&username);
    state.store.record(&state.actor(&user.user, role), "lockout.lift", &username, serde_json::json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}
