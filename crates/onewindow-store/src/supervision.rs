//! E-supervision (电子监察): the worker's tick over due alarms, warnings raised once per level,
//! accountability records for overdue cases, and the supervision centre's lists and figures.
//!
//! The tick reads only `app_case.next_alarm_at <= now` through its partial index, so its cost
//! follows the alarms due, not the open cases. On PostgreSQL due rows are claimed with
//! `FOR UPDATE SKIP LOCKED`, so several server processes never raise the same warning twice;
//! the unique case number of `accountability` backs that up.

use crate::audit::audit_append;
use crate::cases::{CASE_COLUMNS, CaseRecord, ClockColumns, clock_columns_of, opt_time, task_kind, task_kind_code};
use crate::{Actor, Backend, Result, Store, StoreError, time};
use onewindow_core::calendar::Calendar;
use onewindow_core::case::clock::WarningLevel;
use onewindow_core::case::{
    Alarm, Applicant, ApplicantKind, CaseError, CaseFile, CaseState, Change, Context, OpenTask, accountable_holder, on_alarm,
};
use onewindow_core::catalogue::ItemSpec;
use onewindow_core::role::Role;
use serde::Serialize;
use sqlx::Row;

/// Cases handled per transaction of a tick.
pub const TICK_BATCH: i64 = 500;

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    /// Cases whose alarm was due.
    pub examined: u64,
    /// Warnings raised, by level.
    pub yellow: u64,
    /// Red warnings raised.
    pub red: u64,
    /// Overdue warnings raised.
    pub overdue: u64,
    /// Accountability records created.
    pub accountability: u64,
}

/// An accountability record (问责).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountabilityRecord {
    /// Identifier.
    pub id: i64,
    /// Case.
    pub case_number: String,
    /// Department holding the case when it went overdue.
    pub department: String,
    /// The step it was at.
    pub step: String,
    /// The last staff member who acted on it.
    pub holder: String,
    /// The due date that passed.
    pub due_date: String,
    /// When the record was made (RFC 3339).
    pub raised_at: String,
    /// `open`, `confirmed` or `excused`.
    pub state: String,
    /// The officer's reason.
    pub review_reason: String,
    /// Who reviewed it.
    pub reviewed_by: String,
    /// When (RFC 3339).
    pub reviewed_at: Option<String>,
}

/// A case on a supervision list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupervisedCase {
    /// Number.
    pub number: String,
    /// Item name.
    pub item_name: String,
    /// Item code.
    pub item_code: String,
    /// Handling department.
    pub department: String,
    /// Applicant.
    pub applicant_name: String,
    /// State code.
    pub state: String,
    /// Promised due date.
    pub due_date: Option<String>,
    /// Legal due date.
    pub legal_due_date: Option<String>,
    /// Highest warning raised.
    pub warning_level: String,
    /// `running`, `paused` or `stopped`.
    pub clock_state: String,
    /// Working days of the extension, 0 if none.
    pub extended_days: i64,
    /// The open pause's kind and reason, when paused.
    pub pause: Option<(String, String, String)>,
    /// The clock itself (for remaining days in lists).
    #[serde(skip)]
    pub clock: Option<onewindow_core::case::clock::CaseClock>,
}

/// Filters of the supervision lists.
#[derive(Debug, Clone, Default)]
pub struct SupervisionFilter {
    /// Warning level.
    pub level: Option<WarningLevel>,
    /// Handling department.
    pub department: Option<String>,
    /// Item code.
    pub item: Option<String>,
    /// Submitted on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Submitted on or before.
    pub to: Option<String>,
    /// Numbers before this one (newest first).
    pub before: Option<String>,
}

/// One cell of the dashboard: running cases of a department at a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DashboardCell {
    /// Department code.
    pub department: String,
    /// Warning level.
    pub warning_level: String,
    /// `running` or `paused`.
    pub clock_state: String,
    /// Cases.
    pub cases: i64,
}

const SUPERVISED_COLUMNS: &str = "number, item_name, item_code, handling_department, applicant_name, state, due_date, legal_due_date, \
    warning_level, clock_state, extended_days, clock";

type SupervisedRow =
    (String, String, String, String, String, String, Option<String>, Option<String>, String, Option<String>, i64, Option<String>);

