//! Case commands on PostgreSQL: one statement reads the case file, one statement writes the
//! change; no transaction is held open between them.
//!
//! A command run as `BEGIN`, lock, reads, one statement per event, task and material, `COMMIT`
//! took eight to ten round trips, and on a 2-core machine each one (a protocol exchange and a
//! wake-up of a backend and of the server) cost more than the work it carried. Here the write is
//! one statement whose parts (`WITH` clauses) are atomic together: the case's UPDATE, its
//! events, tasks, inspections and materials.
//!
//! Concurrency is optimistic. The case's UPDATE is guarded by what the command was decided on:
//! the last event's number (every command appends one) and the due dates and alarm that the
//! supervision worker and a calendar change move without an event. Every other part of the
//! write happens only if that UPDATE matched a row; a command that lost the race reads the case
//! again and is decided again (`RACES` times at most), so two commands on one case still apply
//! one after the other, as under a row lock.
//!
//! The read is skipped when this process wrote the case last: the write returns the case row,
//! and the file after it is known (`case_cache`). That guess is written under the same guard.

use crate::case_cache::KnownCase;
use crate::cases::{
    Acted, CASE_COLUMNS, CASE_INSERT, CaseRecord, CaseWrite, ClockColumns, CommandContext, CommandError, NewCase, Submitted, case_file,
    clock_columns, first_event, inspection_kind_code, json_rows, may_attach, opt_time, reuse_candidate, submitted_materials,
    task_kind_code,
};
use crate::{Actor, Result, Store, StoreError, time};
use onewindow_core::case::clock::WarningLevel;
use onewindow_core::case::{Applicant, ApplicantKind, CaseNumber, CaseState, Command, Context, Opinion, execute};
use onewindow_core::catalogue::ItemSpec;
use sqlx::postgres::PgPool;
use sqlx::{AssertSqlSafe, Row};
use std::sync::LazyLock;

/// Whether commands are decided on the file this process's last write left (`case_cache`):
/// on unless `ONEWINDOW_CASE_FILE_GUESS=off` (read once), to measure what the guess is worth.
fn guessing() -> bool {
    static ON: LazyLock<bool> = LazyLock::new(|| std::env::var("ONEWINDOW_CASE_FILE_GUESS").as_deref() != Ok("off"));
    *ON
}

/// How often a command is decided again after another write to its case won the race.
const RACES: usize = 8;

/// The case, its open tasks, materials given and inspections (as JSON arrays), and whether the
/// user holds authority over its department today (`$2` user, `$3` today; asked only when the
/// command needs it: the rule of `AUTHORITY_COUNT`).
///
/// Two statements, not one with a flag: with the flag a parameter, the planner folds it only in
/// a plan made for the values at hand, so PostgreSQL kept planning the read afresh (measured:
/// 11,223 plans in 20,000 reads, planning twice the time of executing).
fn read_sql(authority: bool) -> &'static str {
    fn sql(may_decide: &str) -> String {
        format!(
            "SELECT {CASE_COLUMNS}, \
             (SELECT COALESCE(json_agg(json_build_array(id, kind, name, department, seq) ORDER BY id), '[]')::text \
                FROM task WHERE case_number = $1 AND state = 'open') AS open_tasks_json, \
             (SELECT COALESCE(json_agg(json_build_array(requirement, material_id) ORDER BY requirement), '[]')::text \
                FROM case_material WHERE case_number = $1) AS materials_json, \
             (SELECT COALESCE(json_agg(json_build_array(id, state) ORDER BY id), '[]')::text \
                FROM inspection WHERE case_number = $1) AS inspections_json, \
             {may_decide} AS may_decide \
             FROM app_case WHERE number = $1"
        )
    }
    static PLAIN: LazyLock<String> = LazyLock::new(|| sql("false"));
    static AUTHORITY: LazyLock<String> = LazyLock::new(|| {
        sql("EXISTS (SELECT 1 FROM delegation WHERE user_id = $2 \
             AND (department IS NULL OR department = app_case.handling_department) \
             AND valid_from <= $3 AND (valid_until IS NULL OR valid_until >= $3))")
    });
    if authority { &AUTHORITY } else { &PLAIN }
}

