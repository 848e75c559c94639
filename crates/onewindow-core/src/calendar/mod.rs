//! The working-day calendar of mainland China: which dates are working days (工作日), and the
//! arithmetic of legal and promised time limits counted in working days (法定时限/承诺时限).
//!
//! The rule has two layers. By default Monday to Friday are working days and Saturday and
//! Sunday are days off (国务院关于职工工作时间的规定, 国务院令第174号). On top of that, each year
//! the State Council General Office publishes which days are public holidays off (放假) and
//! which weekend days are worked instead (调休上班), in 国务院办公厅关于XXXX年部分节假日安排的通知,
//! under 全国年节及纪念日放假办法 (last amended by 国务院令第795号, in force from 2025). Those
//! published days ship as data in `data/cn-working-days.csv` and are overrides of the default.
//!
//! A year whose schedule is not published yet never stops the window: for the
//! [`PROVISIONAL_YEARS`] years after the last published one the calendar is *provisional*,
//! the statutory holidays of 全国年节及纪念日放假办法 computed by [`statutory`] (weekends, the fixed
//! and the lunar holidays, no adjusted working days). Every date that falls in such a year is
//! provisional ([`Calendar::is_provisional`]): the views say so ("暂按法定节假日计算"), and the
//! dates are recomputed when the year's notice is entered and published. Beyond that horizon,
//! arithmetic returns [`CalendarError::NotPublished`]. Pure: no IO, no clock; "today" is an
//! argument.

mod astronomy;
pub mod statutory;

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The shipped schedule of 2018–2026, checked against the PyPI package `chinesecalendar` by
/// `scripts/check-calendar.py`.
const CHINA_CSV: &str = include_str!("../../data/cn-working-days.csv");

/// The header line of a calendar CSV.
const HEADER: [&str; 4] = ["date", "kind", "name", "source"];

/// How many years after the last published one are counted provisionally, from the statutory
/// holidays alone.
pub const PROVISIONAL_YEARS: i16 = 2;

/// Longest calendar file accepted, so that line numbers fit in a `u32` and a stray upload
/// cannot make the parser run for long. Nine years of schedules take about 340 lines.
pub const CALENDAR_LINES_MAX: usize = 100_000;
/// Longest name of an override ("国庆节、中秋节调休" has 9 characters).
pub const NAME_CHARS_MAX: usize = 64;
/// Longest source of an override (a document number such as "国办发明电〔2025〕7号").
pub const SOURCE_CHARS_MAX: usize = 128;

/// A number of working days, as in a legal or promised time limit (法定时限/承诺时限).
/// A newtype so that calendar days and working days are never confused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WorkingDays(pub u32);

impl WorkingDays {
    /// Zero working days: [`Calendar::add_working_days`] then returns the first working day
    /// on or after its start.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for WorkingDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} working days", self.0)
    }
}

/// Whether people work on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A working day (工作日): a weekday without a holiday, or an adjusted working day
    /// (调休上班) that the yearly notice moves onto a Saturday or Sunday.
    Working,
    /// A day off: a public holiday (放假) named by the yearly notice or a local closure, or,
    /// without an override, a Saturday or Sunday (休息日).
    Holiday,
}

impl DayKind {
    /// The code used in the CSV and JSON: `working` or `holiday`.
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Working => "working",
            DayKind::Holiday => "holiday",
        }
    }

    /// Parses [`DayKind::code`].
    pub fn from_code(code: &str) -> Option<DayKind> {
        [DayKind::Working, DayKind::Holiday].into_iter().find(|kind| kind.code() == code)
    }
}

/// A day that differs from, or is named on top of, the default Monday–Friday rule: one row of
/// a State Council notice or a local closure entered by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayOverride {
    /// Working or off.
    pub kind: DayKind,
    /// The holiday's name (`春节`) or the adjusted working day's (`春节调休`).
    pub name: String,
    /// The document that decided it, such as `国办发明电〔2023〕7号`.
    pub source: String,
}

/// Everything known about one date, for display and for "why this due date" explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayInfo<'a> {
    /// Working or off, after overrides.
    pub kind: DayKind,
    /// The holiday's or adjusted working day's name; `None` for a plain weekday or weekend.
    pub name: Option<&'a str>,
    /// The document that decided the override; `None` without one.
    pub source: Option<&'a str>,
    /// Saturday or Sunday.
    pub weekend: bool,
    /// An adjusted working day (调休上班): a Saturday or Sunday that is worked.
    pub adjusted: bool,
    /// In a year whose schedule is not published: counted from the statutory holidays alone.
    pub provisional: bool,
}

