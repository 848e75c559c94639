//! The case API: materials, submission, the window's and the back office's actions, tasks,
//! inspections, lists, the audit log of a case, and public tracking.

use crate::auth::{CurrentUser, MaybeUser};
use crate::problem::ApiError;
use crate::routes::extract::{ApiJson, ApiJsonOrEmpty, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use onewindow_core::case::clock::{Explanation, PauseKind};
use onewindow_core::case::{
    Applicant, ApplicantKind, Attachment, CaseError, CaseState, Channel, Command, Correction, DeliveryMethod, InspectionKind, Opinion,
    Outcome, QUERY_CODE_ALPHABET, QUERY_CODE_LEN, TaskKind, missing_requirements,
};
use onewindow_core::role::{Permission, Role};
use onewindow_store::{
    Acted, CaseEvent, CaseFilter, CaseMaterial, CasePage, CaseRecord, CaseSummary, CommandContext, CommandError, InspectionRecord, NewCase,
    NewMaterial, TaskRecord,
};
use serde::{Deserialize, Serialize};

/// Largest material upload.
pub const MATERIAL_SIZE_BYTES_MAX: usize = 20 * 1024 * 1024;
const IDEMPOTENCY_KEY_CHARS_MAX: usize = 100;

impl From<CommandError> for ApiError {
    fn from(e: CommandError) -> ApiError {
        match e {
            CommandError::Store(s) => s.into(),
            CommandError::Case(c) => case_error(c),
        }
    }
}

/// Maps the core's refusal to a problem: illegal transitions and unready cases 409, roles 403,
/// bad fields 422.
pub fn case_error(e: CaseError) -> ApiError {
    match e {
        CaseError::Transition(t) => {
            let onewindow_core::case::TransitionError::NotAllowed { state, action } = t;
            ApiError::conflict(
                format!("办件当前状态为“{}”，不能执行“{}”", state.label_zh(), action.label_zh()),
                format!("the case is {}; {} is not allowed", state.code(), action.code()),
            )
            .with_errors(serde_json::json!({"state": state.code(), "action": action.code()}))
        }
        CaseError::Role(role) => ApiError::forbidden(&format!("以“{}”身份执行此操作", role.label_zh()), "do this in your role"),
        CaseError::Invalid(field, zh, en) => {
            ApiError::validation(serde_json::json!([{"field": field, "message_zh": zh, "message_en": en}]))
        }
        CaseError::NotReady(zh, en) => ApiError::conflict(zh, en),
    }
}

/// A stored material.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MaterialCreated {
    /// Identifier to attach to a case.
    pub id: i64,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Size.
    pub size_bytes: i64,
    /// Detected type.
    pub content_type: String,
}

/// The content type a file really has, from its first bytes; `None` when not allowed.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(b"PK\x03\x04") {
        // OFD, the Chinese standard for electronic documents (GB/T 33190), is a zip container.
        Some("application/ofd")
    } else {
        None
    }
}

/// Stores an upload for `user`; shared by the API and the forms.
pub async fn store_upload(
    state: &AppState,
    user: &CurrentUser,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<onewindow_store::MaterialMeta, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::validation(
            serde_json::json!([{"field": "file", "message_zh": "文件为空", "message_en": "the file is empty"}]),
        ));
    }
    if bytes.len() > MATERIAL_SIZE_BYTES_MAX {
        return Err(ApiError::validation(
            serde_json::json!([{"field": "file", "message_zh": "文件不能超过20MB", "message_en": "the file is larger than 20 MiB"}]),
        ));
    }
    let Some(content_type) = sniff(bytes) else {
        return Err(ApiError::validation(serde_json::json!([{"field": "file",
            "message_zh": "只接受PDF、JPG、PNG或OFD格式的文件", "message_en": "only PDF, JPEG, PNG or OFD files are accepted"}])));
    };
    let name: String = file_name.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(200).collect();
    let m = NewMaterial {
        uploaded_by: user.user.id,
        kind: kind.trim(),
        file_name: if name.is_empty() { "upload" } else { &name },
        content_type,
        content: bytes,
    };
    Ok(state.store.store_material(&m, state.clock.now()).await?)
}