/// The parts of a change's write, each a `WITH` clause of the one statement. Only the parts a
/// change needs are named: an unused part would still open its table and indexes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Parts {
    events: bool,
    done_task: bool,
    cancelled_tasks: bool,
    cancelled_inspections: bool,
    new_tasks: bool,
    new_inspection: bool,
    done_inspection: bool,
    attach: bool,
    verify: bool,
    /// The actor's authority checked by the write itself (`$63` user, `$64` today): the command
    /// was decided on a guess, assuming it.
    authority: bool,
}

/// The write's guard when it checks the actor's authority over the case's department: the rule
/// of `AUTHORITY_COUNT`.
const AUTHORITY_GUARD: &str = " AND EXISTS (SELECT 1 FROM delegation WHERE user_id = $64 \
    AND (department IS NULL OR department = app_case.handling_department) \
    AND valid_from <= $65 AND (valid_until IS NULL OR valid_until >= $65))";

/// The clauses, in the order written. `$1`–`$30` are the case UPDATE's
/// ([`CaseWrite::update_sql`]); then `$31`–`$33` the alarm and due dates the command was decided
/// on, `$34` role, `$35` item version, `$36`–`$43` the events (arrays), `$44`–`$46` the task
/// completed, `$47`–`$50` the tasks opened (arrays), `$51`–`$53` the inspection ordered,
/// `$54`–`$57` the inspection completed, `$58`–`$59` the materials attached (arrays) and `$60`
/// their owner, `$61` the materials verified, `$62` the tasks and `$63` the inspections
/// cancelled (arrays); `$64`–`$65` the actor and today when the write checks authority. Every
/// part but the UPDATE runs only if the UPDATE matched (`EXISTS … c`). The parts write what the
/// change lists by id and decide nothing: whether a task is open, which tasks a closing case
/// cancels, which materials an acceptance verifies is the core's (`case::execute`), checked
/// against the file the guard stands for.
const EVENTS: &str = "ev AS (INSERT INTO case_event (case_number, seq, at, actor, role, action, from_state, to_state, reason, item_version, detail, prev_hash, hash) \
    SELECT $1, e.seq, $5, $7, $34, e.action, e.from_state, e.to_state, e.reason, $35, e.detail, e.prev_hash, e.hash \
    FROM unnest($36::bigint[], $37::text[], $38::text[], $39::text[], $40::text[], $41::text[], $42::text[], $43::text[]) \
      AS e(seq, action, from_state, to_state, reason, detail, prev_hash, hash) \
    WHERE EXISTS (SELECT 1 FROM c))";
const DONE_TASK: &str = "done_task AS (UPDATE task SET state = 'done', opinion = $45, comment = $46, completed_at = $5, completed_by = $7 \
    WHERE id = $44 AND EXISTS (SELECT 1 FROM c))";
const CANCELLED_TASKS: &str = "cancelled_tasks AS (UPDATE task SET state = 'cancelled', completed_at = $5 \
    WHERE id = ANY($62::bigint[]) AND EXISTS (SELECT 1 FROM c))";
const CANCELLED_INSPECTIONS: &str = "cancelled_inspections AS (UPDATE inspection SET state = 'cancelled', completed_at = $5 \
    WHERE id = ANY($63::bigint[]) AND EXISTS (SELECT 1 FROM c))";
const NEW_TASKS: &str = "new_tasks AS (INSERT INTO task (case_number, kind, name, department, seq, state, created_at) \
    SELECT $1, t.kind, t.name, t.department, t.seq, 'open', $5 \
    FROM unnest($47::text[], $48::text[], $49::text[], $50::bigint[]) AS t(kind, name, department, seq) \
    WHERE EXISTS (SELECT 1 FROM c) RETURNING id)";
const NEW_INSPECTION: &str = "new_inspection AS (INSERT INTO inspection (case_number, kind, departments, note, state, ordered_by, ordered_at) \
    SELECT $1, $51, $52, $53, 'open', $7, $5 WHERE EXISTS (SELECT 1 FROM c))";
