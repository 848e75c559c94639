//! Case pages: applying online, the window workstation, the case page with the actions each
//! role may take, materials, printed notices, and public tracking.

use super::service::{
    ActionBody, ApplicantInput, MissingInput, SubmitCase, TrackView, acting_role, load_detail, run, store_upload, submit, track_view,
};
use crate::state::AppState;
use crate::web::auth::{CurrentUser, MaybeUser};
use crate::web::form::{Posted, read_form};
use crate::web::problem::ApiError;
use crate::web::{Beijing, OrDash, Page, check_csrf, error_page, html_error, local_time, render, see_other};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use onewindow_core::case::clock::{PauseKind, WarningLevel};
use onewindow_core::case::{ApplicantKind, Attachment, CaseState, Correction, DeliveryMethod, Outcome, TaskKind};
use onewindow_core::catalogue::HandlingType;
use onewindow_core::role::{Permission, Role};
use onewindow_store::{CaseFilter, CaseRecord, CaseSummary, InspectionRecord, TaskRecord};
use serde::Deserialize;

const LIST_ROWS: i64 = 50;

fn login_redirect(path: &str) -> Response {
    axum::response::Redirect::to(&format!("/login?next={}", urlencoding::encode(path))).into_response()
}

#[derive(Template)]
#[template(path = "cases/apply.html")]
struct ApplyPage {
    page: Page,
    code_url: String,
    item_name: String,
    promised: u32,
    materials: Vec<(String, bool, String)>,
    commitment: bool,
    is_clerk: bool,
    errors: Vec<String>,
    idempotency_key: String,
    kind_person: bool,
    applicant_name: String,
    id_number: String,
    phone: String,
    address: String,
    agent: String,
}

async fn apply_page(state: &AppState, user: &CurrentUser, code: &str, form: Option<&Posted>, errors: Vec<String>) -> Response {
    let snap = match state.catalogue.get(&state.store).await {
        Ok(s) => s,
        Err(e) => return html_error(e.into(), Some(user)),
    };
    let Some(item) = snap.item(code) else {
        return error_page(StatusCode::NOT_FOUND, Some(user), "未找到事项", "该事项不存在。");
    };
    let get = |f: &str| form.map(|p| p.get(f)).unwrap_or_default();
    let t = ApplyPage {
        page: Page::new(format!("申请：{}", item.spec.name), Some(user)),
        code_url: crate::web::code_url(code),
        item_name: item.spec.name.clone(),
        promised: item.spec.promised_limit_days,
        materials: item.spec.materials.iter().map(|m| (m.name.clone(), m.required, m.note.clone())).collect(),
        commitment: item.spec.handling_type == HandlingType::Commitment,
        is_clerk: user.can(Permission::AcceptAtWindow),
        idempotency_key: form
            .map(|p| p.get("idempotency_key"))
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| crate::web::auth::new_token()[..24].to_string()),
        kind_person: get("applicant_kind") != "organisation",
        applicant_name: get("applicant_name"),
        id_number: get("id_number"),
        phone: get("phone"),
        address: get("address"),
        agent: get("agent"),
        errors,
    };
    let status = if t.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(&t)).into_response()
}

fn may_apply(user: &CurrentUser) -> bool {
    user.can(Permission::Apply)
}

/// `GET /apply/{code}`.
pub async fn apply_form(State(state): State<AppState>, MaybeUser(user): MaybeUser, Path(code): Path<String>) -> Response {
    let Some(user) = user else { return login_redirect(&format!("/apply/{}", crate::web::code_url(&code))) };
    if !may_apply(&user) {
        return error_page(StatusCode::FORBIDDEN, Some(&user), "无权申请", "只有申请人或综合窗口人员可以提交申请。");
    }
    apply_page(&state, &user, &code, None, vec![]).await
}

