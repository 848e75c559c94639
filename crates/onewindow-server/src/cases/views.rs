//! What the case API answers, owned by the server so that the OpenAPI document describes
//! every field, and the one place where personal data is masked for readers who may not
//! see it ([`onewindow_core::mask`]; who may is [`Permission::SeePersonalData`] in core's table).

use crate::web::auth::CurrentUser;
use onewindow_core::calendar::Calendar;
use onewindow_core::case::clock::{Explanation, WarningLevel};
use onewindow_core::case::{
    Applicant, CaseState, Channel, Correction, Deficiency, DeliveryMethod, InspectionKind, Opinion, Outcome, TaskKind,
};
use onewindow_core::role::Permission;
use onewindow_store::{CaseMaterial, CaseRecord, InspectionRecord, TaskRecord};
use serde::Serialize;

/// Whether `reader` sees the personal data of `case` in full: its own applicant, or a role
/// that holds [`Permission::SeePersonalData`] (the window and the case's handlers). Reading
/// the case at all was checked before (`service::may_read`).
pub fn sees_personal_data(reader: &CurrentUser, case: &CaseRecord) -> bool {
    case.applicant_user_id == Some(reader.user.id) || reader.can(Permission::SeePersonalData)
}

/// The applicant as `reader` may see them.
pub fn applicant_for(reader: &CurrentUser, case: &CaseRecord) -> Applicant {
    if sees_personal_data(reader, case) { case.applicant.clone() } else { onewindow_core::mask::applicant(&case.applicant) }
}

fn code<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(raw.to_string())).ok()
}

/// A case as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// Case number (办件编号).
    pub number: String,
    /// Query code printed on notices, to track the case at `/track`.
    pub query_code: String,
    /// Item code.
    pub item_code: String,
    /// The item version the case runs under.
    pub item_version: u32,
    /// Item name.
    pub item_name: String,
    /// Code of the department that handles the case.
    pub handling_department: String,
    /// The applicant; identity number, phone and address masked unless the reader may see them.
    pub applicant: Applicant,
    /// How it was submitted.
    pub channel: Channel,
    /// For agent applications: who applied on the applicant's behalf.
    pub agent: String,
    /// Service point the application went to.
    pub service_point_id: Option<i64>,
    /// The clerk responsible at the window (首问负责), by username.
    pub first_clerk: String,
    /// Form data of the application.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// State.
    pub state: CaseState,
    /// Chinese label of the state.
    pub state_label: String,
    /// Submitted (RFC 3339).
    #[schema(format = DateTime)]
    pub submitted_at: String,
    /// Accepted (RFC 3339).
    #[schema(format = DateTime)]
    pub accepted_at: Option<String>,
    /// Who accepted it.
    pub accepted_by: String,
    /// Promised due date (YYYY-MM-DD).
    #[schema(format = Date)]
    pub due_date: Option<String>,
    /// Legal due date (YYYY-MM-DD).
    #[schema(format = Date)]
    pub legal_due_date: Option<String>,
    /// Set when the due date or the legal due date is counted provisionally (暂按法定节假日计算):
    /// the first year whose holiday schedule is not published yet. They are recomputed when it is.
    pub provisional_year: Option<i16>,
    /// Decided (RFC 3339).
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
    /// Closed (RFC 3339).
    #[schema(format = DateTime)]
    pub closed_at: Option<String>,
    /// The decision.
    pub outcome: Option<Outcome>,
    /// Reasons of the decision.
    pub decision_reason: String,
    /// Legal basis of the decision.
    pub decision_basis: String,
    /// Who decided.
    pub decided_by: String,
    /// Reason of a refusal to accept.
    pub refusal_reason: String,
    /// Legal basis of a refusal to accept.
    pub refusal_basis: String,
    /// How the result goes out, once delivered.
    pub delivery_method: Option<DeliveryMethod>,
    /// Courier of an express delivery.
    pub courier: String,
    /// Tracking number of an express delivery.
    pub tracking_number: String,
    /// Materials accepted as missing (容缺), with their deadlines.
    pub deficiencies: Vec<Deficiency>,
    /// The corrections of the last correction notice.
    pub corrections: Vec<Correction>,
    /// Correction notices issued so far.
    pub correction_rounds: u32,
    /// The highest warning raised.
    pub warning_level: WarningLevel,
    /// Sequence number of the case's last event in its log (`/events`).
    pub last_event_seq: i64,
    /// When the warning level next rises (RFC 3339), while the clock runs: when the
    /// supervision worker looks at the case again.
    #[schema(format = DateTime)]
    pub next_alarm_at: Option<String>,
    /// Required materials still without a material.
    pub missing: Vec<String>,
    /// Tasks, open and done.
    pub tasks: Vec<TaskView>,
    /// Materials given.
    pub materials: Vec<MaterialView>,
    /// Site inspections.
    pub inspections: Vec<InspectionView>,
    /// Documents that can be printed, as `kind`s for `/documents/{kind}.pdf`.
    pub documents: Vec<String>,
    /// The time limit as of today (days used and remaining, warning level, why the due
    /// date), once accepted.
    pub time_limit: Option<Explanation>,
}

