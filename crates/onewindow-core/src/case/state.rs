//! The case state machine (DESIGN.md "Case states"). Every transition a user or the platform
//! makes goes through [`CaseState::apply`]; an action that is not legal in the current state is
//! refused here, not in the UI.

use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// 已提交: waiting at the window.
    Submitted,
    /// 待补正: a one-time correction notice was issued; the clock stops until resubmission.
    CorrectionRequested,
    /// 已受理.
    Accepted,
    /// 容缺受理: accepted with listed materials to follow.
    AcceptedWithDeficiency,
    /// 不予受理 (final).
    Refused,
    /// 审查中: back-office steps running.
    InReview,
    /// 征求意见: parallel opinions of several departments (联审联办).
    AwaitingOpinions,
    /// 现场核查.
    Inspecting,
    /// 已转报: passed to the higher level, waiting for its reply.
    Forwarded,
    /// 准予许可 / 已备案 / 告知承诺准予.
    Approved,
    /// 不予许可.
    Denied,
    /// 已寄出: the result is with the courier.
    Delivered,
    /// 已办结 (final).
    Closed,
    /// 已撤回 (final).
    Withdrawn,
}

/// Something done to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 受理.
    Accept,
    /// 容缺受理.
    AcceptWithDeficiency,
    /// 一次性告知补正.
    RequestCorrection,
    /// The applicant resubmits after a correction notice.
    Resubmit,
    /// The applicant supplies materials listed at a deficiency acceptance (no state change).
    SupplyMaterials,
    /// 不予受理.
    Refuse,
    /// 撤回 by the applicant.
    Withdraw,
    /// The platform routes an accepted case to the back office.
    StartReview,
    /// The platform registers a filing (备案) on acceptance.
    Register,
    /// The platform approves a 告知承诺 case on the applicant's signed commitment.
    ApproveOnCommitment,
    /// The platform opens the parallel opinion tasks.
    RequestOpinions,
    /// The last opinion came in.
    OpinionsComplete,
    /// A reviewer orders a site inspection.
    OrderInspection,
    /// The inspection's findings are recorded.
    CompleteInspection,
    /// 转报 to the higher level.
    Forward,
    /// The higher level approved.
    ReplyApproved,
    /// The higher level denied.
    ReplyDenied,
    /// 准予许可.
    Approve,
    /// 不予许可.
    Deny,
    /// The result is handed over at the window or pushed online.
    DeliverInPerson,
    /// The result is sent by express.
    DeliverByExpress,
    /// The courier reports the result received.
    ConfirmReceipt,
    /// A task is completed with an opinion (no state change by itself).
    CompleteTask,
    /// The time-limit clock is paused (no state change).
    PauseClock,
    /// The clock resumes (no state change).
    ResumeClock,
    /// The bureau's leader extends the time limit (no state change).
    Extend,
    /// The supervision worker raises a warning (no state change).
    Warn,
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The action is not legal in this state.
    #[error("{action:?} is not allowed while the case is {state:?}")]
    NotAllowed {
        /// Current state.
        state: CaseState,
        /// Attempted action.
        action: Action,
    },
}

impl CaseState {
    /// Every state.
    pub const ALL: [CaseState; 14] = [
        CaseState::Submitted,
        CaseState::CorrectionRequested,
        CaseState::Accepted,
        CaseState::AcceptedWithDeficiency,
        CaseState::Refused,
        CaseState::InReview,
        CaseState::AwaitingOpinions,
        CaseState::Inspecting,
        CaseState::Forwarded,
        CaseState::Approved,
        CaseState::Denied,
        CaseState::Delivered,
        CaseState::Closed,
        CaseState::Withdrawn,
    ];