/// `POST /apply/{code}`: stores the uploads, submits the application, shows the case.
pub async fn apply(State(state): State<AppState>, MaybeUser(user): MaybeUser, Path(code): Path<String>, multipart: Multipart) -> Response {
    let Some(user) = user else { return login_redirect(&format!("/apply/{}", crate::web::code_url(&code))) };
    if !may_apply(&user) {
        return error_page(StatusCode::FORBIDDEN, Some(&user), "无权申请", "只有申请人或综合窗口人员可以提交申请。");
    }
    let form = match read_form(multipart).await {
        Ok(f) => f,
        Err(e) => return html_error(e, Some(&user)),
    };
    if let Err(r) = check_csrf(&user, Some(&form.get("csrf"))) {
        return r;
    }
    let snap = match state.catalogue.get(&state.store).await {
        Ok(s) => s,
        Err(e) => return html_error(e.into(), Some(&user)),
    };
    let Some(item) = snap.item(&code) else {
        return error_page(StatusCode::NOT_FOUND, Some(&user), "未找到事项", "该事项不存在。");
    };
    let mut materials = Vec::new();
    for (field, file_name, bytes) in &form.files {
        let Some(i) = field.strip_prefix("file-").and_then(|i| i.parse::<usize>().ok()) else { continue };
        let Some(requirement) = item.spec.materials.get(i) else { continue };
        match store_upload(&state, &user, &requirement.kind, file_name, bytes).await {
            Ok(m) => materials.push(Attachment { requirement: requirement.name.clone(), material_id: m.id }),
            Err(e) => {
                let lines = crate::web::problem_lines_of(&e).into_iter().map(|l| format!("{}：{l}", requirement.name)).collect();
                return apply_page(&state, &user, &code, Some(&form), lines).await;
            }
        }
    }
    let body = SubmitCase {
        item_code: code.clone(),
        applicant: ApplicantInput {
            kind: if form.get("applicant_kind") == "organisation" { ApplicantKind::Organisation } else { ApplicantKind::Person },
            name: form.get("applicant_name"),
            id_number: form.get("id_number"),
            phone: form.get("phone"),
            address: form.get("address"),
        },
        channel: (!form.get("agent").is_empty()).then_some(onewindow_core::case::Channel::Agent),
        agent: form.get("agent"),
        form: serde_json::json!({"commitment": !form.get("commitment").is_empty()}),
        materials,
        service_point_id: None,
    };
    let key = form.get("idempotency_key");
    match submit(&state, &user, body, Some(&key).filter(|k| !k.is_empty()).map(|k| k.as_str())).await {
        Ok((view, _)) => see_other(&format!("/cases/{}?done=submitted", view.number)),
        Err(e) if e.status.is_server_error() => html_error(e, Some(&user)),
        Err(e) => apply_page(&state, &user, &code, Some(&form), crate::web::problem_lines_of(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "cases/cases_list.html")]
struct ListPage {
    page: Page,
    heading: String,
    staff: bool,
    number: String,
    applicant: String,
    states: Vec<(&'static str, &'static str, bool)>,
    cases: Vec<CaseSummary>,
    next: Option<String>,
}

/// Case list filters in the UI.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    number: Option<String>,
    applicant: Option<String>,
    state: Option<String>,
    cursor: Option<String>,
}

/// `GET /cases`: "my cases" for applicants, the case search for staff.
pub async fn list(State(state): State<AppState>, MaybeUser(user): MaybeUser, Query(q): Query<ListQuery>) -> Response {
    let Some(user) = user else { return login_redirect("/cases") };
    let staff = user.can(Permission::ReadCases) || user.can(Permission::ReadDepartmentCases);
    let number: String = q.number.clone().unwrap_or_default().chars().filter(|c| c.is_ascii_digit()).collect();
    if staff && number.len() == 19 {
        return see_other(&format!("/cases/{number}"));
    }
    let state_filter = q.state.as_deref().and_then(CaseState::parse);
    let mut f = CaseFilter {
        state: state_filter,
        applicant: q.applicant.clone().filter(|s| !s.trim().is_empty()),
        before: q.cursor.clone().filter(|s| !s.is_empty()),
        ..Default::default()
    };
    if !staff {
        f.applicant_user_id = Some(user.user.id);
    } else if !user.can(Permission::ReadCases) && user.can(Permission::ReadDepartmentCases) {
        f.department = user.user.department_code.clone();
    }
    let cases = match state.store.list_cases(&f, LIST_ROWS).await {
        Ok(c) => c,
        Err(e) => return html_error(e.into(), Some(&user)),
    };
    let next = (cases.len() as i64 == LIST_ROWS).then(|| {
        format!(
            "/cases?state={}&applicant={}&cursor={}",
            q.state.clone().unwrap_or_default(),
            urlencoding::encode(&q.applicant.clone().unwrap_or_default()),
            cases.last().map(|c| c.number.clone()).unwrap_or_default()
        )
    });
    let t = ListPage {
        page: Page::new(if staff { "办件查询" } else { "我的办件" }, Some(&user)),
        heading: if staff { "办件查询".into() } else { "我的办件".into() },
        staff,
        number,
        applicant: q.applicant.unwrap_or_default(),
        states: CaseState::ALL.iter().map(|s| (s.code(), s.label_zh(), Some(*s) == state_filter)).collect(),
        cases,
        next,
    };
    render(&t)
}

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage {
    page: Page,
    c: CaseRecord,
    /// The applicant's id number as this reader may see it (masked unless allowed).
    applicant_id: String,
    channel: &'static str,
    department: String,
    delivery: &'static str,
    message: Option<String>,
    errors: Vec<String>,
    documents: Vec<(String, &'static str)>,
    c_materials: Vec<onewindow_store::CaseMaterial>,
    missing: Vec<String>,
    requirements: Vec<(String, bool)>,
    tasks: Vec<TaskRecord>,
    inspections: Vec<InspectionRecord>,
    events: Vec<(String, String, String, String, String)>,
    submitted_local: String,
    accepted_local: Option<String>,
    closed_local: Option<String>,
    asked: Vec<String>,
    deficiency_days: u32,
    departments: Vec<(String, String)>,
    /// The tasks this reader completes, each with whether its approval still waits for a site
    /// inspection on record.
    my_tasks: Vec<(TaskRecord, bool)>,
    open_inspection: Option<InspectionRecord>,
    can_accept: bool,
    can_resubmit: bool,
    can_withdraw: bool,
    can_order_inspection: bool,
    can_decide: bool,
    can_forward: bool,
    can_reply: bool,
    can_deliver: bool,
    can_confirm: bool,
    tl: Option<onewindow_core::case::clock::Explanation>,
    /// The promised due date is counted provisionally (暂按法定节假日计算).
    due_provisional: bool,
    tl_badge: Option<crate::cases::time_limit::Badge>,
    can_pause: bool,
    can_resume: bool,
    extend_room: u32,
    pause_kinds: Vec<(&'static str, &'static str)>,
}

/// `?done=` after an action.
#[derive(Debug, Deserialize)]
pub struct DoneParam {
    done: Option<String>,
}

fn done_message(done: &str) -> Option<String> {
    Some(
        match done {
            "already" => "该表单已经提交过，本次未重复办理。以下是办件的最新状态。",
            "submitted" => "申请已提交。请记下办件编号和查询码，窗口受理后即开始计算承诺时限。",
            "accept" => "已受理，已转入后台审查。请打印受理通知书交申请人。",
            "accept-with-deficiency" => "已容缺受理。请打印容缺受理通知书，告知申请人补交期限。",
            "request-correction" => "已出具一次性告知书。申请人补正后重新提交。",
            "refuse" => "已作出不予受理决定。",
            "resubmit" => "材料已提交。",
            "withdraw" => "申请已撤回。",
            "complete-task" => "意见已提交。",
            "order-inspection" => "已安排现场核查。",
            "complete-inspection" => "核查结果已记录。",
            "decide" => "决定已作出，办理结果转综合窗口统一出件。",
            "forward" => "已转报上级机关。",
            "record-reply" => "上级机关答复已登记。",
            "deliver" => "已送达。",
            "confirm-receipt" => "已签收，办件办结。",
            "pause" => "已暂停计时，暂停期间不计入办理时限。",
            "resume" => "已恢复计时。",
            "extend" => "已批准延期，新的承诺办结日期见下方“办理时限”。",
            _ => return None,
        }
        .to_string(),
    )
}

pub async fn case_page(state: &AppState, user: &CurrentUser, number: &str, message: Option<String>, errors: Vec<String>) -> Response {
    let detail = match load_detail(state, user, number).await {
        Ok(d) => d,
        Err(e) => return html_error(e, Some(user)),
    };
    let snap = match state.catalogue.get(&state.store).await {
        Ok(s) => s,
        Err(e) => return html_error(e.into(), Some(user)),
    };
    // The version the case runs under: cached, as load_detail read it.
    let spec = state.store.item_spec(&detail.case.item_code, detail.case.item_version).await.ok().flatten();
    let c = &detail.case;
    let owner = c.applicant_user_id == Some(user.user.id);
    let staff = user.can(Permission::ReadCases) || user.can(Permission::ReadDepartmentCases);
    let users = state.store.users().await.unwrap_or_default();
    let events = if staff {
        state
            .store
            .case_events(number)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                let mut label = crate::cases::service::action_label(&e.action).to_string();
                if let Some(name) = e.detail.get("name").and_then(|n| n.as_str()) {
                    label = format!("{label}：{name}");
                }
                let actor = if e.role == "system" {
                    "电子监察系统".to_string()
                } else {
                    users.iter().find(|u| u.username == e.actor).map(|u| u.display_name.clone()).unwrap_or(e.actor)
                };
                let role = Role::parse(&e.role).map(|r| r.label_zh().to_string()).unwrap_or_else(|| "平台自动".to_string());
                (local_time(&e.at), label, actor, role, e.reason)
            })
            .collect()
    } else {
        vec![]
    };
    let open_steps: Vec<&TaskRecord> = detail.tasks.iter().filter(|t| t.state == "open" && t.kind != TaskKind::PostCheck).collect();
    let open_inspection = detail.inspections.iter().find(|i| i.state == "open").cloned();
    let ready = open_steps.is_empty() && open_inspection.is_none() && c.state == CaseState::InReview;
    let forwarding = spec.as_ref().is_some_and(|s| s.handling_type == HandlingType::Forwarding);
    let my_tasks: Vec<(TaskRecord, bool)> = detail
        .tasks
        .iter()
        .filter(|t| t.state == "open")
        .filter(|t| match t.kind {
            // A bureau reviewer records any department's opinion; a department's own staff
            // give theirs and carry out its later checks.
            TaskKind::Step => user.can(Permission::ExamineStep),
            TaskKind::Opinion => {
                user.can(Permission::ExamineStep)
                    || (user.can(Permission::GiveOpinion) && user.user.department_code.as_deref() == Some(t.department.as_str()))
            }
            TaskKind::PostCheck => {
                user.can(Permission::CheckAfterApproval) && user.user.department_code.as_deref() == Some(t.department.as_str())
            }
        })
        .map(|t| {
            let waits = t.kind == TaskKind::Step
                && onewindow_core::case::needs_inspection(&t.name)
                && !detail.inspections.iter().any(|i| i.state == "done");
            (t.clone(), waits)
        })
        .collect();
    let outstanding = c.deficiencies.iter().any(|d| !d.supplied);
    let person = |username: &str| {
        users.iter().find(|u| u.username == username).map(|u| u.display_name.clone()).unwrap_or_else(|| username.to_string())
    };
    let mut tasks = detail.tasks.clone();
    for t in &mut tasks {
        t.department = snap.department_name(&t.department).to_string();
        t.completed_by = person(&t.completed_by);
    }
    let mut c_materials = detail.materials.clone();
    for m in &mut c_materials {
        m.verified_by = m.verified_by.as_deref().map(&person);
    }
    let mut record = detail.case.clone();
    record.applicant = super::views::applicant_for(user, c);
    record.first_clerk = person(&record.first_clerk);
    record.accepted_by = person(&record.accepted_by);
    record.decided_by = person(&record.decided_by);
    let times = (record.submitted_at.beijing(), record.accepted_at.map(|t| t.beijing()), record.closed_at.map(|t| t.beijing()));
    // The resubmission form offers what was asked for: the corrections, or the materials owed.
    let asked: Vec<String> = if c.state == CaseState::CorrectionRequested {
        c.corrections.iter().map(|x| x.material.clone()).collect()
    } else {
        c.deficiencies.iter().filter(|d| !d.supplied).map(|d| d.material.clone()).collect()
    };
    let calendar = state.calendar.get();
    let today = state.clock.today();
    let running = c.clock.as_ref().filter(|k| k.stopped_on.is_none() && c.state.is_open());
    let handler = user.can(Permission::PauseClock);
    let t = CasePage {
        tl: crate::cases::service::explain(state, c).unwrap_or(None),
        due_provisional: c.due_date.is_some_and(|d| calendar.is_provisional(d)),
        tl_badge: crate::cases::time_limit::badge(c.clock.as_ref(), &calendar, today),
        can_pause: handler && running.is_some_and(|k| k.is_running()),
        can_resume: handler && running.is_some_and(|k| k.open_pause().is_some_and(|p| p.kind != PauseKind::Deficiency)),
        extend_room: running
            .filter(|k| {
                user.can(Permission::ExtendTimeLimit)
                    && k.extension.is_none()
                    && k.level(&calendar, today).is_ok_and(|l| l != WarningLevel::Overdue)
            })
            .map(|k| k.legal_days.saturating_sub(k.promised_days))
            .unwrap_or(0),
        pause_kinds: PauseKind::ALL.iter().filter(|k| **k != PauseKind::Deficiency).map(|k| (k.code(), k.label_zh())).collect(),
        page: Page::new(format!("办件 {}", c.number), Some(user)),
        applicant_id: super::views::applicant_for(user, c).id_number,
        channel: c.channel.label_zh(),
        department: snap.department_name(&c.handling_department).to_string(),
        delivery: c.delivery_method.unwrap_or(DeliveryMethod::Window).label_zh(),
        message,
        errors,
        documents: detail.documents.iter().map(|d| (d.clone(), document_title(d))).collect(),
        missing: detail.missing.clone(),
        requirements: spec
            .as_ref()
            .map(|s| s.materials.iter().map(|m| (m.name.clone(), detail.missing.contains(&m.name))).collect())
            .unwrap_or_default(),
        can_accept: user.can(Permission::AcceptAtWindow) && c.state == CaseState::Submitted,
        can_resubmit: (owner || user.can(Permission::AcceptAtWindow))
            && (c.state == CaseState::CorrectionRequested || (outstanding && c.state.is_open())),
        can_withdraw: owner && c.state.is_open(),
        can_order_inspection: user.can(Permission::OrderInspection) && c.state == CaseState::InReview && open_inspection.is_none(),
        can_decide: user.can(Permission::Decide) && ready && !forwarding,
        can_forward: user.can(Permission::Decide) && ready && forwarding,
        can_reply: user.can(Permission::RecordReply) && c.state == CaseState::Forwarded,
        can_deliver: user.can(Permission::DeliverResult) && matches!(c.state, CaseState::Approved | CaseState::Denied),
        can_confirm: user.can(Permission::DeliverResult) && c.state == CaseState::Delivered,
        departments: snap.departments.iter().map(|d| (d.code.clone(), d.name.clone())).collect(),
        open_inspection: open_inspection.filter(|_| user.can(Permission::RecordInspection)),
        my_tasks,
        c_materials,
        tasks,
        inspections: detail.inspections.clone(),
        events,
        submitted_local: times.0,
        accepted_local: times.1,
        closed_local: times.2,
        asked,
        deficiency_days: spec.as_ref().map(|s| s.promised_limit_days.clamp(1, 5)).unwrap_or(1),
        c: record,
    };
    let status = if t.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, render(&t)).into_response()
}

