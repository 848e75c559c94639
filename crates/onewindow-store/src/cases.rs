//! Cases on disk: submission (with idempotency keys and reuse of verified materials),
//! commands applied in one transaction each, the per-case hash-chained event log, tasks,
//! inspections, lists for the window and the back office, and the public tracking view.
//!
//! The store decides nothing about a case: `case::execute` returns a `Change` that lists by id
//! the tasks and inspections to complete and cancel and the materials to attach and verify, and
//! both backends write exactly that (the SQLite statements here, the PostgreSQL statement in
//! `cases_pg`). The only conditions in the writes are the compare-and-set on the case's last
//! event and write-once guards of a row's own columns (an owner, a verification, `closed_at`
//! once set stay). At submission the store reads the applicant's candidate materials and the
//! core chooses which to reuse (`case::choose_reuse`) and who may attach what
//! (`case::may_attach`).

use crate::{Actor, Db, Result, Store, StoreError, time};
use jiff::Timestamp;
use jiff::civil::Date;
use onewindow_core::calendar::Calendar;
use onewindow_core::case::clock::{CaseClock, ClockSummary, WarningLevel};
use onewindow_core::case::{
    Applicant, ApplicantKind, Attachment, CaseError, CaseFile, CaseNumber, CaseState, Change, Channel, Command, Context, Correction,
    Deficiency, MaterialSource, OpenTask, ReuseCandidate, SubmittedMaterial, TaskKind, execute,
};
use onewindow_core::catalogue::ItemSpec;
use onewindow_core::role::Role;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// Largest page of a case list.
pub const CASE_PAGE_MAX: i64 = 200;

/// `id, kind, file_name, content_type, size_bytes, sha256, uploaded_by, owner_id_number, verified_by`.
type MaterialRow = (i64, String, String, String, i64, String, i64, Option<String>, Option<String>);

/// A material as stored (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaterialMeta {
    /// Identifier.
    pub id: i64,
    /// Type key (`business_licence`…), empty when item-specific.
    pub kind: String,
    /// Original file name.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Who uploaded it.
    pub uploaded_by: i64,
    /// Identity number or credit code of the applicant it belongs to, once attached to a case.
    pub owner_id_number: Option<String>,
    /// Who verified it (at acceptance), if anyone.
    pub verified_by: Option<String>,
}

/// A material to store.
pub struct NewMaterial<'a> {
    /// Uploader.
    pub uploaded_by: i64,
    /// Type key.
    pub kind: &'a str,
    /// File name.
    pub file_name: &'a str,
    /// MIME type.
    pub content_type: &'a str,
    /// Bytes.
    pub content: &'a [u8],
}

/// An application to store.
pub struct NewCase<'a> {
    /// The item's current version and its number.
    pub item: &'a ItemSpec,
    /// Item version.
    pub item_version: u32,
    /// The applicant.
    pub applicant: &'a Applicant,
    /// The applicant's account, for online applications.
    pub applicant_user_id: Option<i64>,
    /// Channel.
    pub channel: Channel,
    /// Who applies on the applicant's behalf (代办员), if anyone.
    pub agent: &'a str,
    /// Service point the application is taken at (or routed to).
    pub service_point_id: Option<i64>,
    /// The clerk who first received the applicant (首问负责), for window applications.
    pub first_clerk: &'a str,
    /// The form.
    pub form: &'a serde_json::Value,
    /// Materials given.
    pub materials: &'a [Attachment],
    /// Idempotency key (already scoped to the caller).
    pub idempotency_key: Option<&'a str>,
    /// Random query code.
    pub query_code: &'a str,
    /// Region of the case number.
    pub region_code: &'a str,
    /// Today in Beijing time.
    pub today: jiff::civil::Date,
    /// Whether the submitter may attach materials uploaded by others (window clerks).
    pub any_material: bool,
}

/// The outcome of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submitted {
    /// Case number.
    pub number: String,
    /// Query code.
    pub query_code: String,
    /// State.
    pub state: CaseState,
    /// False when an earlier submission with the same idempotency key was returned.
    pub created: bool,
    /// The requirements given a material (uploaded or reused), when the case was created here;
    /// `None` for an earlier case returned by its idempotency key.
    pub attached: Option<Vec<String>>,
}

/// A case after a command, read in the command's transaction.
#[derive(Debug, Clone)]
pub struct Acted {
    /// The case.
    pub case: CaseRecord,
    /// Ids of its open tasks, oldest first (the next ones to complete).
    pub open_tasks: Vec<i64>,
    /// The tasks the command opened: id, kind.
    pub opened: Vec<(i64, TaskKind)>,
}

impl Acted {
    /// The case after `change` (its row as written) and its tasks: those of `file` left open and
    /// the ones opened (`new_tasks`: their ids, in the order of `change.tasks_opened`).
    pub(crate) fn of(case: CaseRecord, file: &CaseFile, change: &Change, new_tasks: Vec<i64>) -> Acted {
        let opened = change.tasks_opened.iter().zip(&new_tasks).map(|(t, id)| (*id, t.kind)).collect();
        Acted { case, open_tasks: open_tasks_after(file, change, new_tasks), opened }
    }
}

/// A case as stored.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRecord {
    /// Number.
    pub number: String,
    /// Query code.
    pub query_code: String,
    /// Item code.
    pub item_code: String,
    /// Item version the case runs under.
    pub item_version: u32,
    /// Item name.
    pub item_name: String,
    /// Department handling it.
    pub handling_department: String,
    /// Applicant.
    pub applicant: Applicant,
    /// Applicant account.
    pub applicant_user_id: Option<i64>,
    /// Channel.
    pub channel: Channel,
    /// Agent.
    pub agent: String,
    /// Service point.
    pub service_point_id: Option<i64>,
    /// First clerk (首问负责人).
    pub first_clerk: String,
    /// Form data.
    pub form: serde_json::Value,
    /// State.
    pub state: CaseState,
    /// Submitted.
    pub submitted_at: Timestamp,
    /// Accepted.
    pub accepted_at: Option<Timestamp>,
    /// Who accepted.
    pub accepted_by: String,
    /// Promised due date.
    pub due_date: Option<Date>,
    /// Decided.
    pub decided_at: Option<Timestamp>,
    /// Closed.
    pub closed_at: Option<Timestamp>,
    /// The decision, once made.
    pub outcome: Option<onewindow_core::case::Outcome>,
    /// Decision reasons.
    pub decision_reason: String,
    /// Decision legal basis.
    pub decision_basis: String,
    /// Who decided.
    pub decided_by: String,
    /// Refusal reason.
    pub refusal_reason: String,
    /// Refusal legal basis.
    pub refusal_basis: String,
    /// Delivery method, once delivered.
    pub delivery_method: Option<onewindow_core::case::DeliveryMethod>,
    /// Courier.
    pub courier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Deficiencies.
    pub deficiencies: Vec<Deficiency>,
    /// Latest corrections.
    pub corrections: Vec<Correction>,
    /// Correction notices issued.
    pub correction_rounds: u32,
    /// Opinion tasks opened.
    pub opinion_tasks: u32,
    /// Events so far.
    pub last_event_seq: i64,
    #[serde(skip)]
    pub(crate) last_event_hash: String,
    /// The time limit, once accepted.
    pub clock: Option<CaseClock>,
    /// Legal due date.
    pub legal_due_date: Option<Date>,
    /// The highest warning raised.
    pub warning_level: WarningLevel,
    /// When the supervision worker next looks at the case, if ever.
    pub next_alarm_at: Option<Timestamp>,
}

