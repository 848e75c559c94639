//! The back-office pages: the inbox (the open tasks of the user's department) and the case
//! page's forms for tasks and site inspections.

use super::service::{CompleteInspection, CompleteTask, finish_task, inbox as inbox_tasks};
use crate::cases::service::{run_command, store_upload};
use crate::state::AppState;
use crate::web::auth::{CurrentUser, MaybeUser};
use crate::web::form::Posted;
use crate::web::problem::ApiError;
use crate::web::{OrDash, Page, html_error, render, see_other};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use onewindow_core::case::{CaseState, Command, InspectionKind, Opinion, TaskKind};
use onewindow_core::role::{Permission, Role};
use onewindow_store::{CaseFilter, CaseSummary, TaskRecord};

#[derive(Template)]
#[template(path = "tasks/inbox.html")]
struct InboxPage {
    page: Page,
    tasks: Vec<(TaskRecord, Option<crate::cases::time_limit::Badge>)>,
    is_leader: bool,
    ready: Vec<(CaseSummary, Option<crate::cases::time_limit::Badge>)>,
}

/// `GET /inbox`: tasks for reviewers and departments; cases ready for decision for leaders.
pub async fn inbox(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> Response {
    let Some(user) = user else { return see_other("/login?next=/inbox") };
    let is_leader = user.user.roles.contains(&Role::Leader);
    let tasks = match inbox_tasks(&state, &user, None).await {
        Ok(t) => t,
        Err(e) => return html_error(e, Some(&user)),
    };
    let mut ready = Vec::new();
    if is_leader {
        let in_review = state
            .store
            .list_cases(&CaseFilter { state: Some(CaseState::InReview), oldest_first: true, ..Default::default() }, 200)
            .await
            .unwrap_or_default();
        for c in in_review {
            let open = state
                .store
                .case_tasks(&c.number)
                .await
                .unwrap_or_default()
                .iter()
                .any(|t| t.state == "open" && t.kind != TaskKind::PostCheck);
            let inspecting = state.store.case_inspections(&c.number).await.unwrap_or_default().iter().any(|i| i.state == "open");
            if !open && !inspecting {
                ready.push(c);
            }
        }
    }
    let calendar = state.calendar.get();
    let today = state.clock.today();
    let badge = |clock: Option<&onewindow_core::case::clock::CaseClock>| crate::cases::time_limit::badge(clock, &calendar, today);
    render(&InboxPage {
        page: Page::new("待办任务", Some(&user)),
        tasks: tasks
            .into_iter()
            .filter(|t| t.kind != TaskKind::PostCheck || !is_leader)
            .map(|t| {
                // A later check runs after the decision: its case's clock has stopped.
                let b = if t.kind == TaskKind::PostCheck { None } else { badge(t.clock.as_ref()) };
                (t, b)
            })
            .collect(),
        is_leader,
        ready: ready
            .into_iter()
            .map(|c| {
                let b = badge(c.clock.as_ref());
                (c, b)
            })
            .collect(),
    })
}

/// `POST /cases/{number}/work`: the case page's back-office forms — completing a task with an
/// opinion, ordering a site inspection, recording its findings. Success goes back to the case
/// page; a refusal shows it with the reasons.
pub async fn work(State(state): State<AppState>, MaybeUser(user): MaybeUser, Path(number): Path<String>, multipart: Multipart) -> Response {
    crate::cases::pages::post_case_form(&state, user, &number, multipart, perform).await
}

async fn perform(state: &AppState, user: &CurrentUser, number: &str, action: &str, form: &Posted) -> Result<(), ApiError> {
    match action {
        "complete-task" => {
            let id = form.get("task_id").parse().map_err(|_| ApiError::bad_request("任务编号无效", "bad task id"))?;
            let opinion: Opinion = form.choice("opinion", "审查结论（同意或不同意）")?;
            finish_task(state, user, id, CompleteTask { opinion, comment: form.get("comment") }).await?;
        }
        "order-inspection" => {
            let role = user.require(Permission::OrderInspection)?;
            let kind: InspectionKind = form.choice("kind", "核查方式")?;
            let command = Command::OrderInspection { kind, departments: form.all("departments"), note: form.get("note") };
            run_command(state, user, role, number, &command).await?;
        }
        "complete-inspection" => {
            let role = user.require(Permission::RecordInspection)?;
            let id: i64 = form.get("inspection_id").parse().map_err(|_| ApiError::bad_request("核查编号无效", "bad inspection id"))?;
            let mut photos = Vec::new();
            for (_, name, bytes) in form.files.iter().filter(|(f, _, _)| f == "photo") {
                photos.push(store_upload(state, user, "site_photo", name, bytes).await?.id);
            }
            let body = CompleteInspection { findings: form.get("findings"), passed: !form.get("passed").is_empty(), photos };
            let command =
                Command::CompleteInspection { inspection_id: id, findings: body.findings, passed: body.passed, photos: body.photos };
            run_command(state, user, role, number, &command).await?;
        }
        other => return Err(ApiError::not_found(format!("没有“{other}”这项操作"), format!("no action {other:?}"))),
    }
    Ok(())
}
