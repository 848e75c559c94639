//! The public portal: finding an item and reading its service guide (办事指南).

use super::service::{ItemQuery, search};
use crate::state::AppState;
use crate::web::auth::MaybeUser;
use crate::web::{Page, code_url, html_error, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onewindow_core::catalogue::{HandlingMode, ItemKind, ItemStatus, format_yuan};
use onewindow_core::region::Level;
use serde::Deserialize;

const PAGE_SIZE: usize = 30;

/// One search result line.
pub struct ResultRow {
    code_url: String,
    name: String,
    department: String,
    kind: &'static str,
    immediate: bool,
    promised: u32,
    visits: u32,
    fully_online: bool,
    cancelled: bool,
}

#[derive(Template)]
#[template(path = "catalogue/index.html")]
struct IndexPage {
    page: Page,
    q: String,
    searched: bool,
    total: usize,
    results: Vec<ResultRow>,
    next_url: Option<String>,
    departments: Vec<(String, String, bool)>,
    kinds: Vec<(&'static str, &'static str, bool)>,
    levels: Vec<(&'static str, &'static str, bool)>,
    department_counts: Vec<(String, String, usize)>,
}

/// Portal query string. Empty selects mean "all".
#[derive(Debug, Default, Deserialize)]
pub struct PortalQuery {
    q: Option<String>,
    department: Option<String>,
    kind: Option<String>,
    level: Option<String>,
    page: Option<usize>,
}

/// `GET /`: the portal, with search results when asked.
pub async fn index(State(state): State<AppState>, MaybeUser(user): MaybeUser, Query(pq): Query<PortalQuery>) -> Response {
    let snap = match state.catalogue.get(&state.store).await {
        Ok(s) => s,
        Err(e) => return html_error(e.into(), user.as_ref()),
    };
    let nonempty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let query = ItemQuery {
        q: nonempty(&pq.q),
        department: nonempty(&pq.department),
        kind: nonempty(&pq.kind).and_then(|k| ItemKind::parse_any(&k)),
        level: nonempty(&pq.level).and_then(|l| Level::parse_any(&l)),
        limit: None,
        cursor: None,
    };
    let searched = query.q.is_some() || query.department.is_some() || query.kind.is_some() || query.level.is_some();
    let hits = match search(&snap, &query) {
        Ok(h) => h,
        Err(e) => return html_error(e, user.as_ref()),
    };
    let page_no = pq.page.unwrap_or(0);
    let results = hits
        .iter()
        .skip(page_no * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|&i| {
            let s = &snap.items[i].spec;
            ResultRow {
                code_url: code_url(&s.code),
                name: s.name.clone(),
                department: snap.department_name(&s.handling_department).to_string(),
                kind: s.kind.label_zh(),
                immediate: s.mode == HandlingMode::Immediate,
                promised: s.promised_limit_days,
                visits: s.visits,
                fully_online: s.fully_online,
                cancelled: s.status == ItemStatus::Cancelled,
            }
        })
        .collect();
    let next_url = ((page_no + 1) * PAGE_SIZE < hits.len()).then(|| {
        format!(
            "/?q={}&department={}&kind={}&level={}&page={}",
            urlencoding::encode(query.q.as_deref().unwrap_or("")),
            urlencoding::encode(query.department.as_deref().unwrap_or("")),
            query.kind.map(|k| k.code()).unwrap_or(""),
            query.level.map(|l| l.code()).unwrap_or(""),
            page_no + 1
        )
    });
    let selected_dept = query.department.as_deref().and_then(|d| snap.department_code(d));
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for it in &snap.items {
        *counts.entry(it.spec.handling_department.as_str()).or_default() += 1;
    }
    let t = IndexPage {
        page: Page::new(if searched { "搜索结果" } else { "办事服务" }, user.as_ref()),
        q: query.q.clone().unwrap_or_default(),
        searched,
        total: hits.len(),
        results,
        next_url,
        departments: snap
            .departments
            .iter()
            .map(|d| (d.code.clone(), d.name.clone(), selected_dept.as_deref() == Some(d.code.as_str())))
            .collect(),
        kinds: ItemKind::ALL.iter().map(|k| (k.code(), k.label_zh(), query.kind == Some(*k))).collect(),
        levels: Level::ALL.iter().map(|l| (l.code(), l.label_zh(), query.level == Some(*l))).collect(),
        department_counts: snap
            .departments
            .iter()
            .filter_map(|d| counts.get(d.code.as_str()).map(|n| (d.code.clone(), d.name.clone(), *n)))
            .collect(),
    };
    render(&t)
}

/// What the service guide shows.
pub struct GuideView {
    code: String,
    basic_code: String,
    name: String,
    kind: &'static str,
    handling_type: &'static str,
    department: String,
    handling_department: String,
    seal_model: &'static str,
    legal_basis: String,
    legal_limit_days: u32,
    promised_limit_days: u32,
    compression: Option<u32>,
    immediate: bool,
    mode: &'static str,
    visits_text: String,
    fully_online: bool,
    not_online_reason: String,
    levels: String,
    inspection_required: bool,
    status: &'static str,
    cancelled: bool,
    version: u32,
    current: bool,
    saved_at: String,
    sub_items: Vec<(String, String)>,
    materials: Vec<onewindow_core::catalogue::Material>,
    fees: Vec<(String, String, String)>,
    steps: Vec<(String, String, u32)>,
    joint: String,
    location: String,
    phone: String,
}

impl GuideView {
    /// The guide of a stored version.
    pub fn new(item: &onewindow_store::StoredItem, snap: &crate::catalogue::cache::Snapshot) -> GuideView {
        let s = &item.spec;
        GuideView {
            code: s.code.clone(),
            basic_code: onewindow_core::catalogue::ItemCode::parse(&s.code).map(|(c, _)| c.basic().to_string()).unwrap_or_default(),
            name: s.name.clone(),
            kind: s.kind.label_zh(),
            handling_type: s.handling_type.label_zh(),
            department: snap.department_name(&s.department).to_string(),
            handling_department: snap.department_name(&s.handling_department).to_string(),
            seal_model: s.seal_model.label_zh(),
            legal_basis: s.legal_basis.clone(),
            legal_limit_days: s.legal_limit_days,
            promised_limit_days: s.promised_limit_days,
            compression: s.compression_percent().filter(|p| *p > 0),
            immediate: s.mode == HandlingMode::Immediate,
            mode: s.mode.label_zh(),
            visits_text: match s.visits {
                0 => "0次（零跑腿，全程网上办理、结果快递或网上推送）".into(),
                1 => "最多跑一次".into(),
                n => format!("{n}次"),
            },
            fully_online: s.fully_online,
            not_online_reason: s.not_online_reason.clone().unwrap_or_default(),
            levels: s.levels.iter().map(|l| l.label_zh()).collect::<Vec<_>>().join("、"),
            inspection_required: s.inspection_required,
            status: s.status.label_zh(),
            cancelled: s.status == ItemStatus::Cancelled,
            version: item.version,
            current: item.current,
            saved_at: item.saved_at.chars().take(10).collect(),
            sub_items: s.sub_items.iter().map(|x| (x.code.clone(), x.name.clone())).collect(),
            materials: s.materials.clone(),
            fees: s.fees.iter().map(|f| (f.name.clone(), format_yuan(f.amount_fen), f.basis.clone())).collect(),
            steps: s.steps.iter().map(|x| (x.name.clone(), x.actor.clone(), x.days)).collect(),
            joint: s.joint_departments.iter().map(|d| snap.department_name(d).to_string()).collect::<Vec<_>>().join("、"),
            location: s.location.clone(),
            phone: s.phone.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "catalogue/item.html")]
struct ItemPage {
    page: Page,
    code_url: String,
    v: GuideView,
}

/// `?version=N`.
#[derive(Debug, Deserialize)]
pub struct VersionParam {
    version: Option<u32>,
}

/// `GET /items/{code}`: the printable service guide (办事指南).
pub async fn item(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
    Query(v): Query<VersionParam>,
) -> Response {
    let result = async {
        let snap = state.catalogue.get(&state.store).await?;
        let item = state.store.item(&code, v.version).await?;
        Ok::<_, crate::web::problem::ApiError>((snap, item))
    }
    .await;
    match result {
        Err(e) => html_error(e, user.as_ref()),
        Ok((_, None)) => {
            crate::web::error_page(StatusCode::NOT_FOUND, user.as_ref(), "未找到事项", "该事项不存在或版本号有误，请返回首页重新查找。")
        }
        Ok((snap, Some(item))) => {
            let t = ItemPage {
                page: Page::new(item.spec.name.clone(), user.as_ref()),
                code_url: code_url(&item.spec.code),
                v: GuideView::new(&item, &snap),
            };
            render(&t)
        }
    }
}