fn document_title(kind: &str) -> &'static str {
    match kind {
        "intake-receipt" => "收件凭证",
        "acceptance-notice" => "受理通知书",
        "deficiency-notice" => "容缺受理通知书",
        "correction-notice" => "补正材料通知书",
        "refusal-decision" => "不予受理决定书",
        "denial-decision" => "不予许可决定书",
        _ => "文书",
    }
}

/// `GET /cases/{number}`.
pub async fn detail(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(number): Path<String>,
    Query(d): Query<DoneParam>,
) -> Response {
    let Some(user) = user else { return login_redirect(&format!("/cases/{number}")) };
    case_page(&state, &user, &number, d.done.as_deref().and_then(done_message), vec![]).await
}

/// `POST /cases/{number}`: every action of the case page, by its `action` field.
pub async fn act(State(state): State<AppState>, MaybeUser(user): MaybeUser, Path(number): Path<String>, multipart: Multipart) -> Response {
    post_case_form(&state, user, &number, multipart, perform).await
}

/// A form of the case page posted: read, its CSRF token checked, its `action` done by
/// `perform`. Success goes back to the case page saying what was done; a refusal shows the
/// page again with the reasons.
pub async fn post_case_form<F>(state: &AppState, user: Option<CurrentUser>, number: &str, multipart: Multipart, perform: F) -> Response
where
    F: AsyncFn(&AppState, &CurrentUser, &str, &str, &Posted) -> Result<(), ApiError>,
{
    let Some(user) = user else { return login_redirect(&format!("/cases/{number}")) };
    let form = match read_form(multipart).await {
        Ok(f) => f,
        Err(e) => return html_error(e, Some(&user)),
    };
    if let Err(r) = check_csrf(&user, Some(&form.get("csrf"))) {
        return r;
    }
    // A form submitted twice (a double click, a reload, the back button) does nothing the
    // second time: it says which case version it was drawn from, and once the same user has
    // acted on the case since, it has gone through already.
    if let Ok(version) = form.get("version").parse::<i64>() {
        match acted_since(state, &user, number, version).await {
            Ok(true) => return see_other(&format!("/cases/{number}?done=already")),
            Ok(false) => {}
            Err(e) => return html_error(e, Some(&user)),
        }
    }
    let action = form.get("action");
    match perform(state, &user, number, &action, &form).await {
        Ok(()) => see_other(&format!("/cases/{number}?done={action}")),
        Err(e) if e.status.is_server_error() || e.status == StatusCode::NOT_FOUND => html_error(e, Some(&user)),
        Err(e) => case_page(state, &user, number, None, crate::web::problem_lines_of(&e)).await,
    }
}