const DONE_INSPECTION: &str = "done_inspection AS (UPDATE inspection \
    SET state = 'done', findings = $55, passed = $56, photos = $57, completed_by = $7, completed_at = $5 \
    WHERE id = $54 AND EXISTS (SELECT 1 FROM c))";
const ATTACH: &str = "owned AS (UPDATE material SET owner_id_number = $60 \
    WHERE id = ANY($59::bigint[]) AND owner_id_number IS NULL AND EXISTS (SELECT 1 FROM c)), \
    attached AS (INSERT INTO case_material (case_number, requirement, material_id, source, attached_at) \
    SELECT $1, a.requirement, a.material_id, 'uploaded', $5 FROM unnest($58::text[], $59::bigint[]) AS a(requirement, material_id) \
    WHERE EXISTS (SELECT 1 FROM c) \
    ON CONFLICT (case_number, requirement) DO UPDATE SET material_id = excluded.material_id, source = 'uploaded', attached_at = excluded.attached_at)";
/// A verification once recorded stays (`verified_at IS NULL`), as an owner once set does.
const VERIFY: &str = "verified AS (UPDATE material SET verified_by = $7, verified_at = $5 \
    WHERE id = ANY($61::bigint[]) AND verified_at IS NULL AND EXISTS (SELECT 1 FROM c))";

/// The one statement writing a change with `parts`; the case's row after it comes back, with
/// the ids of the tasks opened.
fn write_sql(parts: Parts) -> String {
    let mut sql = format!(
        "WITH c AS ({} AND next_alarm_at IS NOT DISTINCT FROM $31 AND due_date IS NOT DISTINCT FROM $32 \
         AND legal_due_date IS NOT DISTINCT FROM $33{} RETURNING {CASE_COLUMNS})",
        CaseWrite::update_sql(true, true),
        if parts.authority { AUTHORITY_GUARD } else { "" }
    );
    for (wanted, clause) in [
        (parts.events, EVENTS),
        (parts.done_task, DONE_TASK),
        (parts.cancelled_tasks, CANCELLED_TASKS),
        (parts.cancelled_inspections, CANCELLED_INSPECTIONS),
        (parts.new_tasks, NEW_TASKS),
        (parts.new_inspection, NEW_INSPECTION),
        (parts.done_inspection, DONE_INSPECTION),
        (parts.attach, ATTACH),
        (parts.verify, VERIFY),
    ] {
        if wanted {
            sql.push_str(", ");
            sql.push_str(clause);
        }
    }
    // Ascending ids are in the order of the tasks given (one statement draws them in order).
    let new_tasks = if parts.new_tasks { "ARRAY(SELECT id FROM new_tasks ORDER BY id)" } else { "CAST('{}' AS BIGINT[])" };
    sql.push_str(&format!(" SELECT c.*, {new_tasks} AS new_task_ids FROM c"));
    sql
}

/// Each shape of write, built once.
static WRITES: LazyLock<std::sync::Mutex<std::collections::HashMap<Parts, &'static str>>> = LazyLock::new(Default::default);

fn write_statement(parts: Parts) -> &'static str {
    let mut writes = WRITES.lock().unwrap_or_else(|p| p.into_inner());
    // At most 2^10 shapes, in practice a dozen: leaking each once is bounded.
    writes.entry(parts).or_insert_with(|| Box::leak(write_sql(parts).into_boxed_str()))
}

fn json_column<T: serde::de::DeserializeOwned>(row: &sqlx::postgres::PgRow, column: &str, number: &str) -> Result<T> {
    json_rows(&row.try_get::<String, _>(column)?, number, column)
}