    /// The state after `action`, or why it is refused.
    pub fn apply(self, action: Action) -> Result<CaseState, TransitionError> {
        use Action as A;
        use CaseState as S;
        let next = match (self, action) {
            (S::Submitted, A::Accept) => S::Accepted,
            (S::Submitted, A::AcceptWithDeficiency) => S::AcceptedWithDeficiency,
            (S::Submitted, A::RequestCorrection) => S::CorrectionRequested,
            (S::Submitted, A::Refuse) => S::Refused,
            (S::CorrectionRequested, A::Resubmit) => S::Submitted,
            (S::AcceptedWithDeficiency | S::InReview | S::AwaitingOpinions | S::Inspecting, A::SupplyMaterials) => self,
            (S::Accepted | S::AcceptedWithDeficiency, A::StartReview) => S::InReview,
            (S::Accepted | S::AcceptedWithDeficiency, A::Register) => S::Approved,
            (S::Accepted, A::ApproveOnCommitment) => S::Approved,
            (S::InReview, A::RequestOpinions) => S::AwaitingOpinions,
            (S::AwaitingOpinions, A::OpinionsComplete) => S::InReview,
            (S::InReview, A::OrderInspection) => S::Inspecting,
            (S::Inspecting, A::CompleteInspection) => S::InReview,
            (S::InReview, A::Forward) => S::Forwarded,
            (S::Forwarded, A::ReplyApproved) => S::Approved,
            (S::Forwarded, A::ReplyDenied) => S::Denied,
            (S::InReview, A::Approve) => S::Approved,
            (S::InReview, A::Deny) => S::Denied,
            (S::Approved | S::Denied, A::DeliverInPerson) => S::Closed,
            (S::Approved | S::Denied, A::DeliverByExpress) => S::Delivered,
            (S::Delivered, A::ConfirmReceipt) => S::Closed,
            (s, A::Withdraw) if s.is_open() => S::Withdrawn,
            // The time limit runs from acceptance to the decision.
            (s, A::PauseClock | A::ResumeClock | A::Extend | A::Warn) if s.is_accepted() && s.is_open() => s,
            // Review steps and opinions run while the case is under review; the later check of
            // a 告知承诺 approval runs after the decision, even after the case is closed.
            (S::InReview | S::AwaitingOpinions | S::Approved | S::Delivered | S::Closed, A::CompleteTask) => self,
            (state, action) => return Err(TransitionError::NotAllowed { state, action }),
        };
        Ok(next)
    }