/// Whether `user` has acted on case `number` after its event `version`.
async fn acted_since(state: &AppState, user: &CurrentUser, number: &str, version: i64) -> Result<bool, ApiError> {
    let events = state.store.case_events(number).await?;
    Ok(events.iter().any(|e| e.seq > version && e.actor == user.user.username))
}

async fn perform(state: &AppState, user: &CurrentUser, number: &str, action: &str, form: &Posted) -> Result<(), ApiError> {
    // Who may act comes before what the form holds.
    let role = acting_role(user, action)?;
    let body = match action {
        "accept-with-deficiency" => {
            let days: u32 = form.get("deadline_days").parse().unwrap_or(5);
            ActionBody {
                missing: form.all("missing").into_iter().map(|m| MissingInput { material: m, deadline_days: days }).collect(),
                ..Default::default()
            }
        }
        "request-correction" => ActionBody {
            corrections: form
                .fields
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("correction:")
                        .filter(|_| !v.trim().is_empty())
                        .map(|m| Correction { material: m.to_string(), reason: v.trim().to_string() })
                })
                .collect(),
            reason: form.get("reason"),
            ..Default::default()
        },
        "resubmit" => {
            let mut materials = Vec::new();
            for (field, name, bytes) in &form.files {
                let Some(requirement) = field.strip_prefix("file:") else { continue };
                materials.push(Attachment {
                    requirement: requirement.to_string(),
                    material_id: store_upload(state, user, "", name, bytes).await?.id,
                });
            }
            ActionBody { materials, ..Default::default() }
        }
        // A decision is made on purpose: nothing is preselected, and the leader confirms it.
        "decide" if form.get("confirm").is_empty() => {
            return Err(ApiError::validation(
                serde_json::json!([{"field": "confirm", "message_zh": "请核对后勾选“确认作出此决定”", "message_en": "confirm the decision"}]),
            ));
        }
        "decide" | "record-reply" => ActionBody {
            outcome: Some(form.choice::<Outcome>("outcome", "决定结果")?),
            reason: form.get("reason"),
            legal_basis: form.get("legal_basis"),
            reference: form.get("reference"),
            ..Default::default()
        },
        "pause" => ActionBody { kind: PauseKind::parse(&form.get("kind")), reason: form.get("reason"), ..Default::default() },
        "extend" => ActionBody { days: form.get("days").trim().parse().ok(), reason: form.get("reason"), ..Default::default() },
        "deliver" => ActionBody { method: Some(form.choice::<DeliveryMethod>("method", "送达方式")?), ..Default::default() },
        _ => ActionBody {
            comment: form.get("comment"),
            reason: form.get("reason"),
            legal_basis: form.get("legal_basis"),
            to: form.get("to"),
            reference: form.get("reference"),
            ..Default::default()
        },
    };
    run(state, user, role, number, action, body).await.map(|_| ())
}