/// Uploads a material (multipart: `file`, `kind`). Any logged-in user; stored once per content.
#[utoipa::path(post, path = "/api/v1/materials", tag = "cases",
    request_body(content = String, description = "multipart/form-data with `file` and `kind`", content_type = "multipart/form-data"),
    responses((status = 201, body = MaterialCreated), (status = 401, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
pub async fn upload_material(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<MaterialCreated>), ApiError> {
    let (mut kind, mut file, mut file_name) = (String::new(), None, String::new());
    while let Some(field) =
        multipart.next_field().await.map_err(|e| ApiError::bad_request(format!("上传内容无法读取：{e}"), e.to_string()))?
    {
        match field.name() {
            Some("kind") => kind = field.text().await.map_err(|e| ApiError::bad_request("kind无法读取", e.to_string()))?,
            Some("file") => {
                file_name = field.file_name().unwrap_or("upload").to_string();
                file = Some(field.bytes().await.map_err(|e| {
                    ApiError::validation(
                        serde_json::json!([{"field": "file", "message_zh": "文件过大或上传中断", "message_en": e.to_string()}]),
                    )
                })?);
            }
            _ => {}
        }
    }
    let Some(bytes) = file else {
        return Err(ApiError::validation(
            serde_json::json!([{"field": "file", "message_zh": "请选择要上传的文件", "message_en": "no file"}]),
        ));
    };
    let m = store_upload(&state, &user, &kind, &file_name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(MaterialCreated { id: m.id, sha256: m.sha256, size_bytes: m.size_bytes, content_type: m.content_type })))
}

/// The applicant in a submission.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApplicantInput {
    /// `person` or `organisation`.
    pub kind: ApplicantKind,
    /// Name.
    pub name: String,
    /// Identity number (person) or unified social credit code (organisation).
    pub id_number: String,
    /// Telephone.
    #[serde(default)]
    pub phone: String,
    /// Postal address for express delivery.
    #[serde(default)]
    pub address: String,
}

/// An application.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SubmitCase {
    /// Item code.
    pub item_code: String,
    /// The applicant.
    pub applicant: ApplicantInput,
    /// `online`, `window`, `agent` or `kiosk` (default: online for applicants, window for clerks).
    pub channel: Option<Channel>,
    /// For `agent`: who applies on the applicant's behalf.
    #[serde(default)]
    pub agent: String,
    /// Form data (`commitment: true` signs the written commitment of 告知承诺 items).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// Materials given, by requirement.
    #[serde(default)]
    pub materials: Vec<Attachment>,
    /// Service point the application goes to (default: the district hall).
    pub service_point_id: Option<i64>,
}

/// A submitted application.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmittedView {
    /// Case number.
    pub number: String,
    /// Query code, printed on notices, to track the case at `/track`.
    pub query_code: String,
    /// State.
    pub state: CaseState,
    /// Required materials not given (the clerk decides: 容缺受理 or 一次性告知).
    pub missing: Vec<String>,
}

pub fn new_query_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..QUERY_CODE_LEN).map(|_| QUERY_CODE_ALPHABET[rng.random_range(0..QUERY_CODE_ALPHABET.len())] as char).collect()
}

/// Submits an application; shared by the API and the forms.
pub async fn submit(
    state: &AppState,
    user: &CurrentUser,
    body: SubmitCase,
    idempotency_key: Option<&str>,
) -> Result<(SubmittedView, bool), ApiError> {
    let (role, channel) = if user.user.roles.contains(&Role::Clerk) {
        (Role::Clerk, body.channel.unwrap_or(Channel::Window))
    } else if user.user.roles.contains(&Role::Applicant) {
        (Role::Applicant, body.channel.filter(|c| matches!(c, Channel::Agent | Channel::Kiosk)).unwrap_or(Channel::Online))
    } else {
        return Err(ApiError::forbidden("提交申请（仅申请人或综合窗口）", "submit applications (applicants and window clerks only)"));
    };
    if channel == Channel::Agent && body.agent.trim().is_empty() {
        return Err(ApiError::validation(
            serde_json::json!([{"field": "agent", "message_zh": "代办申请须填写代办人", "message_en": "an agent application names the agent"}]),
        ));
    }
    let a = &body.applicant;
    let applicant = Applicant::parse(a.kind, &a.name, &a.id_number, &a.phone, &a.address).map_err(|e| {
        ApiError::validation(
            serde_json::json!([{"field": "applicant.id_number", "message_zh": e.message_zh(), "message_en": e.to_string()}]),
        )
    })?;
    let snap = state.catalogue.get(&state.store).await?;
    let item = snap
        .item(&body.item_code)
        .ok_or_else(|| ApiError::not_found(format!("事项{}不存在", body.item_code), format!("no item {}", body.item_code)))?;
    if !item.spec.takes_applications() {
        return Err(ApiError::conflict("该事项已取消，不再受理申请", "the item is cancelled and takes no applications"));
    }
    let point = match body.service_point_id.or(user.user.service_point_id) {
        Some(id) => state.store.service_point(Some(id)).await?.ok_or_else(|| {
            ApiError::validation(
                serde_json::json!([{"field": "service_point_id", "message_zh": "服务网点不存在", "message_en": "no such service point"}]),
            )
        })?,
        None => state.store.service_point(None).await?.ok_or_else(|| ApiError::internal("no service hall configured"))?,
    };
    let key = match idempotency_key {
        Some(k) if k.is_empty() || k.len() > IDEMPOTENCY_KEY_CHARS_MAX => {
            return Err(ApiError::bad_request("Idempotency-Key 应为1至100个字符", "Idempotency-Key must have 1 to 100 characters"));
        }
        Some(k) => Some(format!("{}:{k}", user.user.id)),
        None => None,
    };
    let form = if body.form.is_null() { serde_json::json!({}) } else { body.form };
    let query_code = new_query_code();
    let new = NewCase {
        item: &item.spec,
        item_version: item.version,
        applicant: &applicant,
        applicant_user_id: (role == Role::Applicant).then_some(user.user.id),
        channel,
        agent: body.agent.trim(),
        service_point_id: Some(point.id),
        first_clerk: if role == Role::Clerk { &user.user.username } else { "" },
        form: &form,
        materials: &body.materials,
        idempotency_key: key.as_deref(),
        query_code: &query_code,
        region_code: &point.region_code[..6],
        today: state.clock.today(),
        any_material: role == Role::Clerk,
    };
    let done = state.store.submit_case(&new, &state.actor(&user.user, role)).await?;
    let provided: Vec<String> = match done.attached {
        Some(attached) => attached,
        // An earlier submission returned by its key: what it has now.
        None => state.store.case_materials(&done.number).await?.into_iter().map(|m| m.requirement).collect(),
    };
    let provided: Vec<&str> = provided.iter().map(String::as_str).collect();
    let missing = missing_requirements(&item.spec, &provided).into_iter().map(String::from).collect();
    tracing::info!(case_number = %done.number, created = done.created, "Submitted case {}", done.number);
    Ok((SubmittedView { number: done.number, query_code: done.query_code, state: done.state, missing }, done.created))
}