/// An event of a case's log.
#[derive(Debug, Clone, Serialize)]
pub struct CaseEvent {
    /// Position in the case's log, from 1.
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub actor: String,
    /// In which role.
    pub role: String,
    /// Action code.
    pub action: String,
    /// State before.
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// Why.
    pub reason: String,
    /// Item version.
    pub item_version: i64,
    /// Details.
    pub detail: serde_json::Value,
    /// Hash of the previous event.
    pub prev_hash: String,
    /// Hash of this event.
    pub hash: String,
}

/// A task as stored.
#[derive(Debug, Clone, Serialize)]
pub struct TaskRecord {
    /// Identifier.
    pub id: i64,
    /// Case.
    pub case_number: String,
    /// Kind.
    pub kind: TaskKind,
    /// Name.
    pub name: String,
    /// Department.
    pub department: String,
    /// Step position.
    pub seq: i64,
    /// `open`, `done`, `cancelled`.
    pub state: String,
    /// Opinion given.
    pub opinion: Option<String>,
    /// Comment.
    pub comment: String,
    /// Opened (RFC 3339).
    pub created_at: String,
    /// Completed (RFC 3339).
    pub completed_at: Option<String>,
    /// Who completed it.
    pub completed_by: String,
    /// Item name (for inboxes).
    pub item_name: String,
    /// Applicant name (for inboxes).
    pub applicant_name: String,
    /// Case due date.
    pub due_date: Option<String>,
    /// The case's time limit (for remaining days in inboxes).
    #[serde(skip)]
    pub clock: Option<CaseClock>,
    /// The highest warning raised on the case.
    pub warning_level: String,
}

/// An inspection as stored.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionRecord {
    /// Identifier.
    pub id: i64,
    /// Mode.
    pub kind: String,
    /// Departments.
    pub departments: Vec<String>,
    /// What to check.
    pub note: String,
    /// `open` / `done`.
    pub state: String,
    /// Ordered by.
    pub ordered_by: String,
    /// Ordered (RFC 3339).
    pub ordered_at: String,
    /// Findings.
    pub findings: String,
    /// Whether the site passed.
    pub passed: Option<bool>,
    /// Photo material ids.
    pub photos: Vec<i64>,
    /// Who recorded the findings.
    pub completed_by: String,
}

/// A material attached to a case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseMaterial {
    /// The requirement it satisfies.
    pub requirement: String,
    /// The material.
    pub material_id: i64,
    /// `uploaded` or `reused`.
    pub source: String,
    /// File name.
    pub file_name: String,
    /// SHA-256.
    pub sha256: String,
    /// Who verified it.
    pub verified_by: Option<String>,
}

/// Filters of a case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// State.
    pub state: Option<CaseState>,
    /// Handling department.
    pub department: Option<String>,
    /// Item code.
    pub item: Option<String>,
    /// Applicant id number or exact name.
    pub applicant: Option<String>,
    /// Applicant account.
    pub applicant_user_id: Option<i64>,
    /// Service point.
    pub service_point_id: Option<i64>,
    /// Submitted on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Submitted on or before (YYYY-MM-DD).
    pub to: Option<String>,
    /// Numbers before this one (newest first) — the cursor.
    pub before: Option<String>,
    /// Oldest first (the window queue) instead of newest first.
    pub oldest_first: bool,
    /// Numbers after this one when oldest first — the cursor.
    pub after: Option<String>,
}

/// A line of a case list.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    /// Number.
    pub number: String,
    /// Item name.
    pub item_name: String,
    /// Item code.
    pub item_code: String,
    /// Handling department.
    pub handling_department: String,
    /// Applicant name.
    pub applicant_name: String,
    /// State.
    pub state: CaseState,
    /// Channel.
    pub channel: Channel,
    /// Submitted.
    pub submitted_at: Timestamp,
    /// Due date.
    pub due_date: Option<Date>,
    /// The time limit (for remaining days in lists).
    #[serde(skip)]
    pub clock: Option<CaseClock>,
    /// The highest warning raised.
    pub warning_level: String,
}

/// Why a command failed: the domain said no, or the database failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Refused by the core's rules.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// The store failed or the case does not exist.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CommandError {
    fn from(e: sqlx::Error) -> Self {
        CommandError::Store(StoreError::Database(e))
    }
}

impl From<rusqlite::Error> for CommandError {
    fn from(e: rusqlite::Error) -> Self {
        CommandError::Store(StoreError::Sqlite(e))
    }
}

/// Who runs a command and with which facts.
pub struct CommandContext<'a> {
    /// Actor (username, role, instant).
    pub actor: &'a Actor,
    /// Role acted in.
    pub role: Role,
    /// The user's id (for delegated authority).
    pub user_id: i64,
    /// The user's department.
    pub department: Option<&'a str>,
    /// Today in Beijing time.
    pub today: jiff::civil::Date,
    /// The calendar.
    pub calendar: std::sync::Arc<Calendar>,
}

/// SHA-256 of a case event and its predecessor's hash: length-prefixed fields, hex.
#[allow(clippy::too_many_arguments)]
pub fn event_hash(
    prev: &str,
    number: &str,
    seq: i64,
    at: i64,
    actor: &str,
    role: &str,
    action: &str,
    from: &str,
    to: &str,
    reason: &str,
    item_version: i64,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [prev, number, &seq.to_string(), &at.to_string(), actor, role, action, from, to, reason, &item_version.to_string(), detail]
    {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Rows a statement aggregated into a JSON array (`what`) for case `number`.
pub(crate) fn json_rows<T: serde::de::DeserializeOwned>(text: &str, number: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("case {number}"), format!("{what}: {e}")))
}

pub(crate) fn opt_time(us: Option<i64>) -> Option<Timestamp> {
    us.map(time::from_micros)
}

/// A stored `YYYY-MM-DD` date.
pub(crate) fn opt_date(text: Option<String>) -> Result<Option<Date>, jiff::Error> {
    text.filter(|t| !t.is_empty()).map(|t| t.parse::<Date>()).transpose()
}

pub(crate) const CASE_COLUMNS: &str = "number, query_code, item_code, item_version, item_name, handling_department, applicant_kind, applicant_name, \
    applicant_id, applicant_phone, applicant_address, applicant_user_id, channel, agent, service_point_id, first_clerk, form, state, \
    submitted_at, accepted_at, accepted_by, due_date, decided_at, closed_at, outcome, decision_reason, decision_basis, decided_by, \
    refusal_reason, refusal_basis, delivery_method, courier, tracking_number, deficiencies, corrections, correction_rounds, \
    opinion_tasks, last_event_seq, last_event_hash, clock, legal_due_date, warning_level, next_alarm_at";

