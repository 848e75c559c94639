//! Demo cases for a first start: applications accepted on earlier days, so that the window,
//! the inboxes and the e-supervision centre show running cases at every warning level (one
//! on time, one yellow, one due today, one overdue) and one with its clock paused.

use onewindow_core::calendar::Calendar;
use onewindow_core::case::clock::{CaseClock, PauseKind, WarningLevel};
use onewindow_core::case::{Applicant, ApplicantKind, Attachment, Channel, Command};
use onewindow_core::role::Role;
use onewindow_store::{Actor, CommandContext, NewCase, NewMaterial, Store, StoreError};

/// The item of the demo cases (handled by the approval bureau, 20 promised working days).
pub const DEMO_CASE_ITEM: &str = "林木采伐许可证核发";

/// Why demo cases could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DemoCaseError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A command was refused.
    #[error("{0}")]
    Command(String),
}

/// The latest working day on or before `today` at 10:00 whose acceptance puts the case at
/// `level` today, searching back at most 90 days.
fn accepted_for(
    calendar: &Calendar,
    today: jiff::civil::Date,
    promised: u32,
    legal: u32,
    level: WarningLevel,
) -> Option<jiff::civil::Date> {
    let mut day = today;
    for _ in 0..90 {
        if calendar.is_working_day(day) && calendar.covers(day) {
            let clock = CaseClock::start(calendar, day.to_datetime(jiff::civil::time(10, 0, 0, 0)), promised, legal).ok()?;
            if clock.level(calendar, today).ok()? == level {
                return Some(day);
            }
        }
        day = day.yesterday().ok()?;
    }
    None
}

/// Creates the demo cases; returns their numbers. Run once, right after the demo is loaded.
pub async fn seed_cases(store: &Store, calendar: &Calendar, now: jiff::Timestamp) -> Result<Vec<String>, DemoCaseError> {
    let items = store.current_items().await?;
    let Some(item) = items.into_iter().find(|i| i.spec.name == DEMO_CASE_ITEM) else {
        return Ok(Vec::new());
    };
    let users = store.users().await?;
    let user = |name: &str| users.iter().find(|u| u.username == name).cloned();
    let (Some(applicant_user), Some(clerk), Some(reviewer)) = (user("applicant"), user("clerk"), user("reviewer")) else {
        return Ok(Vec::new());
    };
    let point = store.service_points().await?.into_iter().next();
    let today = onewindow_store::beijing(now).date();
    let people = [
        ("王晓明", "11010519491231002X"),
        ("李春华", "110105196503150044"),
        ("赵立新", "110105197208200031"),
        ("陈建国", "110105198001010059"),
        ("周海燕", "110105198811090062"),
    ];
    let plans = [
        (WarningLevel::None, false),
        (WarningLevel::Yellow, false),
        (WarningLevel::Red, false),
        (WarningLevel::Overdue, false),
        (WarningLevel::None, true),
    ];
    let mut numbers = Vec::new();
    for ((level, paused), (name, id)) in plans.into_iter().zip(people) {
        let Some(day) = accepted_for(calendar, today, item.spec.promised_limit_days, item.spec.legal_limit_days, level) else {
            continue;
        };
        // Accepted at 10:00 that day, or now when that is today.
        let at = day
            .to_datetime(jiff::civil::time(10, 0, 0, 0))
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
            .map_err(|e| DemoCaseError::Command(e.to_string()))?
            .timestamp()
            .min(now);
        let applicant = Applicant {
            kind: ApplicantKind::Person,
            name: name.into(),
            id_number: id.into(),
            phone: "13800000000".into(),
            address: "示范区人民路1号".into(),
        };
        let mut materials = Vec::new();
        for m in item.spec.materials.iter().filter(|m| m.required) {
            let content = format!("%PDF-1.4\n% demo {} {name}\n", m.name).into_bytes();
            let stored = store
                .store_material(
                    &NewMaterial {
                        uploaded_by: applicant_user.id,
                        kind: &m.kind,
                        file_name: "scan.pdf",
                        content_type: "application/pdf",
                        content: &content,
                    },
                    at,
                )
                .await?;
            materials.push(Attachment { requirement: m.name.clone(), material_id: stored.id });
        }
        let form = serde_json::json!({"purpose": "演示：自留山林木采伐"});
        let query_code = crate::cases::service::new_query_code();
        let region = point.as_ref().map(|p| p.region_code[..6].to_string()).unwrap_or_else(|| "619901".into());
        let submitted = store
            .submit_case(
                &NewCase {
                    item: &item.spec,
                    item_version: item.version,
                    applicant: &applicant,
                    applicant_user_id: Some(applicant_user.id),
                    channel: Channel::Online,
                    agent: "",
                    service_point_id: point.as_ref().map(|p| p.id),
                    first_clerk: "",
                    form: &form,
                    materials: &materials,
                    idempotency_key: None,
                    query_code: &query_code,
                    region_code: &region,
                    today: day,
                    any_material: false,
                },
                &Actor { username: applicant_user.username.clone(), role: "applicant".into(), at },
            )
            .await?;
        let run = |who: &onewindow_store::User, role: Role, command: Command, at: jiff::Timestamp, on: jiff::civil::Date| {
            let number = submitted.number.clone();
            let who = who.clone();
            async move {
                let actor = Actor { username: who.username.clone(), role: role.code().into(), at };
                let cx = CommandContext {
                    actor: &actor,
                    role,
                    user_id: who.id,
                    department: who.department_code.as_deref(),
                    today: on,
                    calendar: std::sync::Arc::new(calendar.clone()),
                };
                store.run_command(&number, &command, &cx).await.map_err(|e| DemoCaseError::Command(format!("{number}: {e}")))
            }
        };
        run(&clerk, Role::Clerk, Command::Accept { comment: "材料齐全，符合法定形式".into() }, at, day).await?;
        if paused {
            let command = Command::PauseClock { kind: PauseKind::ExpertReview, reason: "组织专家现场评审采伐设计".into() };
            run(&reviewer, Role::Reviewer, command, now, today).await?;
        }
        numbers.push(submitted.number);
    }
    Ok(numbers)
}