/// Submits an application. Send an `Idempotency-Key` header: a retry with the same key returns
/// the first case (200) instead of making a second one (201).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = SubmitCase,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = SubmittedView), (status = 200, body = SubmittedView), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
pub async fn create_case(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SubmitCase>,
) -> Result<(StatusCode, Json<SubmittedView>), ApiError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let (view, created) = submit(&state, &user, body, key).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(view)))
}

/// Everything about a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    /// The case.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub case: CaseRecord,
    /// Chinese label of the state.
    pub state_label: String,
    /// Required materials still without a material.
    pub missing: Vec<String>,
    /// Tasks.
    #[schema(value_type = Vec<Object>)]
    pub tasks: Vec<TaskRecord>,
    /// Materials.
    #[schema(value_type = Vec<Object>)]
    pub materials: Vec<CaseMaterial>,
    /// Inspections.
    #[schema(value_type = Vec<Object>)]
    pub inspections: Vec<InspectionRecord>,
    /// Documents that can be printed, as `kind`s for `/documents/{kind}.pdf`.
    pub documents: Vec<String>,
    /// The time limit as of today (days used and remaining, warning level, why the due date),
    /// once accepted.
    pub time_limit: Option<Explanation>,
}

/// Whether `user` may read `case`: staff other than departmental supervisors read every case
/// (one window serves all departments); supervisors their department's; applicants their own.
pub fn may_read(user: &CurrentUser, case: &CaseRecord, tasks: &[TaskRecord]) -> bool {
    let roles = &user.user.roles;
    if roles.iter().any(|r| matches!(r, Role::Clerk | Role::Reviewer | Role::Leader | Role::Officer | Role::Auditor | Role::Sysadmin)) {
        return true;
    }
    if roles.contains(&Role::Supervisor) {
        let dept = user.user.department_code.as_deref();
        return dept == Some(case.handling_department.as_str()) || tasks.iter().any(|t| Some(t.department.as_str()) == dept);
    }
    case.applicant_user_id == Some(user.user.id)
}

/// The documents a case in this state has.
pub fn documents_of(case: &CaseRecord) -> Vec<String> {
    let mut docs = Vec::new();
    if case.accepted_at.is_some() {
        docs.push(if case.deficiencies.is_empty() { "acceptance-notice" } else { "deficiency-notice" }.to_string());
    }
    if case.correction_rounds > 0 {
        docs.push("correction-notice".into());
    }
    if case.state == CaseState::Refused {
        docs.push("refusal-decision".into());
    }
    if case.outcome.as_deref() == Some("denied") {
        docs.push("denial-decision".into());
    }
    docs
}

/// Loads a case the user may read, with everything around it.
pub async fn load_detail(state: &AppState, user: &CurrentUser, number: &str) -> Result<CaseDetail, ApiError> {
    let CasePage { case, tasks, materials, inspections } = state
        .store
        .case_page(number)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("办件{number}不存在"), format!("no case {number}")))?;
    if !may_read(user, &case, &tasks) {
        return Err(ApiError::forbidden("查看该办件", "read this case"));
    }
    let spec = state.store.item_spec(&case.item_code, case.item_version).await?;
    let provided: Vec<&str> = materials.iter().map(|m| m.requirement.as_str()).collect();
    let missing = spec.as_ref().map(|s| missing_requirements(s, &provided).into_iter().map(String::from).collect()).unwrap_or_default();
    Ok(CaseDetail {
        time_limit: explain(state, &case).unwrap_or(None),
        state_label: case.state.label_zh().into(),
        documents: documents_of(&case),
        missing,
        tasks,
        materials,
        inspections,
        case,
    })
}

