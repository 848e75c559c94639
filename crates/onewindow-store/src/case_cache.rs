//! What this process knows of the cases it last wrote, so that the next command on a case need
//! not read it back (PostgreSQL command path, `cases_pg`).
//!
//! A known case file is only ever a guess: the command's write is guarded by the last event's
//! number and by the due dates and alarm (see `cases_pg`), exactly as for a file read from the
//! database. A guess that is out of date (another server process, the supervision worker, a
//! calendar change moved the case) makes the write match nothing; the command then forgets it,
//! reads the case and is decided again. A refusal decided on a guess is never answered: the
//! case is read and the command decided again first. So a stale entry costs one wasted try,
//! never a wrong answer. A command that needs the actor's delegated authority assumes it on a
//! guess, and the write checks it in its guard.
//!
//! Only what the write itself tells for certain is kept: the case row comes back from the
//! UPDATE (`RETURNING`), the tasks opened come back with their ids, and the change lists by id
//! what it completed and cancelled. A change whose effect on the file is not known that way (an
//! inspection ordered, completed or cancelled, a change without an event) forgets the case
//! instead.
//!
//! Tasks' cases and kinds never change once a task exists, so [`TaskOwners`] can answer "which
//! case is task 42 of" without a read for every task this process opened or looked up.
//!
//! Both earn their place by measurement (docs/performance.md): `ONEWINDOW_CASE_FILE_GUESS=off`
//! and `ONEWINDOW_TASK_OWNERS=off` turn them off, to measure them again.

use crate::cases::CaseRecord;
use onewindow_core::case::{Change, TaskKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Case files kept at most.
const FILES_MAX: usize = 4096;
/// Tasks' owners kept at most.
const OWNERS_MAX: usize = 16384;

/// An open task as read with the case: id, kind code, name, department, step.
pub(crate) type OpenTaskRow = (i64, String, String, String, i64);

/// A case file as the command path reads it.
#[derive(Debug, Clone)]
pub(crate) struct KnownCase {
    pub case: CaseRecord,
    /// `next_alarm_at` as stored (part of the write's guard).
    pub alarm: Option<i64>,
    pub tasks: Vec<OpenTaskRow>,
    /// Materials given: requirement, material; ordered by requirement.
    pub materials: Vec<(String, i64)>,
    /// Inspections: id, state.
    pub inspections: Vec<(i64, String)>,
}

impl KnownCase {
    /// The file after `change` was written, given the case row the write returned, its alarm and
    /// the ids of the tasks it opened (ascending, in the order of `change.new_tasks`); `None`
    /// when the change's effect on the file cannot be told from these.
    pub(crate) fn after(&self, change: &Change, case: CaseRecord, alarm: Option<i64>, new_task_ids: &[i64]) -> Option<KnownCase> {
        if change.events.is_empty()
            || change.inspection_ordered.is_some()
            || change.inspection_done.is_some()
            || !change.inspections_cancelled.is_empty()
            || change.tasks_opened.len() != new_task_ids.len()
        {
            return None;
        }
        let done = change.task_done.as_ref().map(|t| t.id);
        let mut tasks: Vec<OpenTaskRow> =
            self.tasks.iter().filter(|t| Some(t.0) != done && !change.tasks_cancelled.contains(&t.0)).cloned().collect();
        for (t, id) in change.tasks_opened.iter().zip(new_task_ids) {
            tasks.push((*id, crate::cases::task_kind_code(t.kind).to_string(), t.name.clone(), t.department.clone(), i64::from(t.seq)));
        }
        tasks.sort_unstable_by_key(|t| t.0);
        let mut materials = self.materials.clone();
        for a in &change.materials_attached {
            materials.retain(|(requirement, _)| *requirement != a.requirement);
            materials.push((a.requirement.clone(), a.material_id));
        }
        materials.sort_unstable(); // as read: ordered by requirement
        Some(KnownCase { case, alarm, tasks, materials, inspections: self.inspections.clone() })
    }
}

/// A map of at most `MAX` entries shared between requests; past that it starts again empty (a
/// miss costs one read, as without it).
pub(crate) struct Bounded<K, V, const MAX: usize>(Mutex<HashMap<K, V>>);

impl<K, V, const MAX: usize> Default for Bounded<K, V, MAX> {
    fn default() -> Self {
        Bounded(Mutex::new(HashMap::new()))
    }
}

impl<K: std::hash::Hash + Eq, V: Clone, const MAX: usize> Bounded<K, V, MAX> {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<K, V>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn get<Q: std::hash::Hash + Eq + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map().get(key).cloned()
    }

    pub(crate) fn put(&self, entries: impl IntoIterator<Item = (K, V)>) {
        let mut map = self.map();
        for (key, value) in entries {
            if map.len() >= MAX {
                map.clear();
            }
            map.insert(key, value);
        }
    }

    pub(crate) fn forget<Q: std::hash::Hash + Eq + ?Sized>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map().remove(key);
    }
}

