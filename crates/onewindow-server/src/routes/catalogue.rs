//! Whole-catalogue import and export. An import is checked completely first and applied in
//! one transaction; a file with any error applies nothing and reports every error with its
//! line number and field.

use crate::auth::CurrentUser;
use crate::problem::ApiError;
use crate::routes::extract::ApiQuery;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use onewindow_core::catalogue::{CatalogueFile, ImportError, ImportWarning, parse_csv, parse_json, to_csv};
use onewindow_core::role::{Permission, Role};
use onewindow_store::{ImportSummary, Store};
use serde::{Deserialize, Serialize};

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

/// Imports a catalogue file (JSON or CSV in the body). Catalogue administrator.
#[utoipa::path(post, path = "/api/v1/catalogue/import", tag = "catalogue", params(ImportQuery),
    request_body(content = String, description = "A catalogue file: JSON (departments, items, transfers) or CSV (items)", content_type = "text/csv"),
    responses((status = 200, body = ImportOutcome), (status = 403, body = crate::problem::Problem), (status = 422, body = crate::problem::Problem)))]
pub async fn import_catalogue(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportOutcome>, ApiError> {
    let role = user.require(Permission::EditCatalogue, "导入事项清单", "import the catalogue")?;
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

/// Exports the whole catalogue. Catalogue administrator, system administrator, auditor.
#[utoipa::path(get, path = "/api/v1/catalogue/export", tag = "catalogue", params(ExportQuery),
    responses((status = 200, description = "The catalogue as JSON or CSV"), (status = 403, body = crate::problem::Problem)))]
pub async fn export_catalogue(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let role = user.require(Permission::ExportCatalogue, "导出事项清单", "export the catalogue")?;
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
