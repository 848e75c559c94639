//! Printed notices and decisions of a case (受理通知书, 一次性告知书, 不予受理决定书, …) as PDF,
//! rendered by onewindow-docs. Fonts load once, on the first document; rendering runs on the
//! blocking pool so that it never stalls request handling.

use crate::cases::service::{documents_of, load_detail};
use crate::state::AppState;
use crate::web::auth::CurrentUser;
use crate::web::problem::ApiError;
use onewindow_docs::{DocumentKind, Notice, Renderer};
use std::sync::{Arc, OnceLock};

fn renderer() -> Result<Arc<Renderer>, ApiError> {
    static RENDERER: OnceLock<Result<Arc<Renderer>, String>> = OnceLock::new();
    RENDERER
        .get_or_init(|| Renderer::new().map(Arc::new).map_err(|e| e.to_string()))
        .clone()
        .map_err(|e| ApiError::internal(format!("document renderer unavailable: {e}")))
}

/// A date as printed on documents: 2026年11月25日.
pub fn chinese_date(date: jiff::civil::Date) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

fn date_of(t: jiff::Timestamp) -> String {
    chinese_date(t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).date())
}

/// Renders the document `file` (`{kind}.pdf`) of a case the user may read.
pub async fn render(state: &AppState, user: &CurrentUser, number: &str, file: &str) -> Result<Vec<u8>, ApiError> {
    let kind = file
        .strip_suffix(".pdf")
        .and_then(DocumentKind::from_code)
        .ok_or_else(|| ApiError::not_found("没有这种文书", "no such document"))?;
    let detail = load_detail(state, user, number).await?;
    if !documents_of(&detail.case).iter().any(|d| d == kind.code()) {
        return Err(ApiError::not_found("该办件尚无此文书", "the case has no such document yet"));
    }
    let notice = notice(state, &detail.case, kind).await?;
    let renderer = renderer()?;
    let rendered =
        tokio::task::spawn_blocking(move || renderer.render(&notice)).await.map_err(ApiError::internal)?.map_err(ApiError::internal)?;
    // The document is still printed (a missing glyph shows as an empty box), but the operator
    // must learn that a name or address did not print as written.
    for warning in &rendered.warnings {
        tracing::warn!(case = %number, document = kind.code(), %warning, "A printed document is not as written");
    }
    Ok(rendered.pdf)
}