/// Reads a case: state, dates, tasks, materials, inspections, documents.
#[utoipa::path(get, path = "/api/v1/cases/{number}", tag = "cases", params(("number" = String, Path, description = "Case number")),
    responses((status = 200, body = CaseDetail), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)))]
pub async fn get_case(State(state): State<AppState>, user: CurrentUser, Path(number): Path<String>) -> Result<Json<CaseDetail>, ApiError> {
    Ok(Json(load_detail(&state, &user, &number).await?))
}

/// Why the due date is what it is, as of today.
pub fn explain(state: &AppState, case: &CaseRecord) -> Result<Option<Explanation>, ApiError> {
    let Some(clock) = &case.clock else {
        return Ok(None);
    };
    clock.explain(&state.calendar.get(), state.clock.today()).map(Some).map_err(|e| {
        ApiError::conflict(
            format!("工作日历尚未覆盖该日期，请联系系统管理员录入节假日安排（{e}）"),
            format!("the calendar does not cover the date: {e}"),
        )
    })
}

/// Why this due date: when counting started and why, each holiday and weekend skipped, each
/// adjusted working day counted, each pause with its reason and length, any extension, the
/// days used and remaining, and the warning level — with the same in plain Chinese.
#[utoipa::path(get, path = "/api/v1/cases/{number}/deadline", tag = "cases", params(("number" = String, Path, description = "Case number")),
    responses((status = 200, body = Explanation), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
pub async fn case_deadline(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(number): Path<String>,
) -> Result<Json<Explanation>, ApiError> {
    let detail = load_detail(&state, &user, &number).await?;
    explain(&state, &detail.case)?
        .map(Json)
        .ok_or_else(|| ApiError::conflict("办件尚未受理，办理时限尚未开始计算", "the case is not accepted; no time limit runs yet"))
}

/// A case's audit log (staff and auditors; not applicants).
#[utoipa::path(get, path = "/api/v1/cases/{number}/events", tag = "cases", params(("number" = String, Path, description = "Case number")),
    responses((status = 200, body = Vec<Object>), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)))]
pub async fn list_case_events(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(number): Path<String>,
) -> Result<Json<Vec<CaseEvent>>, ApiError> {
    user.require(Permission::StaffArea, "查看办件日志", "read case logs")?;
    let detail = load_detail(&state, &user, &number).await?;
    Ok(Json(state.store.case_events(&detail.case.number).await?))
}

/// Case list filters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// State code.
    pub state: Option<String>,
    /// Handling department code.
    pub department: Option<String>,
    /// Item code.
    pub item: Option<String>,
    /// Applicant id number or name.
    pub applicant: Option<String>,
    /// Submitted on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Submitted on or before (YYYY-MM-DD).
    pub to: Option<String>,
    /// Page size (default 50, at most 200).
    pub limit: Option<i64>,
    /// Cursor: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of cases.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseList {
    /// Cases, newest first.
    #[schema(value_type = Vec<Object>)]
    pub cases: Vec<CaseSummary>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

fn date_param(field: &str, v: &Option<String>) -> Result<Option<String>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<jiff::civil::Date>()
            .map(|d| Some(d.to_string()))
            .map_err(|_| ApiError::bad_request(format!("{field}应为YYYY-MM-DD格式的日期"), format!("{field} must be YYYY-MM-DD"))),
    }
}

/// Lists cases, newest first, scoped by role: applicants see their own, departmental
/// supervisors their department's, other staff all.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = CaseList), (status = 400, body = crate::problem::Problem), (status = 401, body = crate::problem::Problem)))]
pub async fn list_cases(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> Result<Json<CaseList>, ApiError> {
    let mut f = CaseFilter {
        state: match q.state.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                CaseState::parse(s).ok_or_else(|| ApiError::bad_request(format!("未知的办件状态“{s}”"), format!("unknown state {s:?}")))?,
            ),
        },
        department: q.department.filter(|s| !s.is_empty()),
        item: q.item.filter(|s| !s.is_empty()),
        applicant: q.applicant.filter(|s| !s.is_empty()),
        from: date_param("from", &q.from)?,
        to: date_param("to", &q.to)?,
        before: q.cursor.filter(|s| !s.is_empty()),
        ..Default::default()
    };
    let staff = user
        .user
        .roles
        .iter()
        .any(|r| matches!(r, Role::Clerk | Role::Reviewer | Role::Leader | Role::Officer | Role::Auditor | Role::Sysadmin));
    if !staff {
        if user.user.roles.contains(&Role::Supervisor) {
            f.department = user.user.department_code.clone();
        } else {
            f.applicant_user_id = Some(user.user.id);
        }
    }
    let limit = q.limit.unwrap_or(50);
    let cases = state.store.list_cases(&f, limit).await?;
    let next_cursor =
        (cases.len() as i64 == limit.clamp(1, onewindow_store::CASE_PAGE_MAX)).then(|| cases.last().map(|c| c.number.clone())).flatten();
    Ok(Json(CaseList { cases, next_cursor }))
}