/// Reads a [`CaseRecord`] from a row of [`CASE_COLUMNS`].
macro_rules! case_from_row {
    ($r:expr) => {{
        let r = &$r;
        let kind: String = r.try_get("applicant_kind")?;
        let state: String = r.try_get("state")?;
        let form: String = r.try_get("form")?;
        let deficiencies: String = r.try_get("deficiencies")?;
        let corrections: String = r.try_get("corrections")?;
        let number: String = r.try_get("number")?;
        let corrupt = |what: &str| StoreError::Corrupt(format!("case {number}"), what.to_string());
        let clock: Option<String> = r.try_get("clock")?;
        let warning: String = r.try_get("warning_level")?;
        CaseRecord {
            query_code: r.try_get("query_code")?,
            item_code: r.try_get("item_code")?,
            item_version: u32::try_from(r.try_get::<i64, _>("item_version")?).unwrap_or(0),
            item_name: r.try_get("item_name")?,
            handling_department: r.try_get("handling_department")?,
            applicant: Applicant {
                kind: if kind == "organisation" { ApplicantKind::Organisation } else { ApplicantKind::Person },
                name: r.try_get("applicant_name")?,
                id_number: r.try_get("applicant_id")?,
                phone: r.try_get("applicant_phone")?,
                address: r.try_get("applicant_address")?,
            },
            applicant_user_id: r.try_get("applicant_user_id")?,
            channel: onewindow_core::case::Channel::parse(&r.try_get::<String, _>("channel")?).ok_or_else(|| corrupt("channel"))?,
            agent: r.try_get("agent")?,
            service_point_id: r.try_get("service_point_id")?,
            first_clerk: r.try_get("first_clerk")?,
            form: serde_json::from_str(&form).map_err(|_| corrupt("form"))?,
            state: CaseState::parse(&state).ok_or_else(|| corrupt("state"))?,
            submitted_at: time::from_micros(r.try_get("submitted_at")?),
            accepted_at: opt_time(r.try_get("accepted_at")?),
            accepted_by: r.try_get("accepted_by")?,
            due_date: crate::cases::opt_date(r.try_get("due_date")?).map_err(|_| corrupt("due_date"))?,
            decided_at: opt_time(r.try_get("decided_at")?),
            closed_at: opt_time(r.try_get("closed_at")?),
            outcome: match r.try_get::<Option<String>, _>("outcome")? {
                Some(o) => Some(onewindow_core::case::Outcome::parse(&o).ok_or_else(|| corrupt("outcome"))?),
                None => None,
            },
            decision_reason: r.try_get("decision_reason")?,
            decision_basis: r.try_get("decision_basis")?,
            decided_by: r.try_get("decided_by")?,
            refusal_reason: r.try_get("refusal_reason")?,
            refusal_basis: r.try_get("refusal_basis")?,
            delivery_method: match r.try_get::<String, _>("delivery_method")?.as_str() {
                "" => None,
                m => Some(onewindow_core::case::DeliveryMethod::parse(m).ok_or_else(|| corrupt("delivery_method"))?),
            },
            courier: r.try_get("courier")?,
            tracking_number: r.try_get("tracking_number")?,
            deficiencies: serde_json::from_str(&deficiencies).map_err(|_| corrupt("deficiencies"))?,
            corrections: serde_json::from_str(&corrections).map_err(|_| corrupt("corrections"))?,
            correction_rounds: u32::try_from(r.try_get::<i64, _>("correction_rounds")?).unwrap_or(0),
            opinion_tasks: u32::try_from(r.try_get::<i64, _>("opinion_tasks")?).unwrap_or(0),
            last_event_seq: r.try_get("last_event_seq")?,
            last_event_hash: r.try_get("last_event_hash")?,
            clock: match clock {
                Some(c) => Some(serde_json::from_str(&c).map_err(|_| corrupt("clock"))?),
                None => None,
            },
            legal_due_date: crate::cases::opt_date(r.try_get("legal_due_date")?).map_err(|_| corrupt("legal_due_date"))?,
            warning_level: WarningLevel::parse(&warning).ok_or_else(|| corrupt("warning_level"))?,
            next_alarm_at: opt_time(r.try_get("next_alarm_at")?),
            number,
        }
    }};
}

/// An event's detail as stored and its hash, chained after `prev`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn chained_event(
    prev: &str,
    number: &str,
    seq: i64,
    actor: &Actor,
    action: &str,
    from: &str,
    to: &str,
    reason: &str,
    item_version: i64,
    detail: &serde_json::Value,
) -> (String, String) {
    let detail = serde_json::to_string(detail).expect("detail serialises");
    let hash = event_hash(
        prev,
        number,
        seq,
        time::to_micros(actor.at),
        &actor.username,
        &actor.role,
        action,
        from,
        to,
        reason,
        item_version,
        &detail,
    );
    (detail, hash)
}

/// Appends one event to a case's chain inside `$tx`, its detail (JSON text) and hash already
/// worked out ([`chained_event`]); evaluates to a future of `Result<(), StoreError>`.
macro_rules! append_event {
    ($tx:expr, $number:expr, $seq:expr, $prev:expr, $actor:expr, $action:expr, $from:expr, $to:expr, $reason:expr, $version:expr, $detail_json:expr, $hash:expr) => {
        async {
            let actor: &Actor = $actor;
            let seq: i64 = $seq;
            let (detail_json, hash): (&str, &str) = ($detail_json, $hash);
            db::query(
                "INSERT INTO case_event (case_number, seq, at, actor, role, action, from_state, to_state, reason, item_version, detail, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind($number)
            .bind(seq)
            .bind(time::to_micros(actor.at))
            .bind(&actor.username)
            .bind(&actor.role)
            .bind($action)
            .bind($from)
            .bind($to)
            .bind($reason)
            .bind($version)
            .bind(detail_json)
            .bind($prev)
            .bind(hash)
            .execute(&mut *$tx)
            .await?;
            Ok::<(), StoreError>(())
        }
    };
}

/// The spec of an item version inside `$conn`'s transaction: from the store's cache, or read and
/// parsed once (a saved version never changes). Evaluates to a future of
/// `Result<Arc<ItemSpec>, StoreError>`.
macro_rules! spec_in_tx {
    ($conn:expr, $specs:expr, $code:expr, $version:expr) => {
        async {
            let (specs, code, version): (&crate::SpecCache, &str, u32) = ($specs, $code, $version);
            match specs.get(code, version) {
                Some(spec) => Ok::<_, StoreError>(spec),
                None => {
                    let json: String = db::query_scalar("SELECT spec FROM item_version WHERE code = $1 AND version = $2")
                        .bind(code)
                        .bind(i64::from(version))
                        .fetch_one(&mut *$conn)
                        .await?;
                    let spec: ItemSpec =
                        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("item {code}"), e.to_string()))?;
                    Ok(specs.keep(code, version, spec))
                }
            }
        }
    };
}

/// One event of a case's chain, as stored.
pub(crate) struct EventRow {
    pub(crate) seq: i64,
    pub(crate) action: &'static str,
    pub(crate) from: &'static str,
    pub(crate) to: &'static str,
    pub(crate) reason: String,
    pub(crate) detail: String,
    pub(crate) prev: String,
    pub(crate) hash: String,
}

/// What a [`Change`] writes into the case's row, and its events chained after the case's last
/// one: worked out once, written by either backend's statements.
pub(crate) struct CaseWrite {
    pub(crate) events: Vec<EventRow>,
    pub(crate) state: CaseState,
    pub(crate) seq: i64,
    pub(crate) hash: String,
    pub(crate) at: i64,
    pub(crate) accepted: bool,
    /// The actor becomes the first responsible (首问负责).
    pub(crate) first_responsible: bool,
    pub(crate) decided: bool,
    pub(crate) closed: bool,
    pub(crate) due_date: Option<String>,
    pub(crate) outcome: Option<&'static str>,
    pub(crate) reason: String,
    pub(crate) basis: String,
    pub(crate) refusal: (Option<String>, Option<String>),
    pub(crate) delivery: (Option<String>, Option<String>, Option<String>),
    pub(crate) deficiencies: Option<String>,
    pub(crate) corrections: Option<String>,
    pub(crate) rounds: i64,
    pub(crate) opinions: i64,
}