/// The case file as stored, and whether the user (`authority`: id, today) holds authority over
/// it (`false` when not asked).
async fn read_case(conn: &mut sqlx::PgConnection, number: &str, authority: Option<(i64, String)>) -> Result<Option<(KnownCase, bool)>> {
    let mut read = sqlx::query(AssertSqlSafe(read_sql(authority.is_some()))).bind(number);
    if let Some((user, today)) = authority {
        read = read.bind(user).bind(today);
    }
    let Some(row) = read.fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let mut known = KnownCase {
        case: case_from_row!(row),
        alarm: row.try_get("next_alarm_at")?,
        tasks: json_column(&row, "open_tasks_json", number)?,
        materials: json_column(&row, "materials_json", number)?,
        inspections: json_column(&row, "inspections_json", number)?,
    };
    // In the order a guess keeps them, whatever the database's collation.
    known.materials.sort_unstable();
    Ok(Some((known, row.try_get("may_decide")?)))
}

/// Panics when a guess that the write's guard would let through differs from the case as
/// stored: the file a write leaves was worked out wrongly (`KnownCase::after`).
#[cfg(debug_assertions)]
async fn check_guess(conn: &mut sqlx::PgConnection, guess: &KnownCase) -> Result<()> {
    let Some((stored, _)) = read_case(conn, &guess.case.number, None).await? else { return Ok(()) };
    let (g, s) = (&guess.case, &stored.case);
    let guard_passes = g.last_event_seq == s.last_event_seq
        && guess.alarm == stored.alarm
        && g.due_date == s.due_date
        && g.legal_due_date == s.legal_due_date;
    if guard_passes {
        assert_eq!(format!("{guess:?}"), format!("{stored:?}"), "the case file known after a write differs from the stored one");
    }
    Ok(())
}

