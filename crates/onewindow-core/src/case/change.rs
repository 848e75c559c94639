//! What a command does to a case, as data: [`execute`](super::execute) decides it, the store
//! writes exactly what it lists (state, events, tasks opened, completed and cancelled,
//! inspections, materials attached and verified) and decides nothing itself.

use super::clock::{CaseClock, ClockSummary, WarningLevel};
use super::{Action, Attachment, CaseState, Correction, Deficiency, DeliveryMethod, InspectionKind, Opinion, Outcome, TaskKind};
use crate::calendar::{Calendar, CalendarError};
use jiff::civil::Date;

/// One event to append to the case log.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    /// What happened.
    pub action: Action,
    /// State before.
    pub from: CaseState,
    /// State after.
    pub to: CaseState,
    /// Why, in the actor's words.
    pub reason: String,
    /// Details as JSON.
    pub detail: serde_json::Value,
}

/// A task to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    /// Kind.
    pub kind: TaskKind,
    /// Name.
    pub name: String,
    /// Department that holds it.
    pub department: String,
    /// Position among the item's steps (step tasks), else 0.
    pub seq: u32,
}

/// An open task completed with an opinion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoneTask {
    /// The task.
    pub id: i64,
    /// The opinion given.
    pub opinion: Opinion,
    /// The comment, trimmed.
    pub comment: String,
}

/// A site inspection to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInspection {
    /// Mode.
    pub kind: InspectionKind,
    /// Departments taking part (joint) or doing it (commissioned).
    pub departments: Vec<String>,
    /// What to check, trimmed.
    pub note: String,
}

/// The open inspection's findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoneInspection {
    /// The inspection.
    pub id: i64,
    /// Findings, trimmed.
    pub findings: String,
    /// Whether the site meets the conditions.
    pub passed: bool,
    /// Photos, as stored materials.
    pub photos: Vec<i64>,
}

/// A decision on the application (or the higher level's reply to a forwarded one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Approved or denied.
    pub outcome: Outcome,
    /// Reasons, trimmed.
    pub reason: String,
    /// Legal basis (for a reply: its reference), trimmed.
    pub basis: String,
}

/// Why the application is not accepted (不予受理).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Reason, trimmed.
    pub reason: String,
    /// Legal basis, trimmed.
    pub basis: String,
}

/// How the result is handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// How.
    pub method: DeliveryMethod,
    /// Courier name (express), trimmed.
    pub courier: String,
    /// Tracking number (express), trimmed.
    pub tracking_number: String,
}

/// Everything a command changes; written by the store in one transaction, nothing more.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Change {
    /// Events, in order; the last one's `to` is the new state.
    pub events: Vec<EventDraft>,
    /// Tasks to open, in this order.
    pub tasks_opened: Vec<NewTask>,
    /// The open task completed.
    pub task_done: Option<DoneTask>,
    /// Open tasks to cancel (a closing case's work left undone), by id.
    pub tasks_cancelled: Vec<i64>,
    /// The inspection to open.
    pub inspection_ordered: Option<NewInspection>,
    /// The open inspection completed.
    pub inspection_done: Option<DoneInspection>,
    /// Open inspections to cancel, by id.
    pub inspections_cancelled: Vec<i64>,
    /// Materials to attach, each replacing what its requirement had; a material nobody owns
    /// yet becomes the applicant's.
    pub materials_attached: Vec<Attachment>,
    /// Stored materials the clerk checked at acceptance, to mark verified (a verification
    /// already recorded stays as it is), by id.
    pub materials_verified: Vec<i64>,
    /// New list of deficiencies, when it changes.
    pub deficiencies: Option<Vec<Deficiency>>,
    /// The corrections of a new notice.
    pub corrections: Option<Vec<Correction>>,
    /// Set when the case is accepted or extended: the promised due date.
    pub due_date: Option<Date>,
    /// Set when decided.
    pub decision: Option<Decision>,
    /// Set when refused.
    pub refusal: Option<Refusal>,
    /// Set when delivered.
    pub delivery: Option<Delivery>,
    /// The clock after the change, when it changes.
    pub clock: Option<CaseClock>,
    /// A warning level raised.
    pub warning: Option<WarningLevel>,
}

impl Change {
    /// The state after the change, or `None` when no event changes it.
    pub fn state(&self) -> Option<CaseState> {
        self.events.last().map(|e| e.to)
    }

    /// The summary of the clock after the change, when the change sets one; `raised` is the
    /// highest warning raised before (a level once raised stays).
    pub fn clock_summary(&self, raised: WarningLevel, calendar: &Calendar, today: Date) -> Result<Option<ClockSummary>, CalendarError> {
        let Some(clock) = &self.clock else {
            return Ok(None);
        };
        let warning = self.warning.unwrap_or(raised).max(raised);
        clock.summary(calendar, warning, today).map(Some)
    }

    /// Whether the change accepts the application (the acceptance's time and clerk are kept).
    pub fn accepts(&self) -> bool {
        self.events.iter().any(|e| matches!(e.action, Action::Accept | Action::AcceptWithDeficiency))
    }

    /// Whether the actor becomes the case's first responsible (首问负责人): the case has none
    /// yet (`first_clerk` empty: it came in online) and the change is the window's first
    /// handling of it — accepting, refusing or asking for corrections.
    pub fn makes_first_responsible(&self, first_clerk: &str) -> bool {
        first_clerk.is_empty()
            && self
                .events
                .iter()
                .any(|e| matches!(e.action, Action::Accept | Action::AcceptWithDeficiency | Action::Refuse | Action::RequestCorrection))
    }
}