impl CaseWrite {
    pub(crate) fn of(case: &CaseRecord, change: &Change, actor: &Actor, clock: Option<&ClockColumns>) -> CaseWrite {
        let version = i64::from(case.item_version);
        let mut seq = case.last_event_seq;
        let mut hash = case.last_event_hash.clone();
        let mut events = Vec::with_capacity(change.events.len());
        for e in &change.events {
            seq += 1;
            let (action, from, to) = (e.action.code(), e.from.code(), e.to.code());
            let (detail, next) = chained_event(&hash, &case.number, seq, actor, action, from, to, &e.reason, version, &e.detail);
            let prev = std::mem::replace(&mut hash, next.clone());
            events.push(EventRow { seq, action, from, to, reason: e.reason.clone(), detail, prev, hash: next });
        }
        let state = change.state().unwrap_or(case.state);
        let (outcome, reason, basis) = match &change.decision {
            Some(d) => (Some(d.outcome.code()), d.reason.clone(), d.basis.clone()),
            None => (None, String::new(), String::new()),
        };
        CaseWrite {
            events,
            state,
            seq,
            hash,
            at: time::to_micros(actor.at),
            accepted: change.accepts(),
            first_responsible: change.makes_first_responsible(&case.first_clerk),
            decided: change.decision.is_some(),
            closed: state.is_final(),
            due_date: clock.and_then(|c| c.due_date.clone()).or_else(|| change.due_date.map(|d| d.to_string())),
            outcome,
            reason,
            basis,
            refusal: (change.refusal.as_ref().map(|r| r.reason.clone()), change.refusal.as_ref().map(|r| r.basis.clone())),
            delivery: (
                change.delivery.as_ref().map(|d| d.method.code().to_string()),
                change.delivery.as_ref().map(|d| d.courier.clone()),
                change.delivery.as_ref().map(|d| d.tracking_number.clone()),
            ),
            deficiencies: change.deficiencies.as_ref().map(|d| serde_json::to_string(d).expect("plain data")),
            corrections: change.corrections.as_ref().map(|c| serde_json::to_string(c).expect("plain data")),
            rounds: i64::from(case.correction_rounds) + i64::from(change.corrections.is_some()),
            opinions: i64::from(case.opinion_tasks) + change.tasks_opened.iter().filter(|t| t.kind == TaskKind::Opinion).count() as i64,
        }
    }

    /// The case's UPDATE, binding `$1`–`$30` as [`bind_case_update!`] does; guarded by the last
    /// event seen (`$23`). SQLite rewrites an index entry for every indexed column the SET names,
    /// changed or not, so there the state and clock columns are named only when they change
    /// (`set_state`, `set_clock`); a sqlx connection wants every bound argument used (both true).
    pub(crate) fn update_sql(set_state: bool, set_clock: bool) -> String {
        let set_state = if set_state { "state = $2, " } else { "" };
        let set_clock = if set_clock {
            "clock = COALESCE($24, clock), clock_state = COALESCE($25, clock_state), \
             legal_due_date = CASE WHEN $24 IS NULL THEN legal_due_date ELSE $26 END, extended_days = COALESCE($27, extended_days), \
             warning_level = COALESCE($28, warning_level), next_alarm_at = CASE WHEN $24 IS NULL THEN next_alarm_at ELSE $29 END, "
        } else {
            ""
        };
        format!(
            "UPDATE app_case SET {set_state}{set_clock}last_event_seq = $3, last_event_hash = $4, updated_at = $5, \
             accepted_at = CASE WHEN $6 THEN $5 ELSE accepted_at END, accepted_by = CASE WHEN $6 THEN $7 ELSE accepted_by END, \
             due_date = COALESCE($8, due_date), \
             decided_at = CASE WHEN $9 THEN $5 ELSE decided_at END, decided_by = CASE WHEN $9 THEN $7 ELSE decided_by END, \
             outcome = COALESCE($10, outcome), decision_reason = CASE WHEN $9 THEN $11 ELSE decision_reason END, \
             decision_basis = CASE WHEN $9 THEN $12 ELSE decision_basis END, \
             closed_at = CASE WHEN $13 AND closed_at IS NULL THEN $5 ELSE closed_at END, \
             refusal_reason = COALESCE($14, refusal_reason), refusal_basis = COALESCE($15, refusal_basis), \
             delivery_method = COALESCE($16, delivery_method), courier = COALESCE($17, courier), tracking_number = COALESCE($18, tracking_number), \
             deficiencies = COALESCE($19, deficiencies), corrections = COALESCE($20, corrections), correction_rounds = $21, opinion_tasks = $22, \
             first_clerk = CASE WHEN $30 THEN $7 ELSE first_clerk END \
             WHERE number = $1 AND last_event_seq = $23"
        )
    }
}

/// Binds `$1`–`$30` of [`CaseWrite::update_sql`] on a query of either backend.
macro_rules! bind_case_update {
    ($q:expr, $case:expr, $w:expr, $actor:expr, $clock:expr) => {{
        let (case, w, clock): (&CaseRecord, &crate::cases::CaseWrite, Option<&ClockColumns>) = ($case, $w, $clock);
        $q.bind(&case.number)
            .bind(w.state.code())
            .bind(w.seq)
            .bind(&w.hash)
            .bind(w.at)
            .bind(w.accepted)
            .bind(&$actor.username)
            .bind(&w.due_date)
            .bind(w.decided)
            .bind(w.outcome)
            .bind(&w.reason)
            .bind(&w.basis)
            .bind(w.closed)
            .bind(&w.refusal.0)
            .bind(&w.refusal.1)
            .bind(&w.delivery.0)
            .bind(&w.delivery.1)
            .bind(&w.delivery.2)
            .bind(&w.deficiencies)
            .bind(&w.corrections)
            .bind(w.rounds)
            .bind(w.opinions)
            .bind(case.last_event_seq)
            .bind(clock.map(|c| c.json.clone()))
            .bind(clock.map(|c| c.state))
            .bind(clock.and_then(|c| c.legal_due_date.clone()))
            .bind(clock.map(|c| c.extended_days))
            .bind(clock.map(|c| c.warning.code()))
            .bind(clock.and_then(|c| c.next_alarm_at))
            .bind(w.first_responsible)
    }};
}