impl Store {
    /// [`Store::run_command`] on PostgreSQL.
    pub(crate) async fn run_command_pg(
        &self,
        pool: &PgPool,
        number: &str,
        command: &Command,
        cx: &CommandContext<'_>,
    ) -> Result<Acted, CommandError> {
        let mut conn = pool.acquire().await?;
        let authority = command.needs_authority();
        for _ in 0..RACES {
            // A case this process wrote last is decided on what the write left (`case_cache`).
            let guess = if guessing() { self.files.get(number) } else { None };
            let (known, may_decide) = match &guess {
                Some(known) => {
                    // Test builds check every guess that is not out of date against the database.
                    #[cfg(debug_assertions)]
                    check_guess(&mut conn, known).await?;
                    // Authority is assumed, and the write checks it (`AUTHORITY_GUARD`): a write
                    // refused for want of it reads the case and the authority, and decides again.
                    (known.clone(), authority)
                }
                None => read_case(&mut conn, number, authority.then(|| (cx.user_id, cx.today.to_string())))
                    .await?
                    .map(|(known, may_decide)| (std::sync::Arc::new(known), may_decide))
                    .ok_or_else(|| StoreError::NotFound(format!("办件 {number}")))?,
            };
            let KnownCase { case, alarm: alarm_seen, .. } = &*known;
            let alarm_seen = *alarm_seen;
            let item: ItemSpec = {
                use sqlx as db;
                (*spec_in_tx!(conn, &self.specs, &case.item_code, case.item_version).await?).clone()
            };
            let file = case_file(case, item, &known.tasks, &known.materials, &known.inspections);
            let calendar = &*cx.calendar;
            let ctx = Context {
                role: cx.role,
                today: cx.today,
                time: time::beijing(cx.actor.at).time(),
                calendar,
                may_decide,
                department: cx.department,
            };
            let decided = execute(&file, command, &ctx)
                .map_err(CommandError::from)
                .and_then(|change| Ok((clock_columns(&change, case.warning_level, calendar, cx.today)?, change)));
            let (clock, change) = match decided {
                Ok(decided) => decided,
                // Refused on a guess: only a refusal decided on the case as stored is answered.
                Err(_) if guess.is_some() => {
                    self.files.forget(number);
                    continue;
                }
                Err(refused) => return Err(refused),
            };
            let clock: Option<&ClockColumns> = clock.as_ref();
            let w = CaseWrite::of(case, &change, cx.actor, clock);

            // A requirement attached twice keeps its last material, as one upsert after another would.
            let mut attach: Vec<(&str, i64)> = Vec::with_capacity(change.materials_attached.len());
            for a in &change.materials_attached {
                attach.retain(|(r, _)| *r != a.requirement);
                attach.push((&a.requirement, a.material_id));
            }
            let done_task = change.task_done.as_ref();
            let new_inspection = change.inspection_ordered.as_ref();
            let done_inspection = change.inspection_done.as_ref();
            let parts = Parts {
                events: !w.events.is_empty(),
                done_task: done_task.is_some(),
                cancelled_tasks: !change.tasks_cancelled.is_empty(),
                cancelled_inspections: !change.inspections_cancelled.is_empty(),
                new_tasks: !change.tasks_opened.is_empty(),
                new_inspection: new_inspection.is_some(),
                done_inspection: done_inspection.is_some(),
                attach: !attach.is_empty(),
                verify: !change.materials_verified.is_empty(),
                authority: authority && guess.is_some(),
            };
            let mut write = bind_case_update!(sqlx::query(AssertSqlSafe(write_statement(parts))), &case, &w, cx.actor, clock)
                .bind(alarm_seen)
                .bind(case.due_date.map(|d| d.to_string()))
                .bind(case.legal_due_date.map(|d| d.to_string()))
                .bind(&cx.actor.role)
                .bind(i64::from(case.item_version))
                .bind(w.events.iter().map(|e| e.seq).collect::<Vec<i64>>())
                .bind(w.events.iter().map(|e| e.action).collect::<Vec<&str>>())
                .bind(w.events.iter().map(|e| e.from).collect::<Vec<&str>>())
                .bind(w.events.iter().map(|e| e.to).collect::<Vec<&str>>())
                .bind(w.events.iter().map(|e| e.reason.as_str()).collect::<Vec<&str>>())
                .bind(w.events.iter().map(|e| e.detail.as_str()).collect::<Vec<&str>>())
                .bind(w.events.iter().map(|e| e.prev.as_str()).collect::<Vec<&str>>())
                .bind(w.events.iter().map(|e| e.hash.as_str()).collect::<Vec<&str>>())
                .bind(done_task.map(|t| t.id))
                .bind(done_task.map(|t| if t.opinion == Opinion::Approve { "approve" } else { "reject" }))
                .bind(done_task.map(|t| t.comment.as_str()))
                .bind(change.tasks_opened.iter().map(|t| task_kind_code(t.kind)).collect::<Vec<&str>>())
                .bind(change.tasks_opened.iter().map(|t| t.name.as_str()).collect::<Vec<&str>>())
                .bind(change.tasks_opened.iter().map(|t| t.department.as_str()).collect::<Vec<&str>>())
                .bind(change.tasks_opened.iter().map(|t| i64::from(t.seq)).collect::<Vec<i64>>())
                .bind(new_inspection.map(|i| inspection_kind_code(i.kind)))
                .bind(new_inspection.map(|i| serde_json::to_string(&i.departments).expect("plain data")))
                .bind(new_inspection.map(|i| i.note.as_str()))
                .bind(done_inspection.map(|i| i.id))
                .bind(done_inspection.map(|i| i.findings.as_str()))
                .bind(done_inspection.map(|i| i.passed))
                .bind(done_inspection.map(|i| serde_json::to_string(&i.photos).expect("plain data")))
                .bind(attach.iter().map(|a| a.0).collect::<Vec<&str>>())
                .bind(attach.iter().map(|a| a.1).collect::<Vec<i64>>())
                .bind(&case.applicant.id_number)
                .bind(&change.materials_verified)
                .bind(&change.tasks_cancelled)
                .bind(&change.inspections_cancelled);
            if parts.authority {
                write = write.bind(cx.user_id).bind(cx.today.to_string());
            }
            let written = write.fetch_optional(&mut *conn).await.inspect_err(|_| self.files.forget(number))?;
            let Some(after) = written else {
                // Another write to the case came first (or the assumed authority is not held):
                // decide again on what is stored.
                self.files.forget(number);
                continue;
            };
            let new_tasks: Vec<i64> = after.try_get("new_task_ids")?;
            let case_after: CaseRecord = case_from_row!(after);
            match known.after(&change, case_after.clone(), after.try_get("next_alarm_at")?, &new_tasks) {
                Some(next) if guessing() => self.files.keep(next),
                Some(_) => {}
                None => self.files.forget(number),
            }
            return Ok(Acted::of(case_after, &file, &change, new_tasks));
        }
        self.files.forget(number);
        Err(StoreError::Stale(format!("case {number} kept changing while the command ran")).into())
    }
}

