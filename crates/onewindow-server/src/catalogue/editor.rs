//! Catalogue administration pages: the item list, an item with its versions, the editor,
//! transfers to the bureau, import and export.

use super::forms::{ItemForm, Posted};
use super::service::{ItemQuery, ItemWrite, apply_transfer, check, save_edit, search};
use super::service::{export_download, is_csv, run_import};
use crate::state::AppState;
use crate::web::auth::{CurrentUser, MaybeUser};
use crate::web::{Page, check_csrf, code_url, html_error, render, see_other, staff};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use onewindow_core::catalogue::{ItemSpec, KeptItem, TransferBatch, ValidationContext, validate};
use onewindow_core::role::{Permission, Role};
use serde::Deserialize;

const LIST_ROWS_MAX: usize = 200;

/// A row of the administration list.
pub struct AdminRow {
    code: String,
    code_url: String,
    name: String,
    department: String,
    handling_department: String,
    legal: u32,
    promised: u32,
    status: &'static str,
    version: u32,
}

#[derive(Template)]
#[template(path = "catalogue/admin_items.html")]
struct ItemsPage {
    page: Page,
    q: String,
    total: usize,
    shown: usize,
    rows: Vec<AdminRow>,
}

/// `?q=`.
#[derive(Debug, Default, Deserialize)]
pub struct TextQuery {
    q: Option<String>,
}

/// `GET /admin/items`.
pub async fn items(State(state): State<AppState>, maybe: MaybeUser, Query(tq): Query<TextQuery>) -> Response {
    let user = match staff(maybe, Permission::EditCatalogue, "/admin/items") {
        Ok(u) => u,
        Err(r) => return r,
    };
    let snap = match state.catalogue.get(&state.store).await {
        Ok(s) => s,
        Err(e) => return html_error(e.into(), Some(&user)),
    };
    let query = ItemQuery { q: tq.q.clone(), ..Default::default() };
    let hits = match search(&snap, &query) {
        Ok(h) => h,
        Err(e) => return html_error(e, Some(&user)),
    };
    let rows: Vec<AdminRow> = hits
        .iter()
        .take(LIST_ROWS_MAX)
        .map(|&i| {
            let it = &snap.items[i];
            AdminRow {
                code: it.spec.code.clone(),
                code_url: code_url(&it.spec.code),
                name: it.spec.name.clone(),
                department: snap.department_name(&it.spec.department).to_string(),
                handling_department: snap.department_name(&it.spec.handling_department).to_string(),
                legal: it.spec.legal_limit_days,
                promised: it.spec.promised_limit_days,
                status: it.spec.status.label_zh(),
                version: it.version,
            }
        })
        .collect();
    render(&ItemsPage {
        page: Page::new("事项管理", Some(&user)), q: tq.q.unwrap_or_default(), total: hits.len(), shown: rows.len(), rows
    })
}

/// A view of an item for the administration detail page.
pub struct AdminView {
    code: String,
    name: String,
    version: u32,
    saved_at: String,
    saved_by: String,
    change_note: String,
    department: String,
    handling_department: String,
    seal_model: &'static str,
    legal_limit_days: u32,
    promised_limit_days: u32,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "catalogue/admin_item.html")]
struct ItemDetailPage {
    page: Page,
    code_url: String,
    v: AdminView,
    saved: Option<u32>,
    warnings: Vec<String>,
    history: Vec<(u32, String, String, String)>,
}

/// `?saved=N` after a save.
#[derive(Debug, Deserialize)]
pub struct SavedParam {
    saved: Option<u32>,
}