fn supervised(row: SupervisedRow) -> SupervisedCase {
    let (
        number,
        item_name,
        item_code,
        department,
        applicant_name,
        state,
        due_date,
        legal_due_date,
        warning_level,
        clock_state,
        extended_days,
        clock,
    ) = row;
    let clock = clock.and_then(|c| serde_json::from_str::<onewindow_core::case::clock::CaseClock>(&c).ok());
    let pause = clock.as_ref().and_then(|c| c.open_pause().map(|p| (p.kind.code().to_string(), p.reason.clone(), p.from.to_string())));
    SupervisedCase {
        number,
        item_name,
        item_code,
        department,
        applicant_name,
        state,
        due_date,
        legal_due_date,
        warning_level,
        clock_state: clock_state.unwrap_or_default(),
        extended_days,
        pause,
        clock,
    }
}

/// `id, case_number, department, step, holder, due_date, raised_at, state, review_reason, reviewed_by, reviewed_at`.
type AccountabilityRow = (i64, String, String, String, String, String, i64, String, String, String, Option<i64>);

fn accountability(r: AccountabilityRow) -> AccountabilityRecord {
    let (id, case_number, department, step, holder, due_date, raised_at, state, review_reason, reviewed_by, reviewed_at) = r;
    AccountabilityRecord {
        id,
        case_number,
        department,
        step,
        holder,
        due_date,
        raised_at: time::from_micros(raised_at).to_string(),
        state,
        review_reason,
        reviewed_by,
        reviewed_at: reviewed_at.map(|t| time::from_micros(t).to_string()),
    }
}

/// Adds the filter's conditions; `$1` is taken by the caller.
fn filter_sql(f: &SupervisionFilter, sql: &mut String, binds: &mut Vec<String>) {
    let mut push = |cond: &str, value: &str| {
        binds.push(value.to_string());
        sql.push_str(&format!(" AND {cond} ${}", binds.len() + 1));
    };
    if let Some(d) = &f.department {
        push("handling_department =", d);
    }
    if let Some(i) = &f.item {
        push("item_code =", i);
    }
    if let Some(from) = &f.from {
        push("submitted_date >=", from);
    }
    if let Some(to) = &f.to {
        push("submitted_date <=", to);
    }
    if let Some(b) = &f.before {
        push("number <", b);
    }
}

/// Whose desk the case in `$file` is on, for an accountability record: (department, step,
/// holder). Reads its open tasks and who acted on it; the core chooses (`CaseFile::desk`,
/// `case::accountable_holder`).
macro_rules! holder_of {
    ($tx:expr, $case:expr, $file:expr) => {
        async {
            let case: &CaseRecord = $case;
            let mut file: CaseFile = $file;
            let tasks: Vec<(i64, String, String, String, i64)> =
                sqlx::query_as("SELECT id, kind, name, department, seq FROM task WHERE case_number = $1 AND state = 'open' ORDER BY id")
                    .bind(&case.number)
                    .fetch_all(&mut *$tx)
                    .await?;
            file.open_tasks = tasks
                .into_iter()
                .map(|(id, kind, name, department, seq)| OpenTask {
                    id,
                    kind: task_kind(&kind),
                    name,
                    department,
                    seq: u32::try_from(seq).unwrap_or(0),
                })
                .collect();
            let actors: Vec<(String, String)> = sqlx::query_as("SELECT actor, role FROM case_event WHERE case_number = $1 ORDER BY seq")
                .bind(&case.number)
                .fetch_all(&mut *$tx)
                .await?;
            let (step, department) = file.desk();
            let holder = accountable_holder(actors.iter().map(|(a, r)| (a.as_str(), r.as_str())), &case.accepted_by).to_string();
            Ok::<_, sqlx::Error>((department, step, holder))
        }
    };
}

impl Store {
    /// Whether any alarm is due at `now`: one probe of the alarm index on a reader.
    pub async fn alarms_due(&self, now: jiff::Timestamp) -> Result<bool> {
        let found: Option<i64> = with_reader!(self, pool => {
            sqlx::query_scalar("SELECT next_alarm_at FROM app_case WHERE next_alarm_at <= $1 ORDER BY next_alarm_at LIMIT 1")
                .bind(time::to_micros(now))
                .fetch_optional(pool)
                .await?
        });
        Ok(found.is_some())
    }