/// The body of a case action; which fields matter depends on the action.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionBody {
    /// accept: remark.
    #[serde(default)]
    pub comment: String,
    /// accept-with-deficiency: missing materials and working days to supply each.
    #[serde(default)]
    pub missing: Vec<MissingInput>,
    /// request-correction: every correction at once.
    #[serde(default)]
    pub corrections: Vec<Correction>,
    /// request-correction, refuse, withdraw, decide: reasons.
    #[serde(default)]
    pub reason: String,
    /// refuse, decide (denied): legal basis.
    #[serde(default)]
    pub legal_basis: String,
    /// resubmit: materials.
    #[serde(default)]
    pub materials: Vec<Attachment>,
    /// decide, record-reply: outcome.
    pub outcome: Option<Outcome>,
    /// deliver: method.
    pub method: Option<DeliveryMethod>,
    /// deliver (express): courier; the platform's courier when absent.
    #[serde(default)]
    pub courier: String,
    /// deliver (express): tracking number; booked with the courier when absent.
    #[serde(default)]
    pub tracking_number: String,
    /// forward: the higher authority.
    #[serde(default)]
    pub to: String,
    /// forward, record-reply: document reference.
    #[serde(default)]
    pub reference: String,
    /// pause: why the clock stops (applicant, expert_review, hearing, inspection, public_notice).
    pub kind: Option<PauseKind>,
    /// extend: working days to add.
    pub days: Option<u32>,
}

/// A missing material accepted with a deadline.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MissingInput {
    /// Requirement name.
    pub material: String,
    /// Working days to supply it.
    pub deadline_days: u32,
}

fn command_of(state: &AppState, action: &str, b: ActionBody, case_number: &str, address: &str) -> Result<Command, ApiError> {
    let need = |field: &str, zh: &str| {
        ApiError::validation(serde_json::json!([{"field": field, "message_zh": zh, "message_en": format!("{field} is required")}]))
    };
    Ok(match action {
        "accept" => Command::Accept { comment: b.comment },
        "accept-with-deficiency" => {
            if b.missing.is_empty() {
                return Err(need("missing", "容缺受理须列出缺少的材料及补交期限"));
            }
            Command::AcceptWithDeficiency { missing: b.missing.into_iter().map(|m| (m.material, m.deadline_days)).collect() }
        }
        "request-correction" => Command::RequestCorrection { corrections: b.corrections, reason: b.reason },
        "resubmit" => Command::Resubmit { materials: b.materials },
        "refuse" => Command::Refuse { reason: b.reason, legal_basis: b.legal_basis },
        "withdraw" => Command::Withdraw { reason: b.reason },
        "decide" => Command::Decide {
            outcome: b.outcome.ok_or_else(|| need("outcome", "请选择准予或不予许可"))?,
            reason: b.reason,
            legal_basis: b.legal_basis,
        },
        "forward" => Command::Forward { to: b.to, reference: b.reference },
        "record-reply" => Command::RecordReply {
            outcome: b.outcome.ok_or_else(|| need("outcome", "请选择上级机关的答复结果"))?,
            reference: b.reference,
            reason: b.reason,
        },
        "deliver" => {
            let method = b.method.ok_or_else(|| need("method", "请选择送达方式"))?;
            let (mut courier, mut tracking) = (b.courier, b.tracking_number);
            if method == DeliveryMethod::Express && tracking.trim().is_empty() {
                tracking = state.courier.book(case_number, address).map_err(|_| need("address", "快递送达须有申请人的邮寄地址"))?;
                courier = state.courier.name().to_string();
            }
            Command::Deliver { method, courier, tracking_number: tracking }
        }
        "confirm-receipt" => Command::ConfirmReceipt,
        "pause" => Command::PauseClock { kind: b.kind.ok_or_else(|| need("kind", "请选择暂停计时的类别"))?, reason: b.reason },
        "resume" => Command::ResumeClock { reason: b.reason },
        "extend" => Command::Extend { days: b.days.ok_or_else(|| need("days", "请填写延期的工作日数"))?, reason: b.reason },
        other => return Err(ApiError::not_found(format!("没有“{other}”这项操作"), format!("no action {other:?}"))),
    })
}

