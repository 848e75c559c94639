//! What the catalogue API and pages share: search, checking and saving an item, transfers,
//! import and export.

use crate::catalogue::cache::Snapshot;
use crate::state::AppState;
use crate::web::auth::CurrentUser;
use crate::web::problem::ApiError;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use onewindow_core::catalogue::{
    CatalogueFile, ImportError, ImportWarning, ItemKind, ItemSpec, TransferBatch, ValidationContext, Warning, parse_csv, parse_json,
    to_csv, validate,
};
use onewindow_core::region::Level;
use onewindow_core::role::Role;
use onewindow_core::search::Query;
use onewindow_store::{ImportSummary, Store, StoredItem};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const PAGE_LIMIT_DEFAULT: usize = 20;

pub const PAGE_LIMIT_MAX: usize = 100;

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

/// Validates an edit against the rules and the current departments.
pub fn check(spec: ItemSpec, snap: &Snapshot) -> Result<(ItemSpec, Vec<Warning>), ApiError> {
    let departments: BTreeSet<String> = snap.departments.iter().map(|d| d.code.clone()).collect();
    let bureau = snap.bureau().unwrap_or_default();
    validate(spec, &ValidationContext { bureau, departments: &departments })
        .map_err(|errors| ApiError::validation(serde_json::to_value(errors).expect("field errors serialise")))
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

/// What an import did (or would do).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    /// Whether anything was applied.
    pub applied: bool,
    /// Items in the file.
    pub items: usize,
    /// What changed (absent on a dry run).
    #[schema(value_type = Option<Object>)]
    pub summary: Option<ImportSummary>,
    /// Accepted deviations, each with its line and field.
    pub warnings: Vec<ImportWarning>,
}

/// Whether a file is CSV: by the explicit format, the content type, or its first character.
pub fn is_csv(format: Option<&str>, content_type: Option<&str>, text: &str) -> bool {
    match format {
        Some(f) => f.eq_ignore_ascii_case("csv"),
        None => match content_type {
            Some(ct) if ct.starts_with("text/csv") => true,
            Some(ct) if ct.starts_with("application/json") => false,
            _ => !text.trim_start_matches('\u{FEFF}').trim_start().starts_with('{'),
        },
    }
}

/// Parses and checks a catalogue file against the stored departments.
pub async fn check_file(
    store: &Store,
    text: &str,
    csv: bool,
) -> Result<(CatalogueFile, Vec<ImportWarning>), Result<Vec<ImportError>, ApiError>> {
    let stored = store.departments().await.map_err(|e| Err(e.into()))?;
    let file = if csv { parse_csv(text, &stored) } else { parse_json(text) }.map_err(Ok)?;
    file.check(&stored).map_err(Ok)
}

/// Runs an import for a user who may edit the catalogue; shared by the API, the UI and the CLI path.
pub async fn run_import(
    state: &AppState,
    user: &CurrentUser,
    role: Role,
    text: &str,
    csv: bool,
    dry_run: bool,
    note: &str,
) -> Result<ImportOutcome, ApiError> {
    let (file, warnings) = match check_file(&state.store, text, csv).await {
        Ok(ok) => ok,
        Err(Ok(errors)) => {
            return Err(ApiError::validation(serde_json::to_value(&errors).expect("errors serialise")));
        }
        Err(Err(e)) => return Err(e),
    };
    let items = file.items.len();
    if dry_run {
        return Ok(ImportOutcome { applied: false, items, summary: None, warnings });
    }
    let summary = state.store.import_catalogue(&file, note, &state.actor(&user.user, role)).await?;
    tracing::info!(created = summary.created, updated = summary.updated, "Imported the catalogue");
    Ok(ImportOutcome { applied: true, items, summary: Some(summary), warnings })
}

/// Builds the export of the current catalogue: JSON with departments and transfer history, or CSV of items.
pub async fn export_text(store: &Store, csv: bool) -> Result<String, onewindow_store::StoreError> {
    let items: Vec<_> = store.current_items().await?.into_iter().map(|i| i.spec).collect();
    if csv {
        return Ok(to_csv(&items));
    }
    let file = CatalogueFile {
        departments: store.departments().await?,
        items,
        transfers: store.transfers().await?.into_iter().map(|t| t.batch).collect(),
        item_lines: vec![],
    };
    Ok(serde_json::to_string_pretty(&file).expect("catalogue serialises"))
}

/// The export as a download, recorded in the audit trail. With `bom`, the CSV starts with a
/// byte-order mark so that spreadsheet programs read it as UTF-8.
pub async fn export_download(state: &AppState, user: &CurrentUser, role: Role, csv: bool, bom: bool) -> Result<Response, ApiError> {
    let text = export_text(&state.store, csv).await?;
    let detail = serde_json::json!({"format": if csv { "csv" } else { "json" }});
    state.store.record(&state.actor(&user.user, role), "catalogue.export", "catalogue", detail).await?;
    let (ct, name, body) = match (csv, bom) {
        (true, true) => ("text/csv; charset=utf-8", "catalogue.csv", format!("\u{FEFF}{text}")),
        (true, false) => ("text/csv; charset=utf-8", "catalogue.csv", text),
        (false, _) => ("application/json", "catalogue.json", text),
    };
    Ok(([(header::CONTENT_TYPE, ct.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], body)
        .into_response())
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

pub fn not_found(code: &str, version: Option<u32>) -> ApiError {
    match version {
        None => ApiError::not_found(format!("事项{code}不存在"), format!("no item {code}")),
        Some(v) => ApiError::not_found(format!("事项{code}没有第{v}版"), format!("item {code} has no version {v}")),
    }
}
