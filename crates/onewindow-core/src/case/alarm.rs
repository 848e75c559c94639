//! What the supervision worker (电子监察) does to a case whose alarm is due: raise the warning it
//! has reached (once per level), or only move the alarm, or silence it; and who is accountable
//! for a case that went overdue.

use super::clock::{ClockSummary, WarningLevel};
use super::commands::calendar_gap;
use super::{CaseError, CaseFile, Change, Command, Context, execute};

/// What to write for a case whose alarm is due.
#[derive(Debug, Clone, PartialEq)]
pub enum Alarm {
    /// The clock is paused or stopped, or the case is no longer open: no alarm until a command
    /// gives it one.
    Off,
    /// Nothing new to raise (an early alarm after a calendar change, or the level was raised):
    /// only the next alarm moves, to the summary's.
    Later(ClockSummary),
    /// A warning to raise.
    Raise {
        /// The `warn` event, by the system.
        change: Box<Change>,
        /// The clock's summary with the level raised.
        summary: ClockSummary,
        /// Whether the case became overdue now: an accountability record (问责) is due.
        accountable: bool,
    },
}

/// What the supervision worker does to `file` on `ctx.today`: [`Command::RaiseWarning`] when
/// the level rose, else the next alarm. Errs when the calendar does not cover the dates, or
/// the core refuses the warning for another reason than "nothing new".
pub fn on_alarm(file: &CaseFile, ctx: &Context<'_>) -> Result<Alarm, CaseError> {
    let Some(clock) = file.clock.as_ref().filter(|c| c.is_running() && file.state.is_open()) else {
        return Ok(Alarm::Off);
    };
    let (change, level) = match execute(file, &Command::RaiseWarning, ctx) {
        Ok(change) => {
            let level = change.warning.unwrap_or(file.warning);
            (Some(change), level)
        }
        Err(CaseError::NotReady(..)) => (None, file.warning),
        Err(e) => return Err(e),
    };
    let summary = clock.summary(ctx.calendar, level, ctx.today).map_err(calendar_gap)?;
    Ok(match change {
        Some(change) => Alarm::Raise { change: Box::new(change), summary, accountable: level == WarningLevel::Overdue },
        None => Alarm::Later(summary),
    })
}

/// Who is held accountable for an overdue case: the last staff member who acted on it (an event
/// neither by the system nor by the applicant), else the clerk who accepted it. `events` are
/// (actor, role) in log order.
pub fn accountable_holder<'a>(events: impl DoubleEndedIterator<Item = (&'a str, &'a str)>, accepted_by: &'a str) -> &'a str {
    events.rev().find(|(_, role)| *role != "system" && *role != "applicant").map_or(accepted_by, |(actor, _)| actor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::case::clock::{ClockState, PauseKind};
    use crate::case::{Action, CaseState, OpenTask, TaskKind};
    use crate::role::Role;
    use crate::testing::{accepted_file, context};

    #[test]
    fn a_due_alarm_raises_once_per_level_then_waits() {
        let cal = Calendar::china();
        let file = accepted_file(&cal);
        let due = file.clock.as_ref().unwrap().due_date(&cal, context(Role::Officer, &cal).today).unwrap();
        let mut on_due = context(Role::Officer, &cal);
        on_due.today = due;
        let Alarm::Raise { change, summary, accountable } = on_alarm(&file, &on_due).unwrap() else { panic!("red is due") };
        assert_eq!(change.events.iter().map(|e| e.action).collect::<Vec<_>>(), [Action::Warn]);
        assert_eq!((change.warning, summary.warning, accountable), (Some(WarningLevel::Red), WarningLevel::Red, false));
        assert_eq!(summary.next_alarm, due.tomorrow().ok(), "overdue is next, the day after");

        let mut raised = file.clone();
        raised.warning = WarningLevel::Red;
        let Alarm::Later(summary) = on_alarm(&raised, &on_due).unwrap() else { panic!("red was raised") };
        assert_eq!((summary.state, summary.next_alarm), (ClockState::Running, due.tomorrow().ok()));

        let mut after = context(Role::Officer, &cal);
        after.today = due.tomorrow().unwrap();
        let Alarm::Raise { summary, accountable, .. } = on_alarm(&raised, &after).unwrap() else { panic!("overdue") };
        assert!(accountable, "overdue makes the case accountable");
        assert_eq!(summary.next_alarm, None, "nothing rises after overdue");
    }

    #[test]
    fn paused_decided_and_closed_cases_have_no_alarm() {
        let cal = Calendar::china();
        let ctx = context(Role::Officer, &cal);
        let mut paused = accepted_file(&cal);
        paused.clock.as_mut().unwrap().pause(PauseKind::ExpertReview, "专家评审", ctx.today).unwrap();
        assert_eq!(on_alarm(&paused, &ctx).unwrap(), Alarm::Off);
        let mut decided = accepted_file(&cal);
        decided.state = CaseState::Approved;
        assert_eq!(on_alarm(&decided, &ctx).unwrap(), Alarm::Off, "running clock but a decided case");
        let mut unaccepted = accepted_file(&cal);
        unaccepted.clock = None;
        assert_eq!(on_alarm(&unaccepted, &ctx).unwrap(), Alarm::Off);
    }

    #[test]
    fn the_desk_and_the_holder_of_an_overdue_case() {
        let cal = Calendar::china();
        let mut file = accepted_file(&cal);
        assert_eq!(file.desk(), ("审查中".to_string(), "spj".to_string()), "no task open: the state and the handling department");
        let task = |id, kind, name: &str, department: &str| OpenTask { id, kind, name: name.into(), department: department.into(), seq: 1 };
        file.open_tasks = vec![
            task(9, TaskKind::Opinion, "联审意见", "wjj"),
            task(4, TaskKind::PostCheck, "告知承诺事后核查", "scjgj"),
            task(6, TaskKind::Step, "核准", "spj"),
        ];
        assert_eq!(file.desk(), ("核准".to_string(), "spj".to_string()), "the oldest open task that is not a later check");
        let events = [("clerk1", "clerk"), ("reviewer1", "reviewer"), ("system", "system"), ("张三", "applicant")];
        assert_eq!(accountable_holder(events.into_iter(), "clerk1"), "reviewer1");
        assert_eq!(
            accountable_holder([("system", "system")].into_iter(), "clerk1"),
            "clerk1",
            "nobody on staff acted: the clerk who accepted"
        );
    }
}