/// `GET /admin/items/{code}`: current version, its warnings, and the history.
pub async fn item(State(state): State<AppState>, maybe: MaybeUser, Path(code): Path<String>, Query(sp): Query<SavedParam>) -> Response {
    let user = match staff(maybe, Permission::EditCatalogue, &format!("/admin/items/{}", code_url(&code))) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let loaded = async {
        let snap = state.catalogue.get(&state.store).await?;
        let history = state.store.item_versions(&code).await?;
        Ok::<_, crate::web::problem::ApiError>((snap, history))
    }
    .await;
    let (snap, history) = match loaded {
        Ok(x) => x,
        Err(e) => return html_error(e, Some(&user)),
    };
    let Some(it) = snap.item(&code) else {
        return crate::web::error_page(StatusCode::NOT_FOUND, Some(&user), "未找到事项", "该事项不存在。");
    };
    let departments = snap.departments.iter().map(|d| d.code.clone()).collect();
    let ctx = ValidationContext { bureau: snap.bureau().unwrap_or_default(), departments: &departments };
    let warnings = validate(it.spec.clone(), &ctx).map(|(_, w)| w.into_iter().map(|w| w.message_zh).collect()).unwrap_or_default();
    let s = &it.spec;
    let v = AdminView {
        code: s.code.clone(),
        name: s.name.clone(),
        version: it.version,
        saved_at: it.saved_at.clone(),
        saved_by: it.saved_by.clone(),
        change_note: it.change_note.clone(),
        department: snap.department_name(&s.department).to_string(),
        handling_department: snap.department_name(&s.handling_department).to_string(),
        seal_model: s.seal_model.label_zh(),
        legal_limit_days: s.legal_limit_days,
        promised_limit_days: s.promised_limit_days,
        status: s.status.label_zh(),
    };
    let history = history.into_iter().map(|h| (h.version, h.saved_at, h.saved_by, h.change_note)).collect();
    render(&ItemDetailPage {
        page: Page::new(format!("事项详情：{}", s.name), Some(&user)),
        code_url: code_url(&s.code),
        v,
        saved: sp.saved,
        warnings,
        history,
    })
}

#[derive(Template)]
#[template(path = "catalogue/admin_edit.html")]
struct EditPage {
    page: Page,
    is_new: bool,
    version: u32,
    f: ItemForm,
    errors: Vec<String>,
    change_note: String,
}

fn blank_item(snap: &crate::catalogue::cache::Snapshot) -> ItemSpec {
    ItemSpec {
        location: "示范区政务服务中心一楼综合受理窗口（示范大道88号）".into(), ..ItemSpec::draft(snap.bureau().unwrap_or_default())
    }
}

fn edit_page(
    user: &CurrentUser,
    snap: &crate::catalogue::cache::Snapshot,
    spec: &ItemSpec,
    version: u32,
    errors: Vec<String>,
    note: String,
) -> EditPage {
    let is_new = version == 0;
    let title = if is_new { "新增事项".to_string() } else { format!("编辑：{}", spec.name) };
    EditPage { page: Page::new(title, Some(user)), is_new, version, f: ItemForm::new(spec, snap), errors, change_note: note }
}

/// `GET /admin/items/new`.
pub async fn new_form(State(state): State<AppState>, maybe: MaybeUser) -> Response {
    let user = match staff(maybe, Permission::EditCatalogue, "/admin/items/new") {
        Ok(u) => u,
        Err(r) => return r,
    };
    match state.catalogue.get(&state.store).await {
        Ok(snap) => render(&edit_page(&user, &snap, &blank_item(&snap), 0, vec![], String::new())),
        Err(e) => html_error(e.into(), Some(&user)),
    }
}

/// `GET /admin/items/{code}/edit`.
pub async fn edit_form(State(state): State<AppState>, maybe: MaybeUser, Path(code): Path<String>) -> Response {
    let user = match staff(maybe, Permission::EditCatalogue, &format!("/admin/items/{}/edit", code_url(&code))) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let snap = match state.catalogue.get(&state.store).await {
        Ok(s) => s,
        Err(e) => return html_error(e.into(), Some(&user)),
    };
    match snap.item(&code) {
        Some(it) => render(&edit_page(&user, &snap, &it.spec, it.version, vec![], String::new())),
        None => crate::web::error_page(StatusCode::NOT_FOUND, Some(&user), "未找到事项", "该事项不存在。"),
    }
}

fn posted(body: &Bytes) -> Posted {
    Posted(serde_urlencoded::from_bytes(body).unwrap_or_default())
}

/// The cataloguer and the fields of a catalogue form post, its CSRF token checked; or the
/// page that refuses it (log-in, 403, expired form).
fn cataloguer_post(maybe: MaybeUser, path: &str, body: &Bytes) -> Result<(CurrentUser, Posted), Response> {
    let user = staff(maybe, Permission::EditCatalogue, path)?;
    let form = posted(body);
    check_csrf(&user, Some(&form.get("csrf")))?;
    Ok((user, form))
}