    /// Whether the application is still being handled (the applicant may withdraw it).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseState::Submitted
                | CaseState::CorrectionRequested
                | CaseState::Accepted
                | CaseState::AcceptedWithDeficiency
                | CaseState::InReview
                | CaseState::AwaitingOpinions
                | CaseState::Inspecting
                | CaseState::Forwarded
        )
    }

    /// Whether nothing more can happen.
    pub fn is_final(self) -> bool {
        matches!(self, CaseState::Refused | CaseState::Closed | CaseState::Withdrawn)
    }

    /// Whether the case has been accepted (its promised time limit runs or has run).
    pub fn is_accepted(self) -> bool {
        !matches!(self, CaseState::Submitted | CaseState::CorrectionRequested | CaseState::Refused) && !(self == CaseState::Withdrawn)
    }

    /// The code in JSON and the database.
    pub fn code(self) -> &'static str {
        match self {
            CaseState::Submitted => "submitted",
            CaseState::CorrectionRequested => "correction_requested",
            CaseState::Accepted => "accepted",
            CaseState::AcceptedWithDeficiency => "accepted_with_deficiency",
            CaseState::Refused => "refused",
            CaseState::InReview => "in_review",
            CaseState::AwaitingOpinions => "awaiting_opinions",
            CaseState::Inspecting => "inspecting",
            CaseState::Forwarded => "forwarded",
            CaseState::Approved => "approved",
            CaseState::Denied => "denied",
            CaseState::Delivered => "delivered",
            CaseState::Closed => "closed",
            CaseState::Withdrawn => "withdrawn",
        }
    }

    /// Parses a state code.
    pub fn parse(raw: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|s| s.code() == raw)
    }

    /// The Chinese label shown to users.
    pub fn label_zh(self) -> &'static str {
        match self {
            CaseState::Submitted => "已提交，待受理",
            CaseState::CorrectionRequested => "待补正材料",
            CaseState::Accepted => "已受理",
            CaseState::AcceptedWithDeficiency => "容缺受理",
            CaseState::Refused => "不予受理",
            CaseState::InReview => "审查中",
            CaseState::AwaitingOpinions => "征求部门意见",
            CaseState::Inspecting => "现场核查中",
            CaseState::Forwarded => "已转报上级",
            CaseState::Approved => "准予许可，待送达",
            CaseState::Denied => "不予许可，待送达",
            CaseState::Delivered => "结果已寄出",
            CaseState::Closed => "已办结",
            CaseState::Withdrawn => "已撤回",
        }
    }
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 27] = [
        Action::Accept,
        Action::AcceptWithDeficiency,
        Action::RequestCorrection,
        Action::Resubmit,
        Action::SupplyMaterials,
        Action::Refuse,
        Action::Withdraw,
        Action::StartReview,
        Action::Register,
        Action::ApproveOnCommitment,
        Action::RequestOpinions,
        Action::OpinionsComplete,
        Action::OrderInspection,
        Action::CompleteInspection,
        Action::Forward,
        Action::ReplyApproved,
        Action::ReplyDenied,
        Action::Approve,
        Action::Deny,
        Action::DeliverInPerson,
        Action::DeliverByExpress,
        Action::ConfirmReceipt,
        Action::CompleteTask,
        Action::PauseClock,
        Action::ResumeClock,
        Action::Extend,
        Action::Warn,
    ];

    /// Parses an action code as stored in case events.
    pub fn parse(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The code in events and URLs.
    pub fn code(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::AcceptWithDeficiency => "accept_with_deficiency",
            Action::RequestCorrection => "request_correction",
            Action::Resubmit => "resubmit",
            Action::SupplyMaterials => "supply_materials",
            Action::Refuse => "refuse",
            Action::Withdraw => "withdraw",
            Action::StartReview => "start_review",
            Action::Register => "register",
            Action::ApproveOnCommitment => "approve_on_commitment",
            Action::RequestOpinions => "request_opinions",
            Action::OpinionsComplete => "opinions_complete",
            Action::OrderInspection => "order_inspection",
            Action::CompleteInspection => "complete_inspection",
            Action::Forward => "forward",
            Action::ReplyApproved => "reply_approved",
            Action::ReplyDenied => "reply_denied",
            Action::Approve => "approve",
            Action::Deny => "deny",
            Action::DeliverInPerson => "deliver",
            Action::DeliverByExpress => "deliver_express",
            Action::ConfirmReceipt => "confirm_receipt",
            Action::CompleteTask => "complete_task",
            Action::PauseClock => "pause_clock",
            Action::ResumeClock => "resume_clock",
            Action::Extend => "extend",
            Action::Warn => "warn",
        }
    }

    /// The Chinese label for the case log.
    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Accept => "受理",
            Action::AcceptWithDeficiency => "容缺受理",
            Action::RequestCorrection => "一次性告知补正",
            Action::Resubmit => "补正后重新提交",
            Action::SupplyMaterials => "补交容缺材料",
            Action::Refuse => "不予受理",
            Action::Withdraw => "撤回申请",
            Action::StartReview => "转入后台审查",
            Action::Register => "予以备案",
            Action::ApproveOnCommitment => "告知承诺准予许可",
            Action::RequestOpinions => "征求联审部门意见",
            Action::OpinionsComplete => "联审意见齐全",
            Action::OrderInspection => "安排现场核查",
            Action::CompleteInspection => "现场核查完成",
            Action::Forward => "转报上级机关",
            Action::ReplyApproved => "上级机关准予",
            Action::ReplyDenied => "上级机关不予准予",
            Action::Approve => "准予许可",
            Action::Deny => "不予许可",
            Action::DeliverInPerson => "送达",
            Action::DeliverByExpress => "快递送达",
            Action::ConfirmReceipt => "签收",
            Action::CompleteTask => "办理任务",
            Action::PauseClock => "暂停计时",
            Action::ResumeClock => "恢复计时",
            Action::Extend => "延长办理期限",
            Action::Warn => "时限预警",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use CaseState as S;

    #[test]
    fn transitions() {
        let table = [
            (S::Submitted, A::Accept, Ok(S::Accepted)),
            (S::Submitted, A::AcceptWithDeficiency, Ok(S::AcceptedWithDeficiency)),
            (S::Submitted, A::RequestCorrection, Ok(S::CorrectionRequested)),
            (S::Submitted, A::Refuse, Ok(S::Refused)),
            (S::CorrectionRequested, A::Resubmit, Ok(S::Submitted)),
            (S::CorrectionRequested, A::Accept, Err(())),
            (S::Accepted, A::StartReview, Ok(S::InReview)),
            (S::AcceptedWithDeficiency, A::StartReview, Ok(S::InReview)),
            (S::Accepted, A::Register, Ok(S::Approved)),
            (S::Accepted, A::ApproveOnCommitment, Ok(S::Approved)),
            (S::AcceptedWithDeficiency, A::ApproveOnCommitment, Err(())),
            (S::InReview, A::RequestOpinions, Ok(S::AwaitingOpinions)),
            (S::AwaitingOpinions, A::OpinionsComplete, Ok(S::InReview)),
            (S::AwaitingOpinions, A::Approve, Err(())),
            (S::InReview, A::OrderInspection, Ok(S::Inspecting)),
            (S::Inspecting, A::CompleteInspection, Ok(S::InReview)),
            (S::Inspecting, A::Approve, Err(())),
            (S::InReview, A::Forward, Ok(S::Forwarded)),
            (S::Forwarded, A::ReplyApproved, Ok(S::Approved)),
            (S::Forwarded, A::ReplyDenied, Ok(S::Denied)),
            (S::InReview, A::Approve, Ok(S::Approved)),
            (S::InReview, A::Deny, Ok(S::Denied)),
            (S::Submitted, A::Approve, Err(())),
            (S::Approved, A::DeliverInPerson, Ok(S::Closed)),
            (S::Denied, A::DeliverInPerson, Ok(S::Closed)),
            (S::Approved, A::DeliverByExpress, Ok(S::Delivered)),
            (S::Delivered, A::ConfirmReceipt, Ok(S::Closed)),
            (S::InReview, A::DeliverInPerson, Err(())),
            (S::Approved, A::Withdraw, Err(())),
            (S::Closed, A::Withdraw, Err(())),
            (S::InReview, A::Withdraw, Ok(S::Withdrawn)),
            (S::CorrectionRequested, A::Withdraw, Ok(S::Withdrawn)),
            (S::InReview, A::SupplyMaterials, Ok(S::InReview)),
            (S::Submitted, A::SupplyMaterials, Err(())),
            (S::InReview, A::PauseClock, Ok(S::InReview)),
            (S::Forwarded, A::Warn, Ok(S::Forwarded)),
            (S::AcceptedWithDeficiency, A::Extend, Ok(S::AcceptedWithDeficiency)),
            (S::Submitted, A::PauseClock, Err(())),
            (S::CorrectionRequested, A::Warn, Err(())),
            (S::Approved, A::ResumeClock, Err(())),
            (S::Approved, A::Warn, Err(())),
        ];
        for (from, action, expected) in table {
            assert_eq!(from.apply(action).map_err(|_| ()), expected, "{from:?} + {action:?}");
        }
    }

    #[test]
    fn final_states_accept_nothing() {
        // Every action but the later check, which a closed case still takes.
        let actions: Vec<Action> = Action::ALL.into_iter().filter(|a| *a != A::CompleteTask).collect();
        for s in S::ALL.into_iter().filter(|s| s.is_final()) {
            assert_eq!(s.apply(A::CompleteTask).is_ok(), s == S::Closed, "only a closed case takes its later check");
            for &a in &actions {
                assert_eq!(s.apply(a), Err(TransitionError::NotAllowed { state: s, action: a }), "{s:?} + {a:?}");
            }
        }
        // Every open state can be withdrawn; no closed one can.
        for s in S::ALL {
            assert_eq!(s.apply(A::Withdraw).is_ok(), s.is_open(), "{s:?}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.code()), Some(a));
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::Value::String(s.code().into()));
        }
    }
}