/// Case files by number.
pub(crate) type CaseFiles = Bounded<String, Arc<KnownCase>, FILES_MAX>;

impl CaseFiles {
    pub(crate) fn keep(&self, known: KnownCase) {
        self.put([(known.case.number.clone(), Arc::new(known))]);
    }
}

/// Whether tasks' owners are kept: unless `ONEWINDOW_TASK_OWNERS=off` (read once), to measure
/// what the map is worth.
pub(crate) fn task_owners_kept() -> bool {
    static ON: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| std::env::var("ONEWINDOW_TASK_OWNERS").as_deref() != Ok("off"));
    *ON
}

/// Tasks' cases and kinds by task id.
pub(crate) type TaskOwners = Bounded<i64, (String, TaskKind), OWNERS_MAX>;

#[cfg(test)]
mod tests {
    use super::*;
    use onewindow_core::case::clock::WarningLevel;
    use onewindow_core::case::{
        Action, Applicant, ApplicantKind, Attachment, CaseState, DoneInspection, DoneTask, EventDraft, InspectionKind, NewInspection,
        NewTask, Opinion,
    };

    fn case(state: CaseState) -> CaseRecord {
        let text = String::new;
        CaseRecord {
            number: "6199012026112300001".into(),
            query_code: "Q1".into(),
            item_code: "ITEM".into(),
            item_version: 1,
            item_name: "事项".into(),
            handling_department: "lyj".into(),
            applicant: Applicant {
                kind: ApplicantKind::Person,
                name: "张三".into(),
                id_number: "110101199003074514".into(),
                phone: text(),
                address: text(),
            },
            applicant_user_id: None,
            channel: onewindow_core::case::Channel::Window,
            agent: text(),
            service_point_id: None,
            first_clerk: text(),
            form: serde_json::json!({}),
            state,
            submitted_at: jiff::Timestamp::UNIX_EPOCH,
            accepted_at: None,
            accepted_by: text(),
            due_date: None,
            decided_at: None,
            closed_at: None,
            outcome: None,
            decision_reason: text(),
            decision_basis: text(),
            decided_by: text(),
            refusal_reason: text(),
            refusal_basis: text(),
            delivery_method: None,
            courier: text(),
            tracking_number: text(),
            deficiencies: Vec::new(),
            corrections: Vec::new(),
            correction_rounds: 0,
            opinion_tasks: 0,
            last_event_seq: 3,
            last_event_hash: text(),
            clock: None,
            legal_due_date: None,
            warning_level: WarningLevel::None,
            next_alarm_at: None,
        }
    }

    fn task(id: i64, kind: &str) -> OpenTaskRow {
        (id, kind.into(), format!("任务{id}"), "lyj".into(), 1)
    }

    fn known(state: CaseState, tasks: Vec<OpenTaskRow>, inspections: Vec<(i64, String)>) -> KnownCase {
        KnownCase { case: case(state), alarm: Some(7), tasks, materials: vec![("申请书".into(), 1)], inspections }
    }

    fn event(from: CaseState, to: CaseState) -> EventDraft {
        EventDraft { action: Action::CompleteTask, from, to, reason: String::new(), detail: serde_json::json!({}) }
    }

