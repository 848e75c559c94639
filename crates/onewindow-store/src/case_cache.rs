//! What this process knows of the cases it last wrote, so that the next command on a case need
//! not read it back (PostgreSQL command path, `cases_pg`).
//!
//! A known case file is only ever a guess: the command's write is guarded by the last event's
//! number and by the due dates and alarm (see `cases_pg`), exactly as for a file read from the
//! database. A guess that is out of date (another server process, the supervision worker, a
//! calendar change moved the case) makes the write match nothing; the command then forgets it,
//! reads the case and is decided again. A refusal decided on a guess is never answered: the
//! case is read and the command decided again first. So a stale entry costs one wasted try,
//! never a wrong answer.
//!
//! Only what the write itself tells for certain is kept: the case row comes back from the
//! UPDATE (`RETURNING`), the tasks opened come back with their ids. A change whose effect on
//! the file is not known that way (an inspection ordered or completed, a change without an
//! event) forgets the case instead.
//!
//! Tasks' cases and kinds never change once a task exists, so [`TaskOwners`] can answer "which
//! case is task 42 of" without a read for every task this process opened or looked up.

use crate::cases::CaseRecord;
use onewindow_core::case::{Change, TaskKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Case files kept at most; past that the cache starts again empty (a full miss costs one read
/// per case, as without it).
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
    /// Requirements a material is attached for.
    pub provided: Vec<String>,
    /// Inspections: id, state.
    pub inspections: Vec<(i64, String)>,
}

impl KnownCase {
    /// The file after `change` was written, given the case row the write returned, its alarm and
    /// the ids of the tasks it opened (ascending, in the order of `change.new_tasks`); `None`
    /// when the change's effect on the file cannot be told from these.
    pub(crate) fn after(&self, change: &Change, case: CaseRecord, alarm: Option<i64>, new_task_ids: &[i64]) -> Option<KnownCase> {
        if change.events.is_empty()
            || change.new_inspection.is_some()
            || change.done_inspection.is_some()
            || change.new_tasks.len() != new_task_ids.len()
        {
            return None;
        }
        let closed = case.state.is_final();
        if closed && self.inspections.iter().any(|(_, state)| state == "open") {
            return None; // cancelled by the write; their new state is not returned
        }
        let done = change.done_task.as_ref().map(|(id, _, _)| *id);
        let mut tasks: Vec<OpenTaskRow> =
            self.tasks.iter().filter(|t| Some(t.0) != done && (!closed || t.1 == "post_check")).cloned().collect();
        for (t, id) in change.new_tasks.iter().zip(new_task_ids) {
            tasks.push((*id, crate::cases::task_kind_code(t.kind).to_string(), t.name.clone(), t.department.clone(), i64::from(t.seq)));
        }
        tasks.sort_unstable_by_key(|t| t.0);
        let mut provided = self.provided.clone();
        for a in &change.attach {
            if !provided.contains(&a.requirement) {
                provided.push(a.requirement.clone());
            }
        }
        Some(KnownCase { case, alarm, tasks, provided, inspections: self.inspections.clone() })
    }
}

/// Case files by number.
#[derive(Default)]
pub(crate) struct CaseFiles(Mutex<HashMap<String, Arc<KnownCase>>>);

impl CaseFiles {
    pub(crate) fn get(&self, number: &str) -> Option<Arc<KnownCase>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(number).cloned()
    }

    pub(crate) fn put(&self, known: KnownCase) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= FILES_MAX {
            map.clear();
        }
        map.insert(known.case.number.clone(), Arc::new(known));
    }

    pub(crate) fn forget(&self, number: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(number);
    }
}

/// Tasks' cases and kinds by task id.
#[derive(Default)]
pub(crate) struct TaskOwners(Mutex<HashMap<i64, (String, TaskKind)>>);

impl TaskOwners {
    pub(crate) fn get(&self, task: i64) -> Option<(String, TaskKind)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&task).cloned()
    }

    pub(crate) fn put(&self, tasks: impl IntoIterator<Item = (i64, String, TaskKind)>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for (id, case, kind) in tasks {
            if map.len() >= OWNERS_MAX {
                map.clear();
            }
            map.insert(id, (case, kind));
        }
    }
}
