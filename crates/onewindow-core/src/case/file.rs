//! What a command is decided on: a snapshot of the case as the store read it (or as its last
//! write left it).

use super::clock::{CaseClock, WarningLevel};
use super::{Attachment, CaseState, Deficiency, TaskKind};
use crate::catalogue::ItemSpec;

/// An open task of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTask {
    /// Identifier.
    pub id: i64,
    /// Kind.
    pub kind: TaskKind,
    /// Name (the step's name, or 联审意见).
    pub name: String,
    /// Department that holds it.
    pub department: String,
    /// Position among the item's steps (1-based) for step tasks.
    pub seq: u32,
}

/// What a command needs to know about the case.
#[derive(Debug, Clone)]
pub struct CaseFile {
    /// Current state.
    pub state: CaseState,
    /// The item version the case runs under.
    pub item: ItemSpec,
    /// The materials given, one per requirement (the requirement's name and the stored
    /// material), ordered by requirement.
    pub materials: Vec<Attachment>,
    /// Materials accepted as missing.
    pub deficiencies: Vec<Deficiency>,
    /// Correction notices issued so far.
    pub correction_rounds: u32,
    /// Open tasks, oldest first.
    pub open_tasks: Vec<OpenTask>,
    /// Opinion tasks opened so far (open or done).
    pub opinion_tasks_opened: u32,
    /// The open inspection, if any (a case has one at most: a second is refused while one is
    /// open).
    pub open_inspection: Option<i64>,
    /// Inspections completed so far.
    pub inspections_done: u32,
    /// Whether the applicant signed the written commitment (告知承诺).
    pub commitment_signed: bool,
    /// The time limit, once accepted.
    pub clock: Option<CaseClock>,
    /// The highest warning raised so far.
    pub warning: WarningLevel,
}

impl CaseFile {
    /// The requirements a material is given for.
    pub fn provided(&self) -> impl Iterator<Item = &str> {
        self.materials.iter().map(|m| m.requirement.as_str())
    }

    /// Where the case waits, for an accountability record (问责): the oldest open task that is
    /// not a later check (its name and department), else the case's state and handling
    /// department.
    pub fn desk(&self) -> (String, String) {
        match self.open_tasks.iter().filter(|t| t.kind != TaskKind::PostCheck).min_by_key(|t| t.id) {
            Some(t) => (t.name.clone(), t.department.clone()),
            None => (self.state.label_zh().to_string(), self.item.handling_department.clone()),
        }
    }
}