/// A task of a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    /// Identifier.
    pub id: i64,
    /// Case number.
    pub case_number: String,
    /// Kind.
    pub kind: TaskKind,
    /// Name (the step's, or 联审意见).
    pub name: String,
    /// Code of the department that holds it.
    pub department: String,
    /// Position among the item's steps (step tasks), else 0.
    pub seq: i64,
    /// `open`, `done` or `cancelled`.
    pub state: String,
    /// The opinion given.
    pub opinion: Option<Opinion>,
    /// Comment given.
    pub comment: String,
    /// Opened (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Completed (RFC 3339).
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    /// Who completed it.
    pub completed_by: String,
    /// Item name of the case.
    pub item_name: String,
    /// Applicant's name.
    pub applicant_name: String,
    /// Promised due date of the case.
    #[schema(format = Date)]
    pub due_date: Option<String>,
    /// The case's highest warning.
    pub warning_level: String,
}

impl From<TaskRecord> for TaskView {
    fn from(t: TaskRecord) -> TaskView {
        TaskView {
            id: t.id,
            case_number: t.case_number,
            kind: t.kind,
            name: t.name,
            department: t.department,
            seq: t.seq,
            state: t.state,
            opinion: t.opinion.as_deref().and_then(code),
            comment: t.comment,
            created_at: t.created_at,
            completed_at: t.completed_at,
            completed_by: t.completed_by,
            item_name: t.item_name,
            applicant_name: t.applicant_name,
            due_date: t.due_date,
            warning_level: t.warning_level,
        }
    }
}

/// A material given for a requirement of the case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MaterialView {
    /// The requirement it satisfies.
    pub requirement: String,
    /// The stored material (`/materials/{id}`).
    pub material_id: i64,
    /// `uploaded` or `reused`.
    pub source: String,
    /// File name.
    pub file_name: String,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Who verified it at acceptance.
    pub verified_by: Option<String>,
}

impl From<CaseMaterial> for MaterialView {
    fn from(m: CaseMaterial) -> MaterialView {
        MaterialView {
            requirement: m.requirement,
            material_id: m.material_id,
            source: m.source,
            file_name: m.file_name,
            sha256: m.sha256,
            verified_by: m.verified_by,
        }
    }
}

/// A site inspection (现场核查).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InspectionView {
    /// Identifier.
    pub id: i64,
    /// Mode.
    pub kind: Option<InspectionKind>,
    /// Departments taking part or commissioned.
    pub departments: Vec<String>,
    /// What to check.
    pub note: String,
    /// `open`, `done` or `cancelled`.
    pub state: String,
    /// Who ordered it.
    pub ordered_by: String,
    /// Ordered (RFC 3339).
    #[schema(format = DateTime)]
    pub ordered_at: String,
    /// Findings.
    pub findings: String,
    /// Whether the site meets the conditions.
    pub passed: Option<bool>,
    /// Photos, as material ids.
    pub photos: Vec<i64>,
    /// Who recorded the findings.
    pub completed_by: String,
}

impl From<InspectionRecord> for InspectionView {
    fn from(i: InspectionRecord) -> InspectionView {
        InspectionView {
            id: i.id,
            kind: code(&i.kind),
            departments: i.departments,
            note: i.note,
            state: i.state,
            ordered_by: i.ordered_by,
            ordered_at: i.ordered_at,
            findings: i.findings,
            passed: i.passed,
            photos: i.photos,
            completed_by: i.completed_by,
        }
    }
}

impl CaseView {
    /// The case with everything around it, as `reader` may see it.
    pub fn of(reader: &CurrentUser, d: super::service::CaseDetail, calendar: &Calendar) -> CaseView {
        let applicant = applicant_for(reader, &d.case);
        let c = d.case;
        CaseView {
            provisional_year: onewindow_core::case::clock::provisional_year(calendar, [c.due_date, c.legal_due_date]),
            applicant,
            state_label: c.state.label_zh().into(),
            channel: c.channel,
            outcome: c.outcome,
            delivery_method: c.delivery_method,
            number: c.number,
            query_code: c.query_code,
            item_code: c.item_code,
            item_version: c.item_version,
            item_name: c.item_name,
            handling_department: c.handling_department,
            agent: c.agent,
            service_point_id: c.service_point_id,
            first_clerk: c.first_clerk,
            form: c.form,
            state: c.state,
            submitted_at: c.submitted_at.to_string(),
            accepted_at: c.accepted_at.map(|t| t.to_string()),
            accepted_by: c.accepted_by,
            due_date: c.due_date.map(|d| d.to_string()),
            legal_due_date: c.legal_due_date.map(|d| d.to_string()),
            decided_at: c.decided_at.map(|t| t.to_string()),
            closed_at: c.closed_at.map(|t| t.to_string()),
            decision_reason: c.decision_reason,
            decision_basis: c.decision_basis,
            decided_by: c.decided_by,
            refusal_reason: c.refusal_reason,
            refusal_basis: c.refusal_basis,
            courier: c.courier,
            tracking_number: c.tracking_number,
            deficiencies: c.deficiencies,
            corrections: c.corrections,
            correction_rounds: c.correction_rounds,
            warning_level: c.warning_level,
            next_alarm_at: c.next_alarm_at.map(|t| t.to_string()),
            last_event_seq: c.last_event_seq,
            missing: d.missing,
            tasks: d.tasks.into_iter().map(TaskView::from).collect(),
            materials: d.materials.into_iter().map(MaterialView::from).collect(),
            inspections: d.inspections.into_iter().map(InspectionView::from).collect(),
            documents: d.documents,
            time_limit: d.time_limit,
        }
    }
}