fn problem_lines(e: &crate::web::problem::ApiError) -> Vec<String> {
    match &e.errors {
        Some(serde_json::Value::Array(list)) => list
            .iter()
            .map(|x| {
                let field = x.get("field").and_then(|f| f.as_str()).map(field_label).unwrap_or_default();
                let msg = x.get("message_zh").and_then(|m| m.as_str()).unwrap_or_default();
                let line = x.get("line").and_then(|l| l.as_u64()).map(|l| format!("第{l}行 ")).unwrap_or_default();
                if field.is_empty() { format!("{line}{msg}") } else { format!("{line}{field}：{msg}") }
            })
            .collect(),
        _ => vec![e.detail.clone()],
    }
}

/// The form label of a field named in a validation error.
fn field_label(field: &str) -> String {
    let base = field.split(['[', '.']).next().unwrap_or(field);
    let label = match base {
        "code" => "事项编码",
        "name" => "事项名称",
        "legal_basis" => "设定依据",
        "legal_limit_days" => "法定时限",
        "promised_limit_days" => "承诺时限",
        "visits" => "到现场次数",
        "not_online_reason" => "未全程网办原因",
        "department" => "主管部门",
        "handling_department" => "实施机关",
        "joint_departments" => "联审部门",
        "seal_model" => "审批用章",
        "levels" => "可办理层级",
        "materials" => "申请材料",
        "fees" => "收费",
        "steps" => "办理流程",
        "sub_items" => "子项",
        "change_note" => "修改说明",
        "location" => "办理地点",
        "kind" => "事项类型",
        other => other,
    };
    label.to_string()
}