/// Writes a [`Change`] inside `$tx` one statement after another (`$full`: see
/// [`CaseWrite::update_sql`]); evaluates to the case's row after it (of [`CASE_COLUMNS`]) and
/// the ids of the tasks it opened. PostgreSQL commands write the same in one statement
/// (`cases_pg`).
macro_rules! write_change {
    ($tx:expr, $full:expr, $case:expr, $change:expr, $actor:expr, $clock:expr) => {{
        let clock_columns: Option<&ClockColumns> = $clock;
        let case: &CaseRecord = $case;
        let change: &Change = $change;
        let actor: &Actor = $actor;
        let w = crate::cases::CaseWrite::of(case, change, actor, clock_columns);
        let at = w.at;
        let version = i64::from(case.item_version);
        for e in &w.events {
            append_event!($tx, &case.number, e.seq, &e.prev, actor, e.action, e.from, e.to, &e.reason, version, &e.detail, &e.hash).await?;
        }
        // The case as the command leaves it comes back from its one UPDATE.
        let sql = format!("{} RETURNING {CASE_COLUMNS}", crate::cases::CaseWrite::update_sql($full || w.state != case.state, $full || clock_columns.is_some()));
        let after = bind_case_update!(db::query(sqlx::AssertSqlSafe(sql)), case, &w, actor, clock_columns).fetch_optional(&mut *$tx).await?;
        let Some(after) = after else {
            return Err(StoreError::Stale(format!("case {} changed while the command ran", case.number)).into());
        };
        // What the core listed, and nothing else: no condition below decides anything (the
        // `IS NULL` guards keep an owner or a verification once recorded, as the row's own).
        if let Some(done) = &change.task_done {
            db::query("UPDATE task SET state = 'done', opinion = $2, comment = $3, completed_at = $4, completed_by = $5 WHERE id = $1")
                .bind(done.id)
                .bind(if done.opinion == onewindow_core::case::Opinion::Approve { "approve" } else { "reject" })
                .bind(&done.comment)
                .bind(at)
                .bind(&actor.username)
                .execute(&mut *$tx)
                .await?;
        }
        for id in &change.tasks_cancelled {
            db::query("UPDATE task SET state = 'cancelled', completed_at = $2 WHERE id = $1").bind(id).bind(at).execute(&mut *$tx).await?;
        }
        for id in &change.inspections_cancelled {
            db::query("UPDATE inspection SET state = 'cancelled', completed_at = $2 WHERE id = $1").bind(id).bind(at).execute(&mut *$tx).await?;
        }
        let mut new_tasks: Vec<i64> = Vec::with_capacity(change.tasks_opened.len());
        for t in &change.tasks_opened {
            let id: i64 = db::query_scalar(
                "INSERT INTO task (case_number, kind, name, department, seq, state, created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id",
            )
            .bind(&case.number)
            .bind(task_kind_code(t.kind))
            .bind(&t.name)
            .bind(&t.department)
            .bind(i64::from(t.seq))
            .bind(at)
            .fetch_one(&mut *$tx)
            .await?;
            new_tasks.push(id);
        }
        if let Some(i) = &change.inspection_ordered {
            db::query("INSERT INTO inspection (case_number, kind, departments, note, state, ordered_by, ordered_at) VALUES ($1, $2, $3, $4, 'open', $5, $6)")
                .bind(&case.number)
                .bind(crate::cases::inspection_kind_code(i.kind))
                .bind(serde_json::to_string(&i.departments).expect("plain data"))
                .bind(&i.note)
                .bind(&actor.username)
                .bind(at)
                .execute(&mut *$tx)
                .await?;
        }
        if let Some(i) = &change.inspection_done {
            db::query("UPDATE inspection SET state = 'done', findings = $2, passed = $3, photos = $4, completed_by = $5, completed_at = $6 WHERE id = $1")
                .bind(i.id)
                .bind(&i.findings)
                .bind(i.passed)
                .bind(serde_json::to_string(&i.photos).expect("plain data"))
                .bind(&actor.username)
                .bind(at)
                .execute(&mut *$tx)
                .await?;
        }
        for a in &change.materials_attached {
            db::query("UPDATE material SET owner_id_number = $1 WHERE id = $2 AND owner_id_number IS NULL")
                .bind(&case.applicant.id_number)
                .bind(a.material_id)
                .execute(&mut *$tx)
                .await?;
            db::query(
                "INSERT INTO case_material (case_number, requirement, material_id, source, attached_at) VALUES ($1, $2, $3, 'uploaded', $4) \
                 ON CONFLICT (case_number, requirement) DO UPDATE SET material_id = excluded.material_id, source = 'uploaded', attached_at = excluded.attached_at",
            )
            .bind(&case.number)
            .bind(&a.requirement)
            .bind(a.material_id)
            .bind(at)
            .execute(&mut *$tx)
            .await?;
        }
        for id in &change.materials_verified {
            db::query("UPDATE material SET verified_by = $1, verified_at = $2 WHERE id = $3 AND verified_at IS NULL")
                .bind(&actor.username)
                .bind(at)
                .bind(id)
                .execute(&mut *$tx)
                .await?;
        }
        (after, new_tasks)
    }};
}

/// What a command is decided on, from the case's row and its open tasks, materials given
/// (requirement, material) and inspections.
pub(crate) fn case_file(
    case: &CaseRecord,
    item: ItemSpec,
    tasks: &[(i64, String, String, String, i64)],
    materials: &[(String, i64)],
    inspections: &[(i64, String)],
) -> CaseFile {
    let mut materials: Vec<Attachment> =
        materials.iter().map(|(requirement, id)| Attachment { requirement: requirement.clone(), material_id: *id }).collect();
    materials.sort_by(|a, b| a.requirement.cmp(&b.requirement));
    CaseFile {
        clock: case.clock.clone(),
        warning: case.warning_level,
        state: case.state,
        commitment_signed: case.form.get("commitment").and_then(|v| v.as_bool()).unwrap_or(false),
        item,
        materials,
        deficiencies: case.deficiencies.clone(),
        correction_rounds: case.correction_rounds,
        open_tasks: tasks
            .iter()
            .map(|(id, kind, name, department, seq)| OpenTask {
                id: *id,
                kind: task_kind(kind),
                name: name.clone(),
                department: department.clone(),
                seq: u32::try_from(*seq).unwrap_or(0),
            })
            .collect(),
        opinion_tasks_opened: case.opinion_tasks,
        open_inspection: inspections.iter().find(|(_, s)| s == "open").map(|(id, _)| *id),
        inspections_done: inspections.iter().filter(|(_, s)| s == "done").count() as u32,
    }
}

/// The open tasks after a change: those before, less the one it completed and those it
/// cancelled, and the ones it opened (`new_tasks`). Oldest first.
pub(crate) fn open_tasks_after(file: &CaseFile, change: &Change, new_tasks: Vec<i64>) -> Vec<i64> {
    let done = change.task_done.as_ref().map(|t| t.id);
    let mut open: Vec<i64> = file
        .open_tasks
        .iter()
        .map(|t| t.id)
        .filter(|id| Some(*id) != done && !change.tasks_cancelled.contains(id))
        .chain(new_tasks)
        .collect();
    open.sort_unstable();
    open
}