/// `GET /materials/{id}`: a material, to the applicant who owns the case or staff.
pub async fn material(State(state): State<AppState>, MaybeUser(user): MaybeUser, Path(id): Path<i64>) -> Response {
    let Some(user) = user else { return login_redirect(&format!("/materials/{id}")) };
    let loaded = async {
        let meta = state.store.material(id).await?;
        let case = state.store.material_case(id).await?;
        Ok::<_, onewindow_store::StoreError>((meta, case))
    }
    .await;
    let (meta, case) = match loaded {
        Ok(x) => x,
        Err(e) => return html_error(e.into(), Some(&user)),
    };
    let Some(meta) = meta else { return error_page(StatusCode::NOT_FOUND, Some(&user), "未找到材料", "该材料不存在。") };
    let allowed = meta.uploaded_by == user.user.id
        || user.can(Permission::StaffArea)
        || case.as_ref().is_some_and(|(_, owner)| *owner == Some(user.user.id));
    if !allowed {
        return error_page(StatusCode::FORBIDDEN, Some(&user), "无权查看", "您无权查看该材料。");
    }
    match state.store.material_content(id).await {
        Ok(Some(bytes)) => {
            ([(header::CONTENT_TYPE, meta.content_type), (header::CONTENT_DISPOSITION, "inline".to_string())], bytes).into_response()
        }
        Ok(None) => error_page(StatusCode::NOT_FOUND, Some(&user), "未找到材料", "该材料不存在。"),
        Err(e) => html_error(e.into(), Some(&user)),
    }
}