/// `POST /admin/items/new`.
pub async fn create(State(state): State<AppState>, maybe: MaybeUser, body: Bytes) -> Response {
    let (user, form) = match cataloguer_post(maybe, "/admin/items/new", &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let snap = match state.catalogue.get(&state.store).await {
        Ok(s) => s,
        Err(e) => return html_error(e.into(), Some(&user)),
    };
    let mut errors = Vec::new();
    let spec = form.item(snap.bureau().unwrap_or_default(), &mut errors);
    let note = form.get("change_note");
    let result = match check(spec.clone(), &snap) {
        Ok((valid, _)) if errors.is_empty() => {
            let note = if note.is_empty() { "新增事项".to_string() } else { note.clone() };
            state.store.create_item(&valid, &note, &state.actor(&user.user, Role::Cataloguer)).await.map_err(Into::into)
        }
        Ok(_) => Err(crate::web::problem::ApiError::validation(serde_json::json!([]))),
        Err(e) => Err(e),
    };
    match result {
        Ok(saved) => see_other(&format!("/admin/items/{}?saved={}", code_url(&saved.spec.code), saved.version)),
        Err(e) => {
            errors.extend(problem_lines(&e));
            let status = if e.status.is_server_error() { e.status } else { StatusCode::UNPROCESSABLE_ENTITY };
            (status, render(&edit_page(&user, &snap, &spec, 0, errors, note))).into_response()
        }
    }
}

/// `POST /admin/items/{code}/edit`: saves a new version, or shows the form again with every error.
pub async fn save(State(state): State<AppState>, maybe: MaybeUser, Path(code): Path<String>, body: Bytes) -> Response {
    let (user, form) = match cataloguer_post(maybe, &format!("/admin/items/{}/edit", code_url(&code)), &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let snap = match state.catalogue.get(&state.store).await {
        Ok(s) => s,
        Err(e) => return html_error(e.into(), Some(&user)),
    };
    let Some(current) = snap.item(&code) else {
        return crate::web::error_page(StatusCode::NOT_FOUND, Some(&user), "未找到事项", "该事项不存在。");
    };
    let mut errors = Vec::new();
    let mut spec = form.item(snap.bureau().unwrap_or_default(), &mut errors);
    spec.code = current.spec.code.clone();
    let expected = form.get("expected_version").parse::<u32>().ok();
    let note = form.get("change_note");
    if errors.is_empty() {
        let mut write = ItemWrite { spec: spec.clone(), change_note: note.clone(), expected_version: expected };
        match save_edit(&state, &user, Role::Cataloguer, &code, &mut write).await {
            Ok(saved) => {
                return see_other(&format!("/admin/items/{}?saved={}", code_url(&code), saved.item.version));
            }
            Err(e) if e.status.is_server_error() => return html_error(e, Some(&user)),
            Err(e) => errors.extend(problem_lines(&e)),
        }
    }
    let version = expected.unwrap_or(current.version);
    (StatusCode::UNPROCESSABLE_ENTITY, render(&edit_page(&user, &snap, &spec, version, errors, note))).into_response()
}

/// A batch in the transfer history.
pub struct BatchView {
    title: String,
    document_no: String,
    date: String,
    items: Vec<String>,
    kept: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "catalogue/admin_transfers.html")]
struct TransfersPage {
    page: Page,
    message: Option<String>,
    errors: Vec<String>,
    title: String,
    document_no: String,
    effective_date: String,
    items: String,
    kept: String,
    batches: Vec<BatchView>,
}

async fn transfers_page(
    state: &AppState,
    user: &CurrentUser,
    form: Option<&Posted>,
    message: Option<String>,
    errors: Vec<String>,
) -> Response {
    let (snap, stored) = match (state.catalogue.get(&state.store).await, state.store.transfers().await) {
        (Ok(s), Ok(t)) => (s, t),
        (Err(e), _) | (_, Err(e)) => return html_error(e.into(), Some(user)),
    };
    let name = |code: &str| snap.item(code).map(|i| format!("{}（{code}）", i.spec.name)).unwrap_or_else(|| code.to_string());
    let batches = stored
        .into_iter()
        .rev()
        .map(|t| BatchView {
            title: t.batch.title.clone(),
            document_no: t.batch.document_no.clone(),
            date: t.batch.effective_date.to_string(),
            items: t.batch.items.iter().map(|c| name(c)).collect(),
            kept: t.batch.kept.iter().map(|k| (name(&k.code), k.reason.clone())).collect(),
        })
        .collect();
    let get = |f: &str| form.map(|p| p.get(f)).unwrap_or_default();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = TransfersPage {
        page: Page::new("事项划转", Some(user)),
        message,
        errors,
        title: get("title"),
        document_no: get("document_no"),
        effective_date: form.map(|p| p.get("effective_date")).filter(|d| !d.is_empty()).unwrap_or_else(|| state.clock.today().to_string()),
        items: get("items"),
        kept: get("kept"),
        batches,
    };
    (status, render(&page)).into_response()
}

/// `GET /admin/transfers`.
pub async fn transfers(State(state): State<AppState>, maybe: MaybeUser) -> Response {
    match staff(maybe, Permission::EditCatalogue, "/admin/transfers") {
        Ok(user) => transfers_page(&state, &user, None, None, vec![]).await,
        Err(r) => r,
    }
}

/// `POST /admin/transfers`.
pub async fn transfer(State(state): State<AppState>, maybe: MaybeUser, body: Bytes) -> Response {
    let (user, form) = match cataloguer_post(maybe, "/admin/transfers", &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(effective_date) = form.get("effective_date").parse::<jiff::civil::Date>() else {
        return transfers_page(&state, &user, Some(&form), None, vec!["生效日期格式应为YYYY-MM-DD".into()]).await;
    };
    let items: Vec<String> = form.get("items").lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    let mut errors = Vec::new();
    let kept: Vec<KeptItem> = form
        .get("kept")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((code, reason)) => KeptItem { code: code.into(), reason: reason.trim().into() },
            None => {
                errors.push(format!("“{l}”缺少原因：每行写事项编码、空格、原因"));
                KeptItem { code: l.into(), reason: String::new() }
            }
        })
        .collect();
    if !errors.is_empty() {
        return transfers_page(&state, &user, Some(&form), None, errors).await;
    }
    let batch = TransferBatch { title: form.get("title"), document_no: form.get("document_no"), effective_date, items, kept };
    match apply_transfer(&state, &user, Role::Cataloguer, &batch).await {
        Ok(r) => {
            transfers_page(
                &state,
                &user,
                None,
                Some(format!("划转成功：{}项划转至行政审批服务局，{}项暂不划转。", r.transferred, r.kept)),
                vec![],
            )
            .await
        }
        Err(e) if e.status.is_server_error() => html_error(e, Some(&user)),
        Err(e) => transfers_page(&state, &user, Some(&form), None, problem_lines(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "catalogue/admin_import.html")]
struct ImportPage {
    page: Page,
    message: Option<String>,
    errors: Vec<String>,
    warnings: Vec<String>,
}

/// `GET /admin/import`.
pub async fn import_form(maybe: MaybeUser) -> Response {
    match staff(maybe, Permission::EditCatalogue, "/admin/import") {
        Ok(user) => render(&ImportPage { page: Page::new("导入导出", Some(&user)), message: None, errors: vec![], warnings: vec![] }),
        Err(r) => r,
    }
}

const WARNINGS_SHOWN_MAX: usize = 50;

/// `POST /admin/import`: a multipart upload of a CSV or JSON catalogue.
pub async fn import(State(state): State<AppState>, maybe: MaybeUser, mut multipart: Multipart) -> Response {
    let user = match staff(maybe, Permission::EditCatalogue, "/admin/import") {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (mut csrf, mut dry_run, mut file, mut file_name) = (String::new(), false, Vec::new(), String::new());
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                if name == "file" {
                    file_name = field.file_name().unwrap_or_default().to_string();
                }
                let Ok(bytes) = field.bytes().await else {
                    break;
                };
                match name.as_str() {
                    "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
                    "dry_run" => dry_run = true,
                    "file" => file = bytes.to_vec(),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => break,
        }
    }
    if let Err(r) = check_csrf(&user, Some(&csrf)) {
        return r;
    }
    let page = |message, errors, warnings| ImportPage { page: Page::new("导入导出", Some(&user)), message, errors, warnings };
    let Ok(text) = std::str::from_utf8(&file) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&page(None, vec!["文件不是UTF-8编码，请在表格软件中另存为“CSV UTF-8”后重试。".into()], vec![])),
        )
            .into_response();
    };
    let csv = is_csv(
        if file_name.ends_with(".json") {
            Some("json")
        } else if file_name.ends_with(".csv") {
            Some("csv")
        } else {
            None
        },
        None,
        text,
    );
    match run_import(&state, &user, Role::Cataloguer, text, csv, dry_run, &format!("上传导入：{file_name}")).await {
        Ok(outcome) => {
            let warnings: Vec<String> = outcome
                .warnings
                .iter()
                .take(WARNINGS_SHOWN_MAX)
                .map(|w| {
                    let place = w.line.map(|l| format!("第{l}行 ")).unwrap_or_default();
                    format!("{place}{}：{}", field_label(&w.field), w.message_zh)
                })
                .collect();
            let message = match outcome.summary {
                None => format!("检查通过：共{}个事项，可以导入。", outcome.items),
                Some(s) => format!(
                    "导入完成：新增{}项，更新{}项，未变化{}项，部门{}个，划转批次{}个。",
                    s.created, s.updated, s.unchanged, s.departments, s.transfers
                ),
            };
            render(&page(Some(message), vec![], warnings))
        }
        Err(e) if e.status.is_server_error() => html_error(e, Some(&user)),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, render(&page(None, problem_lines(&e), vec![]))).into_response(),
    }
}

async fn export(state: AppState, maybe: MaybeUser, csv: bool) -> Response {
    let path = if csv { "/admin/export.csv" } else { "/admin/export.json" };
    let user = match staff(maybe, Permission::ExportCatalogue, path) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let role = user.require(Permission::ExportCatalogue).unwrap_or(Role::Cataloguer);
    export_download(&state, &user, role, csv, true).await.unwrap_or_else(|e| html_error(e, Some(&user)))
}

/// `GET /admin/export.csv`.
pub async fn export_csv(State(state): State<AppState>, maybe: MaybeUser) -> Response {
    export(state, maybe, true).await
}

/// `GET /admin/export.json`.
pub async fn export_json(State(state): State<AppState>, maybe: MaybeUser) -> Response {
    export(state, maybe, false).await
}
