//! Reading cases: events, tasks, inspections, materials, lists, inboxes, and the check of
//! every case's event chain.

use crate::cases::{
    CASE_COLUMNS, CASE_PAGE_MAX, CaseEvent, CaseFilter, CaseMaterial, CaseRecord, CaseSummary, InspectionRecord, TaskRecord, event_hash,
    json_rows, opt_time, task_kind,
};
use crate::{Actor, Backend, Result, Store, StoreError, time};
use onewindow_core::case::clock::WarningLevel;
use onewindow_core::case::{Applicant, ApplicantKind, CaseState, Channel, TaskKind};
use sqlx::Row;

/// The first case whose event chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaseChainCheck {
    /// Cases checked.
    pub cases: u64,
    /// Events checked.
    pub events: u64,
    /// The first broken case, if any, and the event where it breaks.
    pub first_broken: Option<(String, i64)>,
}

const CHAIN_BATCH: i64 = 5000;

/// `id, kind, departments, note, state, ordered_by, ordered_at, findings, passed, photos, completed_by`.
type InspectionRow = (i64, String, String, String, String, String, i64, String, Option<bool>, String, String);

/// `requirement, material_id, source, file_name, sha256, verified_by`.
type MaterialRow = (String, i64, String, String, String, Option<String>);

/// `id, kind, name, department, seq, state, opinion, comment, created_at, completed_at, completed_by`.
type TaskRow = (i64, String, String, String, i64, String, Option<String>, String, i64, Option<i64>, String);

fn inspection_record(
    (id, kind, departments, note, state, ordered_by, ordered_at, findings, passed, photos, completed_by): InspectionRow,
) -> InspectionRecord {
    InspectionRecord {
        id,
        kind,
        departments: serde_json::from_str(&departments).unwrap_or_default(),
        note,
        state,
        ordered_by,
        ordered_at: time::from_micros(ordered_at).to_string(),
        findings,
        passed,
        photos: serde_json::from_str(&photos).unwrap_or_default(),
        completed_by,
    }
}

/// The case's fields a task list shows beside each task.
struct TaskCase {
    number: String,
    item_name: String,
    applicant_name: String,
    due_date: Option<String>,
    clock: Option<onewindow_core::case::clock::CaseClock>,
    warning_level: String,
}

fn task_record(
    (id, kind, name, department, seq, state, opinion, comment, created_at, completed_at, completed_by): TaskRow,
    case: TaskCase,
) -> TaskRecord {
    TaskRecord {
        id,
        case_number: case.number,
        kind: task_kind(&kind),
        name,
        department,
        seq,
        state,
        opinion,
        comment,
        created_at: time::from_micros(created_at).to_string(),
        completed_at: completed_at.map(|u| time::from_micros(u).to_string()),
        completed_by,
        item_name: case.item_name,
        applicant_name: case.applicant_name,
        due_date: case.due_date,
        clock: case.clock,
        warning_level: case.warning_level,
    }
}

fn material_record((requirement, material_id, source, file_name, sha256, verified_by): MaterialRow) -> CaseMaterial {
    CaseMaterial { requirement, material_id, source, file_name, sha256, verified_by }
}

/// A case with everything its page shows.
#[derive(Debug, Clone)]
pub struct CasePage {
    /// The case.
    pub case: CaseRecord,
    /// Its tasks, oldest first.
    pub tasks: Vec<TaskRecord>,
    /// Its materials, by requirement.
    pub materials: Vec<CaseMaterial>,
    /// Its inspections, oldest first.
    pub inspections: Vec<InspectionRecord>,
}

/// [`case_page_sql`] per backend, built once.
static CASE_PAGE_SQLITE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| case_page_sql(Backend::Sqlite));
static CASE_PAGE_POSTGRES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| case_page_sql(Backend::Postgres));