/// Runs a command inside the SQLite committer's open transaction on `$conn`: load the case
/// file, let the core decide, write the change. Evaluates to a future of
/// `Result<Acted, CommandError>` with the case after the change and its open tasks. Expects
/// `use crate::lite as db` at the call site. (PostgreSQL commands: `cases_pg`.)
macro_rules! command_in_tx {
    ($conn:expr, $specs:expr, $number:expr, $command:expr, $actor:expr, $role:expr, $user_id:expr, $department:expr, $today:expr, $calendar:expr) => {
        async {
            let specs: &crate::SpecCache = $specs;
            let calendar: &Calendar = $calendar;

            let sql = sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM app_case WHERE number = $1"));
            let Some(row) = db::query(sql).bind($number).fetch_optional(&mut *$conn).await? else {
                return Err(StoreError::NotFound(format!("办件 {}", $number)).into());
            };
            let case: CaseRecord = case_from_row!(row);
            let item: ItemSpec = (*spec_in_tx!($conn, specs, &case.item_code, case.item_version).await?).clone();
            // Open tasks, materials given and inspections, in one statement.
            let rows: Vec<(String, i64, String, String, String, i64)> = db::query_as(
                "SELECT 't', id, kind, name, department, seq FROM task WHERE case_number = $1 AND state = 'open' \
                 UNION ALL SELECT 'm', material_id, requirement, '', '', CAST(0 AS BIGINT) FROM case_material WHERE case_number = $1 \
                 UNION ALL SELECT 'i', id, state, '', '', CAST(0 AS BIGINT) FROM inspection WHERE case_number = $1 \
                 ORDER BY 1, 2",
            )
            .bind($number)
            .fetch_all(&mut *$conn)
            .await?;
            let mut tasks: Vec<(i64, String, String, String, i64)> = Vec::new();
            let mut materials: Vec<(String, i64)> = Vec::new();
            let mut inspections: Vec<(i64, String)> = Vec::new();
            for (what, id, a, b, c, seq) in rows {
                match what.as_str() {
                    "t" => tasks.push((id, a, b, c, seq)),
                    "m" => materials.push((a, id)),
                    _ => inspections.push((id, a)),
                }
            }
            let may_decide = if $command.needs_authority() {
                let n: i64 = db::query_scalar(AUTHORITY_COUNT)
                    .bind($user_id)
                    .bind(&case.handling_department)
                    .bind($today.to_string())
                    .fetch_one(&mut *$conn)
                    .await?;
                n > 0
            } else {
                false
            };
            let file = case_file(&case, item, &tasks, &materials, &inspections);
            let time = crate::time::beijing($actor.at).time();
            let ctx = Context { role: $role, today: $today, time, calendar, may_decide, department: $department };
            let change = execute(&file, $command, &ctx)?;
            let clock = clock_columns(&change, case.warning_level, calendar, $today)?;
            let (row, new_tasks) = write_change!($conn, false, &case, &change, $actor, clock.as_ref());
            Ok::<Acted, CommandError>(Acted::of(case_from_row!(row), &file, &change, new_tasks))
        }
    };
}

/// How many delegations give user `$1` authority over department `$2`'s items on day `$3`.
pub(crate) const AUTHORITY_COUNT: &str = "SELECT COUNT(*) FROM delegation WHERE user_id = $1 AND (department IS NULL OR department = $2) \
     AND valid_from <= $3 AND (valid_until IS NULL OR valid_until >= $3)";

/// Whether the submitter of `c` may attach material `id`, found with its uploader and owner (the
/// rule: `case::may_attach`).
pub(crate) fn may_attach(c: &NewCase<'_>, id: i64, found: Option<(i64, Option<String>)>) -> Result<()> {
    match found {
        Some((uploader, owner))
            if onewindow_core::case::may_attach(
                c.any_material,
                c.applicant_user_id,
                &c.applicant.id_number,
                uploader,
                owner.as_deref(),
            ) =>
        {
            Ok(())
        }
        _ => Err(StoreError::Rejected(format!("材料{id}不存在或不属于该申请人"))),
    }
}

/// A stored material read as a candidate for reuse: its type, whether verified, its last valid
/// day as stored (`YYYY-MM-DD`, if it expires).
pub(crate) fn reuse_candidate(id: i64, kind: String, verified: bool, valid_until: Option<&str>) -> Result<ReuseCandidate> {
    let valid_until = match valid_until {
        Some(d) => Some(d.parse().map_err(|_| StoreError::Corrupt(format!("material {id}"), "valid_until".into()))?),
        None => None,
    };
    Ok(ReuseCandidate { id, kind, verified, valid_until })
}

/// The materials of a new case: those given, then those reused (chosen by the core among the
/// applicant's `candidates`).
pub(crate) fn submitted_materials(c: &NewCase<'_>, candidates: &[ReuseCandidate]) -> Vec<SubmittedMaterial> {
    let wanted = onewindow_core::case::reuse_wanted(c.item, c.materials);
    let given = c.materials.iter().map(|a| SubmittedMaterial {
        requirement: a.requirement.clone(),
        material_id: a.material_id,
        source: MaterialSource::Uploaded,
    });
    given.chain(onewindow_core::case::choose_reuse(&wanted, candidates, c.today)).collect()
}

/// A new case's first event (`submit`): its detail as stored and its hash.
pub(crate) fn first_event(c: &NewCase<'_>, number: &str, actor: &Actor, attached: &[SubmittedMaterial]) -> (String, String) {
    let detail = serde_json::json!({
        "channel": c.channel.code(),
        "agent": c.agent,
        "materials": attached
            .iter()
            .map(|m| serde_json::json!({"requirement": m.requirement, "material_id": m.material_id, "source": m.source.code()}))
            .collect::<Vec<_>>(),
    });
    chained_event(
        crate::audit::GENESIS_HASH,
        number,
        1,
        actor,
        "submit",
        "",
        CaseState::Submitted.code(),
        "",
        i64::from(c.item_version),
        &detail,
    )
}

/// A new case's row; `$1`–`$22` bound by [`bind_case_insert!`].
pub(crate) const CASE_INSERT: &str = "INSERT INTO app_case (number, query_code, item_code, item_version, item_name, handling_department, \
     applicant_kind, applicant_name, applicant_id, applicant_phone, applicant_address, applicant_user_id, channel, agent, service_point_id, \
     first_clerk, form, state, submitted_at, submitted_date, idempotency_key, last_event_seq, last_event_hash, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 1, $22, $19)";

/// Binds `$1`–`$22` of [`CASE_INSERT`] on a query of either backend: the case of application
/// `$c` numbered `$number`, submitted at `$at` (µs) on `$day`, pointing at its first event `$hash`.
macro_rules! bind_case_insert {
    ($q:expr, $c:expr, $number:expr, $at:expr, $day:expr, $hash:expr) => {{
        let c: &NewCase<'_> = $c;
        $q.bind($number)
            .bind(c.query_code)
            .bind(&c.item.code)
            .bind(i64::from(c.item_version))
            .bind(&c.item.name)
            .bind(&c.item.handling_department)
            .bind(if c.applicant.kind == ApplicantKind::Organisation { "organisation" } else { "person" })
            .bind(&c.applicant.name)
            .bind(&c.applicant.id_number)
            .bind(&c.applicant.phone)
            .bind(&c.applicant.address)
            .bind(c.applicant_user_id)
            .bind(c.channel.code())
            .bind(c.agent)
            .bind(c.service_point_id)
            .bind(c.first_clerk)
            .bind(serde_json::to_string(c.form).expect("form serialises"))
            .bind(CaseState::Submitted.code())
            .bind($at)
            .bind($day)
            .bind(c.idempotency_key)
            .bind($hash)
    }};
}

