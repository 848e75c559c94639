//! The time limit of a case (限时办结制, seed 004 §二(五)): when counting starts, which days
//! count, pauses, the one statutory extension, the due date, warning levels and the next alarm.
//!
//! # The counting rule
//! - **Deemed acceptance day.** A case accepted on a working day before [`CLOSING_TIME`] is
//!   deemed accepted that day. One accepted after closing time, or on a weekend or holiday, is
//!   deemed accepted on the next working day.
//! - **Counting starts the day after** (民法典 §201: the first day is not counted): the first
//!   working day after the deemed acceptance day is day 1, and the due date is day N, N being
//!   the promised limit in working days (plus any extension). An immediate item (即办件, N = 0)
//!   is due on the deemed acceptance day itself.
//! - **Pauses.** A pause started on day P and ended on day R takes the days in (P, R] out of the
//!   count: the day the clock stops still counts, the day it resumes does not. A pause that is
//!   still open covers (P, today], so the due date it implies is the earliest possible one.
//! - **Stop.** A decision stops the clock; the days after it do not count.
//!
//! Everything here is a pure function of the clock, the calendar and "today".

use crate::calendar::{Calendar, CalendarError, DayKind, WorkingDays};
use jiff::civil::{Date, DateTime, Time};
use serde::{Deserialize, Serialize};

/// Closing time of the service halls (Beijing time): an acceptance at or after it counts from
/// the next working day.
pub const CLOSING_TIME: Time = Time::constant(17, 0, 0, 0);

/// Why a clock stopped counting for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    /// Waiting for the applicant to supply or correct materials (补正材料).
    Applicant,
    /// Materials accepted as missing are outstanding and the item stops the clock for them (容缺待补).
    Deficiency,
    /// Expert review (专家评审), 特别程序.
    ExpertReview,
    /// Hearing (听证), 特别程序.
    Hearing,
    /// Inspection, testing or quarantine commissioned out (检验、检测、检疫、鉴定), 特别程序.
    Inspection,
    /// Public notice (公示), 特别程序.
    PublicNotice,
}

impl PauseKind {
    /// Every kind.
    pub const ALL: [PauseKind; 6] = [
        PauseKind::Applicant,
        PauseKind::Deficiency,
        PauseKind::ExpertReview,
        PauseKind::Hearing,
        PauseKind::Inspection,
        PauseKind::PublicNotice,
    ];

    /// The code in JSON.
    pub fn code(self) -> &'static str {
        match self {
            PauseKind::Applicant => "applicant",
            PauseKind::Deficiency => "deficiency",
            PauseKind::ExpertReview => "expert_review",
            PauseKind::Hearing => "hearing",
            PauseKind::Inspection => "inspection",
            PauseKind::PublicNotice => "public_notice",
        }
    }

    /// Parses [`PauseKind::code`].
    pub fn parse(raw: &str) -> Option<PauseKind> {
        PauseKind::ALL.into_iter().find(|k| k.code() == raw)
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            PauseKind::Applicant => "等待申请人补正材料",
            PauseKind::Deficiency => "容缺材料待补齐",
            PauseKind::ExpertReview => "专家评审（特别程序）",
            PauseKind::Hearing => "听证（特别程序）",
            PauseKind::Inspection => "委托检验检测鉴定（特别程序）",
            PauseKind::PublicNotice => "公示（特别程序）",
        }
    }
}

/// One pause of the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pause {
    /// Why.
    pub kind: PauseKind,
    /// In the handler's words.
    pub reason: String,
    /// The day the clock stopped (still counted).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: Date,
    /// The day it resumed (not counted); `None` while paused.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub until: Option<Date>,
}

/// The statutory extension (行政许可法 §42), granted at most once by the bureau's leader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Extension {
    /// Working days added.
    pub days: u32,
    /// Why.
    pub reason: String,
    /// When it was granted.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub granted_on: Date,
}

/// Why counting starts when it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StartRule {
    /// Accepted on a working day during working hours.
    SameDay,
    /// Accepted after closing time: deemed accepted on the next working day.
    AfterHours,
    /// Accepted on a weekend or holiday: deemed accepted on the next working day.
    DayOff,
}

/// A warning level (预警等级), in increasing order of urgency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    /// More than 20% of the limit remains.
    #[default]
    None,
    /// 黄牌预警: at most 20% of the working days remain (at least one day).
    Yellow,
    /// 红牌预警: today is the due day.
    Red,
    /// 超期: past the due day.
    Overdue,
}

impl WarningLevel {
    /// Every level.
    pub const ALL: [WarningLevel; 4] = [WarningLevel::None, WarningLevel::Yellow, WarningLevel::Red, WarningLevel::Overdue];

    /// The code in JSON and the database.
    pub fn code(self) -> &'static str {
        match self {
            WarningLevel::None => "none",
            WarningLevel::Yellow => "yellow",
            WarningLevel::Red => "red",
            WarningLevel::Overdue => "overdue",
        }
    }

    /// Parses [`WarningLevel::code`].
    pub fn parse(raw: &str) -> Option<WarningLevel> {
        WarningLevel::ALL.into_iter().find(|l| l.code() == raw)
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            WarningLevel::None => "正常",
            WarningLevel::Yellow => "黄牌预警",
            WarningLevel::Red => "红牌预警（今日到期）",
            WarningLevel::Overdue => "已超期",
        }
    }
}