/// A case and its tasks, materials and inspections (as JSON arrays of the rows above) in one
/// statement; the aggregates are spelled per backend.
fn case_page_sql(backend: Backend) -> String {
    let (agg, build, empty, passed) = match backend {
        Backend::Postgres => ("json_agg", "json_build_array", "COALESCE(", "passed"),
        Backend::Sqlite => (
            "json_group_array",
            "json_array",
            "",
            "CASE WHEN passed IS NULL THEN NULL WHEN passed THEN json('true') ELSE json('false') END",
        ),
    };
    // PostgreSQL's aggregate is NULL over no rows, and JSON rather than text.
    let close = if backend == Backend::Postgres { ", '[]')::text" } else { "" };
    format!(
        "SELECT {CASE_COLUMNS}, \
         {empty}(SELECT {agg}({build}(id, kind, name, department, seq, state, opinion, comment, created_at, completed_at, completed_by) ORDER BY id) \
            FROM task WHERE case_number = $1){close} AS tasks_json, \
         {empty}(SELECT {agg}({build}(cm.requirement, cm.material_id, cm.source, m.file_name, m.sha256, m.verified_by) ORDER BY cm.requirement) \
            FROM case_material cm JOIN material m ON m.id = cm.material_id WHERE cm.case_number = $1){close} AS materials_json, \
         {empty}(SELECT {agg}({build}(id, kind, departments, note, state, ordered_by, ordered_at, findings, {passed}, photos, completed_by) ORDER BY id) \
            FROM inspection WHERE case_number = $1){close} AS inspections_json \
         FROM app_case WHERE number = $1"
    )
}

/// `number, item_name, item_code, handling_department, applicant_name, state, channel, submitted_at, due_date`.
type SummaryRow = (String, String, String, String, String, String, String, i64, Option<String>, Option<String>, String);

/// `(number, seq, at, actor, role, action, from, to, reason, version, detail, prev, hash)`.
type EventRow = (String, i64, i64, String, String, String, String, String, String, i64, String, String, String);

impl Store {
    /// A case's events, oldest first.
    pub async fn case_events(&self, number: &str) -> Result<Vec<CaseEvent>> {
        let rows: Vec<EventRow> = with_reader!(self, pool => {
            sqlx::query_as(
                "SELECT case_number, seq, at, actor, role, action, from_state, to_state, reason, item_version, detail, prev_hash, hash \
                 FROM case_event WHERE case_number = $1 ORDER BY seq",
            )
            .bind(number)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(_, seq, at, actor, role, action, from_state, to_state, reason, item_version, detail, prev_hash, hash)| CaseEvent {
                seq,
                at: time::from_micros(at).to_string(),
                actor,
                role,
                action,
                from_state,
                to_state,
                reason,
                item_version,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
                prev_hash,
                hash,
            })
            .collect())
    }

    /// A case with its tasks, materials and inspections, read together (one statement).
    pub async fn case_page(&self, number: &str) -> Result<Option<CasePage>> {
        let sql = match self.backend() {
            Backend::Sqlite => CASE_PAGE_SQLITE.as_str(),
            Backend::Postgres => CASE_PAGE_POSTGRES.as_str(),
        };
        let found = with_reader!(self, pool => {
            match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(number).fetch_optional(pool).await? {
                Some(r) => Some((case_from_row!(r), r.try_get::<String, _>("tasks_json")?, r.try_get::<String, _>("materials_json")?, r.try_get::<String, _>("inspections_json")?)),
                None => None,
            }
        });
        let Some((case, tasks, materials, inspections)) = found else {
            return Ok(None);
        };
        let tasks: Vec<TaskRow> = json_rows(&tasks, number, "tasks")?;
        let materials: Vec<MaterialRow> = json_rows(&materials, number, "materials")?;
        let inspections: Vec<InspectionRow> = json_rows(&inspections, number, "inspections")?;
        let of_case = |c: &CaseRecord| TaskCase {
            number: c.number.clone(),
            item_name: c.item_name.clone(),
            applicant_name: c.applicant.name.clone(),
            due_date: c.due_date.map(|d| d.to_string()),
            clock: c.clock.clone(),
            warning_level: c.warning_level.code().to_string(),
        };
        let page = CasePage {
            tasks: tasks.into_iter().map(|t| task_record(t, of_case(&case))).collect(),
            materials: materials.into_iter().map(material_record).collect(),
            inspections: inspections.into_iter().map(inspection_record).collect(),
            case,
        };
        Ok(Some(page))
    }