    /// Handles every alarm due at `now`, [`TICK_BATCH`] cases per transaction: raises the
    /// warning each case has reached (once per level, as a case event by `system`), creates
    /// the accountability record of a case that became overdue, and sets the next alarm.
    pub async fn supervision_tick(&self, now: jiff::Timestamp, calendar: &Calendar) -> Result<TickReport> {
        let mut report = TickReport::default();
        if !self.alarms_due(now).await? {
            return Ok(report);
        }
        loop {
            let handled = self.tick_batch(now, calendar, &mut report).await?;
            if handled < TICK_BATCH {
                return Ok(report);
            }
        }
    }

    async fn tick_batch(&self, now: jiff::Timestamp, calendar: &Calendar, report: &mut TickReport) -> Result<i64> {
        let backend = self.backend();
        let today = time::beijing(now).date();
        let actor = Actor::system(now);
        let now_us = time::to_micros(now);
        with_writer!(self, pool => {
            // SQLite: take the write lock first, so that a second process waits for it (busy
            // timeout) instead of failing to upgrade a read transaction.
            let begin = if backend == Backend::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
            let mut tx = pool.begin_with(begin).await?;
            let claim = if backend == Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {CASE_COLUMNS} FROM app_case WHERE next_alarm_at <= $1 ORDER BY next_alarm_at LIMIT $2{claim}"
            ));
            let rows = sqlx::query(sql).bind(now_us).bind(TICK_BATCH).fetch_all(&mut *tx).await?;
            let count = rows.len() as i64;
            for row in rows {
                let case: CaseRecord = case_from_row!(row);
                report.examined += 1;
                let item = {
                    use sqlx as db;
                    (*spec_in_tx!(tx, &self.specs, &case.item_code, case.item_version).await?).clone()
                };
                // What the core needs to raise a warning; the tasks only for an accountability record.
                let file = CaseFile {
                    state: case.state,
                    item,
                    materials: Vec::new(),
                    deficiencies: case.deficiencies.clone(),
                    correction_rounds: case.correction_rounds,
                    open_tasks: Vec::new(),
                    opinion_tasks_opened: case.opinion_tasks,
                    open_inspection: None,
                    inspections_done: 0,
                    commitment_signed: false,
                    clock: case.clock.clone(),
                    warning: case.warning_level,
                };
                let ctx = Context {
                    role: Role::Officer,
                    today,
                    time: time::beijing(now).time(),
                    calendar,
                    may_decide: false,
                    department: None,
                };
                let (change, summary, accountable): (Change, _, bool) = match on_alarm(&file, &ctx) {
                    Ok(Alarm::Off) => {
                        sqlx::query("UPDATE app_case SET next_alarm_at = NULL WHERE number = $1").bind(&case.number).execute(&mut *tx).await?;
                        continue;
                    }
                    Ok(Alarm::Later(summary)) => {
                        let columns = ClockColumns::of(file.clock.as_ref().expect("a running clock"), &summary);
                        sqlx::query("UPDATE app_case SET next_alarm_at = $2 WHERE number = $1")
                            .bind(&case.number)
                            .bind(columns.next_alarm_at)
                            .execute(&mut *tx)
                            .await?;
                        continue;
                    }
                    Ok(Alarm::Raise { change, summary, accountable }) => (*change, summary, accountable),
                    // The calendar does not cover the dates.
                    Err(e @ CaseError::NotReady(..)) => return Err(StoreError::Rejected(e.to_string())),
                    Err(e) => return Err(StoreError::Rejected(format!("办件{}预警失败：{e}", case.number))),
                };
                let columns = ClockColumns::of(file.clock.as_ref().expect("a running clock"), &summary);
                {
                    use sqlx as db;
                    write_change!(tx, true, &case, &change, &actor, Some(&columns));
                }
                match summary.warning {
                    WarningLevel::Yellow => report.yellow += 1,
                    WarningLevel::Red => report.red += 1,
                    WarningLevel::Overdue => report.overdue += 1,
                    WarningLevel::None => {}
                }
                if accountable {
                    let (department, step, holder) = holder_of!(tx, &case, file).await?;
                    let due = columns.due_date.clone().unwrap_or_default();
                    let n = sqlx::query(
                        "INSERT INTO accountability (case_number, department, step, holder, due_date, raised_at, state) \
                         VALUES ($1, $2, $3, $4, $5, $6, 'open') ON CONFLICT (case_number) DO NOTHING",
                    )
                    .bind(&case.number)
                    .bind(&department)
                    .bind(&step)
                    .bind(&holder)
                    .bind(&due)
                    .bind(now_us)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    report.accountability += n;
                }
            }
            tx.commit().await?;
            Ok(count)
        })
    }

    /// Accountability records, newest first, by state and department; `before` is an id cursor.
    pub async fn accountability(
        &self,
        state: Option<&str>,
        department: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AccountabilityRecord>> {
        let rows: Vec<AccountabilityRow> = with_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, case_number, department, step, holder, due_date, raised_at, state, review_reason, reviewed_by, reviewed_at \
                 FROM accountability WHERE ($1 = '' OR state = $1) AND ($2 = '' OR department = $2) AND id < $3 ORDER BY id DESC LIMIT $4",
            )
            .bind(state.unwrap_or(""))
            .bind(department.unwrap_or(""))
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit.clamp(1, crate::cases::CASE_PAGE_MAX))
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(accountability).collect())
    }

    /// The accountability record of a case, if it went overdue.
    pub async fn accountability_of_case(&self, number: &str) -> Result<Option<AccountabilityRecord>> {
        let row: Option<AccountabilityRow> = with_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, case_number, department, step, holder, due_date, raised_at, state, review_reason, reviewed_by, reviewed_at \
                 FROM accountability WHERE case_number = $1",
            )
            .bind(number)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(accountability))
    }

    /// Confirms (`confirmed`) or excuses (`excused`) an open accountability record, once, with
    /// the officer's reason; audited.
    pub async fn review_accountability(&self, id: i64, verdict: &str, reason: &str, actor: &Actor) -> Result<AccountabilityRecord> {
        assert!(verdict == "confirmed" || verdict == "excused");
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let state: Option<String> = sqlx::query_scalar("SELECT state FROM accountability WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
            match state.as_deref() {
                None => return Err(StoreError::NotFound(format!("accountability record {id}"))),
                Some("open") => {}
                Some(s) => return Err(StoreError::Stale(format!("问责记录{id}已审核（{}）", if s == "confirmed" { "已确认" } else { "已免责" }))),
            }
            sqlx::query("UPDATE accountability SET state = $2, review_reason = $3, reviewed_by = $4, reviewed_at = $5 WHERE id = $1 AND state = 'open'")
                .bind(id)
                .bind(verdict)
                .bind(reason.trim())
                .bind(&actor.username)
                .bind(time::to_micros(actor.at))
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, backend, actor, &format!("accountability.{verdict}"), &format!("accountability/{id}"), serde_json::json!({"reason": reason.trim()})).await?;
            tx.commit().await?;
        });
        let rows = self.accountability(None, None, Some(id + 1), 1).await?;
        rows.into_iter().next().filter(|r| r.id == id).ok_or_else(|| StoreError::NotFound(format!("accountability record {id}")))
    }

    /// Running and paused cases at a warning level (any level above none when `level` is
    /// `None`), newest first.
    pub async fn warnings(&self, f: &SupervisionFilter, limit: i64) -> Result<Vec<SupervisedCase>> {
        let mut sql = format!("SELECT {SUPERVISED_COLUMNS} FROM app_case WHERE clock_state IN ('running', 'paused') AND warning_level ");
        let mut binds = Vec::new();
        match f.level {
            Some(l) => {
                sql.push_str("= $1");
                binds.push(l.code().to_string());
            }
            None => {
                sql.push_str("<> $1");
                binds.push("none".to_string());
            }
        }
        let mut rest = String::new();
        let mut extra = Vec::new();
        filter_sql(f, &mut rest, &mut extra);
        // filter_sql numbers from $2 on.
        sql.push_str(&rest);
        binds.extend(extra);
        sql.push_str(&format!(" ORDER BY number DESC LIMIT {}", limit.clamp(1, crate::cases::CASE_PAGE_MAX)));
        self.supervised_query(sql, binds).await
    }

    /// Cases whose clock is paused, newest first.
    pub async fn paused_cases(&self, f: &SupervisionFilter, limit: i64) -> Result<Vec<SupervisedCase>> {
        self.supervised_where("clock_state = $1", "paused", f, limit).await
    }

    /// Cases given the statutory extension, newest first.
    pub async fn extended_cases(&self, f: &SupervisionFilter, limit: i64) -> Result<Vec<SupervisedCase>> {
        self.supervised_where("extended_days > 0 AND '' = $1", "", f, limit).await
    }

    async fn supervised_where(&self, condition: &str, first: &str, f: &SupervisionFilter, limit: i64) -> Result<Vec<SupervisedCase>> {
        let mut sql = format!("SELECT {SUPERVISED_COLUMNS} FROM app_case WHERE {condition}");
        let mut binds = vec![first.to_string()];
        let mut extra = Vec::new();
        filter_sql(f, &mut sql, &mut extra);
        binds.extend(extra);
        sql.push_str(&format!(" ORDER BY number DESC LIMIT {}", limit.clamp(1, 50_000)));
        self.supervised_query(sql, binds).await
    }

    async fn supervised_query(&self, sql: String, binds: Vec<String>) -> Result<Vec<SupervisedCase>> {
        let sql = sqlx::AssertSqlSafe(sql);
        let rows: Vec<SupervisedRow> = with_reader!(self, pool => {
            let mut q = sqlx::query_as(sql);
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(supervised).collect())
    }

    /// Running and paused cases counted by department, warning level and clock state.
    pub async fn dashboard_counts(&self, f: &SupervisionFilter) -> Result<Vec<DashboardCell>> {
        let mut sql = "SELECT handling_department, warning_level, clock_state, COUNT(*) FROM app_case \
                       WHERE clock_state IN ('running', $1)"
            .to_string();
        let mut binds = vec!["paused".to_string()];
        let mut extra = Vec::new();
        filter_sql(&SupervisionFilter { before: None, ..f.clone() }, &mut sql, &mut extra);
        binds.extend(extra);
        sql.push_str(" GROUP BY handling_department, warning_level, clock_state ORDER BY handling_department, warning_level, clock_state");
        let sql = sqlx::AssertSqlSafe(sql);
        let rows: Vec<(String, String, String, i64)> = with_reader!(self, pool => {
            let mut q = sqlx::query_as(sql);
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(department, warning_level, clock_state, cases)| DashboardCell { department, warning_level, clock_state, cases })
            .collect())
    }

    /// Running or paused cases with a due date or legal due date on or after `from`: those
    /// whose dates are counted provisionally when `from` is the calendar's first provisional day.
    pub async fn cases_due_from(&self, from: jiff::civil::Date) -> Result<i64> {
        let count: i64 = with_reader!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM app_case WHERE clock_state IN ('running', 'paused') AND (due_date >= $1 OR legal_due_date >= $1)",
            )
            .bind(from.to_string())
            .fetch_one(pool)
            .await?
        });
        Ok(count)
    }

    /// Recomputes the due dates and alarms of every running or paused case, after the
    /// calendar changed; returns how many were updated.
    pub async fn recompute_clocks(&self, calendar: &Calendar, today: jiff::civil::Date) -> Result<u64> {
        let mut after = String::new();
        let mut updated = 0;
        loop {
            let backend = self.backend();
            let n = with_writer!(self, pool => {
                let mut tx = pool.begin().await?;
                let lock = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT number, clock, warning_level FROM app_case WHERE clock_state IN ('running', 'paused') AND number > $1 ORDER BY number LIMIT $2{lock}"
                ));
                let rows = sqlx::query(sql).bind(&after).bind(TICK_BATCH).fetch_all(&mut *tx).await?;
                for r in &rows {
                    let number: String = r.try_get("number")?;
                    let clock: Option<String> = r.try_get("clock")?;
                    let level: String = r.try_get("warning_level")?;
                    let clock = clock.and_then(|c| serde_json::from_str(&c).ok()).ok_or_else(|| StoreError::Corrupt(number.clone(), "clock".into()))?;
                    let level = WarningLevel::parse(&level).unwrap_or_default();
                    // The dates and alarm follow from the clock (the core's summary); a clock the
                    // calendar does not cover yet keeps its columns.
                    if let Ok(c) = clock_columns_of(&clock, level, calendar, today) {
                        sqlx::query("UPDATE app_case SET due_date = $2, legal_due_date = $3, next_alarm_at = $4 WHERE number = $1")
                            .bind(&number)
                            .bind(&c.due_date)
                            .bind(&c.legal_due_date)
                            .bind(c.next_alarm_at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    after = number;
                }
                tx.commit().await?;
                rows.len()
            });
            updated += n as u64;
            if (n as i64) < TICK_BATCH {
                return Ok(updated);
            }
        }
    }
}
