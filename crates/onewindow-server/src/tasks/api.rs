//! The back office's API: open tasks, completing them, ordering and recording site
//! inspections.

use super::service::{CompleteInspection, CompleteTask, OrderInspection, inbox, task_role};
use crate::cases::service::{ActionResult, run_command};
use crate::state::AppState;
use crate::web::auth::CurrentUser;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::problem::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use onewindow_core::case::Command;
use onewindow_core::role::Permission;
use onewindow_store::TaskRecord;
use serde::Deserialize;

/// Task list options.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// Only the tasks of my department (default true).
    pub mine: Option<bool>,
    /// Department code (staff other than reviewers), instead of mine.
    pub department: Option<String>,
}

/// Open tasks: my department's, plus (for bureau reviewers) the joint-review opinions to record.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "cases", security(("session" = ["work_tasks"])), params(TaskQuery),
    responses((status = 200, body = Vec<Object>), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem)))]
pub async fn list_tasks(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<TaskQuery>,
) -> Result<Json<Vec<TaskRecord>>, ApiError> {
    Ok(Json(inbox(&state, &user, q.department.as_deref()).await?))
}

/// Completes a task with an opinion; the case moves to its next step, the joint opinions, or
/// the decision.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/complete", tag = "cases", security(("session" = ["work_tasks"])), params(("id" = i64, Path, description = "Task id")), request_body = CompleteTask,
    responses((status = 200, body = ActionResult), (status = 400, description = "The body is not a completion (a field missing or of the wrong type)", body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem), (status = 404, body = crate::web::problem::Problem), (status = 409, description = "The task is done already, or the case is not at this step", body = crate::web::problem::Problem), (status = 422, description = "The opinion's text is blank or too long, or an inspection step is approved before an inspection is recorded", body = crate::web::problem::Problem)))]
pub async fn complete_task(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Json<ActionResult>, ApiError> {
    // The task's kind says who may complete it; that comes before what they sent.
    let (number, role) = task_role(&state, &user, id).await?;
    let body: CompleteTask = crate::web::extract::json(&body)?;
    let command = Command::CompleteTask { task_id: id, opinion: body.opinion, comment: body.comment };
    let after = run_command(&state, &user, role, &number, &command).await?;
    Ok(Json(after.into()))
}

/// Orders a site inspection (reviewer).
#[utoipa::path(post, path = "/api/v1/cases/{number}/inspections", tag = "cases", security(("session" = ["order_inspection"])), params(("number" = String, Path, description = "Case number")), request_body = OrderInspection,
    responses((status = 200, body = ActionResult), (status = 403, body = crate::web::problem::Problem), (status = 409, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn order_inspection(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<OrderInspection>,
) -> Result<Json<ActionResult>, ApiError> {
    let snap = state.catalogue.get(&state.store).await?;
    if let Some(d) = body.departments.iter().find(|d| snap.department_code(d).is_none()) {
        return Err(ApiError::validation(
            serde_json::json!([{"field": "departments", "message_zh": format!("部门“{d}”不存在"), "message_en": format!("no department {d:?}")}]),
        ));
    }
    let command = Command::OrderInspection { kind: body.kind, departments: body.departments, note: body.note };
    let after = run_command(&state, &user, user.require(Permission::OrderInspection)?, &number, &command).await?;
    Ok(Json(after.into()))
}

/// Records an inspection's findings (reviewer, or the commissioned department's supervisor).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/complete", tag = "cases", security(("session" = ["record_inspection"])), params(("id" = i64, Path, description = "Inspection id")), request_body = CompleteInspection,
    responses((status = 200, body = ActionResult), (status = 403, body = crate::web::problem::Problem), (status = 404, body = crate::web::problem::Problem), (status = 409, body = crate::web::problem::Problem)))]
pub async fn complete_inspection(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CompleteInspection>,
) -> Result<Json<ActionResult>, ApiError> {
    let number = state
        .store
        .inspection_case(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("现场核查{id}不存在"), format!("no inspection {id}")))?;
    for photo in &body.photos {
        let m = state.store.material(*photo).await?;
        if m.is_none_or(|m| m.uploaded_by != user.user.id) {
            return Err(ApiError::validation(
                serde_json::json!([{"field": "photos", "message_zh": format!("照片{photo}不存在或不是您上传的"), "message_en": "unknown photo"}]),
            ));
        }
    }
    let role = user.require(Permission::RecordInspection)?;
    let command = Command::CompleteInspection { inspection_id: id, findings: body.findings, passed: body.passed, photos: body.photos };
    let after = run_command(&state, &user, role, &number, &command).await?;
    Ok(Json(after.into()))
}