/// What is wrong with one row of a calendar: a CSV line, or a day set by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    /// The first line that is not a comment must be `date,kind,name,source`.
    #[error("expected the header date,kind,name,source")]
    Header,
    /// A row has a number of columns other than four.
    #[error("expected 4 columns (date,kind,name,source), found {found}")]
    Columns {
        /// Columns found.
        found: usize,
    },
    /// The date is not a real `YYYY-MM-DD` date.
    #[error("{raw:?} is not a date in the form YYYY-MM-DD")]
    Date {
        /// The text of the column.
        raw: String,
    },
    /// The kind is not `holiday` or `working`.
    #[error("{raw:?} is not a kind: holiday or working")]
    Kind {
        /// The text of the column.
        raw: String,
    },
    /// The name is empty.
    #[error("the name is empty")]
    NameEmpty,
    /// The name is longer than [`NAME_CHARS_MAX`].
    #[error("the name is longer than {NAME_CHARS_MAX} characters")]
    NameTooLong,
    /// The source is empty.
    #[error("the source is empty")]
    SourceEmpty,
    /// The source is longer than [`SOURCE_CHARS_MAX`].
    #[error("the source is longer than {SOURCE_CHARS_MAX} characters")]
    SourceTooLong,
    /// A weekday is already a working day; a `working` row on one is most likely a mistyped
    /// date of an adjusted working day (调休上班 always falls on a Saturday or Sunday).
    #[error("{date} is a weekday: only a Saturday or Sunday can be an adjusted working day")]
    WorkingWeekday {
        /// The date of the row.
        date: Date,
    },
    /// The same date appears twice in one file.
    #[error("{date} is listed twice, first on line {line_first}")]
    Duplicate {
        /// The date of the row.
        date: Date,
        /// The line where it appeared first.
        line_first: u32,
    },
}

/// Errors of the calendar, in domain terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A line of a calendar CSV is wrong; lines count from 1, comments included.
    #[error("line {line}: {problem}")]
    Line {
        /// The line number, from 1.
        line: u32,
        /// What is wrong with it.
        problem: RowProblem,
    },
    /// The CSV has no header line.
    #[error("the calendar has no header line date,kind,name,source")]
    NoHeader,
    /// The CSV has more than [`CALENDAR_LINES_MAX`] lines.
    #[error("the calendar has more than {CALENDAR_LINES_MAX} lines")]
    TooManyLines,
    /// A computation needs a day of a year whose holiday schedule is not published yet (the
    /// State Council publishes next year's in October–December).
    #[error("the working-day schedule of {year} has not been published")]
    NotPublished {
        /// The year without a schedule.
        year: i16,
    },
}

/// The working-day calendar: the default Monday–Friday rule, the published overrides, and the
/// years whose schedule is published.
///
/// Invariant: every override is valid by [`DayOverride`]'s rules (non-empty, bounded name and
/// source; `working` only on a Saturday or Sunday).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    overrides: BTreeMap<Date, DayOverride>,
    years_published: BTreeSet<i16>,
    /// The years after the last published one that are counted provisionally, and their
    /// statutory holidays; derived from `years_published` by `refresh_provisional`.
    years_provisional: BTreeSet<i16>,
    provisional: BTreeMap<Date, &'static str>,
}

/// Saturday or Sunday: the weekly rest days of 国务院令第174号.
fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Checks the rules of an override and builds it; the one place those rules live.
fn day_override(date: Date, kind: DayKind, name: &str, source: &str) -> Result<DayOverride, RowProblem> {
    let (name, source) = (name.trim(), source.trim());
    if name.is_empty() {
        return Err(RowProblem::NameEmpty);
    }
    if name.chars().count() > NAME_CHARS_MAX {
        return Err(RowProblem::NameTooLong);
    }
    if source.is_empty() {
        return Err(RowProblem::SourceEmpty);
    }
    if source.chars().count() > SOURCE_CHARS_MAX {
        return Err(RowProblem::SourceTooLong);
    }
    if kind == DayKind::Working && !is_weekend(date) {
        return Err(RowProblem::WorkingWeekday { date });
    }
    Ok(DayOverride { kind, name: name.to_owned(), source: source.to_owned() })
}

/// Splits one CSV line into trimmed fields; quoted fields (as spreadsheets write them) work.
fn split_fields(content: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).buffer_capacity(content.len().max(64)).from_reader(content.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => record.iter().map(|field| field.trim().to_owned()).collect(),
        // The input is one non-empty line of valid UTF-8, so the reader cannot fail; an empty
        // list is reported as a wrong number of columns all the same.
        Ok(false) | Err(_) => Vec::new(),
    }
}

/// Parses one data row: `date,kind,name,source`.
fn parse_row(content: &str) -> Result<(Date, DayOverride), RowProblem> {
    let fields = split_fields(content);
    let [raw_date, raw_kind, name, source] = fields.as_slice() else {
        return Err(RowProblem::Columns { found: fields.len() });
    };
    // Exactly YYYY-MM-DD: jiff would also take a date-time or a basic-format date.
    let date = raw_date
        .parse::<Date>()
        .ok()
        .filter(|date| date.to_string() == *raw_date)
        .ok_or_else(|| RowProblem::Date { raw: raw_date.clone() })?;
    let kind = DayKind::from_code(raw_kind).ok_or_else(|| RowProblem::Kind { raw: raw_kind.clone() })?;
    Ok((date, day_override(date, kind, name, source)?))
}

impl Calendar {
    /// The calendar of mainland China, 2018–2026, from the State Council General Office's
    /// yearly notices (国办发明电, listed in the header of `data/cn-working-days.csv`).
    ///
    /// Panics only if the shipped file is broken, which the tests rule out.
    pub fn china() -> Calendar {
        match Calendar::from_csv(CHINA_CSV) {
            Ok(calendar) => calendar,
            Err(error) => panic!("the shipped data/cn-working-days.csv is broken: {error}"),
        }
    }