/// An application's write in one statement: the case (unless an earlier submission with its
/// idempotency key exists: nothing is written then), its first event, its materials given that
/// no applicant owns yet (`$27`, now the applicant's; the clause only when there are any) and
/// attached (`$28`–`$30`: requirement, material, source). The new case's row comes back (none
/// when the key's earlier submission stands).
fn submit_sql(claim: bool) -> &'static str {
    fn sql(claim: bool) -> String {
        let owned = if claim {
            "owned AS (UPDATE material SET owner_id_number = $9 WHERE id = ANY($27::bigint[]) AND owner_id_number IS NULL AND EXISTS (SELECT 1 FROM c)), "
        } else {
            ""
        };
        format!(
            "WITH c AS ({CASE_INSERT} ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING {CASE_COLUMNS}), \
            ev AS (INSERT INTO case_event (case_number, seq, at, actor, role, action, from_state, to_state, reason, item_version, detail, prev_hash, hash) \
              SELECT $1, 1, $19, $23, $24, 'submit', '', $18, '', $4, $25, $26, $22 WHERE EXISTS (SELECT 1 FROM c)), \
            {owned}\
            attached AS (INSERT INTO case_material (case_number, requirement, material_id, source, attached_at) \
              SELECT $1, a.requirement, a.material_id, a.source, $19 FROM unnest($28::text[], $29::bigint[], $30::text[]) AS a(requirement, material_id, source) \
              WHERE EXISTS (SELECT 1 FROM c)) \
            SELECT c.* FROM c"
        )
    }
    static CLAIMING: LazyLock<String> = LazyLock::new(|| sql(true));
    static PLAIN: LazyLock<String> = LazyLock::new(|| sql(false));
    if claim { &CLAIMING } else { &PLAIN }
}

/// A row of [`SUBMIT_READ`]: what, a, b, c, id, n.
type SubmitRow = (String, Option<String>, String, Option<String>, i64, i64);

/// What a submission is checked against, in one statement: the case of an earlier submission
/// with the same idempotency key (`k`), the materials given (`m`: uploader, owner) and the
/// applicant's materials of the types to reuse (`r`: type, verified (`n` = 1), valid until),
/// among which the core chooses (`case::choose_reuse`).
const SUBMIT_READ: &str = "SELECT 'k' AS what, number AS a, query_code AS b, state AS c, CAST(0 AS BIGINT) AS id, CAST(0 AS BIGINT) AS n \
      FROM app_case WHERE $1::text IS NOT NULL AND idempotency_key = $1 \
    UNION ALL SELECT 'm', owner_id_number, '', NULL, id, uploaded_by FROM material WHERE id = ANY($2::bigint[]) \
    UNION ALL SELECT 'r', kind, '', valid_until, id, CASE WHEN verified_at IS NULL THEN 0 ELSE 1 END FROM material \
      WHERE owner_id_number = $3 AND kind = ANY($4::text[])";

