//! How a case's time limit shows in lists and on pages: remaining working days, coloured by
//! warning level (computed live from the clock, so a list never lags the worker).

use onewindow_core::calendar::Calendar;
use onewindow_core::case::clock::{CaseClock, Explanation, WarningLevel};

/// A coloured "remaining days" label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// CSS class: `limit none|yellow|red|overdue|paused|stopped`.
    pub class: &'static str,
    /// Chinese text: 剩余3个工作日, 今日到期, 超期2个工作日, 暂停计时.
    pub text: String,
    /// Level code, for tests and screen readers.
    pub level: &'static str,
}

/// The badge of a clock as of `today`; `None` before acceptance.
pub fn badge(clock: Option<&CaseClock>, calendar: &Calendar, today: jiff::civil::Date) -> Option<Badge> {
    let clock = clock?;
    let level = clock.level(calendar, today).unwrap_or(WarningLevel::None);
    let (used, remaining) = (clock.used(calendar, today), clock.remaining(calendar, today));
    Some(parts(level, used, remaining, clock.limit(), clock.open_pause().is_some(), clock.stopped_on.is_some()))
}

/// The badge of a due-date explanation.
pub fn badge_of(e: &Explanation) -> Badge {
    parts(e.level, e.used, e.remaining, e.limit, e.paused, e.stopped_on.is_some())
}

fn parts(level: WarningLevel, used: u32, remaining: u32, limit: u32, paused: bool, stopped: bool) -> Badge {
    let (class, text) = if stopped {
        ("limit stopped", format!("已作出决定（用时{used}个工作日）"))
    } else if paused {
        ("limit paused", format!("暂停计时（剩余{remaining}个工作日）"))
    } else {
        match level {
            WarningLevel::Overdue => ("limit overdue", format!("超期{}个工作日", used.saturating_sub(limit).max(1))),
            WarningLevel::Red => ("limit red", "今日到期".to_string()),
            WarningLevel::Yellow => ("limit yellow", format!("剩余{remaining}个工作日")),
            WarningLevel::None => ("limit none", format!("剩余{remaining}个工作日")),
        }
    };
    Badge { class, text, level: level.code() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn badges_follow_the_level() {
        let cal = Calendar::china();
        let accepted = date(2024, 9, 2).to_datetime(jiff::civil::time(10, 0, 0, 0));
        let clock = CaseClock::start(&cal, accepted, 10, 20).unwrap();
        assert_eq!(badge(None, &cal, date(2024, 9, 2)), None);
        let b = |d| badge(Some(&clock), &cal, d).unwrap();
        assert_eq!((b(date(2024, 9, 2)).class, b(date(2024, 9, 2)).text.as_str()), ("limit none", "剩余10个工作日"));
        assert_eq!(b(date(2024, 9, 12)).class, "limit yellow");
        assert_eq!((b(date(2024, 9, 14)).class, b(date(2024, 9, 14)).text.as_str()), ("limit red", "今日到期"));
        assert_eq!((b(date(2024, 9, 19)).class, b(date(2024, 9, 19)).text.as_str()), ("limit overdue", "超期2个工作日"));
        let mut paused = clock.clone();
        paused.pause(onewindow_core::case::clock::PauseKind::Hearing, "听证", date(2024, 9, 3)).unwrap();
        assert_eq!(b(date(2024, 9, 2)).level, "none");
        assert_eq!(badge(Some(&paused), &cal, date(2024, 9, 20)).unwrap().class, "limit paused");
    }
}