    /// Parses a calendar CSV: lines starting with `#` are comments, then the header
    /// `date,kind,name,source`, then one row per day, `kind` being `holiday` or `working`.
    /// Every year that has a row counts as published. Errors name the line, from 1.
    pub fn from_csv(text: &str) -> Result<Calendar, CalendarError> {
        if text.lines().count() > CALENDAR_LINES_MAX {
            return Err(CalendarError::TooManyLines);
        }
        let mut calendar = Calendar::default();
        let mut line_first_of_date: BTreeMap<Date, u32> = BTreeMap::new();
        let mut header_seen = false;
        for (index, raw) in text.lines().enumerate() {
            let line = u32::try_from(index + 1).expect("bounded by CALENDAR_LINES_MAX");
            let fail = |problem| CalendarError::Line { line, problem };
            // A spreadsheet's UTF-8 export starts with a byte-order mark.
            let content = raw.trim_start_matches('\u{feff}').trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            if !header_seen {
                if split_fields(content) != HEADER {
                    return Err(fail(RowProblem::Header));
                }
                header_seen = true;
                continue;
            }
            let (date, day) = parse_row(content).map_err(fail)?;
            if let Some(&line_first) = line_first_of_date.get(&date) {
                return Err(fail(RowProblem::Duplicate { date, line_first }));
            }
            line_first_of_date.insert(date, line);
            calendar.years_published.insert(date.year());
            calendar.overrides.insert(date, day);
        }
        if !header_seen {
            return Err(CalendarError::NoHeader);
        }
        assert_eq!(calendar.overrides.len(), line_first_of_date.len());
        calendar.refresh_provisional();
        Ok(calendar)
    }

    /// Sets one day, as an administrator does when entering next year's notice or a local
    /// closure (e.g. a typhoon day). Returns the override it replaces.
    ///
    /// This does not mark the year published: enter every day of a new notice, then call
    /// [`Calendar::mark_published`], so that a half-entered year never yields due dates.
    pub fn set_day(&mut self, date: Date, kind: DayKind, name: &str, source: &str) -> Result<Option<DayOverride>, RowProblem> {
        let day = day_override(date, kind, name, source)?;
        Ok(self.overrides.insert(date, day))
    }

    /// Removes the override of a day, which then follows the Monday–Friday rule again.
    pub fn remove_day(&mut self, date: Date) -> Option<DayOverride> {
        self.overrides.remove(&date)
    }

    /// Declares the schedule of `year` complete, so that time limits may run through it.
    pub fn mark_published(&mut self, year: i16) {
        self.years_published.insert(year);
        self.refresh_provisional();
    }

    /// Recomputes the provisional years: the [`PROVISIONAL_YEARS`] after the last published
    /// one (none before a first published year, none past 2099).
    fn refresh_provisional(&mut self) {
        let first = self.years_published.last().map(|&last| last.saturating_add(1));
        let years: BTreeSet<i16> = match first {
            Some(first) => (first..first.saturating_add(PROVISIONAL_YEARS)).filter(|&y| y <= 2099).collect(),
            None => BTreeSet::new(),
        };
        if years == self.years_provisional {
            return;
        }
        self.provisional = years.iter().flat_map(|&year| statutory::holidays(year)).collect();
        self.years_provisional = years;
    }

    /// The years counted provisionally, ascending.
    pub fn years_provisional(&self) -> impl Iterator<Item = i16> {
        self.years_provisional.iter().copied()
    }

    /// Whether `date` lies in a year counted provisionally: a date computed through it is
    /// provisional too.
    pub fn is_provisional(&self, date: Date) -> bool {
        self.years_provisional.contains(&date.year())
    }

    /// The year whose schedule should be entered now and is not: the current year, and from
    /// 1 November (the State Council publishes next year's in October–December) the next one
    /// too; the earliest missing one.
    pub fn schedule_missing(&self, today: Date) -> Option<i16> {
        let next = (today.month() >= 11).then(|| today.year().saturating_add(1));
        std::iter::once(today.year()).chain(next).find(|year| !self.years_published.contains(year))
    }

    /// The first day counted provisionally: every due date on or after it is provisional.
    pub fn provisional_from(&self) -> Option<Date> {
        self.years_provisional.first().and_then(|&year| Date::new(year, 1, 1).ok())
    }

    /// The years whose schedule is published, ascending.
    pub fn years_published(&self) -> impl Iterator<Item = i16> {
        self.years_published.iter().copied()
    }

    /// Whether time limits may run through `date`: its year is published, or counted
    /// provisionally.
    pub fn covers(&self, date: Date) -> bool {
        self.years_published.contains(&date.year()) || self.is_provisional(date)
    }

    /// Whether people work on `date`: its override if any, else Monday–Friday. Outside the
    /// published years this is the default rule only; arithmetic refuses those years.
    pub fn is_working_day(&self, date: Date) -> bool {
        match self.overrides.get(&date) {
            Some(day) => day.kind == DayKind::Working,
            None => !is_weekend(date) && !self.provisional.contains_key(&date),
        }
    }