impl Store {
    /// [`Store::submit_case`] on PostgreSQL: one statement reads what the submission is checked
    /// against, one writes it.
    pub(crate) async fn submit_case_pg(&self, pool: &PgPool, c: &NewCase<'_>, actor: &Actor) -> Result<Submitted> {
        let day = c.today.to_string();
        let wanted = onewindow_core::case::reuse_wanted(c.item, c.materials);
        let mut conn = pool.acquire().await?;
        let rows: Vec<SubmitRow> = sqlx::query_as(SUBMIT_READ)
            .bind(c.idempotency_key)
            .bind(c.materials.iter().map(|a| a.material_id).collect::<Vec<i64>>())
            .bind(&c.applicant.id_number)
            .bind(wanted.iter().map(|r| r.1).collect::<Vec<&str>>())
            .fetch_all(&mut *conn)
            .await?;
        if let Some(earlier) = earlier_submission(&rows)? {
            return Ok(earlier);
        }
        // Materials given that nobody owns yet become the applicant's (one owned already stays
        // its owner's: `may_attach`).
        let mut claim: Vec<i64> = Vec::new();
        for a in c.materials {
            let found = rows.iter().find(|r| r.0 == "m" && r.4 == a.material_id).map(|r| (r.5, r.1.clone()));
            if matches!(found, Some((_, None))) {
                claim.push(a.material_id);
            }
            may_attach(c, a.material_id, found)?;
        }
        let mut candidates = Vec::new();
        for r in rows.iter().filter(|r| r.0 == "r") {
            candidates.push(reuse_candidate(r.4, r.1.clone().unwrap_or_default(), r.5 == 1, r.3.as_deref())?);
        }
        let attached = submitted_materials(c, &candidates);

        let seq = self.numbers.next(&mut conn, c.region_code, c.today).await?;
        let number = CaseNumber::new(c.region_code, c.today, u32::try_from(seq).unwrap_or(u32::MAX))
            .map_err(|e| StoreError::Rejected(format!("办件编号无法生成：{e}")))?
            .to_string();
        let (first_detail, first_hash) = first_event(c, &number, actor, &attached);
        let written = bind_case_insert!(
            sqlx::query(AssertSqlSafe(submit_sql(!claim.is_empty()))),
            c,
            &number,
            time::to_micros(actor.at),
            &day,
            &first_hash
        )
        .bind(&actor.username)
        .bind(&actor.role)
        .bind(&first_detail)
        .bind(crate::audit::GENESIS_HASH)
        .bind(&claim)
        .bind(attached.iter().map(|a| a.requirement.as_str()).collect::<Vec<&str>>())
        .bind(attached.iter().map(|a| a.material_id).collect::<Vec<i64>>())
        .bind(attached.iter().map(|a| a.source.code()).collect::<Vec<&str>>())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = written {
            let mut materials: Vec<(String, i64)> = attached.iter().map(|m| (m.requirement.clone(), m.material_id)).collect();
            materials.sort_unstable(); // as read: ordered by requirement (one material each)
            // The next command on the case (its acceptance) need not read it back: `case_cache`.
            let case: CaseRecord = case_from_row!(row);
            let alarm = row.try_get("next_alarm_at")?;
            if guessing() {
                self.files.keep(KnownCase { case, alarm, tasks: Vec::new(), materials, inspections: Vec::new() });
            }
            let attached = Some(attached.into_iter().map(|m| m.requirement).collect());
            return Ok(Submitted { number, query_code: c.query_code.to_string(), state: CaseState::Submitted, created: true, attached });
        }
        // A submission with the same key committed in between: it is the answer (this number
        // stays unused).
        let rows: Vec<SubmitRow> = sqlx::query_as(SUBMIT_READ)
            .bind(c.idempotency_key)
            .bind(Vec::<i64>::new())
            .bind(&c.applicant.id_number)
            .bind(Vec::<&str>::new())
            .fetch_all(&mut *conn)
            .await?;
        earlier_submission(&rows)?.ok_or_else(|| StoreError::Stale(format!("case {number} was neither written nor found by its key")))
    }
}

/// The case an earlier submission with the same idempotency key made, among [`SUBMIT_READ`]'s rows.
fn earlier_submission(rows: &[SubmitRow]) -> Result<Option<Submitted>> {
    let Some((_, Some(number), query_code, Some(state), _, _)) = rows.iter().find(|r| r.0 == "k") else {
        return Ok(None);
    };
    let state = CaseState::parse(state).ok_or_else(|| StoreError::Corrupt(number.clone(), "state".into()))?;
    Ok(Some(Submitted { number: number.clone(), query_code: query_code.clone(), state, created: false, attached: None }))
}