/// Whether a clock counts now, waits (paused) or has stopped (decided).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Counting.
    Running,
    /// Paused (特别程序, waiting for the applicant or a commissioned inspection).
    Paused,
    /// Stopped by the decision or the end of the case.
    Stopped,
}

impl ClockState {
    /// The code in the database and filters.
    pub fn code(self) -> &'static str {
        match self {
            ClockState::Running => "running",
            ClockState::Paused => "paused",
            ClockState::Stopped => "stopped",
        }
    }
}

/// What follows from a clock as of a day: kept beside the clock by the store, so that lists
/// filter and sort by it and the supervision worker looks only at the cases whose alarm is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockSummary {
    /// Running, paused or stopped.
    pub state: ClockState,
    /// The promised due date ([`CaseClock::due_date`]).
    pub due_date: Date,
    /// The legal due date, if the law sets a limit.
    pub legal_due_date: Option<Date>,
    /// Working days of the statutory extension, 0 if none.
    pub extended_days: u32,
    /// The highest warning raised.
    pub warning: WarningLevel,
    /// The day the warning level next rises above `warning`, if it can ([`CaseClock::next_alarm`]).
    pub next_alarm: Option<Date>,
}

/// The time limit of one accepted case. Stored with the case as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseClock {
    /// The calendar day of acceptance (Beijing time).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub accepted_on: Date,
    /// The deemed acceptance day: a working day; counting starts the working day after.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub start: Date,
    /// Why `start` is what it is.
    pub start_rule: StartRule,
    /// The promised limit (承诺时限) in working days; 0 for immediate items.
    pub promised_days: u32,
    /// The legal limit (法定时限) in working days; 0 when the law sets none.
    pub legal_days: u32,
    /// The extension, if granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    /// Pauses in order; only the last may be open.
    #[serde(default)]
    pub pauses: Vec<Pause>,
    /// The day a decision stopped the clock.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_on: Option<Date>,
}

/// Why a clock operation is refused, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct ClockError {
    /// For users.
    pub zh: String,
    /// For logs and API clients.
    pub en: String,
}

fn refuse(zh: impl Into<String>, en: impl Into<String>) -> ClockError {
    ClockError { zh: zh.into(), en: en.into() }
}

impl CaseClock {
    /// Starts the clock of a case accepted at `accepted` (Beijing local time).
    pub fn start(calendar: &Calendar, accepted: DateTime, promised_days: u32, legal_days: u32) -> Result<CaseClock, CalendarError> {
        let day = accepted.date();
        let (start, start_rule) = if !calendar.is_working_day(day) {
            (calendar.add_working_days(day, WorkingDays(0))?, StartRule::DayOff)
        } else if accepted.time() >= CLOSING_TIME {
            (calendar.add_working_days(day, WorkingDays(1))?, StartRule::AfterHours)
        } else {
            if !calendar.covers(day) {
                return Err(CalendarError::NotPublished { year: day.year() });
            }
            (day, StartRule::SameDay)
        };
        assert!(calendar.is_working_day(start) && start >= day);
        Ok(CaseClock {
            accepted_on: day,
            start,
            start_rule,
            promised_days,
            legal_days,
            extension: None,
            pauses: Vec::new(),
            stopped_on: None,
        })
    }

    /// The limit in force: promised plus extension.
    pub fn limit(&self) -> u32 {
        self.promised_days + self.extension.as_ref().map_or(0, |e| e.days)
    }

    /// The open pause, if the clock is paused.
    pub fn open_pause(&self) -> Option<&Pause> {
        self.pauses.last().filter(|p| p.until.is_none())
    }

    /// Whether the clock runs now: not paused and not stopped.
    pub fn is_running(&self) -> bool {
        self.open_pause().is_none() && self.stopped_on.is_none()
    }

    /// Whether `day` lies inside a pause, an open pause reaching to `today`.
    fn paused_on(&self, day: Date, today: Date) -> bool {
        self.pauses.iter().any(|p| p.from < day && day <= p.until.unwrap_or(today.max(p.from)))
    }

    /// Whether `day` is one of the case's counted working days (ignoring the stop).
    fn counts(&self, calendar: &Calendar, day: Date, today: Date) -> bool {
        day > self.start && calendar.is_working_day(day) && !self.paused_on(day, today)
    }

    /// The `n`th counted day after the start (`n` = 0: the start itself).
    fn nth_counted_day(&self, calendar: &Calendar, n: u32, today: Date) -> Result<Date, CalendarError> {
        let mut day = self.start;
        let mut counted = 0;
        while counted < n {
            day = day.tomorrow().map_err(|_| CalendarError::NotPublished { year: day.year() })?;
            if !calendar.covers(day) {
                return Err(CalendarError::NotPublished { year: day.year() });
            }
            if self.counts(calendar, day, today) {
                counted += 1;
            }
        }
        Ok(day)
    }