#[derive(Template)]
#[template(path = "cases/desk.html")]
struct DeskPage {
    page: Page,
    point: String,
    queue: Vec<CaseSummary>,
    outgoing: Vec<CaseSummary>,
}

/// `GET /desk`: the window clerk's workstation — every department's applications waiting at
/// this service point, oldest first, and results waiting to go out.
pub async fn desk(State(state): State<AppState>, MaybeUser(user): MaybeUser) -> Response {
    let Some(user) = user else { return login_redirect("/desk") };
    let point = user.user.service_point_id;
    let loaded = async {
        let points = state.store.service_points().await?;
        let queue = state
            .store
            .list_cases(
                &CaseFilter { state: Some(CaseState::Submitted), service_point_id: point, oldest_first: true, ..Default::default() },
                100,
            )
            .await?;
        let mut outgoing =
            state.store.list_cases(&CaseFilter { state: Some(CaseState::Approved), oldest_first: true, ..Default::default() }, 100).await?;
        outgoing.extend(
            state.store.list_cases(&CaseFilter { state: Some(CaseState::Denied), oldest_first: true, ..Default::default() }, 100).await?,
        );
        Ok::<_, onewindow_store::StoreError>((points, queue, outgoing))
    }
    .await;
    match loaded {
        Ok((points, queue, outgoing)) => {
            let name = points.iter().find(|p| Some(p.id) == point).map(|p| p.name.clone()).unwrap_or_else(|| "全部服务网点".into());
            render(&DeskPage { page: Page::new("综合窗口", Some(&user)), point: name, queue, outgoing })
        }
        Err(e) => html_error(e.into(), Some(&user)),
    }
}