    /// Everything known about `date`.
    pub fn day(&self, date: Date) -> DayInfo<'_> {
        let weekend = is_weekend(date);
        let day = self.overrides.get(&date);
        let statutory = self.provisional.get(&date).filter(|_| day.is_none());
        let kind = match day {
            Some(day) => day.kind,
            None if weekend || statutory.is_some() => DayKind::Holiday,
            None => DayKind::Working,
        };
        let info = DayInfo {
            kind,
            name: day.map(|day| day.name.as_str()).or(statutory.copied()),
            source: day.map(|day| day.source.as_str()).or(statutory.map(|_| statutory::SOURCE)),
            weekend,
            adjusted: weekend && kind == DayKind::Working,
            provisional: self.is_provisional(date),
        };
        assert_eq!(info.kind == DayKind::Working, self.is_working_day(date));
        info
    }

    /// The day after `date`, refusing to step into a year without a published schedule.
    fn day_after(&self, date: Date) -> Result<Date, CalendarError> {
        let year_next = date.year().saturating_add(1);
        let next = date.tomorrow().map_err(|_| CalendarError::NotPublished { year: year_next })?;
        if !self.covers(next) {
            return Err(CalendarError::NotPublished { year: next.year() });
        }
        Ok(next)
    }

    /// The first working day strictly after `date`. Terminates: every step moves one day
    /// forward and the published years are finite.
    fn next_working_day(&self, date: Date) -> Result<Date, CalendarError> {
        let mut day = self.day_after(date)?;
        while !self.is_working_day(day) {
            day = self.day_after(day)?;
        }
        Ok(day)
    }

    /// The Nth working day after `from` (`from` itself not counted): how a time limit of N
    /// working days from acceptance gives the due date. N = 0 returns `from` if it is a
    /// working day, else the next working day.
    ///
    /// Errs with [`CalendarError::NotPublished`] when a day it needs lies in a year without
    /// a published schedule.
    pub fn add_working_days(&self, from: Date, days: WorkingDays) -> Result<Date, CalendarError> {
        let mut date = from;
        if days.is_zero() {
            if !self.covers(from) {
                return Err(CalendarError::NotPublished { year: from.year() });
            }
            if !self.is_working_day(from) {
                date = self.next_working_day(from)?;
            }
        } else {
            for _ in 0..days.0 {
                date = self.next_working_day(date)?;
            }
            assert!(date > from);
        }
        assert!(from <= date);
        assert!(self.is_working_day(date));
        assert!(self.covers(date));
        debug_assert!(days.is_zero() || self.working_days_between(from, date) == Ok(days));
        Ok(date)
    }

    /// Working days in (`from`, `to`]: `from` excluded, `to` included, as time used on a case
    /// is counted from the day after acceptance. Zero when `to <= from`.
    ///
    /// Errs with [`CalendarError::NotPublished`] when the interval reaches a year without a
    /// published schedule.
    pub fn working_days_between(&self, from: Date, to: Date) -> Result<WorkingDays, CalendarError> {
        let mut count: u32 = 0;
        let mut days_walked: u32 = 0;
        let mut date = from;
        while date < to {
            date = self.day_after(date)?;
            days_walked += 1;
            if self.is_working_day(date) {
                count += 1;
            }
        }
        assert!(count <= days_walked);
        assert!(to <= from || date == to);
        Ok(WorkingDays(count))
    }

    /// Every day in (`from`, `to`] that is skipped or counted specially, for "why this date"
    /// explanations: holidays and weekends (skipped) and adjusted working days (counted).
    /// Plain weekdays are left out. Empty when `to <= from`.
    pub fn explain(&self, from: Date, to: Date) -> Vec<(Date, DayInfo<'_>)> {
        let mut days = Vec::new();
        let mut date = from;
        while date < to {
            let Ok(next) = date.tomorrow() else {
                break;
            };
            date = next;
            let info = self.day(date);
            if info.kind == DayKind::Holiday || info.name.is_some() {
                days.push((date, info));
            }
        }
        assert!(days.iter().all(|&(day, _)| from < day && day <= to));
        days
    }

    /// The overrides of one year in date order, as published and as entered by
    /// administrators, for GET /api/v1/calendar/days.
    pub fn days_of_year(&self, year: i16) -> Vec<(Date, DayInfo<'_>)> {
        let (Ok(first), Ok(last)) = (Date::new(year, 1, 1), Date::new(year, 12, 31)) else {
            return Vec::new();
        };
        let statutory = self.provisional.range(first..=last).map(|(&date, _)| date);
        let dates: BTreeSet<Date> = self.overrides.range(first..=last).map(|(&date, _)| date).chain(statutory).collect();
        dates.into_iter().map(|date| (date, self.day(date))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::ToSpan;
    use jiff::civil::date;
    use proptest::prelude::*;

    /// A holiday period as the notice states it: name, first and last day off, the total the
    /// notice gives ("共N天"), and the adjusted working days.
    type Period<'a> = (&'static str, Date, Date, i32, &'a [Date]);

    /// Checks a period day by day, and that the days just outside it are not part of it.
    fn check_period(calendar: &Calendar, (name, first, last, total, working): Period<'_>) {
        let mut off = 0;
        let mut day = first;
        while day <= last {
            assert!(!calendar.is_working_day(day), "{name}: {day} is a day off");
            let info = calendar.day(day);
            assert!(info.name.is_some_and(|n| n.contains(name)), "{name}: {day} {info:?}");
            off += 1;
            day = day.tomorrow().unwrap();
        }
        assert_eq!(off, total, "{name} {first}: the notice gives {total} days");
        for outside in [first.yesterday().unwrap(), last.tomorrow().unwrap()] {
            let info = calendar.day(outside);
            let in_period = info.kind == DayKind::Holiday && info.name.is_some();
            assert!(!in_period, "{name}: {outside} is outside the period");
        }
        for &day in working {
            let info = calendar.day(day);
            assert!(calendar.is_working_day(day), "{name}: {day} is worked");
            assert!(info.adjusted && info.weekend, "{name}: {day} {info:?}");
        }
    }

    /// 春节 by the notices 国办发明电〔2017〕12号 … 〔2025〕7号; 2020 as extended by
    /// 国办发明电〔2020〕1号 (to 2 February, so Saturday 1 February was no longer worked).
    #[rustfmt::skip]
    const SPRING_FESTIVAL: [Period<'static>; 9] = [
        ("春节", date(2018, 2, 15), date(2018, 2, 21), 7, &[date(2018, 2, 11), date(2018, 2, 24)]),
        ("春节", date(2019, 2, 4), date(2019, 2, 10), 7, &[date(2019, 2, 2), date(2019, 2, 3)]),
        ("春节", date(2020, 1, 24), date(2020, 2, 2), 10, &[date(2020, 1, 19)]),
        ("春节", date(2021, 2, 11), date(2021, 2, 17), 7, &[date(2021, 2, 7), date(2021, 2, 20)]),
        ("春节", date(2022, 1, 31), date(2022, 2, 6), 7, &[date(2022, 1, 29), date(2022, 1, 30)]),
        ("春节", date(2023, 1, 21), date(2023, 1, 27), 7, &[date(2023, 1, 28), date(2023, 1, 29)]),
        ("春节", date(2024, 2, 10), date(2024, 2, 17), 8, &[date(2024, 2, 4), date(2024, 2, 18)]),
        ("春节", date(2025, 1, 28), date(2025, 2, 4), 8, &[date(2025, 1, 26), date(2025, 2, 8)]),
        ("春节", date(2026, 2, 15), date(2026, 2, 23), 9, &[date(2026, 2, 14), date(2026, 2, 28)]),
    ];

    #[test]
    fn calendar_spring_festival_every_year() {
        let calendar = Calendar::china();
        for period in SPRING_FESTIVAL {
            check_period(&calendar, period);
        }
        // The extension of 2020 turned Saturday 1 February from worked into off.
        assert!(!calendar.is_working_day(date(2020, 2, 1)));
        // 2024: the notice only encourages leave on 除夕 (9 February); it is a working day.
        assert!(calendar.is_working_day(date(2024, 2, 9)));
    }

    /// 国庆节 by the same notices; 2020, 2023 and 2025 join 中秋节 to it in one period of 8 days.
    #[rustfmt::skip]
    const NATIONAL_DAY: [Period<'static>; 9] = [
        ("国庆节", date(2018, 10, 1), date(2018, 10, 7), 7, &[date(2018, 9, 29), date(2018, 9, 30)]),
        ("国庆节", date(2019, 10, 1), date(2019, 10, 7), 7, &[date(2019, 9, 29), date(2019, 10, 12)]),
        ("国庆节", date(2020, 10, 1), date(2020, 10, 8), 8, &[date(2020, 9, 27), date(2020, 10, 10)]),
        ("国庆节", date(2021, 10, 1), date(2021, 10, 7), 7, &[date(2021, 9, 26), date(2021, 10, 9)]),
        ("国庆节", date(2022, 10, 1), date(2022, 10, 7), 7, &[date(2022, 10, 8), date(2022, 10, 9)]),
        ("国庆节", date(2023, 9, 29), date(2023, 10, 6), 8, &[date(2023, 10, 7), date(2023, 10, 8)]),
        ("国庆节", date(2024, 10, 1), date(2024, 10, 7), 7, &[date(2024, 9, 29), date(2024, 10, 12)]),
        ("国庆节", date(2025, 10, 1), date(2025, 10, 8), 8, &[date(2025, 9, 28), date(2025, 10, 11)]),
        ("国庆节", date(2026, 10, 1), date(2026, 10, 7), 7, &[date(2026, 9, 20), date(2026, 10, 10)]),
    ];

    #[test]
    fn calendar_national_day_every_year() {
        let calendar = Calendar::china();
        for period in NATIONAL_DAY {
            check_period(&calendar, period);
        }
    }

    #[test]
    fn calendar_china_ships_2018_to_2026() {
        let calendar = Calendar::china();
        let years: Vec<i16> = calendar.years_published().collect();
        assert_eq!(years, (2018..=2026).collect::<Vec<i16>>());
        assert!(!calendar.covers(date(2017, 12, 31)));
        assert!(calendar.covers(date(2018, 1, 1)));
        assert!(calendar.covers(date(2026, 12, 31)));
        assert!(!calendar.is_provisional(date(2026, 12, 31)));
        // 2027 and 2028 are counted provisionally, from the statutory holidays; 2029 not at all.
        assert_eq!(calendar.years_provisional().collect::<Vec<i16>>(), vec![2027, 2028]);
        assert!(calendar.covers(date(2027, 1, 1)) && calendar.is_provisional(date(2027, 1, 1)));
        assert_eq!(calendar.provisional_from(), Some(date(2027, 1, 1)));
        assert!(!calendar.covers(date(2029, 1, 1)));
        // 2025 (国办发明电〔2024〕12号): 28 days off and 5 adjusted working days.
        let days = calendar.days_of_year(2025);
        let working = days.iter().filter(|(_, info)| info.adjusted).count();
        assert_eq!((days.len() - working, working), (28, 5));
        assert!(days.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert_eq!(calendar.days_of_year(2017), Vec::new());
    }

    #[test]
    fn calendar_add_working_days_known_answers() {
        let table = [
            // 国庆节 2024: Tuesday 1 to Monday 7 October off.
            (date(2024, 9, 30), 1, date(2024, 10, 8)),
            (date(2024, 9, 30), 0, date(2024, 9, 30)),
            (date(2024, 10, 1), 0, date(2024, 10, 8)),
            // 春节 2024: 除夕 Friday 9 February is worked, then 10–17 off, Sunday 18 worked.
            (date(2024, 2, 8), 1, date(2024, 2, 9)),
            (date(2024, 2, 9), 1, date(2024, 2, 18)),
            (date(2024, 2, 8), 2, date(2024, 2, 18)),
            (date(2024, 2, 18), 1, date(2024, 2, 19)),
            // 劳动节 2025: 1–5 May off, from 2025 with the second statutory day.
            (date(2025, 4, 30), 1, date(2025, 5, 6)),
            // 劳动节 2019 as amended by 国办发明电〔2019〕3号: Sunday 5 May worked.
            (date(2019, 4, 30), 1, date(2019, 5, 5)),
            // 春节 2020 extended to 2 February: Saturday 1 February no longer worked.
            (date(2020, 1, 23), 1, date(2020, 2, 3)),
            // 元旦 2019 starts in 2018: Saturday 29 December worked, 30 December–1 January off.
            (date(2018, 12, 28), 1, date(2018, 12, 29)),
            (date(2018, 12, 29), 1, date(2019, 1, 2)),
            // 春节 2026: Saturday 14 February worked, 15–23 off.
            (date(2026, 2, 13), 1, date(2026, 2, 14)),
            (date(2026, 2, 14), 1, date(2026, 2, 24)),
            // A plain month: 20 working days from Monday 3 March 2025 is Monday 31 March.
            (date(2025, 3, 3), 20, date(2025, 3, 31)),
        ];
        let calendar = Calendar::china();
        for (from, days, expected) in table {
            let got = calendar.add_working_days(from, WorkingDays(days));
            assert_eq!(got, Ok(expected), "{from} + {days} working days");
        }
    }

    #[test]
    fn calendar_working_days_between_known_answers() {
        let table = [
            (date(2024, 9, 30), date(2024, 10, 8), 1),
            (date(2024, 2, 8), date(2024, 2, 19), 3),
            (date(2025, 4, 30), date(2025, 5, 6), 1),
            (date(2025, 3, 3), date(2025, 3, 31), 20),
            (date(2024, 10, 8), date(2024, 10, 8), 0),
            (date(2024, 10, 8), date(2024, 9, 30), 0),
            // Backwards intervals need no published year.
            (date(2030, 1, 1), date(2017, 1, 1), 0),
        ];
        let calendar = Calendar::china();
        for (from, to, expected) in table {
            let got = calendar.working_days_between(from, to);
            assert_eq!(got, Ok(WorkingDays(expected)), "({from}, {to}]");
        }
    }

    #[test]
    fn calendar_explain_lists_skipped_and_adjusted_days() {
        let calendar = Calendar::china();
        let days = calendar.explain(date(2024, 2, 8), date(2024, 2, 19));
        let dates: Vec<Date> = days.iter().map(|&(day, _)| day).collect();
        let mut expected: Vec<Date> = (10..=17).map(|d| date(2024, 2, d)).collect();
        expected.push(date(2024, 2, 18));
        assert_eq!(dates, expected);
        assert!(days[..8].iter().all(|(_, info)| {
            info.kind == DayKind::Holiday && info.name == Some("春节") && info.source == Some("国办发明电〔2023〕7号")
        }));
        let (_, adjusted) = days[8];
        assert_eq!(adjusted.kind, DayKind::Working);
        assert_eq!(adjusted.name, Some("春节调休"));
        assert!(adjusted.adjusted && adjusted.weekend);

        // A plain week: only the weekend is listed, unnamed.
        let days = calendar.explain(date(2025, 3, 2), date(2025, 3, 9));
        let plain_weekend =
            DayInfo { kind: DayKind::Holiday, name: None, source: None, weekend: true, adjusted: false, provisional: false };
        let expected = vec![(date(2025, 3, 8), plain_weekend), (date(2025, 3, 9), plain_weekend)];
        assert_eq!(days, expected);
        assert_eq!(calendar.explain(date(2025, 3, 9), date(2025, 3, 2)), Vec::new());
    }

    #[test]
    fn calendar_not_published() {
        let calendar = Calendar::china();
        let table =
            [(date(2028, 12, 29), 5, 2029), (date(2028, 12, 29), 1, 2029), (date(2030, 6, 3), 0, 2030), (date(2017, 6, 5), 0, 2017)];
        for (from, days, year) in table {
            let got = calendar.add_working_days(from, WorkingDays(days));
            assert_eq!(got, Err(CalendarError::NotPublished { year }), "{from} + {days}");
        }
        // The walk itself never enters an unpublished year, however many days are asked.
        let got = calendar.add_working_days(date(2018, 1, 1), WorkingDays(u32::MAX));
        assert_eq!(got, Err(CalendarError::NotPublished { year: 2029 }));
        let got = calendar.working_days_between(date(2028, 12, 1), date(2029, 1, 10));
        assert_eq!(got, Err(CalendarError::NotPublished { year: 2029 }));
        // The last day of the provisional years can still be reached and counted.
        let got = calendar.add_working_days(date(2028, 12, 28), WorkingDays(1));
        assert_eq!(got, Ok(date(2028, 12, 29)));
    }

    #[test]
    fn calendar_schedule_missing_from_november() {
        let mut calendar = Calendar::china();
        assert_eq!(calendar.schedule_missing(date(2026, 10, 31)), None);
        assert_eq!(calendar.schedule_missing(date(2026, 11, 1)), Some(2027));
        assert_eq!(calendar.schedule_missing(date(2026, 12, 31)), Some(2027));
        assert_eq!(calendar.schedule_missing(date(2027, 3, 1)), Some(2027));
        calendar.mark_published(2027);
        assert_eq!(calendar.schedule_missing(date(2026, 12, 31)), None);
        assert_eq!(calendar.schedule_missing(date(2027, 11, 1)), Some(2028));
    }

    #[test]
    fn calendar_counts_an_unpublished_year_from_the_statutory_holidays() {
        let calendar = Calendar::china();
        // Wed 2026-12-30 + 5: Thu 31st; 元旦 Fri 1 January 2027 and the weekend skipped; Mon 4 to
        // Thu 7 January.
        let due = calendar.add_working_days(date(2026, 12, 30), WorkingDays(5));
        assert_eq!(due, Ok(date(2027, 1, 7)));
        assert!(calendar.is_provisional(date(2027, 1, 7)));
        let new_year = calendar.day(date(2027, 1, 1));
        assert_eq!((new_year.kind, new_year.name, new_year.provisional), (DayKind::Holiday, Some("元旦"), true));
        assert_eq!(new_year.source, Some(statutory::SOURCE));
        // 春节 2027: 除夕 Fri 5 February to 初三 Mon 8 February off, no adjusted working day.
        assert_eq!(calendar.add_working_days(date(2027, 2, 4), WorkingDays(1)), Ok(date(2027, 2, 9)));
        assert!(calendar.is_working_day(date(2027, 2, 4)) && !calendar.is_working_day(date(2027, 2, 8)));
        assert!(!calendar.is_working_day(date(2027, 2, 6)), "a Saturday stays off: no 调休 is guessed");
        // A 30-working-day item accepted on 2026-12-03 is due in January 2027.
        let due = calendar.add_working_days(date(2026, 12, 3), WorkingDays(30)).unwrap();
        assert_eq!(due, date(2027, 1, 15));
        let listed = calendar.days_of_year(2027);
        assert_eq!(listed.len(), 13, "{listed:?}");
        assert!(listed.iter().all(|(_, info)| info.provisional && info.kind == DayKind::Holiday));
    }

    #[test]
    fn calendar_administrator_adds_days() {
        let mut calendar = Calendar::china();
        // A local closure (e.g. a typhoon day) on Tuesday 5 March 2024.
        let replaced = calendar.set_day(date(2024, 3, 5), DayKind::Holiday, "台风停工", "区政府通知");
        assert_eq!(replaced, Ok(None));
        let got = calendar.add_working_days(date(2024, 3, 4), WorkingDays(1));
        assert_eq!(got, Ok(date(2024, 3, 6)));
        assert_eq!(calendar.remove_day(date(2024, 3, 5)).map(|d| d.kind), Some(DayKind::Holiday));
        assert!(calendar.is_working_day(date(2024, 3, 5)));

        // Next year's notice: entered days count at once, over the statutory ones; the year
        // stays provisional until it is marked published.
        let set = calendar.set_day(date(2027, 1, 1), DayKind::Holiday, "元旦", "国办发明电〔2026〕X号");
        assert_eq!(set, Ok(None));
        let set = calendar.set_day(date(2027, 1, 4), DayKind::Holiday, "元旦", "国办发明电〔2026〕X号");
        assert_eq!(set, Ok(None));
        let got = calendar.add_working_days(date(2026, 12, 31), WorkingDays(1));
        assert_eq!(got, Ok(date(2027, 1, 5)));
        assert!(calendar.is_provisional(date(2027, 1, 5)));
        assert_eq!(calendar.day(date(2027, 1, 1)).source, Some("国办发明电〔2026〕X号"));
        calendar.mark_published(2027);
        let got = calendar.add_working_days(date(2026, 12, 31), WorkingDays(1));
        assert_eq!(got, Ok(date(2027, 1, 5)));
        assert!(!calendar.is_provisional(date(2027, 1, 5)));
        assert_eq!(calendar.years_provisional().collect::<Vec<i16>>(), vec![2028, 2029]);

        let table = [
            (date(2027, 1, 5), DayKind::Working, "调休", "x", RowProblem::WorkingWeekday { date: date(2027, 1, 5) }),
            (date(2027, 1, 9), DayKind::Working, " ", "x", RowProblem::NameEmpty),
            (date(2027, 1, 9), DayKind::Working, "调休", "", RowProblem::SourceEmpty),
        ];
        for (day, kind, name, source, problem) in table {
            assert_eq!(calendar.set_day(day, kind, name, source), Err(problem), "{day}");
        }
        let name_long = "节".repeat(NAME_CHARS_MAX + 1);
        let got = calendar.set_day(date(2027, 1, 9), DayKind::Working, &name_long, "x");
        assert_eq!(got, Err(RowProblem::NameTooLong));
    }

    #[test]
    fn calendar_from_csv_errors_name_the_line() {
        let header = "# a comment\n\ndate,kind,name,source\n2024-10-01,holiday,国庆节,x\n";
        let table = [
            ("2024-10-0x,holiday,国庆节,x", RowProblem::Date { raw: "2024-10-0x".into() }),
            ("2024-02-30,holiday,春节,x", RowProblem::Date { raw: "2024-02-30".into() }),
            ("2024-10-02T00:00,holiday,国庆节,x", RowProblem::Date { raw: "2024-10-02T00:00".into() }),
            ("20241002,holiday,国庆节,x", RowProblem::Date { raw: "20241002".into() }),
            ("2024-10-02,off,国庆节,x", RowProblem::Kind { raw: "off".into() }),
            ("2024-10-02,holiday,国庆节", RowProblem::Columns { found: 3 }),
            ("2024-10-02,holiday,,x", RowProblem::NameEmpty),
            ("2024-10-02,holiday,国庆节,", RowProblem::SourceEmpty),
            ("2024-10-08,working,国庆节调休,x", RowProblem::WorkingWeekday { date: date(2024, 10, 8) }),
            ("2024-10-01,holiday,国庆节,x", RowProblem::Duplicate { date: date(2024, 10, 1), line_first: 4 }),
        ];
        for (row, problem) in table {
            let text = format!("{header}{row}\n");
            let got = Calendar::from_csv(&text);
            assert_eq!(got, Err(CalendarError::Line { line: 5, problem }), "{row}");
        }
    }

    #[test]
    fn calendar_from_csv_header_errors() {
        let got = Calendar::from_csv("# only a comment\ndate,kind,title,source\n");
        assert_eq!(got, Err(CalendarError::Line { line: 2, problem: RowProblem::Header }));
        assert_eq!(Calendar::from_csv("# nothing\n"), Err(CalendarError::NoHeader));
        let text = "date,kind,name,source\n2024-10-01,holiday,国庆节,x\n2024-10-02,off,x,y\n";
        let message = Calendar::from_csv(text).unwrap_err().to_string();
        assert_eq!(message, "line 3: \"off\" is not a kind: holiday or working");
    }

    #[test]
    fn calendar_from_csv_accepts_spreadsheet_exports() {
        let text = "\u{feff}date,kind,name,source\r\n\"2024-10-01\", holiday ,\"国庆节\",\"通知, 第1号\"\r\n";
        let calendar = Calendar::from_csv(text).unwrap();
        let info = calendar.day(date(2024, 10, 1));
        assert_eq!((info.kind, info.name, info.source), (DayKind::Holiday, Some("国庆节"), Some("通知, 第1号")));
        assert_eq!(calendar.years_published().collect::<Vec<_>>(), vec![2024]);
    }

    #[test]
    fn calendar_is_clone_send_sync() {
        fn assert_traits<T: Clone + Send + Sync + 'static>() {}
        assert_traits::<Calendar>();
    }

    #[test]
    fn calendar_serializes_for_the_api() {
        let calendar = Calendar::china();
        let days = calendar.days_of_year(2026);
        let json = serde_json::to_value(days[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!(["2026-01-01", {
                "kind": "holiday", "name": "元旦", "source": "国办发明电〔2025〕7号",
                "weekend": false, "adjusted": false, "provisional": false
            }])
        );
        assert_eq!(serde_json::to_string(&WorkingDays(20)).unwrap(), "20");
    }

    /// Any date of the published years.
    fn date_published() -> impl Strategy<Value = Date> {
        let days_total = date(2018, 1, 1).until(date(2026, 12, 31)).unwrap().get_days();
        (0..=days_total).prop_map(|offset| date(2018, 1, 1).checked_add(offset.days()).unwrap())
    }

    proptest! {
        #[test]
        fn calendar_add_lands_on_a_later_working_day(from in date_published(), days in 1u32..60) {
            let calendar = Calendar::china();
            // The provisional years take over where the published ones end.
            let due = calendar.add_working_days(from, WorkingDays(days)).unwrap();
            prop_assert!(due > from);
            prop_assert!(calendar.is_working_day(due));
            prop_assert_eq!(calendar.working_days_between(from, due), Ok(WorkingDays(days)));
            prop_assert_eq!(calendar.is_provisional(due), due.year() >= 2027);
        }

        #[test]
        fn calendar_add_is_additive(from in date_published(), n in 1u32..40, m in 1u32..40) {
            let calendar = Calendar::china();
            let stepwise = calendar
                .add_working_days(from, WorkingDays(n))
                .and_then(|middle| calendar.add_working_days(middle, WorkingDays(m)));
            let at_once = calendar.add_working_days(from, WorkingDays(n + m));
            prop_assert_eq!(stepwise, at_once);
        }

        #[test]
        fn calendar_add_zero_is_the_first_working_day(from in date_published()) {
            let calendar = Calendar::china();
            if let Ok(due) = calendar.add_working_days(from, WorkingDays(0)) {
                prop_assert!(due >= from);
                prop_assert!(calendar.is_working_day(due));
                prop_assert_eq!(calendar.working_days_between(from, due).unwrap().0, u32::from(due != from));
            }
        }

        #[test]
        fn calendar_plain_weekend_is_off(from in date_published()) {
            let calendar = Calendar::china();
            let saturday = from.nth_weekday(1, Weekday::Saturday).unwrap();
            for day in [saturday, saturday.tomorrow().unwrap()] {
                let info = calendar.day(day);
                if info.name.is_none() {
                    prop_assert!(!calendar.is_working_day(day));
                    prop_assert_eq!(info.kind, DayKind::Holiday);
                    prop_assert!(info.weekend && !info.adjusted);
                }
            }
        }
    }
}