/// Stores an application inside the SQLite committer's open transaction on `$conn`; evaluates
/// to a future of `Result<Submitted>`. Expects `use crate::lite as db` at the call site.
/// (PostgreSQL submissions: `cases_pg`.)
macro_rules! submit_in_tx {
    ($conn:expr, $case:expr, $actor:expr) => {
        async {
            let c: &NewCase<'_> = $case;
            let actor: &Actor = $actor;

            if let Some(key) = c.idempotency_key {
                let found: Option<(String, String, String)> =
                    db::query_as("SELECT number, query_code, state FROM app_case WHERE idempotency_key = $1")
                        .bind(key)
                        .fetch_optional(&mut *$conn)
                        .await?;
                if let Some((number, query_code, state)) = found {
                    let state = CaseState::parse(&state).ok_or_else(|| StoreError::Corrupt(number.clone(), "state".into()))?;
                    return Ok(Submitted { number, query_code, state, created: false, attached: None });
                }
            }
            let day = c.today.to_string();
            // Materials: the caller's own uploads (a window clerk may attach any). Checked before
            // anything is written, so that a refusal leaves nothing to undo.
            for a in c.materials {
                let owner: Option<(i64, Option<String>)> = db::query_as("SELECT uploaded_by, owner_id_number FROM material WHERE id = $1")
                    .bind(a.material_id)
                    .fetch_optional(&mut *$conn)
                    .await?;
                may_attach(c, a.material_id, owner)?;
            }
            // The day's next number, taken in the transaction: the single committer has no
            // contention on it, and a refused submission leaves no gap.
            let seq: i64 = db::query_scalar(
                "INSERT INTO case_sequence (region_code, day, last) VALUES ($1, $2, 1) \
                 ON CONFLICT (region_code, day) DO UPDATE SET last = case_sequence.last + 1 RETURNING last",
            )
            .bind(c.region_code)
            .bind(&day)
            .fetch_one(&mut *$conn)
            .await?;
            let number = CaseNumber::new(c.region_code, c.today, u32::try_from(seq).unwrap_or(u32::MAX))
                .map_err(|e| StoreError::Rejected(format!("办件编号无法生成：{e}")))?
                .to_string();
            // The materials given belong to the applicant from now on.
            for a in c.materials {
                db::query("UPDATE material SET owner_id_number = $1 WHERE id = $2 AND owner_id_number IS NULL")
                    .bind(&c.applicant.id_number)
                    .bind(a.material_id)
                    .execute(&mut *$conn)
                    .await?;
            }
            // Materials once: the applicant's stored materials of the types the application
            // leaves out, of which the core reuses the newest verified, valid one.
            let mut candidates: Vec<ReuseCandidate> = Vec::new();
            for (_, kind) in onewindow_core::case::reuse_wanted(c.item, c.materials) {
                let rows: Vec<(i64, String, bool, Option<String>)> = db::query_as(
                    "SELECT id, kind, verified_at IS NOT NULL, valid_until FROM material WHERE owner_id_number = $1 AND kind = $2",
                )
                .bind(&c.applicant.id_number)
                .bind(kind)
                .fetch_all(&mut *$conn)
                .await?;
                for (id, kind, verified, valid_until) in rows {
                    candidates.push(reuse_candidate(id, kind, verified, valid_until.as_deref())?);
                }
            }
            let attached = submitted_materials(c, &candidates);
            let at = time::to_micros(actor.at);
            let version = i64::from(c.item_version);
            let (first_detail, first_hash) = first_event(c, &number, actor, &attached);
            bind_case_insert!(db::query(CASE_INSERT), c, &number, at, &day, &first_hash).execute(&mut *$conn).await?;
            // The case row exists before its first event (the event references it) and already
            // points at it: the hash does not depend on the row.
            append_event!(
                $conn,
                &number,
                1,
                crate::audit::GENESIS_HASH,
                actor,
                "submit",
                "",
                CaseState::Submitted.code(),
                "",
                version,
                &first_detail,
                &first_hash
            )
            .await?;
            for m in &attached {
                db::query(
                    "INSERT INTO case_material (case_number, requirement, material_id, source, attached_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&number)
                .bind(&m.requirement)
                .bind(m.material_id)
                .bind(m.source.code())
                .bind(at)
                .execute(&mut *$conn)
                .await?;
            }
            let attached = Some(attached.into_iter().map(|m| m.requirement).collect());
            Ok::<Submitted, StoreError>(Submitted {
                number,
                query_code: c.query_code.to_string(),
                state: CaseState::Submitted,
                created: true,
                attached,
            })
        }
    };
}

impl Store {
    /// Stores a material once per uploader, content and type; an identical upload returns the
    /// existing record.
    pub async fn store_material(&self, m: &NewMaterial<'_>, at: jiff::Timestamp) -> Result<MaterialMeta> {
        let sha = hex::encode(Sha256::digest(m.content));
        let id: i64 = with_writer!(self, pool => {
            let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM material WHERE uploaded_by = $1 AND sha256 = $2 AND kind = $3")
                .bind(m.uploaded_by)
                .bind(&sha)
                .bind(m.kind)
                .fetch_optional(pool)
                .await?;
            match existing {
                Some(id) => id,
                None => sqlx::query_scalar(
                    "INSERT INTO material (uploaded_by, kind, file_name, content_type, size_bytes, sha256, content, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(m.uploaded_by)
                .bind(m.kind)
                .bind(m.file_name)
                .bind(m.content_type)
                .bind(m.content.len() as i64)
                .bind(&sha)
                .bind(m.content)
                .bind(time::to_micros(at))
                .fetch_one(pool)
                .await?,
            }
        });
        self.material(id).await?.ok_or_else(|| StoreError::NotFound(format!("material {id}")))
    }

    /// A material's record.
    pub async fn material(&self, id: i64) -> Result<Option<MaterialMeta>> {
        let row: Option<MaterialRow> = with_reader!(self, pool => {
            sqlx::query_as(
                "SELECT id, kind, file_name, content_type, size_bytes, sha256, uploaded_by, owner_id_number, verified_by FROM material WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(id, kind, file_name, content_type, size_bytes, sha256, uploaded_by, owner_id_number, verified_by)| MaterialMeta {
            id,
            kind,
            file_name,
            content_type,
            size_bytes,
            sha256,
            uploaded_by,
            owner_id_number,
            verified_by,
        }))
    }

    /// A material's bytes.
    pub async fn material_content(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(with_reader!(self, pool => {
            sqlx::query_scalar("SELECT content FROM material WHERE id = $1").bind(id).fetch_optional(pool).await?
        }))
    }

    /// Stores an application: a new case in state `submitted` with its first event, its
    /// materials, and verified materials of the same applicant reused where the item needs
    /// them. A repeated idempotency key returns the first case instead of a second one.
    pub async fn submit_case(&self, c: &NewCase<'_>, actor: &Actor) -> Result<Submitted> {
        match &*self.db {
            Db::Sqlite { group, .. } => {
                let owned = OwnedNewCase::of(c);
                let actor = actor.clone();
                let (answer, answered) = tokio::sync::oneshot::channel::<Result<Submitted>>();
                let work: crate::group::Job = Box::new(move |conn| {
                    use crate::lite as db;
                    let c = owned.borrow();
                    let result = db::ready(submit_in_tx!(conn, &c, &actor));
                    let keep = result.is_ok();
                    let reply: crate::group::Reply = Box::new(move |commit| {
                        let _ = answer.send(match commit {
                            Ok(()) => result,
                            Err(e) => Err(StoreError::Unavailable(e)),
                        });
                    });
                    (keep, reply)
                });
                group.submit(work).await.map_err(StoreError::Unavailable)?;
                answered.await.map_err(|_| StoreError::Unavailable("the submission was not committed".into()))?
            }
            Db::Postgres(pool) => self.submit_case_pg(pool, c, actor).await,
        }
    }

    /// A case.
    pub async fn case(&self, number: &str) -> Result<Option<CaseRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM app_case WHERE number = $1"));
        let found = with_reader!(self, pool => {
            match sqlx::query(sql).bind(number).fetch_optional(pool).await? {
                Some(r) => Some(case_from_row!(r)),
                None => None,
            }
        });
        Ok(found)
    }

    /// Runs a command on a case in one transaction: load the case file, let the core decide,
    /// write state, events (hash-chained), tasks, inspections and materials. Returns the case after
    /// and its open tasks.
    ///
    /// On SQLite the command joins the group commit: it runs under a savepoint in the batch's
    /// transaction and is answered after the batch's one durable commit.
    pub async fn run_command(&self, number: &str, command: &Command, cx: &CommandContext<'_>) -> Result<Acted, CommandError> {
        let acted = match &*self.db {
            Db::Sqlite { group, .. } => {
                let job = OwnedCommand {
                    number: number.to_string(),
                    command: command.clone(),
                    actor: cx.actor.clone(),
                    role: cx.role,
                    user_id: cx.user_id,
                    department: cx.department.map(String::from),
                    today: cx.today,
                    calendar: cx.calendar.clone(),
                    specs: self.specs.clone(),
                };
                let (answer, answered) = tokio::sync::oneshot::channel::<Result<Acted, CommandError>>();
                let work: crate::group::Job = Box::new(move |conn| {
                    use crate::lite as db;
                    let j = job;
                    let result = db::ready(command_in_tx!(
                        conn,
                        &j.specs,
                        &j.number,
                        &j.command,
                        &j.actor,
                        j.role,
                        j.user_id,
                        j.department.as_deref(),
                        j.today,
                        &j.calendar
                    ));
                    let keep = result.is_ok();
                    let reply: crate::group::Reply = Box::new(move |commit| {
                        let _ = answer.send(match commit {
                            Ok(()) => result,
                            Err(e) => Err(StoreError::Unavailable(e).into()),
                        });
                    });
                    (keep, reply)
                });
                group.submit(work).await.map_err(StoreError::Unavailable)?;
                answered.await.map_err(|_| StoreError::Unavailable("the command was not committed".into()))?
            }
            Db::Postgres(pool) => self.run_command_pg(pool, number, command, cx).await,
        }?;
        self.owners.put(acted.opened.iter().map(|(id, kind)| (*id, (number.to_string(), *kind))));
        Ok(acted)
    }
}

/// An application with everything it needs, owned, for the group committer.
struct OwnedNewCase {
    item: ItemSpec,
    item_version: u32,
    applicant: Applicant,
    applicant_user_id: Option<i64>,
    channel: Channel,
    agent: String,
    service_point_id: Option<i64>,
    first_clerk: String,
    form: serde_json::Value,
    materials: Vec<Attachment>,
    idempotency_key: Option<String>,
    query_code: String,
    region_code: String,
    today: jiff::civil::Date,
    any_material: bool,
}

impl OwnedNewCase {
    fn of(c: &NewCase<'_>) -> OwnedNewCase {
        OwnedNewCase {
            item: c.item.clone(),
            item_version: c.item_version,
            applicant: c.applicant.clone(),
            applicant_user_id: c.applicant_user_id,
            channel: c.channel,
            agent: c.agent.to_string(),
            service_point_id: c.service_point_id,
            first_clerk: c.first_clerk.to_string(),
            form: c.form.clone(),
            materials: c.materials.to_vec(),
            idempotency_key: c.idempotency_key.map(String::from),
            query_code: c.query_code.to_string(),
            region_code: c.region_code.to_string(),
            today: c.today,
            any_material: c.any_material,
        }
    }

    fn borrow(&self) -> NewCase<'_> {
        NewCase {
            item: &self.item,
            item_version: self.item_version,
            applicant: &self.applicant,
            applicant_user_id: self.applicant_user_id,
            channel: self.channel,
            agent: &self.agent,
            service_point_id: self.service_point_id,
            first_clerk: &self.first_clerk,
            form: &self.form,
            materials: &self.materials,
            idempotency_key: self.idempotency_key.as_deref(),
            query_code: &self.query_code,
            region_code: &self.region_code,
            today: self.today,
            any_material: self.any_material,
        }
    }
}

