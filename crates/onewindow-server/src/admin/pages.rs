//! The audit trail page.

use crate::state::AppState;
use crate::web::auth::MaybeUser;
use crate::web::{Page, html_error, render, staff};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use onewindow_core::role::Permission;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    page: Page,
    chain: String,
    chain_ok: bool,
    subject: String,
    entries: Vec<(i64, String, String, String, String, String, String)>,
    next_after: Option<i64>,
}

/// `?after=&subject=`.
#[derive(Debug, Deserialize)]
pub struct AuditParams {
    after: Option<i64>,
    subject: Option<String>,
}

const AUDIT_ROWS: i64 = 100;

/// `GET /audit`: the audit trail and the result of checking its chain.
pub async fn audit(State(state): State<AppState>, maybe: MaybeUser, Query(p): Query<AuditParams>) -> Response {
    let user = match staff(maybe, Permission::ReadAudit, "/audit") {
        Ok(u) => u,
        Err(r) => return r,
    };
    let subject = p.subject.unwrap_or_default();
    let loaded = async {
        let check = state.store.verify_audit().await?;
        let entries = state.store.audit_entries(p.after.unwrap_or(0), AUDIT_ROWS, Some(subject.as_str()).filter(|s| !s.is_empty())).await?;
        Ok::<_, onewindow_store::StoreError>((check, entries))
    }
    .await;
    let (check, entries) = match loaded {
        Ok(x) => x,
        Err(e) => return html_error(e.into(), Some(&user)),
    };
    let (chain, chain_ok) = match check.first_broken {
        None => (format!("哈希链校验通过：共{}条记录，未发现篡改。", check.entries), true),
        Some(id) => (format!("哈希链校验失败：第{id}条记录被篡改或删除，请立即报告。"), false),
    };
    let next_after = (entries.len() as i64 == AUDIT_ROWS).then(|| entries.last().map(|e| e.id)).flatten();
    let rows = entries
        .into_iter()
        .map(|e| {
            (e.id, e.at.chars().take(19).collect::<String>().replace('T', " "), e.actor, e.role, e.action, e.subject, e.detail.to_string())
        })
        .collect();
    render(&AuditPage { page: Page::new("审计日志", Some(&user)), chain, chain_ok, subject, entries: rows, next_after })
}
