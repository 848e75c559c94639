//! What the task API and the inbox page share: which open tasks a user works on, and
//! completing one in the role its kind needs.

use crate::cases::service::run_command;
use crate::state::AppState;
use crate::web::auth::CurrentUser;
use crate::web::problem::ApiError;
use onewindow_core::case::{Command, InspectionKind, Opinion};
use onewindow_core::role::{Permission, Role};
use onewindow_store::{Acted, TaskRecord};
use serde::Deserialize;

/// The open tasks a user works on.
pub async fn inbox(state: &AppState, user: &CurrentUser, department: Option<&str>) -> Result<Vec<TaskRecord>, ApiError> {
    user.require(Permission::WorkTasks)?;
    let mine = user.user.department_code.clone().unwrap_or_default();
    // Those who watch every department (leaders, supervision officers) may name another.
    let dept = department.filter(|_| user.can(Permission::Supervise)).unwrap_or(&mine);
    let mut tasks = state.store.open_tasks_of(dept, 200).await?;
    let bureau = state.catalogue.get(&state.store).await?.bureau().map(String::from);
    if user.can(Permission::ExamineStep) && bureau.as_deref() == Some(mine.as_str()) {
        tasks.extend(state.store.open_opinion_tasks(200).await?.into_iter().filter(|t| t.department != mine));
    }
    tasks.sort_by_key(|t| t.id);
    Ok(tasks)
}

/// Completing a task.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CompleteTask {
    /// The conclusion, chosen on purpose: `approve` (同意) or `reject` (不同意).
    pub opinion: Opinion,
    /// The opinion's text (审查意见): what was examined and why the conclusion; never blank.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub comment: String,
}

/// Shared by the API and the forms.
pub async fn finish_task(state: &AppState, user: &CurrentUser, id: i64, body: CompleteTask) -> Result<Acted, ApiError> {
    let (case_number, role) = task_role(state, user, id).await?;
    let command = Command::CompleteTask { task_id: id, opinion: body.opinion, comment: body.comment };
    run_command(state, user, role, &case_number, &command).await
}

/// The case of task `id` and the role `user` completes it in: 404 for an unknown task, 403
/// when none of their roles holds the permission its kind needs.
pub async fn task_role(state: &AppState, user: &CurrentUser, id: i64) -> Result<(String, Role), ApiError> {
    let (case_number, kind) =
        state.store.task_owner(id).await?.ok_or_else(|| ApiError::not_found(format!("任务{id}不存在"), format!("no task {id}")))?;
    Ok((case_number, user.require(kind.permission())?))
}

/// Ordering an inspection.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OrderInspection {
    /// `independent`, `joint` or `commissioned`.
    pub kind: InspectionKind,
    /// Departments taking part (joint) or commissioned (one).
    #[serde(default)]
    pub departments: Vec<String>,
    /// What to check.
    #[serde(default)]
    pub note: String,
}

/// Recording an inspection's findings.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CompleteInspection {
    /// Findings.
    pub findings: String,
    /// Whether the site meets the conditions.
    pub passed: bool,
    /// Photos, as uploaded material ids.
    #[serde(default)]
    pub photos: Vec<i64>,
}