    /// The promised due date as of `today` (an open pause is taken to end today, so while
    /// paused this is the earliest the case can now be due).
    pub fn due_date(&self, calendar: &Calendar, today: Date) -> Result<Date, CalendarError> {
        self.nth_counted_day(calendar, self.limit(), self.as_of(today))
    }

    /// The legal due date, if the law sets a limit; pauses apply, the extension does not.
    pub fn legal_due_date(&self, calendar: &Calendar, today: Date) -> Result<Option<Date>, CalendarError> {
        if self.legal_days == 0 {
            return Ok(None);
        }
        self.nth_counted_day(calendar, self.legal_days, self.as_of(today)).map(Some)
    }

    /// `today`, or the stop day if the clock stopped before.
    fn as_of(&self, today: Date) -> Date {
        self.stopped_on.map_or(today, |s| s.min(today))
    }

    /// Working days used up to `today` (up to the stop, if stopped).
    pub fn used(&self, calendar: &Calendar, today: Date) -> u32 {
        let end = self.as_of(today);
        let mut day = self.start;
        let mut used = 0;
        while day < end {
            let Ok(next) = day.tomorrow() else { break };
            day = next;
            if self.counts(calendar, day, end) {
                used += 1;
            }
        }
        used
    }

    /// Working days remaining (0 on the due day and after).
    pub fn remaining(&self, calendar: &Calendar, today: Date) -> u32 {
        self.limit().saturating_sub(self.used(calendar, today))
    }

    /// Remaining days at or below which the yellow warning shows: 20% of the limit, at least one.
    pub fn yellow_threshold(&self) -> u32 {
        (self.limit() / 5).max(1)
    }

    /// The warning level on `today` (frozen at the stop day once stopped).
    pub fn level(&self, calendar: &Calendar, today: Date) -> Result<WarningLevel, CalendarError> {
        let as_of = self.as_of(today);
        let due = self.due_date(calendar, as_of)?;
        Ok(if as_of > due {
            WarningLevel::Overdue
        } else if as_of == due {
            WarningLevel::Red
        } else if self.remaining(calendar, as_of) <= self.yellow_threshold() {
            WarningLevel::Yellow
        } else {
            WarningLevel::None
        })
    }

    /// The first day on or after `today` whose level is above `raised`, the highest level
    /// already raised; `None` while paused or stopped, or once overdue has been raised.
    pub fn next_alarm(&self, calendar: &Calendar, raised: WarningLevel, today: Date) -> Result<Option<Date>, CalendarError> {
        if !self.is_running() || raised == WarningLevel::Overdue {
            return Ok(None);
        }
        let due = self.due_date(calendar, today)?;
        if today > due {
            return Ok(Some(today));
        }
        let mut day = today;
        loop {
            if self.level(calendar, day)? > raised {
                return Ok(Some(day));
            }
            day = day.tomorrow().map_err(|_| CalendarError::NotPublished { year: day.year() })?;
            assert!(day <= due.tomorrow().unwrap_or(due), "the day after the due date is overdue");
        }
    }

    /// The clock's [`ClockSummary`] as of `today`, `warning` being the highest level raised.
    pub fn summary(&self, calendar: &Calendar, warning: WarningLevel, today: Date) -> Result<ClockSummary, CalendarError> {
        let next_alarm = self.next_alarm(calendar, warning, today)?;
        let state = if self.stopped_on.is_some() {
            ClockState::Stopped
        } else if self.open_pause().is_some() {
            ClockState::Paused
        } else {
            ClockState::Running
        };
        Ok(ClockSummary {
            state,
            due_date: self.due_date(calendar, today)?,
            legal_due_date: self.legal_due_date(calendar, today)?,
            extended_days: self.extension.as_ref().map_or(0, |e| e.days),
            warning,
            next_alarm,
        })
    }

    /// Pauses the clock on `today`.
    pub fn pause(&mut self, kind: PauseKind, reason: &str, today: Date) -> Result<(), ClockError> {
        if self.stopped_on.is_some() {
            return Err(refuse("办理时限已停止计算，不能暂停", "the clock has stopped"));
        }
        if let Some(p) = self.open_pause() {
            return Err(refuse(format!("计时已于{}暂停（{}），请先恢复计时", p.from, p.kind.label_zh()), "the clock is already paused"));
        }
        if today < self.pauses.last().and_then(|p| p.until).unwrap_or(self.accepted_on) {
            return Err(refuse("暂停日期早于上次恢复计时的日期", "the pause starts before the last resumption"));
        }
        self.pauses.push(Pause { kind, reason: reason.trim().to_string(), from: today, until: None });
        Ok(())
    }

    /// Resumes the clock on `today`; returns the pause that ended.
    pub fn resume(&mut self, today: Date) -> Result<Pause, ClockError> {
        let Some(p) = self.pauses.last_mut().filter(|p| p.until.is_none()) else {
            return Err(refuse("计时未暂停，无需恢复", "the clock is not paused"));
        };
        p.until = Some(today.max(p.from));
        Ok(p.clone())
    }

