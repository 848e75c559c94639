//! What the case API and the case pages share: submission, running a command, reading a case
//! with everything around it, and the public progress view. No extractors, no responses.

use crate::state::AppState;
use crate::web::auth::CurrentUser;
use crate::web::problem::ApiError;
use onewindow_core::case::clock::{Explanation, PauseKind};
use onewindow_core::case::{
    Action, Applicant, ApplicantKind, Attachment, CaseError, CaseState, Channel, Command, Correction, DeliveryMethod, Outcome,
    QUERY_CODE_ALPHABET, QUERY_CODE_LEN, TransitionError, missing_requirements,
};
use onewindow_core::role::{Permission, Role};
use onewindow_store::{
    Acted, CaseEvent, CaseMaterial, CasePage, CaseRecord, CommandContext, CommandError, InspectionRecord, NewCase, NewMaterial, TaskRecord,
};
use serde::{Deserialize, Serialize};

/// Largest material upload.
pub const MATERIAL_SIZE_BYTES_MAX: usize = 20 * 1024 * 1024;

pub const IDEMPOTENCY_KEY_CHARS_MAX: usize = 100;

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
    let role = user.require(Permission::Apply)?;
    let channel = match role {
        Role::Clerk => body.channel.unwrap_or(Channel::Window),
        _ => body.channel.filter(|c| matches!(c, Channel::Agent | Channel::Kiosk)).unwrap_or(Channel::Online),
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

/// Everything about a case, as read for a user who may read it (the API shows it as a
/// [`super::views::CaseView`]).
#[derive(Debug)]
pub struct CaseDetail {
    /// The case.
    pub case: CaseRecord,
    /// Chinese label of the state.
    pub state_label: String,
    /// Required materials still without a material.
    pub missing: Vec<String>,
    /// Tasks.
    pub tasks: Vec<TaskRecord>,
    /// Materials.
    pub materials: Vec<CaseMaterial>,
    /// Inspections.
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
    if user.can(Permission::ReadCases) {
        return true;
    }
    if user.can(Permission::ReadDepartmentCases) {
        let dept = user.user.department_code.as_deref();
        return dept == Some(case.handling_department.as_str()) || tasks.iter().any(|t| Some(t.department.as_str()) == dept);
    }
    case.applicant_user_id == Some(user.user.id)
}

/// The documents a case in this state has.
pub fn documents_of(case: &CaseRecord) -> Vec<String> {
    // Every case was received: the receipt lists what came in.
    let mut docs = vec!["intake-receipt".to_string()];
    if case.accepted_at.is_some() {
        docs.push(if case.deficiencies.is_empty() { "acceptance-notice" } else { "deficiency-notice" }.to_string());
    }
    if case.correction_rounds > 0 {
        docs.push("correction-notice".into());
    }
    if case.state == CaseState::Refused {
        docs.push("refusal-decision".into());
    }
    if case.outcome == Some(Outcome::Denied) {
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

pub fn command_of(state: &AppState, action: &str, b: ActionBody, case_number: &str, address: &str) -> Result<Command, ApiError> {
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

/// The permission an action on a case needs, by its code in the URL; `None` for an unknown
/// action. Core's table ([`Role::grants`]) says which roles hold it.
pub fn action_permission(action: &str) -> Option<Permission> {
    Some(match action {
        "accept" | "accept-with-deficiency" | "request-correction" | "refuse" => Permission::AcceptAtWindow,
        "deliver" | "confirm-receipt" => Permission::DeliverResult,
        "resubmit" => Permission::SupplyMaterials,
        "withdraw" => Permission::WithdrawCase,
        "decide" | "forward" => Permission::Decide,
        "extend" => Permission::ExtendTimeLimit,
        "pause" | "resume" => Permission::PauseClock,
        "record-reply" => Permission::RecordReply,
        _ => return None,
    })
}

/// The role `user` acts in for `action`, or why not: 404 for an unknown action, 403 when
/// none of their roles holds its permission. Checked before the body is read.
pub fn acting_role(user: &CurrentUser, action: &str) -> Result<Role, ApiError> {
    let permission =
        action_permission(action).ok_or_else(|| ApiError::not_found(format!("没有“{action}”这项操作"), format!("no action {action:?}")))?;
    user.require(permission)
}

/// Runs an action for a user in `role` (from [`acting_role`]); shared by the API and the forms.
pub async fn run(
    state: &AppState,
    user: &CurrentUser,
    role: Role,
    number: &str,
    action: &str,
    body: ActionBody,
) -> Result<Acted, ApiError> {
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
    let command = match command_of(state, action, body, number, &address) {
        Ok(command) => command,
        Err(invalid) => return Err(refused_by_state(state, number, action).await?.unwrap_or(invalid)),
    };
    run_command(state, user, role, number, &command).await
}

/// The actions an action in the URL may begin with, whatever its body chooses (approve or
/// deny, in person or by express: each choice starts from the same states).
fn first_actions(action: &str) -> &'static [Action] {
    match action {
        "accept" => &[Action::Accept],
        "accept-with-deficiency" => &[Action::AcceptWithDeficiency],
        "request-correction" => &[Action::RequestCorrection],
        "resubmit" => &[Action::Resubmit, Action::SupplyMaterials],
        "refuse" => &[Action::Refuse],
        "withdraw" => &[Action::Withdraw],
        "decide" => &[Action::Approve],
        "forward" => &[Action::Forward],
        "record-reply" => &[Action::ReplyApproved],
        "deliver" => &[Action::DeliverInPerson],
        "confirm-receipt" => &[Action::ConfirmReceipt],
        "pause" => &[Action::PauseClock],
        "resume" => &[Action::ResumeClock],
        "extend" => &[Action::Extend],
        _ => &[],
    }
}

/// When a body could not be made into a command: the 409 to answer instead of its 422 if the
/// case's state forbids the action anyway (state before input, as core's `execute` does).
async fn refused_by_state(state: &AppState, number: &str, action: &str) -> Result<Option<ApiError>, ApiError> {
    let Some(case) = state.store.case(number).await? else {
        return Err(ApiError::not_found(format!("办件{number}不存在"), format!("no case {number}")));
    };
    let actions = first_actions(action);
    Ok(match actions.first() {
        Some(first) if !actions.iter().any(|a| case.state.apply(*a).is_ok()) => {
            Some(case_error(CaseError::Transition(TransitionError::NotAllowed { state: case.state, action: *first })))
        }
        _ => None,
    })
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
            due_date: case.due_date.map(|d| d.to_string()),
            tracking_number: case.tracking_number,
            number: case.number,
            open_tasks,
        }
    }
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
    /// The promised due date is counted provisionally (暂按法定节假日计算), its year's holiday
    /// schedule not published yet.
    pub due_date_provisional: bool,
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
        submitted_at: case.submitted_at.to_string(),
        accepted_at: case.accepted_at.map(|t| t.to_string()),
        due_date: case.due_date.map(|d| d.to_string()),
        due_date_provisional: case.due_date.is_some_and(|d| state.calendar.get().is_provisional(d)),
        promised_limit_days: spec.map(|s| s.promised_limit_days).filter(|_| case.accepted_at.is_some()),
        closed_at: case.closed_at.map(|t| t.to_string()),
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
