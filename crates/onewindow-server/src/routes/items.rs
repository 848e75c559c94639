//! The catalogue API: search, read (any version), create, edit, transfer.

use crate::auth::CurrentUser;
use crate::catalogue_cache::Snapshot;
use crate::problem::ApiError;
use crate::routes::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use onewindow_core::catalogue::{
    DepartmentRecord, HandlingMode, ItemKind, ItemSpec, ItemStatus, TransferBatch, ValidationContext, Warning, validate,
};
use onewindow_core::region::Level;
use onewindow_core::role::Permission;
use onewindow_core::search::Query;
use onewindow_store::{StoredItem, StoredTransfer, VersionSummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const PAGE_LIMIT_DEFAULT: usize = 20;
const PAGE_LIMIT_MAX: usize = 100;

/// Search parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// Free text in Chinese, an item code (basic or implementation, or a prefix) or a department name.
    pub q: Option<String>,
    /// Department code or name (owning or handling).
    pub department: Option<String>,
    /// Item type code.
    pub kind: Option<ItemKind>,
    /// Level where the item can be handled.
    pub level: Option<Level>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<usize>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// A line of a search result.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemSummary {
    /// Item code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Type.
    pub kind: ItemKind,
    /// Owning department code.
    pub department: String,
    /// Owning department name.
    pub department_name: String,
    /// Handling department code.
    pub handling_department: String,
    /// Handling department name.
    pub handling_department_name: String,
    /// Legal limit, working days.
    pub legal_limit_days: u32,
    /// Promised limit, working days.
    pub promised_limit_days: u32,
    /// 即办件 / 承诺件.
    pub mode: HandlingMode,
    /// Visits needed.
    pub visits: u32,
    /// Fully online.
    pub fully_online: bool,
    /// Status.
    pub status: ItemStatus,
    /// Current version.
    pub version: u32,
}

/// A page of search results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemList {
    /// The items.
    pub items: Vec<ItemSummary>,
    /// Total matches.
    pub total: usize,
    /// Cursor of the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An item version with everything the service guide shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    /// The item's content.
    #[serde(flatten)]
    pub spec: ItemSpec,
    /// Basic code (the same at every level).
    pub basic_code: String,
    /// Owning department name.
    pub department_name: String,
    /// Handling department name.
    pub handling_department_name: String,
    /// Version number.
    pub version: u32,
    /// Whether this is the current version.
    pub current: bool,
    /// When this version was saved.
    pub saved_at: String,
    /// Who saved it.
    pub saved_by: String,
    /// Why it was saved.
    pub change_note: String,
    /// How much shorter the promise is than the legal limit, percent.
    pub compression_percent: Option<u32>,
}

impl ItemView {
    /// The view of a stored version.
    pub fn new(item: StoredItem, snap: &Snapshot) -> ItemView {
        let basic_code = onewindow_core::catalogue::ItemCode::parse(&item.spec.code)
            .map(|(c, _)| c.basic().to_string())
            .unwrap_or_else(|_| item.spec.code.clone());
        ItemView {
            basic_code,
            department_name: snap.department_name(&item.spec.department).to_string(),
            handling_department_name: snap.department_name(&item.spec.handling_department).to_string(),
            compression_percent: item.spec.compression_percent(),
            version: item.version,
            current: item.current,
            saved_at: item.saved_at,
            saved_by: item.saved_by,
            change_note: item.change_note,
            spec: item.spec,
        }
    }
}

/// The result of a save: the new version and the warnings it was accepted with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SavedItem {
    /// The saved version.
    pub item: ItemView,
    /// Warnings (e.g. promise not 75% shorter than the legal limit).
    pub warnings: Vec<Warning>,
}

/// A create or edit.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ItemWrite {
    /// The item's content. On `PUT` the code comes from the path.
    #[serde(flatten)]
    pub spec: ItemSpec,
    /// Why (修改说明), kept with the version.
    #[serde(default)]
    pub change_note: String,
    /// The version the edit was based on; a save on top of a newer version is refused (409).
    pub expected_version: Option<u32>,
}

/// Runs a search over the snapshot: every hit, in rank order.
pub fn search(snap: &Snapshot, q: &ItemQuery) -> Result<Vec<usize>, ApiError> {
    let department = match q.department.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => {
            Some(snap.department_code(d).ok_or_else(|| ApiError::bad_request(format!("部门“{d}”不存在"), format!("no department {d:?}")))?)
        }
    };
    let query = Query { text: q.q.clone().unwrap_or_default(), department, kind: q.kind, level: q.level };
    Ok(snap.index.search(&query).into_iter().map(|h| h.doc).collect())
}