    /// Grants the statutory extension on `today`: at most once, before the due date has
    /// passed, never beyond the legal limit.
    pub fn extend(&mut self, calendar: &Calendar, days: u32, reason: &str, today: Date) -> Result<(), ClockError> {
        if self.stopped_on.is_some() {
            return Err(refuse("已作出决定，不能延期", "the case is decided"));
        }
        if let Some(e) = &self.extension {
            return Err(refuse(
                format!("本件已于{}延期{}个工作日，依法只能延期一次", e.granted_on, e.days),
                "the case was extended already",
            ));
        }
        if days == 0 {
            return Err(refuse("延期天数至少为1个工作日", "extend by at least one working day"));
        }
        if self.legal_days == 0 {
            return Err(refuse("该事项没有法定办理时限，不能延期", "the item has no legal limit to extend within"));
        }
        let room = self.legal_days.saturating_sub(self.promised_days);
        if days > room {
            return Err(refuse(
                format!(
                    "延期后不能超过法定时限：承诺{}个工作日、法定{}个工作日，最多可延期{room}个工作日",
                    self.promised_days, self.legal_days
                ),
                format!("at most {room} working days within the legal limit"),
            ));
        }
        let due = self.due_date(calendar, today).map_err(|e| refuse(format!("工作日历未覆盖：{e}"), e.to_string()))?;
        if today > due {
            return Err(refuse(format!("办理期限已于{due}届满，不能再延期"), "the time limit has already expired"));
        }
        self.extension = Some(Extension { days, reason: reason.trim().to_string(), granted_on: today });
        Ok(())
    }

    /// Stops the clock on `today` (a decision); an open pause ends the same day.
    pub fn stop(&mut self, today: Date) {
        if let Some(p) = self.pauses.last_mut().filter(|p| p.until.is_none()) {
            p.until = Some(today.max(p.from));
        }
        self.stopped_on.get_or_insert(today);
    }

    /// Why the due date is what it is, day by day, as of `today`.
    pub fn explain(&self, calendar: &Calendar, today: Date) -> Result<Explanation, CalendarError> {
        let as_of = self.as_of(today);
        let due = self.due_date(calendar, as_of)?;
        let legal_due = self.legal_due_date(calendar, as_of)?;
        let counting_from = if self.limit() == 0 { self.start } else { self.nth_counted_day(calendar, 1, as_of)? };
        let mut special = Vec::new();
        for (date, info) in calendar.explain(self.start, due) {
            if self.paused_on(date, as_of) {
                continue;
            }
            let kind = if info.adjusted {
                SpecialDayKind::AdjustedWorkingDay
            } else if info.kind == DayKind::Holiday && info.name.is_some() {
                SpecialDayKind::Holiday
            } else if info.kind == DayKind::Holiday {
                SpecialDayKind::Weekend
            } else {
                continue;
            };
            special.push(SpecialDay { date, kind, name: info.name.unwrap_or(if info.weekend { "周末" } else { "" }).to_string() });
        }
        let pauses = self
            .pauses
            .iter()
            .map(|p| {
                let end = p.until.unwrap_or(as_of.max(p.from));
                let mut lost = 0;
                let mut day = p.from;
                while day < end {
                    let Ok(next) = day.tomorrow() else { break };
                    day = next;
                    if day > self.start && calendar.is_working_day(day) {
                        lost += 1;
                    }
                }
                PauseLine { pause: p.clone(), working_days: lost }
            })
            .collect();
        let level = self.level(calendar, as_of)?;
        let e = Explanation {
            accepted_on: self.accepted_on,
            start: self.start,
            start_rule: self.start_rule,
            counting_from,
            promised_days: self.promised_days,
            legal_days: self.legal_days,
            extension: self.extension.clone(),
            limit: self.limit(),
            special_days: special,
            pauses,
            due_date: due,
            legal_due_date: legal_due,
            used: self.used(calendar, as_of),
            remaining: self.remaining(calendar, as_of),
            level,
            paused: self.open_pause().is_some(),
            stopped_on: self.stopped_on,
            provisional_year: provisional_year(calendar, [Some(due), legal_due]),
            due_date_provisional: calendar.is_provisional(due),
            legal_due_date_provisional: legal_due.is_some_and(|d| calendar.is_provisional(d)),
            lines_zh: Vec::new(),
        };
        let lines_zh = e.to_chinese();
        Ok(Explanation { lines_zh, ..e })
    }
}

/// How a day in the counting interval is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SpecialDayKind {
    /// A public holiday: skipped.
    Holiday,
    /// A Saturday or Sunday: skipped.
    Weekend,
    /// A Saturday or Sunday worked (调休上班): counted.
    AdjustedWorkingDay,
}

/// A skipped or specially counted day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpecialDay {
    /// The day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Date,
    /// How it is treated.
    pub kind: SpecialDayKind,
    /// The holiday's name, or 周末.
    pub name: String,
}

