//! The catalogue API: items, their versions, transfers to the bureau, departments, import and
//! export.
use super::service::*;
use crate::catalogue::cache::Snapshot;
use crate::state::AppState;
use crate::web::auth::CurrentUser;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::problem::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use onewindow_core::catalogue::{DepartmentRecord, HandlingMode, ItemKind, ItemStatus, TransferBatch};
use onewindow_core::role::Permission;
use onewindow_store::{StoredItem, StoredTransfer, VersionSummary};
use serde::{Deserialize, Serialize};
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
#[utoipa::path(get, path = "/api/v1/items", tag = "catalogue", security(()), params(ItemQuery),
    responses((status = 200, body = ItemList), (status = 400, body = crate::web::problem::Problem)))]
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
#[utoipa::path(get, path = "/api/v1/items/{code}", tag = "catalogue", security(()), params(("code" = String, Path, description = "Item code"), VersionQuery),
    responses((status = 200, body = ItemView), (status = 404, body = crate::web::problem::Problem)))]
pub async fn get_item(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<Json<ItemView>, ApiError> {
    let snap = state.catalogue.get(&state.store).await?;
    let item = state.store.item(&code, q.version).await?.ok_or_else(|| not_found(&code, q.version))?;
    Ok(Json(ItemView::new(item, &snap)))
}
/// Lists an item's versions, newest first (public).
#[utoipa::path(get, path = "/api/v1/items/{code}/versions", tag = "catalogue", security(()), params(("code" = String, Path, description = "Item code")),
    responses((status = 200, body = Vec<Object>), (status = 404, body = crate::web::problem::Problem)))]
pub async fn list_item_versions(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<Vec<VersionSummary>>, ApiError> {
    let versions = state.store.item_versions(&code).await?;
    if versions.is_empty() {
        return Err(not_found(&code, None));
    }
    Ok(Json(versions))
}
/// Creates an item at version 1 (catalogue administrator).
#[utoipa::path(post, path = "/api/v1/items", tag = "catalogue", security(("session" = ["edit_catalogue"])), request_body = ItemWrite,
    responses((status = 201, body = SavedItem), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem),
        (status = 409, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn create_item(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ItemWrite>,
) -> Result<(StatusCode, Json<SavedItem>), ApiError> {
    let role = user.require(Permission::EditCatalogue)?;
    let snap = state.catalogue.get(&state.store).await?;
    let (spec, warnings) = check(body.spec, &snap)?;
    let note = if body.change_note.trim().is_empty() { "新增事项".to_string() } else { body.change_note };
    let saved = state.store.create_item(&spec, &note, &state.actor(&user.user, role)).await?;
    tracing::info!(code = %spec.code, "Created item {}", spec.code);
    Ok((StatusCode::CREATED, Json(SavedItem { item: ItemView::new(saved, &snap), warnings })))
}
/// Saves a new version of an item (catalogue administrator). Old versions stay readable.
#[utoipa::path(put, path = "/api/v1/items/{code}", tag = "catalogue", security(("session" = ["edit_catalogue"])), params(("code" = String, Path, description = "Item code")), request_body = ItemWrite,
    responses((status = 200, body = SavedItem), (status = 401, body = crate::web::problem::Problem), (status = 403, body = crate::web::problem::Problem),
        (status = 404, body = crate::web::problem::Problem), (status = 409, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn update_item(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(mut body): ApiJson<ItemWrite>,
) -> Result<Json<SavedItem>, ApiError> {
    let role = user.require(Permission::EditCatalogue)?;
    let saved = save_edit(&state, &user, role, &code, &mut body).await?;
    Ok(Json(saved))
}
/// Lists transfer batches (public: the transfer of powers is published).
#[utoipa::path(get, path = "/api/v1/items/transfers", tag = "catalogue", security(()), responses((status = 200, body = Vec<Object>)))]
pub async fn list_transfers(State(state): State<AppState>) -> Result<Json<Vec<StoredTransfer>>, ApiError> {
    Ok(Json(state.store.transfers().await?))
}
/// Transfers items to the approval bureau in one batch, with a reason per item kept back
/// (catalogue administrator). All or nothing.
#[utoipa::path(post, path = "/api/v1/items/transfers", tag = "catalogue", security(("session" = ["edit_catalogue"])), request_body = TransferBatch,
    responses((status = 201, body = TransferResult), (status = 403, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn create_transfer(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(batch): ApiJson<TransferBatch>,
) -> Result<(StatusCode, Json<TransferResult>), ApiError> {
    let role = user.require(Permission::EditCatalogue)?;
    let result = apply_transfer(&state, &user, role, &batch).await?;
    Ok((StatusCode::CREATED, Json(result)))
}
/// Lists departments, the approval bureau first (public).
#[utoipa::path(get, path = "/api/v1/departments", tag = "catalogue", security(()), responses((status = 200, body = Vec<DepartmentRecord>)))]
pub async fn list_departments(State(state): State<AppState>) -> Result<Json<Vec<DepartmentRecord>>, ApiError> {
    Ok(Json(state.store.departments().await?))
}
/// Import options.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check only; apply nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// `csv` or `json`; guessed from the content type, then the content, when absent.
    pub format: Option<String>,
}
/// Imports a catalogue file (JSON or CSV in the body). Catalogue administrator.
#[utoipa::path(post, path = "/api/v1/catalogue/import", tag = "catalogue", security(("session" = ["edit_catalogue"])), params(ImportQuery),
    request_body(content = String, description = "A catalogue file: JSON (departments, items, transfers) or CSV (items)", content_type = "text/csv"),
    responses((status = 200, body = ImportOutcome), (status = 403, body = crate::web::problem::Problem), (status = 422, body = crate::web::problem::Problem)))]
pub async fn import_catalogue(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportOutcome>, ApiError> {
    let role = user.require(Permission::EditCatalogue)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("文件不是UTF-8编码，请另存为“CSV UTF-8”后重试", "the file is not UTF-8"))?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let csv = is_csv(q.format.as_deref(), content_type, text);
    Ok(Json(run_import(&state, &user, role, text, csv, q.dry_run, "通过接口导入").await?))
}
/// Export options.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` or `json` (default).
    pub format: Option<String>,
}
/// Exports the whole catalogue. Catalogue administrator, system administrator, auditor.
#[utoipa::path(get, path = "/api/v1/catalogue/export", tag = "catalogue", security(("session" = ["export_catalogue"])), params(ExportQuery),
    responses((status = 200, description = "The catalogue as JSON or CSV"), (status = 403, body = crate::web::problem::Problem)))]
pub async fn export_catalogue(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let role = user.require(Permission::ExportCatalogue)?;
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                format!("不支持的格式“{other}”，请用csv或json"),
                format!("unknown format {other:?}; use csv or json"),
            ));
        }
    };
    export_download(&state, &user, role, csv, false).await
}