    /// Tasks of a case, oldest first.
    pub async fn case_tasks(&self, number: &str) -> Result<Vec<TaskRecord>> {
        self.tasks_where("t.case_number = $1", number, 1000).await
    }

    async fn tasks_where(&self, condition: &str, value: &str, limit: i64) -> Result<Vec<TaskRecord>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT t.id, t.case_number, t.kind, t.name, t.department, t.seq, t.state, t.opinion, t.comment, t.created_at, t.completed_at, \
             t.completed_by, c.item_name, c.applicant_name, c.due_date, c.clock, c.warning_level FROM task t JOIN app_case c ON c.number = t.case_number \
             WHERE {condition} ORDER BY t.id LIMIT {limit}"
        ));
        let tasks = with_reader!(self, pool => {
            let rows = sqlx::query(sql).bind(value).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let row: TaskRow = (
                    r.try_get("id")?,
                    r.try_get("kind")?,
                    r.try_get("name")?,
                    r.try_get("department")?,
                    r.try_get("seq")?,
                    r.try_get("state")?,
                    r.try_get("opinion")?,
                    r.try_get("comment")?,
                    r.try_get("created_at")?,
                    r.try_get("completed_at")?,
                    r.try_get("completed_by")?,
                );
                let case = TaskCase {
                    number: r.try_get("case_number")?,
                    item_name: r.try_get("item_name")?,
                    applicant_name: r.try_get("applicant_name")?,
                    due_date: r.try_get("due_date")?,
                    clock: r.try_get::<Option<String>, _>("clock")?.and_then(|c| serde_json::from_str(&c).ok()),
                    warning_level: r.try_get("warning_level")?,
                };
                out.push(task_record(row, case));
            }
            out
        });
        Ok(tasks)
    }

    /// Open tasks held by a department, oldest first.
    pub async fn open_tasks_of(&self, department: &str, limit: i64) -> Result<Vec<TaskRecord>> {
        self.tasks_where("t.department = $1 AND t.state = 'open'", department, limit.clamp(1, CASE_PAGE_MAX)).await
    }

    /// Open opinion tasks of every department (a bureau reviewer records opinions received).
    pub async fn open_opinion_tasks(&self, limit: i64) -> Result<Vec<TaskRecord>> {
        self.tasks_where("t.kind = $1 AND t.state = 'open'", "opinion", limit.clamp(1, CASE_PAGE_MAX)).await
    }

    /// The case a task belongs to and the task's kind (both fixed when it is opened), from
    /// those this process opened or looked up before, else read.
    pub async fn task_owner(&self, id: i64) -> Result<Option<(String, TaskKind)>> {
        if let Some(known) = self.owners.get(&id).filter(|_| crate::case_cache::task_owners_kept()) {
            return Ok(Some(known));
        }
        let found: Option<(String, String)> = with_reader!(self, pool => {
            sqlx::query_as("SELECT case_number, kind FROM task WHERE id = $1").bind(id).fetch_optional(pool).await?
        });
        let found = found.map(|(case, kind)| (case, task_kind(&kind)));
        if let Some((case, kind)) = &found {
            self.owners.put([(id, (case.clone(), *kind))]);
        }
        Ok(found)
    }

    /// Inspections of a case.
    pub async fn case_inspections(&self, number: &str) -> Result<Vec<InspectionRecord>> {
        let rows: Vec<InspectionRow> = with_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, kind, departments, note, state, ordered_by, ordered_at, findings, passed, photos, completed_by \
                 FROM inspection WHERE case_number = $1 ORDER BY id",
            )
            .bind(number)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(inspection_record).collect())
    }

    /// The case an inspection belongs to.
    pub async fn inspection_case(&self, id: i64) -> Result<Option<String>> {
        Ok(
            with_reader!(self, pool => sqlx::query_scalar("SELECT case_number FROM inspection WHERE id = $1").bind(id).fetch_optional(pool).await?),
        )
    }

    /// Materials attached to a case.
    pub async fn case_materials(&self, number: &str) -> Result<Vec<CaseMaterial>> {
        let rows: Vec<MaterialRow> = with_reader!(self, pool => {
            sqlx::query_as(
                "SELECT cm.requirement, cm.material_id, cm.source, m.file_name, m.sha256, m.verified_by \
                 FROM case_material cm JOIN material m ON m.id = cm.material_id WHERE cm.case_number = $1 ORDER BY cm.requirement",
            )
            .bind(number)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(material_record).collect())
    }

    /// Whether a material is attached to a case the applicant account owns or to any case
    /// (for downloads by staff).
    pub async fn material_case(&self, material_id: i64) -> Result<Option<(String, Option<i64>)>> {
        Ok(with_reader!(self, pool => {
            sqlx::query_as(
                "SELECT c.number, c.applicant_user_id FROM case_material cm JOIN app_case c ON c.number = cm.case_number WHERE cm.material_id = $1 LIMIT 1",
            )
            .bind(material_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// A page of cases matching the filter, newest first (or oldest first for queues), keyed
    /// by number so that every page is one index range scan.
    pub async fn list_cases(&self, f: &CaseFilter, limit: i64) -> Result<Vec<CaseSummary>> {
        let limit = limit.clamp(1, CASE_PAGE_MAX);
        let mut conditions: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut bind = |cond: &str, value: String| {
            binds.push(value);
            conditions.push(cond.replace('?', &format!("${}", binds.len())));
        };
        if let Some(s) = f.state {
            bind("state = ?", s.code().to_string());
        }
        if let Some(d) = &f.department {
            bind("handling_department = ?", d.clone());
        }
        if let Some(i) = &f.item {
            bind("item_code = ?", i.clone());
        }
        if let Some(a) = &f.applicant {
            // An identity number or credit code, else a name: one indexed column either way.
            let looks_like_id = a.len() == 18 && a.bytes().all(|b| b.is_ascii_alphanumeric());
            if looks_like_id {
                bind("applicant_id = ?", a.to_ascii_uppercase());
            } else {
                bind("applicant_name = ?", a.clone());
            }
        }
        if let Some(u) = f.applicant_user_id {
            bind("applicant_user_id = CAST(? AS BIGINT)", u.to_string());
        }
        if let Some(p) = f.service_point_id {
            bind("service_point_id = CAST(? AS BIGINT)", p.to_string());
        }
        if let Some(from) = &f.from {
            bind("submitted_date >= ?", from.clone());
        }
        if let Some(to) = &f.to {
            bind("submitted_date <= ?", to.clone());
        }
        // The cursor is a case number; its date part orders it among the other regions' cases.
        let cursor = if f.oldest_first { f.after.as_ref() } else { f.before.as_ref() };
        if let Some(number) = cursor {
            let date = onewindow_core::case::CaseNumber::parse(number)
                .map_err(|e| StoreError::Rejected(format!("分页游标无效：{e}")))?
                .date()
                .to_string();
            let op = if f.oldest_first { ">" } else { "<" };
            binds.push(date);
            binds.push(number.clone());
            let (d, n) = (binds.len() - 1, binds.len());
            conditions.push(format!("(submitted_date {op} ${d} OR (submitted_date = ${d} AND number {op} ${n}))"));
        }
        let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        let order = if f.oldest_first { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT number, item_name, item_code, handling_department, applicant_name, state, channel, submitted_at, due_date, clock, \
             warning_level FROM app_case {filter} ORDER BY submitted_date {order}, number {order} LIMIT {limit}"
        );
        let rows: Vec<SummaryRow> = with_reader!(self, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for b in &binds {
                q = q.bind(b.clone());
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter()
            .map(
                |(
                    number,
                    item_name,
                    item_code,
                    handling_department,
                    applicant_name,
                    state,
                    channel,
                    submitted_at,
                    due_date,
                    clock,
                    warning_level,
                )| {
                    let corrupt = |what: &str| StoreError::Corrupt(number.clone(), what.into());
                    let state = CaseState::parse(&state).ok_or_else(|| corrupt("state"))?;
                    let channel = Channel::parse(&channel).ok_or_else(|| corrupt("channel"))?;
                    let due_date = crate::cases::opt_date(due_date).map_err(|_| corrupt("due_date"))?;
                    Ok(CaseSummary {
                        number,
                        item_name,
                        item_code,
                        handling_department,
                        applicant_name,
                        state,
                        channel,
                        submitted_at: time::from_micros(submitted_at),
                        due_date,
                        clock: clock.and_then(|c| serde_json::from_str(&c).ok()),
                        warning_level,
                    })
                },
            )
            .collect()
    }

    /// Records delegated authority (授权书) for a user over a department's items (or all when `None`).
    pub async fn grant_authority(
        &self,
        user_id: i64,
        department: Option<&str>,
        scopes: &str,
        document: &str,
        valid_from: jiff::civil::Date,
        actor: &Actor,
    ) -> Result<i64> {
        let backend = self.backend();
        with_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO delegation (user_id, department, scopes, document, valid_from, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(user_id)
            .bind(department)
            .bind(scopes)
            .bind(document)
            .bind(valid_from.to_string())
            .bind(time::to_micros(actor.at))
            .fetch_one(&mut *tx)
            .await?;
            let detail = serde_json::json!({"user_id": user_id, "department": department, "scopes": scopes, "document": document});
            crate::audit::audit_append!(tx, backend, actor, "delegation.grant", &user_id.to_string(), detail).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Recomputes every case's event chain, and checks that each case row points at its
    /// last event (so that a deleted tail shows too).
    pub async fn verify_case_chains(&self) -> Result<CaseChainCheck> {
        let mut check = CaseChainCheck { cases: 0, events: 0, first_broken: None };
        let mut after: (String, i64) = (String::new(), 0);
        let mut current = String::new();
        let mut prev = String::new();
        loop {
            let batch: Vec<EventRow> = with_reader!(self, pool => {
                sqlx::query_as(
                    "SELECT case_number, seq, at, actor, role, action, from_state, to_state, reason, item_version, detail, prev_hash, hash \
                     FROM case_event WHERE case_number > $1 OR (case_number = $1 AND seq > $2) ORDER BY case_number, seq LIMIT $3",
                )
                .bind(&after.0)
                .bind(after.1)
                .bind(CHAIN_BATCH)
                .fetch_all(pool)
                .await?
            });
            if batch.is_empty() {
                break;
            }
            for (number, seq, at, actor, role, action, from, to, reason, version, detail, prev_hash, hash) in batch {
                if number != current {
                    current = number.clone();
                    prev = crate::audit::GENESIS_HASH.to_string();
                    check.cases += 1;
                    if seq != 1 {
                        check.first_broken = Some((number, seq));
                        return Ok(check);
                    }
                }
                let expected = event_hash(&prev, &number, seq, at, &actor, &role, &action, &from, &to, &reason, version, &detail);
                if prev_hash != prev || hash != expected {
                    check.first_broken = Some((number, seq));
                    return Ok(check);
                }
                check.events += 1;
                prev = hash;
                after = (number, seq);
            }
        }
        // Each case row must point at the last event of its chain.
        let heads: Vec<(String, i64, String, Option<String>)> = with_reader!(self, pool => {
            sqlx::query_as(
                "SELECT c.number, c.last_event_seq, c.last_event_hash, e.hash FROM app_case c \
                 LEFT JOIN case_event e ON e.case_number = c.number AND e.seq = c.last_event_seq \
                 WHERE e.hash IS NULL OR e.hash <> c.last_event_hash OR EXISTS (SELECT 1 FROM case_event x WHERE x.case_number = c.number AND x.seq > c.last_event_seq) \
                 ORDER BY c.number LIMIT 1",
            )
            .fetch_all(pool)
            .await?
        });
        if let Some((number, seq, _, _)) = heads.into_iter().next() {
            check.first_broken = Some((number, seq));
        }
        Ok(check)
    }
}