/// A command with everything it needs, owned, for the group committer.
struct OwnedCommand {
    number: String,
    command: Command,
    actor: Actor,
    role: Role,
    user_id: i64,
    department: Option<String>,
    today: jiff::civil::Date,
    calendar: std::sync::Arc<Calendar>,
    specs: crate::SpecCache,
}

/// The case columns that follow from its clock.
pub(crate) struct ClockColumns {
    pub(crate) json: String,
    pub(crate) state: &'static str,
    pub(crate) due_date: Option<String>,
    pub(crate) legal_due_date: Option<String>,
    pub(crate) extended_days: i64,
    pub(crate) warning: WarningLevel,
    pub(crate) next_alarm_at: Option<i64>,
}

/// Why the clock columns cannot be worked out: the calendar does not cover the dates.
fn calendar_gap(e: onewindow_core::calendar::CalendarError) -> CommandError {
    CommandError::Case(CaseError::NotReady(format!("工作日历尚未覆盖该日期（{e}）"), format!("the calendar does not cover the date: {e}")))
}

/// The clock columns to write after `change`, when its clock changed (the core's summary).
pub(crate) fn clock_columns(
    change: &Change,
    raised: WarningLevel,
    calendar: &Calendar,
    today: jiff::civil::Date,
) -> Result<Option<ClockColumns>, CommandError> {
    let summary = change.clock_summary(raised, calendar, today).map_err(calendar_gap)?;
    Ok(change.clock.as_ref().zip(summary).map(|(clock, summary)| ClockColumns::of(clock, &summary)))
}

/// The clock columns of `clock` with `warning` raised, as of `today` (the core's summary).
pub(crate) fn clock_columns_of(
    clock: &CaseClock,
    warning: WarningLevel,
    calendar: &Calendar,
    today: jiff::civil::Date,
) -> Result<ClockColumns, CommandError> {
    let summary = clock.summary(calendar, warning, today).map_err(calendar_gap)?;
    Ok(ClockColumns::of(clock, &summary))
}

impl ClockColumns {
    /// The columns of `clock` and its `summary`, as stored.
    pub(crate) fn of(clock: &CaseClock, summary: &ClockSummary) -> ClockColumns {
        ClockColumns {
            json: serde_json::to_string(clock).expect("plain data"),
            state: summary.state.code(),
            due_date: Some(summary.due_date.to_string()),
            legal_due_date: summary.legal_due_date.map(|d| d.to_string()),
            extended_days: i64::from(summary.extended_days),
            warning: summary.warning,
            next_alarm_at: summary.next_alarm.map(|d| crate::time::to_micros(crate::time::beijing_midnight(d))),
        }
    }
}

/// The code of an inspection mode in the database.
pub(crate) fn inspection_kind_code(kind: onewindow_core::case::InspectionKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

pub(crate) fn task_kind(code: &str) -> TaskKind {
    match code {
        "opinion" => TaskKind::Opinion,
        "post_check" => TaskKind::PostCheck,
        _ => TaskKind::Step,
    }
}

/// The code of a task kind.
pub fn task_kind_code(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::Step => "step",
        TaskKind::Opinion => "opinion",
        TaskKind::PostCheck => "post_check",
    }
}