#[derive(Template)]
#[template(path = "cases/track.html")]
struct TrackPage {
    page: Page,
    number: String,
    code: String,
    not_found: bool,
    view: Option<TrackView>,
    tl_badge: Option<crate::cases::time_limit::Badge>,
}

/// `?number=&code=`.
#[derive(Debug, Default, Deserialize)]
pub struct TrackParams {
    number: Option<String>,
    code: Option<String>,
}

/// `GET /track`: public progress by case number and query code; no log-in.
pub async fn track(State(state): State<AppState>, MaybeUser(user): MaybeUser, Query(p): Query<TrackParams>) -> Response {
    let (number, code) = (p.number.unwrap_or_default(), p.code.unwrap_or_default());
    let key = format!("track:{}", number.trim());
    if !number.is_empty() && state.throttle.locked_minutes(&key, state.clock.now()).is_some() {
        return error_page(StatusCode::TOO_MANY_REQUESTS, user.as_ref(), "查询过于频繁", "该办件的查询码输错次数过多，请15分钟后再试。");
    }
    let view = if number.is_empty() || code.is_empty() {
        None
    } else {
        match track_view(&state, &number, &code).await {
            Ok(Some(mut v)) => {
                v.submitted_at = local_time(&v.submitted_at);
                v.closed_at = v.closed_at.as_deref().map(local_time);
                for step in &mut v.steps {
                    step.started_at = local_time(&step.started_at);
                    step.ended_at = step.ended_at.as_deref().map(local_time);
                }
                Some(v)
            }
            Ok(None) => {
                state.throttle.failed(&key, state.clock.now());
                None
            }
            Err(e) => return html_error(e, user.as_ref()),
        }
    };
    let not_found = !number.is_empty() && !code.is_empty() && view.is_none();
    let tl_badge = view.as_ref().and_then(|v| v.time_limit.as_ref()).map(crate::cases::time_limit::badge_of);
    let t = TrackPage { page: Page::new("办件进度查询", user.as_ref()), number, code, not_found, view, tl_badge };
    let status = if not_found { StatusCode::NOT_FOUND } else { StatusCode::OK };
    (status, render(&t)).into_response()
}

/// `GET /cases/{number}/documents/{kind}.pdf`: the printable notice.
pub async fn document(State(state): State<AppState>, MaybeUser(user): MaybeUser, Path((number, file)): Path<(String, String)>) -> Response {
    let Some(user) = user else { return login_redirect(&format!("/cases/{number}")) };
    match crate::cases::documents::render(&state, &user, &number, &file).await {
        Ok(pdf) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"{number}-{file}\"")),
            ],
            pdf,
        )
            .into_response(),
        Err(e) => html_error(e, Some(&user)),
    }
}