/// The role a user acts in for a command: the first of their roles the command admits.
fn acting_role(user: &CurrentUser, action: &str) -> Role {
    let preferred: &[Role] = match action {
        "accept" | "accept-with-deficiency" | "request-correction" | "refuse" | "deliver" | "confirm-receipt" => &[Role::Clerk],
        "resubmit" | "withdraw" => &[Role::Applicant, Role::Clerk],
        "decide" | "forward" | "extend" => &[Role::Leader],
        "pause" | "resume" => &[Role::Reviewer, Role::Leader, Role::Clerk],
        "record-reply" => &[Role::Reviewer, Role::Leader],
        _ => &[],
    };
    preferred.iter().copied().find(|r| user.user.roles.contains(r)).or_else(|| user.user.roles.first().copied()).unwrap_or(Role::Applicant)
}

/// Runs a command for a user; shared by the API and the forms.
pub async fn run(state: &AppState, user: &CurrentUser, number: &str, action: &str, body: ActionBody) -> Result<Acted, ApiError> {
    let role = acting_role(user, action);
    // Staff commands go straight to the store (which answers 404 for an unknown case); an
    // applicant's needs the case first, to act only on their own, and so does an express
    // delivery booked here (the address for the courier).
    let mut address = String::new();
    let booking = action == "deliver" && body.method == Some(DeliveryMethod::Express) && body.tracking_number.trim().is_empty();
    if role == Role::Applicant || booking {
        let case = state
            .store
            .case(number)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("办件{number}不存在"), format!("no case {number}")))?;
        if role == Role::Applicant && case.applicant_user_id != Some(user.user.id) {
            return Err(ApiError::forbidden("办理他人的申请", "act on someone else's application"));
        }
        address = case.applicant.address;
    }
    let command = command_of(state, action, body, number, &address)?;
    run_command(state, user, role, number, &command).await
}

/// Runs a built command.
pub async fn run_command(state: &AppState, user: &CurrentUser, role: Role, number: &str, command: &Command) -> Result<Acted, ApiError> {
    let actor = state.actor(&user.user, role);
    let cx = CommandContext {
        actor: &actor,
        role,
        user_id: user.user.id,
        department: user.user.department_code.as_deref(),
        today: state.clock.today(),
        calendar: state.calendar.get(),
    };
    let after = state.store.run_command(number, command, &cx).await?;
    tracing::info!(case_number = %number, state = after.case.state.code(), "Case {number} is now {}", after.case.state.code());
    Ok(after)
}

/// The state of a case after an action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActionResult {
    /// Case number.
    pub number: String,
    /// New state.
    pub state: CaseState,
    /// Chinese label.
    pub state_label: String,
    /// Promised due date, once accepted.
    pub due_date: Option<String>,
    /// Tracking number of an express delivery.
    pub tracking_number: String,
    /// Ids of the case's open tasks after the action (the next ones to complete).
    pub open_tasks: Vec<i64>,
}

impl From<Acted> for ActionResult {
    fn from(Acted { case, open_tasks, .. }: Acted) -> ActionResult {
        ActionResult {
            state_label: case.state.label_zh().into(),
            state: case.state,
            due_date: case.due_date,
            tracking_number: case.tracking_number,
            number: case.number,
            open_tasks,
        }
    }
}

/// Acts on a case: `accept`, `accept-with-deficiency`, `request-correction`, `resubmit`,
/// `refuse`, `withdraw`, `decide`, `forward`, `record-reply`, `deliver`, `confirm-receipt`,
/// and on its time limit: `pause` (`kind`, `reason`), `resume`, `extend` (`days`, `reason`;
/// the bureau's leader, once, within the legal limit).
/// An action the case's state does not allow is 409 naming the state and the action.
#[utoipa::path(post, path = "/api/v1/cases/{number}/{action}", tag = "cases",
    params(("number" = String, Path, description = "Case number"), ("action" = String, Path, description = "accept | accept-with-deficiency | request-correction | resubmit | refuse | withdraw | decide | forward | record-reply | deliver | confirm-receipt | pause | resume | extend")),
    request_body = ActionBody,
    responses((status = 200, body = ActionResult), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
pub async fn act_on_case(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((number, action)): Path<(String, String)>,
    ApiJsonOrEmpty(body): ApiJsonOrEmpty<ActionBody>,
) -> Result<Json<ActionResult>, ApiError> {
    let after = run(&state, &user, &number, &action, body).await?;
    Ok(Json(after.into()))
}

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
#[utoipa::path(get, path = "/api/v1/tasks", tag = "cases", params(TaskQuery),
    responses((status = 200, body = Vec<Object>), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem)))]
pub async fn list_tasks(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<TaskQuery>,
) -> Result<Json<Vec<TaskRecord>>, ApiError> {
    Ok(Json(inbox(&state, &user, q.department.as_deref()).await?))
}