/// Summary line of an item.
pub fn summary(item: &StoredItem, snap: &Snapshot) -> ItemSummary {
    let s = &item.spec;
    ItemSummary {
        code: s.code.clone(),
        name: s.name.clone(),
        kind: s.kind,
        department: s.department.clone(),
        department_name: snap.department_name(&s.department).to_string(),
        handling_department: s.handling_department.clone(),
        handling_department_name: snap.department_name(&s.handling_department).to_string(),
        legal_limit_days: s.legal_limit_days,
        promised_limit_days: s.promised_limit_days,
        mode: s.mode,
        visits: s.visits,
        fully_online: s.fully_online,
        status: s.status,
        version: item.version,
    }
}

fn parse_cursor(cursor: Option<&str>) -> Result<usize, ApiError> {
    match cursor {
        None | Some("") => Ok(0),
        Some(c) => c.strip_prefix("o").and_then(|n| n.parse().ok()).ok_or_else(|| ApiError::bad_request("分页游标无效", "invalid cursor")),
    }
}

/// Searches the catalogue (public).
#[utoipa::path(get, path = "/api/v1/items", tag = "catalogue", params(ItemQuery),
    responses((status = 200, body = ItemList), (status = 400, body = crate::problem::Problem)))]
pub async fn list_items(State(state): State<AppState>, ApiQuery(q): ApiQuery<ItemQuery>) -> Result<Json<ItemList>, ApiError> {
    let snap = state.catalogue.get(&state.store).await?;
    let hits = search(&snap, &q)?;
    let limit = q.limit.unwrap_or(PAGE_LIMIT_DEFAULT).clamp(1, PAGE_LIMIT_MAX);
    let offset = parse_cursor(q.cursor.as_deref())?;
    let items = hits.iter().skip(offset).take(limit).map(|&i| summary(&snap.items[i], &snap)).collect();
    let next = offset + limit;
    Ok(Json(ItemList { items, total: hits.len(), next_cursor: (next < hits.len()).then(|| format!("o{next}")) }))
}

/// Which version to read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// Version number; the current one when absent.
    pub version: Option<u32>,
}

/// Reads an item's current version, or an older one with `?version=N` (public).
#[utoipa::path(get, path = "/api/v1/items/{code}", tag = "catalogue", params(("code" = String, Path, description = "Item code"), VersionQuery),
    responses((status = 200, body = ItemView), (status = 404, body = crate::problem::Problem)))]
pub async fn get_item(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<Json<ItemView>, ApiError> {
    let snap = state.catalogue.get(&state.store).await?;
    let item = state.store.item(&code, q.version).await?.ok_or_else(|| not_found(&code, q.version))?;
    Ok(Json(ItemView::new(item, &snap)))
}

fn not_found(code: &str, version: Option<u32>) -> ApiError {
    match version {
        None => ApiError::not_found(format!("事项{code}不存在"), format!("no item {code}")),
        Some(v) => ApiError::not_found(format!("事项{code}没有第{v}版"), format!("item {code} has no version {v}")),
    }
}

/// Lists an item's versions, newest first (public).
#[utoipa::path(get, path = "/api/v1/items/{code}/versions", tag = "catalogue", params(("code" = String, Path, description = "Item code")),
    responses((status = 200, body = Vec<Object>), (status = 404, body = crate::problem::Problem)))]