/// A pause and the working days it took out of the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PauseLine {
    /// The pause.
    #[serde(flatten)]
    pub pause: Pause,
    /// Working days not counted because of it (so far, while open).
    pub working_days: u32,
}

/// "Why this date": everything needed to check a due date by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    /// Calendar day of acceptance.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub accepted_on: Date,
    /// Deemed acceptance day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub start: Date,
    /// Why.
    pub start_rule: StartRule,
    /// Day 1 of the count.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub counting_from: Date,
    /// Promised working days.
    pub promised_days: u32,
    /// Legal working days (0: none).
    pub legal_days: u32,
    /// The extension.
    pub extension: Option<Extension>,
    /// Working days in force (promised + extension).
    pub limit: u32,
    /// Holidays and weekends skipped and adjusted working days counted, from the start to the due date.
    pub special_days: Vec<SpecialDay>,
    /// Pauses.
    pub pauses: Vec<PauseLine>,
    /// Promised due date (while paused: the earliest, if resumed today).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub due_date: Date,
    /// Legal due date.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub legal_due_date: Option<Date>,
    /// Working days used.
    pub used: u32,
    /// Working days remaining.
    pub remaining: u32,
    /// Warning level.
    pub level: WarningLevel,
    /// Whether the clock is paused now.
    pub paused: bool,
    /// The day the clock stopped, if decided.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub stopped_on: Option<Date>,
    /// The first year counted provisionally, when the due date or the legal due date lies in
    /// it or later: the dates are counted from the statutory holidays alone
    /// (暂按法定节假日计算) and move when the year's schedule is published.
    pub provisional_year: Option<i16>,
    /// The promised due date lies in a provisional year.
    pub due_date_provisional: bool,
    /// The legal due date lies in a provisional year.
    pub legal_due_date_provisional: bool,
    /// The same, in plain Chinese, one sentence per line.
    pub lines_zh: Vec<String>,
}

/// The first provisional year of `calendar`, if any of `dates` is provisional.
pub fn provisional_year(calendar: &Calendar, dates: impl IntoIterator<Item = Option<Date>>) -> Option<i16> {
    let first = calendar.years_provisional().next()?;
    dates.into_iter().flatten().any(|d| calendar.is_provisional(d)).then_some(first)
}

fn zh_date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn zh_weekday(d: Date) -> &'static str {
    ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"][d.weekday().to_monday_zero_offset() as usize]
}