async fn notice(state: &AppState, c: &onewindow_store::CaseRecord, kind: DocumentKind) -> Result<Notice, ApiError> {
    let snap = state.catalogue.get(&state.store).await?;
    let spec = state.store.item(&c.item_code, Some(c.item_version)).await?.map(|i| i.spec);
    let events = state.store.case_events(&c.number).await?;
    let event_date =
        |actions: &[&str]| events.iter().rev().find(|e| actions.contains(&e.action.as_str())).and_then(|e| e.at.parse().ok()).map(date_of);
    let issued = match kind {
        DocumentKind::IntakeReceipt => Some(date_of(c.submitted_at)),
        DocumentKind::AcceptanceNotice | DocumentKind::DeficiencyNotice => event_date(&["accept", "accept_with_deficiency"]),
        DocumentKind::CorrectionNotice => event_date(&["request_correction"]),
        DocumentKind::RefusalDecision => event_date(&["refuse"]),
        DocumentKind::DenialDecision => event_date(&["deny", "reply_denied"]),
    }
    .unwrap_or_else(|| chinese_date(state.clock.today()));
    let responsible_username = match kind {
        DocumentKind::DenialDecision => c.decided_by.clone(),
        DocumentKind::IntakeReceipt | DocumentKind::AcceptanceNotice if !c.first_clerk.is_empty() => c.first_clerk.clone(),
        _ if !c.accepted_by.is_empty() => c.accepted_by.clone(),
        _ => events.iter().rev().find(|e| e.role == "clerk").map(|e| e.actor.clone()).unwrap_or_default(),
    };
    let users = state.store.users().await?;
    let person_responsible =
        users.iter().find(|u| u.username == responsible_username).map(|u| u.display_name.clone()).unwrap_or(responsible_username);
    let year = c.number.get(6..10).unwrap_or("");
    let word = match kind {
        DocumentKind::AcceptanceNotice => "受",
        DocumentKind::DeficiencyNotice => "容受",
        DocumentKind::CorrectionNotice => "补正",
        DocumentKind::RefusalDecision => "不受",
        DocumentKind::DenialDecision => "不许",
        DocumentKind::IntakeReceipt => "收",
    };
    let received = match kind {
        DocumentKind::IntakeReceipt | DocumentKind::AcceptanceNotice => received(state, c, spec.as_ref()).await?,
        _ => Vec::new(),
    };
    let (reason, legal_basis) = match kind {
        DocumentKind::RefusalDecision => (c.refusal_reason.clone(), c.refusal_basis.clone()),
        DocumentKind::DenialDecision => (c.decision_reason.clone(), c.decision_basis.clone()),
        _ => (String::new(), String::new()),
    };
    let issuer = snap.department_name(&c.handling_department).to_string();
    Ok(Notice {
        kind,
        document_no: format!("示审{word}字〔{year}〕第{}号", &c.number[c.number.len().saturating_sub(5)..]),
        issuer,
        case_number: c.number.clone(),
        query_code: c.query_code.clone(),
        applicant_name: c.applicant.name.clone(),
        item_name: c.item_name.clone(),
        item_code: c.item_code.clone(),
        handling_department: snap.department_name(&c.handling_department).to_string(),
        received_date: date_of(c.submitted_at),
        issued_date: issued,
        promised_limit_days: spec.as_ref().map(|s| s.promised_limit_days).filter(|_| c.accepted_at.is_some()),
        due_date: c.due_date.map(chinese_date),
        due_date_provisional_year: onewindow_core::case::clock::provisional_year(&state.calendar.get(), [c.due_date]),
        person_responsible,
        phone: spec.as_ref().map(|s| s.phone.clone()).unwrap_or_default(),
        missing: c.deficiencies.iter().map(|d| (d.material.clone(), format!("{}前", chinese_date(d.deadline_date)))).collect(),
        corrections: c.corrections.iter().map(|x| (x.material.clone(), x.reason.clone())).collect(),
        received,
        reason,
        legal_basis,
        remedy: "如不服本决定，可以自收到本决定书之日起六十日内向示范区人民政府申请行政复议，或者在六个月内向示范区人民法院提起行政诉讼。"
            .into(),
        tracking_url: format!("{}/track?number={}&code={}", state.settings.public_url.trim_end_matches('/'), c.number, c.query_code),
    })
}

/// Each material the case holds, in the item's order, with how it came: the electronic file
/// (or the verified copy reused), and the paper log kept at the window.
async fn received(
    state: &AppState,
    c: &onewindow_store::CaseRecord,
    spec: Option<&onewindow_core::catalogue::ItemSpec>,
) -> Result<Vec<(String, String)>, ApiError> {
    let materials = state.store.case_materials(&c.number).await?;
    let paper = onewindow_core::case::intake::paper_of(&c.form);
    let names: Vec<String> = match spec {
        Some(s) => s.materials.iter().map(|m| m.name.clone()).collect(),
        None => materials.iter().map(|m| m.requirement.clone()).collect(),
    };
    Ok(names
        .into_iter()
        .filter_map(|name| {
            let mut how = Vec::new();
            if let Some(m) = materials.iter().find(|m| m.requirement == name) {
                how.push(if m.source == "reused" { "复用已核验材料".to_string() } else { "电子件".to_string() });
            }
            if let Some(p) = paper.iter().find(|p| p.material == name && p.any()) {
                how.push(p.describe_zh());
            }
            (!how.is_empty()).then(|| (name, how.join("；")))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_print_in_chinese() {
        assert_eq!(super::chinese_date(jiff::civil::date(2026, 1, 5)), "2026年1月5日");
        assert_eq!(super::date_of("2026-11-25T17:00:00Z".parse().unwrap()), "2026年11月26日", "Beijing time is UTC+8");
    }
}
