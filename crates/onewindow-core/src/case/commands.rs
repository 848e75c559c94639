//! What each command does to a case, decided on a snapshot of the case file. The store loads
//! the snapshot, calls [`execute`], and writes the returned [`Change`] in one transaction: the
//! new state, one event per transition, tasks and inspections opened, completed and cancelled,
//! materials attached and verified.

use super::clock::{CaseClock, ClockError, PauseKind};
use super::{
    Action, CaseFile, CaseState, Change, Decision, Delivery, DeliveryMethod, DoneInspection, DoneTask, EventDraft, InspectionKind,
    NewInspection, NewTask, Outcome, Refusal, TransitionError, missing_requirements, needs_inspection, review_steps,
};
use crate::calendar::{Calendar, WorkingDays};
use crate::catalogue::{HandlingMode, HandlingType};
use crate::role::{Permission, Role};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Longest deadline a clerk may give for a missing material, in working days.
pub const DEFICIENCY_DAYS_MAX: u32 = 30;
/// The longest free text of a command (opinions, reasons); the API schema states it too.
pub const TEXT_CHARS_MAX: usize = 2000;

/// A material accepted as missing (容缺), with its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deficiency {
    /// The requirement's name.
    pub material: String,
    /// Last day to supply it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub deadline_date: Date,
    /// Whether it has been supplied.
    pub supplied: bool,
}

/// One item of a one-time correction notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Correction {
    /// The requirement concerned.
    pub material: String,
    /// What is wrong and how to correct it.
    pub reason: String,
}

/// Kinds of back-office tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// A step of the item's process (审查, 核准…).
    Step,
    /// A parallel opinion of a joint-review department (联审意见).
    Opinion,
    /// The later check of a 告知承诺 approval (事后核查).
    PostCheck,
}

impl TaskKind {
    /// The permission completing a task of this kind needs.
    pub fn permission(self) -> Permission {
        match self {
            TaskKind::Step => Permission::ExamineStep,
            TaskKind::Opinion => Permission::GiveOpinion,
            TaskKind::PostCheck => Permission::CheckAfterApproval,
        }
    }

    /// The code in JSON and the database.
    pub fn code(self) -> &'static str {
        match self {
            TaskKind::Step => "step",
            TaskKind::Opinion => "opinion",
            TaskKind::PostCheck => "post_check",
        }
    }
}

/// An opinion given when completing a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Opinion {
    /// 同意.
    Approve,
    /// 不同意.
    Reject,
}

/// A material attached to a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// The item requirement (material name) it satisfies.
    pub requirement: String,
    /// The stored material.
    pub material_id: i64,
}

/// A command, as a user gives it.
#[derive(Debug, Clone)]
pub enum Command {
    /// 受理.
    Accept {
        /// Remark.
        comment: String,
    },
    /// 容缺受理: missing requirement names with deadlines in working days.
    AcceptWithDeficiency {
        /// (requirement, working days to supply it).
        missing: Vec<(String, u32)>,
    },
    /// 一次性告知: every correction at once.
    RequestCorrection {
        /// The corrections.
        corrections: Vec<Correction>,
        /// Why; for a second notice, why the first was not complete.
        reason: String,
    },
    /// The applicant resubmits after a correction notice, or supplies deficient materials.
    Resubmit {
        /// New or replaced materials.
        materials: Vec<Attachment>,
    },
    /// 不予受理.
    Refuse {
        /// Reason.
        reason: String,
        /// Legal basis.
        legal_basis: String,
    },
    /// 撤回.
    Withdraw {
        /// Reason.
        reason: String,
    },
    /// Completes a task with an opinion.
    CompleteTask {
        /// Task id.
        task_id: i64,
        /// Opinion.
        opinion: Opinion,
        /// Comment.
        comment: String,
    },
    /// Orders a site inspection.
    OrderInspection {
        /// Mode.
        kind: InspectionKind,
        /// Departments taking part (joint) or doing it (commissioned).
        departments: Vec<String>,
        /// What to check.
        note: String,
    },
    /// Records an inspection's findings.
    CompleteInspection {
        /// Inspection id.
        inspection_id: i64,
        /// Findings.
        findings: String,
        /// Whether the site meets the conditions.
        passed: bool,
        /// Photos, as stored materials.
        photos: Vec<i64>,
    },
    /// Decides.
    Decide {
        /// Approved or denied.
        outcome: Outcome,
        /// Reasons (required for a denial).
        reason: String,
        /// Legal basis (required for a denial).
        legal_basis: String,
    },
    /// 转报 to the higher level.
    Forward {
        /// The higher authority.
        to: String,
        /// Reference of the forwarding letter.
        reference: String,
    },
    /// Records the higher level's reply.
    RecordReply {
        /// Approved or denied.
        outcome: Outcome,
        /// Reference of the reply.
        reference: String,
        /// Reasons given.
        reason: String,
    },
    /// Delivers the result.
    Deliver {
        /// How.
        method: DeliveryMethod,
        /// Courier name (express).
        courier: String,
        /// Tracking number (express).
        tracking_number: String,
    },
    /// The courier reports the result received.
    ConfirmReceipt,
    /// Stops the time-limit clock (特别程序 or waiting for the applicant).
    PauseClock {
        /// Why, by kind.
        kind: PauseKind,
        /// In the handler's words.
        reason: String,
    },
    /// Restarts the clock where it stopped.
    ResumeClock {
        /// Remark.
        reason: String,
    },
    /// The statutory extension (延期), by the bureau's leader.
    Extend {
        /// Working days added.
        days: u32,
        /// Why.
        reason: String,
    },
    /// Raises a warning; issued only by the supervision worker (no route builds it).
    RaiseWarning,
}

impl Command {
    /// The permission the command needs, from the one table ([`Role::grants`]); a task's
    /// depends on its kind ([`TaskKind::permission`]), so `file` is asked for it. `None` for
    /// the platform's own commands (a warning) and for a task the file does not hold open.
    pub fn permission(&self, file: &CaseFile) -> Option<Permission> {
        Some(match self {
            Command::Accept { .. } | Command::AcceptWithDeficiency { .. } | Command::RequestCorrection { .. } | Command::Refuse { .. } => {
                Permission::AcceptAtWindow
            }
            Command::Resubmit { .. } => Permission::SupplyMaterials,
            Command::Withdraw { .. } => Permission::WithdrawCase,
            Command::CompleteTask { task_id, .. } => file.open_tasks.iter().find(|t| t.id == *task_id)?.kind.permission(),
            Command::OrderInspection { .. } => Permission::OrderInspection,
            Command::CompleteInspection { .. } => Permission::RecordInspection,
            Command::Decide { .. } | Command::Forward { .. } => Permission::Decide,
            Command::RecordReply { .. } => Permission::RecordReply,
            Command::Deliver { .. } | Command::ConfirmReceipt => Permission::DeliverResult,
            Command::PauseClock { .. } | Command::ResumeClock { .. } => Permission::PauseClock,
            Command::Extend { .. } => Permission::ExtendTimeLimit,
            Command::RaiseWarning => return None,
        })
    }

    /// The actions the command may begin with, in the order tried: when the case's state
    /// allows none of them, [`execute`] refuses the command (409) before it looks at the input.
    pub fn first_actions(&self, state: CaseState) -> &'static [Action] {
        match self {
            Command::Accept { .. } => &[Action::Accept],
            Command::AcceptWithDeficiency { .. } => &[Action::AcceptWithDeficiency],
            Command::RequestCorrection { .. } => &[Action::RequestCorrection],
            Command::Resubmit { .. } if state == CaseState::CorrectionRequested => &[Action::Resubmit],
            Command::Resubmit { .. } => &[Action::SupplyMaterials, Action::Resubmit],
            Command::Refuse { .. } => &[Action::Refuse],
            Command::Withdraw { .. } => &[Action::Withdraw],
            Command::CompleteTask { .. } => &[Action::CompleteTask],
            Command::OrderInspection { .. } => &[Action::OrderInspection],
            Command::CompleteInspection { .. } => &[Action::CompleteInspection],
            Command::Decide { outcome: Outcome::Approved, .. } => &[Action::Approve],
            Command::Decide { outcome: Outcome::Denied, .. } => &[Action::Deny],
            Command::Forward { .. } => &[Action::Forward],
            Command::RecordReply { outcome: Outcome::Approved, .. } => &[Action::ReplyApproved],
            Command::RecordReply { outcome: Outcome::Denied, .. } => &[Action::ReplyDenied],
            Command::Deliver { method: DeliveryMethod::Express, .. } => &[Action::DeliverByExpress],
            Command::Deliver { .. } => &[Action::DeliverInPerson],
            Command::ConfirmReceipt => &[Action::ConfirmReceipt],
            Command::PauseClock { .. } => &[Action::PauseClock],
            Command::ResumeClock { .. } => &[Action::ResumeClock],
            Command::Extend { .. } => &[Action::Extend],
            Command::RaiseWarning => &[Action::Warn],
        }
    }

    /// Whether the command is the bureau leader's under delegated authority (授权): the store then
    /// tells [`execute`] whether the actor holds it ([`Context::may_decide`]).
    pub fn needs_authority(&self) -> bool {
        matches!(self, Command::Decide { .. } | Command::Forward { .. } | Command::Extend { .. })
    }
}