/// The open tasks a user works on.
pub async fn inbox(state: &AppState, user: &CurrentUser, department: Option<&str>) -> Result<Vec<TaskRecord>, ApiError> {
    let roles = &user.user.roles;
    if !roles.iter().any(|r| matches!(r, Role::Reviewer | Role::Supervisor | Role::Leader | Role::Officer)) {
        return Err(ApiError::forbidden("查看后台任务", "read back-office tasks"));
    }
    let mine = user.user.department_code.clone().unwrap_or_default();
    let dept = department.filter(|_| roles.iter().any(|r| matches!(r, Role::Leader | Role::Officer))).unwrap_or(&mine);
    let mut tasks = state.store.open_tasks_of(dept, 200).await?;
    let bureau = state.catalogue.get(&state.store).await?.bureau().map(String::from);
    if roles.contains(&Role::Reviewer) && bureau.as_deref() == Some(mine.as_str()) {
        tasks.extend(state.store.open_opinion_tasks(200).await?.into_iter().filter(|t| t.department != mine));
    }
    tasks.sort_by_key(|t| t.id);
    Ok(tasks)
}

/// Completing a task.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CompleteTask {
    /// `approve` or `reject`.
    pub opinion: Opinion,
    /// Comment (required when rejecting).
    #[serde(default)]
    pub comment: String,
}

/// Completes a task with an opinion; the case moves to its next step, the joint opinions, or
/// the decision.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/complete", tag = "cases", params(("id" = i64, Path, description = "Task id")), request_body = CompleteTask,
    responses((status = 200, body = ActionResult), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
pub async fn complete_task(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CompleteTask>,
) -> Result<Json<ActionResult>, ApiError> {
    let after = finish_task(&state, &user, id, body).await?;
    Ok(Json(after.into()))
}

/// Shared by the API and the forms.
pub async fn finish_task(state: &AppState, user: &CurrentUser, id: i64, body: CompleteTask) -> Result<Acted, ApiError> {
    let (case_number, kind) =
        state.store.task_owner(id).await?.ok_or_else(|| ApiError::not_found(format!("任务{id}不存在"), format!("no task {id}")))?;
    let role = match kind {
        TaskKind::PostCheck => Role::Supervisor,
        TaskKind::Opinion if user.user.roles.contains(&Role::Supervisor) && !user.user.roles.contains(&Role::Reviewer) => Role::Supervisor,
        _ => Role::Reviewer,
    };
    if !user.user.roles.contains(&role) {
        return Err(ApiError::forbidden("办理该任务", "complete this task"));
    }
    let command = Command::CompleteTask { task_id: id, opinion: body.opinion, comment: body.comment };
    run_command(state, user, role, &case_number, &command).await
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

/// Orders a site inspection (reviewer).
#[utoipa::path(post, path = "/api/v1/cases/{number}/inspections", tag = "cases", params(("number" = String, Path, description = "Case number")), request_body = OrderInspection,
    responses((status = 200, body = ActionResult), (status = 403, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
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
    let after = run_command(&state, &user, Role::Reviewer, &number, &command).await?;
    Ok(Json(after.into()))
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

/// Records an inspection's findings (reviewer, or the commissioned department's supervisor).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/complete", tag = "cases", params(("id" = i64, Path, description = "Inspection id")), request_body = CompleteInspection,
    responses((status = 200, body = ActionResult), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem)))]
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
    let role = if user.user.roles.contains(&Role::Reviewer) { Role::Reviewer } else { Role::Supervisor };
    let command = Command::CompleteInspection { inspection_id: id, findings: body.findings, passed: body.passed, photos: body.photos };
    let after = run_command(&state, &user, role, &number, &command).await?;
    Ok(Json(after.into()))
}

/// Tracking parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrackQuery {
    /// Case number.
    pub number: String,
    /// Query code from the notice.
    pub code: String,
}

/// A step of the public progress view.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrackStep {
    /// What happened (Chinese).
    pub label: String,
    /// State after it.
    pub state: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When the next step began, if it has.
    pub ended_at: Option<String>,
    /// Working days the step is expected to take, from the item's guide.
    pub expected_days: Option<u32>,
}

/// The public progress of a case: no personal data beyond a masked name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrackView {
    /// Case number.
    pub number: String,
    /// Item name.
    pub item_name: String,
    /// Applicant, masked (张*明).
    pub applicant: String,
    /// State.
    pub state: CaseState,
    /// State, Chinese.
    pub state_label: String,
    /// Department now holding the case.
    pub current_department: String,
    /// Submitted (RFC 3339).
    pub submitted_at: String,
    /// Accepted (RFC 3339).
    pub accepted_at: Option<String>,
    /// Promised due date.
    pub due_date: Option<String>,
    /// Promised limit in working days.
    pub promised_limit_days: Option<u32>,
    /// Closed (RFC 3339).
    pub closed_at: Option<String>,
    /// The steps so far.
    pub steps: Vec<TrackStep>,
    /// The time limit: why the due date, pauses, the extension (once accepted).
    pub time_limit: Option<Explanation>,
}