pub async fn list_item_versions(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<Vec<VersionSummary>>, ApiError> {
    let versions = state.store.item_versions(&code).await?;
    if versions.is_empty() {
        return Err(not_found(&code, None));
    }
    Ok(Json(versions))
}

/// Validates an edit against the rules and the current departments.
pub fn check(spec: ItemSpec, snap: &Snapshot) -> Result<(ItemSpec, Vec<Warning>), ApiError> {
    let departments: BTreeSet<String> = snap.departments.iter().map(|d| d.code.clone()).collect();
    let bureau = snap.bureau().unwrap_or_default();
    validate(spec, &ValidationContext { bureau, departments: &departments })
        .map_err(|errors| ApiError::validation(serde_json::to_value(errors).expect("field errors serialise")))
}

/// Creates an item at version 1 (catalogue administrator).
#[utoipa::path(post, path = "/api/v1/items", tag = "catalogue", request_body = ItemWrite,
    responses((status = 201, body = SavedItem), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem),
        (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
pub async fn create_item(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ItemWrite>,
) -> Result<(StatusCode, Json<SavedItem>), ApiError> {
    let role = user.require(Permission::EditCatalogue, "编辑事项清单", "edit the catalogue")?;
    let snap = state.catalogue.get(&state.store).await?;
    let (spec, warnings) = check(body.spec, &snap)?;
    let note = if body.change_note.trim().is_empty() { "新增事项".to_string() } else { body.change_note };
    let saved = state.store.create_item(&spec, &note, &state.actor(&user.user, role)).await?;
    tracing::info!(code = %spec.code, "Created item {}", spec.code);
    Ok((StatusCode::CREATED, Json(SavedItem { item: ItemView::new(saved, &snap), warnings })))
}

/// Saves a new version of an item (catalogue administrator). Old versions stay readable.
#[utoipa::path(put, path = "/api/v1/items/{code}", tag = "catalogue", params(("code" = String, Path, description = "Item code")), request_body = ItemWrite,
    responses((status = 200, body = SavedItem), (status = 401, body = crate::problem::Problem), (status = 403, body = crate::problem::Problem),
        (status = 404, body = crate::problem::Problem), (status = 409, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
pub async fn update_item(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(mut body): ApiJson<ItemWrite>,
) -> Result<Json<SavedItem>, ApiError> {
    let role = user.require(Permission::EditCatalogue, "编辑事项清单", "edit the catalogue")?;
    let saved = save_edit(&state, &user, role, &code, &mut body).await?;
    Ok(Json(saved))
}

/// Shared by the API and the edit form: validate, keep the code, save a new version.
pub async fn save_edit(
    state: &AppState,
    user: &CurrentUser,
    role: onewindow_core::role::Role,
    code: &str,
    body: &mut ItemWrite,
) -> Result<SavedItem, ApiError> {
    let snap = state.catalogue.get(&state.store).await?;
    let existing = snap.item(code).ok_or_else(|| not_found(code, None))?;
    body.spec.code = existing.spec.code.clone();
    if let Some(expected) = body.expected_version.filter(|v| *v != existing.version) {
        return Err(onewindow_store::StoreError::Stale(format!("item {code} is at version {}, not {expected}", existing.version)).into());
    }
    let (spec, warnings) = check(body.spec.clone(), &snap)?;
    if spec == existing.spec {
        return Err(ApiError::conflict("内容与当前版本相同，未保存新版本", "nothing changed; no new version saved"));
    }
    let note = body.change_note.trim();
    if note.is_empty() {
        return Err(ApiError::validation(
            serde_json::json!([{"field": "change_note", "message_zh": "请填写修改说明", "message_en": "a change note is required"}]),
        ));
    }
    let saved = state.store.update_item(&spec, body.expected_version, note, &state.actor(&user.user, role)).await?;
    tracing::info!(code = %spec.code, version = saved.version, "Saved item {} version {}", spec.code, saved.version);
    Ok(SavedItem { item: ItemView::new(saved, &snap), warnings })
}

/// Lists transfer batches (public: the transfer of powers is published).
#[utoipa::path(get, path = "/api/v1/items/transfers", tag = "catalogue", responses((status = 200, body = Vec<Object>)))]
pub async fn list_transfers(State(state): State<AppState>) -> Result<Json<Vec<StoredTransfer>>, ApiError> {
    Ok(Json(state.store.transfers().await?))
}

/// The result of a transfer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferResult {
    /// Batch id.
    pub id: i64,
    /// Items now handled by the bureau.
    pub transferred: usize,
    /// Items kept by their departments.
    pub kept: usize,
}

/// Transfers items to the approval bureau in one batch, with a reason per item kept back
/// (catalogue administrator). All or nothing.
#[utoipa::path(post, path = "/api/v1/items/transfers", tag = "catalogue", request_body = TransferBatch,
    responses((status = 201, body = TransferResult), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
pub async fn create_transfer(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(batch): ApiJson<TransferBatch>,
) -> Result<(StatusCode, Json<TransferResult>), ApiError> {
    let role = user.require(Permission::EditCatalogue, "划转事项", "transfer items")?;
    let result = apply_transfer(&state, &user, role, &batch).await?;
    Ok((StatusCode::CREATED, Json(result)))
}

/// Shared by the API and the transfer form.
pub async fn apply_transfer(
    state: &AppState,
    user: &CurrentUser,
    role: onewindow_core::role::Role,
    batch: &TransferBatch,
) -> Result<TransferResult, ApiError> {
    match state.store.apply_transfer(batch, &state.actor(&user.user, role)).await? {
        Ok(id) => Ok(TransferResult { id, transferred: batch.items.len(), kept: batch.kept.len() }),
        Err(errors) => {
            let list: Vec<serde_json::Value> =
                errors.iter().map(|e| serde_json::json!({"message_zh": e.message_zh(), "message_en": e.to_string()})).collect();
            Err(ApiError::validation(serde_json::Value::Array(list)))
        }
    }
}

/// Lists departments, the approval bureau first (public).
#[utoipa::path(get, path = "/api/v1/departments", tag = "catalogue", responses((status = 200, body = Vec<DepartmentRecord>)))]
pub async fn list_departments(State(state): State<AppState>) -> Result<Json<Vec<DepartmentRecord>>, ApiError> {
    Ok(Json(state.store.departments().await?))
}