/// Who acts, when, and the facts from outside the case.
pub struct Context<'a> {
    /// The role the user acts in.
    pub role: Role,
    /// Today in Beijing time.
    pub today: Date,
    /// The time of day in Beijing.
    pub time: jiff::civil::Time,
    /// The working-day calendar.
    pub calendar: &'a Calendar,
    /// Whether the user holds delegated authority to decide this item (授权).
    pub may_decide: bool,
    /// The user's department, for opinion tasks.
    pub department: Option<&'a str>,
}

/// Why a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// Illegal in the current state (409).
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The role may not do this (403).
    #[error("the role {0:?} may not do this")]
    Role(Role),
    /// A field is wrong (422): field, Chinese, English.
    #[error("{0}: {2}")]
    Invalid(&'static str, String, String),
    /// The case is not ready for this yet (409): Chinese, English.
    #[error("{1}")]
    NotReady(String, String),
}

impl From<ClockError> for CaseError {
    fn from(e: ClockError) -> Self {
        CaseError::NotReady(e.zh, e.en)
    }
}

fn invalid(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> CaseError {
    CaseError::Invalid(field, zh.into(), en.into())
}

fn require_text(field: &'static str, value: &str, zh: &str) -> Result<(), CaseError> {
    let n = value.trim().chars().count();
    if n == 0 {
        return Err(invalid(field, format!("请填写{zh}"), format!("{field} is required")));
    }
    if n > TEXT_CHARS_MAX {
        return Err(invalid(field, format!("{zh}不能超过{TEXT_CHARS_MAX}字"), format!("{field} is too long")));
    }
    Ok(())
}

struct Builder {
    state: CaseState,
    change: Change,
}

impl Builder {
    fn new(state: CaseState) -> Builder {
        Builder { state, change: Change::default() }
    }

    fn go(&mut self, action: Action, reason: &str, detail: serde_json::Value) -> Result<(), CaseError> {
        let to = self.state.apply(action)?;
        self.change.events.push(EventDraft { action, from: self.state, to, reason: reason.trim().to_string(), detail });
        self.state = to;
        Ok(())
    }
}

/// Decides what `command` does to the case, or why it is refused.
///
/// The checks run in the order a user needs their answers: who may (403), then whether the
/// case's state allows it at all (409), and only then what was typed (422).
pub fn execute(file: &CaseFile, command: &Command, ctx: &Context<'_>) -> Result<Change, CaseError> {
    if let Some(permission) = command.permission(file)
        && !ctx.role.grants(permission)
    {
        return Err(CaseError::Role(ctx.role));
    }
    let actions = command.first_actions(file.state);
    if !actions.iter().any(|a| file.state.apply(*a).is_ok()) {
        return Err(CaseError::Transition(TransitionError::NotAllowed { state: file.state, action: actions[0] }));
    }
    let mut b = Builder::new(file.state);
    match command {
        Command::Accept { comment } => accept(file, ctx, &mut b, comment, &[])?,
        Command::AcceptWithDeficiency { missing } => accept(file, ctx, &mut b, "", missing)?,
        Command::RequestCorrection { corrections, reason } => request_correction(file, &mut b, corrections, reason)?,
        Command::Resubmit { materials } => resubmit(file, ctx, &mut b, materials)?,
        Command::Refuse { reason, legal_basis } => {
            require_text("reason", reason, "不予受理的理由")?;
            require_text("legal_basis", legal_basis, "法律依据")?;
            b.go(Action::Refuse, reason, serde_json::json!({"legal_basis": legal_basis}))?;
            b.change.refusal = Some(Refusal { reason: reason.trim().into(), basis: legal_basis.trim().into() });
        }
        Command::Withdraw { reason } => {
            require_text("reason", reason, "撤回理由")?;
            b.go(Action::Withdraw, reason, serde_json::json!({}))?;
        }
        Command::CompleteTask { task_id, opinion, comment } => complete_task(file, ctx, &mut b, *task_id, *opinion, comment)?,
        Command::OrderInspection { kind, departments, note } => order_inspection(file, ctx, &mut b, *kind, departments, note)?,
        Command::CompleteInspection { inspection_id, findings, passed, photos } => {
            if file.open_inspection != Some(*inspection_id) {
                return Err(CaseError::NotReady("该现场核查不存在或已完成".into(), "no such open inspection".into()));
            }
            require_text("findings", findings, "核查意见")?;
            b.go(
                Action::CompleteInspection,
                findings,
                serde_json::json!({"inspection": inspection_id, "passed": passed, "photos": photos}),
            )?;
            b.change.inspection_done =
                Some(DoneInspection { id: *inspection_id, findings: findings.trim().into(), passed: *passed, photos: photos.clone() });
            if let Some(mut clock) = file.clock.clone().filter(|c| c.open_pause().is_some_and(|p| p.kind == PauseKind::Inspection)) {
                let ended = clock.resume(ctx.today)?;
                b.go(Action::ResumeClock, "委托核查完成，恢复计时", serde_json::json!({"kind": ended.kind, "paused_from": ended.from}))?;
                b.change.clock = Some(clock);
            }
        }
        Command::Decide { outcome, reason, legal_basis } => decide(file, ctx, &mut b, *outcome, reason, legal_basis)?,
        Command::Forward { to, reference } => {
            if file.item.handling_type != HandlingType::Forwarding {
                return Err(invalid("handling_type", "该事项不是转报类事项", "the item is not a forwarding item"));
            }
            ready_for_decision(file)?;
            require_text("to", to, "转报机关")?;
            b.go(Action::Forward, reference, serde_json::json!({"to": to, "reference": reference}))?;
        }
        Command::RecordReply { outcome, reference, reason } => {
            require_text("reference", reference, "上级机关回复文号")?;
            let action = if *outcome == Outcome::Approved { Action::ReplyApproved } else { Action::ReplyDenied };
            b.go(action, reason, serde_json::json!({"reference": reference}))?;
            b.change.decision = Some(Decision { outcome: *outcome, reason: reason.trim().into(), basis: reference.trim().into() });
        }
        Command::Deliver { method, courier, tracking_number } => {
            let action = if *method == DeliveryMethod::Express { Action::DeliverByExpress } else { Action::DeliverInPerson };
            if *method == DeliveryMethod::Express {
                require_text("courier", courier, "快递公司")?;
                require_text("tracking_number", tracking_number, "快递单号")?;
            }
            let detail = serde_json::json!({"method": method, "courier": courier, "tracking_number": tracking_number});
            b.go(action, method.label_zh(), detail)?;
            b.change.delivery =
                Some(Delivery { method: *method, courier: courier.trim().into(), tracking_number: tracking_number.trim().into() });
        }
        Command::ConfirmReceipt => {
            b.go(Action::ConfirmReceipt, "申请人已签收", serde_json::json!({}))?;
        }
        Command::PauseClock { kind, reason } => {
            require_text("reason", reason, "暂停计时的理由")?;
            if *kind == PauseKind::Deficiency {
                return Err(invalid("kind", "容缺暂停由系统按事项设置自动处理", "deficiency pauses are automatic"));
            }
            let mut clock = running_clock(file, Action::PauseClock)?;
            clock.pause(*kind, reason, ctx.today)?;
            b.go(Action::PauseClock, reason, serde_json::json!({"kind": kind}))?;
            b.change.clock = Some(clock);
        }
        Command::ResumeClock { reason } => {
            let mut clock = running_clock(file, Action::ResumeClock)?;
            if clock.open_pause().is_some_and(|p| p.kind == PauseKind::Deficiency) {
                return Err(CaseError::NotReady("容缺材料补齐后自动恢复计时".into(), "resumes when the materials are supplied".into()));
            }
            let ended = clock.resume(ctx.today)?;
            b.go(Action::ResumeClock, reason, serde_json::json!({"kind": ended.kind, "paused_from": ended.from}))?;
            b.change.clock = Some(clock);
        }
        Command::Extend { days, reason } => {
            if !ctx.may_decide {
                return Err(CaseError::NotReady(
                    "您没有该事项的审批授权，不能批准延期".into(),
                    "no delegated authority for this item".into(),
                ));
            }
            require_text("reason", reason, "延期理由")?;
            let mut clock = running_clock(file, Action::Extend)?;
            clock.extend(ctx.calendar, *days, reason, ctx.today)?;
            let due = clock.due_date(ctx.calendar, ctx.today).map_err(calendar_gap)?;
            b.go(Action::Extend, reason, serde_json::json!({"days": days, "due_date": due}))?;
            b.change.due_date = Some(due);
            b.change.clock = Some(clock);
        }
        Command::RaiseWarning => {
            let clock = running_clock(file, Action::Warn)?;
            let level = clock.level(ctx.calendar, ctx.today).map_err(calendar_gap)?;
            if level <= file.warning {
                return Err(CaseError::NotReady("预警已发出".into(), "no new warning level".into()));
            }
            let due = clock.due_date(ctx.calendar, ctx.today).map_err(calendar_gap)?;
            let remaining = clock.remaining(ctx.calendar, ctx.today);
            b.go(Action::Warn, level.label_zh(), serde_json::json!({"level": level, "due_date": due, "remaining": remaining}))?;
            b.change.warning = Some(level);
        }
    }
    // A decision stops the clock; a withdrawal too.
    if let (Some(clock), Some(to)) = (&file.clock, b.change.state())
        && !to.is_open()
        && clock.stopped_on.is_none()
    {
        let mut clock = b.change.clock.clone().unwrap_or_else(|| clock.clone());
        clock.stop(ctx.today);
        b.change.clock = Some(clock);
    }
    if b.change.state().is_some_and(CaseState::is_final) {
        close(file, &mut b.change);
    }
    Ok(b.change)
}

/// A refused, withdrawn or closed case leaves nothing open but its later checks (事后核查,
/// which run after the decision): every other open task and the open inspection are
/// cancelled, except what the command itself completes.
fn close(file: &CaseFile, change: &mut Change) {
    let done_task = change.task_done.as_ref().map(|t| t.id);
    let done_inspection = change.inspection_done.as_ref().map(|i| i.id);
    change.tasks_cancelled =
        file.open_tasks.iter().filter(|t| t.kind != TaskKind::PostCheck && Some(t.id) != done_task).map(|t| t.id).collect();
    change.inspections_cancelled = file.open_inspection.filter(|id| Some(*id) != done_inspection).into_iter().collect();
}

/// The clock of an accepted, undecided case, for the clock commands.
fn running_clock(file: &CaseFile, action: Action) -> Result<CaseClock, CaseError> {
    file.state.apply(action)?;
    match &file.clock {
        Some(c) if c.stopped_on.is_none() => Ok(c.clone()),
        _ => Err(CaseError::NotReady("本件没有正在计算的办理时限".into(), "the case has no running time limit".into())),
    }
}

pub(super) fn calendar_gap(e: crate::calendar::CalendarError) -> CaseError {
    CaseError::NotReady(
        format!("工作日历尚未覆盖该日期，请联系系统管理员维护节假日安排（{e}）"),
        format!("the calendar does not cover the date: {e}"),
    )
}

/// Whether a material is the application form (申请表/申请书) itself.
fn is_application_form(m: &crate::catalogue::Material) -> bool {
    m.kind == "application_form" || m.name.contains("申请表") || m.name.contains("申请书")
}

fn accept(file: &CaseFile, ctx: &Context<'_>, b: &mut Builder, comment: &str, missing: &[(String, u32)]) -> Result<(), CaseError> {
    if !file.item.takes_applications() {
        return Err(invalid("item", "该事项已取消，不能受理", "the item is cancelled"));
    }
    let provided: Vec<&str> = file.provided().collect();
    let absent = missing_requirements(&file.item, &provided);
    let promised = if file.item.mode == HandlingMode::Immediate { 0 } else { file.item.promised_limit_days };
    let now = ctx.today.to_datetime(ctx.time);
    let mut clock = CaseClock::start(ctx.calendar, now, promised, file.item.legal_limit_days.max(promised)).map_err(calendar_gap)?;
    let due_date = clock.due_date(ctx.calendar, ctx.today).map_err(calendar_gap)?;
    let mut deficiencies = Vec::new();
    if missing.is_empty() {
        if !absent.is_empty() {
            return Err(invalid(
                "materials",
                format!("尚缺必需材料：{}。请选择容缺受理或一次性告知补正", absent.join("、")),
                format!("required materials are missing: {}", absent.join(", ")),
            ));
        }
        b.go(Action::Accept, comment, serde_json::json!({}))?;
    } else {
        // Every required material not given is either owed (listed here) or asked for in a
        // correction notice; none is passed over in silence.
        let unlisted: Vec<&str> = absent.iter().copied().filter(|a| !missing.iter().any(|(m, _)| m == a)).collect();
        if !unlisted.is_empty() {
            return Err(invalid(
                "missing",
                format!("尚缺必需材料：{}。容缺受理须列出全部缺少的材料，否则请一次性告知补正", unlisted.join("、")),
                format!("required materials missing but not listed as owed: {}", unlisted.join(", ")),
            ));
        }
        for (material, days) in missing {
            let Some(spec) = file.item.materials.iter().find(|m| &m.name == material) else {
                return Err(invalid(
                    "missing",
                    format!("“{material}”不是本事项的申请材料"),
                    format!("{material:?} is not a material of this item"),
                ));
            };
            // 容缺 covers secondary materials: without the application form itself there is
            // no application to accept.
            if is_application_form(spec) {
                return Err(invalid(
                    "missing",
                    format!("“{material}”是申请的主要材料，不能容缺受理，请一次性告知补正"),
                    format!("{material:?} is the application itself and cannot be accepted as missing; request a correction"),
                ));
            }
            if *days == 0 || *days > DEFICIENCY_DAYS_MAX {
                return Err(invalid("missing", format!("补交期限应为1至{DEFICIENCY_DAYS_MAX}个工作日"), "deadline out of range"));
            }
            let deadline_date = ctx.calendar.add_working_days(clock.start, WorkingDays(*days)).map_err(calendar_gap)?;
            // Materials accepted as missing must be in before the case is due to be decided.
            if deadline_date > due_date {
                return Err(invalid(
                    "missing",
                    format!("补交期限（{deadline_date}）不能晚于承诺办结日期（{due_date}）"),
                    format!("the deadline {deadline_date} is after the promised due date {due_date}"),
                ));
            }
            deficiencies.push(Deficiency { material: material.clone(), deadline_date, supplied: false });
        }
        b.go(Action::AcceptWithDeficiency, comment, serde_json::to_value(&deficiencies).expect("plain data"))?;
        b.change.deficiencies = Some(deficiencies);
        if file.item.deficiency_pauses_clock {
            clock.pause(
                PauseKind::Deficiency,
                &format!("容缺材料待补：{}", missing.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>().join("、")),
                ctx.today,
            )?;
        }
    }
    b.change.due_date = Some(due_date);
    b.change.clock = Some(clock);
    // The clerk checked the materials at the window: they are verified from now on.
    b.change.materials_verified = verified(file);
    match file.item.handling_type {
        HandlingType::Filing => b.go(Action::Register, "备案事项受理即予备案", serde_json::json!({}))?,
        HandlingType::Commitment if b.state == CaseState::Accepted => {
            if !file.commitment_signed {
                return Err(invalid("form.commitment", "告知承诺事项须申请人签署书面承诺", "the applicant has not signed the commitment"));
            }
            b.go(Action::ApproveOnCommitment, "申请人已书面承诺符合条件", serde_json::json!({}))?;
            b.change.tasks_opened.push(NewTask {
                kind: TaskKind::PostCheck,
                name: "告知承诺事后核查".into(),
                department: file.item.department.clone(),
                seq: 0,
            });
        }
        _ => {
            b.go(Action::StartReview, "", serde_json::json!({}))?;
            let first = review_steps(&file.item).into_iter().next().expect("at least one review step");
            b.change.tasks_opened.push(NewTask {
                kind: TaskKind::Step,
                name: first,
                department: file.item.handling_department.clone(),
                seq: 1,
            });
        }
    }
    Ok(())
}

/// The stored materials given, each once, in id order.
fn verified(file: &CaseFile) -> Vec<i64> {
    let mut ids: Vec<i64> = file.materials.iter().map(|m| m.material_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn request_correction(file: &CaseFile, b: &mut Builder, corrections: &[Correction], reason: &str) -> Result<(), CaseError> {
    if corrections.is_empty() {
        return Err(invalid("corrections", "一次性告知须列出全部需补正的材料", "list every correction"));
    }
    for c in corrections {
        require_text("corrections", &c.material, "补正材料名称")?;
        require_text("corrections", &c.reason, "补正要求")?;
    }
    // One-time notice: a second notice must say why the first one was not complete.
    if file.correction_rounds >= 1 {
        require_text("reason", reason, "再次告知的原因（首次告知为何未一次性告知全部）")?;
    }
    b.go(Action::RequestCorrection, reason, serde_json::json!({"corrections": corrections, "round": file.correction_rounds + 1}))?;
    b.change.corrections = Some(corrections.to_vec());
    Ok(())
}

fn resubmit(file: &CaseFile, ctx: &Context<'_>, b: &mut Builder, materials: &[Attachment]) -> Result<(), CaseError> {
    for a in materials {
        if !file.item.materials.iter().any(|m| m.name == a.requirement) {
            return Err(invalid(
                "materials",
                format!("“{}”不是本事项的申请材料", a.requirement),
                format!("{:?} is not a material of this item", a.requirement),
            ));
        }
    }
    let names: Vec<&str> = materials.iter().map(|a| a.requirement.as_str()).collect();
    if file.state == CaseState::CorrectionRequested {
        b.go(Action::Resubmit, "", serde_json::json!({"materials": names}))?;
    } else {
        let outstanding: Vec<&Deficiency> = file.deficiencies.iter().filter(|d| !d.supplied).collect();
        if outstanding.is_empty() || materials.is_empty() {
            return Err(CaseError::Transition(TransitionError::NotAllowed { state: file.state, action: Action::Resubmit }));
        }
        let mut next = file.deficiencies.clone();
        for d in next.iter_mut().filter(|d| names.contains(&d.material.as_str())) {
            d.supplied = true;
        }
        b.go(Action::SupplyMaterials, "", serde_json::json!({"materials": names}))?;
        let all_in = next.iter().all(|d| d.supplied);
        b.change.deficiencies = Some(next);
        if let Some(mut clock) = file.clock.clone().filter(|c| all_in && c.open_pause().is_some_and(|p| p.kind == PauseKind::Deficiency)) {
            let ended = clock.resume(ctx.today)?;
            b.go(Action::ResumeClock, "容缺材料已补齐，恢复计时", serde_json::json!({"kind": ended.kind, "paused_from": ended.from}))?;
            b.change.clock = Some(clock);
        }
    }
    b.change.materials_attached = materials.to_vec();
    Ok(())
}

fn complete_task(
    file: &CaseFile,
    ctx: &Context<'_>,
    b: &mut Builder,
    task_id: i64,
    opinion: Opinion,
    comment: &str,
) -> Result<(), CaseError> {
    let Some(task) = file.open_tasks.iter().find(|t| t.id == task_id) else {
        return Err(CaseError::NotReady("该任务不存在或已办结".into(), "no such open task".into()));
    };
    if ctx.role == Role::Supervisor && ctx.department.is_some_and(|d| d != task.department) {
        return Err(CaseError::Role(ctx.role));
    }
    // An opinion is never a formality: its text is required whatever the conclusion, so an
    // empty form cannot pass a step as 同意.
    if opinion == Opinion::Reject {
        require_text("comment", comment, "不同意的理由")?;
    } else {
        require_text("comment", comment, "审查意见")?;
    }
    // A site-inspection step passes only on an inspection on record (ordered and its findings
    // recorded); refusing it needs the reasons alone.
    let inspection_step = task.kind == TaskKind::Step && needs_inspection(&task.name);
    if inspection_step && opinion == Opinion::Approve && file.inspections_done == 0 {
        return Err(invalid(
            "comment",
            "现场核查环节须先安排并记录现场核查结果，才能提交同意意见",
            "an inspection step is approved only after an inspection is recorded",
        ));
    }
    b.change.task_done = Some(DoneTask { id: task_id, opinion, comment: comment.trim().into() });
    let detail = serde_json::json!({"task": task_id, "name": task.name, "department": task.department, "opinion": opinion});
    b.go(Action::CompleteTask, comment, detail)?;
    let steps = review_steps(&file.item);
    match task.kind {
        TaskKind::Step if (task.seq as usize) < steps.len() && opinion == Opinion::Approve => {
            let next = steps[task.seq as usize].clone();
            b.change.tasks_opened.push(NewTask {
                kind: TaskKind::Step,
                name: next,
                department: file.item.handling_department.clone(),
                seq: task.seq + 1,
            });
        }
        TaskKind::Step if !file.item.joint_departments.is_empty() && file.opinion_tasks_opened == 0 => {
            b.go(Action::RequestOpinions, "", serde_json::json!({"departments": file.item.joint_departments}))?;
            for d in &file.item.joint_departments {
                b.change.tasks_opened.push(NewTask { kind: TaskKind::Opinion, name: "联审意见".into(), department: d.clone(), seq: 0 });
            }
        }
        TaskKind::Opinion => {
            let still_open = file.open_tasks.iter().filter(|t| t.kind == TaskKind::Opinion && t.id != task_id).count();
            if still_open == 0 {
                b.go(Action::OpinionsComplete, "", serde_json::json!({}))?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn order_inspection(
    file: &CaseFile,
    ctx: &Context<'_>,
    b: &mut Builder,
    kind: InspectionKind,
    departments: &[String],
    note: &str,
) -> Result<(), CaseError> {
    if file.open_inspection.is_some() {
        return Err(CaseError::NotReady("已有未完成的现场核查".into(), "an inspection is already open".into()));
    }
    match kind {
        InspectionKind::Independent if !departments.is_empty() => {
            return Err(invalid("departments", "独立核查不需要其他部门参加", "an independent inspection takes no departments"));
        }
        InspectionKind::Joint if departments.is_empty() => {
            return Err(invalid("departments", "联合核查须列出参加部门", "a joint inspection names the departments"));
        }
        InspectionKind::Commissioned if departments.len() != 1 => {
            return Err(invalid("departments", "委托核查须指定一个受托部门", "a commissioned inspection names one department"));
        }
        _ => {}
    }
    b.go(Action::OrderInspection, note, serde_json::json!({"kind": kind, "departments": departments}))?;
    b.change.inspection_ordered = Some(NewInspection { kind, departments: departments.to_vec(), note: note.trim().into() });
    // An inspection commissioned out is a statutory excluded period (特别程序): the clock stops.
    if let Some(mut clock) = file.clock.clone().filter(|c| kind == InspectionKind::Commissioned && c.is_running()) {
        let reason = format!("委托{}现场核查", departments.join("、"));
        clock.pause(PauseKind::Inspection, &reason, ctx.today)?;
        b.go(Action::PauseClock, &reason, serde_json::json!({"kind": PauseKind::Inspection}))?;
        b.change.clock = Some(clock);
    }
    Ok(())
}

fn ready_for_decision(file: &CaseFile) -> Result<(), CaseError> {
    if let Some(t) = file.open_tasks.iter().find(|t| t.kind != TaskKind::PostCheck) {
        return Err(CaseError::NotReady(format!("“{}”尚未办结，不能作出决定", t.name), format!("task {} is still open", t.name)));
    }
    if file.open_inspection.is_some() {
        return Err(CaseError::NotReady("现场核查尚未完成，不能作出决定".into(), "the inspection is still open".into()));
    }
    Ok(())
}

fn decide(file: &CaseFile, ctx: &Context<'_>, b: &mut Builder, outcome: Outcome, reason: &str, legal_basis: &str) -> Result<(), CaseError> {
    if !ctx.may_decide {
        return Err(CaseError::NotReady(
            "您没有该事项的审批授权（授权书未覆盖该事项）".into(),
            "no delegated authority for this item".into(),
        ));
    }
    if file.item.handling_type == HandlingType::Forwarding {
        return Err(invalid("outcome", "转报类事项应转报上级机关，不能直接决定", "forwarding items are forwarded, not decided"));
    }
    ready_for_decision(file)?;
    let action = match outcome {
        Outcome::Approved => {
            let owed: Vec<&str> = file.deficiencies.iter().filter(|d| !d.supplied).map(|d| d.material.as_str()).collect();
            if !owed.is_empty() {
                return Err(CaseError::NotReady(
                    format!("容缺材料尚未补齐：{}", owed.join("、")),
                    "deficient materials are still owed".into(),
                ));
            }
            Action::Approve
        }
        Outcome::Denied => {
            // A denial after acceptance is a written decision with reasons and legal basis (seed 004 §二(四)).
            require_text("reason", reason, "不予许可的理由")?;
            require_text("legal_basis", legal_basis, "法律依据")?;
            Action::Deny
        }
    };
    b.go(action, reason, serde_json::json!({"legal_basis": legal_basis}))?;
    b.change.decision = Some(Decision { outcome, reason: reason.trim().into(), basis: legal_basis.trim().into() });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::OpenTask;
    use crate::case::clock::WarningLevel;
    use crate::testing::{accepted_file as accepted, case_file as file, context as ctx};

    fn calendar() -> Calendar {
        Calendar::china()
    }

    fn states(change: &Change) -> Vec<CaseState> {
        change.events.iter().map(|e| e.to).collect()
    }

    /// What a write must do beyond events: the tasks and inspections it completes and cancels
    /// and the materials it verifies, decided here for every backend.
    #[test]
    fn what_a_write_completes_cancels_and_verifies() {
        let cal = calendar();
        let task = |id, kind| OpenTask { id, kind, name: format!("任务{id}"), department: "spj".into(), seq: 1 };
        let with = |state, tasks: Vec<OpenTask>, inspection: Option<i64>| CaseFile {
            open_tasks: tasks,
            open_inspection: inspection,
            ..file(state)
        };
        let mut owing = file(CaseState::Submitted);
        owing.materials.retain(|m| m.requirement != "营业执照");
        let mut shared = file(CaseState::Submitted);
        shared.materials[1].material_id = 1;
        let deliver = Command::Deliver { method: DeliveryMethod::Window, courier: String::new(), tracking_number: String::new() };
        let complete = |id| Command::CompleteTask { task_id: id, opinion: Opinion::Approve, comment: "已核查".into() };
        // (what, file, role, command, task done, tasks cancelled, inspections cancelled, materials verified)
        type Row = (&'static str, CaseFile, Role, Command, Option<i64>, Vec<i64>, Vec<i64>, Vec<i64>);
        let table: Vec<Row> = vec![
            (
                "acceptance verifies the materials given",
                file(CaseState::Submitted),
                Role::Clerk,
                Command::Accept { comment: String::new() },
                None,
                vec![],
                vec![],
                vec![1, 2],
            ),
            (
                "acceptance with a deficiency verifies what was given",
                owing,
                Role::Clerk,
                Command::AcceptWithDeficiency { missing: vec![("营业执照".into(), 3)] },
                None,
                vec![],
                vec![],
                vec![1],
            ),
            (
                "a material given for two requirements is verified once",
                shared,
                Role::Clerk,
                Command::Accept { comment: String::new() },
                None,
                vec![],
                vec![],
                vec![1],
            ),
            (
                "closing keeps the post-check",
                with(CaseState::Approved, vec![task(4, TaskKind::Step), task(5, TaskKind::PostCheck)], None),
                Role::Clerk,
                deliver.clone(),
                None,
                vec![4],
                vec![],
                vec![],
            ),
            (
                "closing cancels an open inspection",
                with(CaseState::Inspecting, vec![task(3, TaskKind::Opinion)], Some(7)),
                Role::Applicant,
                Command::Withdraw { reason: "不再经营".into() },
                None,
                vec![3],
                vec![7],
                vec![],
            ),
            (
                "a refusal with nothing open cancels nothing",
                file(CaseState::Submitted),
                Role::Clerk,
                Command::Refuse {
                    reason: "不属于本机关职权范围".into(), legal_basis: "《行政许可法》第三十二条".into()
                },
                None,
                vec![],
                vec![],
                vec![],
            ),
            (
                "a completed task is not also cancelled",
                with(CaseState::Closed, vec![task(4, TaskKind::Step), task(5, TaskKind::PostCheck)], None),
                Role::Reviewer,
                complete(4),
                Some(4),
                vec![],
                vec![],
                vec![],
            ),
            (
                "the later check of a closed case is completed, not cancelled",
                with(CaseState::Closed, vec![task(5, TaskKind::PostCheck)], None),
                Role::Supervisor,
                complete(5),
                Some(5),
                vec![],
                vec![],
                vec![],
            ),
            (
                "an open case cancels nothing",
                with(CaseState::InReview, vec![task(4, TaskKind::Step)], None),
                Role::Reviewer,
                Command::OrderInspection { kind: InspectionKind::Independent, departments: vec![], note: "核查场所".into() },
                None,
                vec![],
                vec![],
                vec![],
            ),
        ];
        for (what, f, role, command, done, tasks, inspections, verified) in table {
            let c = execute(&f, &command, &ctx(role, &cal)).unwrap_or_else(|e| panic!("{what}: {e:?}"));
            assert_eq!(c.task_done.map(|t| t.id), done, "{what}: task done");
            assert_eq!(c.tasks_cancelled, tasks, "{what}: tasks cancelled");
            assert_eq!(c.inspections_cancelled, inspections, "{what}: inspections cancelled");
            assert_eq!(c.materials_verified, verified, "{what}: materials verified");
        }
    }

    #[test]
    fn closing_cancels_open_work_but_not_later_checks_or_what_it_completes() {
        let task = |id, kind| OpenTask { id, kind, name: format!("任务{id}"), department: "spj".into(), seq: 1 };
        let cancelled = |f: &CaseFile, done_task: Option<i64>, done_inspection: Option<i64>| {
            let mut change = Change {
                task_done: done_task.map(|id| DoneTask { id, opinion: Opinion::Approve, comment: String::new() }),
                inspection_done: done_inspection.map(|id| DoneInspection { id, findings: "一致".into(), passed: true, photos: vec![] }),
                ..Change::default()
            };
            close(f, &mut change);
            (change.tasks_cancelled, change.inspections_cancelled)
        };
        let checks_only = CaseFile { open_tasks: vec![task(5, TaskKind::PostCheck)], ..file(CaseState::Approved) };
        assert_eq!(cancelled(&checks_only, None, None), (vec![], vec![]));
        let step = CaseFile { open_tasks: vec![task(4, TaskKind::Step), task(5, TaskKind::PostCheck)], ..file(CaseState::InReview) };
        assert_eq!(cancelled(&step, None, None), (vec![4], vec![]));
        assert_eq!(cancelled(&step, Some(4), None), (vec![], vec![]), "the task the command completes");
        let inspecting = CaseFile { open_inspection: Some(2), ..file(CaseState::Inspecting) };
        assert_eq!(cancelled(&inspecting, None, None), (vec![], vec![2]));
        assert_eq!(cancelled(&inspecting, None, Some(2)), (vec![], vec![]), "the inspection the command completes");
    }

    #[test]
    fn completed_work_is_named_in_full() {
        let cal = calendar();
        let mut f = file(CaseState::Inspecting);
        f.open_inspection = Some(7);
        let done =
            Command::CompleteInspection { inspection_id: 7, findings: " 场所符合要求 ".into(), passed: true, photos: vec![3, 4] };
        let c = execute(&f, &done, &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(c.inspection_done, Some(DoneInspection { id: 7, findings: "场所符合要求".into(), passed: true, photos: vec![3, 4] }));
        let f = file(CaseState::InReview);
        let order =
            Command::OrderInspection {
                kind: InspectionKind::Joint, departments: vec!["scjgj".into()], note: " 核查经营场所 ".into()
            };
        let c = execute(&f, &order, &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(
            c.inspection_ordered,
            Some(NewInspection { kind: InspectionKind::Joint, departments: vec!["scjgj".into()], note: "核查经营场所".into() })
        );
        let deny = Command::Decide { outcome: Outcome::Denied, reason: " 不符合条件 ".into(), legal_basis: "某条".into() };
        let c = execute(&f, &deny, &ctx(Role::Leader, &cal)).unwrap();
        assert_eq!(c.decision, Some(Decision { outcome: Outcome::Denied, reason: "不符合条件".into(), basis: "某条".into() }));
        let refuse = Command::Refuse { reason: "材料不属实".into(), legal_basis: " 第三十二条 ".into() };
        let c = execute(&file(CaseState::Submitted), &refuse, &ctx(Role::Clerk, &cal)).unwrap();
        assert_eq!(c.refusal, Some(Refusal { reason: "材料不属实".into(), basis: "第三十二条".into() }));
        let express =
            Command::Deliver { method: DeliveryMethod::Express, courier: "EMS".into(), tracking_number: " 1190000000001 ".into() };
        let c = execute(&file(CaseState::Approved), &express, &ctx(Role::Clerk, &cal)).unwrap();
        assert_eq!(
            c.delivery,
            Some(Delivery { method: DeliveryMethod::Express, courier: "EMS".into(), tracking_number: "1190000000001".into() })
        );
        let mut g = file(CaseState::InReview);
        g.open_tasks = vec![OpenTask { id: 5, kind: TaskKind::Step, name: "审查".into(), department: "spj".into(), seq: 1 }];
        let c = execute(
            &g,
            &Command::CompleteTask { task_id: 5, opinion: Opinion::Reject, comment: " 材料不全 ".into() },
            &ctx(Role::Reviewer, &cal),
        )
        .unwrap();
        assert_eq!(c.task_done, Some(DoneTask { id: 5, opinion: Opinion::Reject, comment: "材料不全".into() }));
        assert!(c.tasks_opened.is_empty(), "a rejected step opens no next step");
    }

    #[test]
    fn acceptance_routes_to_the_first_review_step_and_sets_the_due_date() {
        let cal = calendar();
        let c = execute(&file(CaseState::Submitted), &Command::Accept { comment: String::new() }, &ctx(Role::Clerk, &cal)).unwrap();
        assert_eq!(states(&c), vec![CaseState::Accepted, CaseState::InReview]);
        assert_eq!(c.tasks_opened, vec![NewTask { kind: TaskKind::Step, name: "审查".into(), department: "spj".into(), seq: 1 }]);
        // Five working days from Friday 27 September 2024 skip the weekend, and the National Day
        // holiday (1–7 October) but count Sunday 29 September (adjusted working day): 29, 30
        // September, then 8, 9, 10 October.
        assert_eq!(c.due_date, Some(jiff::civil::date(2024, 10, 10)));
    }

    #[test]
    fn only_clerks_accept_and_missing_materials_need_a_choice() {
        let cal = calendar();
        let err =
            execute(&file(CaseState::Submitted), &Command::Accept { comment: String::new() }, &ctx(Role::Reviewer, &cal)).unwrap_err();
        assert_eq!(err, CaseError::Role(Role::Reviewer));
        let mut f = file(CaseState::Submitted);
        f.materials.pop();
        let err = execute(&f, &Command::Accept { comment: String::new() }, &ctx(Role::Clerk, &cal)).unwrap_err();
        assert!(matches!(err, CaseError::Invalid("materials", ref zh, _) if zh.contains("营业执照")), "{err:?}");
        let c = execute(&f, &Command::AcceptWithDeficiency { missing: vec![("营业执照".into(), 5)] }, &ctx(Role::Clerk, &cal)).unwrap();
        assert_eq!(states(&c), vec![CaseState::AcceptedWithDeficiency, CaseState::InReview]);
        let d = &c.deficiencies.as_ref().unwrap()[0];
        assert_eq!((d.material.as_str(), d.deadline_date, d.supplied), ("营业执照", jiff::civil::date(2024, 10, 10), false));
        let unknown = vec![("营业执照".into(), 5), ("不存在的材料".into(), 5)];
        let err = execute(&f, &Command::AcceptWithDeficiency { missing: unknown }, &ctx(Role::Clerk, &cal)).unwrap_err();
        assert!(matches!(&err, CaseError::Invalid("missing", zh, _) if zh.contains("不是本事项的申请材料")), "{err:?}");
        // The application form itself is never accepted as missing.
        let mut g = file(CaseState::Submitted);
        g.item.materials.push(crate::catalogue::Material {
            name: "行政许可申请表".into(),
            required: true,
            originals: 1,
            copies: 0,
            kind: String::new(),
            note: String::new(),
        });
        let err = execute(&g, &Command::AcceptWithDeficiency { missing: vec![("行政许可申请表".into(), 3)] }, &ctx(Role::Clerk, &cal))
            .unwrap_err();
        assert!(matches!(&err, CaseError::Invalid("missing", zh, _) if zh.contains("不能容缺受理")), "{err:?}");
        // Nor is a required material passed over by leaving it off the list.
        g.materials.pop();
        let err =
            execute(&g, &Command::AcceptWithDeficiency { missing: vec![("营业执照".into(), 5)] }, &ctx(Role::Clerk, &cal)).unwrap_err();
        assert!(
            matches!(&err, CaseError::Invalid("missing", zh, _) if zh.contains("行政许可申请表") && zh.contains("一次性告知")),
            "{err:?}"
        );
    }

    #[test]
    fn filing_and_commitment_items_are_decided_on_acceptance() {
        let cal = calendar();
        let mut f = file(CaseState::Submitted);
        f.item.handling_type = HandlingType::Filing;
        let c = execute(&f, &Command::Accept { comment: String::new() }, &ctx(Role::Clerk, &cal)).unwrap();
        assert_eq!(states(&c), vec![CaseState::Accepted, CaseState::Approved]);
        assert!(c.tasks_opened.is_empty());

        f.item.handling_type = HandlingType::Commitment;
        let err = execute(&f, &Command::Accept { comment: String::new() }, &ctx(Role::Clerk, &cal)).unwrap_err();
        assert!(matches!(err, CaseError::Invalid("form.commitment", _, _)));
        f.commitment_signed = true;
        let c = execute(&f, &Command::Accept { comment: String::new() }, &ctx(Role::Clerk, &cal)).unwrap();
        assert_eq!(states(&c), vec![CaseState::Accepted, CaseState::Approved]);
        assert_eq!(c.tasks_opened[0].kind, TaskKind::PostCheck);
        assert_eq!(c.tasks_opened[0].department, "scjgj", "the owning department checks later");
    }

    #[test]
    fn a_second_correction_notice_must_say_why() {
        let cal = calendar();
        let corrections = vec![Correction { material: "营业执照".into(), reason: "复印件不清晰".into() }];
        let mut f = file(CaseState::Submitted);
        let c =
            execute(&f, &Command::RequestCorrection { corrections: corrections.clone(), reason: String::new() }, &ctx(Role::Clerk, &cal))
                .unwrap();
        assert_eq!(states(&c), vec![CaseState::CorrectionRequested]);
        f.correction_rounds = 1;
        let err =
            execute(&f, &Command::RequestCorrection { corrections: corrections.clone(), reason: " ".into() }, &ctx(Role::Clerk, &cal))
                .unwrap_err();
        assert!(matches!(err, CaseError::Invalid("reason", _, _)));
        let c = execute(
            &f,
            &Command::RequestCorrection { corrections, reason: "申请人变更了经营场所，需补充新场所证明".into() },
            &ctx(Role::Clerk, &cal),
        )
        .unwrap();
        assert_eq!(c.events[0].detail["round"], 2);
        let err =
            execute(&f, &Command::RequestCorrection { corrections: vec![], reason: "x".into() }, &ctx(Role::Clerk, &cal)).unwrap_err();
        assert!(matches!(err, CaseError::Invalid("corrections", _, _)));
    }

    #[test]
    fn steps_then_joint_opinions_then_decision() {
        let cal = calendar();
        let mut f = file(CaseState::InReview);
        f.item.joint_departments = vec!["gafj".into(), "wjj".into()];
        f.open_tasks = vec![OpenTask { id: 1, kind: TaskKind::Step, name: "审查".into(), department: "spj".into(), seq: 1 }];
        let done = |id| Command::CompleteTask { task_id: id, opinion: Opinion::Approve, comment: "符合条件".into() };
        let c = execute(&f, &done(1), &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(states(&c), vec![CaseState::InReview], "a step is logged but changes no state");
        assert_eq!(c.tasks_opened[0].name, "核准");
        assert_eq!(c.tasks_opened[0].seq, 2);

        f.open_tasks = vec![OpenTask { id: 2, kind: TaskKind::Step, name: "核准".into(), department: "spj".into(), seq: 2 }];
        // The leader cannot decide while a step is open.
        let decide = Command::Decide { outcome: Outcome::Approved, reason: String::new(), legal_basis: String::new() };
        assert!(matches!(execute(&f, &decide, &ctx(Role::Leader, &cal)), Err(CaseError::NotReady(_, _))));
        let c = execute(&f, &done(2), &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(states(&c), vec![CaseState::InReview, CaseState::AwaitingOpinions]);
        assert_eq!(c.tasks_opened.len(), 2);

        f.state = CaseState::AwaitingOpinions;
        f.opinion_tasks_opened = 2;
        f.open_tasks = vec![
            OpenTask { id: 3, kind: TaskKind::Opinion, name: "联审意见".into(), department: "gafj".into(), seq: 0 },
            OpenTask { id: 4, kind: TaskKind::Opinion, name: "联审意见".into(), department: "wjj".into(), seq: 0 },
        ];
        let c = execute(&f, &done(3), &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(states(&c), vec![CaseState::AwaitingOpinions], "one opinion still missing");
        let reject = Command::CompleteTask { task_id: 4, opinion: Opinion::Reject, comment: String::new() };
        assert!(matches!(execute(&f, &reject, &ctx(Role::Reviewer, &cal)), Err(CaseError::Invalid("comment", _, _))));
        f.open_tasks.remove(0);
        let c = execute(&f, &done(4), &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(states(&c), vec![CaseState::AwaitingOpinions, CaseState::InReview]);

        f.state = CaseState::InReview;
        f.open_tasks.clear();
        let c = execute(&f, &decide, &ctx(Role::Leader, &cal)).unwrap();
        assert_eq!(states(&c), vec![CaseState::Approved]);
        let mut no_authority = ctx(Role::Leader, &cal);
        no_authority.may_decide = false;
        assert!(matches!(execute(&f, &decide, &no_authority), Err(CaseError::NotReady(_, _))));
        assert_eq!(execute(&f, &decide, &ctx(Role::Reviewer, &cal)), Err(CaseError::Role(Role::Reviewer)));
    }

    #[test]
    fn an_inspection_step_needs_its_record() {
        let cal = calendar();
        let mut f = file(CaseState::InReview);
        f.open_tasks = vec![OpenTask { id: 5, kind: TaskKind::Step, name: "现场核查".into(), department: "spj".into(), seq: 2 }];
        let approve = |comment: &str| Command::CompleteTask { task_id: 5, opinion: Opinion::Approve, comment: comment.into() };
        // Findings typed in the opinion are not an inspection.
        assert!(matches!(execute(&f, &approve("现场与平面图一致"), &ctx(Role::Reviewer, &cal)), Err(CaseError::Invalid("comment", _, _))));
        // Refusing the step needs its reasons only.
        let reject = Command::CompleteTask { task_id: 5, opinion: Opinion::Reject, comment: "申请人拒绝现场核查".into() };
        assert!(execute(&f, &reject, &ctx(Role::Reviewer, &cal)).is_ok());
        f.inspections_done = 1;
        assert!(execute(&f, &approve("现场与平面图一致"), &ctx(Role::Reviewer, &cal)).is_ok());
        assert!(matches!(execute(&f, &approve("  "), &ctx(Role::Reviewer, &cal)), Err(CaseError::Invalid("comment", _, _))));
    }

    #[test]
    fn an_opinion_needs_its_text_whatever_the_conclusion() {
        let cal = calendar();
        let mut f = file(CaseState::InReview);
        f.open_tasks = vec![OpenTask { id: 4, kind: TaskKind::Step, name: "审查".into(), department: "spj".into(), seq: 1 }];
        for opinion in [Opinion::Approve, Opinion::Reject] {
            for blank in ["", " \n\t"] {
                let c = Command::CompleteTask { task_id: 4, opinion, comment: blank.into() };
                assert!(
                    matches!(execute(&f, &c, &ctx(Role::Reviewer, &cal)), Err(CaseError::Invalid("comment", _, _))),
                    "{opinion:?} {blank:?}"
                );
            }
        }
        let c = Command::CompleteTask { task_id: 4, opinion: Opinion::Approve, comment: "材料齐全，符合条件".into() };
        assert!(execute(&f, &c, &ctx(Role::Reviewer, &cal)).is_ok());
    }

    #[test]
    fn a_denial_needs_reasons_and_legal_basis_and_deficiencies_block_approval() {
        let cal = calendar();
        let mut f = file(CaseState::InReview);
        let deny = Command::Decide { outcome: Outcome::Denied, reason: "经营场所不符合要求".into(), legal_basis: String::new() };
        assert!(matches!(execute(&f, &deny, &ctx(Role::Leader, &cal)), Err(CaseError::Invalid("legal_basis", _, _))));
        f.deficiencies =
            vec![Deficiency { material: "营业执照".into(), deadline_date: jiff::civil::date(2024, 10, 9), supplied: false }];
        let approve = Command::Decide { outcome: Outcome::Approved, reason: String::new(), legal_basis: String::new() };
        assert!(matches!(execute(&f, &approve, &ctx(Role::Leader, &cal)), Err(CaseError::NotReady(_, _))));
        // Supplying the material clears it.
        let supply = Command::Resubmit { materials: vec![Attachment { requirement: "营业执照".into(), material_id: 9 }] };
        let c = execute(&f, &supply, &ctx(Role::Applicant, &cal)).unwrap();
        assert!(c.deficiencies.as_ref().unwrap()[0].supplied);
        assert_eq!(states(&c), vec![CaseState::InReview]);
    }

    #[test]
    fn inspections_and_delivery() {
        let cal = calendar();
        let f = file(CaseState::InReview);
        let order = |kind, deps: &[&str]| Command::OrderInspection {
            kind,
            departments: deps.iter().map(|s| s.to_string()).collect(),
            note: "核查经营场所".into(),
        };
        assert!(execute(&f, &order(InspectionKind::Commissioned, &[]), &ctx(Role::Reviewer, &cal)).is_err());
        assert!(execute(&f, &order(InspectionKind::Joint, &[]), &ctx(Role::Reviewer, &cal)).is_err());
        let c = execute(&f, &order(InspectionKind::Joint, &["scjgj"]), &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(states(&c), vec![CaseState::Inspecting]);
        let mut g = file(CaseState::Inspecting);
        g.open_inspection = Some(7);
        let complete =
            Command::CompleteInspection { inspection_id: 7, findings: "场所布局符合要求".into(), passed: true, photos: vec![3] };
        assert_eq!(states(&execute(&g, &complete, &ctx(Role::Reviewer, &cal)).unwrap()), vec![CaseState::InReview]);

        let approved = file(CaseState::Approved);
        let express =
            Command::Deliver { method: DeliveryMethod::Express, courier: "中国邮政EMS".into(), tracking_number: String::new() };
        assert!(matches!(execute(&approved, &express, &ctx(Role::Clerk, &cal)), Err(CaseError::Invalid("tracking_number", _, _))));
        let express =
            Command::Deliver {
                method: DeliveryMethod::Express, courier: "中国邮政EMS".into(), tracking_number: "1190000000001".into()
            };
        assert_eq!(states(&execute(&approved, &express, &ctx(Role::Clerk, &cal)).unwrap()), vec![CaseState::Delivered]);
        let window = Command::Deliver { method: DeliveryMethod::Window, courier: String::new(), tracking_number: String::new() };
        assert_eq!(states(&execute(&approved, &window, &ctx(Role::Clerk, &cal)).unwrap()), vec![CaseState::Closed]);
        let err = execute(&file(CaseState::InReview), &window, &ctx(Role::Clerk, &cal)).unwrap_err();
        assert!(matches!(
            err,
            CaseError::Transition(TransitionError::NotAllowed { state: CaseState::InReview, action: Action::DeliverInPerson })
        ));
    }

    #[test]
    fn forwarding_items_are_forwarded_and_the_reply_decides() {
        let cal = calendar();
        let mut f = file(CaseState::InReview);
        f.item.handling_type = HandlingType::Forwarding;
        let decide = Command::Decide { outcome: Outcome::Approved, reason: String::new(), legal_basis: String::new() };
        assert!(matches!(execute(&f, &decide, &ctx(Role::Leader, &cal)), Err(CaseError::Invalid("outcome", _, _))));
        let fwd = Command::Forward { to: "示范市行政审批服务局".into(), reference: "示审转〔2026〕1号".into() };
        assert_eq!(states(&execute(&f, &fwd, &ctx(Role::Leader, &cal)).unwrap()), vec![CaseState::Forwarded]);
        let reply =
            Command::RecordReply { outcome: Outcome::Approved, reference: "示市审复〔2026〕8号".into(), reason: String::new() };
        assert_eq!(states(&execute(&file(CaseState::Forwarded), &reply, &ctx(Role::Reviewer, &cal)).unwrap()), vec![CaseState::Approved]);
    }

    #[test]
    fn withdrawal_by_the_applicant_needs_a_reason_and_an_open_case() {
        let cal = calendar();
        let w = Command::Withdraw { reason: "不再经营".into() };
        assert_eq!(states(&execute(&file(CaseState::InReview), &w, &ctx(Role::Applicant, &cal)).unwrap()), vec![CaseState::Withdrawn]);
        assert!(execute(&file(CaseState::Approved), &w, &ctx(Role::Applicant, &cal)).is_err());
        assert!(execute(&file(CaseState::InReview), &Command::Withdraw { reason: String::new() }, &ctx(Role::Applicant, &cal)).is_err());
        assert_eq!(execute(&file(CaseState::InReview), &w, &ctx(Role::Reviewer, &cal)), Err(CaseError::Role(Role::Reviewer)));
    }

    #[test]
    fn acceptance_starts_the_clock_and_a_decision_stops_it() {
        let cal = calendar();
        let f = accepted(&cal);
        let clock = f.clock.clone().unwrap();
        assert_eq!((clock.start, clock.promised_days, clock.legal_days), (jiff::civil::date(2024, 9, 27), 5, 20));
        let deny = Command::Decide { outcome: Outcome::Denied, reason: "不符合条件".into(), legal_basis: "某条".into() };
        let c = execute(&f, &deny, &ctx(Role::Leader, &cal)).unwrap();
        assert_eq!(c.clock.unwrap().stopped_on, Some(jiff::civil::date(2024, 9, 27)));
    }

    #[test]
    fn pause_resume_and_extend_are_events_without_a_state_change() {
        let cal = calendar();
        let mut f = accepted(&cal);
        let pause = Command::PauseClock { kind: PauseKind::ExpertReview, reason: "组织专家评审".into() };
        assert_eq!(execute(&f, &pause, &ctx(Role::Applicant, &cal)), Err(CaseError::Role(Role::Applicant)));
        let blank = Command::PauseClock { kind: PauseKind::ExpertReview, reason: " ".into() };
        assert!(matches!(execute(&f, &blank, &ctx(Role::Reviewer, &cal)), Err(CaseError::Invalid("reason", _, _))));
        let c = execute(&f, &pause, &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(c.events[0].action, Action::PauseClock);
        assert_eq!(c.state(), Some(CaseState::InReview));
        f.clock = c.clock;
        assert!(matches!(execute(&f, &pause, &ctx(Role::Reviewer, &cal)), Err(CaseError::NotReady(..))), "already paused");
        let c = execute(&f, &Command::ResumeClock { reason: String::new() }, &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(c.events[0].action, Action::ResumeClock);
        f.clock = c.clock;
        let extend = Command::Extend { days: 10, reason: "情况复杂".into() };
        assert_eq!(execute(&f, &extend, &ctx(Role::Reviewer, &cal)), Err(CaseError::Role(Role::Reviewer)));
        let c = execute(&f, &extend, &ctx(Role::Leader, &cal)).unwrap();
        assert_eq!(c.clock.as_ref().unwrap().limit(), 15);
        assert!(c.due_date.is_some());
        f.clock = c.clock;
        assert!(matches!(execute(&f, &extend, &ctx(Role::Leader, &cal)), Err(CaseError::NotReady(..))), "only once");
        let mut leader = ctx(Role::Leader, &cal);
        leader.may_decide = false;
        let mut fresh = accepted(&cal);
        fresh.state = CaseState::InReview;
        assert!(matches!(execute(&fresh, &extend, &leader), Err(CaseError::NotReady(..))), "needs delegated authority");
        // Not before acceptance.
        assert!(matches!(execute(&file(CaseState::Submitted), &pause, &ctx(Role::Reviewer, &cal)), Err(CaseError::Transition(_))));
    }

    #[test]
    fn warnings_are_raised_once_per_level() {
        let cal = calendar();
        let mut f = accepted(&cal);
        let mut on_due = ctx(Role::Officer, &cal);
        on_due.today = f.clock.as_ref().unwrap().due_date(&cal, on_due.today).unwrap();
        let c = execute(&f, &Command::RaiseWarning, &on_due).unwrap();
        assert_eq!(c.warning, Some(WarningLevel::Red));
        assert_eq!(c.events[0].action, Action::Warn);
        f.warning = WarningLevel::Red;
        assert!(execute(&f, &Command::RaiseWarning, &on_due).is_err(), "red was raised already");
        assert!(execute(&accepted(&cal), &Command::RaiseWarning, &ctx(Role::Officer, &cal)).is_err(), "nothing due on day 0");
    }

    #[test]
    fn commissioned_inspections_and_deficiencies_stop_the_clock_when_they_should() {
        let cal = calendar();
        let mut f = accepted(&cal);
        let order =
            Command::OrderInspection { kind: InspectionKind::Commissioned, departments: vec!["zjj".into()], note: "委托检测".into() };
        let c = execute(&f, &order, &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(c.events.iter().map(|e| e.action).collect::<Vec<_>>(), vec![Action::OrderInspection, Action::PauseClock]);
        f.clock = c.clock;
        f.state = CaseState::Inspecting;
        f.open_inspection = Some(7);
        let done = Command::CompleteInspection { inspection_id: 7, findings: "合格".into(), passed: true, photos: vec![] };
        let c = execute(&f, &done, &ctx(Role::Reviewer, &cal)).unwrap();
        assert_eq!(c.events.last().unwrap().action, Action::ResumeClock);
        assert!(c.clock.unwrap().is_running());

        let mut f = file(CaseState::Submitted);
        f.item.deficiency_pauses_clock = true;
        f.materials.retain(|m| m.requirement != "营业执照");
        let c = execute(&f, &Command::AcceptWithDeficiency { missing: vec![("营业执照".into(), 3)] }, &ctx(Role::Clerk, &cal)).unwrap();
        let clock = c.clock.unwrap();
        assert_eq!(clock.open_pause().unwrap().kind, PauseKind::Deficiency);
        f.state = CaseState::InReview;
        f.deficiencies = c.deficiencies.unwrap();
        f.clock = Some(clock);
        assert!(execute(&f, &Command::ResumeClock { reason: String::new() }, &ctx(Role::Reviewer, &cal)).is_err(), "resumes by itself");
        let supply = Command::Resubmit { materials: vec![Attachment { requirement: "营业执照".into(), material_id: 9 }] };
        let c = execute(&f, &supply, &ctx(Role::Applicant, &cal)).unwrap();
        assert_eq!(c.events.last().unwrap().action, Action::ResumeClock);
        assert!(c.clock.unwrap().is_running());
    }

    /// Role × command: who may run each command is the permission table's answer, checked
    /// before anything else (the file below is in a state where most of them are illegal).
    #[test]
    fn who_may_run_each_command() {
        use Role::*;
        let cal = calendar();
        let task = |id, kind| OpenTask { id, kind, name: format!("任务{id}"), department: "spj".into(), seq: 1 };
        let f = CaseFile {
            open_tasks: vec![task(1, TaskKind::Step), task(2, TaskKind::Opinion), task(3, TaskKind::PostCheck)],
            ..file(CaseState::Closed)
        };
        let text = || "理由".to_string();
        let complete = |id| Command::CompleteTask { task_id: id, opinion: Opinion::Approve, comment: text() };
        let table: Vec<(Command, &[Role])> = vec![
            (Command::Accept { comment: text() }, &[Clerk]),
            (Command::AcceptWithDeficiency { missing: vec![] }, &[Clerk]),
            (Command::RequestCorrection { corrections: vec![], reason: text() }, &[Clerk]),
            (Command::Resubmit { materials: vec![] }, &[Applicant, Clerk]),
            (Command::Refuse { reason: text(), legal_basis: text() }, &[Clerk]),
            (Command::Withdraw { reason: text() }, &[Applicant, Clerk]),
            (complete(1), &[Reviewer]),
            (complete(2), &[Reviewer, Supervisor]),
            (complete(3), &[Supervisor]),
            (Command::OrderInspection { kind: InspectionKind::Independent, departments: vec![], note: text() }, &[Reviewer]),
            (Command::CompleteInspection { inspection_id: 1, findings: text(), passed: true, photos: vec![] }, &[Reviewer, Supervisor]),
            (Command::Decide { outcome: Outcome::Approved, reason: text(), legal_basis: text() }, &[Leader]),
            (Command::Forward { to: text(), reference: text() }, &[Leader]),
            (Command::RecordReply { outcome: Outcome::Denied, reference: text(), reason: text() }, &[Reviewer, Leader]),
            (Command::Deliver { method: DeliveryMethod::Window, courier: String::new(), tracking_number: String::new() }, &[Clerk]),
            (Command::ConfirmReceipt, &[Clerk]),
            (Command::PauseClock { kind: PauseKind::Hearing, reason: text() }, &[Clerk, Reviewer, Leader]),
            (Command::ResumeClock { reason: text() }, &[Clerk, Reviewer, Leader]),
            (Command::Extend { days: 5, reason: text() }, &[Leader]),
        ];
        for (command, allowed) in &table {
            let permission = command.permission(&f).expect("every user command names its permission");
            for role in Role::ALL {
                let refused = matches!(execute(&f, command, &ctx(role, &cal)), Err(CaseError::Role(_)));
                assert_eq!(!refused, allowed.contains(&role), "{role:?} running {command:?}");
                assert_eq!(role.grants(permission), allowed.contains(&role), "{role:?} holding {permission:?}");
            }
        }
        assert_eq!(Command::RaiseWarning.permission(&f), None, "the platform's own");
        assert_eq!(complete(9).permission(&f), None, "no such task: refused as not ready, not by role");
    }

    /// A command the case's state forbids is refused as such (409) before its input is looked
    /// at (422): accepting a refused case with nothing filled in says the case is refused.
    #[test]
    fn the_state_is_checked_before_the_input() {
        let cal = calendar();
        let cases: Vec<(CaseState, Command, Role, Action)> = vec![
            (
                CaseState::Refused,
                Command::RequestCorrection { corrections: vec![], reason: String::new() },
                Role::Clerk,
                Action::RequestCorrection,
            ),
            (CaseState::Refused, Command::Refuse { reason: String::new(), legal_basis: String::new() }, Role::Clerk, Action::Refuse),
            (
                CaseState::Submitted,
                Command::Decide { outcome: Outcome::Denied, reason: String::new(), legal_basis: String::new() },
                Role::Leader,
                Action::Deny,
            ),
            (CaseState::Closed, Command::Withdraw { reason: String::new() }, Role::Applicant, Action::Withdraw),
            (
                CaseState::Submitted,
                Command::Deliver { method: DeliveryMethod::Express, courier: String::new(), tracking_number: String::new() },
                Role::Clerk,
                Action::DeliverByExpress,
            ),
            (CaseState::Closed, Command::Resubmit { materials: vec![] }, Role::Applicant, Action::SupplyMaterials),
        ];
        for (state, command, role, action) in cases {
            let refused = execute(&file(state), &command, &ctx(role, &cal)).unwrap_err();
            assert_eq!(refused, CaseError::Transition(TransitionError::NotAllowed { state, action }), "{command:?} in {state:?}");
        }
        // In a state that allows it, the same empty input is the input's fault.
        let refused = execute(
            &file(CaseState::Submitted),
            &Command::Refuse { reason: String::new(), legal_basis: String::new() },
            &ctx(Role::Clerk, &cal),
        );
        assert!(matches!(refused, Err(CaseError::Invalid("reason", ..))), "{refused:?}");
    }
}