/// Builds the public view; `None` when the number and code do not match (no hint which is wrong).
pub async fn track_view(state: &AppState, number: &str, code: &str) -> Result<Option<TrackView>, ApiError> {
    let number: String = number.chars().filter(|c| c.is_ascii_digit()).collect();
    let Some(case) = state.store.case(&number).await? else { return Ok(None) };
    if !case.query_code.eq_ignore_ascii_case(code.trim()) {
        return Ok(None);
    }
    let snap = state.catalogue.get(&state.store).await?;
    let spec = state.store.item(&case.item_code, Some(case.item_version)).await?.map(|i| i.spec);
    let events = state.store.case_events(&number).await?;
    let tasks = state.store.case_tasks(&number).await?;
    let holder = tasks.iter().rev().find(|t| t.state == "open").map(|t| t.department.clone());
    let current_department = match case.state {
        CaseState::Submitted | CaseState::CorrectionRequested | CaseState::Approved | CaseState::Denied => "综合受理窗口".to_string(),
        s if s.is_final() || s == CaseState::Delivered => "—".to_string(),
        _ => snap.department_name(holder.as_deref().unwrap_or(&case.handling_department)).to_string(),
    };
    let step_days = |label: &str| {
        spec.as_ref().and_then(|s| s.steps.iter().find(|x| label.contains(&x.name) || x.name.contains(label)).map(|x| x.days))
    };
    let shown = ["complete_task", "pause_clock", "resume_clock", "extend"];
    let visible: Vec<&CaseEvent> = events.iter().filter(|e| e.from_state != e.to_state || shown.contains(&e.action.as_str())).collect();
    let steps = visible
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let label = if e.action == "complete_task" {
                format!("{}完成", e.detail.get("name").and_then(|v| v.as_str()).unwrap_or("审查"))
            } else if matches!(e.action.as_str(), "pause_clock" | "extend") && !e.reason.is_empty() {
                format!("{}：{}", action_label(&e.action), e.reason)
            } else {
                action_label(&e.action).to_string()
            };
            let to = CaseState::parse(&e.to_state);
            // The step that ends the case (delivered, withdrawn, refused…) is an instant: it
            // ends as it starts and takes no more time.
            let ends_case = to.is_some_and(CaseState::is_final);
            TrackStep {
                state: to.map(|s| s.label_zh().to_string()).unwrap_or_default(),
                started_at: e.at.clone(),
                ended_at: visible.get(i + 1).map(|n| n.at.clone()).or_else(|| ends_case.then(|| e.at.clone())),
                expected_days: if ends_case { None } else { step_days(label.trim_end_matches("完成")) },
                label,
            }
        })
        .collect();
    Ok(Some(TrackView {
        time_limit: explain(state, &case).unwrap_or(None),
        item_name: case.item_name.clone(),
        applicant: case.applicant.masked_name(),
        state_label: case.state.label_zh().into(),
        current_department,
        submitted_at: case.submitted_at.clone(),
        accepted_at: case.accepted_at.clone(),
        due_date: case.due_date.clone(),
        promised_limit_days: spec.map(|s| s.promised_limit_days).filter(|_| case.accepted_at.is_some()),
        closed_at: case.closed_at.clone(),
        state: case.state,
        number,
        steps,
    }))
}

/// The Chinese label of an event's action code.
pub fn action_label(code: &str) -> &'static str {
    if code == "submit" {
        return "提交申请";
    }
    onewindow_core::case::Action::parse(code).map(|a| a.label_zh()).unwrap_or("办理")
}

/// Public progress of a case by number and query code (no log-in).
#[utoipa::path(get, path = "/api/v1/track", tag = "cases", params(TrackQuery),
    responses((status = 200, body = TrackView), (status = 404, body = crate::problem::Problem)))]
pub async fn track(
    State(state): State<AppState>,
    _user: MaybeUser,
    ApiQuery(q): ApiQuery<TrackQuery>,
) -> Result<Json<TrackView>, ApiError> {
    track_view(&state, &q.number, &q.code)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("办件编号或查询码不正确", "no case with that number and query code"))
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn uploads_are_recognised_by_content() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"MZ\x90\x00"), None, "executables are refused");
        assert_eq!(sniff(b"<html>"), None);
    }
}

/// A printable notice or decision of the case as an A4 PDF: `acceptance-notice`,
/// `deficiency-notice`, `correction-notice`, `refusal-decision`, `denial-decision`.
#[utoipa::path(get, path = "/api/v1/cases/{number}/documents/{file}", tag = "cases",
    params(("number" = String, Path, description = "Case number"), ("file" = String, Path, description = "`{kind}.pdf`")),
    responses((status = 200, description = "application/pdf"), (status = 403, body = crate::problem::Problem), (status = 404, body = crate::problem::Problem)))]
pub async fn get_document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((number, file)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let pdf = crate::documents::render(&state, &user, &number, &file).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}