    fn new_task(kind: TaskKind, name: &str) -> NewTask {
        NewTask { kind, name: name.into(), department: "spj".into(), seq: 2 }
    }

    #[test]
    fn a_completed_task_leaves_and_opened_ones_join_in_id_order() {
        let before = known(CaseState::InReview, vec![task(4, "step"), task(9, "opinion")], vec![]);
        let change = Change {
            events: vec![event(CaseState::InReview, CaseState::InReview)],
            task_done: Some(DoneTask { id: 4, opinion: Opinion::Approve, comment: String::new() }),
            tasks_opened: vec![new_task(TaskKind::Step, "现场核查"), new_task(TaskKind::Opinion, "征求意见")],
            materials_attached: vec![
                Attachment { requirement: "申请书".into(), material_id: 3 },
                Attachment { requirement: "平面图".into(), material_id: 2 },
            ],
            ..Change::default()
        };
        let after = before.after(&change, case(CaseState::InReview), None, &[11, 12]).expect("known");
        let ids: Vec<(i64, &str, &str)> = after.tasks.iter().map(|t| (t.0, t.1.as_str(), t.2.as_str())).collect();
        assert_eq!(ids, [(9, "opinion", "任务9"), (11, "step", "现场核查"), (12, "opinion", "征求意见")]);
        assert_eq!(
            after.materials,
            [("平面图".to_string(), 2), ("申请书".to_string(), 3)],
            "a requirement given again is listed once, with its new material, in order"
        );
        assert_eq!(after.alarm, None, "the alarm is the one the write returned");
    }

    #[test]
    fn closing_leaves_only_later_checks_open() {
        let before = known(CaseState::Approved, vec![task(4, "step"), task(5, "post_check")], vec![(2, "done".into())]);
        let change = Change {
            events: vec![event(CaseState::Approved, CaseState::Closed)],
            tasks_opened: vec![new_task(TaskKind::PostCheck, "事后核查")],
            tasks_cancelled: vec![4],
            ..Change::default()
        };
        let after = before.after(&change, case(CaseState::Closed), None, &[20]).expect("known");
        assert_eq!(after.tasks.iter().map(|t| t.0).collect::<Vec<_>>(), [5, 20]);
        assert_eq!(after.inspections, before.inspections);
    }

    #[test]
    fn what_the_write_does_not_return_is_forgotten() {
        let open_inspection = known(CaseState::Inspecting, vec![], vec![(2, "open".into())]);
        let closing = Change {
            events: vec![event(CaseState::Inspecting, CaseState::Withdrawn)],
            inspections_cancelled: vec![2],
            ..Change::default()
        };
        assert!(open_inspection.after(&closing, case(CaseState::Withdrawn), None, &[]).is_none(), "inspections cancelled");

        let before = known(CaseState::InReview, vec![task(4, "step")], vec![]);
        let step = || Change { events: vec![event(CaseState::InReview, CaseState::InReview)], ..Change::default() };
        let ordered = Change {
            inspection_ordered: Some(NewInspection { kind: InspectionKind::Independent, departments: vec![], note: String::new() }),
            ..step()
        };
        assert!(before.after(&ordered, case(CaseState::Inspecting), None, &[]).is_none(), "the inspection's id is not returned");
        let completed =
            Change { inspection_done: Some(DoneInspection { id: 2, findings: "一致".into(), passed: true, photos: vec![] }), ..step() };
        assert!(before.after(&completed, case(CaseState::InReview), None, &[]).is_none());
        let silent = Change { events: vec![], ..Change::default() };
        assert!(before.after(&silent, case(CaseState::InReview), None, &[]).is_none(), "no event: the guard would not notice");
        let opened = Change { tasks_opened: vec![new_task(TaskKind::Step, "审查")], ..step() };
        assert!(before.after(&opened, case(CaseState::InReview), None, &[]).is_none(), "ids missing");
        assert!(before.after(&step(), case(CaseState::InReview), Some(7), &[]).is_some());
    }
}