impl Explanation {
    fn to_chinese(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let accepted = format!("{}（{}）", zh_date(self.accepted_on), zh_weekday(self.accepted_on));
        lines.push(match self.start_rule {
            StartRule::SameDay => format!("本件于{accepted}受理。"),
            StartRule::AfterHours => format!(
                "本件于{accepted}下班时间（{}时{}分）后受理，视为{}受理。",
                CLOSING_TIME.hour(),
                CLOSING_TIME.minute(),
                zh_date(self.start)
            ),
            StartRule::DayOff => format!("本件于{accepted}（休息日）受理，视为下一个工作日{}受理。", zh_date(self.start)),
        });
        if self.limit == 0 {
            lines.push(format!("本事项为即办件，应于受理当日（{}）办结。", zh_date(self.start)));
        } else {
            lines.push(format!(
                "受理当日不计入，自下一个工作日{}起计算，承诺时限{}个工作日{}。",
                zh_date(self.counting_from),
                self.promised_days,
                if self.legal_days > 0 { format!("（法定时限{}个工作日）", self.legal_days) } else { String::new() }
            ));
        }
        let mut runs: Vec<(Date, Date, SpecialDayKind, &str)> = Vec::new();
        for d in &self.special_days {
            match runs.last_mut() {
                Some(run) if run.2 == d.kind && run.3 == d.name && run.1.tomorrow().ok() == Some(d.date) => run.1 = d.date,
                _ => runs.push((d.date, d.date, d.kind, &d.name)),
            }
        }
        for (from, to, kind, name) in runs {
            let span = if from == to { zh_date(from) } else { format!("{}至{}", zh_date(from), zh_date(to)) };
            lines.push(match kind {
                SpecialDayKind::AdjustedWorkingDay => format!("{span}为{name}上班日（{}），计入工作日。", zh_weekday(from)),
                SpecialDayKind::Holiday => format!("{span}为{name}放假，不计入。"),
                SpecialDayKind::Weekend => format!("{span}为周末，不计入。"),
            });
        }
        for p in &self.pauses {
            let end = match p.pause.until {
                Some(u) => format!("至{}恢复计时", zh_date(u)),
                None => "，目前仍在暂停中".to_string(),
            };
            lines.push(format!(
                "{}起因{}暂停计时{end}（{}），暂停期间{}个工作日不计入。",
                zh_date(p.pause.from),
                p.pause.kind.label_zh(),
                p.pause.reason,
                p.working_days
            ));
        }
        if let Some(e) = &self.extension {
            lines.push(format!("{}经分管领导批准延期{}个工作日（{}）。", zh_date(e.granted_on), e.days, e.reason));
        }
        let due = zh_date(self.due_date);
        lines.push(if self.paused {
            format!("计时暂停中：如今日恢复计时，承诺办结日期最早为{due}。")
        } else {
            format!("承诺办结日期为{due}（第{}个工作日）。", self.limit)
        });
        if let Some(legal) = self.legal_due_date {
            lines.push(format!("法定办结日期为{}。", zh_date(legal)));
        }
        if let Some(year) = self.provisional_year {
            lines.push(format!("{year}年节假日安排尚未发布，上述日期暂按法定节假日计算（全国年节及纪念日放假办法），发布后自动重新计算。"));
        }
        lines.push(match self.stopped_on {
            Some(s) => format!("已于{}作出决定，共用{}个工作日。", zh_date(s), self.used),
            None => format!("已用{}个工作日，剩余{}个工作日，当前状态：{}。", self.used, self.remaining, self.level.label_zh()),
        });
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn cal() -> Calendar {
        Calendar::china()
    }

    fn at(d: Date, h: i8, m: i8) -> DateTime {
        d.to_datetime(Time::constant(h, m, 0, 0))
    }

    fn clock(accepted: DateTime, promised: u32, legal: u32) -> CaseClock {
        CaseClock::start(&cal(), accepted, promised, legal).unwrap()
    }

    #[test]
    fn counting_starts_the_day_after_acceptance() {
        // Monday 2024-06-03, 10:00: day 1 is Tuesday; 5 working days end Monday 10 June
        // (端午节 is 2024-06-10!), so Tuesday 11 June.
        let c = clock(at(date(2024, 6, 3), 10, 0), 5, 20);
        assert_eq!(c.start, date(2024, 6, 3));
        assert_eq!(c.start_rule, StartRule::SameDay);
        assert_eq!(c.due_date(&cal(), date(2024, 6, 3)).unwrap(), date(2024, 6, 11));
    }

    #[test]
    fn after_hours_and_days_off_count_from_the_next_working_day() {
        let c = clock(at(date(2024, 6, 3), 17, 0), 1, 20);
        assert_eq!((c.start, c.start_rule), (date(2024, 6, 4), StartRule::AfterHours));
        assert_eq!(c.due_date(&cal(), c.start).unwrap(), date(2024, 6, 5));
        let c = clock(at(date(2024, 6, 3), 16, 59), 1, 20);
        assert_eq!(c.due_date(&cal(), c.start).unwrap(), date(2024, 6, 4));
        // Saturday 1 June: deemed Monday 3 June, due Tuesday 4 June.
        let c = clock(at(date(2024, 6, 1), 9, 0), 1, 20);
        assert_eq!((c.start, c.start_rule), (date(2024, 6, 3), StartRule::DayOff));
        assert_eq!(c.due_date(&cal(), c.start).unwrap(), date(2024, 6, 4));
        // National Day 2024: accepted on 3 October, deemed accepted 8 October.
        let c = clock(at(date(2024, 10, 3), 11, 0), 0, 0);
        assert_eq!(c.start, date(2024, 10, 8));
        assert_eq!(c.due_date(&cal(), c.start).unwrap(), date(2024, 10, 8), "immediate items are due the deemed day");
    }

    #[test]
    fn adjusted_working_days_count_and_holidays_do_not() {
        // Friday 27 Sept 2024, 5 days: Sun 29 (调休), Mon 30, then 1–7 Oct off, Tue 8 is a
        // worked Saturday? No: 12 Oct (Sat) is worked. 29, 30, 8, 9, 10 → due 10 Oct.
        let c = clock(at(date(2024, 9, 27), 9, 0), 5, 20);
        assert_eq!(c.due_date(&cal(), c.start).unwrap(), date(2024, 10, 10));
        let e = c.explain(&cal(), c.start).unwrap();
        assert!(e.special_days.iter().any(|d| d.date == date(2024, 9, 29) && d.kind == SpecialDayKind::AdjustedWorkingDay));
        assert_eq!(e.special_days.iter().filter(|d| d.kind == SpecialDayKind::Holiday).count(), 7);
        assert!(e.lines_zh.iter().any(|l| l.contains("国庆节放假")), "{:?}", e.lines_zh);
        assert!(e.lines_zh.iter().any(|l| l.contains("2024年10月10日")));
    }

    #[test]
    fn a_pause_moves_the_due_date_by_the_working_days_it_covers() {
        let cal = cal();
        let mut c = clock(at(date(2024, 6, 3), 10, 0), 5, 20);
        // Paused Wednesday 5 June (counted: day 2), resumed Wednesday 12 June.
        c.pause(PauseKind::ExpertReview, "专家评审", date(2024, 6, 5)).unwrap();
        assert!(!c.is_running());
        assert_eq!(c.next_alarm(&cal, WarningLevel::None, date(2024, 6, 5)).unwrap(), None);
        c.resume(date(2024, 6, 12)).unwrap();
        // Counted: 4, 5 (before), 13, 14, 17 → due Monday 17 June.
        assert_eq!(c.due_date(&cal, date(2024, 6, 12)).unwrap(), date(2024, 6, 17));
        assert_eq!(c.used(&cal, date(2024, 6, 12)), 2);
        let e = c.explain(&cal, date(2024, 6, 12)).unwrap();
        // 6, 7, 11, 12 June are working days inside the pause (10 June is 端午节).
        assert_eq!(e.pauses[0].working_days, 4);
    }

    #[test]
    fn the_summary_follows_the_clock() {
        let cal = cal();
        let mut c = clock(at(date(2024, 6, 3), 10, 0), 5, 20);
        let day = date(2024, 6, 4);
        let s = c.summary(&cal, WarningLevel::None, day).unwrap();
        assert_eq!(
            s,
            ClockSummary {
                state: ClockState::Running,
                due_date: date(2024, 6, 11),
                legal_due_date: c.legal_due_date(&cal, day).unwrap(),
                extended_days: 0,
                warning: WarningLevel::None,
                next_alarm: c.next_alarm(&cal, WarningLevel::None, day).unwrap(),
            }
        );
        assert!(s.next_alarm.is_some() && s.legal_due_date.is_some());
        c.extend(&cal, 3, "情况复杂", day).unwrap();
        let s = c.summary(&cal, WarningLevel::Yellow, day).unwrap();
        assert_eq!((s.extended_days, s.warning, s.due_date), (3, WarningLevel::Yellow, date(2024, 6, 14)));
        c.pause(PauseKind::ExpertReview, "专家评审", day).unwrap();
        let s = c.summary(&cal, WarningLevel::None, day).unwrap();
        assert_eq!((s.state, s.next_alarm), (ClockState::Paused, None), "a paused clock raises nothing");
        c.resume(date(2024, 6, 5)).unwrap();
        c.stop(date(2024, 6, 6));
        let s = c.summary(&cal, WarningLevel::None, date(2024, 6, 7)).unwrap();
        assert_eq!((s.state, s.next_alarm, s.state.code()), (ClockState::Stopped, None, "stopped"));
        let c = clock(at(date(2024, 6, 3), 10, 0), 0, 0);
        assert_eq!(c.summary(&cal, WarningLevel::None, day).unwrap().legal_due_date, None, "no legal limit");
    }

    #[test]
    fn warnings_go_yellow_red_then_overdue() {
        let cal = cal();
        // 10 days from Monday 2 Sept 2024: 3–6, 9–13 Sept and Saturday 14 Sept, worked before
        // the Mid-Autumn holiday (15–17 Sept).
        let c = clock(at(date(2024, 9, 2), 10, 0), 10, 20);
        let due = c.due_date(&cal, c.start).unwrap();
        assert_eq!(due, date(2024, 9, 14));
        assert_eq!(c.yellow_threshold(), 2);
        assert_eq!(c.level(&cal, date(2024, 9, 2)).unwrap(), WarningLevel::None);
        // Yellow once 8 days are used (two remain): Thursday 12 Sept.
        assert_eq!(c.next_alarm(&cal, WarningLevel::None, date(2024, 9, 2)).unwrap(), Some(date(2024, 9, 12)));
        assert_eq!(c.level(&cal, date(2024, 9, 11)).unwrap(), WarningLevel::None);
        assert_eq!(c.level(&cal, date(2024, 9, 12)).unwrap(), WarningLevel::Yellow);
        assert_eq!(c.next_alarm(&cal, WarningLevel::Yellow, date(2024, 9, 12)).unwrap(), Some(due));
        assert_eq!(c.level(&cal, due).unwrap(), WarningLevel::Red);
        assert_eq!(c.next_alarm(&cal, WarningLevel::Red, due).unwrap(), Some(date(2024, 9, 15)));
        assert_eq!(c.level(&cal, date(2024, 9, 15)).unwrap(), WarningLevel::Overdue);
        assert_eq!(c.next_alarm(&cal, WarningLevel::Overdue, date(2024, 9, 19)).unwrap(), None);
    }

    #[test]
    fn extension_is_once_within_the_legal_limit_and_before_expiry() {
        let cal = cal();
        let mut c = clock(at(date(2024, 9, 2), 10, 0), 10, 20);
        assert!(c.extend(&cal, 11, "复杂", date(2024, 9, 3)).unwrap_err().zh.contains("最多可延期10"));
        assert!(c.extend(&cal, 0, "复杂", date(2024, 9, 3)).is_err());
        c.extend(&cal, 10, "情况复杂", date(2024, 9, 3)).unwrap();
        assert_eq!(c.limit(), 20);
        assert!(c.extend(&cal, 1, "再延", date(2024, 9, 4)).unwrap_err().zh.contains("只能延期一次"));
        let mut late = clock(at(date(2024, 9, 2), 10, 0), 10, 20);
        assert!(late.extend(&cal, 5, "迟了", date(2024, 9, 19)).unwrap_err().zh.contains("届满"));
        let mut no_legal = clock(at(date(2024, 9, 2), 10, 0), 10, 0);
        assert!(no_legal.extend(&cal, 5, "x", date(2024, 9, 3)).is_err());
    }

    #[test]
    fn a_stopped_clock_freezes_its_level() {
        let cal = cal();
        let mut c = clock(at(date(2024, 9, 2), 10, 0), 10, 20);
        c.stop(date(2024, 9, 5));
        assert_eq!(c.used(&cal, date(2024, 12, 31)), 3);
        assert_eq!(c.level(&cal, date(2024, 12, 31)).unwrap(), WarningLevel::None);
        assert_eq!(c.next_alarm(&cal, WarningLevel::None, date(2024, 9, 6)).unwrap(), None);
        assert!(c.pause(PauseKind::Hearing, "x", date(2024, 9, 6)).is_err());
    }

    #[test]
    fn pauses_cannot_overlap_or_go_back_in_time() {
        let mut c = clock(at(date(2024, 9, 2), 10, 0), 10, 20);
        c.pause(PauseKind::Hearing, "听证", date(2024, 9, 3)).unwrap();
        assert!(c.pause(PauseKind::Hearing, "again", date(2024, 9, 4)).is_err());
        c.resume(date(2024, 9, 5)).unwrap();
        assert!(c.resume(date(2024, 9, 6)).is_err());
        assert!(c.pause(PauseKind::Hearing, "before", date(2024, 9, 4)).is_err());
    }

    #[test]
    fn the_explanation_is_plain_chinese() {
        let cal = cal();
        let mut c = clock(at(date(2024, 9, 27), 18, 0), 5, 20);
        c.pause(PauseKind::PublicNotice, "公示7日", date(2024, 10, 8)).unwrap();
        let e = c.explain(&cal, date(2024, 10, 9)).unwrap();
        let text = e.lines_zh.join("\n");
        assert!(text.contains("下班时间"), "{text}");
        assert!(text.contains("公示"), "{text}");
        assert!(text.contains("目前仍在暂停中"), "{text}");
        assert!(e.paused);
    }

    fn any_day() -> impl Strategy<Value = Date> {
        (0i32..(365 * 8)).prop_map(|n| date(2018, 1, 1).checked_add(jiff::Span::new().days(n)).unwrap())
    }

    proptest! {
        #[test]
        fn due_minus_start_measures_the_limit(day in any_day(), hour in 0i8..24, n in 0u32..40) {
            let cal = cal();
            let c = CaseClock::start(&cal, at(day, hour, 0), n, 60).unwrap();
            let due = c.due_date(&cal, c.start).unwrap();
            prop_assert_eq!(cal.working_days_between(c.start, due).unwrap().0, n);
            prop_assert_eq!(c.used(&cal, due), n);
            prop_assert_eq!(c.remaining(&cal, due), 0);
            prop_assert_eq!(c.level(&cal, due).unwrap(), WarningLevel::Red);
        }

        #[test]
        fn pauses_never_shorten_a_deadline(day in any_day(), n in 1u32..30, offset in 0i32..30, len in 0i32..30) {
            let cal = cal();
            let plain = CaseClock::start(&cal, at(day, 10, 0), n, 60).unwrap();
            let mut paused = plain.clone();
            let from = plain.start.checked_add(jiff::Span::new().days(offset)).unwrap();
            let until = from.checked_add(jiff::Span::new().days(len)).unwrap();
            paused.pause(PauseKind::Hearing, "x", from).unwrap();
            paused.resume(until).unwrap();
            let before = plain.due_date(&cal, until).unwrap();
            let after = paused.due_date(&cal, until).unwrap();
            prop_assert!(after >= before);
            // Pausing after the due date changes nothing.
            if from >= before {
                prop_assert_eq!(after, before);
            }
        }

        #[test]
        fn levels_only_rise_and_the_alarm_is_the_first_rise(day in any_day(), n in 0u32..25) {
            let cal = cal();
            let c = CaseClock::start(&cal, at(day, 10, 0), n, 60).unwrap();
            let mut raised = WarningLevel::None;
            let mut today = c.accepted_on;
            let end = c.due_date(&cal, c.start).unwrap().tomorrow().unwrap();
            while today <= end {
                let level = c.level(&cal, today).unwrap();
                prop_assert!(level >= raised);
                let alarm = c.next_alarm(&cal, raised, today).unwrap();
                if level > raised {
                    prop_assert_eq!(alarm, Some(today));
                    raised = level;
                } else if let Some(a) = alarm {
                    prop_assert!(a > today);
                }
                today = today.tomorrow().unwrap();
            }
            prop_assert_eq!(raised, WarningLevel::Overdue);
        }

        #[test]
        fn an_extension_adds_exactly_its_working_days(day in any_day(), n in 1u32..20, extra in 1u32..10) {
            let cal = cal();
            let mut c = CaseClock::start(&cal, at(day, 10, 0), n, n + extra).unwrap();
            let before = c.due_date(&cal, c.start).unwrap();
            c.extend(&cal, extra, "x", c.start).unwrap();
            let after = c.due_date(&cal, c.start).unwrap();
            prop_assert_eq!(cal.working_days_between(before, after).unwrap().0, extra);
        }
    }
}
